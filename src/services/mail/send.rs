//! The mail worker of `feder serve`: every few seconds it drops mails too old to matter,
//! schedules the daily digest, and sends what is due through the SMTP server of the settings
//! in effect (changed in /admin/settings, used at the next round). A mail is claimed by raising
//! its attempt count (so two nodes never send it twice), removed once the server took it, and
//! retried with exponential backoff otherwise; a permanent refusal (5xx) or
//! [`MAX_ATTEMPTS`] failures give it up.

use super::{Mail, compose::compose, record};
use crate::{
    config::{MailConfig, MailTls},
    db::entities::{mail, notification, setting},
    error::{AppError, AppResult},
    services::{Site, settings::SiteSettings},
};
use chrono::{DateTime, Duration, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

/// A mail not sent within three days is dropped: news of a comment is stale by then, and a
/// blog without a mail server keeps nothing longer.
pub const MAX_AGE: Duration = Duration::days(3);
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claimed mail is its node's before another may try it.
const LEASE: Duration = Duration::minutes(5);
const POLL: std::time::Duration = std::time::Duration::from_secs(2);
/// Where the digest remembers when it was last sent and up to which notification.
const DIGEST_STATE: &str = "mail_digest_state";
const DIGEST_EVERY: Duration = Duration::hours(24);

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Runs until the server stops.
pub async fn worker(site: Site) {
    loop {
        if let Err(e) = run_once(&site).await {
            tracing::warn!(error = %e, "mail queue");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One round: returns how many mails the SMTP server took.
pub async fn run_once(site: &Site) -> AppResult<usize> {
    let now = Utc::now();
    mail::Entity::delete_many()
        .filter(mail::Column::CreatedAt.lt(now - MAX_AGE))
        .exec(&site.db)
        .await?;
    let settings = site.settings.current();
    if !settings.mail_enabled() {
        return Ok(0);
    }
    if settings.mail.digest {
        schedule_digest(site, now).await?;
    }
    let transport = match transport(&settings.mail) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, host = %settings.mail.smtp_host, "mail server unusable");
            return Ok(0);
        }
    };
    let due = mail::Entity::find()
        .filter(mail::Column::NextAttemptAt.lte(now))
        .order_by_asc(mail::Column::Id)
        .limit(20)
        .all(&site.db)
        .await?;
    let mut sent = 0;
    for row in due {
        if !claim(site, &row, now).await? {
            continue;
        }
        match deliver(site, &settings, &transport, &row).await {
            Ok(()) => {
                mail::Entity::delete_by_id(row.id).exec(&site.db).await?;
                sent += 1;
            }
            Err(failure) => failed(site, &row, failure).await?,
        }
    }
    Ok(sent)
}

/// Takes `row` for this node: false when another took it first.
async fn claim(site: &Site, row: &mail::Model, now: DateTime<Utc>) -> AppResult<bool> {
    let taken = mail::Entity::update_many()
        .col_expr(mail::Column::Attempts, Expr::value(row.attempts + 1))
        .col_expr(mail::Column::NextAttemptAt, Expr::value(now + LEASE))
        .filter(mail::Column::Id.eq(row.id))
        .filter(mail::Column::Attempts.eq(row.attempts))
        .exec(&site.db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Why a mail did not go.
enum Failure {
    /// Worth another try later (network, a busy server, 4xx).
    Again(String),
    /// Never going to work (5xx, an address lettre cannot write).
    Never(String),
}

async fn failed(site: &Site, row: &mail::Model, failure: Failure) -> AppResult<()> {
    let attempts = row.attempts + 1;
    let (error, give_up) = match failure {
        Failure::Again(e) => (e, attempts >= MAX_ATTEMPTS),
        Failure::Never(e) => (e, true),
    };
    if give_up {
        tracing::warn!(id = row.id, attempts, %error, "mail given up");
        mail::Entity::delete_by_id(row.id).exec(&site.db).await?;
        return Ok(());
    }
    // 30 s, 1 min, 2 min … up to an hour.
    let wait = Duration::seconds(30 * (1i64 << (attempts - 1).clamp(0, 7))).min(Duration::hours(1));
    tracing::info!(id = row.id, attempts, %error, "mail not sent, trying again");
    mail::Entity::update(mail::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(row.id),
        next_attempt_at: Set(Utc::now() + wait),
        last_error: Set(Some(error)),
        ..Default::default()
    })
    .exec(&site.db)
    .await?;
    Ok(())
}

async fn deliver(
    site: &Site,
    settings: &SiteSettings,
    transport: &Transport,
    row: &mail::Model,
) -> Result<(), Failure> {
    let never = |e: String| Failure::Never(e);
    let mail: Mail = serde_json::from_str(&row.message).map_err(|e| never(e.to_string()))?;
    let composed = compose(site, settings, &mail)
        .await
        .map_err(|e| Failure::Again(e.to_string()))?;
    // What it was about is gone or handled: nothing to send.
    let Some(composed) = composed else {
        return Ok(());
    };
    let owner: Mailbox = settings
        .mail
        .to
        .parse()
        .map_err(|e| never(format!("to: {e}")))?;
    let from: Mailbox = match settings.mail.from.as_str() {
        "" => owner.clone(),
        from => from.parse().map_err(|e| never(format!("from: {e}")))?,
    };
    let to = match &composed.to {
        Some(to) => to.parse().map_err(|e| never(format!("to: {e}")))?,
        None => owner,
    };
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(composed.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(composed.body)
        .map_err(|e| never(e.to_string()))?;
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::Never(e.to_string())),
        Err(e) => Err(Failure::Again(e.to_string())),
    }
}

/// The SMTP client for `mail`; the usual port of its encryption unless one is set.
fn transport(mail: &MailConfig) -> Result<Transport, lettre::transport::smtp::Error> {
    let host = mail.smtp_host.as_str();
    let builder = match mail.tls {
        MailTls::Tls => Transport::relay(host)?,
        MailTls::Starttls => Transport::starttls_relay(host)?,
        MailTls::None => Transport::builder_dangerous(host),
    };
    let mut builder = builder.timeout(Some(std::time::Duration::from_secs(20)));
    if mail.smtp_port != 0 {
        builder = builder.port(mail.smtp_port);
    }
    if !mail.user.is_empty() {
        builder = builder.credentials(Credentials::new(mail.user.clone(), mail.password.clone()));
    }
    Ok(builder.build())
}

/// Once a day, records a digest of the notifications since the last one. The first round
/// only starts counting. The state is swapped conditionally, so of several nodes one records it.
async fn schedule_digest(site: &Site, now: DateTime<Utc>) -> AppResult<()> {
    let newest = notification::Entity::find()
        .order_by_desc(notification::Column::Id)
        .one(&site.db)
        .await?
        .map(|n| n.id)
        .unwrap_or(0);
    let state = |at: DateTime<Utc>, id: i32| format!("{} {id}", at.to_rfc3339());
    let stored = setting::Entity::find_by_id(DIGEST_STATE)
        .one(&site.db)
        .await?;
    let Some(stored) = stored else {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(DIGEST_STATE.into()),
            value: Set(state(now, newest)),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(setting::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&site.db)
        .await?;
        return Ok(());
    };
    let (at, last_id) = stored
        .value
        .split_once(' ')
        .and_then(|(at, id)| Some((DateTime::parse_from_rfc3339(at).ok()?, id.parse().ok()?)))
        .map(|(at, id): (_, i32)| (at.with_timezone(&Utc), id))
        .unwrap_or((now - DIGEST_EVERY, 0));
    if now - at < DIGEST_EVERY {
        return Ok(());
    }
    let txn = crate::db::begin_write(&site.db).await?;
    let swapped = setting::Entity::update_many()
        .col_expr(setting::Column::Value, Expr::value(state(now, newest)))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Key.eq(DIGEST_STATE))
        .filter(setting::Column::Value.eq(stored.value.clone()))
        .exec(&txn)
        .await?;
    if swapped.rows_affected == 1 && newest > last_id {
        record(
            &txn,
            &Mail::Digest {
                after_id: last_id,
                until_id: newest,
            },
        )
        .await?;
    }
    txn.commit().await.map_err(AppError::from)
}
