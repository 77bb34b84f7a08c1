//! sea-orm entities, one per table of `migration/`. Plain rows: the blog's logic lives in
//! `services/`, and conversions to ActivityPub JSON in `federation/objects/`.

pub mod activity;
pub mod actor;
pub mod alias_follower;
pub mod api_token;
pub mod authorization;
pub mod block;
pub mod blocklist;
pub mod blocklist_exception;
pub mod blog_reaction;
pub mod comment;
pub mod comment_filter;
pub mod delivery;
pub mod delivery_host;
pub mod follower;
pub mod follower_departure;
pub mod following;
pub mod inbox_activity;
pub mod login_attempt;
pub mod mail;
pub mod media;
pub mod mention;
pub mod notification;
pub mod outbox_event;
pub mod page;
pub mod post;
pub mod reaction;
pub mod redirect;
pub mod remote_post;
pub mod report;
pub mod session;
pub mod setting;
pub mod site_key;
pub mod spam_token;
pub mod user;
