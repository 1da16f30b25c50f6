//! The supervisors' review queue: every inspection the server holds,
//! filtered, counted and paged in SQL over the derived index.

use crate::index::{container_key, index_row};
use crate::{IndexRow, Store, StoreError};
use kordon_model::{InspectionId, Plate, ReviewState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rows a page holds unless asked otherwise, and at most.
pub const QUEUE_PAGE: u32 = 50;
pub const QUEUE_PAGE_MAX: u32 = 200;
/// The furthest a page may start (a bound, not a size: the queue pages
/// newest first, and nobody pages ten million rows back).
pub const QUEUE_OFFSET_MAX: u32 = 10_000_000;

/// A query over the queue. Absent fields do not filter.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::IntoParams,
)]
#[ts(optional_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsoleQuery {
    /// The unit that created the inspection.
    pub unit: Option<String>,
    /// First UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// Last UTC day of creation, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// Current outcome (`release`, `physical_inspection`, `detain`,
    /// `refer`), or `none` for undecided.
    pub outcome: Option<String>,
    pub review: Option<ReviewState>,
    /// An officer of the crew or of a decision, exactly.
    pub officer: Option<String>,
    /// Tractor or trailer plate in any spelling, matched by key.
    pub plate: Option<String>,
    /// Container code (separators and case ignored).
    pub container: Option<String>,
    /// True: only inspections with scans; false: only those without.
    pub scans: Option<bool>,
    /// Hotlist hits: `any` (inspections with an alert) or `open` (with an
    /// alert the crew has not answered).
    pub alerts: Option<AlertFilter>,
    #[param(minimum = 0, maximum = 10_000_000)]
    pub offset: Option<u32>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Which inspections with hotlist alerts the queue shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertFilter {
    Any,
    Open,
}

/// A queue row: the index row, where it stands with the supervisors and
/// when the server first received it.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsoleRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: IndexRow,
    pub review_state: ReviewState,
    /// When the server received the inspection's first record.
    #[ts(type = "number | null")]
    pub received_ms: Option<i64>,
}

/// Inspections per review state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ReviewCounts {
    #[ts(type = "number")]
    pub unreviewed: u64,
    #[ts(type = "number")]
    pub agreed: u64,
    #[ts(type = "number")]
    pub overruled: u64,
    #[ts(type = "number")]
    pub returned: u64,
    #[ts(type = "number")]
    pub answered: u64,
}

impl ReviewCounts {
    fn add(&mut self, state: &str, n: u64) {
        match state.parse::<ReviewState>() {
            Ok(ReviewState::Unreviewed) => self.unreviewed += n,
            Ok(ReviewState::Agreed) => self.agreed += n,
            Ok(ReviewState::Overruled) => self.overruled += n,
            Ok(ReviewState::Returned) => self.returned += n,
            Ok(ReviewState::Answered) => self.answered += n,
            Err(_) => {}
        }
    }

    pub fn get(&self, state: ReviewState) -> u64 {
        match state {
            ReviewState::Unreviewed => self.unreviewed,
            ReviewState::Agreed => self.agreed,
            ReviewState::Overruled => self.overruled,
            ReviewState::Returned => self.returned,
            ReviewState::Answered => self.answered,
        }
    }

    pub fn total(&self) -> u64 {
        ReviewState::ALL.into_iter().map(|s| self.get(s)).sum()
    }
}

/// Counts beside the filter options: each under every *other* filter.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QueueCounts {
    pub review: ReviewCounts,
    /// By current outcome; `none` counts the undecided.
    #[ts(type = "Record<string, number>")]
    pub outcome: BTreeMap<String, u64>,
    /// Inspections, fleet-wide and whatever the filters, with a hotlist
    /// alert the crew has not answered.
    #[ts(type = "number")]
    pub open_alerts: u64,
}

/// One page of the queue.
#[derive(Debug, Clone, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct ConsolePage {
    pub rows: Vec<ConsoleRow>,
    /// Inspections matching every filter.
    #[ts(type = "number")]
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub counts: QueueCounts,
    /// Every unit the server has inspections from.
    pub units: Vec<String>,
}

/// What changes whenever any inspection does: the console polls it and
/// fetches its page again only when it moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct QueueVersion {
    #[ts(type = "number")]
    pub version: i64,
    #[ts(type = "number")]
    pub total: u64,
}

/// `YYYY-MM-DD`, and a day the calendar has.
fn is_day(s: &str) -> bool {
    parse_day(s).is_some()
}

/// A UTC day written `YYYY-MM-DD`, if `s` is one that exists.
pub(crate) fn parse_day(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let number = |range: std::ops::Range<usize>| s.get(range).and_then(|p| p.parse::<u16>().ok());
    let month = time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    time::Date::from_calendar_date(
        i32::from(number(0..4)?),
        month,
        u8::try_from(number(8..10)?).ok()?,
    )
    .ok()
}

/// Which filter a WHERE clause leaves out (for the counts beside it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Except {
    Nothing,
    Review,
    Outcome,
}

/// The WHERE clause of a query, with its arguments in order.
struct Filter {
    sql: String,
    args: Vec<rusqlite::types::Value>,
}

impl Filter {
    fn and(&mut self, clause: &str, arg: impl Into<rusqlite::types::Value>) {
        self.args.push(arg.into());
        self.sql.push_str(&format!(
            " AND {}",
            clause.replace('?', &format!("?{}", self.args.len()))
        ));
    }
}

impl ConsoleQuery {
    /// Checks the query's values; a wrong one is named in the error.
    pub fn check(&self) -> Result<(), String> {
        for (name, day) in [("from", &self.from), ("to", &self.to)] {
            if let Some(d) = day.as_deref().filter(|d| !d.is_empty()) {
                if !is_day(d) {
                    return Err(format!("{name}: {d:?} is not a day (YYYY-MM-DD)"));
                }
            }
        }
        if let Some(o) = self.outcome.as_deref().filter(|o| !o.is_empty()) {
            if o != "none" && o.parse::<kordon_model::Outcome>().is_err() {
                return Err(format!(
                    "outcome: {o:?} is not release, physical_inspection, detain, refer or none"
                ));
            }
        }
        if let Some(offset) = self.offset.filter(|o| *o > QUEUE_OFFSET_MAX) {
            return Err(format!("offset: {offset} is beyond {QUEUE_OFFSET_MAX}"));
        }
        if let Some(limit) = self.limit {
            if !(1..=QUEUE_PAGE_MAX).contains(&limit) {
                return Err(format!(
                    "limit: {limit} is not between 1 and {QUEUE_PAGE_MAX}"
                ));
            }
        }
        Ok(())
    }

    fn filter(&self, except: Except) -> Filter {
        let mut f = Filter {
            sql: String::from("WHERE 1 = 1"),
            args: vec![],
        };
        if let Some(unit) = given(&self.unit) {
            f.and("unit = ?", unit.to_string());
        }
        if let Some(from) = given(&self.from) {
            f.and("day >= ?", from.to_string());
        }
        if let Some(to) = given(&self.to) {
            f.and("day <= ?", to.to_string());
        }
        if except != Except::Outcome {
            match given(&self.outcome) {
                Some("none") => f.sql.push_str(" AND outcome IS NULL"),
                Some(o) => f.and("outcome = ?", o.to_string()),
                None => {}
            }
        }
        if except != Except::Review {
            if let Some(r) = self.review {
                f.and("review_state = ?", r.as_str().to_string());
            }
        }
        if let Some(officer) = given(&self.officer) {
            f.and(
                "officers LIKE ? ESCAPE '\\'",
                format!("% {} %", like_escape(officer)),
            );
        }
        if let Some(plate) = given(&self.plate) {
            let key = Plate::key_of(plate).unwrap_or_default();
            f.and(
                "doc_id IN (SELECT doc_id FROM inspection_plates WHERE key = ?)",
                key,
            );
        }
        if let Some(c) = given(&self.container) {
            f.and(
                "containers LIKE ? ESCAPE '\\'",
                format!("% {} %", like_escape(&container_key(c))),
            );
        }
        match self.scans {
            Some(true) => f.sql.push_str(" AND scan_count > 0"),
            Some(false) => f.sql.push_str(" AND scan_count = 0"),
            None => {}
        }
        match self.alerts {
            Some(AlertFilter::Any) => f.sql.push_str(" AND alerts > 0"),
            Some(AlertFilter::Open) => f.sql.push_str(" AND alerts > 0 AND open_alerts > 0"),
            None => {}
        }
        f
    }
}

/// The columns every queue query selects, in the order [`row_of`] reads.
const ROW_COLUMNS: &str = "heads, updated_ms, view, review_state, received_ms";

/// A queue row from a result row of [`ROW_COLUMNS`].
fn row_of(r: &rusqlite::Row<'_>) -> Result<ConsoleRow, StoreError> {
    Ok(ConsoleRow {
        row: index_row(&r.get::<_, String>(0)?, r.get(1)?, &r.get::<_, String>(2)?)?,
        review_state: r
            .get::<_, String>(3)?
            .parse()
            .unwrap_or(ReviewState::Unreviewed),
        received_ms: r.get(4)?,
    })
}

/// A filter's value, unless absent or blank.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Store {
    /// One page of the supervisors' queue, newest first, with the counts
    /// per review state and per outcome under the other filters.
    pub fn console_page(&self, q: &ConsoleQuery) -> Result<ConsolePage, StoreError> {
        let limit = q.limit.unwrap_or(QUEUE_PAGE).clamp(1, QUEUE_PAGE_MAX);
        let offset = q.offset.unwrap_or(0);
        let conn = self.connection();

        let f = q.filter(Except::Nothing);
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM inspections {}
             ORDER BY created_ms DESC, id LIMIT {limit} OFFSET {offset}",
            f.sql
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = vec![];
        let mut found = stmt.query(rusqlite::params_from_iter(f.args.iter()))?;
        while let Some(r) = found.next()? {
            rows.push(row_of(r)?);
        }

        let mut counts = QueueCounts::default();
        let f = q.filter(Except::Review);
        let mut stmt = conn.prepare(&format!(
            "SELECT review_state, COUNT(*) FROM inspections {} GROUP BY review_state",
            f.sql
        ))?;
        let mut found = stmt.query(rusqlite::params_from_iter(f.args.iter()))?;
        while let Some(r) = found.next()? {
            counts
                .review
                .add(&r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64);
        }
        let f = q.filter(Except::Outcome);
        let mut stmt = conn.prepare(&format!(
            "SELECT COALESCE(outcome, 'none'), COUNT(*) FROM inspections {} GROUP BY outcome",
            f.sql
        ))?;
        let mut found = stmt.query(rusqlite::params_from_iter(f.args.iter()))?;
        while let Some(r) = found.next()? {
            counts.outcome.insert(r.get(0)?, r.get::<_, i64>(1)? as u64);
        }
        counts.open_alerts = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM inspections WHERE alerts > 0 AND open_alerts > 0",
            )?
            .query_row([], |r| r.get::<_, i64>(0))? as u64;
        let total = match q.review {
            Some(state) => counts.review.get(state),
            None => counts.review.total(),
        };

        let mut units = vec![];
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT unit FROM inspections ORDER BY unit")?;
        let mut found = stmt.query([])?;
        while let Some(r) = found.next()? {
            units.push(r.get(0)?);
        }
        Ok(ConsolePage {
            rows,
            total,
            offset,
            limit,
            counts,
            units,
        })
    }

    /// One inspection's queue row.
    pub fn console_row(&self, id: InspectionId) -> Result<Option<ConsoleRow>, StoreError> {
        let mut stmt = self.connection().prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM inspections WHERE doc_id = ?1"
        ))?;
        let mut found = stmt.query([&id.as_bytes()[..]])?;
        match found.next()? {
            None => Ok(None),
            Some(r) => Ok(Some(row_of(r)?)),
        }
    }

    /// Earlier inspections of the same vehicle, fleet-wide: any that share
    /// a plate (by match key: plates and reads) or a container code,
    /// newest first, without `id` itself.
    pub fn same_vehicle(
        &self,
        id: InspectionId,
        limit: u32,
    ) -> Result<Vec<ConsoleRow>, StoreError> {
        let Some(this) = self.console_row(id)? else {
            return Err(StoreError::NotFound(id.to_string()));
        };
        let v = &this.row.view;
        let mut clauses = vec![];
        let mut args: Vec<rusqlite::types::Value> = vec![];
        // Its plates and its reads', by match key.
        for key in crate::index::plate_keys(v)
            .into_iter()
            .filter(|k| !k.is_empty())
        {
            args.push(key.into());
            clauses.push(format!(
                "doc_id IN (SELECT doc_id FROM inspection_plates WHERE key = ?{})",
                args.len()
            ));
        }
        for c in &v.containers {
            args.push(format!("% {} %", c.as_str()).into());
            clauses.push(format!("containers LIKE ?{}", args.len()));
        }
        if clauses.is_empty() {
            return Ok(vec![]);
        }
        args.push(id.as_bytes().to_vec().into());
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM inspections
             WHERE ({}) AND doc_id <> ?{} ORDER BY created_ms DESC, id LIMIT {}",
            clauses.join(" OR "),
            args.len(),
            limit.min(QUEUE_PAGE_MAX)
        );
        let mut stmt = self.connection().prepare(&sql)?;
        let mut found = stmt.query(rusqlite::params_from_iter(args.iter()))?;
        let mut out = vec![];
        while let Some(r) = found.next()? {
            out.push(row_of(r)?);
        }
        Ok(out)
    }

    /// Moves whenever an inspection is indexed anew.
    pub fn queue_version(&self) -> Result<QueueVersion, StoreError> {
        let (version, total) = self.connection().query_row(
            "SELECT COALESCE(MAX(updated_ms), 0), COUNT(*) FROM inspections",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )?;
        Ok(QueueVersion {
            version,
            total: total as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_limits_are_checked() {
        assert!(is_day("2026-12-03"));
        assert!(!is_day("2026-1-03"));
        assert!(!is_day("2026-12-0x"));
        assert!(!is_day("2026-02-30"), "no such day");
        assert!(!is_day("2026-13-01"), "no such month");
        let bad = ConsoleQuery {
            from: Some("yesterday".into()),
            ..Default::default()
        };
        assert!(bad.check().expect_err("bad day").starts_with("from:"));
        let bad = ConsoleQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let bad = ConsoleQuery {
            outcome: Some("maybe".into()),
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("A_1%\\"), "A\\_1\\%\\\\");
    }
}
