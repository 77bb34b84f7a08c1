//! `feder import wordpress|markdown|mastodon` and `feder export`, with a progress bar.

use super::open::{creating_site, read_file, site};
use crate::{
    config::Config,
    services::{export, import},
};
use std::path::{Path, PathBuf};

pub(super) async fn wordpress(
    config: Config,
    file: &Path,
    uploads_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let xml = read_file(file)?;
    let site = creating_site(config).await?;
    let options = import::WordpressOptions { uploads_dir };
    let bar = progress_bar();
    let report = import::wordpress(&site, &xml, &options, &mut |p| show_progress(&bar, p)).await;
    bar.finish_and_clear();
    print_import(&report?);
    Ok(())
}

pub(super) async fn markdown(config: Config, dir: &Path) -> anyhow::Result<()> {
    let site = creating_site(config).await?;
    let bar = progress_bar();
    let report = import::markdown(&site, dir, &mut |p| show_progress(&bar, p)).await;
    bar.finish_and_clear();
    print_import(&report?);
    Ok(())
}

pub(super) async fn mastodon(config: Config, archive: &Path) -> anyhow::Result<()> {
    let site = creating_site(config).await?;
    let bar = progress_bar();
    let report = import::mastodon(&site, archive, &mut |p| show_progress(&bar, p)).await;
    bar.finish_and_clear();
    print_import(&report?);
    Ok(())
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, progress: import::Progress) {
    match progress {
        import::Progress::Total(n) => bar.set_length(n),
        import::Progress::Item(title) => {
            bar.inc(1);
            bar.set_message(title.to_string());
        }
    }
}

fn print_import(report: &import::ImportReport) {
    // The counts, then every item skipped or changed, by title.
    print!("{report}");
}

pub(super) async fn export(config: Config, dir: &Path) -> anyhow::Result<()> {
    let site = site(config).await?;
    let report = export::export(&site, dir).await?;
    println!(
        "exported {} posts, {} comments, {} images and {} followers to {}",
        report.posts,
        report.comments,
        report.media,
        report.followers,
        dir.display()
    );
    Ok(())
}
