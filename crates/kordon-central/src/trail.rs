//! The audit trail as auditors read it: every record accepted (who signed
//! it, for which unit and officer, which inspection, which operation,
//! when it came), every refusal (of a record or of a connection, and why),
//! and every login and console action, in one newest-first list with
//! filters and stable paging. Read-only: nothing here changes the tables
//! it reads, and no route writes to them but the operations themselves.

use crate::{Central, CentralError};
use kordon_record::{PublicKey, SignedRecord};
use rusqlite::{params_from_iter, types::Value};
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
            TrailKind::Record => 0,
            TrailKind::Refusal => 1,
            TrailKind::Console => 2,
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

/// The SQL of one source: its rows older than the cursor, filtered,
/// newest first. `time` and `n` name its time and row-number columns.
struct Source {
    sql: String,
    args: Vec<Value>,
}

impl Source {
    fn new(
        select: &str,
        time: &str,
        n: &str,
        rank: i64,
        q: &TrailQuery,
        after: Option<Cursor>,
    ) -> Source {
        let mut sql = format!("{select} WHERE 1=1");
        let mut args = vec![];
        if let Some(c) = after {
            // Strictly after the cursor in (time DESC, rank DESC, n DESC).
            // The first term alone lets the index bound the scan.
            sql.push_str(&format!(
                " AND {time} <= ? AND ({time} < ? OR ({time} = ? AND (? < ? OR (? = ? AND {n} < ?))))"
            ));
            args.extend([
                Value::from(c.at_ms),
                Value::from(c.at_ms),
                Value::from(c.at_ms),
                Value::from(rank),
                Value::from(c.rank),
                Value::from(rank),
                Value::from(c.rank),
                Value::from(c.n),
            ]);
        }
        if let Some(from) = q.from_ms {
            sql.push_str(&format!(" AND {time} >= ?"));
            args.push(Value::from(from));
        }
        if let Some(to) = q.to_ms {
            sql.push_str(&format!(" AND {time} < ?"));
            args.push(Value::from(to));
        }
        Source { sql, args }
    }

    fn and(&mut self, clause: &str, arg: Value) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
        self.args.push(arg);
    }

    fn finish(mut self, time: &str, n: &str, limit: u32) -> Source {
        self.sql
            .push_str(&format!(" ORDER BY {time} DESC, {n} DESC LIMIT {limit}"));
        self
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
        let conn = self.store.connection();
        // One more than a page from each source tells whether more follow.
        let take = limit + 1;
        let mut events: Vec<(Cursor, TrailEvent)> = vec![];

        let unit_clause = "signer IN (SELECT key FROM devices WHERE unit = ?)";
        if wants(TrailKind::Record) && !q.refused_only {
            let mut s = Source::new(
                "SELECT seq, received_ms, signer, officer, doc_id, id, bytes FROM records",
                "received_ms",
                "seq",
                TrailKind::Record.rank(),
                q,
                after,
            );
            if let Some(unit) = non_empty(&q.unit) {
                s.and(unit_clause, Value::from(unit.to_string()));
            }
            if let Some(actor) = non_empty(&q.actor) {
                s.and("officer = ?", Value::from(actor.to_string()));
            }
            if let Some(doc) = document {
                s.and("doc_id = ?", Value::from(doc.as_bytes().to_vec()));
            }
            let s = s.finish("received_ms", "seq", take);
            let mut stmt = conn.prepare(&s.sql)?;
            let rows = stmt.query_map(params_from_iter(s.args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            })?;
            for row in rows {
                let (seq, at, signer, officer, doc, id, bytes) = row?;
                let operation = SignedRecord::parse(bytes)
                    .ok()
                    .and_then(|r| kordon_model::change_operation(r.payload()))
                    .unwrap_or_else(|| "record".into());
                let cursor = Cursor::of(TrailKind::Record, at, seq);
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Record,
                        cursor: cursor.text(),
                        at_ms: at,
                        actor: Some(officer),
                        role: None,
                        unit: None,
                        signer: Some(hex::encode(&signer)),
                        document: <[u8; 16]>::try_from(doc.as_slice())
                            .ok()
                            .map(|d| kordon_model::InspectionId::from_bytes(d).to_string()),
                        operation,
                        outcome: "accepted".into(),
                        detail: String::new(),
                        record: Some(hex::encode(id)),
                        peer: None,
                    },
                ));
            }
        }

        if wants(TrailKind::Refusal) && non_empty(&q.actor).is_none() && document.is_none() {
            let mut s = Source::new(
                "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections",
                "at_ms",
                "n",
                TrailKind::Refusal.rank(),
                q,
                after,
            );
            if let Some(unit) = non_empty(&q.unit) {
                s.and(unit_clause, Value::from(unit.to_string()));
            }
            let s = s.finish("at_ms", "n", take);
            let mut stmt = conn.prepare(&s.sql)?;
            let rows = stmt.query_map(params_from_iter(s.args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            for row in rows {
                let (n, at, record, signer, peer, reason) = row?;
                let cursor = Cursor::of(TrailKind::Refusal, at, n);
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Refusal,
                        cursor: cursor.text(),
                        at_ms: at,
                        actor: None,
                        role: None,
                        unit: None,
                        signer: signer.as_deref().map(hex::encode),
                        document: None,
                        operation: if record.is_some() {
                            "record"
                        } else {
                            "connection"
                        }
                        .into(),
                        outcome: "refused".into(),
                        detail: reason,
                        record: record.as_deref().filter(|r| !r.is_empty()).map(hex::encode),
                        peer,
                    },
                ));
            }
        }

        if wants(TrailKind::Console) && non_empty(&q.unit).is_none() && document.is_none() {
            let mut s = Source::new(
                "SELECT n, at_ms, actor, role, action, target, outcome, detail, peer FROM audit",
                "at_ms",
                "n",
                TrailKind::Console.rank(),
                q,
                after,
            );
            if let Some(actor) = non_empty(&q.actor) {
                s.and("actor = ?", Value::from(actor.to_string()));
            }
            if q.refused_only {
                s.and("outcome = ?", Value::from("refused".to_string()));
            }
            let s = s.finish("at_ms", "n", take);
            let mut stmt = conn.prepare(&s.sql)?;
            let rows = stmt.query_map(params_from_iter(s.args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            })?;
            for row in rows {
                let (n, at, actor, role, action, target, outcome, detail, peer) = row?;
                let cursor = Cursor::of(TrailKind::Console, at, n);
                let detail = match target {
                    Some(t) if !t.is_empty() && detail.is_empty() => t,
                    Some(t) if !t.is_empty() => format!("{t}: {detail}"),
                    _ => detail,
                };
                events.push((
                    cursor,
                    TrailEvent {
                        kind: TrailKind::Console,
                        cursor: cursor.text(),
                        at_ms: at,
                        actor,
                        role,
                        unit: None,
                        signer: None,
                        document: None,
                        operation: action,
                        outcome,
                        detail,
                        record: None,
                        peer,
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
                            .map(|k| crate::register::unit_of(conn, &k))
                            .transpose()?
                            .flatten();
                        units.insert(key.clone(), u.clone());
                        u
                    }
                };
                e.unit = unit;
                e.signer = Some(crate::register::fingerprint(&key));
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
