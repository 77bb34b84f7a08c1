//! Uploaded images: checked by content (PNG, JPEG, GIF or WebP, within the size limit),
//! re-encoded without their metadata (no GPS position leaves the server), and stored with a
//! page-width variant and a 1200×630 link-preview card under a random key in the media
//! directory.

use crate::{
    db::entities::{media, page, post, setting, user},
    error::{AppError, AppResult, Text},
    render::images,
    services::Site,
    urls::Urls,
};
use chrono::Utc;
use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder,
    imageops::FilterType,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::{collections::HashMap, io::Cursor, path::Path};

/// Widest stored image; larger uploads are scaled down.
const MAX_WIDTH: u32 = 2400;
/// The page-width variant.
pub const DISPLAY_WIDTH: u32 = 1200;
/// The link-preview card (Mastodon and others show 1.91:1).
pub const CARD: (u32, u32) = (1200, 630);
/// Images with more pixels per side are refused before they are decoded.
const MAX_SIDE: u32 = 16_000;
/// And images with more pixels in all (40 MP: a 459 KB PNG can declare 11000×11000, which
/// would take ~0.5 GB decoded). Read from the header, before any pixel is decoded.
const MAX_PIXELS: u64 = 40_000_000;

/// An image as uploaded.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub original_name: String,
    pub alt: String,
    pub user_id: Option<i32>,
}

/// The encoded files of one image.
struct Encoded {
    ext: &'static str,
    media_type: &'static str,
    width: u32,
    height: u32,
    main: Vec<u8>,
    display: Vec<u8>,
    card: Vec<u8>,
}

/// The format of an upload, from its first bytes; only the four the blog accepts.
pub fn sniff(bytes: &[u8]) -> AppResult<ImageFormat> {
    match image::guess_format(bytes) {
        Ok(
            format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP),
        ) => Ok(format),
        _ => Err(AppError::Invalid(Text::new("error_image_type"))),
    }
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    tracing::debug!(error = %e, "an uploaded image cannot be read");
    AppError::Invalid(Text::new("error_image_unreadable"))
}

fn encode(image: &DynamicImage, ext: &str) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    match ext {
        "jpg" => image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85))
            .map_err(AppError::internal)?,
        "gif" => image
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Gif)
            .map_err(AppError::internal)?,
        _ => image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(AppError::internal)?,
    }
    Ok(out)
}

/// Decodes (upright, following the EXIF orientation) and encodes the stored files.
fn process(bytes: &[u8], format: ImageFormat) -> AppResult<Encoded> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AppError::Invalid(Text::with(
            "error_image_pixels",
            [
                format!("{width}×{height}"),
                (MAX_PIXELS / 1_000_000).to_string(),
            ],
        )));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    let (ext, media_type) = if format == ImageFormat::Gif {
        ("gif", "image/gif")
    } else if image.color().has_alpha() {
        ("png", "image/png")
    } else {
        ("jpg", "image/jpeg")
    };
    let scaled = |max: u32| {
        if image.width() > max {
            image.resize(max, u32::MAX, FilterType::CatmullRom)
        } else {
            image.clone()
        }
    };
    // An animated GIF keeps its frames at full size: re-encoding would keep only the first.
    let main = if format == ImageFormat::Gif {
        bytes.to_vec()
    } else {
        encode(&scaled(MAX_WIDTH), ext)?
    };
    let display = if format == ImageFormat::Gif && image.width() <= DISPLAY_WIDTH {
        bytes.to_vec()
    } else {
        encode(&scaled(DISPLAY_WIDTH), ext)?
    };
    let card = encode(
        &image.resize_to_fill(CARD.0, CARD.1, FilterType::CatmullRom),
        ext,
    )?;
    let stored = scaled(MAX_WIDTH);
    Ok(Encoded {
        ext,
        media_type,
        width: stored.width(),
        height: stored.height(),
        main,
        display,
        card,
    })
}

/// Checks, converts and stores an upload.
pub async fn store(data: &Site, upload: Upload) -> AppResult<media::Model> {
    if upload.bytes.len() > data.config.media.max_upload_bytes {
        return Err(AppError::PayloadTooLarge);
    }
    let format = sniff(&upload.bytes)?;
    let bytes = upload.bytes;
    let encoded = tokio::task::spawn_blocking(move || process(&bytes, format))
        .await
        .map_err(AppError::internal)??;
    let dir = data.config.media_dir();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let row = media::ActiveModel {
        key: Set(key.clone()),
        ext: Set(encoded.ext.to_string()),
        media_type: Set(encoded.media_type.to_string()),
        width: Set(encoded.width as i32),
        height: Set(encoded.height as i32),
        bytes: Set(encoded.main.len() as i64),
        alt: Set(upload.alt.trim().to_string()),
        original_name: Set(upload.original_name),
        user_id: Set(upload.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let ext = encoded.ext;
    let files = [
        (format!("{key}.{ext}"), &encoded.main),
        (format!("{key}-1200.{ext}"), &encoded.display),
        (format!("{key}-card.{ext}"), &encoded.card),
    ];
    for (name, bytes) in files {
        write(&dir.join(name), bytes).await?;
    }
    Ok(row.insert(&data.db).await?)
}

async fn write(path: &Path, bytes: &[u8]) -> AppResult<()> {
    tokio::fs::write(path, bytes)
        .await
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
}

/// The media type of one of our images, by its extension.
pub fn media_type_of(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/png",
    }
}

/// Whether `name` can be a stored file: `{key}[-variant].{ext}`, nothing that leaves the
/// media directory.
pub fn valid_file_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "png" | "jpg" | "gif")
        && !stem.is_empty()
        && stem.len() <= 80
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `width`, `height`, `srcset` and `sizes` of a stored image shown at page width: the
/// page-width copy and the full one, for screens of any density.
pub fn responsive_attributes(urls: &Urls, stored: &media::Model) -> String {
    let page_width = urls.media(&stored.display_file_name());
    let full = urls.media(&stored.file_name());
    let (width, height) = (stored.width.max(1), stored.height.max(1));
    let shown = width.min(DISPLAY_WIDTH as i32);
    let shown_height = (i64::from(height) * i64::from(shown) / i64::from(width)).max(1);
    format!(
        r#"width="{shown}" height="{shown_height}" srcset="{page_width} {shown}w, {full} {width}w" sizes="(max-width: {shown}px) 100vw, {shown}px""#
    )
}

/// Gives every `<img>` of `html` that shows an image stored here (its full or page-width copy,
/// by absolute or root-relative address) its size and `srcset`.
pub async fn with_sizes(db: &impl ConnectionTrait, urls: &Urls, html: &str) -> AppResult<String> {
    let prefix = urls.media("");
    let mut keys: HashMap<String, Vec<String>> = HashMap::new();
    for source in images::sources(html) {
        let name = source
            .strip_prefix(prefix.as_str())
            .or_else(|| source.strip_prefix(prefix.path()));
        if let Some(name) = name.filter(|n| valid_file_name(n))
            && let Some(key) = name.split(['-', '.']).next()
        {
            keys.entry(key.to_string())
                .or_default()
                .push(source.clone());
        }
    }
    if keys.is_empty() {
        return Ok(html.to_string());
    }
    let stored = media::Entity::find()
        .filter(media::Column::Key.is_in(keys.keys().cloned()))
        .all(db)
        .await?;
    let mut attributes = HashMap::new();
    for m in stored {
        let extra = responsive_attributes(urls, &m);
        for source in keys.remove(&m.key).unwrap_or_default() {
            attributes.insert(source, extra.clone());
        }
    }
    Ok(images::responsive(html, &attributes))
}

/// Reads a stored file: its bytes and media type.
pub async fn read(data: &Site, name: &str) -> AppResult<(Vec<u8>, &'static str)> {
    if !valid_file_name(name) {
        return Err(AppError::NotFound);
    }
    let media_type = media_type_of(name);
    match tokio::fs::read(data.config.media_dir().join(name)).await {
        Ok(bytes) => Ok((bytes, media_type)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound),
        Err(e) => Err(AppError::internal(format!("media {name}: {e}"))),
    }
}

/// The most recent uploads, newest first.
pub async fn recent(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<media::Model>> {
    Ok(media::Entity::find()
        .order_by_desc(media::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn all(db: &DatabaseConnection) -> AppResult<Vec<media::Model>> {
    Ok(media::Entity::find()
        .order_by_asc(media::Column::Id)
        .all(db)
        .await?)
}

/// Changes the alternative text an image is offered with (posts keep the text they have).
pub async fn set_alt(db: &impl ConnectionTrait, id: i32, alt: &str) -> AppResult<()> {
    let row = media::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut row: media::ActiveModel = row.into();
    row.alt = Set(alt.trim().to_string());
    row.update(db).await?;
    Ok(())
}

/// What uses the image (by its key, in any of its sizes): the titles (or slugs) of posts of
/// any status and of pages, and "avatar"/"settings" for an author's avatar or the blog's
/// images.
pub async fn used_by(db: &impl ConnectionTrait, m: &media::Model) -> AppResult<Vec<String>> {
    let key = format!("%/media/{}%", m.key);
    let mut used: Vec<String> = post::Entity::find()
        .filter(
            Condition::any()
                .add(post::Column::BodyMarkdown.like(key.as_str()))
                .add(post::Column::CoverUrl.like(key.as_str())),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| if p.title.is_empty() { p.slug } else { p.title })
        .collect();
    used.extend(
        page::Entity::find()
            .filter(page::Column::BodyMarkdown.like(key.as_str()))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.title),
    );
    used.extend(
        user::Entity::find()
            .filter(user::Column::AvatarUrl.like(key.as_str()))
            .all(db)
            .await?
            .into_iter()
            .map(|u| u.display_name),
    );
    used.extend(
        setting::Entity::find()
            .filter(setting::Column::Value.like(key.as_str()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.key),
    );
    Ok(used)
}

/// Deletes an image and its files, unless something still uses it: then it is refused,
/// naming what uses it (a deleted file would leave holes in those pages).
pub async fn delete(data: &Site, id: i32) -> AppResult<()> {
    let row = media::Entity::find_by_id(id)
        .one(&data.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let used = used_by(&data.db, &row).await?;
    if !used.is_empty() {
        return Err(AppError::Invalid(Text::with(
            "error_media_in_use",
            [used.join(", ")],
        )));
    }
    media::Entity::delete_by_id(id).exec(&data.db).await?;
    let dir = data.config.media_dir();
    for name in [
        row.file_name(),
        row.display_file_name(),
        row.card_file_name(),
    ] {
        match tokio::fs::remove_file(dir.join(&name)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(file = %name, error = %e, "media file not removed"),
        }
    }
    Ok(())
}

/// Stores a media row and its files as they were exported (no re-encoding); a key that
/// exists already is left as it is.
pub async fn restore(
    data: &Site,
    row: media::Model,
    files: Vec<(String, Vec<u8>)>,
) -> AppResult<()> {
    let exists = media::Entity::find()
        .filter(media::Column::Key.eq(row.key.as_str()))
        .one(&data.db)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    let dir = data.config.media_dir();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))?;
    for (name, bytes) in files {
        if !valid_file_name(&name) || !name.starts_with(row.key.as_str()) {
            return Err(AppError::BadRequest(format!(
                "{name:?} is not a file of media {}",
                row.key
            )));
        }
        write(&dir.join(&name), &bytes).await?;
    }
    let mut active: media::ActiveModel = row.into();
    active.id = sea_orm::ActiveValue::NotSet;
    active.insert(&data.db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let image = if alpha {
            DynamicImage::new_rgba8(width, height)
        } else {
            DynamicImage::new_rgb8(width, height)
        };
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn sniffs_by_content_and_makes_variants() {
        assert!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        assert!(sniff(b"GIF89a").is_ok());
        let photo =
            process(&png(2600, 700, false), ImageFormat::Png).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(photo.ext, "jpg");
        assert_eq!((photo.width, photo.height), (2400, 646));
        let display = image::load_from_memory(&photo.display).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(display.width(), 1200);
        let card = image::load_from_memory(&photo.card).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((card.width(), card.height()), CARD);
        let icon = process(&png(64, 64, true), ImageFormat::Png).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(icon.ext, "png");
        assert!(process(b"\x89PNG\r\n\x1a\nbroken", ImageFormat::Png).is_err());
    }

    #[test]
    fn file_names() {
        assert!(valid_file_name("0123abc-card.jpg"));
        assert!(!valid_file_name("../secret.jpg"));
        assert!(!valid_file_name("a.svg"));
        assert!(!valid_file_name(".jpg"));
    }
}
