//! The keys of our actors. The blog actor's and the `Application` actor's (FEP-2677, whose
//! key signs the fetches made for no one in particular: remote actors, keys, objects) are
//! loaded at start ([`KeyedActor`], in `AppState`); every [`LocalActor`]'s key is in
//! `site_keys` under its name, made on first use. Their ActivityPub side (the federation
//! crate's traits) is in `actor`.

use crate::{
    db::entities::site_key,
    error::{AppError, AppResult},
    federation::signing::Signer,
    services::local_actor::LocalActor,
    urls::Urls,
};
use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use url::Url;

/// An actor of ours with its key pair at hand: its id, inbox and keys.
#[derive(Debug, Clone)]
pub struct KeyedActor {
    pub id: Url,
    pub inbox: Url,
    pub key_id: String,
    pub public_key_pem: String,
    private_key_pem: String,
}

impl KeyedActor {
    /// The blog actor.
    pub fn new(urls: &Urls, public_key_pem: String, private_key_pem: String) -> KeyedActor {
        KeyedActor {
            id: urls.actor(),
            inbox: urls.inbox(),
            key_id: urls.actor_key(),
            public_key_pem,
            private_key_pem,
        }
    }

    /// The application actor: it takes what reaches it at the shared inbox.
    pub fn application(urls: &Urls, public_key_pem: String, private_key_pem: String) -> KeyedActor {
        KeyedActor {
            id: urls.application(),
            inbox: urls.shared_inbox(),
            key_id: urls.application_key(),
            public_key_pem,
            private_key_pem,
        }
    }

    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }
}

/// The public key of `actor` (made and stored on first use), as PEM.
pub async fn public_key(db: &DatabaseConnection, actor: &LocalActor) -> AppResult<String> {
    let key = load_or_create_key(db, &actor.name())
        .await
        .map_err(AppError::internal)?;
    Ok(key.public_key_pem)
}

/// The signer of what `actor` sends.
pub async fn signer(db: &DatabaseConnection, urls: &Urls, actor: &LocalActor) -> AppResult<Signer> {
    let key = load_or_create_key(db, &actor.name())
        .await
        .map_err(AppError::internal)?;
    Signer::from_pem(&key.private_key_pem, actor.key_id(urls)).map_err(AppError::internal)
}

/// The key pair named `name` in `site_keys`, made and stored if there is none yet.
pub(crate) async fn load_or_create_key(
    db: &DatabaseConnection,
    name: &str,
) -> anyhow::Result<site_key::Model> {
    if let Some(key) = find_key(db, name).await? {
        return Ok(key);
    }
    let keypair = tokio::task::spawn_blocking(
        activitypub_federation::http_signatures::generate_actor_keypair,
    )
    .await
    .context("key generation task")?
    .context("generating a key pair")?;
    // Two processes (the server and a CLI command) may race to create it: the first one wins.
    site_key::Entity::insert(site_key::ActiveModel {
        name: Set(name.to_string()),
        public_key_pem: Set(keypair.public_key),
        private_key_pem: Set(keypair.private_key),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(site_key::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    find_key(db, name)
        .await?
        .context("a key vanished after it was stored")
}

async fn find_key(db: &DatabaseConnection, name: &str) -> anyhow::Result<Option<site_key::Model>> {
    Ok(site_key::Entity::find()
        .filter(site_key::Column::Name.eq(name))
        .one(db)
        .await?)
}
