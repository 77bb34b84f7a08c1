use sea_orm::entity::prelude::*;

/// Shown at `/pages/<slug>` and, with `in_navigation`, in every page's navigation.
pub const PUBLISHED: &str = "published";
/// Only in /admin.
pub const DRAFT: &str = "draft";
/// Off the blog until restored (as a draft, as WordPress does) or deleted for good.
pub const TRASH: &str = "trash";

/// A static page of the blog (an Impressum, About): not a post, never federated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    /// Plain text, the page's meta description.
    pub summary: String,
    pub lang: String,
    /// `PUBLISHED` or `DRAFT`.
    pub status: String,
    pub in_navigation: bool,
    /// Smaller first in the navigation.
    pub navigation_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn is_public(&self) -> bool {
        self.status == PUBLISHED
    }
}
