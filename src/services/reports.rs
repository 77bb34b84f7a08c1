//! Reports (`Flag`): another server's report about the blog's content (a post, a comment the
//! blog wrote, the blog itself) is kept and the owner told; the owner reports a remote comment
//! to its author's server as Mastodon does (a Flag from the blog naming the author and the
//! comment, with the reason) and blocks the author in the same step.

use crate::{
    db::entities::{comment, notification, report},
    error::{AppError, AppResult},
    services::{
        Site, comments, moderation, notifications,
        outbox::{self, Event},
        posts,
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use url::Url;

/// A reason longer than this is cut (Mastodon allows 1000 characters).
const MAX_REASON_CHARS: usize = 1000;

/// A `Flag` received from `actor`: kept, and the owner told, when it names something of ours.
/// Returns whether it did.
pub async fn received(
    site: &Site,
    id: &Url,
    actor: &Url,
    objects: &[Url],
    content: &str,
) -> AppResult<bool> {
    let ours: Vec<&Url> = objects.iter().filter(|o| site.urls.is_local(o)).collect();
    if ours.is_empty() || site.blocks.refuses(&site.db, actor.as_str()).await? {
        return Ok(false);
    }
    let mut post_id = None;
    for object in &ours {
        post_id = match posts::live_at(site, object.as_str()).await? {
            Some(post) => Some(post.id),
            None => comments::find(&site.db, object)
                .await?
                .and_then(|c| c.post_id),
        };
        if post_id.is_some() {
            break;
        }
    }
    let txn = crate::db::begin_write(&site.db).await?;
    let inserted = report::Entity::insert(report::ActiveModel {
        ap_id: Set(id.to_string()),
        direction: Set(report::RECEIVED.to_string()),
        actor_ap_id: Set(actor.to_string()),
        objects: Set(lines(objects)),
        content: Set(content.chars().take(MAX_REASON_CHARS).collect()),
        post_id: Set(post_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(report::Column::ApId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        let id = Some(id.as_str());
        let (mails, kind) = (&site.settings.current().mail, notification::REPORT);
        notifications::record(&txn, mails, kind, actor.as_str(), post_id, id).await?;
    }
    txn.commit().await?;
    Ok(true)
}

fn lines(urls: &[Url]) -> String {
    urls.iter().map(Url::as_str).collect::<Vec<_>>().join("\n")
}

/// The owner reports the remote comment `comment_id` to its author's server with `reason`
/// (a `Flag` from the blog naming the author and the comment), and blocks the author.
pub async fn report_comment(site: &Site, comment_id: i32, reason: &str) -> AppResult<()> {
    let found = comments::find_by_id(&site.db, comment_id)
        .await?
        .filter(|c| !c.is_local && c.kind != comment::WEB)
        .ok_or(AppError::NotFound)?;
    let author = Url::parse(&found.author_ap_id).map_err(AppError::internal)?;
    let object = Url::parse(&found.ap_id).map_err(AppError::internal)?;
    let txn = crate::db::begin_write(&site.db).await?;
    let row = report::ActiveModel {
        ap_id: Set(site.urls.new_activity().to_string()),
        direction: Set(report::SENT.to_string()),
        actor_ap_id: Set(author.to_string()),
        objects: Set(lines(&[author.clone(), object])),
        content: Set(reason.trim().chars().take(MAX_REASON_CHARS).collect()),
        post_id: Set(found.post_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    outbox::record(&txn, &Event::ReportSent { report_id: row.id }).await?;
    txn.commit().await?;
    outbox::recorded(site);
    moderation::add_block(site, author.as_str()).await?;
    Ok(())
}

pub async fn find(site: &Site, id: i32) -> AppResult<Option<report::Model>> {
    Ok(report::Entity::find_by_id(id).one(&site.db).await?)
}

/// The latest reports, received and sent, newest first.
pub async fn latest(site: &Site, limit: u64) -> AppResult<Vec<report::Model>> {
    Ok(report::Entity::find()
        .order_by_desc(report::Column::Id)
        .limit(limit)
        .all(&site.db)
        .await?)
}

/// How many reports other servers sent (for the dashboard).
pub async fn received_count(site: &Site) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(report::Entity::find()
        .filter(report::Column::Direction.eq(report::RECEIVED))
        .count(&site.db)
        .await?)
}
