//! Scans: references to image blobs, with what a viewer needs to know.
//!
//! A scan is one picture of the vehicle: a single image, or a dual-energy
//! pair (high and low energy) taken together. The images themselves are
//! blobs named by the BLAKE3 hash of their original bytes; the document
//! holds only the references and metadata, so a scan costs one small
//! signed record, and the blobs follow it over the link.
//!
//! Schema of an entry of the root `scans` list (append-only):
//! ```text
//! map { id: str (the primary image's blob), added_ms: int, added_by: str,
//!       name: str?, scanner: str?, captured_ms: int?, pixel_mm: f64?,
//!       images: list<map { blob: str (64 hex), size: int, width: int,
//!                         height: int, bits: int, channels: int,
//!                         format: str, energy: "single"|"high"|"low" }> }
//! ```

use crate::doc::{clean_optional, commit, get_f64, get_i64, get_str, invalid, obj_at, obj_in};
use crate::{InspectionDoc, ModelError, OfficerId};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

/// Largest side of an image, in pixels.
pub const MAX_SIDE: u32 = 1 << 20;

/// Which beam an image was taken with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Energy {
    /// A single-energy image.
    Single,
    /// The high-energy image of a dual-energy pair.
    High,
    /// The low-energy image of a dual-energy pair.
    Low,
}

impl Energy {
    pub fn as_str(self) -> &'static str {
        match self {
            Energy::Single => "single",
            Energy::High => "high",
            Energy::Low => "low",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "single" => Energy::Single,
            "high" => Energy::High,
            "low" => Energy::Low,
            _ => return None,
        })
    }
}

/// One image of a scan, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ScanImage {
    /// BLAKE3 hash of the original file, 64 lower-case hex digits.
    pub blob: String,
    /// Size of the original file in bytes.
    #[ts(type = "number")]
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// Bits per sample as stored (8 or 16).
    pub bits: u8,
    /// Channels in the original file (colour files are viewed as grey).
    pub channels: u8,
    /// `tiff`, `png` or `jpeg`.
    pub format: String,
    pub energy: Energy,
}

/// A scan to attach.
#[derive(Debug, Clone, Default)]
pub struct NewScan {
    /// One `Single` image, or a `High` and a `Low` image of equal size.
    pub images: Vec<ScanImage>,
    /// The original file name, for the crew.
    pub name: Option<String>,
    pub scanner: Option<String>,
    pub captured_ms: Option<i64>,
    /// Size of a pixel on the object, in millimetres, when known.
    pub pixel_mm: Option<f64>,
}

/// A scan as read from the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Scan {
    /// The primary image's blob: how the scan is named.
    pub id: String,
    pub images: Vec<ScanImage>,
    pub name: Option<String>,
    pub scanner: Option<String>,
    #[ts(type = "number | null")]
    pub captured_ms: Option<i64>,
    pub pixel_mm: Option<f64>,
    #[ts(type = "number")]
    pub added_ms: i64,
    pub added_by: String,
}

impl Scan {
    /// The image the scan is shown by: the high-energy or single image.
    pub fn primary(&self) -> Option<&ScanImage> {
        self.images.iter().find(|i| i.energy != Energy::Low)
    }
    /// The low-energy image of a dual-energy pair.
    pub fn low(&self) -> Option<&ScanImage> {
        self.images.iter().find(|i| i.energy == Energy::Low)
    }
}

fn check_image(i: &ScanImage) -> Result<(), String> {
    let hex_ok = i.blob.len() == 64
        && i.blob
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex_ok {
        return Err(format!(
            "{} is not a blob hash (64 hex digits)",
            kordon_plates::quoted(&i.blob)
        ));
    }
    if i.width == 0 || i.height == 0 || i.width > MAX_SIDE || i.height > MAX_SIDE {
        return Err(format!(
            "{} × {} pixels is not a usable size",
            i.width, i.height
        ));
    }
    if !matches!(i.bits, 8 | 16) || !(1..=4).contains(&i.channels) {
        return Err(format!(
            "{} bits × {} channels is not supported",
            i.bits, i.channels
        ));
    }
    if !matches!(
        i.format.as_str(),
        "tiff" | "png" | "jpeg" | "diconde" | "raw"
    ) {
        return Err(format!(
            "format {} is not supported",
            kordon_plates::quoted(&i.format)
        ));
    }
    Ok(())
}

fn check_scan(s: &NewScan) -> Result<(), ModelError> {
    for i in &s.images {
        check_image(i).map_err(|e| invalid("scan", e))?;
    }
    let energies: Vec<Energy> = s.images.iter().map(|i| i.energy).collect();
    match energies.as_slice() {
        [Energy::Single] => {}
        [Energy::High, Energy::Low] | [Energy::Low, Energy::High] => {
            let (a, b) = (&s.images[0], &s.images[1]);
            if (a.width, a.height) != (b.width, b.height) {
                return Err(invalid(
                    "scan",
                    format!(
                        "the high and low energy images differ in size ({} × {} and {} × {})",
                        a.width, a.height, b.width, b.height
                    ),
                ));
            }
            if a.blob == b.blob {
                return Err(invalid(
                    "scan",
                    "the high and low energy images are the same file",
                ));
            }
        }
        _ => {
            return Err(invalid(
                "scan",
                "a scan is one single-energy image or a high and a low energy pair",
            ))
        }
    }
    if let Some(mm) = s.pixel_mm {
        if !(mm > 0.0 && mm <= 100.0) {
            return Err(invalid("pixel size", format!("{mm} mm is not plausible")));
        }
    }
    Ok(())
}

impl InspectionDoc {
    /// Appends a scan. Attaching an image that is already attached to this
    /// inspection is refused (the watch folder and the crew may both try).
    pub fn add_scan(
        &mut self,
        scan: &NewScan,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_scan(scan)?;
        let name = clean_optional("file name", scan.name.as_deref(), 255)?;
        let scanner = clean_optional("scanner", scan.scanner.as_deref(), 64)?;
        let mut ignored = vec![];
        let existing = read_scans(&self.doc, &mut ignored);
        for image in &scan.images {
            if existing
                .iter()
                .any(|s| s.images.iter().any(|i| i.blob == image.blob))
            {
                return Err(invalid(
                    "scan",
                    format!("image {} is already attached", &image.blob[..12]),
                ));
            }
        }
        let d = &mut self.doc;
        // Documents made before scans existed get the list on first use.
        let list = match obj_in(d, &ROOT, "scans") {
            Some(l) => l,
            None => d.put_object(ROOT, "scans", ObjType::List)?,
        };
        let at = d.length(&list);
        let entry = d.insert_object(&list, at, ObjType::Map)?;
        let primary = scan
            .images
            .iter()
            .find(|i| i.energy != Energy::Low)
            .map(|i| i.blob.as_str())
            .unwrap_or_default();
        d.put(&entry, "id", primary)?;
        d.put(&entry, "added_ms", now_ms)?;
        d.put(&entry, "added_by", officer.as_str())?;
        if let Some(n) = name {
            d.put(&entry, "name", n)?;
        }
        if let Some(s) = scanner {
            d.put(&entry, "scanner", s)?;
        }
        if let Some(t) = scan.captured_ms {
            d.put(&entry, "captured_ms", t)?;
        }
        if let Some(mm) = scan.pixel_mm {
            d.put(&entry, "pixel_mm", mm)?;
        }
        let images = d.put_object(&entry, "images", ObjType::List)?;
        for (n, i) in scan.images.iter().enumerate() {
            let m = d.insert_object(&images, n, ObjType::Map)?;
            d.put(&m, "blob", i.blob.as_str())?;
            d.put(&m, "size", i.size as i64)?;
            d.put(&m, "width", i64::from(i.width))?;
            d.put(&m, "height", i64::from(i.height))?;
            d.put(&m, "bits", i64::from(i.bits))?;
            d.put(&m, "channels", i64::from(i.channels))?;
            d.put(&m, "format", i.format.as_str())?;
            d.put(&m, "energy", i.energy.as_str())?;
        }
        commit(d, officer, "scan", now_ms);
        Ok(())
    }
}

fn read_image(d: &AutoCommit, m: &automerge::ObjId) -> Result<ScanImage, String> {
    let int = |k: &str| get_i64(d, m, k).ok_or_else(|| format!("no {k}"));
    let image = ScanImage {
        blob: get_str(d, m, "blob").unwrap_or_default(),
        size: u64::try_from(int("size")?).map_err(|_| "negative size".to_string())?,
        width: u32::try_from(int("width")?).map_err(|_| "bad width".to_string())?,
        height: u32::try_from(int("height")?).map_err(|_| "bad height".to_string())?,
        bits: u8::try_from(int("bits")?).map_err(|_| "bad bits".to_string())?,
        channels: u8::try_from(int("channels")?).map_err(|_| "bad channels".to_string())?,
        format: get_str(d, m, "format").unwrap_or_default(),
        energy: get_str(d, m, "energy")
            .and_then(|e| Energy::parse(&e))
            .ok_or("bad energy")?,
    };
    check_image(&image)?;
    Ok(image)
}

/// Reads the scans list; entries that do not follow the schema are left
/// out and described in `problems`.
pub(crate) fn read_scans(d: &AutoCommit, problems: &mut Vec<String>) -> Vec<Scan> {
    let Some(list) = obj_in(d, &ROOT, "scans") else {
        return vec![];
    };
    let mut out = vec![];
    for n in 0..d.length(&list) {
        let Some(entry) = obj_at(d, &list, n) else {
            continue;
        };
        let mut images = vec![];
        let mut bad = None;
        if let Some(il) = obj_in(d, &entry, "images") {
            for k in 0..d.length(&il) {
                match obj_at(d, &il, k).ok_or_else(|| "not a map".to_string()) {
                    Ok(m) => match read_image(d, &m) {
                        Ok(i) => images.push(i),
                        Err(e) => bad = Some(e),
                    },
                    Err(e) => bad = Some(e),
                }
            }
        }
        let scan = NewScan {
            images,
            ..NewScan::default()
        };
        if let Some(e) = bad.or_else(|| check_scan(&scan).err().map(|e| e.to_string())) {
            problems.push(format!("scan {n} left out: {e}"));
            continue;
        }
        out.push(Scan {
            id: get_str(d, &entry, "id").unwrap_or_default(),
            images: scan.images,
            name: get_str(d, &entry, "name"),
            scanner: get_str(d, &entry, "scanner"),
            captured_ms: get_i64(d, &entry, "captured_ms"),
            pixel_mm: get_f64(d, &entry, "pixel_mm"),
            added_ms: get_i64(d, &entry, "added_ms").unwrap_or(0),
            added_by: get_str(d, &entry, "added_by").unwrap_or_default(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InspectionId, NewInspection};

    fn officer() -> OfficerId {
        OfficerId::new("OF-1").expect("test")
    }

    fn doc() -> InspectionDoc {
        let input = NewInspection {
            tractor_plate: "AA1234BB".into(),
            unit: "MOBILE-7".into(),
            ..NewInspection::default()
        };
        InspectionDoc::create(&[1; 32], InspectionId::random(), &input, &officer(), 1_000)
            .expect("test")
    }

    fn image(hex: char, energy: Energy) -> ScanImage {
        ScanImage {
            blob: std::iter::repeat_n(hex, 64).collect(),
            size: 1000,
            width: 6000,
            height: 2000,
            bits: 16,
            channels: 1,
            format: "tiff".into(),
            energy,
        }
    }

    #[test]
    fn a_dual_energy_scan_round_trips() {
        let mut d = doc();
        let scan = NewScan {
            images: vec![image('a', Energy::High), image('b', Energy::Low)],
            name: Some("truck_0001.tif".into()),
            scanner: Some("GANTRY-2".into()),
            captured_ms: Some(900),
            pixel_mm: Some(5.0),
        };
        d.add_scan(&scan, &officer(), 2_000).expect("test");
        let v = d.view().expect("test");
        assert_eq!(v.scans.len(), 1);
        let s = &v.scans[0];
        assert_eq!(s.id, "a".repeat(64));
        assert_eq!(
            s.low().map(|i| i.blob.as_str()),
            Some("b".repeat(64).as_str())
        );
        assert_eq!((s.pixel_mm, s.added_by.as_str()), (Some(5.0), "OF-1"));
        assert!(v.problems.is_empty());
    }

    #[test]
    fn bad_scans_are_refused() {
        let mut d = doc();
        let mut odd = image('a', Energy::Low);
        odd.width = 10;
        for images in [
            vec![],
            vec![image('a', Energy::High)],
            vec![image('a', Energy::High), odd],
            vec![image('a', Energy::High), image('a', Energy::Low)],
            vec![image('z', Energy::Single)],
        ] {
            let scan = NewScan {
                images,
                ..NewScan::default()
            };
            assert!(d.add_scan(&scan, &officer(), 2).is_err());
        }
        let one = NewScan {
            images: vec![image('c', Energy::Single)],
            ..NewScan::default()
        };
        d.add_scan(&one, &officer(), 2).expect("test");
        let again = d.add_scan(&one, &officer(), 3).expect_err("twice");
        assert!(again.to_string().contains("already attached"), "{again}");
        assert_eq!(d.view().expect("test").scans.len(), 1);
    }
}
