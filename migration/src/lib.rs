//! Database schema for Feder, one file per change. Run at start-up by `feder serve` and every
//! other command, so a fresh `./data/feder.db` is created and migrated on first use.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_initial;
mod m20261127_000002_delivery_hosts;
mod m20261127_000003_moderation;
mod m20261128_000001_users_sessions;
mod m20261128_000002_api_tokens;
mod m20261128_000003_media;
mod m20261128_000004_post_status_author_cover;
mod m20261128_000005_redirects;
mod m20261128_000006_comment_author_name;
mod m20261201_120000_outbox_events;
mod m20261201_124500_web_comments;
mod m20261201_125000_settings_notifications;
mod m20261201_131500_pages;
mod m20261201_140046_seen_activities;
mod m20261201_140132_private_replies;
mod m20261202_00000d_interaction_authorizations;
mod m20261202_160000_0000c_signature_schemes;
mod m20261202_160000e_mail;
mod m20261202_16000f_author_followers;
mod m20261202_163000e_answer_mails;
mod m20261203_000001_one_followers_table;
mod m20261203_090000_inbox_activities;
mod m20261206_193335_post_trash;
mod m20261206_193355_comment_filters;
mod m20261206_193400_reader;
mod m20261206_195437_blocklists;
mod m20261206_202706_activity_sender;
mod m20261206_204338_reports;
mod m20261206_224500_direct_answers;
mod m20261206_234000_outbox_tries;
mod m20261207_003000_alias_followers;
mod m20261207_003000_post_publications;
mod m20261207_030000_follower_departures;
mod m20261207_031000_mention_recipient;
mod m20261207_040000_stats_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_initial::Migration),
            Box::new(m20261127_000002_delivery_hosts::Migration),
            Box::new(m20261127_000003_moderation::Migration),
            Box::new(m20261128_000001_users_sessions::Migration),
            Box::new(m20261128_000002_api_tokens::Migration),
            Box::new(m20261128_000003_media::Migration),
            Box::new(m20261128_000004_post_status_author_cover::Migration),
            Box::new(m20261128_000005_redirects::Migration),
            Box::new(m20261128_000006_comment_author_name::Migration),
            Box::new(m20261201_120000_outbox_events::Migration),
            Box::new(m20261201_124500_web_comments::Migration),
            Box::new(m20261201_125000_settings_notifications::Migration),
            Box::new(m20261201_131500_pages::Migration),
            Box::new(m20261201_140046_seen_activities::Migration),
            Box::new(m20261201_140132_private_replies::Migration),
            Box::new(m20261202_160000_0000c_signature_schemes::Migration),
            Box::new(m20261202_16000f_author_followers::Migration),
            Box::new(m20261202_00000d_interaction_authorizations::Migration),
            Box::new(m20261202_160000e_mail::Migration),
            Box::new(m20261202_163000e_answer_mails::Migration),
            Box::new(m20261203_000001_one_followers_table::Migration),
            Box::new(m20261203_090000_inbox_activities::Migration),
            Box::new(m20261206_193355_comment_filters::Migration),
            Box::new(m20261206_193335_post_trash::Migration),
            Box::new(m20261206_195437_blocklists::Migration),
            Box::new(m20261206_202706_activity_sender::Migration),
            Box::new(m20261206_193400_reader::Migration),
            Box::new(m20261206_204338_reports::Migration),
            Box::new(m20261206_224500_direct_answers::Migration),
            Box::new(m20261206_234000_outbox_tries::Migration),
            Box::new(m20261207_003000_post_publications::Migration),
            Box::new(m20261207_003000_alias_followers::Migration),
            Box::new(m20261207_030000_follower_departures::Migration),
            Box::new(m20261207_031000_mention_recipient::Migration),
            Box::new(m20261207_040000_stats_indexes::Migration),
        ]
    }
}
