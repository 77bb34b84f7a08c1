//! Our actors as documents: the blog (`blog_to_person`), its authors (`user_to_person`), the
//! instance's application actor (`instance_to_application`). The addresses of the first two
//! are their `LocalActor`'s.

use super::text::html_paragraph;
use crate::{
    db::entities::user,
    error::AppResult,
    federation::{
        protocol::{
            ApplicationActor, Endpoints, Generator, Image, Implementation, Person, PropertyValue,
            PublicKey,
        },
        state::AppState,
    },
    render::escape_html,
    services::{local_actor::LocalActor, media},
    urls::Urls,
};
use activitypub_federation::config::Data;
use url::Url;

/// The blog's actor, from the settings in effect.
pub async fn blog_to_person(data: &Data<AppState>) -> AppResult<Person> {
    let urls = &data.urls;
    let me = LocalActor::Blog;
    let settings = data.settings.current();
    let blog = &settings.blog;
    let identity = settings.identity(&me.name());
    let icon = blog
        .icon_url
        .clone()
        .unwrap_or_else(|| urls.icon().to_string());
    let base = urls.base();
    Ok(Person {
        id: me.id(urls),
        kind: "Person".into(),
        preferred_username: blog.username.clone(),
        name: blog.title.clone(),
        summary: html_paragraph(&blog.description),
        url: base.clone(),
        inbox: me.inbox(urls),
        outbox: me.outbox(urls),
        followers: me.followers(urls),
        following: Some(urls.following()),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        icon: image(icon),
        // The profile's banner, when the owner set one in /admin/settings.
        image: settings.header_image_url.clone().map(image),
        public_key: PublicKey {
            id: me.key_id(urls),
            owner: me.id(urls),
            public_key_pem: data.actor.public_key_pem.clone(),
        },
        manually_approves_followers: false,
        discoverable: true,
        indexable: true,
        attribution_domains: vec![urls.host()],
        attachment: vec![blog_field(base)],
        generator: Some(generator(urls)),
        also_known_as: urls_of(&identity.also_known_as),
        moved_to: identity
            .moved_to
            .as_deref()
            .and_then(|u| Url::parse(u).ok()),
    })
}

/// The stored addresses that parse (the settings check them when they are written).
fn urls_of(ids: &[String]) -> Vec<Url> {
    ids.iter().filter_map(|u| Url::parse(u).ok()).collect()
}

/// An avatar or banner at `url`.
fn image(url: String) -> Image {
    Image {
        kind: "Image".into(),
        media_type: media::media_type_of(&url).into(),
        url,
        name: None,
    }
}

/// The profile field linking the blog, `rel="me"` so servers can verify it.
fn blog_field(base: &Url) -> PropertyValue {
    PropertyValue {
        kind: "PropertyValue".into(),
        name: "Blog".into(),
        value: format!(
            "<a href=\"{0}\" rel=\"me\">{0}</a>",
            escape_html(base.as_str())
        ),
    }
}

/// The software behind our actors: the application actor, with what it implements.
fn generator(urls: &Urls) -> Generator {
    Generator {
        id: urls.application(),
        kind: "Application".into(),
        implements: implements(),
    }
}

/// What the software implements, for FEP-844e. Only what a peer cannot see otherwise: the FEP
/// asks not to list what the objects themselves show (FEP-8fcf has its header, FEP-3b86 is in
/// WebFinger, FEP-7888 in every object's `context`).
fn implements() -> Vec<Implementation> {
    let spec = |href: &str, name: &str| {
        Url::parse(href).ok().map(|href| Implementation {
            href,
            name: name.into(),
        })
    };
    spec(
        "https://datatracker.ietf.org/doc/html/rfc9421",
        "RFC-9421: HTTP Message Signatures",
    )
    .into_iter()
    .collect()
}

/// The instance's application actor (FEP-2677). Its name is the host, as Mastodon names its
/// instance actor, so `acct:<host>@<host>` finds it too.
pub fn instance_to_application(data: &Data<AppState>) -> ApplicationActor {
    let urls = &data.urls;
    let id = urls.application();
    ApplicationActor {
        kind: "Application".into(),
        preferred_username: urls.base().host_str().unwrap_or_default().to_string(),
        name: format!("{} (Feder)", urls.host()),
        url: urls.base().clone(),
        inbox: urls.shared_inbox(),
        outbox: urls.application_outbox(),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        public_key: PublicKey {
            id: urls.application_key(),
            owner: id.clone(),
            public_key_pem: data.application.public_key_pem.clone(),
        },
        // Nobody follows the application: it publishes nothing.
        manually_approves_followers: true,
        implements: implements(),
        id,
    }
}

/// One of the blog's authors as an actor of their own: their profile (bio, avatar) from
/// /admin, their own key, the blog's shared inbox.
pub fn user_to_person(data: &AppState, author: &user::Model, public_key_pem: String) -> Person {
    let urls = &data.urls;
    let name = &author.username;
    let me = LocalActor::Author(name.clone());
    let identity = data.settings.current().identity(&me.name());
    let icon = author
        .avatar_url
        .clone()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| urls.icon().to_string());
    let display_name = if author.display_name.trim().is_empty() {
        name.clone()
    } else {
        author.display_name.clone()
    };
    Person {
        id: me.id(urls),
        kind: "Person".into(),
        preferred_username: name.clone(),
        name: display_name,
        summary: if author.bio.trim().is_empty() {
            String::new()
        } else {
            html_paragraph(&author.bio)
        },
        url: urls.author(name),
        inbox: me.inbox(urls),
        outbox: me.outbox(urls),
        followers: me.followers(urls),
        following: None,
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        icon: image(icon),
        image: None,
        public_key: PublicKey {
            id: me.key_id(urls),
            owner: me.id(urls),
            public_key_pem,
        },
        manually_approves_followers: false,
        discoverable: true,
        indexable: true,
        // Mastodon credits the author under link previews of pages on these domains.
        attribution_domains: vec![urls.host()],
        attachment: vec![blog_field(urls.base())],
        generator: Some(generator(urls)),
        also_known_as: urls_of(&identity.also_known_as),
        moved_to: identity
            .moved_to
            .as_deref()
            .and_then(|u| Url::parse(u).ok()),
    }
}
