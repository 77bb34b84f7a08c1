//! What an incoming request may claim before anything is fetched for it: a signature's key,
//! an activity's id and an actor's inboxes all live on the actor's own server (scheme, host
//! and port), as Mastodon requires of ids. A server can so only speak for itself, and cannot
//! make the blog deliver to someone else's inbox.

use crate::error::{AppError, AppResult};
use url::Url;

/// The same server: scheme, host and port (the default port when none is written).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The signature's key and the activity's id must be on the claimed actor's server.
pub fn check_claims(actor: &Url, activity_id: &Url, key_id: &str) -> AppResult<()> {
    let key = Url::parse(key_id)
        .map_err(|_| AppError::Unauthorized(format!("keyId {key_id:?} is not a URL")))?;
    if !same_origin(&key, actor) {
        return Err(AppError::Unauthorized(format!(
            "key {key_id} is not on the server of {actor}"
        )));
    }
    if !same_origin(activity_id, actor) {
        return Err(AppError::Unauthorized(format!(
            "activity {activity_id} is not on the server of {actor}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn origins() {
        assert!(same_origin(
            &url("https://a.test/x"),
            &url("https://a.test:443/y")
        ));
        assert!(!same_origin(
            &url("https://a.test/x"),
            &url("https://b.test/x")
        ));
        assert!(!same_origin(
            &url("http://localhost:1/x"),
            &url("http://localhost:2/x")
        ));
        let actor = url("https://a.test/users/u");
        assert!(check_claims(&actor, &url("https://a.test/1"), "https://a.test/users/u#k").is_ok());
        assert!(
            check_claims(&actor, &url("https://b.test/1"), "https://a.test/users/u#k").is_err()
        );
        assert!(check_claims(&actor, &url("https://a.test/1"), "https://b.test/k").is_err());
    }
}
