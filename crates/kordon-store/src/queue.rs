//! The supervisors' review queue: every inspection the server holds,
//! filtered, counted and paged in SQL over the derived index.

use crate::index::index_row;
use crate::{Store, StoreError};
use kordon_model::{InspectionId, ReviewState};
use kordon_ports::index::{word_pattern, Condition, Except};
use kordon_ports::{
    ConsolePage, ConsoleQuery, ConsoleRow, QueueCounts, QueueVersion, QUEUE_PAGE_MAX,
};

/// The WHERE clause of a query, with its arguments in order.
pub(crate) struct Filter {
    pub(crate) sql: String,
    pub(crate) args: Vec<rusqlite::types::Value>,
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

/// The WHERE clause of a query's filters but `except`.
fn filter(q: &ConsoleQuery, except: Except) -> Filter {
    filter_of(q.conditions(except))
}

/// The WHERE clause of filters over `inspections`.
pub(crate) fn filter_of(conditions: Vec<Condition>) -> Filter {
    let mut f = Filter {
        sql: String::from("WHERE 1 = 1"),
        args: vec![],
    };
    for c in conditions {
        match c {
            Condition::Unit(unit) => f.and("unit = ?", unit),
            Condition::DayFrom(day) => f.and("day >= ?", day),
            Condition::DayTo(day) => f.and("day <= ?", day),
            Condition::Undecided => f.sql.push_str(" AND outcome IS NULL"),
            Condition::Outcome(o) => f.and("outcome = ?", o),
            Condition::ReviewState(r) => f.and("review_state = ?", r.to_string()),
            // LIKE: the case of A to Z aside, as the port says.
            Condition::Officer(officer) => {
                f.and("officers LIKE ? ESCAPE '\\'", word_pattern(&officer))
            }
            Condition::PlateKey(key) => f.and(
                "doc_id IN (SELECT doc_id FROM inspection_plates WHERE key = ?)",
                key,
            ),
            Condition::ContainerKey(c) => f.and("containers LIKE ? ESCAPE '\\'", word_pattern(&c)),
            Condition::Scans(true) => f.sql.push_str(" AND scan_count > 0"),
            Condition::Scans(false) => f.sql.push_str(" AND scan_count = 0"),
            Condition::Alerts => f.sql.push_str(" AND alerts > 0"),
            Condition::OpenAlerts => f.sql.push_str(" AND alerts > 0 AND open_alerts > 0"),
        }
    }
    f
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

impl Store {
    /// One page of the supervisors' queue, newest first, with the counts
    /// per review state and per outcome under the other filters.
    pub fn console_page(&self, q: &ConsoleQuery) -> Result<ConsolePage, StoreError> {
        let limit = q.page_limit();
        let offset = q.offset.unwrap_or(0);
        let conn = self.connection();

        let f = filter(q, Except::Nothing);
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
        let f = filter(q, Except::Review);
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
        let f = filter(q, Except::Outcome);
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
        let total = counts.review.matching(q.review);

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
        for key in kordon_ports::index::plate_keys(v)
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
