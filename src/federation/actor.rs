//! The blog's own actor (which signs everything we send) and remote actors as the federation
//! crate sees them: a newtype around the stored row that can be fetched and refreshed.

use crate::{
    db::{
        changes::{self, Change},
        entities::actor,
    },
    error::AppError,
    federation::protocol::{ApActor, ApKey, Person},
    federation::{local_actor::KeyedActor, state::AppState},
};
use activitypub_federation::{
    config::Data,
    traits::{Actor, Object},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};
use url::Url;

#[async_trait]
impl Object for KeyedActor {
    type DataType = AppState;
    type Kind = Person;
    type Error = AppError;

    fn id(&self) -> &Url {
        &self.id
    }
    async fn read_from_id(_: Url, _: &Data<AppState>) -> Result<Option<Self>, AppError> {
        Ok(None)
    }
    async fn into_json(self, data: &Data<AppState>) -> Result<Person, AppError> {
        crate::federation::objects::actor::blog_to_person(data).await
    }
    async fn verify(_: &Person, _: &Url, _: &Data<AppState>) -> Result<(), AppError> {
        Err(AppError::BadRequest("the blog actor is local".into()))
    }
    async fn from_json(_: Person, _: &Data<AppState>) -> Result<Self, AppError> {
        Err(AppError::BadRequest("the blog actor is local".into()))
    }
}

impl Actor for KeyedActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem().to_string())
    }
    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// A remote actor, stored in `actors`.
#[derive(Debug, Clone)]
pub struct RemoteActor(pub actor::Model, Url);

impl RemoteActor {
    pub fn new(model: actor::Model) -> Result<RemoteActor, AppError> {
        let id = Url::parse(&model.ap_id).map_err(AppError::internal)?;
        Ok(RemoteActor(model, id))
    }

    pub fn model(&self) -> &actor::Model {
        &self.0
    }
}

impl From<activitypub_federation::error::Error> for AppError {
    fn from(e: activitypub_federation::error::Error) -> AppError {
        use activitypub_federation::error::Error as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::ObjectDeleted(_) => AppError::Gone,
            // No answer (a timeout, a refused connection): the same fetch may work later.
            unanswered @ (E::Reqwest(_) | E::ReqwestMiddleware(_) | E::IoError(_)) => {
                AppError::Upstream(unanswered.to_string())
            }
            other => AppError::BadRequest(format!("remote object: {other}")),
        }
    }
}

#[async_trait]
impl Object for RemoteActor {
    type DataType = AppState;
    type Kind = ApActor;
    type Error = AppError;

    fn id(&self) -> &Url {
        &self.1
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.fetched_at)
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<Self>, AppError> {
        stored(&data.db, id.as_str()).await
    }

    async fn into_json(self, _: &Data<AppState>) -> Result<ApActor, AppError> {
        Err(AppError::BadRequest(
            "remote actors are not served here".into(),
        ))
    }

    async fn verify(json: &ApActor, expected: &Url, _: &Data<AppState>) -> Result<(), AppError> {
        activitypub_federation::protocol::verification::verify_domains_match(&json.id, expected)?;
        json.check()
    }

    async fn from_json(json: ApActor, data: &Data<AppState>) -> Result<Self, AppError> {
        store(&json, None, data).await
    }
}

impl Actor for RemoteActor {
    fn public_key_pem(&self) -> &str {
        &self.0.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        Url::parse(&self.0.inbox).unwrap_or_else(|_| self.1.clone())
    }
    fn shared_inbox(&self) -> Option<Url> {
        self.0
            .shared_inbox
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
    }
}

/// A remote actor as stored (fetched before, by a signature's key or an activity).
pub async fn stored(
    db: &sea_orm::DatabaseConnection,
    id: &str,
) -> Result<Option<RemoteActor>, AppError> {
    actor::Entity::find()
        .filter(actor::Column::ApId.eq(id))
        .one(db)
        .await?
        .map(RemoteActor::new)
        .transpose()
}

/// Inserts or refreshes a remote actor from its JSON, with `key` (when its key was published
/// apart from the actor) or else the first key of the actor document.
pub async fn store(
    json: &ApActor,
    key: Option<ApKey>,
    data: &Data<AppState>,
) -> Result<RemoteActor, AppError> {
    json.check()?;
    let key = key
        .or_else(|| json.key(None))
        .ok_or_else(|| AppError::BadRequest(format!("actor {} has no usable key", json.id)))?;
    let model = actor::ActiveModel {
        ap_id: Set(json.id.to_string()),
        kind: Set(json.kind.clone()),
        preferred_username: Set(json.preferred_username.clone()),
        name: Set(json.name.clone()),
        summary: Set(json
            .summary
            .as_deref()
            .map(crate::render::sanitize::comment_html)),
        url: Set(json.html_url()),
        icon_url: Set(json.icon_url()),
        inbox: Set(json.inbox.to_string()),
        // A shared inbox elsewhere would make us deliver to someone else's server.
        shared_inbox: Set(json
            .shared_inbox()
            .filter(|u| crate::federation::guard::same_origin(u, &json.id))
            .map(|u| u.to_string())),
        public_key_id: Set(key.id.clone()),
        public_key_pem: Set(key.public_key_pem.clone()),
        domain: Set(json.id.host_str().unwrap_or_default().to_string()),
        fetched_at: Set(Utc::now()),
        ..Default::default()
    };
    let upsert = actor::Entity::insert(model)
        .on_conflict(
            OnConflict::column(actor::Column::ApId)
                .update_columns([
                    actor::Column::Kind,
                    actor::Column::PreferredUsername,
                    actor::Column::Name,
                    actor::Column::Summary,
                    actor::Column::Url,
                    actor::Column::IconUrl,
                    actor::Column::Inbox,
                    actor::Column::SharedInbox,
                    actor::Column::PublicKeyId,
                    actor::Column::PublicKeyPem,
                    actor::Column::Domain,
                    actor::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&data.db);
    // Their name shows beside their comments only: lists of posts stay cached.
    changes::within(Change::Actor, upsert).await?;
    let stored = actor::Entity::find()
        .filter(actor::Column::ApId.eq(json.id.as_str()))
        .one(&data.db)
        .await?
        .ok_or_else(|| AppError::internal("actor vanished after upsert"))?;
    // A key published anew (an Update, a refetch) is the one checked from now on; a key
    // rotated away is not.
    data.keys.replace(&stored, data.clock.now());
    RemoteActor::new(stored)
}
