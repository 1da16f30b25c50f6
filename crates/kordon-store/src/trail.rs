//! The three sources of the server's audit trail, each read newest first
//! from a position on: records accepted, refusals (of records and of
//! connections), and console actions. `kordon-central` merges them into
//! one list; this module only finds rows.

use crate::{Store, StoreError};
use rusqlite::{params_from_iter, types::Value};

/// Where each source stands among events of the same millisecond.
pub const TRAIL_RANK_RECORD: i64 = 0;
pub const TRAIL_RANK_REFUSAL: i64 = 1;
pub const TRAIL_RANK_CONSOLE: i64 = 2;

/// A position in the trail: time, source rank, and the row's number.
/// Rows after it are those below it in (time, rank, number), descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailPosition {
    pub at_ms: i64,
    pub rank: i64,
    pub n: i64,
}

/// What the rows of a source must match (each filter a source cannot
/// apply is the caller's to decide: it leaves that source out).
#[derive(Debug, Clone, Default)]
pub struct TrailFilter<'a> {
    /// From this time (inclusive).
    pub from_ms: Option<i64>,
    /// Before this time (exclusive).
    pub to_ms: Option<i64>,
    /// Records and refusals signed by this unit's devices.
    pub unit: Option<&'a str>,
    /// Records signed for this officer; console events of this account.
    pub actor: Option<&'a str>,
    /// Records of this document.
    pub document: Option<[u8; 16]>,
    /// Console events refused only.
    pub refused_only: bool,
    /// Rows after this position.
    pub after: Option<TrailPosition>,
    /// At most this many rows.
    pub limit: u32,
}

/// An accepted record, as the trail lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRecord {
    pub seq: i64,
    pub received_ms: i64,
    pub signer: Vec<u8>,
    pub officer: String,
    pub doc_id: Vec<u8>,
    pub id: Vec<u8>,
    pub bytes: Vec<u8>,
}

/// A refusal, of a record (with its id) or of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRefusal {
    pub n: i64,
    pub at_ms: i64,
    pub record: Option<Vec<u8>>,
    pub signer: Option<Vec<u8>>,
    pub peer: Option<String>,
    pub reason: String,
}

/// The SQL of one source: its rows after the position, filtered, newest
/// first. `time` and `n` name its time and row-number columns.
struct Source {
    sql: String,
    args: Vec<Value>,
}

impl Source {
    fn new(select: &str, time: &str, n: &str, rank: i64, f: &TrailFilter<'_>) -> Source {
        let mut sql = format!("{select} WHERE 1=1");
        let mut args = vec![];
        if let Some(c) = f.after {
            // Strictly after the position in (time DESC, rank DESC, n DESC).
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
        if let Some(from) = f.from_ms {
            sql.push_str(&format!(" AND {time} >= ?"));
            args.push(Value::from(from));
        }
        if let Some(to) = f.to_ms {
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

const UNIT_CLAUSE: &str = "signer IN (SELECT key FROM devices WHERE unit = ?)";

impl Store {
    /// Accepted records, newest first (by the time received).
    pub fn trail_records(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRecord>, StoreError> {
        let mut s = Source::new(
            "SELECT seq, received_ms, signer, officer, doc_id, id, bytes FROM records",
            "received_ms",
            "seq",
            TRAIL_RANK_RECORD,
            f,
        );
        if let Some(unit) = f.unit {
            s.and(UNIT_CLAUSE, Value::from(unit.to_string()));
        }
        if let Some(actor) = f.actor {
            s.and("officer = ?", Value::from(actor.to_string()));
        }
        if let Some(doc) = f.document {
            s.and("doc_id = ?", Value::from(doc.to_vec()));
        }
        let s = s.finish("received_ms", "seq", f.limit);
        let mut stmt = self.connection().prepare(&s.sql)?;
        let rows = stmt.query_map(params_from_iter(s.args), |r| {
            Ok(TrailRecord {
                seq: r.get(0)?,
                received_ms: r.get(1)?,
                signer: r.get(2)?,
                officer: r.get(3)?,
                doc_id: r.get(4)?,
                id: r.get(5)?,
                bytes: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Refusals of records and connections, newest first.
    pub fn trail_refusals(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRefusal>, StoreError> {
        let mut s = Source::new(
            "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections",
            "at_ms",
            "n",
            TRAIL_RANK_REFUSAL,
            f,
        );
        if let Some(unit) = f.unit {
            s.and(UNIT_CLAUSE, Value::from(unit.to_string()));
        }
        let s = s.finish("at_ms", "n", f.limit);
        let mut stmt = self.connection().prepare(&s.sql)?;
        let rows = stmt.query_map(params_from_iter(s.args), |r| {
            Ok(TrailRefusal {
                n: r.get(0)?,
                at_ms: r.get(1)?,
                record: r.get(2)?,
                signer: r.get(3)?,
                peer: r.get(4)?,
                reason: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Console actions, newest first.
    pub fn trail_console(&self, f: &TrailFilter<'_>) -> Result<Vec<crate::AuditEntry>, StoreError> {
        let mut s = Source::new(
            "SELECT n, at_ms, actor, role, action, target, outcome, detail, peer FROM audit",
            "at_ms",
            "n",
            TRAIL_RANK_CONSOLE,
            f,
        );
        if let Some(actor) = f.actor {
            s.and("actor = ?", Value::from(actor.to_string()));
        }
        if f.refused_only {
            s.and("outcome = ?", Value::from("refused".to_string()));
        }
        let s = s.finish("at_ms", "n", f.limit);
        let mut stmt = self.connection().prepare(&s.sql)?;
        let rows = stmt.query_map(params_from_iter(s.args), crate::accounts::audit_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
