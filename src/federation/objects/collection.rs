//! Collections: the counts of a post's likes and boosts, thread collections with their first
//! page embedded, paged collections, and the partial followers collection of FEP-8fcf.

use crate::{
    federation::protocol::{
        CollectionSummary, ItemsCollection, OrderedCollection, OrderedCollectionPage,
        ThreadCollection,
    },
    services::local_actor::LocalActor,
    urls::Urls,
};
use serde_json::Value;
use url::Url;

/// A collection named by an object, with its size only.
pub(super) fn collection_summary(id: Url, kind: &str, total_items: u64) -> CollectionSummary {
    CollectionSummary {
        id,
        kind: kind.into(),
        total_items,
    }
}

/// The likes or boosts of a post: their number only.
pub fn reaction_count(id: Url, total: u64) -> CollectionSummary {
    collection_summary(id, "Collection", total)
}

/// A thread collection of `total` items whose first page (page 1) holds `first_items`.
pub fn thread_collection(
    id: &Url,
    owner: Option<Url>,
    first_items: Vec<String>,
    next: Option<Url>,
    total: u64,
) -> ThreadCollection {
    let items = first_items.into_iter().map(Value::String).collect();
    ThreadCollection {
        id: id.clone(),
        kind: "OrderedCollection".into(),
        attributed_to: owner,
        total_items: total,
        first: ordered_collection_page(&page_url(id, 1), id, items, next, total),
    }
}

/// Page `page` of the collection `id`.
pub fn page_url(id: &Url, page: u64) -> Url {
    let mut url = id.clone();
    url.set_query(Some(&format!("page={page}")));
    url
}

pub fn ordered_collection(id: &Url, total: u64, first: Option<Url>) -> OrderedCollection {
    OrderedCollection {
        id: id.clone(),
        kind: "OrderedCollection".into(),
        total_items: total,
        first,
    }
}

/// The followers of `local` on one server, whole (FEP-8fcf).
pub fn partial_followers(urls: &Urls, local: &LocalActor, items: Vec<String>) -> ItemsCollection {
    ItemsCollection {
        id: local.followers_synchronization(urls),
        kind: "OrderedCollection".into(),
        total_items: items.len() as u64,
        ordered_items: items,
    }
}

pub fn ordered_collection_page(
    id: &Url,
    part_of: &Url,
    items: Vec<Value>,
    next: Option<Url>,
    total: u64,
) -> OrderedCollectionPage {
    OrderedCollectionPage {
        id: id.clone(),
        kind: "OrderedCollectionPage".into(),
        part_of: part_of.clone(),
        total_items: total,
        ordered_items: items,
        next,
    }
}
