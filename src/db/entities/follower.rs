use sea_orm::entity::prelude::*;

/// A remote actor that follows one of our local actors: the blog (`local_actor` = `blog`) or
/// an author (`author:<username>`); see `services::local_actor`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "followers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub local_actor: String,
    pub actor_ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub follow_activity_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
