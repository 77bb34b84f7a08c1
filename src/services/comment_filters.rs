//! The owner's keyword and phrase filters: a comment whose words (its text, the writer's name
//! and website) hold a filtered phrase waits for the owner or is rejected. Read by the comment
//! policy for every new comment and every edit, from the fediverse and the web form alike.

use crate::{
    db::entities::{comment, comment_filter},
    error::{AppError, AppResult, Text},
    services::spam_filter,
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};

/// Lower-case words joined by single spaces: the form phrases are stored and matched in, so
/// "Buy  NOW!" matches "buy now" and "class" does not match "ass".
fn normalized(text: &str) -> String {
    let decoded = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    decoded
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds a filter (or changes the action of an existing one). Returns the phrase as stored.
pub async fn add(db: &impl ConnectionTrait, phrase: &str, action: &str) -> AppResult<String> {
    let phrase = normalized(phrase);
    if phrase.is_empty() {
        return Err(AppError::Invalid(Text::new("error_filter_empty")));
    }
    let action = match action {
        comment_filter::REJECT => comment_filter::REJECT,
        _ => comment_filter::HOLD,
    };
    comment_filter::Entity::insert(comment_filter::ActiveModel {
        phrase: Set(phrase.clone()),
        action: Set(action.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(comment_filter::Column::Phrase)
            .update_column(comment_filter::Column::Action)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(phrase)
}

/// Removes the filter `id`. Returns whether there was one.
pub async fn remove(db: &impl ConnectionTrait, id: i32) -> AppResult<bool> {
    let result = comment_filter::Entity::delete_many()
        .filter(comment_filter::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Every filter, by phrase.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<comment_filter::Model>> {
    Ok(comment_filter::Entity::find()
        .order_by_asc(comment_filter::Column::Phrase)
        .all(db)
        .await?)
}

/// The status the filters give a comment with these words: rejected when a `reject` phrase is
/// in it, waiting when a `hold` phrase is, else none (the rest of the policy decides).
pub async fn verdict(
    db: &impl ConnectionTrait,
    html: &str,
    name: Option<&str>,
    website: Option<&str>,
) -> AppResult<Option<&'static str>> {
    let filters = list(db).await?;
    if filters.is_empty() {
        return Ok(None);
    }
    let text = format!(" {} ", normalized(&spam_filter::words(html, name, website)));
    let matching = filters
        .iter()
        .filter(|f| text.contains(&format!(" {} ", f.phrase)));
    let mut status = None;
    for filter in matching {
        if filter.action == comment_filter::REJECT {
            return Ok(Some(comment::REJECTED));
        }
        status = Some(comment::PENDING);
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::normalized;

    #[test]
    fn phrases_match_whole_words_in_any_case() {
        assert_eq!(normalized("  Buy  NOW!"), "buy now");
        let text = format!(
            " {} ",
            normalized("<p>First-class &amp; BUY now, friends</p>")
        );
        assert!(text.contains(" buy now "));
        assert!(!text.contains(" ass "));
        assert!(text.contains(" class "));
    }
}
