//! ANPR camera pushes: received, spooled, parsed into one shape.
//!
//! [`ingest`] is the local HTTP endpoint cameras push to; it answers a
//! camera only once the request is durably in the [`spool`], and before
//! any parsing. Processing then parses each spooled push and hands its
//! reads to a [`spool::Sink`], exactly once. Cameras that drop files
//! instead are read from a folder ([`drop_folder`]) into the same spool.
//!
//! Cameras push what they read over HTTP, each vendor in its own format;
//! [`parse_push`] takes the request's `Content-Type` and body exactly as
//! received (as the ingest spools them) and returns the [`CameraRead`]s it
//! carries, or says why it refuses them:
//! - Hikvision ISAPI `EventNotificationAlert` with `eventType` ANPR, as
//!   XML alone or inside `multipart/form-data` with the plate and scene
//!   JPEGs ([`hikvision`]);
//! - Dahua ITC traffic events, as RPC2 `client.notifyEventStream` JSON or
//!   the `Code=TrafficJunction;...;data={...}` text form ([`dahua`]);
//! - Axis License Plate Verifier push events ([`axis`]);
//! - Kordon's documented generic JSON form ([`generic`]).
//!
//! A read keeps what the camera said, untouched: the text (or none, when
//! the camera read no plate), per-character and overall confidence,
//! country, direction, lane, camera, capture time, and the images. Any
//! correction is a separate, attributed change made later. Nothing here
//! panics on any input (fuzzed, see `fuzz/`).

pub mod axis;
pub mod dahua;
pub mod digest;
pub mod drop_folder;
pub mod generic;
pub mod hikvision;
pub mod ingest;
pub mod multipart;
mod read;
pub mod spool;
pub mod vehicle;

pub use read::{CameraRead, Image, ImageKind, Vendor};

/// Why a push was refused (kept in the spool with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the body is empty")]
    Empty,
    #[error("not a format Kordon knows ({0})")]
    UnknownFormat(String),
    #[error("malformed {format}: {detail}")]
    Malformed {
        format: &'static str,
        detail: String,
    },
    #[error("not a plate read: {0}")]
    NotAnpr(String),
}

/// Parses one camera push. `content_type` is the request's header (may be
/// empty); `body` the raw bytes.
pub fn parse_push(content_type: &str, body: &[u8]) -> Result<Vec<CameraRead>, Refused> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refused::Empty);
    }
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("multipart/") {
        let parts = multipart::parse(content_type, body)?;
        return hikvision::from_multipart(&parts)
            .or_else(|e| generic::from_multipart(&parts).map_err(|_| e));
    }
    let text = std::str::from_utf8(body).map_err(|_| {
        Refused::UnknownFormat("a body that is neither UTF-8 text nor multipart".into())
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        return hikvision::from_xml(trimmed, vec![]).map(|r| vec![r]);
    }
    if trimmed.starts_with("Code=") {
        return dahua::from_text(trimmed);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| Refused::Malformed {
                format: "JSON",
                detail: e.to_string(),
            })?;
        if dahua::looks_like(&value) {
            return dahua::from_json(&value);
        }
        if axis::looks_like(&value) {
            return axis::from_json(&value).map(|r| vec![r]);
        }
        return generic::from_json(&value).map(|r| vec![r]);
    }
    Err(Refused::UnknownFormat(format!(
        "a body starting {:?}",
        trimmed.chars().take(24).collect::<String>()
    )))
}
