//! The three sources of the server's audit trail on the SQLite store
//! (the port is `kordon_ports::trail`): records accepted, refusals, and
//! console actions, each read newest first from a position on.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_ports::trail::{
    Trail, TrailCondition, TrailFilter, TrailRecord, TrailRefusal, TrailSource,
};
use kordon_ports::{AuditEntry, PortError};
use rusqlite::{params_from_iter, types::Value};

/// The SQL of one source: its rows matching the filter, newest first.
/// `time` and `n` name its time and row-number columns, `actor` the
/// column its actor filter reads.
fn source(
    select: &str,
    (time, n, actor): (&str, &str, &str),
    source: TrailSource,
    f: &TrailFilter<'_>,
) -> (String, Vec<Value>) {
    let mut sql = format!("{select} WHERE 1=1");
    let mut args: Vec<Value> = vec![];
    for c in f.conditions(source) {
        let (clause, arg): (String, Value) = match c {
            TrailCondition::TimeBelow(at) => (format!("{time} < ?"), at.into()),
            TrailCondition::TimeAtMost(at) => (format!("{time} <= ?"), at.into()),
            TrailCondition::TimeFrom(at) => (format!("{time} >= ?"), at.into()),
            TrailCondition::RowBelow { at_ms, n: below } => {
                // The first term alone lets the index bound the scan.
                args.extend([at_ms.into(), at_ms.into(), at_ms.into()]);
                (
                    format!("{time} <= ? AND ({time} < ? OR ({time} = ? AND {n} < ?))"),
                    below.into(),
                )
            }
            TrailCondition::Unit(unit) => (UNIT_CLAUSE.into(), unit.into()),
            TrailCondition::Actor(a) => (format!("{actor} = ?"), a.into()),
            TrailCondition::Document(doc) => ("doc_id = ?".into(), doc.to_vec().into()),
            TrailCondition::Refused => ("outcome = ?".into(), "refused".to_string().into()),
        };
        sql.push_str(" AND ");
        sql.push_str(&clause);
        args.push(arg);
    }
    sql.push_str(&format!(
        " ORDER BY {time} DESC, {n} DESC LIMIT {}",
        f.limit
    ));
    (sql, args)
}

const UNIT_CLAUSE: &str = "signer IN (SELECT key FROM devices WHERE unit = ?)";

impl Store {
    /// Accepted records, newest first (by the time received).
    pub fn trail_records(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRecord>, StoreError> {
        let (sql, args) = source(
            "SELECT seq, received_ms, signer, officer, doc_id, id, bytes FROM records",
            ("received_ms", "seq", "officer"),
            TrailSource::Records,
            f,
        );
        let mut stmt = self.connection().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
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
        let (sql, args) = source(
            "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections",
            ("at_ms", "n", "signer"),
            TrailSource::Refusals,
            f,
        );
        let mut stmt = self.connection().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
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
    pub fn trail_console(&self, f: &TrailFilter<'_>) -> Result<Vec<AuditEntry>, StoreError> {
        let (sql, args) = source(
            "SELECT n, at_ms, actor, role, action, target, outcome, detail, peer FROM audit",
            ("at_ms", "n", "actor"),
            TrailSource::Console,
            f,
        );
        let mut stmt = self.connection().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), crate::accounts::audit_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Trail for Store {
    fn trail_records(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRecord>, PortError> {
        Store::trail_records(self, f).map_err(port)
    }

    fn trail_refusals(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRefusal>, PortError> {
        Store::trail_refusals(self, f).map_err(port)
    }

    fn trail_console(&self, f: &TrailFilter<'_>) -> Result<Vec<AuditEntry>, PortError> {
        Store::trail_console(self, f).map_err(port)
    }
}
