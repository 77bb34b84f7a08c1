//! A small spam filter that needs no outside service: naive Bayes over the words of comments
//! the owner marked as spam and of those they approved, counted in the `spam_tokens` table.
//! Every new comment, from the web form or the fediverse, is judged by it
//! (`comment_policy`); every moderation decision teaches it.

use crate::{
    db::entities::{comment, spam_token},
    error::AppResult,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait as _, OnConflict},
};
use std::collections::BTreeSet;

/// The row counting the messages learnt (tokens never contain a space).
const MESSAGES: &str = " messages";
/// At most this many distinct words of one comment count.
const MAX_TOKENS: usize = 300;
/// A comment scoring above this is put into the spam folder.
pub const SPAM_ABOVE: f64 = 0.9;

/// The distinct words of `text` (lower case, 3–24 characters) and the hosts of its links.
pub fn tokens(text: &str) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let mut out: BTreeSet<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| (3..=24).contains(&w.chars().count()))
        .map(str::to_string)
        .collect();
    for word in lower.split_whitespace() {
        let Some(start) = word.find("http") else {
            continue;
        };
        if let Ok(url) =
            url::Url::parse(word[start..].trim_matches(|c: char| "\"'<>()".contains(c)))
            && let Some(host) = url.host_str()
        {
            out.insert(format!("host:{host}"));
        }
    }
    out.into_iter().take(MAX_TOKENS).collect()
}

/// The words a comment is judged by: its text, its writer's name and website.
pub fn comment_text(c: &comment::Model) -> String {
    words(
        &c.content_html,
        c.author_name.as_deref(),
        c.author_website.as_deref(),
    )
}

/// The text of a comment's HTML with the addresses its links point to (the hosts a spammer
/// advertises), then its writer's name and website if known.
pub fn words(html: &str, name: Option<&str>, website: Option<&str>) -> String {
    let mut text = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for ch in html.chars() {
        match (&mut tag, ch) {
            (None, '<') => tag = Some(String::new()),
            (Some(inside), '>') => {
                if let Some(href) = inside
                    .split("href=\"")
                    .nth(1)
                    .and_then(|h| h.split('"').next())
                {
                    text.push(' ');
                    text.push_str(href);
                }
                text.push(' ');
                tag = None;
            }
            (Some(inside), _) => inside.push(ch),
            (None, _) => text.push(ch),
        }
    }
    for extra in [name, website].into_iter().flatten() {
        text.push(' ');
        text.push_str(extra);
    }
    text
}

/// Counts `text` once more as spam (`spam`) or not, or (`undo`) once less.
pub async fn learn(db: &impl ConnectionTrait, text: &str, spam: bool, undo: bool) -> AppResult<()> {
    let column = if spam {
        spam_token::Column::Spam
    } else {
        spam_token::Column::Ham
    };
    let step = if undo { -1 } else { 1 };
    let mut words = tokens(text);
    words.insert(MESSAGES.to_string());
    for token in words {
        let start = if undo { 0 } else { 1 };
        let row = spam_token::ActiveModel {
            token: Set(token),
            spam: Set(if spam { start } else { 0 }),
            ham: Set(if spam { 0 } else { start }),
            ..Default::default()
        };
        spam_token::Entity::insert(row)
            .on_conflict(
                OnConflict::column(spam_token::Column::Token)
                    .value(column, Expr::col((spam_token::Entity, column)).add(step))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// What the filter learns when the owner changes a comment's status from `old` to `new`:
/// approving a held comment teaches "not spam", marking one as spam teaches "spam", and
/// approving one from the spam folder takes back what it taught.
pub async fn learn_decision(
    db: &impl ConnectionTrait,
    c: &comment::Model,
    new: &str,
) -> AppResult<()> {
    let text = comment_text(c);
    match (c.status.as_str(), new) {
        (old, comment::SPAM) if old != comment::SPAM => learn(db, &text, true, false).await,
        (comment::SPAM, comment::APPROVED) => {
            learn(db, &text, true, true).await?;
            learn(db, &text, false, false).await
        }
        (comment::PENDING, comment::APPROVED) => learn(db, &text, false, false).await,
        _ => Ok(()),
    }
}

/// The probability that `text` is spam, once the filter has learnt at least one spam and one
/// other comment and knows at least three of its words; `None` before.
pub async fn score(db: &impl ConnectionTrait, text: &str) -> AppResult<Option<f64>> {
    let mut words: Vec<String> = tokens(text).into_iter().collect();
    words.push(MESSAGES.to_string());
    let rows = spam_token::Entity::find()
        .filter(spam_token::Column::Token.is_in(words))
        .all(db)
        .await?;
    let Some(totals) = rows.iter().find(|r| r.token == MESSAGES) else {
        return Ok(None);
    };
    if totals.spam < 1 || totals.ham < 1 {
        return Ok(None);
    }
    let known: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.token != MESSAGES && r.spam + r.ham > 0)
        .map(|r| {
            (
                f64::from(Ord::max(r.spam, 0)),
                f64::from(Ord::max(r.ham, 0)),
            )
        })
        .collect();
    Ok(combine(
        &known,
        f64::from(totals.spam),
        f64::from(totals.ham),
    ))
}

/// Robinson's smoothed per-word probabilities, the 15 most telling combined naively.
fn combine(known: &[(f64, f64)], spam_total: f64, ham_total: f64) -> Option<f64> {
    if known.len() < 3 {
        return None;
    }
    let mut probabilities: Vec<f64> = known
        .iter()
        .map(|&(spam, ham)| {
            let s = (spam / spam_total).min(1.0);
            let h = (ham / ham_total).min(1.0);
            let p = if s + h > 0.0 { s / (s + h) } else { 0.5 };
            let n = spam + ham;
            (0.5 + n * p) / (1.0 + n)
        })
        .collect();
    probabilities.sort_by(|a, b| (b - 0.5).abs().total_cmp(&(a - 0.5).abs()));
    let (log_spam, log_ham) = probabilities
        .iter()
        .take(15)
        .fold((0.0, 0.0), |(s, h), p| (s + p.ln(), h + (1.0 - p).ln()));
    Some(1.0 / (1.0 + (log_ham - log_spam).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_hosts() {
        let t = tokens("Cheap PILLS at https://pills.example/buy now, ok?");
        assert!(t.contains("cheap") && t.contains("pills") && t.contains("host:pills.example"));
        assert!(
            !t.contains("at") && !t.contains("ok"),
            "short words do not count"
        );
    }

    #[test]
    fn words_of_html_with_link_hosts() {
        let text = words(
            r#"<p>Buy <a href="https://pills.example/x" rel="nofollow">now</a></p>"#,
            Some("Pharma"),
            None,
        );
        let t = tokens(&text);
        assert!(t.contains("buy") && t.contains("now") && t.contains("pharma"));
        assert!(t.contains("host:pills.example"), "{t:?}");
        assert!(!t.contains("nofollow"), "attributes are no words");
    }

    #[test]
    fn words_seen_only_in_spam_make_spam() {
        let spammy = combine(&[(3.0, 0.0), (2.0, 0.0), (3.0, 0.0)], 3.0, 5.0);
        assert!(spammy.is_some_and(|p| p > SPAM_ABOVE), "{spammy:?}");
        let fine = combine(&[(0.0, 3.0), (1.0, 4.0), (0.0, 2.0)], 3.0, 5.0);
        assert!(fine.is_some_and(|p| p < 0.5), "{fine:?}");
        assert_eq!(
            combine(&[(1.0, 0.0)], 1.0, 1.0),
            None,
            "too little to judge"
        );
    }
}
