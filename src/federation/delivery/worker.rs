//! The worker of one process: claims due rows as far as there is room (overall, and 8 per
//! host), sends each on its own task, and hands the outcomes to the recorder.

use super::{
    hosts::fail_dead_hosts,
    notify,
    outcome::Outcome,
    queue::{Job, claim, release_leases},
    record::record_outcomes,
    schemes::SchemeMemory,
    send::{Payload, Sender, send},
};
use crate::{
    db::{entities::activity, is_postgres},
    error::AppResult,
    federation::state::AppState,
    federation::{
        followers_sync::FollowersSync,
        local_actor,
        signing::{BodyDigests, Signer},
    },
    services::local_actor::LocalActor,
};
use activitypub_federation::config::FederationConfig;
use bytes::Bytes;
use chrono::Duration as ChronoDuration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::Semaphore;

/// Rows claimed at once by one worker.
const BATCH: usize = 256;
/// Deliveries in flight to one host at once, per node.
const PER_HOST: usize = 8;

/// The delivery worker of one process.
pub struct Worker {
    federation: FederationConfig<AppState>,
    /// The keys that sign what our actors send, loaded on first use.
    signers: tokio::sync::Mutex<HashMap<LocalActor, Signer>>,
    in_flight: Arc<Semaphore>,
    signing: Arc<Semaphore>,
    /// The signature scheme to try first, per host.
    schemes: SchemeMemory,
    followers_sync: FollowersSync,
    per_host: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
    lease: ChronoDuration,
    /// Outcomes on their way to the database, written in batches by `record_outcomes`.
    outcomes: tokio::sync::mpsc::UnboundedSender<(Job, Outcome)>,
}

impl Worker {
    /// The worker, and the task that records its outcomes (spawn it beside the worker).
    pub async fn new(
        federation: FederationConfig<AppState>,
    ) -> AppResult<(Arc<Worker>, impl std::future::Future<Output = ()> + use<>)> {
        let (outcomes, receiver) = tokio::sync::mpsc::unbounded_channel();
        let recorder = record_outcomes(federation.to_request_data(), receiver);
        let schemes = SchemeMemory::load(&federation.db).await?;
        let cfg = &federation.config.delivery;
        Ok((
            Arc::new(Worker {
                in_flight: Arc::new(Semaphore::new(cfg.concurrency)),
                signing: Arc::new(Semaphore::new(cfg.signing_threads())),
                lease: ChronoDuration::seconds(cfg.lease_seconds as i64),
                per_host: Default::default(),
                schemes,
                followers_sync: FollowersSync::default(),
                signers: Default::default(),
                federation,
                outcomes,
            }),
            recorder,
        ))
    }

    fn host_limit(&self, host: &str) -> Arc<Semaphore> {
        let mut map = self.per_host.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle hosts now and then, so a fan-out to many hosts does not grow the map.
        if map.len() > 4096 {
            map.retain(|_, s| s.available_permits() < PER_HOST);
        }
        map.entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }

    /// Who sends an activity whose actor is `sender` (the blog when it names none of ours),
    /// and the key that signs it.
    async fn sender_of(&self, sender: Option<&str>) -> AppResult<(LocalActor, Signer)> {
        let urls = &self.federation.urls;
        let local = sender
            .and_then(|s| url::Url::parse(s).ok())
            .and_then(|actor| LocalActor::from_id(urls, &actor))
            .unwrap_or(LocalActor::Blog);
        let mut known = self.signers.lock().await;
        if let Some(signer) = known.get(&local) {
            return Ok((local, signer.clone()));
        }
        let signer = local_actor::signer(&self.federation.db, urls, &local).await?;
        known.insert(local.clone(), signer.clone());
        Ok((local, signer))
    }

    /// Claims what is due (as much as there is room for) and starts sending it. Returns how
    /// many rows it claimed.
    pub async fn claim_and_start(self: &Arc<Self>) -> AppResult<usize> {
        let concurrency = self.federation.config.delivery.concurrency;
        let room = self.in_flight.available_permits().min(BATCH);
        // Claim in batches: one claim per freed slot would make a write per delivery.
        if room == 0 || (room < concurrency && room < (concurrency / 4).max(1)) {
            return Ok(0);
        }
        let data = self.federation.to_request_data();
        let jobs = claim(&data.db, data.clock.now(), room, self.lease).await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut ids: Vec<i32> = jobs.iter().map(|j| j.activity_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = activity::Entity::find()
            .filter(activity::Column::Id.is_in(ids))
            .all(&data.db)
            .await?;
        let mut payloads: HashMap<i32, (Payload, Signer)> = HashMap::with_capacity(rows.len());
        for a in rows {
            let (local, signer) = self.sender_of(a.sender.as_deref()).await?;
            let digests = BodyDigests::of(a.json.as_bytes());
            let followers_of = a.to_followers.then_some(local);
            let body = Bytes::from(a.json.into_bytes());
            payloads.insert(
                a.id,
                (
                    Payload {
                        body,
                        digests,
                        followers_of,
                    },
                    signer,
                ),
            );
        }
        let count = jobs.len();
        for job in jobs {
            let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
                // Cannot happen (we claimed no more than the room), but if it did the lease
                // hands the row back to the queue.
                break;
            };
            let worker = self.clone();
            let payload = payloads.get(&job.activity_id).cloned();
            tokio::spawn(async move {
                let data = worker.federation.to_request_data();
                let host = worker.host_limit(&job.host);
                let outcome = match (payload, host.acquire().await) {
                    (Some((payload, signer)), Ok(_host_permit)) => {
                        let sender = Sender {
                            data: &data,
                            signer: &signer,
                            signing: &worker.signing,
                            schemes: &worker.schemes,
                            followers_sync: &worker.followers_sync,
                        };
                        send(&sender, &job.inbox, payload).await
                    }
                    (None, _) => Outcome::Failed {
                        status: None,
                        error: "activity is gone".into(),
                    },
                    (_, Err(_)) => Outcome::Retry {
                        status: None,
                        error: "shutting down".into(),
                        after: None,
                    },
                };
                drop(permit);
                if worker.outcomes.send((job, outcome)).is_err() {
                    tracing::error!("delivery outcomes cannot be recorded: recorder gone");
                }
                worker.federation.delivery_wakeup.notify_one();
            });
        }
        Ok(count)
    }

    /// Waits until all started deliveries are done (for tests and benchmarks).
    pub async fn idle(&self) {
        let total = self.federation.config.delivery.concurrency as u32;
        if let Ok(all) = self.in_flight.acquire_many(total).await {
            drop(all);
        }
    }
}

/// The delivery worker: runs until the task is dropped. Wakes when this process queues
/// something or a delivery finishes, when another process queued something (PostgreSQL's
/// notification; on SQLite, the CLI's datagram), and polls as a fallback.
pub async fn worker(federation: FederationConfig<AppState>) {
    let worker = match Worker::new(federation.clone()).await {
        Ok((w, recorder)) => {
            tokio::spawn(recorder);
            w
        }
        Err(e) => {
            tracing::error!(error = %e, "delivery worker cannot start");
            return;
        }
    };
    let db = &federation.db;
    if !is_postgres(db)
        && let Err(e) = release_leases(db).await
    {
        tracing::error!(error = %e, "cannot release delivery leases");
    }
    // Wake-ups from other processes, ending with the worker (a server stopped in a test leaves
    // no listener holding its database).
    let wakeups = async {
        if is_postgres(db) {
            notify::listen(federation.clone()).await
        } else {
            notify::listen_on_socket(federation.clone()).await
        }
    };
    tokio::join!(wakeups, deliver(&worker, &federation));
}

/// Claims and starts deliveries whenever woken, polling as a fallback, until dropped.
async fn deliver(worker: &Arc<Worker>, federation: &FederationConfig<AppState>) {
    let db = &federation.db;
    let poll = Duration::from_millis(federation.config.delivery.poll_millis);
    let mut last_sweep = std::time::Instant::now() - Duration::from_secs(3600);
    loop {
        if last_sweep.elapsed() > Duration::from_secs(60) {
            last_sweep = std::time::Instant::now();
            match fail_dead_hosts(db).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(count = n, "deliveries to dead hosts given up"),
                Err(e) => tracing::error!(error = %e, "dead-host sweep"),
            }
        }
        match worker.claim_and_start().await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "delivery queue"),
        }
        tokio::select! {
            _ = federation.delivery_wakeup.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}
