//! Kordon's generic read, for cameras without a vendor parser and for
//! scripts (documented in `docs/anpr.md`):
//!
//! ```json
//! {"plate": "AA1234BC", "camera": "gate-2", "lane": "1",
//!  "captured_at": "2026-12-03T08:00:00Z", "confidence": 0.93,
//!  "char_confidence": [99, 98, 97, 99, 99, 97, 95, 99],
//!  "country": "UA", "direction": "approach",
//!  "plate_jpeg": "<base64>", "scene_jpeg": "<base64>"}
//! ```
//!
//! Only `plate` is required (`""` or `null` for a pass with no plate
//! read); `captured_ms` may stand for `captured_at`. As multipart, a part
//! named `read` carries that JSON and parts named `plate` and `scene` the
//! JPEGs.

use crate::multipart::Part;
use crate::read::{plate_text, some_text};
use crate::{CameraRead, Image, ImageKind, Refused, Vendor};
use base64::Engine;
use serde_json::Value;

fn malformed(detail: impl Into<String>) -> Refused {
    Refused::Malformed {
        format: "generic read",
        detail: detail.into(),
    }
}

fn string(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => some_text(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn image(v: &Value, key: &str, kind: ImageKind) -> Result<Option<Image>, Refused> {
    let Some(b64) = v.get(key).and_then(Value::as_str) else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| malformed(format!("{key}: {e}")))?;
    Ok(Some(Image {
        kind,
        content_type: "image/jpeg".into(),
        bytes,
    }))
}

pub fn from_json(v: &Value) -> Result<CameraRead, Refused> {
    let Some(plate) = v.get("plate") else {
        return Err(Refused::UnknownFormat(
            "JSON that is no known camera's and has no \"plate\" field".into(),
        ));
    };
    let mut read = CameraRead::new(Vendor::Generic);
    read.text = match plate {
        Value::String(s) => plate_text(s),
        Value::Null => None,
        _ => return Err(malformed("\"plate\" must be a string or null")),
    };
    read.camera = string(v, "camera");
    read.lane = string(v, "lane");
    read.country = string(v, "country");
    read.direction = string(v, "direction");
    read.confidence = v
        .get("confidence")
        .and_then(Value::as_f64)
        .filter(|c| (0.0..=1.0).contains(c))
        .map(|c| c as f32);
    read.char_confidence = v
        .get("char_confidence")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .filter(|c| *c <= 100)
                .map(|c| c as u8)
                .collect()
        })
        .unwrap_or_default();
    if let Some(t) = string(v, "captured_at") {
        read.captured_ms = Some(
            time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                .map(|d| (d.unix_timestamp_nanos() / 1_000_000) as i64)
                .map_err(|e| malformed(format!("captured_at {t:?}: {e}")))?,
        );
        read.captured_text = Some(t);
    } else if let Some(ms) = v.get("captured_ms").and_then(Value::as_i64) {
        read.captured_ms = Some(ms);
    }
    read.images = [
        image(v, "plate_jpeg", ImageKind::Plate)?,
        image(v, "scene_jpeg", ImageKind::Scene)?,
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(read)
}

pub fn from_multipart(parts: &[Part]) -> Result<Vec<CameraRead>, Refused> {
    let json = parts
        .iter()
        .find(|p| p.name.as_deref() == Some("read"))
        .ok_or_else(|| Refused::UnknownFormat("multipart without a \"read\" part".into()))?;
    let v: Value = serde_json::from_slice(&json.body).map_err(|e| malformed(e.to_string()))?;
    let mut read = from_json(&v)?;
    for p in parts {
        let kind = match p.name.as_deref() {
            Some("plate") => ImageKind::Plate,
            Some("scene") => ImageKind::Scene,
            _ => continue,
        };
        read.images.push(Image {
            kind,
            content_type: p
                .content_type
                .clone()
                .unwrap_or_else(|| "image/jpeg".into()),
            bytes: p.body.clone(),
        });
    }
    Ok(vec![read])
}
