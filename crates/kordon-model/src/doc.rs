//! [`InspectionDoc`]: one inspection as one Automerge document.
//!
//! Schema (root map, version 1):
//! ```text
//! schema      int  1
//! id          str  UUID of the inspection
//! created_ms  int  Unix ms, creating device's clock
//! created_by  str  officer id
//! unit        str  customs unit (vehicle call sign)
//! crew        list<str>
//! location    map { place: str?, lat: f64?, lon: f64? }
//! vehicle     map { tractor: plate?, trailer: plate?, containers: list<str>, declaration: str? }
//!             plate = map { raw, canonical, key }
//! notes       text (character-wise merge)
//! decisions   list<map { outcome, reasons: list<str>, note, officer, at_ms }>   append-only
//! reviews     list<map { verdict, comment, supervisor, at_ms, outcome?, reasons, decisions_seen }> append-only
//! scans       list<scan>   append-only; see [`crate::scan`]
//! annotations list<annotation>  append-only; see [`crate::annotation`]
//! reads, read_edits  list   append-only; see [`crate::anpr`]
//! alerts, alert_responses list  append-only; see [`crate::alert`]
//! ```
//! Every container object is created in the genesis change, so concurrent
//! edits on other devices never race to create them. Decisions and reviews
//! are only ever inserted at the end; nothing in this API deletes or
//! overwrites one.

use crate::fields::{list_objects, Fields};
use crate::types::*;
use crate::{ContainerCode, ContainerCodeError, Plate, PlateError};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, Value, ROOT};

pub const SCHEMA_VERSION: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("tractor plate: {0}")]
    TractorPlate(PlateError),
    #[error("trailer plate: {0}")]
    TrailerPlate(PlateError),
    /// Not a `source`: the message already carries it, and a chain
    /// printed whole would say it twice.
    #[error("container: {0}")]
    Container(ContainerCodeError),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("document does not follow the inspection schema: {0}")]
    Schema(String),
    #[error("change could not be decoded: {0}")]
    BadChange(String),
    #[error("change was made by actor {actor}, not by its signer")]
    ForeignActor { actor: String },
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

impl From<ContainerCodeError> for ModelError {
    fn from(e: ContainerCodeError) -> Self {
        ModelError::Container(e)
    }
}

/// Applies decoded changes to `doc`. Automerge 0.12 panics on some
/// malformed changes instead of refusing them (an operation naming an actor
/// the document does not know, for one): such a panic is caught here and
/// becomes [`ModelError::BadChange`], so a hostile change from the network
/// cannot bring a process down. After an error the document may hold part
/// of the changes: callers apply to a fork or discard the document.
pub(crate) fn apply_guarded(
    doc: &mut AutoCommit,
    changes: Vec<automerge::Change>,
) -> Result<(), ModelError> {
    let applied =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.apply_changes(changes)));
    match applied {
        Ok(result) => Ok(result?),
        Err(_) => Err(ModelError::BadChange(
            "Automerge could not apply it (a malformed change)".into(),
        )),
    }
}

/// Decodes a change. Its bytes are first held to
/// [`change_bound`](crate::change_bound) (a plain change chunk whose
/// columns claim no more rows than its size allows). Automerge 0.12 panics
/// on some malformed bytes while decoding (a column that ends early):
/// caught here and refused as [`ModelError::BadChange`], as in
/// [`apply_guarded`].
pub fn decode_change(bytes: &[u8]) -> Result<automerge::Change, ModelError> {
    crate::change_bound::check(bytes).map_err(ModelError::BadChange)?;
    let decoded = std::panic::catch_unwind(|| automerge::Change::from_bytes(bytes.to_vec()));
    match decoded {
        Ok(result) => result.map_err(|e| ModelError::BadChange(e.to_string())),
        Err(_) => Err(ModelError::BadChange(
            "Automerge could not decode it (a malformed change)".into(),
        )),
    }
}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> ModelError {
    ModelError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// One inspection document, edited as one acting device.
#[derive(Debug)]
pub struct InspectionDoc {
    pub(crate) doc: AutoCommit,
}

impl InspectionDoc {
    /// An empty document that will act as `actor` (the device's public key),
    /// to be filled by [`apply_change`](Self::apply_change).
    pub fn empty(actor: &[u8]) -> Self {
        InspectionDoc {
            doc: AutoCommit::new().with_actor(ActorId::from(actor)),
        }
    }

    /// Loads a saved (compacted) document and acts as `actor`.
    pub fn load(saved: &[u8], actor: &[u8]) -> Result<Self, ModelError> {
        let doc = AutoCommit::load(saved)?.with_actor(ActorId::from(actor));
        Ok(InspectionDoc { doc })
    }

    /// Creates a new inspection: validates the input and commits the genesis
    /// change. Returns the document; the change is [`last_change`](Self::last_change).
    pub fn create(
        actor: &[u8],
        id: InspectionId,
        input: &NewInspection,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Self, ModelError> {
        let tractor = Plate::parse(&input.tractor_plate).map_err(ModelError::TractorPlate)?;
        Self::create_with(actor, id, input, Some(tractor), officer, now_ms)
    }

    /// Opens an inspection for a camera's read, before anyone typed a
    /// plate: the read that follows fills the plates it can.
    pub fn create_for_read(
        actor: &[u8],
        id: InspectionId,
        unit: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Self, ModelError> {
        let input = NewInspection {
            unit: unit.to_string(),
            ..NewInspection::default()
        };
        Self::create_with(actor, id, &input, None, officer, now_ms)
    }

    fn create_with(
        actor: &[u8],
        id: InspectionId,
        input: &NewInspection,
        tractor: Option<Plate>,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Self, ModelError> {
        let trailer = match input.trailer_plate.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Some(Plate::parse(t).map_err(ModelError::TrailerPlate)?),
            _ => None,
        };
        let containers = input
            .containers
            .iter()
            .map(|c| ContainerCode::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        let declaration = clean_optional("declaration", input.declaration.as_deref(), 64)?;
        let unit = input.unit.trim();
        if unit.is_empty() || unit.chars().count() > 64 {
            return Err(invalid("unit", "must be 1 to 64 characters"));
        }
        check_len("notes", &input.notes, 20_000)?;
        if let Some(lat) = input.location.lat {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(invalid("latitude", format!("{lat} is outside -90..90")));
            }
        }
        if let Some(lon) = input.location.lon {
            if !(-180.0..=180.0).contains(&lon) {
                return Err(invalid("longitude", format!("{lon} is outside -180..180")));
            }
        }

        let mut doc = AutoCommit::new().with_actor(ActorId::from(actor));
        doc.put(ROOT, "schema", SCHEMA_VERSION)?;
        doc.put(ROOT, "id", id.to_string())?;
        doc.put(ROOT, "created_ms", now_ms)?;
        doc.put(ROOT, "created_by", officer.as_str())?;
        doc.put(ROOT, "unit", unit)?;
        let crew = doc.put_object(ROOT, "crew", ObjType::List)?;
        for (i, member) in input.crew.iter().enumerate() {
            doc.insert(&crew, i, member.as_str())?;
        }
        let loc = doc.put_object(ROOT, "location", ObjType::Map)?;
        if let Some(place) = &input.location.place {
            doc.put(&loc, "place", place.as_str())?;
        }
        if let Some(lat) = input.location.lat {
            doc.put(&loc, "lat", lat)?;
        }
        if let Some(lon) = input.location.lon {
            doc.put(&loc, "lon", lon)?;
        }
        let vehicle = doc.put_object(ROOT, "vehicle", ObjType::Map)?;
        if let Some(tractor) = &tractor {
            put_plate(&mut doc, &vehicle, "tractor", tractor)?;
        }
        if let Some(trailer) = &trailer {
            put_plate(&mut doc, &vehicle, "trailer", trailer)?;
        }
        let list = doc.put_object(&vehicle, "containers", ObjType::List)?;
        for (i, c) in containers.iter().enumerate() {
            doc.insert(&list, i, c.as_str())?;
        }
        if let Some(d) = declaration {
            doc.put(&vehicle, "declaration", d)?;
        }
        let notes = doc.put_object(ROOT, "notes", ObjType::Text)?;
        doc.splice_text(&notes, 0, 0, &input.notes)?;
        doc.put_object(ROOT, "decisions", ObjType::List)?;
        doc.put_object(ROOT, "reviews", ObjType::List)?;
        doc.put_object(ROOT, "scans", ObjType::List)?;
        doc.put_object(ROOT, "annotations", ObjType::List)?;
        doc.put_object(ROOT, "reads", ObjType::List)?;
        doc.put_object(ROOT, "read_edits", ObjType::List)?;
        doc.put_object(ROOT, "alerts", ObjType::List)?;
        doc.put_object(ROOT, "alert_responses", ObjType::List)?;
        commit(&mut doc, officer, "create", now_ms);
        Ok(InspectionDoc { doc })
    }

    /// Appends a decision. The list is append-only: earlier decisions stay.
    pub fn decide(
        &mut self,
        d: &NewDecision,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_len("note", &d.note, 4_000)?;
        let list = self.object(&ROOT, "decisions")?;
        let at = self.doc.length(&list);
        let entry = self.doc.insert_object(&list, at, ObjType::Map)?;
        self.doc.put(&entry, "outcome", d.outcome.as_str())?;
        let reasons = self.doc.put_object(&entry, "reasons", ObjType::List)?;
        for (i, r) in d.reasons.iter().enumerate() {
            self.doc.insert(&reasons, i, r.as_str())?;
        }
        self.doc.put(&entry, "note", d.note.as_str())?;
        self.doc.put(&entry, "officer", officer.as_str())?;
        self.doc.put(&entry, "at_ms", now_ms)?;
        commit(&mut self.doc, officer, "decide", now_ms);
        Ok(())
    }

    /// Appends a supervisor's review. Append-only, like decisions.
    pub fn review(
        &mut self,
        r: &NewReview,
        supervisor: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_len("comment", &r.comment, 4_000)?;
        r.check().map_err(|e| invalid("review", e))?;
        let decisions_seen = match self.object(&ROOT, "decisions") {
            Ok(list) => self.doc.length(&list),
            Err(_) => 0,
        };
        let list = self.object(&ROOT, "reviews")?;
        let at = self.doc.length(&list);
        let entry = self.doc.insert_object(&list, at, ObjType::Map)?;
        self.doc.put(&entry, "verdict", r.verdict.as_str())?;
        self.doc.put(&entry, "comment", r.comment.as_str())?;
        self.doc.put(&entry, "supervisor", supervisor.as_str())?;
        self.doc.put(&entry, "at_ms", now_ms)?;
        if let Some(outcome) = r.outcome {
            self.doc.put(&entry, "outcome", outcome.as_str())?;
        }
        let reasons = self.doc.put_object(&entry, "reasons", ObjType::List)?;
        for (i, code) in r.reasons.iter().enumerate() {
            self.doc.insert(&reasons, i, code.as_str())?;
        }
        self.doc
            .put(&entry, "decisions_seen", decisions_seen as i64)?;
        commit(&mut self.doc, supervisor, "review", now_ms);
        Ok(())
    }

    /// Replaces the notes text; Automerge records the difference
    /// character-wise, so concurrent edits on two devices both survive.
    pub fn set_notes(
        &mut self,
        text: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_len("notes", text, 20_000)?;
        let notes = self.object(&ROOT, "notes")?;
        self.doc.update_text(&notes, text)?;
        commit(&mut self.doc, officer, "notes", now_ms);
        Ok(())
    }

    /// The raw bytes of the change the last operation committed, to be signed.
    pub fn last_change(&mut self) -> Option<Vec<u8>> {
        self.doc
            .get_last_local_change()
            .map(|c| c.raw_bytes().to_vec())
    }

    /// Applies a change received from elsewhere (already verified). Applying
    /// a change the document already has is a no-op.
    pub fn apply_change(&mut self, bytes: &[u8]) -> Result<(), ModelError> {
        self.apply_changes(std::iter::once(bytes))
    }

    /// Applies several changes at once (faster than one by one).
    pub fn apply_changes<'a>(
        &mut self,
        changes: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), ModelError> {
        let decoded = changes
            .into_iter()
            .map(decode_change)
            .collect::<Result<Vec<_>, _>>()?;
        apply_guarded(&mut self.doc, decoded)
    }

    /// Decodes a change, checks that its Automerge actor is `signer` (a
    /// device may only sign its own changes), and applies it.
    pub fn apply_signed_change(&mut self, bytes: &[u8], signer: &[u8]) -> Result<(), ModelError> {
        let change = decode_change(bytes)?;
        if change.actor_id().to_bytes() != signer {
            return Err(ModelError::ForeignActor {
                actor: change.actor_id().to_hex_string(),
            });
        }
        apply_guarded(&mut self.doc, vec![change])
    }

    /// An independent copy, to change without touching this one.
    pub fn fork(&mut self) -> InspectionDoc {
        InspectionDoc {
            doc: self.doc.fork(),
        }
    }

    /// Saves the whole document in compact form (a snapshot).
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The document's heads, hex-encoded and sorted: two replicas with the
    /// same heads hold the same changes.
    pub fn heads(&mut self) -> Vec<String> {
        let mut heads: Vec<String> = self.doc.get_heads().iter().map(|h| h.to_string()).collect();
        heads.sort();
        heads
    }

    /// The heads as raw change hashes, ascending.
    pub fn head_hashes(&mut self) -> Vec<[u8; 32]> {
        let mut heads: Vec<[u8; 32]> = self.doc.get_heads().iter().map(|h| h.0).collect();
        heads.sort_unstable();
        heads
    }

    /// How many changes the document holds (one per signed record).
    pub fn change_count(&mut self) -> usize {
        self.doc.get_changes_meta(&[]).len()
    }

    /// How many changes `heads` and their ancestors are (all of them held).
    pub fn changes_under(&mut self, heads: &[[u8; 32]]) -> usize {
        let heads: Vec<automerge::ChangeHash> =
            heads.iter().map(|h| automerge::ChangeHash(*h)).collect();
        // Changes not under the heads are what `get_changes` returns.
        self.change_count()
            .saturating_sub(self.doc.get_changes_meta(&heads).len())
    }

    /// Whether the change with this hash is in the document.
    pub fn holds_change(&mut self, hash: &[u8; 32]) -> bool {
        self.doc
            .get_change_by_hash(&automerge::ChangeHash(*hash))
            .is_some()
    }

    /// Whether the genesis change has been applied.
    pub fn is_created(&self) -> bool {
        matches!(self.doc.get(ROOT, "schema"), Ok(Some(_)))
    }

    /// The whole document as JSON (for exports and comparisons).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(automerge::AutoSerde::from(&self.doc))
            .unwrap_or(serde_json::Value::Null)
    }

    /// Reads the typed view. Fails if the document does not follow the schema.
    pub fn view(&self) -> Result<InspectionView, ModelError> {
        let d = &self.doc;
        // Each map read once, in one pass (see `crate::fields`).
        let root = Fields::of(d, &ROOT);
        let schema = root.i64("schema").ok_or_else(|| {
            ModelError::Schema("no schema version (genesis change missing)".into())
        })?;
        if schema != SCHEMA_VERSION {
            return Err(ModelError::Schema(format!(
                "schema version {schema} is not supported"
            )));
        }
        let id_str = root
            .str("id")
            .ok_or_else(|| ModelError::Schema("no id".into()))?;
        let id = id_str
            .parse()
            .map_err(|_| ModelError::Schema(format!("bad id {id_str:?}")))?;
        let location = match root.obj("location") {
            Some(loc) => {
                let loc = Fields::of(d, &loc);
                Location {
                    place: loc.str("place"),
                    lat: loc.f64("lat"),
                    lon: loc.f64("lon"),
                }
            }
            None => Location::default(),
        };
        let vehicle = Fields::of(
            d,
            &root
                .obj("vehicle")
                .ok_or_else(|| ModelError::Schema("no \"vehicle\" object".into()))?,
        );
        // An entry that does not follow the schema (written by a faulty or
        // hostile device) is left out and reported, never allowed to make
        // the whole inspection unreadable.
        let mut problems = vec![];
        let mut containers = vec![];
        if let Some(list) = vehicle.obj("containers") {
            for c in str_list(d, &list) {
                match ContainerCode::parse(&c) {
                    Ok(code) => containers.push(code),
                    Err(e) => problems.push(format!("container {c:?} left out: {e}")),
                }
            }
        }
        let notes = match root.obj("notes") {
            Some(n) => d.text(&n)?,
            None => String::new(),
        };
        let mut decisions = vec![];
        if let Some(list) = root.obj("decisions") {
            for (i, entry) in list_objects(d, &list).into_iter().enumerate() {
                let Some(entry) = entry else {
                    continue;
                };
                let entry = Fields::of(d, &entry);
                let outcome_s = entry.str("outcome").unwrap_or_default();
                let outcome = match outcome_s.parse() {
                    Ok(o) => o,
                    Err(e) => {
                        problems.push(format!("decision {i} left out: {e}"));
                        continue;
                    }
                };
                let reasons = match entry.obj("reasons") {
                    Some(r) => str_list(d, &r),
                    None => vec![],
                };
                decisions.push(Decision {
                    outcome,
                    reasons,
                    note: entry.str("note").unwrap_or_default(),
                    officer: entry.str("officer").unwrap_or_default(),
                    at_ms: entry.i64("at_ms").unwrap_or(0),
                });
            }
        }
        let mut reviews = vec![];
        if let Some(list) = root.obj("reviews") {
            for (i, entry) in list_objects(d, &list).into_iter().enumerate() {
                let Some(entry) = entry else {
                    continue;
                };
                let entry = Fields::of(d, &entry);
                let verdict = match entry.str("verdict").unwrap_or_default().parse() {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push(format!("review {i} left out: {e}"));
                        continue;
                    }
                };
                let outcome = match entry.str("outcome").map(|o| o.parse()) {
                    None => None,
                    Some(Ok(o)) => Some(o),
                    Some(Err(e)) => {
                        problems.push(format!("review {i} left out: {e}"));
                        continue;
                    }
                };
                reviews.push(Review {
                    verdict,
                    comment: entry.str("comment").unwrap_or_default(),
                    supervisor: entry.str("supervisor").unwrap_or_default(),
                    at_ms: entry.i64("at_ms").unwrap_or(0),
                    outcome,
                    reasons: entry
                        .obj("reasons")
                        .map(|r| str_list(d, &r))
                        .unwrap_or_default(),
                    decisions_seen: entry
                        .i64("decisions_seen")
                        .and_then(|n| u32::try_from(n).ok()),
                });
            }
        }
        Ok(InspectionView {
            id,
            created_ms: root.i64("created_ms").unwrap_or(0),
            created_by: root.str("created_by").unwrap_or_default(),
            unit: root.str("unit").unwrap_or_default(),
            crew: root
                .obj("crew")
                .map(|c| str_list(d, &c))
                .unwrap_or_default(),
            location,
            tractor_plate: read_plate(d, &vehicle, "tractor"),
            trailer_plate: read_plate(d, &vehicle, "trailer"),
            containers,
            declaration: vehicle.str("declaration"),
            notes,
            decisions,
            reviews,
            scans: crate::scan::read_scans(d, &mut problems),
            annotations: crate::annotation::read_annotations(d, &mut problems),
            reads: crate::anpr::read_reads(d, &mut problems),
            alerts: crate::alert::read_alerts(d, &mut problems),
            problems,
        })
    }

    fn object(&self, parent: &ObjId, key: &str) -> Result<ObjId, ModelError> {
        obj_in(&self.doc, parent, key)
            .ok_or_else(|| ModelError::Schema(format!("no {key:?} object")))
    }
}

/// The operation a change names in its message (`create`, `decide`,
/// `review`, ...), if it decodes and has one.
pub fn change_operation(bytes: &[u8]) -> Option<String> {
    let change = decode_change(bytes).ok()?;
    change
        .message()?
        .split_whitespace()
        .next()
        .map(String::from)
}

/// A change's hash and the hashes it depends on, for walking the change
/// graph of an export without applying anything.
pub fn change_graph_entry(bytes: &[u8]) -> Result<([u8; 32], Vec<[u8; 32]>), ModelError> {
    let change = decode_change(bytes)?;
    Ok((change.hash().0, change.deps().iter().map(|h| h.0).collect()))
}

/// As [`check_change`], keeping the change's operations (what a receiver
/// checks the schema rules on).
pub fn read_change(bytes: &[u8], signer: &[u8]) -> Result<crate::rules::ChangeOps, ModelError> {
    let change = crate::rules::ChangeOps::decode(bytes)?;
    if change.actor() != signer {
        return Err(ModelError::ForeignActor {
            actor: automerge::ActorId::from(change.actor()).to_hex_string(),
        });
    }
    Ok(change)
}

/// Decodes a change and checks that its Automerge actor is `signer` (a
/// device may only sign its own changes), without applying it.
pub fn check_change(bytes: &[u8], signer: &[u8]) -> Result<ChangeMeta, ModelError> {
    let change = decode_change(bytes)?;
    if change.actor_id().to_bytes() != signer {
        return Err(ModelError::ForeignActor {
            actor: change.actor_id().to_hex_string(),
        });
    }
    Ok(ChangeMeta {
        seq: change.seq(),
        hash: change.hash().0,
    })
}

/// What identifies a change within its document: the actor's sequence
/// number (the actor is the signer) and the change hash. Two different
/// changes with one actor and seq would make the document unloadable, so
/// stores refuse the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeMeta {
    pub seq: u64,
    pub hash: [u8; 32],
}

pub(crate) fn commit(doc: &mut AutoCommit, officer: &OfficerId, op: &str, now_ms: i64) {
    doc.commit_with(
        CommitOptions::default()
            .with_message(format!("{op} by {}", officer.as_str()))
            .with_time(now_ms / 1000),
    );
}

pub(crate) fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), ModelError> {
    if s.chars().count() > max {
        return Err(invalid(field, format!("longer than {max} characters")));
    }
    Ok(())
}

pub(crate) fn clean_optional<'a>(
    field: &'static str,
    s: Option<&'a str>,
    max: usize,
) -> Result<Option<&'a str>, ModelError> {
    match s.map(str::trim) {
        Some(s) if !s.is_empty() => {
            check_len(field, s, max)?;
            if s.chars().any(char::is_control) {
                return Err(invalid(field, "contains control characters"));
            }
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

pub(crate) fn put_plate(
    doc: &mut AutoCommit,
    parent: &ObjId,
    key: &str,
    p: &Plate,
) -> Result<(), ModelError> {
    let obj = doc.put_object(parent, key, ObjType::Map)?;
    doc.put(&obj, "raw", p.raw.as_str())?;
    doc.put(&obj, "canonical", p.canonical.as_str())?;
    doc.put(&obj, "key", p.key.as_str())?;
    Ok(())
}

fn read_plate(d: &AutoCommit, parent: &Fields, key: &str) -> Option<Plate> {
    let plate = Fields::of(d, &parent.obj(key)?);
    Some(Plate {
        raw: plate.str("raw")?,
        canonical: plate.str("canonical")?,
        key: plate.str("key")?,
    })
}

pub(crate) fn obj_in(d: &AutoCommit, parent: &ObjId, key: &str) -> Option<ObjId> {
    match d.get(parent, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

pub(crate) fn obj_at(d: &AutoCommit, list: &ObjId, i: usize) -> Option<ObjId> {
    match d.get(list, i) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

fn value(d: &AutoCommit, obj: &ObjId, key: &str) -> Option<Value<'static>> {
    match d.get(obj, key) {
        Ok(Some((v, _))) => Some(v.to_owned()),
        _ => None,
    }
}

pub(crate) fn get_str(d: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    crate::fields::str_of(&value(d, obj, key)?)
}

pub(crate) fn get_i64(d: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    crate::fields::i64_of(&value(d, obj, key)?)
}

pub(crate) fn get_f64(d: &AutoCommit, obj: &ObjId, key: &str) -> Option<f64> {
    crate::fields::f64_of(&value(d, obj, key)?)
}

/// The strings of a list, in order (other items left out).
pub(crate) fn str_list(d: &AutoCommit, list: &ObjId) -> Vec<String> {
    crate::fields::list_items(d, list)
        .iter()
        .filter_map(|(v, _)| crate::fields::str_of(v))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const A: [u8; 32] = [1; 32];
    const B: [u8; 32] = [2; 32];

    fn officer(s: &str) -> OfficerId {
        OfficerId::new(s).expect("valid officer")
    }

    pub(crate) fn sample() -> NewInspection {
        NewInspection {
            tractor_plate: "АА 1234 ВС".into(),
            trailer_plate: Some("AB 5678 XT".into()),
            containers: vec!["CSQU3054383".into()],
            declaration: Some("UA100000/2026/000123".into()),
            unit: "MOBILE-3".into(),
            crew: vec!["OF-17".into()],
            location: Location {
                place: Some("Rava-Ruska".into()),
                lat: Some(50.24),
                lon: Some(23.62),
            },
            notes: "Night shift".into(),
        }
    }

    #[test]
    fn review_states_follow_the_latest_review_and_count_the_crews_answer() {
        let id = InspectionId::random();
        let mut crew =
            InspectionDoc::create(&A, id, &sample(), &officer("OF-17"), 1_000).expect("create");
        let decide = |doc: &mut InspectionDoc, outcome, at| {
            let d = NewDecision {
                outcome,
                reasons: vec![],
                note: String::new(),
            };
            doc.decide(&d, &officer("OF-17"), at).expect("decide");
        };
        assert_eq!(
            crew.view().expect("view").review_state(),
            ReviewState::Unreviewed
        );
        decide(&mut crew, Outcome::Release, 2_000);

        // The supervisor's clock is behind the crew's: counting decisions,
        // not comparing times, still tells an answer from its absence.
        let mut sup = InspectionDoc::load(&crew.save(), &B).expect("load");
        let back = NewReview::plain(Verdict::Return, "check the trailer seal");
        sup.review(&back, &officer("SUP-1"), 500).expect("return");
        crew.apply_change(&sup.last_change().expect("change"))
            .expect("apply");
        let v = crew.view().expect("view");
        assert_eq!(v.review_state(), ReviewState::Returned);
        assert_eq!(v.reviews[0].decisions_seen, Some(1));
        decide(&mut crew, Outcome::PhysicalInspection, 2_500);
        assert_eq!(
            crew.view().expect("view").review_state(),
            ReviewState::Answered
        );

        // An overrule after the answer replaces the current outcome.
        sup.apply_change(&crew.last_change().expect("change"))
            .expect("apply");
        let overrule = NewReview {
            verdict: Verdict::Overrule,
            comment: "dense block behind the cab".into(),
            outcome: Some(Outcome::Detain),
            reasons: vec![ReasonCode::new("DENSITY_ANOMALY").expect("code")],
        };
        sup.review(&overrule, &officer("SUP-1"), 3_000)
            .expect("overrule");
        let v = sup.view().expect("view");
        assert_eq!(v.review_state(), ReviewState::Overruled);
        assert_eq!(v.current_outcome(), Some(Outcome::Detain));
        assert_eq!(v.reviews[1].reasons, vec!["DENSITY_ANOMALY".to_string()]);
        assert_eq!(v.decisions.len(), 2, "the crew's decisions stay");
    }

    #[test]
    fn reviews_that_break_the_rules_are_refused() {
        let id = InspectionId::random();
        let mut doc =
            InspectionDoc::create(&A, id, &sample(), &officer("OF-17"), 1_000).expect("create");
        let cases = [
            NewReview::plain(Verdict::Return, "  "),
            NewReview {
                verdict: Verdict::Overrule,
                comment: "why".into(),
                outcome: None,
                reasons: vec![],
            },
            NewReview {
                verdict: Verdict::Agree,
                comment: String::new(),
                outcome: Some(Outcome::Detain),
                reasons: vec![],
            },
        ];
        for review in cases {
            let e = doc
                .review(&review, &officer("SUP-1"), 2_000)
                .expect_err("refused");
            assert!(e.to_string().starts_with("review:"), "{e}");
        }
        assert!(doc.view().expect("view").reviews.is_empty());
    }

    #[test]
    fn create_and_read_back() {
        let id = InspectionId::random();
        let doc = InspectionDoc::create(&A, id, &sample(), &officer("OF-17"), 1_700_000_000_000)
            .expect("create");
        let v = doc.view().expect("view");
        assert_eq!(v.id, id);
        assert_eq!(
            v.tractor_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("AA1234BC")
        );
        assert_eq!(
            v.trailer_plate.as_ref().map(|p| p.canonical.as_str()),
            Some("AB5678XT")
        );
        assert_eq!(v.containers.len(), 1);
        assert_eq!(v.notes, "Night shift");
        assert_eq!(v.location.place.as_deref(), Some("Rava-Ruska"));
        assert!(v.decisions.is_empty());
    }

    #[test]
    fn invalid_input_is_refused_with_the_field_named() {
        let mut bad = sample();
        bad.containers = vec!["CSQU3054384".into()];
        let e = InspectionDoc::create(&A, InspectionId::random(), &bad, &officer("x"), 0)
            .expect_err("bad check digit");
        assert!(e.to_string().contains("check digit"), "{e}");
        let mut bad = sample();
        bad.tractor_plate = "".into();
        let e = InspectionDoc::create(&A, InspectionId::random(), &bad, &officer("x"), 0)
            .expect_err("empty plate");
        assert!(e.to_string().starts_with("tractor plate"), "{e}");
        let mut bad = sample();
        bad.location.lat = Some(91.0);
        assert!(InspectionDoc::create(&A, InspectionId::random(), &bad, &officer("x"), 0).is_err());
    }

    #[test]
    fn decisions_are_appended_never_overwritten() {
        let mut doc = InspectionDoc::create(
            &A,
            InspectionId::random(),
            &sample(),
            &officer("OF-1"),
            1000,
        )
        .expect("create");
        for (i, outcome) in [Outcome::PhysicalInspection, Outcome::Release]
            .into_iter()
            .enumerate()
        {
            let d = NewDecision {
                outcome,
                reasons: vec![ReasonCode::new("DENSITY").expect("code")],
                note: String::new(),
            };
            doc.decide(&d, &officer("OF-1"), 2000 + i as i64)
                .expect("decide");
        }
        let v = doc.view().expect("view");
        assert_eq!(v.decisions.len(), 2);
        assert_eq!(v.decisions[0].outcome, Outcome::PhysicalInspection);
        assert_eq!(v.current_outcome(), Some(Outcome::Release));
    }

    #[test]
    fn concurrent_edits_on_two_devices_merge_identically() {
        let mut a = InspectionDoc::create(
            &A,
            InspectionId::random(),
            &sample(),
            &officer("OF-1"),
            1000,
        )
        .expect("create");
        let genesis = a.last_change().expect("genesis");
        let mut b = InspectionDoc::empty(&B);
        b.apply_change(&genesis).expect("apply");

        a.decide(
            &NewDecision {
                outcome: Outcome::Detain,
                reasons: vec![],
                note: "a".into(),
            },
            &officer("OF-1"),
            2000,
        )
        .expect("decide");
        let ca1 = a.last_change().expect("change");
        a.set_notes("Night shift, seal broken", &officer("OF-1"), 2001)
            .expect("notes");
        let ca2 = a.last_change().expect("change");
        b.review(
            &NewReview::plain(Verdict::Agree, "ok"),
            &officer("SUP-1"),
            2000,
        )
        .expect("review");
        let cb1 = b.last_change().expect("change");
        b.set_notes("Urgent: Night shift", &officer("SUP-1"), 2002)
            .expect("notes");
        let cb2 = b.last_change().expect("change");

        a.apply_changes([cb1.as_slice(), cb2.as_slice()])
            .expect("apply");
        b.apply_changes([ca1.as_slice(), ca2.as_slice()])
            .expect("apply");
        assert_eq!(a.heads(), b.heads());
        assert_eq!(a.to_json(), b.to_json());
        let v = a.view().expect("view");
        assert_eq!(v.decisions.len(), 1);
        assert_eq!(v.reviews.len(), 1);
        assert_eq!(v.notes, "Urgent: Night shift, seal broken");
    }

    #[test]
    fn regression_corpus_is_refused_cleanly() {
        for (name, bytes) in kordon_test_support::regressions("change") {
            let mut d = InspectionDoc::empty(&A);
            assert!(
                d.apply_change(&bytes).is_err(),
                "change regression {name} was accepted"
            );
            assert!(check_change(&bytes, &A).is_err());
            // As a receiver reads a change's operations for its rules (a
            // panic in Automerge is caught there too).
            let verdict = crate::rules::ChangeOps::decode(&bytes)
                .map_err(|e| crate::rules::RuleBroken::DoesNotApply(e.to_string()))
                .and_then(|c| crate::rules::Outline::new().check(&c, crate::rules::Writer::Device));
            assert!(
                verdict.is_err(),
                "change regression {name} passed the rules"
            );
        }
    }

    #[test]
    fn a_malformed_entry_is_reported_not_fatal() {
        let mut a = InspectionDoc::create(
            &A,
            InspectionId::random(),
            &sample(),
            &officer("OF-1"),
            1000,
        )
        .expect("create");
        // A hostile device appends a decision outside the schema.
        let list = a.object(&ROOT, "decisions").expect("list");
        let entry = a.doc.insert_object(&list, 0, ObjType::Map).expect("insert");
        a.doc.put(&entry, "outcome", "banana").expect("put");
        a.doc.commit();
        a.decide(
            &NewDecision {
                outcome: Outcome::Detain,
                reasons: vec![],
                note: String::new(),
            },
            &officer("OF-1"),
            2000,
        )
        .expect("decide");
        let v = a.view().expect("still readable");
        assert_eq!(v.decisions.len(), 1);
        assert_eq!(v.current_outcome(), Some(Outcome::Detain));
        assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
        assert!(v.problems[0].contains("banana"));
    }

    #[test]
    fn garbage_change_bytes_are_an_error_not_a_panic() {
        let mut d = InspectionDoc::empty(&A);
        assert!(matches!(
            d.apply_change(b"not a change"),
            Err(ModelError::BadChange(_))
        ));
    }

    #[test]
    fn save_and_load_round_trip() {
        let mut a = InspectionDoc::create(
            &A,
            InspectionId::random(),
            &sample(),
            &officer("OF-1"),
            1000,
        )
        .expect("create");
        let saved = a.save();
        let b = InspectionDoc::load(&saved, &A).expect("load");
        assert_eq!(a.view().expect("view"), b.view().expect("view"));
    }
}
