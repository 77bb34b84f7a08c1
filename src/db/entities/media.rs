use sea_orm::entity::prelude::*;

/// An uploaded image. Its files are `{key}.{ext}` and the variants `{key}-1200.{ext}` (page
/// width) and `{key}-card.{ext}` (1200×630 link-preview card) in the media directory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub key: String,
    /// Extension of the stored files: png, jpg or gif.
    pub ext: String,
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    /// Default alternative text, offered when the image is used.
    pub alt: String,
    pub original_name: String,
    pub user_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.key, self.ext)
    }
    pub fn display_file_name(&self) -> String {
        format!("{}-1200.{}", self.key, self.ext)
    }
    pub fn card_file_name(&self) -> String {
        format!("{}-card.{}", self.key, self.ext)
    }
}
