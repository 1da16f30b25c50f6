//! Hotlist alerts on an inspection, and the crew's response to each.
//!
//! An alert records what matched (the plate as seen, the list, the entry,
//! the tier) at the moment it was raised, so it reads the same after the
//! entry is removed from its list. Responses are a separate append-only
//! list; an alert's current response is the latest by time.
//!
//! Schema (root lists, append-only):
//! ```text
//! alerts          list<map { id, at_ms, raised_by, source: "read"|"typed", read_id?,
//!                            role?, seen, list_id, list, entry_id, entry_value, reason,
//!                            priority, tier: "exact"|"ocr_equivalent"|"one_edit"|"profile" }>
//! alert_responses list<map { alert, response: "confirmed"|"false_match"|"action_taken",
//!                            note, officer, at_ms }>
//! ```

use crate::doc::{check_len, commit, get_i64, get_str, invalid, obj_at, obj_in};
use crate::hotlist::Priority;
use crate::{InspectionDoc, ModelError, OfficerId, PlateRole};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

/// How the seen text matched the entry, strongest first.
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
pub enum MatchTier {
    /// The same plate, in any spelling.
    Exact,
    /// Differs only in characters OCR confuses.
    OcrEquivalent,
    /// One character misread, dropped or added.
    OneEdit,
    /// A risk profile's rule held (no plate on a list).
    Profile,
}

impl MatchTier {
    pub const ALL: [MatchTier; 4] = [
        MatchTier::Exact,
        MatchTier::OcrEquivalent,
        MatchTier::OneEdit,
        MatchTier::Profile,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MatchTier::Exact => "exact",
            MatchTier::OcrEquivalent => "ocr_equivalent",
            MatchTier::OneEdit => "one_edit",
            MatchTier::Profile => "profile",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What raised an alert.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertSource {
    /// A camera's read.
    Read,
    /// A plate or container the crew typed.
    Typed,
}

/// The crew's answer to an alert.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertResponseKind {
    /// It is the vehicle on the list.
    Confirmed,
    /// The read or the list matched another vehicle.
    FalseMatch,
    /// The crew acted on it (held the vehicle, called it in, ...).
    ActionTaken,
}

impl AlertResponseKind {
    pub const ALL: [AlertResponseKind; 3] = [
        AlertResponseKind::Confirmed,
        AlertResponseKind::FalseMatch,
        AlertResponseKind::ActionTaken,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AlertResponseKind::Confirmed => "confirmed",
            AlertResponseKind::FalseMatch => "false_match",
            AlertResponseKind::ActionTaken => "action_taken",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// An alert about to be raised: what matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NewAlert {
    pub source: AlertSource,
    /// The read that matched, for a read's alert.
    pub read_id: Option<String>,
    /// Which plate of the vehicle it is about.
    pub role: Option<PlateRole>,
    /// The text that matched, as it was seen or typed.
    pub seen: String,
    pub list_id: String,
    pub list: String,
    /// The entry's or the profile's id.
    pub entry_id: String,
    /// The entry's plate or container, or the profile's name.
    pub entry_value: String,
    pub reason: String,
    pub priority: Priority,
    pub tier: MatchTier,
}

/// The crew's response, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct AlertResponse {
    pub response: AlertResponseKind,
    pub note: String,
    pub officer: String,
    #[ts(type = "number")]
    pub at_ms: i64,
}

/// A response to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct NewAlertResponse {
    pub alert: String,
    pub response: AlertResponseKind,
    #[serde(default)]
    pub note: String,
}

/// An alert as the inspection holds it, with its latest response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Alert {
    pub id: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    pub raised_by: String,
    #[serde(flatten)]
    pub hit: NewAlert,
    pub response: Option<AlertResponse>,
}

impl Alert {
    /// Whether `a` says the same as this alert (so it is not raised twice).
    /// A risk profile is about the inspection: it alerts once, whichever
    /// read meets it. A list entry alerts once per read, and once per
    /// typed text.
    fn same_as(&self, a: &NewAlert) -> bool {
        if self.hit.list_id != a.list_id || self.hit.entry_id != a.entry_id {
            return false;
        }
        if a.tier == MatchTier::Profile {
            return self.hit.tier == MatchTier::Profile;
        }
        self.hit.read_id == a.read_id
            && (a.read_id.is_some() || (self.hit.role == a.role && self.hit.seen == a.seen))
    }
}

fn check(a: &NewAlert) -> Result<(), ModelError> {
    for (field, s) in [
        ("seen", &a.seen),
        ("list", &a.list),
        ("entry_value", &a.entry_value),
        ("reason", &a.reason),
        ("list_id", &a.list_id),
        ("entry_id", &a.entry_id),
    ] {
        check_len(field, s, 200)?;
    }
    Ok(())
}

/// Appends alerts not already on the inspection, with no commit (the
/// caller's operation commits them with its own change).
pub(crate) fn put_alerts(
    d: &mut AutoCommit,
    alerts: &[NewAlert],
    officer: &OfficerId,
    now_ms: i64,
) -> Result<usize, ModelError> {
    let existing = read_alerts(d, &mut vec![]);
    let fresh: Vec<&NewAlert> = alerts
        .iter()
        .filter(|a| !existing.iter().any(|e| e.same_as(a)))
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    for a in &fresh {
        check(a)?;
    }
    let list = match obj_in(d, &ROOT, "alerts") {
        Some(l) => l,
        None => d.put_object(ROOT, "alerts", ObjType::List)?,
    };
    for a in &fresh {
        let at = d.length(&list);
        let m = d.insert_object(&list, at, ObjType::Map)?;
        d.put(
            &m,
            "id",
            uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
        )?;
        d.put(&m, "at_ms", now_ms)?;
        d.put(&m, "raised_by", officer.as_str())?;
        d.put(
            &m,
            "source",
            match a.source {
                AlertSource::Read => "read",
                AlertSource::Typed => "typed",
            },
        )?;
        if let Some(r) = &a.read_id {
            d.put(&m, "read_id", r.as_str())?;
        }
        if let Some(role) = a.role {
            d.put(&m, "role", role.as_str())?;
        }
        for (k, v) in [
            ("seen", &a.seen),
            ("list_id", &a.list_id),
            ("list", &a.list),
            ("entry_id", &a.entry_id),
            ("entry_value", &a.entry_value),
            ("reason", &a.reason),
        ] {
            d.put(&m, k, v.as_str())?;
        }
        d.put(&m, "priority", a.priority.as_str())?;
        d.put(&m, "tier", a.tier.as_str())?;
    }
    Ok(fresh.len())
}

impl InspectionDoc {
    /// Raises alerts not already on the inspection, in one change.
    /// Returns how many were new (none: nothing is committed).
    pub fn raise_alerts(
        &mut self,
        alerts: &[NewAlert],
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<usize, ModelError> {
        let n = put_alerts(&mut self.doc, alerts, officer, now_ms)?;
        if n > 0 {
            commit(&mut self.doc, officer, "alert", now_ms);
        }
        Ok(n)
    }

    /// Records the crew's response to an alert of this inspection.
    pub fn respond_to_alert(
        &mut self,
        r: &NewAlertResponse,
        officer: &OfficerId,
        now_ms: i64,
    ) -> Result<(), ModelError> {
        check_len("note", &r.note, 2_000)?;
        if !read_alerts(&self.doc, &mut vec![])
            .iter()
            .any(|a| a.id == r.alert)
        {
            return Err(invalid(
                "alert",
                format!("no alert {:?} on this inspection", r.alert),
            ));
        }
        let d = &mut self.doc;
        let list = match obj_in(d, &ROOT, "alert_responses") {
            Some(l) => l,
            None => d.put_object(ROOT, "alert_responses", ObjType::List)?,
        };
        let at = d.length(&list);
        let m = d.insert_object(&list, at, ObjType::Map)?;
        d.put(&m, "alert", r.alert.as_str())?;
        d.put(&m, "response", r.response.as_str())?;
        d.put(&m, "note", r.note.trim())?;
        d.put(&m, "officer", officer.as_str())?;
        d.put(&m, "at_ms", now_ms)?;
        commit(d, officer, "alert_response", now_ms);
        Ok(())
    }
}

fn str_of(d: &AutoCommit, m: &ObjId, k: &str) -> String {
    get_str(d, m, k).unwrap_or_default()
}

/// Reads the alerts, each with its latest response; entries that do not
/// follow the schema are left out and described in `problems`.
pub(crate) fn read_alerts(d: &AutoCommit, problems: &mut Vec<String>) -> Vec<Alert> {
    let mut out: Vec<Alert> = vec![];
    if let Some(list) = obj_in(d, &ROOT, "alerts") {
        for n in 0..d.length(&list) {
            let Some(m) = obj_at(d, &list, n) else {
                problems.push(format!("alert {n} left out: not a map"));
                continue;
            };
            let source = match get_str(d, &m, "source").as_deref() {
                Some("read") => AlertSource::Read,
                Some("typed") => AlertSource::Typed,
                other => {
                    problems.push(format!("alert {n} left out: source {other:?}"));
                    continue;
                }
            };
            let Some(tier) = get_str(d, &m, "tier").and_then(|t| MatchTier::parse(&t)) else {
                problems.push(format!("alert {n} left out: no tier"));
                continue;
            };
            out.push(Alert {
                id: str_of(d, &m, "id"),
                at_ms: get_i64(d, &m, "at_ms").unwrap_or(0),
                raised_by: str_of(d, &m, "raised_by"),
                hit: NewAlert {
                    source,
                    read_id: get_str(d, &m, "read_id"),
                    role: get_str(d, &m, "role").and_then(|r| PlateRole::parse(&r)),
                    seen: str_of(d, &m, "seen"),
                    list_id: str_of(d, &m, "list_id"),
                    list: str_of(d, &m, "list"),
                    entry_id: str_of(d, &m, "entry_id"),
                    entry_value: str_of(d, &m, "entry_value"),
                    reason: str_of(d, &m, "reason"),
                    priority: get_str(d, &m, "priority")
                        .and_then(|p| Priority::parse(&p))
                        .unwrap_or(Priority::Medium),
                    tier,
                },
                response: None,
            });
        }
    }
    if let Some(list) = obj_in(d, &ROOT, "alert_responses") {
        for n in 0..d.length(&list) {
            let Some(m) = obj_at(d, &list, n) else {
                continue;
            };
            let Some(kind) = get_str(d, &m, "response").and_then(|r| AlertResponseKind::parse(&r))
            else {
                problems.push(format!("alert response {n} left out: unknown response"));
                continue;
            };
            let response = AlertResponse {
                response: kind,
                note: str_of(d, &m, "note"),
                officer: str_of(d, &m, "officer"),
                at_ms: get_i64(d, &m, "at_ms").unwrap_or(0),
            };
            let alert = str_of(d, &m, "alert");
            match out.iter_mut().find(|a| a.id == alert) {
                Some(a) => {
                    if a.response
                        .as_ref()
                        .is_none_or(|r| r.at_ms <= response.at_ms)
                    {
                        a.response = Some(response);
                    }
                }
                None => problems.push(format!("alert response {n} left out: no alert {alert:?}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InspectionId, NewInspection};

    fn hit(read: Option<&str>) -> NewAlert {
        NewAlert {
            source: if read.is_some() {
                AlertSource::Read
            } else {
                AlertSource::Typed
            },
            read_id: read.map(String::from),
            role: Some(PlateRole::Tractor),
            seen: "AA1234BC".into(),
            list_id: "list".into(),
            list: "Wanted".into(),
            entry_id: "e1".into(),
            entry_value: "AA1234BC".into(),
            reason: "stolen".into(),
            priority: Priority::High,
            tier: MatchTier::Exact,
        }
    }

    #[test]
    fn an_alert_is_raised_once_and_its_latest_response_counts() {
        let officer = OfficerId::new("OF-1").expect("officer");
        let input = NewInspection {
            tractor_plate: "AA1234BC".into(),
            unit: "MOBILE-1".into(),
            ..NewInspection::default()
        };
        let mut doc = InspectionDoc::create(&[7; 32], InspectionId::random(), &input, &officer, 1)
            .expect("created");
        assert_eq!(
            doc.raise_alerts(&[hit(None)], &officer, 2).expect("raised"),
            1
        );
        assert_eq!(
            doc.raise_alerts(&[hit(None)], &officer, 3).expect("again"),
            0
        );
        assert_eq!(
            doc.raise_alerts(&[hit(Some("p#0"))], &officer, 4)
                .expect("read"),
            1
        );
        let profile = |read: &str| NewAlert {
            tier: MatchTier::Profile,
            entry_id: "p1".into(),
            ..hit(Some(read))
        };
        assert_eq!(
            doc.raise_alerts(&[profile("p#0")], &officer, 5)
                .expect("profile"),
            1
        );
        assert_eq!(
            doc.raise_alerts(&[profile("q#0")], &officer, 6)
                .expect("profile again"),
            0,
            "a profile alerts once per inspection"
        );
        let id = doc.view().expect("view").alerts[0].id.clone();
        for (kind, at) in [
            (AlertResponseKind::FalseMatch, 10),
            (AlertResponseKind::Confirmed, 20),
        ] {
            doc.respond_to_alert(
                &NewAlertResponse {
                    alert: id.clone(),
                    response: kind,
                    note: "checked".into(),
                },
                &officer,
                at,
            )
            .expect("responded");
        }
        let v = doc.view().expect("view");
        assert_eq!(v.alerts.len(), 3);
        assert_eq!(
            v.alerts[0].response.as_ref().map(|r| r.response),
            Some(AlertResponseKind::Confirmed)
        );
        assert!(v.alerts[1].response.is_none());
        assert!(v.alerts[2].response.is_none());
        assert!(doc
            .respond_to_alert(
                &NewAlertResponse {
                    alert: "nope".into(),
                    response: AlertResponseKind::Confirmed,
                    note: String::new(),
                },
                &officer,
                30
            )
            .is_err());
    }
}
