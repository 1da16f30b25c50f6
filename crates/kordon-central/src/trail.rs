//! The audit trail as auditors read it: every record accepted (who signed
//! it, for which unit and officer, which inspection, which operation,
//! when it came), every refusal (of a record or of a connection, and why),
//! and every login and console action, in one newest-first list with
//! filters and stable paging. Read-only: nothing here changes the tables
//! it reads, and no route writes to them but the operations themselves.

use crate::{Central, CentralError};
use kordon_record::{PublicKey, SignedRecord};
use kordon_store::{TrailFilter, TrailPosition};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most events one page holds.
pub const MAX_TRAIL_PAGE: u32 = 1000;
/// Events a page holds unless asked otherwise.
pub const TRAIL_PAGE: u32 = 100;

/// What an event of the trail is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrailKind {
    /// A signed record the server accepted.
    Record,
    /// A record or a connection the server refused.
    Refusal,
    /// A login, a logout or an action in the console.
    Console,
}

impl TrailKind {
    /// Its place among events of the same millisecond (for paging).
    fn rank(self) -> i64 {
        match self {
            TrailKind::Record => kordon_store::TRAIL_RANK_RECORD,
            TrailKind::Refusal => kordon_store::TRAIL_RANK_REFUSAL,
            TrailKind::Console => kordon_store::TRAIL_RANK_CONSOLE,
        }
    }
}

/// Which events to list.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Deserialize,
    ts_rs::TS,
    utoipa::ToSchema,
    utoipa::IntoParams,
)]
#[into_params(parameter_in = Query)]
pub struct TrailQuery {
    /// Only events of this kind.
    #[serde(default)]
    pub kind: Option<TrailKind>,
    /// From this time (Unix ms, inclusive).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    /// Before this time (Unix ms, exclusive).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    /// Records and refusals of this unit's devices.
    #[serde(default)]
    pub unit: Option<String>,
    /// Records signed for this officer, console events of this account.
    #[serde(default)]
    pub actor: Option<String>,
    /// Records of this inspection.
    #[serde(default)]
    pub document: Option<String>,
    /// Only refusals (of records, connections and console requests).
    #[serde(default)]
    pub refused_only: bool,
    /// Events after this one (the `next` of the page before).
    #[serde(default)]
    pub after: Option<String>,
    /// At most this many events (default 100, at most 1000).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl TrailQuery {
    /// Refuses what the query cannot mean: a page size out of range.
    pub fn check(&self) -> Result<(), CentralError> {
        match self.limit {
            Some(l) if !(1..=MAX_TRAIL_PAGE).contains(&l) => Err(CentralError::Invalid(format!(
                "limit must be between 1 and {MAX_TRAIL_PAGE}, not {l}"
            ))),
            _ => Ok(()),
        }
    }
}

/// One event of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrailEvent {
    pub kind: TrailKind,
    /// Where it stands in the trail (for paging).
    pub cursor: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The officer a record was signed for, or the console account.
    pub actor: Option<String>,
    /// The console account's role.
    pub role: Option<String>,
    /// The signing device's unit.
    pub unit: Option<String>,
    /// The signing device's key fingerprint.
    pub signer: Option<String>,
    /// The inspection (or list) a record belongs to.
    pub document: Option<String>,
    /// `create`, `decide`, `review`, ... for records; `connection` or
    /// `record` for refusals; the console action (`login`, `revoke`, ...).
    pub operation: String,
    /// `accepted`, `refused` or `ok`.
    pub outcome: String,
    /// Why it was refused, or what the console action said.
    pub detail: String,
    /// The record's id (hex), when there is one.
    pub record: Option<String>,
    /// The address it came from.
    pub peer: Option<String>,
}

/// One page of the trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct TrailPage {
    pub events: Vec<TrailEvent>,
    /// The cursor of the page after this one (older events), if any.
    pub next: Option<String>,
}

/// A position in the trail: time, kind, and the row's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    at_ms: i64,
    rank: i64,
    n: i64,
}

impl Cursor {
    fn of(kind: TrailKind, at_ms: i64, n: i64) -> Cursor {
        Cursor {
            at_ms,
            rank: kind.rank(),
            n,
        }
    }

    fn parse(s: &str) -> Result<Cursor, CentralError> {
        let bad = || CentralError::Invalid(format!("{s:?} is not a position in the audit trail"));
        let mut parts = s.split('.');
        let mut next = || -> Result<i64, CentralError> {
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)
        };
        let c = Cursor {
            at_ms: next()?,
            rank: next()?,
            n: next()?,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(c)
    }

    fn text(self) -> String {
        format!("{}.{}.{}", self.at_ms, self.rank, self.n)
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Central {
    /// One page of the audit trail, newest first.
    pub fn trail(&self, q: &TrailQuery) -> Result<TrailPage, CentralError> {
        q.check()?;
        let limit = q.limit.unwrap_or(TRAIL_PAGE);
        let after = q.after.as_deref().map(Cursor::parse).transpose()?;
        let document = match non_empty(&q.document) {
            Some(d) => Some(
                d.parse::<kordon_model::InspectionId>()
                    .map_err(|e| CentralError::Invalid(format!("document {d:?}: {e}")))?,
            ),
            None => None,
        };
        let wants = |k: TrailKind| q.kind.is_none_or(|w| w == k);
        // One more than a page from each source tells whether more follow.
        let filter = TrailFilter {
            from_ms: q.from_ms,
            to_ms: q.to_ms,
            unit: non_empty(&q.unit),
            actor: non_empty(&q.actor),
            document: document.map(|d| *d.as_bytes()),
            refused_only: q.refused_only,
            after: after.map(|c| TrailPosition {
                at_ms: c.at_ms,
                rank: c.rank,
                n: c.n,
            }),
            limit: limit + 1,
        };
        let mut events: Vec<(Cursor, TrailEvent)> = vec![];

        if wants(TrailKind::Record) && !q.refused_only {
            for r in self.store.trail_records(&filter)? {
                let operation = SignedRecord::parse(r.bytes)
                    .ok()
                    .and_then(|r| kordon_model::change_operation(r.payload()))
                    .unwrap_or_else(|| "record".into());
                let cursor = Cursor::of(TrailKind::Record, r.received_ms, r.seq);
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Record,
                        cursor: cursor.text(),
                        at_ms: r.received_ms,
                        actor: Some(r.officer),
                        role: None,
                        unit: None,
                        signer: Some(hex::encode(&r.signer)),
                        document: <[u8; 16]>::try_from(r.doc_id.as_slice())
                            .ok()
                            .map(|d| kordon_model::InspectionId::from_bytes(d).to_string()),
                        operation,
                        outcome: "accepted".into(),
                        detail: String::new(),
                        record: Some(hex::encode(r.id)),
                        peer: None,
                    },
                ));
            }
        }

        if wants(TrailKind::Refusal) && filter.actor.is_none() && document.is_none() {
            for r in self.store.trail_refusals(&filter)? {
                let cursor = Cursor::of(TrailKind::Refusal, r.at_ms, r.n);
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Refusal,
                        cursor: cursor.text(),
                        at_ms: r.at_ms,
                        actor: None,
                        role: None,
                        unit: None,
                        signer: r.signer.as_deref().map(hex::encode),
                        document: None,
                        operation: if r.record.is_some() {
                            "record"
                        } else {
                            "connection"
                        }
                        .into(),
                        outcome: "refused".into(),
                        detail: r.reason,
                        record: r
                            .record
                            .as_deref()
                            .filter(|r| !r.is_empty())
                            .map(hex::encode),
                        peer: r.peer,
                    },
                ));
            }
        }

        if wants(TrailKind::Console) && filter.unit.is_none() && document.is_none() {
            for e in self.store.trail_console(&filter)? {
                let cursor = Cursor::of(TrailKind::Console, e.at_ms, e.n);
                let detail = match e.target {
                    Some(t) if !t.is_empty() && e.detail.is_empty() => t,
                    Some(t) if !t.is_empty() => format!("{t}: {}", e.detail),
                    _ => e.detail,
                };
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Console,
                        cursor: cursor.text(),
                        at_ms: e.at_ms,
                        actor: e.actor,
                        role: e.role,
                        unit: None,
                        signer: None,
                        document: None,
                        operation: e.action,
                        outcome: e.outcome,
                        detail,
                        record: None,
                        peer: e.peer,
                    },
                ));
            }
        }

        // Newest first across the sources; one page of them.
        events.sort_by_key(|(c, _)| std::cmp::Reverse((c.at_ms, c.rank, c.n)));
        let more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next = if more {
            events.last().map(|(c, _)| c.text())
        } else {
            None
        };
        // Units and fingerprints for the signers on the page.
        let mut units: HashMap<String, Option<String>> = HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        for (_, mut e) in events {
            if let Some(key) = e.signer.take() {
                let unit = match units.get(&key) {
                    Some(u) => u.clone(),
                    None => {
                        let u = hex::decode(&key)
                            .ok()
                            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                            .map(PublicKey)
                            .map(|k| self.store.device_unit(&k))
                            .transpose()?
                            .flatten();
                        units.insert(key.clone(), u.clone());
                        u
                    }
                };
                e.unit = unit;
                e.signer = Some(crate::fingerprint(&key));
            }
            out.push(e);
        }
        Ok(TrailPage { events: out, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_refuse_anything_else() {
        let c = Cursor {
            at_ms: 1_790_000_000_000,
            rank: 2,
            n: 17,
        };
        assert_eq!(Cursor::parse(&c.text()).expect("parse"), c);
        for bad in ["", "1.2", "1.2.3.4", "a.b.c", "1..3"] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
