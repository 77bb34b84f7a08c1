//! Every URL the blog hands out, built in one place from the configured base URL.

use url::Url;

#[derive(Debug, Clone)]
pub struct Urls {
    base: Url,
}

impl Urls {
    pub fn new(base: Url) -> Urls {
        Urls { base }
    }

    fn join(&self, path: &str) -> Url {
        // The base always ends in '/', and every path here is ours: joining cannot fail.
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The host (with port, if any) as used in handles and WebFinger subjects.
    pub fn host(&self) -> String {
        match self.base.port() {
            Some(port) => format!("{}:{port}", self.base.host_str().unwrap_or_default()),
            None => self.base.host_str().unwrap_or_default().to_string(),
        }
    }

    pub fn actor(&self) -> Url {
        self.join("actor")
    }
    pub fn actor_key(&self) -> String {
        format!("{}#main-key", self.actor())
    }
    pub fn inbox(&self) -> Url {
        self.join("actor/inbox")
    }
    /// The instance's `Application` actor (FEP-2677), which signs fetches made for no one.
    pub fn application(&self) -> Url {
        self.join("application")
    }
    pub fn application_outbox(&self) -> Url {
        self.join("application/outbox")
    }
    pub fn application_key(&self) -> String {
        format!("{}#main-key", self.application())
    }
    pub fn shared_inbox(&self) -> Url {
        self.join("inbox")
    }
    pub fn outbox(&self) -> Url {
        self.join("actor/outbox")
    }
    pub fn followers(&self) -> Url {
        self.join("actor/followers")
    }
    /// Our followers on the requesting server (FEP-8fcf).
    pub fn followers_synchronization(&self) -> Url {
        self.join("actor/followers_synchronization")
    }
    pub fn following(&self) -> Url {
        self.join("actor/following")
    }
    pub fn icon(&self) -> Url {
        self.join("static/avatar.png")
    }
    pub fn post(&self, slug: &str) -> Url {
        self.join(&format!("posts/{slug}"))
    }
    /// The object id of a post's `publication`: the page's address for the first, and
    /// `?publication=N` after it for each later one (the page stays where it was).
    pub fn post_object(&self, slug: &str, publication: i32) -> Url {
        let mut url = self.post(slug);
        if publication > 0 {
            url.set_query(Some(&format!("publication={publication}")));
        }
        url
    }
    /// Which publication of a post the object id `url` names (0 without one).
    pub fn publication_of(url: &Url) -> i32 {
        url.query_pairs()
            .find(|(name, _)| name == "publication")
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    }
    /// A static page (Impressum, About).
    pub fn page(&self, slug: &str) -> Url {
        self.join(&format!("pages/{slug}"))
    }
    pub fn post_replies(&self, slug: &str) -> Url {
        self.join(&format!("posts/{slug}/replies"))
    }
    /// The conversation of a post (FEP-7888 `context`): the post and all its comments.
    pub fn post_context(&self, slug: &str) -> Url {
        self.join(&format!("posts/{slug}/context"))
    }
    pub fn post_likes(&self, slug: &str) -> Url {
        self.join(&format!("posts/{slug}/likes"))
    }
    pub fn post_shares(&self, slug: &str) -> Url {
        self.join(&format!("posts/{slug}/shares"))
    }
    pub fn tag(&self, tag: &str) -> Url {
        let mut url = self.join("tags/");
        url.path_segments_mut()
            .map(|mut s| {
                s.pop_if_empty().push(tag);
            })
            .ok();
        url
    }
    /// A feed of one tag's posts: `kind` is `atom`, `rss` or `json`.
    pub fn tag_feed(&self, tag: &str, kind: &str) -> Url {
        let mut url = self.tag(tag);
        url.path_segments_mut()
            .map(|mut s| {
                s.push(&format!("feed.{kind}"));
            })
            .ok();
        url
    }
    /// The blog's feed: `kind` is `atom`, `rss` or `json`.
    pub fn feed(&self, kind: &str) -> Url {
        self.join(&format!("feed.{kind}"))
    }
    pub fn author(&self, key: &str) -> Url {
        let mut url = self.join("authors/");
        url.path_segments_mut()
            .map(|mut s| {
                s.pop_if_empty().push(key);
            })
            .ok();
        url
    }
    /// An author's own actor (issue 15), beside their HTML page at `author(username)`.
    pub fn author_actor(&self, username: &str) -> Url {
        self.author_path(username, "actor")
    }
    pub fn author_key(&self, username: &str) -> String {
        format!("{}#main-key", self.author_actor(username))
    }
    pub fn author_inbox(&self, username: &str) -> Url {
        self.author_path(username, "inbox")
    }
    pub fn author_outbox(&self, username: &str) -> Url {
        self.author_path(username, "outbox")
    }
    pub fn author_followers(&self, username: &str) -> Url {
        self.author_path(username, "followers")
    }
    /// The author's followers on the requesting server (FEP-8fcf).
    pub fn author_followers_synchronization(&self, username: &str) -> Url {
        self.author_path(username, "followers_synchronization")
    }
    fn author_path(&self, username: &str, last: &str) -> Url {
        let mut url = self.author(username);
        url.path_segments_mut()
            .map(|mut s| {
                s.push(last);
            })
            .ok();
        url
    }
    /// The username of one of our author actors, if `url` is one.
    pub fn author_of_actor(&self, url: &Url) -> Option<String> {
        let rest = url.as_str().strip_prefix(self.join("authors/").as_str())?;
        let name = rest.strip_suffix("/actor")?;
        let name = percent_encoding::percent_decode_str(name)
            .decode_utf8()
            .ok()?;
        (!name.is_empty() && !name.contains('/')).then(|| name.into_owned())
    }
    pub fn archive(&self) -> Url {
        self.join("archive")
    }
    pub fn archive_year(&self, year: i32) -> Url {
        self.join(&format!("archive/{year}"))
    }
    pub fn archive_month(&self, year: i32, month: u32) -> Url {
        self.join(&format!("archive/{year}/{month:02}"))
    }
    pub fn sitemap(&self) -> Url {
        self.join("sitemap.xml")
    }
    /// Where the "reply from your instance" and "follow" forms go.
    pub fn interact(&self) -> Url {
        self.join("interact")
    }
    pub fn comment(&self, id: &str) -> Url {
        self.join(&format!("comments/{id}"))
    }
    pub fn activity(&self, id: &str) -> Url {
        self.join(&format!("activities/{id}"))
    }
    /// A quote or reply authorization the blog granted (`authorizations` table).
    pub fn authorization(&self, id: i32) -> Url {
        self.join(&format!("authorizations/{id}"))
    }
    pub fn new_activity(&self) -> Url {
        self.activity(&uuid::Uuid::new_v4().to_string())
    }
    /// A stored image (see `services::media`).
    pub fn media(&self, file_name: &str) -> Url {
        self.join(&format!("media/{file_name}"))
    }
    pub fn micropub(&self) -> Url {
        self.join("micropub")
    }
    pub fn micropub_media(&self) -> Url {
        self.join("micropub/media")
    }
    pub fn admin(&self) -> Url {
        self.join("admin")
    }
    pub fn interaction_template(&self) -> String {
        format!("{}authorize_interaction?uri={{uri}}", self.base)
    }

    /// The slug of one of our post URLs, if `url` is one.
    pub fn slug_of(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(self.join("posts/").as_str())?;
        let slug = rest.split(['?', '#']).next()?;
        (!slug.is_empty() && !slug.contains('/')).then(|| slug.to_string())
    }

    pub fn is_local(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_hosts() {
        let urls = Urls::new(Url::parse("http://localhost:8080/").unwrap_or_else(|_| panic!()));
        assert_eq!(urls.host(), "localhost:8080");
        assert_eq!(
            urls.post("hello").as_str(),
            "http://localhost:8080/posts/hello"
        );
        assert_eq!(
            urls.slug_of("http://localhost:8080/posts/hello"),
            Some("hello".into())
        );
        assert_eq!(urls.slug_of("http://localhost:8080/posts/a/replies"), None);
        let again = urls.post_object("hello", 2);
        assert_eq!(
            again.as_str(),
            "http://localhost:8080/posts/hello?publication=2"
        );
        assert_eq!(urls.slug_of(again.as_str()), Some("hello".into()));
        assert_eq!(Urls::publication_of(&again), 2);
        assert_eq!(urls.post_object("hello", 0), urls.post("hello"));
        assert_eq!(urls.slug_of("http://other/posts/hello"), None);
        let jane = urls.author_actor("jane");
        assert_eq!(jane.as_str(), "http://localhost:8080/authors/jane/actor");
        assert_eq!(urls.author_of_actor(&jane), Some("jane".into()));
        assert_eq!(urls.author_of_actor(&urls.actor()), None);
        assert_eq!(
            urls.author_followers("jane").as_str(),
            "http://localhost:8080/authors/jane/followers"
        );
        assert_eq!(
            urls.tag("rust lang").as_str(),
            "http://localhost:8080/tags/rust%20lang"
        );
        assert_eq!(
            urls.tag_feed("a/b", "atom").as_str(),
            "http://localhost:8080/tags/a%2Fb/feed.atom"
        );
        assert_eq!(
            urls.archive_month(2026, 3).as_str(),
            "http://localhost:8080/archive/2026/03"
        );
    }
}
