//! ANPR reads into inspections, as the ingest hands them over.
//!
//! A read attaches to the open (undecided) inspection of its lane whose
//! last read or opening is within the window of the read's capture time;
//! otherwise it opens a new inspection. A passage's first plate read is
//! the tractor's and the next the trailer's, unless the camera is
//! configured with a role. Each read is one signed record; its images are
//! blobs that sync like scans.
//!
//! Exactly once: a read's id is its push's id and its place in the push,
//! and an id found in a recent inspection is not attached again. So a
//! push processed a second time (after a crash between attaching and the
//! spool's move to `done/`) changes nothing.

use crate::{Vehicle, VehicleError};
use kordon_model::{
    AnprRead, InspectionDoc, InspectionId, InspectionView, NewAlert, OfficerId, PlateRole,
    ReadImage, ReadImageKind,
};
use kordon_store::Query;

/// A read with its images as bytes.
#[derive(Debug, Clone)]
pub struct IncomingRead {
    /// The read; its `id`, `images`, `plate` and `added_by` are set here.
    pub read: AnprRead,
    pub images: Vec<(ReadImageKind, String, Vec<u8>)>,
}

/// Where a read went, and the alerts it raised.
#[derive(Debug, Clone)]
pub struct Attached {
    pub inspection: InspectionId,
    pub alerts: Vec<NewAlert>,
}

/// How reads find their inspection.
#[derive(Debug, Clone)]
pub struct AttachRules {
    /// Reads of one passage fall within this many milliseconds.
    pub window_ms: i64,
    /// Cameras that always read one plate (`camera` as the read names it).
    pub camera_roles: Vec<(String, PlateRole)>,
}

impl Default for AttachRules {
    fn default() -> Self {
        AttachRules {
            window_ms: 120_000,
            camera_roles: vec![],
        }
    }
}

/// Recent inspections looked through for a read's passage.
const RECENT: usize = 200;

/// The officer reads are attributed to when nobody is signed in.
pub const INGEST_OFFICER: &str = "ANPR";

fn when(r: &AnprRead) -> i64 {
    r.captured_ms.unwrap_or(r.received_ms)
}

/// Whether `v` is the open inspection of `read`'s passage.
fn same_passage(v: &InspectionView, read: &AnprRead, window_ms: i64) -> bool {
    if !v.decisions.is_empty() {
        return false;
    }
    let t = when(read);
    let near = |ms: i64| (ms - t).abs() <= window_ms;
    if v.reads.is_empty() {
        // Opened by hand for the vehicle now in the lane.
        return near(v.created_ms);
    }
    v.reads.iter().any(|r| r.lane == read.lane && near(when(r)))
}

impl Vehicle {
    /// Attaches the reads of push `push`, each matched against the
    /// hotlists first; returns where each went and what it raised (`None`
    /// for a read attached before).
    pub fn attach_reads(
        &mut self,
        push: &str,
        reads: Vec<IncomingRead>,
        rules: &AttachRules,
        now_ms: i64,
    ) -> Result<Vec<Option<Attached>>, VehicleError> {
        let officer = match self.officer()? {
            Some(o) => o,
            None => OfficerId::new(INGEST_OFFICER).map_err(VehicleError::Invalid)?,
        };
        let unit = self.unit()?.unwrap_or_else(|| "UNENROLLED".into());
        let blobs = self.blob_store()?;
        let mut out = vec![];
        for (i, incoming) in reads.into_iter().enumerate() {
            let mut read = incoming.read;
            read.id = format!("{push}#{i}");
            let recent = self.list(&Query {
                limit: Some(RECENT),
                ..Query::default()
            })?;
            if self.store.inspection_with_read(&read.id)?.is_some() {
                out.push(None);
                continue;
            }
            read.images = vec![];
            for (kind, content_type, bytes) in &incoming.images {
                let blob = blobs
                    .put_bytes(bytes)
                    .map_err(|e| VehicleError::Io(format!("storing a read's image: {e}")))?;
                read.images.push(ReadImage {
                    kind: *kind,
                    blob: blob.to_string(),
                    size: bytes.len() as u64,
                    content_type: content_type.clone(),
                });
            }
            let configured = read.camera.as_deref().and_then(|c| {
                rules
                    .camera_roles
                    .iter()
                    .find(|(cam, _)| cam == c)
                    .map(|(_, role)| *role)
            });
            let passage = recent
                .iter()
                .find(|row| same_passage(&row.view, &read, rules.window_ms))
                .map(|row| row.view.id);
            let (id, mut doc) = match passage {
                Some(id) => (
                    id,
                    self.store
                        .load_doc(id)?
                        .ok_or_else(|| VehicleError::NotFound(format!("inspection {id}")))?,
                ),
                None => {
                    let id = InspectionId::random();
                    let mut doc = InspectionDoc::create_for_read(
                        self.key.public().as_bytes(),
                        id,
                        &unit,
                        &officer,
                        when(&read),
                    )?;
                    // Two records: the opening, then the read.
                    self.store
                        .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
                    (id, doc)
                }
            };
            let view = doc.view()?;
            let role = configured.or(if read.text.is_none() {
                None
            } else if view.tractor_plate.is_none() {
                Some(PlateRole::Tractor)
            } else if view.trailer_plate.is_none() {
                Some(PlateRole::Trailer)
            } else {
                None
            });
            read.role = role;
            // Matched before it is stored: the read and its alerts are one
            // record, so a crash can never keep the one without the other.
            let alerts = self.read_alerts(&read, &view, now_ms)?;
            doc.add_read_with_alerts(&read, role, &alerts, &officer, now_ms)?;
            self.store
                .commit_local(id, &mut doc, &self.key, officer.as_str(), now_ms)?;
            out.push(Some(Attached {
                inspection: id,
                alerts,
            }));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(id_plate: &str, captured_ms: i64) -> IncomingRead {
        IncomingRead {
            read: AnprRead {
                id: String::new(),
                received_ms: captured_ms,
                captured_ms: Some(captured_ms),
                vendor: "generic".into(),
                camera: None,
                lane: Some("3".into()),
                role: None,
                text: Some(id_plate.into()),
                plate: None,
                confidence: None,
                char_confidence: vec![],
                country: None,
                direction: None,
                images: vec![],
                added_by: String::new(),
                correction: None,
                detached: None,
            },
            images: vec![],
        }
    }

    /// A push processed again after a crash (attached, not yet moved out of
    /// the spool) attaches nothing twice, even with more than the recent
    /// inspections opened since (found by the crash harness: the check
    /// looked at the 200 newest only).
    #[test]
    fn a_push_processed_again_attaches_nothing_twice() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut v = Vehicle::open(dir.path()).expect("open");
        v.sign_in("OF-1").expect("sign in");
        let rules = AttachRules::default();
        let first = v
            .attach_reads("push-1", vec![incoming("KC0001AA", 1_000)], &rules, 1_000)
            .expect("attach");
        assert!(first[0].is_some());
        let officer = OfficerId::new("OF-1").expect("officer");
        v.generate(RECENT + 5, 7, "MOBILE-1", &officer, 2_000_000_000_000)
            .expect("generate");
        let again = v
            .attach_reads("push-1", vec![incoming("KC0001AA", 1_000)], &rules, 3_000)
            .expect("attach");
        assert!(again[0].is_none(), "attached twice: {again:?}");
        let holding = v
            .list(&Query::default())
            .expect("list")
            .iter()
            .filter(|row| row.view.reads.iter().any(|r| r.id == "push-1#0"))
            .count();
        assert_eq!(holding, 1);
    }
}
