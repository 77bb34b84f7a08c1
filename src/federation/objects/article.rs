//! The blog's posts as `Article`s (`post_to_article`): content as servers show it, who may
//! reply, like, boost and quote, and the addressing of an author's post.

use super::{
    collection::collection_summary,
    text::{html_paragraph, one_language},
};
use crate::{
    config::{CommentPolicy, QuotePolicy},
    db::entities::post,
    federation::{
        PUBLIC,
        protocol::{Approval, Article, Image, InteractionPolicy, Tag, ThreadCollection},
    },
    render::escape_html,
    services::{local_actor::LocalActor, media, posts::PostCounts},
    urls::Urls,
};
use chrono::{DateTime, Utc};
use url::Url;

/// `updated` only when the post was edited after it was published (to the second), so that a
/// new post does not arrive as *edited* on GoToSocial.
fn edited_at(post: &post::Model) -> Option<DateTime<Utc>> {
    (post.updated_at.timestamp() > post.published_at.timestamp()).then_some(post.updated_at)
}

/// What servers that show `content` (GoToSocial, Misskey, Akkoma, Pleroma) display: the title as
/// a link to the post, the teaser unless the body already begins with it, then the body.
fn article_content(post: &post::Model, url: &Url, name: &str, summary: &str) -> String {
    let title = format!(
        "<p><strong><a href=\"{}\">{name}</a></strong></p>",
        escape_html(url.as_str())
    );
    let teaser = if post.summary.trim().is_empty()
        || post.body_html.contains(&escape_html(post.summary.trim()))
    {
        String::new()
    } else {
        summary.to_string()
    };
    format!("{title}{teaser}{}", post.body_html)
}

/// Who may do what with a post: the blog's quote policy (or the post's own) and its comment
/// policy (or the post's comments held).
#[derive(Debug, Clone, Copy)]
pub struct PostPolicy {
    pub quote: QuotePolicy,
    pub comments: CommentPolicy,
}

/// Likes and boosts from anyone. Replies as the comment policy has them: from anyone when
/// they are shown at once; held for the owner (`manualApproval`, so GoToSocial asks with a
/// `ReplyRequest` and waits) when they wait; only the blog itself when comments are closed.
/// Quotes follow the quote policy (`services::authorizations` answers the `QuoteRequest`s):
/// the public, the blog's followers, or only the blog — "nobody" as GoToSocial writes it.
fn interaction_policy(urls: &Urls, policy: PostPolicy) -> InteractionPolicy {
    let approval = |who: String, ask: Vec<String>| Approval {
        automatic_approval: vec![who],
        manual_approval: ask,
    };
    let everyone = || approval(PUBLIC.into(), vec![]);
    let blog = urls.actor().to_string();
    InteractionPolicy {
        can_reply: match policy.comments {
            CommentPolicy::Open => everyone(),
            CommentPolicy::FirstTime | CommentPolicy::Approval => {
                approval(blog.clone(), vec![PUBLIC.into()])
            }
            CommentPolicy::Closed => approval(blog.clone(), vec![]),
        },
        can_like: everyone(),
        can_announce: everyone(),
        can_quote: approval(
            match policy.quote {
                QuotePolicy::Anyone => PUBLIC.into(),
                QuotePolicy::Followers => urls.followers().to_string(),
                QuotePolicy::Nobody => blog,
            },
            vec![],
        ),
    }
}

/// A post with its counts and the embedded first page of its `replies`, by `by`: an
/// `Article` with its title, or for a note (no title) a `Note` of its text alone, as the
/// WordPress plugin and Ghost publish short posts.
pub fn post_to_article(
    post: &post::Model,
    counts: PostCounts,
    replies: ThreadCollection,
    by: &LocalActor,
    policy: PostPolicy,
    urls: &Urls,
) -> Article {
    // A post published again has an id of its own; its page stays where it was.
    let id = urls.post_object(&post.slug, post.publication);
    let page = urls.post(&post.slug);
    let summary = html_paragraph(&post.summary);
    // Mastodon inserts the title into its HTML unescaped: escape it here.
    let name = escape_html(&post.title);
    let note = post.is_note();
    let content = if note {
        post.body_html.clone()
    } else {
        article_content(post, &page, &name, &summary)
    };
    let tag = post
        .tag_list()
        .iter()
        .map(|t| Tag {
            kind: "Hashtag".into(),
            href: urls.tag(t).to_string(),
            name: Some(format!("#{t}")),
        })
        .collect();
    Article {
        id: id.clone(),
        kind: post.object_type().into(),
        attributed_to: by.id(urls),
        name_map: (!note).then(|| one_language(&post.lang, &name)),
        summary_map: (!note).then(|| one_language(&post.lang, &summary)),
        content_map: one_language(&post.lang, &content),
        content,
        media_type: "text/html".into(),
        url: page,
        published: post.published_at,
        updated: edited_at(post),
        to: post_to(),
        cc: post_cc(by, urls),
        tag,
        sensitive: false,
        context: urls.post_context(&post.slug),
        replies,
        likes: collection_summary(urls.post_likes(&post.slug), "Collection", counts.likes),
        shares: collection_summary(urls.post_shares(&post.slug), "Collection", counts.shares),
        // The cover is `image`, not an `attachment`: Mastodon shows no link-preview card for
        // posts with attachments, and the card (from the page's og:image) is what we want.
        image: post.cover_url.as_ref().map(|cover| Image {
            kind: "Image".into(),
            media_type: media::media_type_of(cover).into(),
            url: cover.clone(),
            name: Some(post.cover_alt.clone().unwrap_or_default()),
        }),
        interaction_policy: interaction_policy(urls, policy),
    }
}

/// Every post is public.
pub fn post_to() -> Vec<String> {
    vec![PUBLIC.into()]
}

/// A post is for its actor's followers; an author's also, through the blog's boost, the
/// blog's.
pub fn post_cc(by: &LocalActor, urls: &Urls) -> Vec<String> {
    let mut cc = vec![by.followers(urls).to_string()];
    if *by != LocalActor::Blog {
        cc.push(urls.followers().to_string());
    }
    cc
}
