//! The owner's statistics (/admin/stats): per post the servers and followers its `Create` (or
//! the blog's `Announce`) was delivered to, and its likes, boosts, fediverse replies, quotes and
//! web comments; followers over time; and a year in numbers. Counted by the database from what
//! Feder records anyway (deliveries, followers and the follows that ended, reactions, comments,
//! quote notifications), each query an aggregate or bounded by a limit; nothing about readers'
//! browsing is recorded.

use crate::{
    db::entities::{
        activity, comment, delivery, follower, follower_departure, notification, post, reaction,
    },
    error::AppResult,
    services::Site,
};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Asterisk, Expr, ExprTrait, Query, UnionType},
};
use std::collections::HashMap;

/// The blog's activities that carry a post to followers: its `Create`, and the blog's
/// `Announce` of an author's post.
const CARRIERS: [&str; 2] = ["Create", "Announce"];

/// A stretch of time, from `start` up to (not including) `end`.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    /// The calendar year `year` in the blog's time zone.
    pub fn year(year: i32, tz: Tz) -> Option<Period> {
        Some(Period {
            start: local_midnight(NaiveDate::from_ymd_opt(year, 1, 1)?, tz)?,
            end: local_midnight(NaiveDate::from_ymd_opt(year + 1, 1, 1)?, tz)?,
        })
    }
}

/// Midnight at the start of `day` in `tz` (the first moment of the day where a clock change
/// skips midnight).
fn local_midnight(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    let local = match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
        LocalResult::None => tz
            .from_local_datetime(&(midnight + Duration::hours(1)))
            .earliest()?,
    };
    Some(local.with_timezone(&Utc))
}

/// What people did with a post (or with every post, summed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Interactions {
    pub likes: u64,
    pub boosts: u64,
    /// Replies from the fediverse shown under the post (not the blog's own answers).
    pub replies: u64,
    /// Posts quoting it (each counted once, with or without a quote request).
    pub quotes: u64,
    /// Comments written in the post's web form and shown.
    pub web_comments: u64,
}

impl Interactions {
    pub fn total(&self) -> u64 {
        self.likes + self.boosts + self.replies + self.quotes + self.web_comments
    }

    fn add(&mut self, other: &Interactions) {
        self.likes += other.likes;
        self.boosts += other.boosts;
        self.replies += other.replies;
        self.quotes += other.quotes;
        self.web_comments += other.web_comments;
    }
}

/// Whom a post reached: the servers its delivery arrived at, and the accounts following the
/// blog or its authors now whose inbox (or their server's shared inbox) received it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reach {
    pub servers: u64,
    pub followers: u64,
}

/// One post with its numbers.
#[derive(Debug, Clone)]
pub struct PostStats {
    pub post: post::Model,
    pub reach: Reach,
    pub interactions: Interactions,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// Interactions per post id, with those in `period` only when one is given: four grouped
/// counts, one row per post and kind.
async fn interactions_per_post(
    db: &DatabaseConnection,
    period: Option<Period>,
    only: Option<i32>,
) -> AppResult<HashMap<i32, Interactions>> {
    let mut per_post: HashMap<i32, Interactions> = HashMap::new();
    let reactions = reaction::Entity::find()
        .select_only()
        .column(reaction::Column::PostId)
        .column(reaction::Column::Kind)
        .column_as(reaction::Column::Id.count(), "n")
        .filter(within(reaction::Column::CreatedAt, period))
        .filter(for_post(reaction::Column::PostId, only))
        .group_by(reaction::Column::PostId)
        .group_by(reaction::Column::Kind);
    let rows: Vec<(i32, String, i64)> = reactions.into_tuple().all(db).await?;
    for (post_id, kind, n) in rows {
        let entry = per_post.entry(post_id).or_default();
        match kind.as_str() {
            reaction::LIKE => entry.likes += count(n),
            reaction::ANNOUNCE => entry.boosts += count(n),
            _ => {}
        }
    }
    // Shown comments: the fediverse's replies and the web form's comments; the blog's own
    // answers are fediverse comments written here (`is_local`).
    let shown = Condition::all()
        .add(comment::Column::DeletedAt.is_null())
        .add(comment::Column::Status.eq(comment::APPROVED))
        .add(
            Condition::any()
                .add(comment::Column::Kind.eq(comment::WEB))
                .add(
                    Condition::all()
                        .add(comment::Column::Kind.eq(comment::FEDIVERSE))
                        .add(comment::Column::IsLocal.eq(false)),
                ),
        );
    let comments = comment::Entity::find()
        .select_only()
        .column(comment::Column::PostId)
        .column(comment::Column::Kind)
        .column_as(comment::Column::Id.count(), "n")
        .filter(comment::Column::PostId.is_not_null())
        .filter(shown)
        .filter(within(comment::Column::PublishedAt, period))
        .filter(for_post(comment::Column::PostId, only))
        .group_by(comment::Column::PostId)
        .group_by(comment::Column::Kind);
    let rows: Vec<(i32, String, i64)> = comments.into_tuple().all(db).await?;
    for (post_id, kind, n) in rows {
        let entry = per_post.entry(post_id).or_default();
        if kind == comment::WEB {
            entry.web_comments += count(n);
        } else {
            entry.replies += count(n);
        }
    }
    // A quote is recorded once per quoting post as the owner's notification (whether it came
    // with a quote request or not); a repeated request names the same post.
    let quotes = notification::Entity::find()
        .select_only()
        .column(notification::Column::PostId)
        .column_as(
            Expr::col(notification::Column::ObjectApId).count_distinct(),
            "n",
        )
        .filter(notification::Column::Kind.eq(notification::QUOTE))
        .filter(notification::Column::PostId.is_not_null())
        .filter(within(notification::Column::CreatedAt, period))
        .filter(for_post(notification::Column::PostId, only))
        .group_by(notification::Column::PostId);
    let rows: Vec<(i32, i64)> = quotes.into_tuple().all(db).await?;
    for (post_id, n) in rows {
        per_post.entry(post_id).or_default().quotes += count(n);
    }
    Ok(per_post)
}

/// The ids of the blog's activities that carried `post` to followers.
fn carriers_of(site: &Site, post: &post::Model) -> Select<activity::Entity> {
    activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(activity::Column::Kind.is_in(CARRIERS))
        .filter(activity::Column::ObjectApId.eq(site.urls.post(&post.slug).as_str()))
}

/// The deliveries of `post` that arrived.
fn delivered_of(site: &Site, post: &post::Model) -> Select<delivery::Entity> {
    delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::DELIVERED))
        .filter(delivery::Column::ActivityId.in_subquery(carriers_of(site, post).into_query()))
}

/// Whom `post` reached, counted by the database over its delivery rows.
pub async fn reach(site: &Site, post: &post::Model) -> AppResult<Reach> {
    let servers: Option<i64> = delivered_of(site, post)
        .select_only()
        .column_as(Expr::col(delivery::Column::Host).count_distinct(), "n")
        .into_tuple()
        .one(&site.db)
        .await?;
    let inboxes = || {
        delivered_of(site, post)
            .select_only()
            .column(delivery::Column::Inbox)
            .into_query()
    };
    // The followers whose own inbox received it, and those whose server's shared inbox did:
    // a UNION of the two rather than one `inbox IN (…) OR shared_inbox IN (…)`, for which
    // PostgreSQL reads every follower (a seq scan with two hashed subplans); each half uses
    // its index (followers(inbox), followers(shared_inbox)) on PostgreSQL and SQLite.
    let received_by = |column: follower::Column| {
        follower::Entity::find()
            .select_only()
            .column(follower::Column::ActorApId)
            .filter(column.in_subquery(inboxes()))
            .into_query()
    };
    let mut reached = received_by(follower::Column::Inbox);
    reached.union(
        UnionType::Distinct,
        received_by(follower::Column::SharedInbox),
    );
    let followers: i64 = match site
        .db
        .query_one(
            Query::select()
                .expr_as(Expr::col(Asterisk).count(), "n")
                .from_subquery(reached, "reached"),
        )
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(Reach {
        servers: count(servers.unwrap_or_default()),
        followers: count(followers),
    })
}

/// The servers `post` was delivered to, with how many inboxes there received it, most first
/// (at most `limit`).
pub async fn servers_of(
    site: &Site,
    post: &post::Model,
    limit: u64,
) -> AppResult<Vec<(String, u64)>> {
    let rows: Vec<(String, i64)> = delivered_of(site, post)
        .select_only()
        .column(delivery::Column::Host)
        .column_as(delivery::Column::Id.count(), "n")
        .group_by(delivery::Column::Host)
        .order_by_desc(Expr::col(delivery::Column::Id).count())
        .order_by_asc(delivery::Column::Host)
        .limit(limit)
        .into_tuple()
        .all(&site.db)
        .await?;
    Ok(rows.into_iter().map(|(h, n)| (h, count(n))).collect())
}

/// One post's numbers.
pub async fn of_post(site: &Site, post: post::Model) -> AppResult<PostStats> {
    let per_post = interactions_per_post(&site.db, None, Some(post.id)).await?;
    Ok(PostStats {
        reach: reach(site, &post).await?,
        interactions: per_post.get(&post.id).copied().unwrap_or_default(),
        post,
    })
}

/// Published posts that are neither deleted nor in the trash, among `ids`.
async fn published_among(db: &DatabaseConnection, ids: Vec<i32>) -> AppResult<Vec<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::Id.is_in(ids))
        .filter(post::Column::Status.eq(post::PUBLISHED))
        .filter(post::Column::DeletedAt.is_null())
        .all(db)
        .await?)
}

/// The `limit` published posts with the most interactions (in `period`, when given), most
/// first; the newer of two equal ones first. Posts nobody interacted with are left out.
async fn ranked(
    db: &DatabaseConnection,
    period: Option<Period>,
    limit: usize,
    score: impl Fn(&Interactions) -> u64,
) -> AppResult<Vec<(post::Model, Interactions)>> {
    let per_post = interactions_per_post(db, period, None).await?;
    let mut ids: Vec<(i32, u64)> = per_post
        .iter()
        .map(|(id, i)| (*id, score(i)))
        .filter(|(_, n)| *n > 0)
        .collect();
    ids.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    // Room for posts that are in the trash or deleted now.
    ids.truncate(limit.saturating_mul(2).max(limit + 10));
    let posts = published_among(db, ids.iter().map(|(id, _)| *id).collect()).await?;
    let mut found: Vec<(post::Model, Interactions)> = posts
        .into_iter()
        .map(|p| {
            let i = per_post.get(&p.id).copied().unwrap_or_default();
            (p, i)
        })
        .collect();
    found.sort_by(|a, b| {
        score(&b.1)
            .cmp(&score(&a.1))
            .then(b.0.published_at.cmp(&a.0.published_at))
    });
    found.truncate(limit);
    Ok(found)
}

/// The `limit` posts people interacted with most, with whom each reached.
pub async fn top_posts(site: &Site, limit: usize) -> AppResult<Vec<PostStats>> {
    let mut out = Vec::new();
    for (post, interactions) in ranked(&site.db, None, limit, Interactions::total).await? {
        out.push(PostStats {
            reach: reach(site, &post).await?,
            interactions,
            post,
        });
    }
    Ok(out)
}

/// Followers at the end of one stretch of the chart.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FollowerPoint {
    /// The stretch's first day in the blog's time zone.
    pub day: NaiveDate,
    /// Follows that began before the end of the stretch and had not ended by then.
    pub total: u64,
    /// Follows that began in the stretch (whether they still hold or not).
    pub new: u64,
    /// Follows that ended in the stretch: undone, removed or blocked by the owner, or the
    /// account deleted or moved away.
    pub left: u64,
}

/// How finely the followers chart is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Day,
    Month,
}

/// Days shown when every follower came within the last month.
const DAYS: i64 = 30;
/// Months shown at most.
const MONTHS: i32 = 24;

/// The stretches of the followers chart ending with the one holding `now`: the last 30 days
/// when the first follow is that recent (or there is none), else one per month since the
/// month of the first follow (at most 24).
fn stretches(first: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> (Step, Vec<NaiveDate>) {
    let today = now.with_timezone(&tz).date_naive();
    let first_day = first.map(|f| f.with_timezone(&tz).date_naive());
    match first_day {
        Some(day) if (today - day).num_days() >= DAYS => {
            let months = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
            let span = (months(today) - months(day)).clamp(1, MONTHS - 1);
            let days = (0..=span)
                .rev()
                .filter_map(|back| {
                    let m = months(today) - back;
                    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1)
                })
                .collect();
            (Step::Month, days)
        }
        _ => {
            let days = (0..DAYS)
                .rev()
                .map(|back| today - Duration::days(back))
                .collect();
            (Step::Day, days)
        }
    }
}

/// The day after the stretch that begins on `day`.
fn next(step: Step, day: NaiveDate) -> NaiveDate {
    match step {
        Step::Day => day + Duration::days(1),
        Step::Month => day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX),
    }
}

/// Followers of the blog and its authors over time, from the follows that hold now and those
/// that ended (with when they began): three counts per stretch (at most 30) and one more.
pub async fn followers_over_time(
    db: &DatabaseConnection,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<(Step, Vec<FollowerPoint>)> {
    let first_holding: Option<DateTime<Utc>> = follower::Entity::find()
        .select_only()
        .column_as(follower::Column::CreatedAt.min(), "first")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let first_ended: Option<DateTime<Utc>> = follower_departure::Entity::find()
        .select_only()
        .column_as(follower_departure::Column::FollowedAt.min(), "first")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let first = [first_holding, first_ended].into_iter().flatten().min();
    let (step, days) = stretches(first, now, tz);
    let mut points = Vec::with_capacity(days.len());
    let mut before = match days.first().and_then(|d| local_midnight(*d, tz)) {
        Some(start) => Boundary::at(db, start).await?,
        None => Boundary::default(),
    };
    for day in days {
        let Some(end) = local_midnight(next(step, day), tz) else {
            continue;
        };
        let after = Boundary::at(db, end).await?;
        points.push(FollowerPoint {
            day,
            total: after.began.saturating_sub(after.ended),
            new: after.began.saturating_sub(before.began),
            left: after.ended.saturating_sub(before.ended),
        });
        before = after;
    }
    Ok((step, points))
}

/// Follows counted up to a moment: how many began before it (whether they hold now or ended
/// since) and how many ended before it.
#[derive(Debug, Clone, Copy, Default)]
struct Boundary {
    began: u64,
    ended: u64,
}

impl Boundary {
    async fn at(db: &DatabaseConnection, moment: DateTime<Utc>) -> AppResult<Boundary> {
        let holding = follower::Entity::find()
            .filter(follower::Column::CreatedAt.lt(moment))
            .count(db)
            .await?;
        let began_and_ended = follower_departure::Entity::find()
            .filter(follower_departure::Column::FollowedAt.lt(moment))
            .count(db)
            .await?;
        let ended = follower_departure::Entity::find()
            .filter(follower_departure::Column::DepartedAt.lt(moment))
            .count(db)
            .await?;
        Ok(Boundary {
            began: holding + began_and_ended,
            ended,
        })
    }
}

/// The numbers of all time, or of one year.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub posts: u64,
    /// Follows now (all time), or follows begun in the period (whether they hold now or not).
    pub followers: u64,
    /// Follows that ended (in the period): undone, removed or blocked by the owner, or the
    /// account deleted or moved away.
    pub left: u64,
    /// Servers that received at least one post.
    pub servers: u64,
    pub interactions: Interactions,
}

/// `column` (a time) falls in `period`; anything does without one.
fn within<C: ColumnTrait + Copy>(column: C, period: Option<Period>) -> Condition {
    match period {
        Some(p) => Condition::all()
            .add(column.gte(p.start))
            .add(column.lt(p.end)),
        None => Condition::all(),
    }
}

/// `column` (a post id) is `only`; anything is without one.
fn for_post(column: impl ColumnTrait, only: Option<i32>) -> Condition {
    match only {
        Some(id) => Condition::all().add(column.eq(id)),
        None => Condition::all(),
    }
}

/// The numbers of `period` (all time without one).
pub async fn summary(site: &Site, period: Option<Period>) -> AppResult<Summary> {
    let db = &site.db;
    let posts = post::Entity::find()
        .filter(post::Column::Status.eq(post::PUBLISHED))
        .filter(post::Column::DeletedAt.is_null())
        .filter(within(post::Column::PublishedAt, period))
        .count(db)
        .await?;
    let holding = follower::Entity::find()
        .filter(within(follower::Column::CreatedAt, period))
        .count(db)
        .await?;
    let began_and_ended = match period {
        Some(_) => {
            follower_departure::Entity::find()
                .filter(within(follower_departure::Column::FollowedAt, period))
                .count(db)
                .await?
        }
        None => 0,
    };
    let left = follower_departure::Entity::find()
        .filter(within(follower_departure::Column::DepartedAt, period))
        .count(db)
        .await?;
    let carriers = activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(activity::Column::Kind.is_in(CARRIERS))
        .filter(activity::Column::ObjectApId.starts_with(site.urls.post("").as_str()))
        .filter(within(activity::Column::CreatedAt, period));
    let servers: Option<i64> = delivery::Entity::find()
        .select_only()
        .column_as(Expr::col(delivery::Column::Host).count_distinct(), "n")
        .filter(delivery::Column::Status.eq(delivery::DELIVERED))
        .filter(delivery::Column::ActivityId.in_subquery(carriers.into_query()))
        .into_tuple()
        .one(db)
        .await?;
    let mut interactions = Interactions::default();
    for i in interactions_per_post(db, period, None).await?.values() {
        interactions.add(i);
    }
    Ok(Summary {
        posts,
        followers: holding + began_and_ended,
        left,
        servers: count(servers.unwrap_or_default()),
        interactions,
    })
}

/// A year in numbers: its summary and its posts people liked, boosted and answered most
/// (whenever those posts were written).
pub struct Year {
    pub year: i32,
    pub summary: Summary,
    pub most_liked: Vec<(post::Model, u64)>,
    pub most_boosted: Vec<(post::Model, u64)>,
    pub most_replied: Vec<(post::Model, u64)>,
}

/// The year `year` in the blog's time zone, with three posts in each list at most.
pub async fn year(site: &Site, year: i32, tz: Tz) -> AppResult<Option<Year>> {
    let Some(period) = Period::year(year, tz) else {
        return Ok(None);
    };
    let top = |score: fn(&Interactions) -> u64| async move {
        let posts = ranked(&site.db, Some(period), 3, score).await?;
        AppResult::Ok(posts.into_iter().map(|(p, i)| (p, score(&i))).collect())
    };
    Ok(Some(Year {
        year,
        summary: summary(site, Some(period)).await?,
        most_liked: top(|i| i.likes).await?,
        most_boosted: top(|i| i.boosts).await?,
        most_replied: top(|i| i.replies + i.web_comments).await?,
    }))
}

/// The years there is something to show for: from the first published post or follow to
/// the year of `now`, newest first.
pub async fn years(db: &DatabaseConnection, tz: Tz, now: DateTime<Utc>) -> AppResult<Vec<i32>> {
    let first_post: Option<DateTime<Utc>> = post::Entity::find()
        .select_only()
        .column_as(post::Column::PublishedAt.min(), "first")
        .filter(post::Column::Status.eq(post::PUBLISHED))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let first_follow: Option<DateTime<Utc>> = follower::Entity::find()
        .select_only()
        .column_as(follower::Column::CreatedAt.min(), "first")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let first_ended_follow: Option<DateTime<Utc>> = follower_departure::Entity::find()
        .select_only()
        .column_as(follower_departure::Column::FollowedAt.min(), "first")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let this = now.with_timezone(&tz).year();
    let first = [first_post, first_follow, first_ended_follow]
        .into_iter()
        .flatten()
        .map(|t| t.with_timezone(&tz).year())
        .min()
        .unwrap_or(this);
    Ok((first.clamp(this - 100, this)..=this).rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_young_blog_is_shown_by_day_an_older_one_by_month() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let now = utc("2026-12-06T23:30:00Z"); // already the 7th in Berlin
        let (step, days) = stretches(None, now, tz);
        assert_eq!(step, Step::Day);
        assert_eq!(days.len(), 30);
        assert_eq!(days.last(), NaiveDate::from_ymd_opt(2026, 12, 7).as_ref());
        let (step, days) = stretches(Some(utc("2026-11-20T10:00:00Z")), now, tz);
        assert_eq!((step, days.len()), (Step::Day, 30));
        let (step, days) = stretches(Some(utc("2026-09-15T10:00:00Z")), now, tz);
        assert_eq!(step, Step::Month);
        let firsts: Vec<String> = days.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            firsts,
            ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]
        );
        let (_, days) = stretches(Some(utc("2019-01-01T00:00:00Z")), now, tz);
        assert_eq!(days.len(), 24);
        assert_eq!(days[0].to_string(), "2025-01-01");
    }

    #[test]
    fn a_year_is_the_blogs_calendar_year() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let p = Period::year(2026, tz).unwrap();
        assert_eq!(p.start, utc("2025-12-31T23:00:00Z"));
        assert_eq!(p.end, utc("2026-12-31T23:00:00Z"));
        assert_eq!(
            next(Step::Month, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).to_string(),
            "2027-01-01"
        );
    }
}
