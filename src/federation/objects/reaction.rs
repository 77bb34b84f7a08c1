//! The blog's own reactions to remote posts, from the Reader: a like or boost as its Undo
//! names it (`reaction_to_reacted`), a quote's note as served at its id
//! (`reaction_to_quote_note`) and the QuoteRequest asking for it (`reaction_to_quote_request`,
//! FEP-044f: the quote note embedded as `instrument`).

use crate::{
    db::entities::blog_reaction,
    error::{AppError, AppResult},
    federation::{
        PUBLIC,
        protocol::{QuoteNote, QuoteRequest, Reacted},
    },
    urls::Urls,
};
use url::Url;

fn parse(url: &str) -> AppResult<Url> {
    Url::parse(url).map_err(AppError::internal)
}

/// The activity type a reaction of `kind` is sent as.
pub fn activity_type(kind: &str) -> &'static str {
    match kind {
        blog_reaction::LIKE => "Like",
        blog_reaction::ANNOUNCE => "Announce",
        _ => "QuoteRequest",
    }
}

/// The Like or Announce `activity_id` of `object`, as its Undo names it.
pub fn reaction_to_reacted(
    kind: &str,
    activity_id: &str,
    object: &str,
    urls: &Urls,
) -> AppResult<Reacted> {
    Ok(Reacted {
        id: parse(activity_id)?,
        kind: activity_type(kind).into(),
        actor: urls.actor(),
        object: parse(object)?,
    })
}

/// The quote note of a quote (`row`), public, as its QuoteRequest embeds it and as it is
/// served at its id (with the author's authorization once they accepted).
pub fn reaction_to_quote_note(row: &blog_reaction::Model, urls: &Urls) -> AppResult<QuoteNote> {
    let note_id = row
        .note_ap_id
        .as_deref()
        .ok_or_else(|| AppError::internal("a quote without its note"))?;
    let object = parse(&row.object_ap_id)?;
    let accepted = row.state == blog_reaction::ACCEPTED;
    Ok(QuoteNote {
        id: parse(note_id)?,
        kind: "Note".into(),
        attributed_to: urls.actor(),
        content: row.content_html.clone().unwrap_or_default(),
        quote: object.clone(),
        quote_url: object,
        published: row.created_at,
        to: vec![PUBLIC.to_string()],
        cc: vec![urls.followers().to_string(), row.object_author.clone()],
        quote_authorization: row
            .authorization
            .as_deref()
            .filter(|_| accepted)
            .and_then(|a| Url::parse(a).ok()),
    })
}

/// The QuoteRequest of a quote (`row`): the quote note embedded as `instrument`.
pub fn reaction_to_quote_request(
    row: &blog_reaction::Model,
    urls: &Urls,
) -> AppResult<QuoteRequest> {
    let instrument = reaction_to_quote_note(row, urls)?;
    Ok(QuoteRequest {
        id: parse(&row.activity_id)?,
        kind: "QuoteRequest".into(),
        actor: urls.actor(),
        object: instrument.quote.clone(),
        instrument,
        to: vec![row.object_author.clone()],
    })
}
