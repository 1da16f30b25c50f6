//! Statistics over a period on the SQLite store (what they count is
//! `kordon_ports::stats`).
//!
//! Each inspection's countable facts ([`kordon_model::InspectionFacts`])
//! are kept incrementally, one narrow row in `inspection_stats` rewritten
//! with the index row on every change; the sums over a period are taken
//! on the fly from that table, which is clustered by day. Keeping the
//! facts per inspection (not per day) is what lets a late sync change a
//! past day's figures exactly: a vehicle that was offline for a week
//! delivers its reviews' answers into days long closed.

use crate::{Store, StoreError};
use kordon_model::{InspectionView, Outcome, Verdict};
use kordon_ports::stats::{statistics_of, FactGroup, OfficerGroup, Statistics, StatsQuery};
use rusqlite::{params, Connection};

/// Rewrites an inspection's facts (with its index row).
pub(crate) fn put_facts(
    conn: &Connection,
    v: &InspectionView,
    day: &str,
) -> Result<(), StoreError> {
    let f = v.facts();
    let doc = &v.id.as_bytes()[..];
    conn.prepare_cached("DELETE FROM inspection_stats WHERE doc_id = ?1")?
        .execute([doc])?;
    conn.prepare_cached(
        "INSERT INTO inspection_stats (day, unit, doc_id, outcome, scans, scan_to_decision_ms,
             review, reviewed_officer, returns, returns_answered, answer_ms, hotlist_hits)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        day,
        v.unit,
        doc,
        f.outcome.map(Outcome::as_str),
        f.scans,
        f.scan_to_decision_ms,
        f.review.map(Verdict::as_str),
        f.reviewed_officer,
        f.returns,
        f.returns_answered,
        f.answer_ms,
        f.hotlist_hits,
    ])?;
    Ok(())
}

/// Fills the facts of rows indexed before they were kept (the v9
/// migration), from each row's stored view.
pub(crate) fn refresh_facts(conn: &Connection) -> Result<(), StoreError> {
    let mut read = conn.prepare("SELECT day, view FROM inspections")?;
    let rows = read.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (day, view) = row?;
        if let Ok(view) = serde_json::from_str::<InspectionView>(&view) {
            put_facts(conn, &view, &day)?;
        }
    }
    Ok(())
}

impl Store {
    /// The statistics of a period (after projecting what was received).
    pub fn statistics(&self, q: &StatsQuery) -> Result<Statistics, StoreError> {
        q.days().map_err(StoreError::Invalid)?;
        let conn = self.connection();
        let mut stmt = conn.prepare_cached(
            "SELECT day, unit, outcome, review, COUNT(*), SUM(scans), SUM(returns),
                 SUM(returns_answered), SUM(answer_ms), COUNT(scan_to_decision_ms),
                 TOTAL(scan_to_decision_ms), SUM(hotlist_hits), SUM(hotlist_hits > 0)
             FROM inspection_stats
             WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR unit = ?3)
             GROUP BY day, unit, outcome, review",
        )?;
        let groups = stmt
            .query_map(params![q.from, q.to, q.unit()], |r| {
                Ok(FactGroup {
                    day: r.get(0)?,
                    unit: r.get(1)?,
                    outcome: r.get(2)?,
                    review: r.get(3)?,
                    inspections: r.get(4)?,
                    scans: r.get(5)?,
                    returns: r.get(6)?,
                    returns_answered: r.get(7)?,
                    answer_ms: r.get(8)?,
                    timed_decisions: r.get(9)?,
                    scan_to_decision_ms: r.get::<_, f64>(10)? as i64,
                    hotlist_hits: r.get(11)?,
                    inspections_with_hits: r.get(12)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut stmt = conn.prepare_cached(
            "SELECT reviewed_officer, review, COUNT(*) FROM inspection_stats
             WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR unit = ?3)
                 AND review IS NOT NULL AND reviewed_officer IS NOT NULL
             GROUP BY reviewed_officer, review",
        )?;
        let officers = stmt
            .query_map(params![q.from, q.to, q.unit()], |r| {
                Ok(OfficerGroup {
                    officer: r.get(0)?,
                    review: r.get(1)?,
                    inspections: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        statistics_of(q, &groups, &officers).map_err(StoreError::Invalid)
    }
}
