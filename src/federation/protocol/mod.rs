//! The wire format, both ways: plain serde structs of every document Feder sends (`sent`:
//! actor, Article, Note, Tombstone, collections, activities) and of what it reads from other
//! servers (`received`: actors, objects, read leniently; `activities`: one typed struct per
//! activity the inbox acts on). Nothing here touches the database; `federation::objects`
//! converts between these and rows.

pub mod activities;
mod received;
mod sent;

pub use received::*;
pub use sent::*;
