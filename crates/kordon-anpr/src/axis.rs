//! AXIS License Plate Verifier push events (JSON).
//!
//! The plate is `plateUnicode` (or `plateUTF8`, `plateText`,
//! `plateASCII`); confidence comes as a string (`"0.719034"`); the capture
//! time as `capture_timestamp` (milliseconds, a string) or `datetime`
//! (`"20210611 130538252"`, camera local time, kept as text).

use crate::read::{plate_text, some_text};
use crate::{CameraRead, Refused, Vendor};
use serde_json::Value;

/// Whether a JSON body is an Axis LPV event.
pub fn looks_like(v: &Value) -> bool {
    ["plateText", "plateUnicode", "plateUTF8", "plateASCII"]
        .iter()
        .any(|k| v.get(k).is_some())
}

fn string(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => some_text(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn from_json(v: &Value) -> Result<CameraRead, Refused> {
    if !looks_like(v) {
        return Err(Refused::UnknownFormat(
            "JSON without an Axis plate field".into(),
        ));
    }
    let mut read = CameraRead::new(Vendor::Axis);
    read.text = ["plateUnicode", "plateUTF8", "plateText", "plateASCII"]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_str).and_then(plate_text));
    read.confidence = string(v, "plateConfidence")
        .and_then(|c| c.parse::<f32>().ok())
        .filter(|c| (0.0..=1.0).contains(c));
    read.country = string(v, "plateCountry");
    read.direction = string(v, "carMoveDirection");
    read.lane = string(v, "roiID");
    read.camera = v
        .get("camera_info")
        .and_then(|c| string(c, "SerialNumber").or_else(|| string(c, "MACAddress")))
        .or_else(|| string(v, "sensorProviderID"));
    read.captured_ms = string(v, "capture_timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .filter(|t| *t > 0);
    read.captured_text = string(v, "datetime");
    Ok(read)
}
