//! Who may quote a post (FEP-044f) and the authorizations the blog grants: a `QuoteRequest`
//! is answered per the post's policy (its own, else the blog's), an accepted one is stored
//! with its `Accept` in the outbox, and an authorization the policy no longer covers (or whose
//! post was deleted) is revoked with a `Delete`. Held replies approved later get the same
//! treatment (`ReplyAuthorization`, see `moderation`).

use crate::{
    config::{MailConfig, QuotePolicy},
    db::entities::{authorization, comment, mention, notification, post},
    error::AppResult,
    services::{
        Site, followers,
        local_actor::LocalActor,
        mentions::{self, Listed},
        notifications,
        outbox::{self, AnsweredRequest, Event},
        remote_notes::RemoteNote,
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, sea_query::OnConflict,
};
use url::Url;

/// The policy in effect for `post`: its own, else the blog's.
pub fn quote_policy(site: &Site, post: &post::Model) -> QuotePolicy {
    post.quote_policy
        .as_deref()
        .and_then(QuotePolicy::parse)
        .unwrap_or(site.settings.current().blog.quote_policy)
}

/// Whether `actor` follows the blog (the followers `interactionPolicy` names).
async fn is_follower(db: &impl ConnectionTrait, actor: &str) -> AppResult<bool> {
    Ok(followers::find(db, &LocalActor::Blog, actor)
        .await?
        .is_some())
}

/// Whether `actor` may quote `post` now.
pub async fn may_quote(site: &Site, post: &post::Model, actor: &str) -> AppResult<bool> {
    if post.deleted_at.is_some() || !post.is_public() {
        return Ok(false);
    }
    Ok(match quote_policy(site, post) {
        QuotePolicy::Anyone => true,
        QuotePolicy::Followers => is_follower(&site.db, actor).await?,
        QuotePolicy::Nobody => false,
    })
}

/// What a granted interaction is: the post, the interacting object and who asked.
pub struct Grant<'a> {
    pub kind: &'a str,
    pub post_id: i32,
    pub object: &'a Url,
    pub actor: &'a Url,
    /// The request (id, type, actor, object, instrument): the `object` of our `Accept`.
    pub request: AnsweredRequest,
    pub request_id: &'a Url,
}

/// Stores the authorization for `grant` (again valid if it had been revoked) with its
/// `Accept`, and for a quote tells the owner (`quote`, the quoting post, is listed beside the
/// mentions when it is known). Returns the authorization.
pub async fn grant(
    site: &Site,
    grant: Grant<'_>,
    quote: Option<&RemoteNote>,
) -> AppResult<authorization::Model> {
    let txn = crate::db::begin_write(&site.db).await?;
    if grant.kind == authorization::QUOTE {
        quoted(&txn, &site.settings.current().mail, &grant, quote).await?;
    }
    let row = grant_on(&txn, grant).await?;
    txn.commit().await?;
    outbox::recorded(site);
    Ok(row)
}

/// Within `txn`, tells the owner of the quote `grant` allows: one notification per quote
/// post, also when its Create arrives later (`mentions`).
async fn quoted(
    txn: &impl ConnectionTrait,
    mails: &MailConfig,
    grant: &Grant<'_>,
    quote: Option<&RemoteNote>,
) -> AppResult<()> {
    let new = match quote {
        Some(note) => {
            let row = mentions::row(
                note,
                Listed::Quote {
                    post_id: grant.post_id,
                },
            );
            mention::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(mention::Column::ApId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?
                > 0
        }
        None => true,
    };
    if new {
        let (actor, object) = (grant.actor.as_str(), Some(grant.object.as_str()));
        let kind = notification::QUOTE;
        notifications::record(txn, mails, kind, actor, Some(grant.post_id), object).await?;
    }
    Ok(())
}

/// The authorization for `grant` and its `Accept`, on `txn`, which the caller commits.
async fn grant_on(txn: &impl ConnectionTrait, grant: Grant<'_>) -> AppResult<authorization::Model> {
    authorization::Entity::insert(authorization::ActiveModel {
        kind: Set(grant.kind.to_string()),
        post_id: Set(grant.post_id),
        interacting_object: Set(grant.object.to_string()),
        actor_ap_id: Set(grant.actor.to_string()),
        request_id: Set(Some(grant.request_id.to_string())),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(authorization::Column::InteractingObject)
            .update_columns([
                authorization::Column::RequestId,
                authorization::Column::RevokedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let row = authorization::Entity::find()
        .filter(authorization::Column::InteractingObject.eq(grant.object.as_str()))
        .one(txn)
        .await?
        .ok_or_else(|| crate::error::AppError::Internal("authorization not stored".into()))?;
    let event = Event::InteractionAccepted {
        authorization_id: row.id,
        request: grant.request,
    };
    outbox::record(txn, &event).await?;
    Ok(row)
}

/// On `txn`, as the owner decides on `held` (a reply that came with a GoToSocial
/// `ReplyRequest`): approving grants a `ReplyAuthorization` (an `Accept`), rejecting or marking
/// it spam refuses the request (a `Reject`). Other comments, and repeats, change nothing.
pub async fn answer_held_reply(
    txn: &impl ConnectionTrait,
    held: &comment::Model,
    status: &str,
) -> AppResult<()> {
    let (Some(request_id), Some(post_id)) = (&held.reply_request_id, held.post_id) else {
        return Ok(());
    };
    let (Ok(request_url), Ok(object), Ok(actor)) = (
        Url::parse(request_id),
        Url::parse(&held.ap_id),
        Url::parse(&held.author_ap_id),
    ) else {
        return Ok(());
    };
    if held.status == status {
        return Ok(());
    }
    let request = AnsweredRequest {
        id: request_id.clone(),
        kind: "ReplyRequest".into(),
        actor: held.author_ap_id.clone(),
        object: held.in_reply_to.clone(),
        instrument: held.ap_id.clone(),
    };
    match status {
        comment::APPROVED => {
            let grant = Grant {
                kind: authorization::REPLY,
                post_id,
                object: &object,
                actor: &actor,
                request,
                request_id: &request_url,
            };
            grant_on(txn, grant).await.map(drop)
        }
        comment::REJECTED | comment::SPAM => {
            let event = Event::InteractionRejected {
                actor: actor.to_string(),
                request,
            };
            outbox::record(txn, &event).await
        }
        _ => Ok(()),
    }
}

/// Records the `Reject` of `request` (as received) by `actor`.
pub async fn refuse(site: &Site, actor: &Url, request: AnsweredRequest) -> AppResult<()> {
    let txn = crate::db::begin_write(&site.db).await?;
    let event = Event::InteractionRejected {
        actor: actor.to_string(),
        request,
    };
    outbox::commit_with(site, txn, &event).await
}

/// An authorization by id, revoked or not (its URL then answers 410).
pub async fn find(db: &DatabaseConnection, id: i32) -> AppResult<Option<authorization::Model>> {
    Ok(authorization::Entity::find_by_id(id).one(db).await?)
}

/// Marks `row` revoked and records its `Delete`, on `txn`.
async fn revoke(txn: &impl ConnectionTrait, row: authorization::Model) -> AppResult<()> {
    let id = row.id;
    let mut row: authorization::ActiveModel = row.into();
    row.revoked_at = Set(Some(Utc::now()));
    row.update(txn).await?;
    outbox::record(
        txn,
        &Event::AuthorizationRevoked {
            authorization_id: id,
        },
    )
    .await
}

async fn valid_quotes(
    db: &impl ConnectionTrait,
    post_id: Option<i32>,
) -> AppResult<Vec<authorization::Model>> {
    let mut query = authorization::Entity::find()
        .filter(authorization::Column::Kind.eq(authorization::QUOTE))
        .filter(authorization::Column::RevokedAt.is_null());
    if let Some(id) = post_id {
        query = query.filter(authorization::Column::PostId.eq(id));
    }
    Ok(query.all(db).await?)
}

/// Revokes the quote authorizations of post `post_id` on `txn`, the transaction that deletes
/// the post.
pub async fn revoke_for_post(txn: &impl ConnectionTrait, post_id: i32) -> AppResult<()> {
    for row in valid_quotes(txn, Some(post_id)).await? {
        revoke(txn, row).await?;
    }
    Ok(())
}

/// After a change of the blog's quote policy (`post_id` none) or of one post's: revokes every
/// quote authorization the policy no longer allows. Returns how many.
pub async fn revoke_excluded(site: &Site, post_id: Option<i32>) -> AppResult<usize> {
    let mut revoked = 0;
    for row in valid_quotes(&site.db, post_id).await? {
        let allowed = match post::Entity::find_by_id(row.post_id).one(&site.db).await? {
            Some(post) => may_quote(site, &post, &row.actor_ap_id).await?,
            None => false,
        };
        if !allowed {
            let txn = crate::db::begin_write(&site.db).await?;
            revoke(&txn, row).await?;
            txn.commit().await?;
            revoked += 1;
        }
    }
    if revoked > 0 {
        outbox::recorded(site);
    }
    Ok(revoked)
}
