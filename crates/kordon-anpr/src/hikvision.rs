//! Hikvision ISAPI `EventNotificationAlert` (eventType ANPR).
//!
//! Firmware varies: the namespace (`hikvision.com/ver20`, `isapi.org/ver20`
//! or none), whether `country` and `direction` are there, an empty
//! `plateCharBelieve`, and the text `unknown` when no plate was read. So
//! elements are found by local name, anywhere under the alert.

use crate::multipart::Part;
use crate::read::{plate_text, some_text};
use crate::{CameraRead, Image, ImageKind, Refused, Vendor};

fn malformed(detail: impl Into<String>) -> Refused {
    Refused::Malformed {
        format: "Hikvision XML",
        detail: detail.into(),
    }
}

/// The text of the first element named `name` under `node`.
fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name().eq_ignore_ascii_case(name))
        .and_then(|n| n.text())
}

/// Parses the alert's XML; `images` came beside it in the same push.
pub fn from_xml(xml: &str, images: Vec<Image>) -> Result<CameraRead, Refused> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| malformed(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "EventNotificationAlert" {
        return Err(Refused::UnknownFormat(format!(
            "XML whose root is <{}>",
            root.tag_name().name()
        )));
    }
    let event = child_text(root, "eventType").unwrap_or("").trim();
    if !event.eq_ignore_ascii_case("ANPR") {
        return Err(Refused::NotAnpr(format!("Hikvision eventType {event:?}")));
    }
    let anpr = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name().eq_ignore_ascii_case("ANPR"))
        .ok_or_else(|| malformed("eventType ANPR without an <ANPR> element"))?;
    let mut read = CameraRead::new(Vendor::Hikvision);
    read.text = child_text(anpr, "licensePlate")
        .or_else(|| child_text(anpr, "originalLicensePlate"))
        .and_then(plate_text);
    read.confidence = child_text(anpr, "confidenceLevel")
        .and_then(|c| c.trim().parse::<f32>().ok())
        .filter(|c| (0.0..=100.0).contains(c))
        .map(|c| c / 100.0);
    read.char_confidence = child_text(anpr, "plateCharBelieve")
        .map(|s| {
            s.split(',')
                .filter_map(|c| c.trim().parse::<u8>().ok())
                .filter(|c| *c <= 100)
                .collect()
        })
        .unwrap_or_default();
    read.country = child_text(anpr, "country")
        .or_else(|| child_text(anpr, "countryAbbreviation"))
        .and_then(some_text);
    read.direction = child_text(anpr, "direction").and_then(some_text);
    read.lane = child_text(anpr, "laneNo")
        .or_else(|| child_text(anpr, "line"))
        .and_then(some_text);
    let channel = child_text(root, "channelID").and_then(some_text);
    read.camera = child_text(root, "macAddress")
        .or_else(|| child_text(root, "ipAddress"))
        .and_then(some_text)
        .map(|c| match &channel {
            Some(ch) => format!("{c}/{ch}"),
            None => c,
        })
        .or_else(|| child_text(root, "channelName").and_then(some_text));
    if let Some(t) = child_text(root, "dateTime").and_then(some_text) {
        read.captured_ms =
            time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|d| (d.unix_timestamp_nanos() / 1_000_000) as i64);
        read.captured_text = Some(t);
    }
    read.images = images;
    Ok(read)
}

/// The kind of image a part holds, from its name.
fn image_kind(part: &Part) -> ImageKind {
    let name = part
        .name
        .as_deref()
        .or(part.filename.as_deref())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.contains("plate") {
        ImageKind::Plate
    } else {
        ImageKind::Scene
    }
}

fn is_xml(part: &Part) -> bool {
    let ct = part
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = part.name.as_deref().unwrap_or("").to_ascii_lowercase();
    ct.contains("xml")
        || name.ends_with(".xml")
        || part.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

fn is_image(part: &Part) -> bool {
    part.content_type
        .as_deref()
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("image/"))
        || part.body.starts_with(&[0xff, 0xd8, 0xff])
}

/// The alert's XML part with its JPEG parts.
pub fn from_multipart(parts: &[Part]) -> Result<Vec<CameraRead>, Refused> {
    let xml = parts
        .iter()
        .find(|p| is_xml(p))
        .ok_or_else(|| Refused::UnknownFormat("multipart without an XML part".into()))?;
    let text =
        std::str::from_utf8(&xml.body).map_err(|_| malformed("the XML part is not UTF-8"))?;
    let images = parts
        .iter()
        .filter(|p| is_image(p))
        .map(|p| Image {
            kind: image_kind(p),
            content_type: p
                .content_type
                .clone()
                .unwrap_or_else(|| "image/jpeg".into()),
            bytes: p.body.clone(),
        })
        .collect();
    from_xml(text.trim_start_matches('\u{feff}').trim(), images).map(|r| vec![r])
}
