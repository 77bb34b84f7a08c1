//! The owner's report of a remote comment: a `Flag` from the blog naming the author and the
//! comment, with the reason, to the author's own inbox (as Mastodon forwards a report).

use super::outgoing::{Outgoing, own_inbox};
use crate::{
    error::{AppError, AppResult},
    federation::{
        actor,
        protocol::{OutboxActivity, SentFlag},
        state::AppState,
    },
    services::reports,
};
use activitypub_federation::config::Data;
use url::Url;

/// The Flag of the report `report_id`. None when the reported actor is not stored.
pub(super) async fn sent(data: &Data<AppState>, report_id: i32) -> AppResult<Option<Outgoing>> {
    let Some(report) = reports::find(data, report_id).await? else {
        return Ok(None);
    };
    let Some(who) = actor::stored(&data.db, &report.actor_ap_id).await? else {
        return Ok(None);
    };
    let flag = SentFlag {
        id: Url::parse(&report.ap_id).map_err(AppError::internal)?,
        kind: "Flag".into(),
        actor: data.urls.actor(),
        object: report
            .objects
            .lines()
            .filter_map(|o| Url::parse(o).ok())
            .collect(),
        content: report.content,
    };
    Ok(Some(Outgoing {
        activity: OutboxActivity::Flag(flag),
        public: false,
        inboxes: own_inbox(&who),
    }))
}
