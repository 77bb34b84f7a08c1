use sea_orm::entity::prelude::*;

/// An activity the blog sent, stored as the exact JSON that is signed and delivered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub kind: String,
    pub object_ap_id: Option<String>,
    pub json: String,
    /// Whether the activity may be served to anyone at its id.
    pub public: bool,
    pub created_at: DateTimeUtc,
    /// The id of the actor that sends it (the blog, or one of its authors).
    pub sender: Option<String>,
    /// Whether it is addressed to the sender's followers collection: its deliveries to a
    /// shared inbox then carry the FEP-8fcf digest of the followers there.
    pub to_followers: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
