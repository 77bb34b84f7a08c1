//! The one place where database rows become the typed documents of `protocol` and where what
//! other servers send becomes rows, one file per object type. Every conversion is named by its
//! direction: `post_to_article` (a row out), `note_to_remote_note` (a document in).
//! Objects are built without `@context`; `document::with_context` adds it to the top level.

pub mod activity;
pub mod actor;
pub mod article;
pub mod authorization;
pub mod collection;
pub mod document;
pub mod note;
pub mod reaction;
pub mod tombstone;

mod text;
