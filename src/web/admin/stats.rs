//! /admin/stats: how the blog does in the fediverse (followers over time, the posts people
//! interacted with most, whom they reached), a year in numbers (/admin/stats/YEAR) and one
//! post's numbers (/admin/stats/posts/SLUG). The charts are SVG drawn by the template from
//! `render::charts`, each with a table of the same numbers.

use super::{auth::Author, page};
use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    render::{charts, i18n::Language},
    services::{
        posts,
        stats::{self, Interactions, PostStats, Reach, Step, Summary},
    },
    web::{extract::Path, views},
};
use activitypub_federation::config::Data;
use axum::{http::StatusCode, response::Response};
use chrono::{Datelike, NaiveDate, Utc};
use serde::Serialize;

/// Posts in the top list and its chart.
const TOP_POSTS: usize = 10;
/// Servers listed on a post's page.
const SERVERS_LISTED: u64 = 100;

#[derive(Serialize)]
struct PostRow {
    title: String,
    url: String,
    stats_url: String,
    published: String,
    reach: Reach,
    interactions: Interactions,
    total: u64,
}

fn post_row(data: &AppState, lang: &Language, s: &PostStats) -> PostRow {
    let tz = data.settings.current().tz();
    PostRow {
        title: views::headline(&s.post),
        url: data.urls.post(&s.post.slug).to_string(),
        stats_url: format!("/admin/stats/posts/{}", s.post.slug),
        published: lang.date(&s.post.published_at.with_timezone(&tz)),
        reach: s.reach,
        interactions: s.interactions,
        total: s.interactions.total(),
    }
}

#[derive(Serialize)]
struct FollowerRow {
    /// The stretch in words: a day, or a month.
    when: String,
    total: u64,
    new: u64,
    left: u64,
}

/// A short name of a day or month for the chart's axis ("7 Dec", "Dec 2026").
fn short_label(lang: &Language, step: Step, day: NaiveDate) -> String {
    let month: String = lang.month(day.month()).chars().take(3).collect();
    match step {
        Step::Day => lang
            .get("admin_stats_day")
            .replace("{day}", &day.day().to_string())
            .replace("{month}", &month),
        Step::Month => format!("{month} {}", day.year()),
    }
}

fn long_label(lang: &Language, step: Step, day: NaiveDate) -> String {
    match step {
        Step::Day => lang.date(&day.and_time(chrono::NaiveTime::MIN).and_utc()),
        Step::Month => lang.month_year(day.year(), day.month()),
    }
}

/// The all-time numbers, as the overview and a year show them.
#[derive(Serialize)]
struct SummaryView {
    posts: u64,
    followers: u64,
    left: u64,
    servers: u64,
    interactions: Interactions,
}

impl From<Summary> for SummaryView {
    fn from(s: Summary) -> SummaryView {
        SummaryView {
            posts: s.posts,
            followers: s.followers,
            left: s.left,
            servers: s.servers,
            interactions: s.interactions,
        }
    }
}

/// GET /admin/stats.
pub async fn overview(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let tz = data.settings.current().tz();
    let lang = author.lang;
    let now = Utc::now();
    let (step, points) = stats::followers_over_time(&data.db, tz, now).await?;
    let totals: Vec<u64> = points.iter().map(|p| p.total).collect();
    let labels: Vec<String> = points
        .iter()
        .map(|p| short_label(lang, step, p.day))
        .collect();
    let followers_chart = charts::line(&totals, &labels);
    let follower_rows: Vec<FollowerRow> = points
        .iter()
        .rev()
        .filter(|p| p.new > 0 || p.left > 0)
        .map(|p| FollowerRow {
            when: long_label(lang, step, p.day),
            total: p.total,
            new: p.new,
            left: p.left,
        })
        .collect();
    let top: Vec<PostRow> = stats::top_posts(&data, TOP_POSTS)
        .await?
        .iter()
        .map(|s| post_row(&data, lang, s))
        .collect();
    let bars = charts::bars(
        &top.iter()
            .map(|r| (r.title.clone(), r.total))
            .collect::<Vec<_>>(),
    );
    let summary = SummaryView::from(stats::summary(&data, None).await?);
    let per = match step {
        Step::Day => author.t("admin_stats_per_day"),
        Step::Month => author.t("admin_stats_per_month"),
    };
    Ok(page(
        StatusCode::OK,
        "stats.html",
        minijinja::context! {
            title => author.t("admin_stats"),
            summary => summary,
            followers_chart => followers_chart,
            followers_now => totals.last().copied().unwrap_or_default(),
            follower_rows => follower_rows,
            per => per,
            top => top,
            bars => bars,
            years => stats::years(&data.db, tz, now).await?,
            ..author.nav()
        },
    ))
}

#[derive(Serialize)]
struct Ranked {
    title: String,
    url: String,
    stats_url: String,
    count: u64,
}

fn ranked(data: &AppState, list: Vec<(crate::db::entities::post::Model, u64)>) -> Vec<Ranked> {
    list.into_iter()
        .map(|(post, count)| Ranked {
            title: views::headline(&post),
            url: data.urls.post(&post.slug).to_string(),
            stats_url: format!("/admin/stats/posts/{}", post.slug),
            count,
        })
        .collect()
}

/// GET /admin/stats/{year}: the year in numbers, a page to look at (and screenshot).
pub async fn year(
    data: Data<AppState>,
    author: Author,
    Path(year): Path<i32>,
) -> AppResult<Response> {
    let tz = data.settings.current().tz();
    if !(1970..=9999).contains(&year) {
        return Err(AppError::NotFound);
    }
    let Some(found) = stats::year(&data, year, tz).await? else {
        return Err(AppError::NotFound);
    };
    let years = stats::years(&data.db, tz, Utc::now()).await?;
    Ok(page(
        StatusCode::OK,
        "stats_year.html",
        minijinja::context! {
            title => author.t("admin_stats_year").replace("%s", &year.to_string()),
            year => year,
            summary => SummaryView::from(found.summary),
            most_liked => ranked(&data, found.most_liked),
            most_boosted => ranked(&data, found.most_boosted),
            most_replied => ranked(&data, found.most_replied),
            years => years,
            ..author.nav()
        },
    ))
}

#[derive(Serialize)]
struct ServerRow {
    host: String,
    inboxes: u64,
}

/// GET /admin/stats/posts/{slug}: one post's numbers and the servers it reached.
pub async fn post(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let Some(post) = posts::find(&data.db, &slug).await? else {
        return Err(AppError::NotFound);
    };
    let servers: Vec<ServerRow> = stats::servers_of(&data, &post, SERVERS_LISTED)
        .await?
        .into_iter()
        .map(|(host, inboxes)| ServerRow { host, inboxes })
        .collect();
    let row = post_row(&data, author.lang, &stats::of_post(&data, post).await?);
    Ok(page(
        StatusCode::OK,
        "stats_post.html",
        minijinja::context! {
            title => row.title.clone(),
            row => row,
            servers => servers,
            ..author.nav()
        },
    ))
}
