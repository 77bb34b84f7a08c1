//! The scheduler: a task in `feder serve` that publishes scheduled posts when their time
//! comes (a Create to every follower, as if the author pressed Publish then).

use crate::services::{Site, posts};
use std::time::Duration;

/// How often the scheduler looks for due posts: a post goes out at most this late.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the task is dropped.
pub async fn worker(site: Site) {
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match posts::publish_due(&site).await {
            Ok(published) => {
                for post in published {
                    tracing::info!(slug = %post.slug, "published a scheduled post");
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduled posts"),
        }
    }
}
