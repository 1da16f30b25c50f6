//! Hotlists and risk profiles: documents the server makes and every
//! vehicle in their scope receives, verifies and matches against offline.
//!
//! One list is one Automerge document, written only by the server. Its id
//! is a UUID of version 8 ([`DocKind::of`]), so a store, the server's
//! permission check and a vehicle tell a list from an inspection by the id
//! alone, before anything is applied.
//!
//! Schema (root map):
//! ```text
//! hotlist_schema int 1
//! name       str
//! units      list<str>   the units it goes to; empty = every unit (set at creation)
//! created_ms int
//! entries    map<id, map { value, kind: "plate"|"container", canonical, reason,
//!                          priority: "high"|"medium"|"low", valid_from_ms?, valid_until_ms?,
//!                          added_by, added_ms, removed_by?, removed_ms? }>
//! profiles   map<id, map { name, country?, hour_from?, hour_to?, keyword?, direction?,
//!                          reason, priority, valid_from_ms?, valid_until_ms?,
//!                          added_by, added_ms, removed_by?, removed_ms? }>
//! ```
//! Nothing is deleted: a removal stamps `removed_by`/`removed_ms`, and the
//! entry stays in the document (and its history in the signed records).

use crate::doc::{commit, get_i64, get_str, invalid, obj_in, str_list};
use crate::{ContainerCode, InspectionDoc, ModelError, OfficerId, Plate};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

pub const HOTLIST_SCHEMA: i64 = 1;

/// What a document is, from its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Inspection,
    Hotlist,
    /// A trainee's attempt at an exercise ([`crate::training`]).
    Training,
}

impl DocKind {
    /// Hotlists have UUIDs of version 8, training attempts of version 6;
    /// everything else is an inspection.
    pub fn of(id: &[u8; 16]) -> DocKind {
        match id[6] >> 4 {
            8 => DocKind::Hotlist,
            6 => DocKind::Training,
            _ => DocKind::Inspection,
        }
    }
}

/// A hotlist's id: a random UUID of version 8.
pub fn new_hotlist_id() -> uuid::Uuid {
    let mut b = *uuid::Uuid::new_v4().as_bytes();
    b[6] = (b[6] & 0x0f) | 0x80;
    uuid::Uuid::from_bytes(b)
}

/// How urgent a hit is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// What an entry names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Plate,
    Container,
}

/// Who removed something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Removal {
    pub by: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// A plate or container on a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct HotlistEntry {
    pub id: String,
    /// As the list's author wrote it.
    pub value: String,
    pub kind: EntryKind,
    /// The plate's canonical form, or the container code.
    pub canonical: String,
    pub reason: String,
    pub priority: Priority,
    #[ts(type = "number | null")]
    pub valid_from_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub valid_until_ms: Option<i64>,
    pub added_by: String,
    #[ts(type = "number")]
    pub added_ms: i64,
    pub removed: Option<Removal>,
}

/// A rule over a read and its inspection: every field given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct RiskProfile {
    pub id: String,
    pub name: String,
    /// The read's country (ISO 3166 alpha-2, as cameras give it).
    pub country: Option<String>,
    /// Hours of the day, UTC, `hour_from` inclusive to `hour_to`
    /// exclusive; wraps past midnight when `hour_from > hour_to`.
    pub hour_from: Option<u8>,
    pub hour_to: Option<u8>,
    /// Found, case-insensitively, in the declaration or the notes.
    pub keyword: Option<String>,
    /// The read's direction (`approach`, `leave`, ... as cameras give it).
    pub direction: Option<String>,
    pub reason: String,
    pub priority: Priority,
    #[ts(type = "number | null")]
    pub valid_from_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub valid_until_ms: Option<i64>,
    pub added_by: String,
    #[ts(type = "number")]
    pub added_ms: i64,
    pub removed: Option<Removal>,
}

/// A list as read from its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct HotlistView {
    pub id: String,
    pub name: String,
    /// Units it goes to; empty means every unit.
    pub units: Vec<String>,
    #[ts(type = "number")]
    pub created_ms: i64,
    pub entries: Vec<HotlistEntry>,
    pub profiles: Vec<RiskProfile>,
}

/// A new entry, as the server's operator gives it.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct NewHotlistEntry {
    /// A plate in any spelling, or an ISO 6346 container code.
    pub value: String,
    pub reason: String,
    /// `high`, `medium` (default) or `low`.
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub valid_from_ms: Option<i64>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub valid_until_ms: Option<i64>,
}

/// A new risk profile.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
pub struct NewRiskProfile {
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub hour_from: Option<u8>,
    #[serde(default)]
    pub hour_to: Option<u8>,
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    pub reason: String,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub valid_from_ms: Option<i64>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub valid_until_ms: Option<i64>,
}

/// Whether something valid from `from` until `until` is in force at `now`.
pub fn in_force(from: Option<i64>, until: Option<i64>, removed: bool, now_ms: i64) -> bool {
    !removed && from.is_none_or(|f| f <= now_ms) && until.is_none_or(|u| now_ms < u)
}

impl HotlistEntry {
    pub fn in_force(&self, now_ms: i64) -> bool {
        in_force(
            self.valid_from_ms,
            self.valid_until_ms,
            self.removed.is_some(),
            now_ms,
        )
    }
}

impl RiskProfile {
    pub fn in_force(&self, now_ms: i64) -> bool {
        in_force(
            self.valid_from_ms,
            self.valid_until_ms,
            self.removed.is_some(),
            now_ms,
        )
    }
}

/// Longest list name, reason, keyword.
const MAX_TEXT: usize = 200;

fn text(field: &'static str, s: &str, required: bool) -> Result<String, ModelError> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(invalid(field, "is required"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(invalid(field, format!("longer than {MAX_TEXT} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(t.to_string())
}

fn optional(field: &'static str, s: &Option<String>) -> Result<Option<String>, ModelError> {
    match s.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => text(field, t, true).map(Some),
        _ => Ok(None),
    }
}

fn validity(from: Option<i64>, until: Option<i64>) -> Result<(), ModelError> {
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            return Err(invalid("valid_until", "must be after valid_from"));
        }
    }
    Ok(())
}

/// An entry's kind and canonical text: a container code when it checks as
/// one (ISO 6346), else a plate.
pub fn classify(value: &str) -> Result<(EntryKind, String), ModelError> {
    if let Ok(c) = ContainerCode::parse(value) {
        return Ok((EntryKind::Container, c.as_str().to_string()));
    }
    let p = Plate::parse(value).map_err(|e| invalid("value", e.to_string()))?;
    Ok((EntryKind::Plate, p.canonical))
}

/// Checks a new entry as [`HotlistDoc::add_entries`] would.
pub fn check_entry(e: &NewHotlistEntry) -> Result<(), ModelError> {
    classify(&e.value)?;
    text("reason", &e.reason, true)?;
    validity(e.valid_from_ms, e.valid_until_ms)
}

/// One list, edited as the server.
#[derive(Debug)]
pub struct HotlistDoc {
    doc: AutoCommit,
}

impl From<InspectionDoc> for HotlistDoc {
    /// The store loads every document as an untyped Automerge document
    /// (which it calls an [`InspectionDoc`]); a list reads the same bytes.
    fn from(d: InspectionDoc) -> Self {
        HotlistDoc { doc: d.doc }
    }
}

impl From<HotlistDoc> for InspectionDoc {
    fn from(d: HotlistDoc) -> Self {
        InspectionDoc { doc: d.doc }
    }
}

impl HotlistDoc {
    /// A new, empty list named `name`, going to `units` (empty: every unit).
    pub fn create(
        actor: &[u8],
        name: &str,
        units: &[String],
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Self, ModelError> {
        let name = text("name", name, true)?;
        let mut doc = AutoCommit::new().with_actor(ActorId::from(actor));
        doc.put(ROOT, "hotlist_schema", HOTLIST_SCHEMA)?;
        doc.put(ROOT, "name", name.as_str())?;
        doc.put(ROOT, "created_ms", now_ms)?;
        let u = doc.put_object(ROOT, "units", ObjType::List)?;
        for (i, unit) in units.iter().enumerate() {
            doc.insert(&u, i, text("units", unit, true)?)?;
        }
        doc.put_object(ROOT, "entries", ObjType::Map)?;
        doc.put_object(ROOT, "profiles", ObjType::Map)?;
        commit(&mut doc, officer, "hotlist_create", now_ms);
        Ok(HotlistDoc { doc })
    }

    /// The raw bytes of the change the last operation committed.
    pub fn last_change(&mut self) -> Option<Vec<u8>> {
        self.doc
            .get_last_local_change()
            .map(|c| c.raw_bytes().to_vec())
    }

    /// Adds an entry; returns its id.
    pub fn add_entry(
        &mut self,
        e: &NewHotlistEntry,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<String, ModelError> {
        let mut ids = self.add_entries(std::slice::from_ref(e), officer, now_ms)?;
        ids.pop().ok_or_else(|| invalid("value", "no entry"))
    }

    /// Adds several entries in one change; returns their ids. Every entry
    /// is checked first: one bad entry adds none.
    pub fn add_entries(
        &mut self,
        list: &[NewHotlistEntry],
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<Vec<String>, ModelError> {
        let mut checked = Vec::with_capacity(list.len());
        for e in list {
            let (kind, canonical) = classify(&e.value)?;
            let reason = text("reason", &e.reason, true)?;
            validity(e.valid_from_ms, e.valid_until_ms)?;
            checked.push((e, kind, canonical, reason));
        }
        let entries = self.map("entries")?;
        let d = &mut self.doc;
        let mut ids = Vec::with_capacity(checked.len());
        for (e, kind, canonical, reason) in checked {
            let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
            let m = d.put_object(&entries, id.as_str(), ObjType::Map)?;
            d.put(&m, "value", e.value.trim())?;
            d.put(
                &m,
                "kind",
                match kind {
                    EntryKind::Plate => "plate",
                    EntryKind::Container => "container",
                },
            )?;
            d.put(&m, "canonical", canonical.as_str())?;
            d.put(&m, "reason", reason.as_str())?;
            d.put(
                &m,
                "priority",
                e.priority.unwrap_or(Priority::Medium).as_str(),
            )?;
            put_validity(d, &m, e.valid_from_ms, e.valid_until_ms)?;
            d.put(&m, "added_by", officer.as_str())?;
            d.put(&m, "added_ms", now_ms)?;
            ids.push(id);
        }
        if !ids.is_empty() {
            commit(d, officer, "hotlist_entry", now_ms);
        }
        Ok(ids)
    }

    /// Adds a risk profile; returns its id.
    pub fn add_profile(
        &mut self,
        p: &NewRiskProfile,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<String, ModelError> {
        let name = text("name", &p.name, true)?;
        let reason = text("reason", &p.reason, true)?;
        let country = optional("country", &p.country)?.map(|c| c.to_uppercase());
        let keyword = optional("keyword", &p.keyword)?;
        let direction = optional("direction", &p.direction)?.map(|d| d.to_lowercase());
        for h in [p.hour_from, p.hour_to].into_iter().flatten() {
            if h > 23 {
                return Err(invalid("hour", "must be 0 to 23"));
            }
        }
        if p.hour_from.is_some() != p.hour_to.is_some() {
            return Err(invalid(
                "hour",
                "give both hour_from and hour_to, or neither",
            ));
        }
        if country.is_none() && keyword.is_none() && direction.is_none() && p.hour_from.is_none() {
            return Err(invalid(
                "profile",
                "needs at least one condition (country, hours, keyword, direction)",
            ));
        }
        validity(p.valid_from_ms, p.valid_until_ms)?;
        let profiles = self.map("profiles")?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let d = &mut self.doc;
        let m = d.put_object(&profiles, id.as_str(), ObjType::Map)?;
        d.put(&m, "name", name.as_str())?;
        for (k, v) in [
            ("country", &country),
            ("keyword", &keyword),
            ("direction", &direction),
        ] {
            if let Some(v) = v {
                d.put(&m, k, v.as_str())?;
            }
        }
        if let (Some(f), Some(t)) = (p.hour_from, p.hour_to) {
            d.put(&m, "hour_from", i64::from(f))?;
            d.put(&m, "hour_to", i64::from(t))?;
        }
        d.put(&m, "reason", reason.as_str())?;
        d.put(
            &m,
            "priority",
            p.priority.unwrap_or(Priority::Medium).as_str(),
        )?;
        put_validity(d, &m, p.valid_from_ms, p.valid_until_ms)?;
        d.put(&m, "added_by", officer.as_str())?;
        d.put(&m, "added_ms", now_ms)?;
        commit(d, officer, "hotlist_profile", now_ms);
        Ok(id)
    }

    /// Stamps an entry or a profile as removed. `Ok(false)` if no such id
    /// is in force on this list.
    pub fn remove(
        &mut self,
        id: &str,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<bool, ModelError> {
        for key in ["entries", "profiles"] {
            let map = self.map(key)?;
            if let Some(m) = obj_in(&self.doc, &map, id) {
                if get_i64(&self.doc, &m, "removed_ms").is_some() {
                    return Ok(false);
                }
                self.doc.put(&m, "removed_by", officer.as_str())?;
                self.doc.put(&m, "removed_ms", now_ms)?;
                commit(&mut self.doc, officer, "hotlist_remove", now_ms);
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn map(&self, key: &'static str) -> Result<ObjId, ModelError> {
        obj_in(&self.doc, &ROOT, key)
            .ok_or_else(|| ModelError::Schema(format!("hotlist without {key}")))
    }

    /// Reads the list. `id` is the document id, as text.
    pub fn view(&self, id: &str) -> Result<HotlistView, ModelError> {
        view_of(&self.doc, id)
    }
}

/// A list's view from an untyped document, if it is one.
pub fn hotlist_view(doc: &InspectionDoc, id: &str) -> Result<HotlistView, ModelError> {
    view_of(&doc.doc, id)
}

fn put_validity(
    d: &mut AutoCommit,
    m: &ObjId,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<(), ModelError> {
    if let Some(f) = from {
        d.put(m, "valid_from_ms", f)?;
    }
    if let Some(u) = until {
        d.put(m, "valid_until_ms", u)?;
    }
    Ok(())
}

fn removal(d: &AutoCommit, m: &ObjId) -> Option<Removal> {
    Some(Removal {
        at_ms: get_i64(d, m, "removed_ms")?,
        by: get_str(d, m, "removed_by").unwrap_or_default(),
    })
}

fn priority(d: &AutoCommit, m: &ObjId) -> Priority {
    get_str(d, m, "priority")
        .and_then(|p| Priority::parse(&p))
        .unwrap_or(Priority::Medium)
}

fn hour(d: &AutoCommit, m: &ObjId, key: &str) -> Option<u8> {
    get_i64(d, m, key)
        .and_then(|h| u8::try_from(h).ok())
        .filter(|h| *h < 24)
}

fn view_of(d: &AutoCommit, id: &str) -> Result<HotlistView, ModelError> {
    match get_i64(d, &ROOT, "hotlist_schema") {
        Some(HOTLIST_SCHEMA) => {}
        Some(v) => {
            return Err(ModelError::Schema(format!(
                "hotlist schema {v} is not supported"
            )))
        }
        None => return Err(ModelError::Schema("not a hotlist".into())),
    }
    let mut entries = vec![];
    if let Some(map) = obj_in(d, &ROOT, "entries") {
        for key in d.keys(&map) {
            let Some(m) = obj_in(d, &map, &key) else {
                continue;
            };
            let Some(value) = get_str(d, &m, "value") else {
                continue;
            };
            // The kind and canonical form are recomputed, not trusted.
            let Ok((kind, canonical)) = classify(&value) else {
                continue;
            };
            entries.push(HotlistEntry {
                id: key.clone(),
                value,
                kind,
                canonical,
                reason: get_str(d, &m, "reason").unwrap_or_default(),
                priority: priority(d, &m),
                valid_from_ms: get_i64(d, &m, "valid_from_ms"),
                valid_until_ms: get_i64(d, &m, "valid_until_ms"),
                added_by: get_str(d, &m, "added_by").unwrap_or_default(),
                added_ms: get_i64(d, &m, "added_ms").unwrap_or(0),
                removed: removal(d, &m),
            });
        }
    }
    let mut profiles = vec![];
    if let Some(map) = obj_in(d, &ROOT, "profiles") {
        for key in d.keys(&map) {
            let Some(m) = obj_in(d, &map, &key) else {
                continue;
            };
            profiles.push(RiskProfile {
                id: key.clone(),
                name: get_str(d, &m, "name").unwrap_or_default(),
                country: get_str(d, &m, "country"),
                hour_from: hour(d, &m, "hour_from"),
                hour_to: hour(d, &m, "hour_to"),
                keyword: get_str(d, &m, "keyword"),
                direction: get_str(d, &m, "direction"),
                reason: get_str(d, &m, "reason").unwrap_or_default(),
                priority: priority(d, &m),
                valid_from_ms: get_i64(d, &m, "valid_from_ms"),
                valid_until_ms: get_i64(d, &m, "valid_until_ms"),
                added_by: get_str(d, &m, "added_by").unwrap_or_default(),
                added_ms: get_i64(d, &m, "added_ms").unwrap_or(0),
                removed: removal(d, &m),
            });
        }
    }
    entries.sort_by_key(|e| (e.added_ms, e.id.clone()));
    profiles.sort_by_key(|p| (p.added_ms, p.id.clone()));
    Ok(HotlistView {
        id: id.to_string(),
        name: get_str(d, &ROOT, "name").unwrap_or_default(),
        units: obj_in(d, &ROOT, "units")
            .map(|l| str_list(d, &l))
            .unwrap_or_default(),
        created_ms: get_i64(d, &ROOT, "created_ms").unwrap_or(0),
        entries,
        profiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> OfficerId {
        OfficerId::new("SUP-07").expect("officer")
    }

    #[test]
    fn entries_and_profiles_are_added_and_removed_but_kept() {
        let mut doc =
            HotlistDoc::create(&[9; 32], "Wanted", &[], &officer(), 1_000).expect("created");
        let plate = doc
            .add_entry(
                &NewHotlistEntry {
                    value: "аа 1234 вс".into(),
                    reason: "stolen".into(),
                    priority: Some(Priority::High),
                    ..Default::default()
                },
                &officer(),
                1_001,
            )
            .expect("plate");
        doc.add_entry(
            &NewHotlistEntry {
                value: "CSQU3054383".into(),
                reason: "smuggling".into(),
                ..Default::default()
            },
            &officer(),
            1_002,
        )
        .expect("container");
        doc.add_profile(
            &NewRiskProfile {
                name: "night cigarettes".into(),
                hour_from: Some(22),
                hour_to: Some(5),
                keyword: Some("tobacco".into()),
                reason: "pattern".into(),
                ..Default::default()
            },
            &officer(),
            1_003,
        )
        .expect("profile");
        assert!(doc.remove(&plate, &officer(), 1_004).expect("removed"));
        assert!(!doc.remove(&plate, &officer(), 1_005).expect("twice"));
        let v = doc.view("x").expect("view");
        assert_eq!(v.name, "Wanted");
        assert_eq!(v.entries.len(), 2);
        assert_eq!(v.entries[0].canonical, "AA1234BC");
        assert_eq!(v.entries[0].kind, EntryKind::Plate);
        assert_eq!(v.entries[0].removed.as_ref().map(|r| r.at_ms), Some(1_004));
        assert!(!v.entries[0].in_force(2_000));
        assert_eq!(v.entries[1].kind, EntryKind::Container);
        assert!(v.entries[1].in_force(2_000));
        assert_eq!(v.profiles[0].hour_from, Some(22));
    }

    #[test]
    fn bad_entries_are_refused() {
        let mut doc = HotlistDoc::create(&[9; 32], "L", &[], &officer(), 1).expect("created");
        let bad = |value: &str, reason: &str| NewHotlistEntry {
            value: value.into(),
            reason: reason.into(),
            ..Default::default()
        };
        assert!(doc.add_entry(&bad("", "x"), &officer(), 2).is_err());
        assert!(doc.add_entry(&bad("AA1234BC", ""), &officer(), 2).is_err());
        let mut backwards = bad("AA1234BC", "x");
        backwards.valid_from_ms = Some(10);
        backwards.valid_until_ms = Some(5);
        assert!(doc.add_entry(&backwards, &officer(), 2).is_err());
        assert!(doc
            .add_profile(
                &NewRiskProfile {
                    name: "empty".into(),
                    reason: "x".into(),
                    ..Default::default()
                },
                &officer(),
                2
            )
            .is_err());
    }

    #[test]
    fn the_kind_of_a_document_is_in_its_id() {
        assert_eq!(DocKind::of(new_hotlist_id().as_bytes()), DocKind::Hotlist);
        assert_eq!(
            DocKind::of(crate::InspectionId::random().as_bytes()),
            DocKind::Inspection
        );
    }
}
