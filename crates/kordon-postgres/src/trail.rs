//! The audit trail's sources ([`Trail`]) on PostgreSQL: records accepted,
//! refusals, and console actions, each newest first from a position on,
//! as the SQLite store reads them.

use crate::accounts::{audit_entry, AUDIT_COLUMNS};
use crate::{port, text, Param, PgStore};
use kordon_ports::trail::{
    Trail, TrailCondition, TrailFilter, TrailRecord, TrailRefusal, TrailSource,
};
use kordon_ports::{AuditEntry, PortError};

/// Adds a parameter; returns its placeholder.
fn arg(args: &mut Vec<Param>, v: Param) -> String {
    args.push(v);
    format!("${}", args.len())
}

/// One source's query: its rows matching the filter, newest first.
/// `time` and `n` name its time and row-number columns, `actor` the
/// column its actor filter reads.
fn source(
    select: &str,
    (time, n, actor): (&str, &str, &str),
    source: TrailSource,
    f: &TrailFilter<'_>,
) -> (String, Vec<Param>) {
    let mut sql = format!("{select} WHERE TRUE");
    let mut args: Vec<Param> = vec![];
    for c in f.conditions(source) {
        let clause = match c {
            TrailCondition::TimeBelow(at) => format!("{time} < {}", arg(&mut args, Box::new(at))),
            TrailCondition::TimeAtMost(at) => {
                format!("{time} <= {}", arg(&mut args, Box::new(at)))
            }
            TrailCondition::TimeFrom(at) => format!("{time} >= {}", arg(&mut args, Box::new(at))),
            TrailCondition::RowBelow { at_ms, n: below } => {
                let (at, below) = (
                    arg(&mut args, Box::new(at_ms)),
                    arg(&mut args, Box::new(below)),
                );
                // The first term alone lets the index bound the scan.
                format!("{time} <= {at} AND ({time} < {at} OR ({time} = {at} AND {n} < {below}))")
            }
            TrailCondition::Unit(unit) => format!(
                "signer IN (SELECT key FROM devices WHERE unit = {})",
                arg(&mut args, Box::new(text(&unit)))
            ),
            TrailCondition::Actor(a) => {
                format!("{actor} = {}", arg(&mut args, Box::new(text(&a))))
            }
            TrailCondition::Document(doc) => {
                format!("doc_id = {}", arg(&mut args, Box::new(doc.to_vec())))
            }
            TrailCondition::Refused => "outcome = 'refused'".to_string(),
        };
        sql.push_str(" AND ");
        sql.push_str(&clause);
    }
    sql.push_str(&format!(
        " ORDER BY {time} DESC, {n} DESC LIMIT {}",
        f.limit
    ));
    (sql, args)
}

impl Trail for PgStore {
    fn trail_records(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRecord>, PortError> {
        let (sql, args) = source(
            "SELECT seq, received_ms, signer, officer, doc_id, id, bytes FROM records",
            ("received_ms", "seq", "officer"),
            TrailSource::Records,
            f,
        );
        self.query_built(sql, args)?
            .iter()
            .map(|r| {
                Ok(TrailRecord {
                    seq: r.try_get(0)?,
                    received_ms: r.try_get(1)?,
                    signer: r.try_get(2)?,
                    officer: r.try_get(3)?,
                    doc_id: r.try_get(4)?,
                    id: r.try_get(5)?,
                    bytes: r.try_get(6)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(port)
    }

    fn trail_refusals(&self, f: &TrailFilter<'_>) -> Result<Vec<TrailRefusal>, PortError> {
        let (sql, args) = source(
            "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections",
            ("at_ms", "n", "signer"),
            TrailSource::Refusals,
            f,
        );
        self.query_built(sql, args)?
            .iter()
            .map(|r| {
                Ok(TrailRefusal {
                    n: r.try_get(0)?,
                    at_ms: r.try_get(1)?,
                    record: r.try_get(2)?,
                    signer: r.try_get(3)?,
                    peer: r.try_get(4)?,
                    reason: r.try_get(5)?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(port)
    }

    fn trail_console(&self, f: &TrailFilter<'_>) -> Result<Vec<AuditEntry>, PortError> {
        let (sql, args) = source(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit"),
            ("at_ms", "n", "actor"),
            TrailSource::Console,
            f,
        );
        self.query_built(sql, args)?
            .iter()
            .map(audit_entry)
            .collect::<Result<_, _>>()
            .map_err(port)
    }
}
