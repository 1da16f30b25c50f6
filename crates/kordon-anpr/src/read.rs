//! One plate read as a camera reported it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    Hikvision,
    Dahua,
    Axis,
    Generic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// The plate, cropped.
    Plate,
    /// The whole scene (vehicle).
    Scene,
}

/// An image that came with a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub kind: ImageKind,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A read exactly as the camera gave it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CameraRead {
    pub vendor: Option<Vendor>,
    /// The camera: its name, serial or address, as it gave it.
    pub camera: Option<String>,
    pub lane: Option<String>,
    /// Capture time, UTC milliseconds, when the push gave one we could read.
    pub captured_ms: Option<i64>,
    /// The capture time as written in the push.
    pub captured_text: Option<String>,
    /// The plate text as read; `None` when the camera read no plate
    /// (empty text, `unknown`).
    pub text: Option<String>,
    /// Overall confidence, 0 to 1.
    pub confidence: Option<f32>,
    /// Per-character confidence, 0 to 100, where given.
    pub char_confidence: Vec<u8>,
    /// Country as the camera coded it (`UA`, `POL`, a vendor number...).
    pub country: Option<String>,
    /// Direction of travel as the camera said it.
    pub direction: Option<String>,
    pub images: Vec<Image>,
}

impl CameraRead {
    pub(crate) fn new(vendor: Vendor) -> Self {
        CameraRead {
            vendor: Some(vendor),
            ..CameraRead::default()
        }
    }
}

/// A plate text, unless it says no plate was read.
pub(crate) fn plate_text(s: &str) -> Option<String> {
    let t = s.trim();
    let none = t.is_empty()
        || [
            "unknown",
            "unknow",
            "none",
            "null",
            "n/a",
            "noplate",
            "no plate",
            "无车牌",
        ]
        .iter()
        .any(|n| t.eq_ignore_ascii_case(n));
    (!none).then(|| t.to_string())
}

/// A trimmed, non-empty string.
pub(crate) fn some_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}
