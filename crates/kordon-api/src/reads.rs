//! ANPR read images, for the crew's app and the console alike: a blob is
//! served only when a read of an inspection in this store names it, with
//! the content type that read gave (images only).

use crate::ApiError;
use kordon_blob::{BlobId, BlobPort};
use kordon_store::Index;

/// Image types served as they are; anything else goes out as bytes the
/// browser will not interpret.
const IMAGE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
];

/// A read's image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadImageBytes {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The image `blob` (64 hex digits) of a read held in `store`.
pub fn read_image(
    store: &dyn Index,
    blobs: &dyn BlobPort,
    blob: &str,
) -> Result<ReadImageBytes, ApiError> {
    let is_hash = blob.len() == 64
        && blob
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !is_hash {
        return Err(ApiError::invalid(format!(
            "{} is not an image id (64 hex digits)",
            kordon_plates::quoted(blob)
        )));
    }
    let not_found = || ApiError::new("not_found", format!("no read has the image {blob}"));
    let mut content_type = None;
    for doc in store.docs_with_blob_prefix(blob)? {
        let Some(row) = store.console_row(doc)? else {
            continue;
        };
        if let Some(image) = row
            .row
            .view
            .reads
            .iter()
            .flat_map(|r| r.images.iter())
            .find(|i| i.blob == blob)
        {
            content_type = Some(
                IMAGE_TYPES
                    .iter()
                    .copied()
                    .find(|t| image.content_type.eq_ignore_ascii_case(t))
                    .unwrap_or("application/octet-stream"),
            );
            break;
        }
    }
    let content_type = content_type.ok_or_else(not_found)?;
    let id: BlobId = blob.parse().map_err(|_| not_found())?;
    let held = blobs
        .contains(&id)
        .map_err(|e| ApiError::new("storage", format!("looking for the image {blob}: {e}")))?;
    if !held {
        return Err(ApiError::new(
            "not_found",
            format!("the image {blob} has not arrived yet"),
        ));
    }
    let bytes = blobs
        .read_verified(&id)
        .map_err(|e| ApiError::new("storage", format!("reading the image {blob}: {e}")))?;
    Ok(ReadImageBytes {
        content_type,
        bytes,
    })
}
