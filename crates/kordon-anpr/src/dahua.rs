//! Dahua ITC traffic events: `TrafficJunction`, `TrafficGate`,
//! `TrafficParking...` and the like, with or without a plate text.
//!
//! Two wrappings: the RPC2 `client.notifyEventStream` message
//! (`params.eventList[].Data`), and the event-manager text form
//! `Code=TrafficJunction;action=Pulse;index=0;data={...}`. The plate is
//! `TrafficCar.PlateNumber`, else `Object.Text` when the object is a plate.
//! `RealUTC` is the capture time in UTC; `UTC` on many firmwares is local
//! time counted as if it were UTC, so it is used only when `RealUTC` is
//! absent.

use crate::read::{plate_text, some_text};
use crate::{CameraRead, Refused, Vendor};
use serde_json::Value;

fn malformed(detail: impl Into<String>) -> Refused {
    Refused::Malformed {
        format: "Dahua event",
        detail: detail.into(),
    }
}

fn is_traffic(code: &str) -> bool {
    code.starts_with("Traffic")
}

/// Whether a JSON body is a Dahua event.
pub fn looks_like(v: &Value) -> bool {
    v.get("method").and_then(Value::as_str) == Some("client.notifyEventStream")
        || v.get("Code")
            .and_then(Value::as_str)
            .is_some_and(is_traffic)
        || v.get("TrafficCar").is_some()
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => some_text(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One event's `Data` object.
fn from_data(data: &Value, code: &str) -> CameraRead {
    let mut read = CameraRead::new(Vendor::Dahua);
    let car = data.get("TrafficCar");
    let object = data.get("Object");
    let plate = car
        .and_then(|c| c.get("PlateNumber"))
        .and_then(Value::as_str)
        .and_then(plate_text)
        .or_else(|| {
            object
                .filter(|o| o.get("ObjectType").and_then(Value::as_str) == Some("Plate"))
                .and_then(|o| o.get("Text"))
                .and_then(Value::as_str)
                .and_then(plate_text)
        });
    read.text = plate;
    read.confidence = object
        .and_then(|o| o.get("Confidence"))
        .and_then(Value::as_f64)
        .filter(|c| *c > 0.0 && *c <= 100.0)
        .map(|c| if c > 1.0 { c / 100.0 } else { c } as f32);
    read.lane = text_of(data.get("Lane")).or_else(|| text_of(car.and_then(|c| c.get("Lane"))));
    read.country = text_of(car.and_then(|c| c.get("Country")))
        .or_else(|| text_of(data.get("CommInfo").and_then(|c| c.get("Country"))));
    read.direction = text_of(data.get("JunctionDirection")).or_else(|| {
        text_of(
            car.and_then(|c| c.get("DrivingDirection"))
                .and_then(|d| d.get(0)),
        )
    });
    read.camera = text_of(car.and_then(|c| c.get("MachineName")))
        .or_else(|| text_of(data.get("Name")))
        .map(|c| format!("{c}:{code}"));
    let seconds = data
        .get("RealUTC")
        .and_then(Value::as_i64)
        .or_else(|| data.get("UTC").and_then(Value::as_i64))
        .filter(|s| (0..=32_503_680_000).contains(s));
    let millis = data
        .get("UTCMS")
        .and_then(Value::as_i64)
        .filter(|m| (0..1000).contains(m))
        .unwrap_or(0);
    read.captured_ms = seconds.map(|s| s * 1000 + millis);
    read.captured_text = text_of(data.get("LocaleTime"));
    read
}

/// A JSON body: the RPC2 message, one event, or one `Data` object.
pub fn from_json(v: &Value) -> Result<Vec<CameraRead>, Refused> {
    if let Some(list) = v.pointer("/params/eventList").and_then(Value::as_array) {
        let reads: Vec<CameraRead> = list
            .iter()
            .filter_map(|e| {
                let code = e.get("Code").and_then(Value::as_str)?;
                is_traffic(code).then(|| from_data(e.get("Data").unwrap_or(&Value::Null), code))
            })
            .collect();
        return if reads.is_empty() {
            Err(Refused::NotAnpr(
                "a Dahua event stream with no traffic event".into(),
            ))
        } else {
            Ok(reads)
        };
    }
    if let Some(code) = v.get("Code").and_then(Value::as_str) {
        return Ok(vec![from_data(v.get("Data").unwrap_or(v), code)]);
    }
    if v.get("TrafficCar").is_some() {
        return Ok(vec![from_data(v, "Traffic")]);
    }
    Err(malformed("no event list, Code or TrafficCar"))
}

/// The event-manager text form: `Code=...;action=...;index=...;data={...}`.
pub fn from_text(text: &str) -> Result<Vec<CameraRead>, Refused> {
    let code = text
        .strip_prefix("Code=")
        .and_then(|r| r.split(';').next())
        .unwrap_or("");
    if !is_traffic(code) {
        return Err(Refused::NotAnpr(format!("Dahua event {code:?}")));
    }
    let data = text
        .find("data=")
        .map(|i| &text[i + 5..])
        .ok_or_else(|| malformed("no data= in the event"))?;
    let value: Value = serde_json::Deserializer::from_str(data)
        .into_iter::<Value>()
        .next()
        .ok_or_else(|| malformed("empty data="))?
        .map_err(|e| malformed(e.to_string()))?;
    Ok(vec![from_data(&value, code)])
}
