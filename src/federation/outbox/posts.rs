//! A post's `Create`, `Update` and `Delete`. By the blog: to the blog's followers. By one of
//! the authors (with author actors): the author's Create to the author's followers and the
//! blog's `Announce` of the post to the blog's, and the author's Update and Delete to both,
//! since a server shows (and so must update or remove) the post for either kind of follower.
//! A post has one Create and one Announce, with ids of their own (`create_id`, `announce_id`),
//! so that the outboxes list them as they were delivered.

use super::outgoing::{Change, Outgoing};
use crate::{
    db::entities::post,
    error::AppResult,
    federation::{
        objects::{
            activity::{activity_by, blog_activity, public_addressing},
            article::{post_cc, post_to},
            tombstone::tombstone,
        },
        protocol::{Article, OutboxActivity, SentActivity},
        state::AppState,
        threads,
    },
    services::{authors, followers, local_actor::LocalActor, posts},
    urls::Urls,
};
use activitypub_federation::config::Data;
use url::Url;

/// The Delete of the post `post_id`, of the object id of publication `withdrawn` (none: its
/// current one).
pub(super) async fn deleted(
    data: &Data<AppState>,
    post_id: i32,
    withdrawn: Option<i32>,
) -> AppResult<Vec<Outgoing>> {
    sent(data, post_id, Change::Deleted, withdrawn).await
}

/// The activities for `change` (a Create or an Update) of the post `post_id`.
pub(super) async fn changed(
    data: &Data<AppState>,
    post_id: i32,
    change: Change,
) -> AppResult<Vec<Outgoing>> {
    sent(data, post_id, change, None).await
}

/// The activities for `change` of the post `post_id`: none when there is nothing to send any
/// more (a post deleted, or made a draft, before its Create or Update went out).
async fn sent(
    data: &Data<AppState>,
    post_id: i32,
    change: Change,
    withdrawn: Option<i32>,
) -> AppResult<Vec<Outgoing>> {
    let Some(post) = posts::find_by_id(&data.db, post_id).await? else {
        return Ok(vec![]);
    };
    let live = post.is_public() && post.deleted_at.is_none();
    if change != Change::Deleted && !live {
        return Ok(vec![]);
    }
    let urls = &data.urls;
    let by = authors::actor_of_post(data, &post).await?;
    let followers_of_by = followers::inboxes(&data.db, &by).await?;
    let blog_followers = if by == LocalActor::Blog {
        vec![]
    } else {
        followers::inboxes(&data.db, &LocalActor::Blog).await?
    };
    if change == Change::Deleted {
        let when = post.deleted_at.unwrap_or(post.updated_at);
        let object = urls.post_object(&post.slug, withdrawn.unwrap_or(post.publication));
        let gone = tombstone(&object, post.object_type(), &when);
        let delete = activity_by(
            &by.id(urls),
            "Delete",
            &urls.new_activity(),
            gone,
            post_to(),
            post_cc(&by, urls),
        );
        return Ok(vec![Outgoing {
            activity: OutboxActivity::Tombstone(delete),
            public: true,
            inboxes: [followers_of_by, blog_followers].concat(),
        }]);
    }
    let counts = posts::counts(&data.db, post.id).await?;
    let article = threads::article(data, &post, counts).await?;
    if change == Change::Updated {
        let (to, cc) = (article.to.clone(), article.cc.clone());
        let update = activity_by(
            &by.id(urls),
            "Update",
            &urls.new_activity(),
            article,
            to,
            cc,
        );
        return Ok(vec![Outgoing {
            activity: OutboxActivity::Article(Box::new(update)),
            public: true,
            inboxes: [followers_of_by, blog_followers].concat(),
        }]);
    }
    let mut sent = vec![Outgoing {
        activity: OutboxActivity::Article(Box::new(create(&post, article, urls))),
        public: true,
        inboxes: followers_of_by,
    }];
    if by != LocalActor::Blog {
        sent.push(Outgoing {
            activity: OutboxActivity::Id(announce(&post, &by, urls)),
            public: true,
            inboxes: blog_followers,
        });
    }
    Ok(sent)
}

/// The Create of `post` (as `article`) by its actor: as delivered when it was published, and
/// as that actor's outbox lists it. Restored after a deletion, it is sent again under the
/// same id; published again after its Delete, each publication has its own.
pub(super) fn create(post: &post::Model, article: Article, urls: &Urls) -> SentActivity<Article> {
    let (to, cc) = (article.to.clone(), article.cc.clone());
    let actor = article.attributed_to.clone();
    activity_by(&actor, "Create", &create_id(post, urls), article, to, cc)
}

/// The blog's Announce of `post`, which `by` (one of the authors) wrote: as delivered to the
/// blog's followers, and as the blog's outbox lists it. The boost names the post, not the
/// Create: Mastodon takes a known status, or fetches the object's id (an embedded Create's id
/// is no status).
pub(super) fn announce(post: &post::Model, by: &LocalActor, urls: &Urls) -> SentActivity<Url> {
    let (to, _) = public_addressing(urls);
    let cc = vec![urls.followers().to_string(), by.id(urls).to_string()];
    let id = announce_id(post, urls);
    let object = urls.post_object(&post.slug, post.publication);
    blog_activity("Announce", &id, object, to, cc, urls)
}

fn create_id(post: &post::Model, urls: &Urls) -> Url {
    urls.activity(&format!("post-{}{}-create", post.id, later(post)))
}

fn announce_id(post: &post::Model, urls: &Urls) -> Url {
    urls.activity(&format!("post-{}{}-announce", post.id, later(post)))
}

/// What tells a later publication's activities apart: `-N` after the first.
fn later(post: &post::Model) -> String {
    match post.publication {
        0 => String::new(),
        n => format!("-{n}"),
    }
}
