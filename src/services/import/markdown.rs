//! Importing a directory of Markdown files with front matter (Hugo, Jekyll, or a `feder
//! export` with its authors, media, comments, followers and redirects beside them).

use super::report::{ImportReport, Progress, count};
use crate::{
    db::entities::comment,
    error::{AppError, AppResult},
    services::{
        Site,
        export::{
            ExportedAuthor, ExportedComment, ExportedFollower, ExportedMedia, ExportedRedirect,
        },
        followers, media,
        posts::{self, Federate},
        redirects, users,
    },
};
use sea_orm::{EntityTrait, sea_query::OnConflict};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

/// Every Markdown file below `dir` (sorted, so imports are repeatable).
fn markdown_files(dir: &Path) -> AppResult<Vec<PathBuf>> {
    let mut found = vec![];
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", current.display())))?;
        for entry in entries {
            let path = entry.map_err(AppError::internal)?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The slug a static site generator would give a file: its name, or its folder's name for
/// a page bundle (`post/index.md`).
fn file_slug(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy().to_string();
    let stem = if stem == "index" || stem == "_index" {
        path.parent()?.file_name()?.to_string_lossy().to_string()
    } else {
        stem
    };
    // Jekyll names posts 2019-05-12-title.md.
    let stem = match stem.get(..11) {
        Some(prefix)
            if prefix.len() == 11
                && chrono::NaiveDate::parse_from_str(&prefix[..10], "%Y-%m-%d").is_ok() =>
        {
            stem[11..].to_string()
        }
        _ => stem,
    };
    let slug = posts::slugify(&stem);
    (slug != "post" || stem == "post").then_some(slug)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> AppResult<Option<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::BadRequest(format!("{}: {e}", path.display()))),
    }
}

/// The authors of a `feder export` (`authors.json`), by display name.
async fn restore_authors(data: &Site, dir: &Path) -> AppResult<HashMap<String, i32>> {
    let mut author_ids: HashMap<String, i32> = HashMap::new();
    if let Some(authors) = read_json::<Vec<ExportedAuthor>>(&dir.join("authors.json"))? {
        for a in authors {
            let user = users::ensure_author(&data.db, &a.username, &a.display_name).await?;
            let user = users::update_profile(
                &data.db,
                user,
                users::Profile {
                    display_name: a.display_name.clone(),
                    bio: a.bio,
                    avatar_url: a.avatar_url,
                    fediverse_handle: a.fediverse_handle,
                },
            )
            .await?;
            author_ids.insert(a.display_name, user.id);
        }
    }
    Ok(author_ids)
}

/// Imports Markdown files with front matter from `dir`; with what `feder export` writes
/// beside them (authors, media, comments, followers, redirects) the blog is rebuilt.
pub async fn markdown(
    data: &Site,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    let author_ids = restore_authors(data, dir).await?;
    if let Some(list) = read_json::<Vec<ExportedMedia>>(&dir.join("media/media.json"))? {
        for m in list {
            let mut files = vec![];
            let row = m.into_model();
            for name in [
                row.file_name(),
                row.display_file_name(),
                row.card_file_name(),
            ] {
                let path = dir.join("media").join(&name);
                let bytes = std::fs::read(&path)
                    .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
                files.push((name, bytes));
            }
            media::restore(data, row, files).await?;
            report.media += 1;
        }
    }
    let files = markdown_files(dir)?;
    progress(Progress::Total(files.len() as u64));
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
        let mut input = posts::parse_markdown_file(&text)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
        progress(Progress::Item(&input.title));
        if input.slug.is_none() {
            input.slug = file_slug(&path);
        }
        input.author_id = input
            .author
            .as_ref()
            .and_then(|name| author_ids.get(name))
            .copied();
        let existed = match &input.slug {
            Some(slug) => posts::find_any(&data.db, slug).await?.is_some(),
            None => false,
        };
        let (post, _) = posts::save(data, input, Federate::No).await?;
        count(&mut report, existed);
        let comments_file = dir.join("comments").join(format!("{}.json", post.slug));
        if let Some(list) = read_json::<Vec<ExportedComment>>(&comments_file)? {
            for c in list {
                let inserted = comment::Entity::insert(c.into_active(post.id))
                    .on_conflict(
                        OnConflict::column(comment::Column::ApId)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&data.db)
                    .await?;
                report.comments += inserted as usize;
            }
        }
    }
    if let Some(list) = read_json::<Vec<ExportedFollower>>(&dir.join("followers.json"))? {
        for f in list {
            // A follower of an author who is not in the import follows no one here.
            if let Some(author) = &f.author
                && users::find_by_username(&data.db, author).await?.is_none()
            {
                continue;
            }
            followers::restore(&data.db, f.into_active()).await?;
        }
    }
    if let Some(list) = read_json::<Vec<ExportedRedirect>>(&dir.join("redirects.json"))? {
        for r in list {
            redirects::add(&data.db, &r.old_path, &r.target).await?;
            report.redirects += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_slugs() {
        assert_eq!(
            file_slug(Path::new("posts/2019-05-12-hello-world.md")).as_deref(),
            Some("hello-world")
        );
        assert_eq!(
            file_slug(Path::new("content/my-trip/index.md")).as_deref(),
            Some("my-trip")
        );
    }
}
