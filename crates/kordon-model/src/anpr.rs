//! ANPR reads in an inspection: what a camera read, exactly as it read it.
//!
//! A read is never edited: a correction by the crew, or taking a read off
//! an inspection it was wrongly attached to, is a separate, attributed
//! entry of `read_edits`, and the view shows both the read and the edit.
//! The images are blobs, synced like scans.
//!
//! Schema of an entry of the root `reads` list (append-only):
//! ```text
//! map { id: str ("PUSH#N": the spooled push and the read's place in it),
//!       received_ms: int, captured_ms: int?, vendor: str, camera: str?,
//!       lane: str?, role: "tractor"|"trailer"?, text: str?,
//!       confidence: f64?, char_confidence: list<int>, country: str?,
//!       direction: str?, added_by: str,
//!       images: list<map { kind: "plate"|"scene", blob: str (64 hex),
//!                          size: int, content_type: str }> }
//! ```
//! and of the root `read_edits` list (append-only):
//! ```text
//! map { read: str (a read's id), action: "correct"|"detach", text: str?,
//!       officer: str, at_ms: int }
//! ```

use crate::doc::{commit, get_f64, get_i64, get_str, invalid, obj_at, obj_in};
use crate::{InspectionDoc, ModelError, OfficerId, Plate};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

/// Which plate of the vehicle a read is of.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PlateRole {
    Tractor,
    Trailer,
}

impl PlateRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlateRole::Tractor => "tractor",
            PlateRole::Trailer => "trailer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tractor" => Some(PlateRole::Tractor),
            "trailer" => Some(PlateRole::Trailer),
            _ => None,
        }
    }
}

/// What a read's image shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReadImageKind {
    Plate,
    Scene,
}

/// An image of a read, stored as a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ReadImage {
    pub kind: ReadImageKind,
    /// BLAKE3 of the image bytes, 64 lower-case hex digits.
    pub blob: String,
    #[ts(type = "number")]
    pub size: u64,
    pub content_type: String,
}

/// A camera's read as the inspection holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct AnprRead {
    /// `PUSH#N`: the push it came in, and its place in that push.
    pub id: String,
    #[ts(type = "number")]
    pub received_ms: i64,
    #[ts(type = "number | null")]
    pub captured_ms: Option<i64>,
    /// `hikvision`, `dahua`, `axis` or `generic`.
    pub vendor: String,
    pub camera: Option<String>,
    pub lane: Option<String>,
    /// The plate of the vehicle this read is of, as attached.
    pub role: Option<PlateRole>,
    /// The text exactly as read; none when the camera read no plate.
    pub text: Option<String>,
    /// The text's canonical form and match key, when it is a plate.
    pub plate: Option<Plate>,
    /// 0 to 1.
    pub confidence: Option<f64>,
    /// Per character, 0 to 100, where the camera gave it.
    pub char_confidence: Vec<u8>,
    pub country: Option<String>,
    pub direction: Option<String>,
    pub images: Vec<ReadImage>,
    /// The officer on duty when it was attached.
    pub added_by: String,
    /// The crew's correction of the text, if any (the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub correction: Option<ReadCorrection>,
    /// Set when the crew took the read off this inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detached: Option<crate::Removal>,
}

/// The crew's correction of what a camera read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ReadCorrection {
    pub text: String,
    pub plate: Plate,
    pub by: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

impl AnprRead {
    /// The plate this read stands for now: the correction's, else the
    /// camera's.
    pub fn effective_plate(&self) -> Option<&Plate> {
        match &self.correction {
            Some(c) => Some(&c.plate),
            None => self.plate.as_ref(),
        }
    }
}

/// Longest free-text field a camera may fill.
const MAX_FIELD: usize = 64;

fn is_blob(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A camera's text field, cut to size and without control characters.
fn field(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|t| {
            t.chars()
                .filter(|c| !c.is_control())
                .take(MAX_FIELD)
                .collect::<String>()
        })
        .filter(|t| !t.trim().is_empty())
}

fn check_read(r: &AnprRead) -> Result<(), String> {
    if r.id.is_empty() || r.id.len() > 128 || r.id.chars().any(char::is_control) {
        return Err("bad id".into());
    }
    if r.images.len() > 8 {
        return Err("more than 8 images".into());
    }
    if let Some(i) = r.images.iter().find(|i| !is_blob(&i.blob)) {
        return Err(format!(
            "image blob {} is not a BLAKE3 hash",
            kordon_plates::quoted(&i.blob)
        ));
    }
    if r.char_confidence.len() > 32 || r.char_confidence.iter().any(|c| *c > 100) {
        return Err("bad per-character confidence".into());
    }
    if r.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err("confidence outside 0..1".into());
    }
    Ok(())
}

impl InspectionDoc {
    /// The reads attached so far.
    pub fn reads(&self) -> Vec<AnprRead> {
        read_reads(&self.doc, &mut vec![])
    }

    /// Appends a read. `fill`: the vehicle plate this read is of, set from
    /// the read's text when the inspection has none for it yet. A read
    /// whose id is attached already is refused.
    pub fn add_read(
        &mut self,
        read: &AnprRead,
        fill: Option<PlateRole>,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        self.add_read_with_alerts(read, fill, &[], officer, now_ms)
    }

    /// As [`add_read`](Self::add_read), with the alerts the read raised
    /// in the same change: a read and its alerts are stored together or
    /// not at all.
    pub fn add_read_with_alerts(
        &mut self,
        read: &AnprRead,
        fill: Option<PlateRole>,
        alerts: &[crate::NewAlert],
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_read(read).map_err(|e| invalid("read", e))?;
        if self.reads().iter().any(|r| r.id == read.id) {
            return Err(invalid("read", format!("{} is attached already", read.id)));
        }
        let text = field(&read.text);
        let plate = text.as_deref().and_then(|t| Plate::parse(t).ok());
        let d = &mut self.doc;
        let list = match obj_in(d, &ROOT, "reads") {
            Some(l) => l,
            None => d.put_object(ROOT, "reads", ObjType::List)?,
        };
        let at = d.length(&list);
        let e = d.insert_object(&list, at, ObjType::Map)?;
        d.put(&e, "id", read.id.as_str())?;
        d.put(&e, "received_ms", read.received_ms)?;
        if let Some(t) = read.captured_ms {
            d.put(&e, "captured_ms", t)?;
        }
        d.put(
            &e,
            "vendor",
            field(&Some(read.vendor.clone())).unwrap_or_default(),
        )?;
        for (key, value) in [
            ("camera", &read.camera),
            ("lane", &read.lane),
            ("country", &read.country),
            ("direction", &read.direction),
        ] {
            if let Some(v) = field(value) {
                d.put(&e, key, v)?;
            }
        }
        if let Some(t) = &text {
            d.put(&e, "text", t.as_str())?;
        }
        if let Some(role) = read.role.or(fill) {
            d.put(&e, "role", role.as_str())?;
        }
        if let Some(c) = read.confidence {
            d.put(&e, "confidence", c)?;
        }
        let cc = d.put_object(&e, "char_confidence", ObjType::List)?;
        for (i, c) in read.char_confidence.iter().enumerate() {
            d.insert(&cc, i, i64::from(*c))?;
        }
        d.put(&e, "added_by", officer.as_str())?;
        let images = d.put_object(&e, "images", ObjType::List)?;
        for (i, img) in read.images.iter().enumerate() {
            let m = d.insert_object(&images, i, ObjType::Map)?;
            d.put(
                &m,
                "kind",
                match img.kind {
                    ReadImageKind::Plate => "plate",
                    ReadImageKind::Scene => "scene",
                },
            )?;
            d.put(&m, "blob", img.blob.as_str())?;
            d.put(&m, "size", img.size as i64)?;
            d.put(
                &m,
                "content_type",
                field(&Some(img.content_type.clone())).unwrap_or_default(),
            )?;
        }
        if let (Some(role), Some(plate)) = (fill, &plate) {
            if let Some(vehicle) = obj_in(d, &ROOT, "vehicle") {
                if obj_in(d, &vehicle, role.as_str()).is_none() {
                    crate::doc::put_plate(d, &vehicle, role.as_str(), plate)?;
                }
            }
        }
        crate::alert::put_alerts(d, alerts, officer, now_ms)?;
        commit(d, officer, "anpr_read", now_ms);
        Ok(())
    }

    /// Records the crew's correction of a read's text. When the read
    /// filled a plate of the vehicle, that plate becomes the corrected one.
    pub fn correct_read(
        &mut self,
        read_id: &str,
        text: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Plate, ModelError> {
        let read = self.find_read(read_id)?;
        let plate = Plate::parse(text).map_err(|e| invalid("text", e.to_string()))?;
        let d = &mut self.doc;
        let list = edits_list(d)?;
        let at = d.length(&list);
        let e = d.insert_object(&list, at, ObjType::Map)?;
        d.put(&e, "read", read_id)?;
        d.put(&e, "action", "correct")?;
        d.put(&e, "text", plate.raw.as_str())?;
        d.put(&e, "officer", officer.as_str())?;
        d.put(&e, "at_ms", now_ms)?;
        if let (Some(role), Some(vehicle)) = (read.role, obj_in(d, &ROOT, "vehicle")) {
            let current =
                obj_in(d, &vehicle, role.as_str()).and_then(|p| get_str(d, &p, "canonical"));
            let filled_by_read =
                current.is_none() || current == read.effective_plate().map(|p| p.canonical.clone());
            if filled_by_read {
                crate::doc::put_plate(d, &vehicle, role.as_str(), &plate)?;
            }
        }
        commit(d, officer, "read_correct", now_ms);
        Ok(plate)
    }

    /// Takes a read off this inspection (it was of another vehicle). The
    /// read stays in the document, marked; a plate it filled is cleared.
    pub fn detach_read(
        &mut self,
        read_id: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        let read = self.find_read(read_id)?;
        if read.detached.is_some() {
            return Err(invalid("read", format!("{read_id} is detached already")));
        }
        let d = &mut self.doc;
        let list = edits_list(d)?;
        let at = d.length(&list);
        let e = d.insert_object(&list, at, ObjType::Map)?;
        d.put(&e, "read", read_id)?;
        d.put(&e, "action", "detach")?;
        d.put(&e, "officer", officer.as_str())?;
        d.put(&e, "at_ms", now_ms)?;
        if let (Some(role), Some(vehicle), Some(plate)) = (
            read.role,
            obj_in(d, &ROOT, "vehicle"),
            read.effective_plate(),
        ) {
            let current =
                obj_in(d, &vehicle, role.as_str()).and_then(|p| get_str(d, &p, "canonical"));
            if current.as_deref() == Some(plate.canonical.as_str()) {
                d.delete(&vehicle, role.as_str())?;
            }
        }
        commit(d, officer, "read_detach", now_ms);
        Ok(())
    }

    fn find_read(&self, read_id: &str) -> Result<AnprRead, ModelError> {
        self.reads()
            .into_iter()
            .find(|r| r.id == read_id)
            .ok_or_else(|| invalid("read", format!("no read {read_id:?} on this inspection")))
    }
}

fn edits_list(d: &mut AutoCommit) -> Result<automerge::ObjId, ModelError> {
    Ok(match obj_in(d, &ROOT, "read_edits") {
        Some(l) => l,
        None => d.put_object(ROOT, "read_edits", ObjType::List)?,
    })
}

/// Folds the `read_edits` list into the reads it names.
fn apply_edits(d: &AutoCommit, reads: &mut [AnprRead], problems: &mut Vec<String>) {
    let Some(list) = obj_in(d, &ROOT, "read_edits") else {
        return;
    };
    let mut edits = vec![];
    for n in 0..d.length(&list) {
        let Some(e) = obj_at(d, &list, n) else {
            continue;
        };
        let at_ms = get_i64(d, &e, "at_ms").unwrap_or(0);
        edits.push((at_ms, n, e));
    }
    // Latest wins, ties by list order (the same on every replica).
    edits.sort_by_key(|(at, n, _)| (*at, *n));
    for (at_ms, n, e) in edits {
        let id = get_str(d, &e, "read").unwrap_or_default();
        let Some(read) = reads.iter_mut().find(|r| r.id == id) else {
            problems.push(format!("read edit {n} left out: no read {id:?}"));
            continue;
        };
        let by = get_str(d, &e, "officer").unwrap_or_default();
        match get_str(d, &e, "action").as_deref() {
            Some("correct") => {
                let text = get_str(d, &e, "text").unwrap_or_default();
                match Plate::parse(&text) {
                    Ok(plate) => {
                        read.correction = Some(ReadCorrection {
                            text,
                            plate,
                            by,
                            at_ms,
                        })
                    }
                    Err(_) => {
                        problems.push(format!("read edit {n} left out: {text:?} is not a plate"))
                    }
                }
            }
            Some("detach") => read.detached = Some(crate::Removal { by, at_ms }),
            other => problems.push(format!("read edit {n} left out: action {other:?}")),
        }
    }
}

/// Reads the reads list; entries that do not follow the schema are left
/// out and described in `problems`.
pub(crate) fn read_reads(d: &AutoCommit, problems: &mut Vec<String>) -> Vec<AnprRead> {
    let Some(list) = obj_in(d, &ROOT, "reads") else {
        return vec![];
    };
    let mut out = vec![];
    for n in 0..d.length(&list) {
        let Some(e) = obj_at(d, &list, n) else {
            problems.push(format!("read {n} left out: not a map"));
            continue;
        };
        let mut images = vec![];
        if let Some(il) = obj_in(d, &e, "images") {
            for k in 0..d.length(&il) {
                let Some(m) = obj_at(d, &il, k) else { continue };
                let kind = match get_str(d, &m, "kind").as_deref() {
                    Some("plate") => ReadImageKind::Plate,
                    Some("scene") => ReadImageKind::Scene,
                    _ => continue,
                };
                images.push(ReadImage {
                    kind,
                    blob: get_str(d, &m, "blob").unwrap_or_default(),
                    size: get_i64(d, &m, "size")
                        .and_then(|s| u64::try_from(s).ok())
                        .unwrap_or(0),
                    content_type: get_str(d, &m, "content_type").unwrap_or_default(),
                });
            }
        }
        let mut char_confidence = vec![];
        if let Some(cl) = obj_in(d, &e, "char_confidence") {
            for k in 0..d.length(&cl) {
                if let Ok(Some((automerge::Value::Scalar(s), _))) = d.get(&cl, k) {
                    if let automerge::ScalarValue::Int(c) = s.as_ref() {
                        char_confidence.push(u8::try_from(*c).unwrap_or(u8::MAX));
                    }
                }
            }
        }
        let text = get_str(d, &e, "text");
        let read = AnprRead {
            id: get_str(d, &e, "id").unwrap_or_default(),
            received_ms: get_i64(d, &e, "received_ms").unwrap_or(0),
            captured_ms: get_i64(d, &e, "captured_ms"),
            vendor: get_str(d, &e, "vendor").unwrap_or_default(),
            camera: get_str(d, &e, "camera"),
            lane: get_str(d, &e, "lane"),
            role: get_str(d, &e, "role").and_then(|r| PlateRole::parse(&r)),
            plate: text.as_deref().and_then(|t| Plate::parse(t).ok()),
            text,
            confidence: get_f64(d, &e, "confidence"),
            char_confidence,
            country: get_str(d, &e, "country"),
            direction: get_str(d, &e, "direction"),
            images,
            added_by: get_str(d, &e, "added_by").unwrap_or_default(),
            correction: None,
            detached: None,
        };
        match check_read(&read) {
            Ok(()) => out.push(read),
            Err(err) => problems.push(format!("read {n} left out: {err}")),
        }
    }
    apply_edits(d, &mut out, problems);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InspectionId, NewInspection};

    fn read(id: &str, text: Option<&str>) -> AnprRead {
        AnprRead {
            id: id.into(),
            received_ms: 1_000,
            captured_ms: Some(990),
            vendor: "hikvision".into(),
            camera: Some("d4:e8:53:bc:4c:02/1".into()),
            lane: Some("2".into()),
            role: None,
            text: text.map(String::from),
            plate: None,
            confidence: Some(0.93),
            char_confidence: vec![99, 98, 97, 99, 99, 99, 95, 99],
            country: Some("UA".into()),
            direction: None,
            images: vec![ReadImage {
                kind: ReadImageKind::Plate,
                blob: "ab".repeat(32),
                size: 2048,
                content_type: "image/jpeg".into(),
            }],
            added_by: String::new(),
            correction: None,
            detached: None,
        }
    }

    #[test]
    fn a_read_opens_an_inspection_and_fills_its_plates_in_turn() {
        let officer = OfficerId::new("OF-1").expect("officer");
        let mut doc = InspectionDoc::create_for_read(
            &[7; 32],
            InspectionId::random(),
            "MOBILE-1",
            &officer,
            1_000,
        )
        .expect("created");
        assert!(doc.view().expect("view").tractor_plate.is_none());
        doc.add_read(
            &read("p1#0", Some("АА 1234 ВС")),
            Some(PlateRole::Tractor),
            &officer,
            1_001,
        )
        .expect("tractor read");
        doc.add_read(
            &read("p2#0", Some("AA0001XT")),
            Some(PlateRole::Trailer),
            &officer,
            1_002,
        )
        .expect("trailer read");
        let v = doc.view().expect("view");
        assert_eq!(
            v.tractor_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("AA1234BC")
        );
        assert_eq!(
            v.trailer_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("AA0001XT")
        );
        assert_eq!(v.reads.len(), 2);
        assert_eq!(
            v.reads[0].text.as_deref(),
            Some("АА 1234 ВС"),
            "kept as read"
        );
        assert_eq!(v.reads[0].role, Some(PlateRole::Tractor));
        assert_eq!(v.reads[0].added_by, "OF-1");
        assert_eq!(v.reads[0].images[0].size, 2048);
        assert!(v.problems.is_empty(), "{:?}", v.problems);
    }

    #[test]
    fn a_typed_plate_is_not_overwritten_and_a_read_attaches_once() {
        let officer = OfficerId::new("OF-1").expect("officer");
        let input = NewInspection {
            tractor_plate: "KA0001AA".into(),
            unit: "MOBILE-1".into(),
            ..NewInspection::default()
        };
        let mut doc = InspectionDoc::create(&[7; 32], InspectionId::random(), &input, &officer, 1)
            .expect("created");
        doc.add_read(
            &read("p1#0", Some("AA1234BC")),
            Some(PlateRole::Tractor),
            &officer,
            2,
        )
        .expect("read");
        assert!(doc
            .add_read(&read("p1#0", Some("AA1234BC")), None, &officer, 3)
            .is_err());
        let v = doc.view().expect("view");
        assert_eq!(
            v.tractor_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("KA0001AA")
        );
        assert_eq!(v.reads.len(), 1);
        // A read with no plate is kept too.
        doc.add_read(&read("p3#0", None), None, &officer, 4)
            .expect("no-plate read");
        assert_eq!(doc.view().expect("view").reads[1].text, None);
    }

    #[test]
    fn a_correction_and_a_detachment_are_kept_beside_the_read() {
        let officer = OfficerId::new("OF-1").expect("officer");
        let mut doc =
            InspectionDoc::create_for_read(&[7; 32], InspectionId::random(), "U", &officer, 1)
                .expect("created");
        doc.add_read(
            &read("p#0", Some("AA1234BG")),
            Some(PlateRole::Tractor),
            &officer,
            2,
        )
        .expect("read");
        doc.add_read(
            &read("q#0", Some("BC0001XT")),
            Some(PlateRole::Trailer),
            &officer,
            3,
        )
        .expect("read");
        doc.correct_read("p#0", "AA 1234 BC", &officer, 4)
            .expect("corrected");
        doc.detach_read("q#0", &officer, 5).expect("detached");
        assert!(doc.detach_read("q#0", &officer, 6).is_err(), "twice");
        assert!(doc.correct_read("nope", "AA1234BC", &officer, 6).is_err());
        let v = doc.view().expect("view");
        assert_eq!(
            v.reads[0].text.as_deref(),
            Some("AA1234BG"),
            "the read as read"
        );
        assert_eq!(
            v.reads[0]
                .correction
                .as_ref()
                .map(|c| c.plate.canonical.as_str()),
            Some("AA1234BC")
        );
        assert_eq!(
            v.tractor_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("AA1234BC"),
            "the plate the read filled follows the correction"
        );
        assert_eq!(
            v.reads[1].detached.as_ref().map(|d| d.by.as_str()),
            Some("OF-1")
        );
        assert!(
            v.trailer_plate.is_none(),
            "the detached read's plate is cleared"
        );
        assert!(v.problems.is_empty(), "{:?}", v.problems);
    }

    #[test]
    fn a_read_with_a_bad_blob_is_refused() {
        let officer = OfficerId::new("OF-1").expect("officer");
        let mut doc =
            InspectionDoc::create_for_read(&[7; 32], InspectionId::random(), "U", &officer, 1)
                .expect("created");
        let mut r = read("p#0", Some("AA1234BC"));
        r.images[0].blob = "../../etc/passwd".into();
        assert!(doc.add_read(&r, None, &officer, 2).is_err());
    }
}
