//! The derived index ([`Index`]) on PostgreSQL: its queries. The
//! projection that writes it is `projection.rs`.
//!
//! **The queue.** Pages are index scans newest first. The counts beside
//! them come from `inspection_counts` (inspections by day, outcome,
//! review state, scans and alerts) and `inspection_units`, kept by the
//! projection as rows change, so they read a few rows however many
//! inspections there are. A filter those tables cannot answer (unit,
//! officer, plate, container) counts over the inspections it selects.

use crate::Prepared;
use crate::{port, read_snapshot, refs, text, Param, PgStore};
use deadpool_postgres::Pool;
use kordon_model::{HotlistView, InspectionId, ReviewState, TrainingView};
use kordon_ports::index::{word_pattern, Condition, Except};
use kordon_ports::stats::{statistics_of, FactGroup, OfficerGroup, Statistics, StatsQuery};
use kordon_ports::{
    ConsolePage, ConsoleQuery, ConsoleRow, Index, IndexColumns, IndexRow, PortError, Query,
    QueueCounts, QueueVersion, TrainingQuery, QUEUE_PAGE_MAX,
};
use tokio_postgres::types::ToSql;

/// The columns every queue query selects, in the order [`row_of`] reads.
const ROW_COLUMNS: &str = "heads, updated_ms, view, review_state, received_ms";

fn row_of(r: &tokio_postgres::Row) -> Result<ConsoleRow, PortError> {
    let heads: String = r.try_get(0).map_err(port)?;
    let view: String = r.try_get(2).map_err(port)?;
    let state: String = r.try_get(3).map_err(port)?;
    Ok(ConsoleRow {
        row: IndexRow::from_stored(&heads, r.try_get(1).map_err(port)?, &view)?,
        review_state: state.parse().unwrap_or(ReviewState::Unreviewed),
        received_ms: r.try_get(4).map_err(port)?,
    })
}

/// A WHERE clause and its parameters.
#[derive(Default)]
struct Filter {
    sql: String,
    args: Vec<Param>,
}

impl Filter {
    fn and(&mut self, clause: &str, arg: String) {
        // As stored: a NUL asked for finds what was stored with U+FFFD.
        self.args.push(Box::new(text(&arg)));
        self.sql.push_str(&format!(
            " AND {}",
            clause.replace('?', &format!("${}", self.args.len()))
        ));
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        refs(&self.args)
    }
}

/// The filter over `inspections`.
fn over_rows(conditions: &[Condition]) -> Filter {
    let mut f = Filter {
        sql: "WHERE TRUE".into(),
        ..Default::default()
    };
    for c in conditions {
        match c {
            Condition::Unit(unit) => f.and("unit = ?", unit.clone()),
            Condition::DayFrom(day) => f.and("day >= ?", day.clone()),
            Condition::DayTo(day) => f.and("day <= ?", day.clone()),
            Condition::Undecided => f.sql.push_str(" AND outcome IS NULL"),
            Condition::Outcome(o) => f.and("outcome = ?", o.clone()),
            Condition::ReviewState(r) => f.and("review_state = ?", r.to_string()),
            // The case of A to Z aside, as SQLite's LIKE: `upper` over a
            // column in the "C" collation folds those letters only.
            Condition::Officer(o) => f.and(
                "upper(officers) LIKE upper(?::text COLLATE \"C\") ESCAPE '\\'",
                word_pattern(o),
            ),
            Condition::PlateKey(key) => f.and(
                "doc_id IN (SELECT doc_id FROM inspection_plates WHERE key = ?)",
                key.clone(),
            ),
            Condition::ContainerKey(c) => {
                f.and("strpos(containers, ' ' || ? || ' ') > 0", c.clone())
            }
            Condition::Scans(true) => f.sql.push_str(" AND scan_count > 0"),
            Condition::Scans(false) => f.sql.push_str(" AND scan_count = 0"),
            Condition::Alerts => f.sql.push_str(" AND alerts > 0"),
            Condition::OpenAlerts => f.sql.push_str(" AND alerts > 0 AND open_alerts > 0"),
        }
    }
    f
}

/// The filter over `inspection_counts`, if every condition is one of its
/// columns.
fn over_counts(conditions: &[Condition]) -> Option<Filter> {
    let mut f = Filter {
        sql: "WHERE n > 0".into(),
        ..Default::default()
    };
    for c in conditions {
        match c {
            Condition::DayFrom(day) => f.and("day >= ?", day.clone()),
            Condition::DayTo(day) => f.and("day <= ?", day.clone()),
            Condition::Undecided => f.sql.push_str(" AND outcome = 'none'"),
            Condition::Outcome(o) => f.and("outcome = ?", o.clone()),
            Condition::ReviewState(r) => f.and("review_state = ?", r.to_string()),
            Condition::Scans(true) => f.sql.push_str(" AND scans"),
            Condition::Scans(false) => f.sql.push_str(" AND NOT scans"),
            Condition::Alerts => f.sql.push_str(" AND alerts > 0"),
            Condition::OpenAlerts => f.sql.push_str(" AND alerts = 2"),
            Condition::Unit(_)
            | Condition::Officer(_)
            | Condition::PlateKey(_)
            | Condition::ContainerKey(_) => return None,
        }
    }
    Some(f)
}

/// `(group, count)` of the inspections matching `conditions`, grouped by
/// `column` (`review_state`, or the outcome with `none` for undecided).
async fn counted(
    client: &deadpool_postgres::Transaction<'_>,
    conditions: &[Condition],
    by_outcome: bool,
) -> Result<Vec<(String, u64)>, PortError> {
    let (sql, f) = match over_counts(conditions) {
        Some(f) => {
            let column = if by_outcome {
                "outcome"
            } else {
                "review_state"
            };
            (
                format!(
                    "SELECT {column}, SUM(n)::bigint FROM inspection_counts {} GROUP BY {column}",
                    f.sql
                ),
                f,
            )
        }
        None => {
            let f = over_rows(conditions);
            let column = if by_outcome {
                "COALESCE(outcome, 'none')"
            } else {
                "review_state"
            };
            (
                format!(
                    "SELECT {column}, COUNT(*) FROM inspections {} GROUP BY 1",
                    f.sql
                ),
                f,
            )
        }
    };
    let rows = client.query(&sql, &f.refs()).await.map_err(port)?;
    let mut out = vec![];
    for r in rows {
        let n: i64 = r.try_get(1).map_err(port)?;
        if n > 0 {
            out.push((r.try_get(0).map_err(port)?, n as u64));
        }
    }
    Ok(out)
}

async fn console_page(pool: Pool, q: ConsoleQuery) -> Result<ConsolePage, PortError> {
    let mut client = pool.get().await.map_err(port)?;
    // The page, its counts and the units from one snapshot: a projection
    // committing meanwhile shows in all of them or in none.
    let client = read_snapshot(&mut client).await?;
    let limit = q.page_limit();
    let offset = q.offset.unwrap_or(0);
    let f = over_rows(&q.conditions(Except::Nothing));
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM inspections {}
         ORDER BY created_ms DESC, id LIMIT {limit} OFFSET {offset}",
        f.sql
    );
    let rows = client
        .query(&sql, &f.refs())
        .await
        .map_err(port)?
        .iter()
        .map(row_of)
        .collect::<Result<Vec<_>, _>>()?;

    let mut counts = QueueCounts::default();
    for (state, n) in counted(&client, &q.conditions(Except::Review), false).await? {
        counts.review.add(&state, n);
    }
    for (outcome, n) in counted(&client, &q.conditions(Except::Outcome), true).await? {
        counts.outcome.insert(outcome, n);
    }
    let open: i64 = client
        .query_one_cached(
            "SELECT COALESCE(SUM(n), 0)::bigint FROM inspection_counts WHERE alerts = 2",
            &[],
        )
        .await?
        .try_get(0)
        .map_err(port)?;
    counts.open_alerts = open.max(0) as u64;
    let total = counts.review.matching(q.review);
    let units = client
        .query_cached(
            "SELECT unit FROM inspection_units WHERE n > 0 ORDER BY unit",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0).map_err(port))
        .collect::<Result<Vec<String>, _>>()?;
    client.commit().await.map_err(port)?;
    Ok(ConsolePage {
        rows,
        total,
        offset,
        limit,
        counts,
        units,
    })
}

pub(crate) fn bytes16(v: Vec<u8>) -> Result<[u8; 16], PortError> {
    <[u8; 16]>::try_from(v.as_slice())
        .map_err(|_| PortError::Backend("a document id is not 16 bytes".into()))
}

impl Index for PgStore {
    fn project(&mut self, now_ms: i64) -> Result<usize, PortError> {
        let actor = self.server.map(|k| k.0).unwrap_or([0; 32]);
        self.run(move |pool| crate::projection::project(pool, actor, now_ms, true))?
    }

    fn project_unless_busy(&mut self, now_ms: i64) -> Result<usize, PortError> {
        let actor = self.server.map(|k| k.0).unwrap_or([0; 32]);
        self.run(move |pool| crate::projection::project(pool, actor, now_ms, false))?
    }

    fn projection_lag(&self) -> Result<(u64, Option<i64>), PortError> {
        let rows = self.query(
            "SELECT COUNT(*), MIN(received_ms) FROM records
             WHERE seq > (SELECT upto FROM projection)",
            vec![],
        )?;
        let row = rows
            .first()
            .ok_or_else(|| PortError::Backend("no projection lag read".into()))?;
        let n: i64 = row.try_get(0).map_err(port)?;
        Ok((n.max(0) as u64, row.try_get(1).map_err(port)?))
    }

    fn console_page(&self, q: &ConsoleQuery) -> Result<ConsolePage, PortError> {
        let q = q.clone();
        self.run(move |pool| console_page(pool, q))?
    }

    fn console_row(&self, id: InspectionId) -> Result<Option<ConsoleRow>, PortError> {
        self.query_built(
            format!("SELECT {ROW_COLUMNS} FROM inspections WHERE doc_id = $1"),
            vec![Box::new(id.as_bytes().to_vec())],
        )?
        .first()
        .map(row_of)
        .transpose()
    }

    fn queue_version(&self) -> Result<QueueVersion, PortError> {
        let rows = self.query(
            "SELECT (SELECT COALESCE(MAX(updated_ms), 0) FROM inspections),
                    (SELECT COALESCE(SUM(n), 0)::bigint FROM inspection_units)",
            vec![],
        )?;
        let row = rows
            .first()
            .ok_or_else(|| PortError::Backend("no queue version read".into()))?;
        let total: i64 = row.try_get(1).map_err(port)?;
        Ok(QueueVersion {
            version: row.try_get(0).map_err(port)?,
            total: total.max(0) as u64,
        })
    }

    fn inspection_count(&self) -> Result<u64, PortError> {
        Ok(self.queue_version()?.total)
    }

    fn query(&self, q: &Query) -> Result<Vec<IndexRow>, PortError> {
        let f = over_rows(&q.conditions());
        let mut sql = format!(
            "SELECT heads, updated_ms, view FROM inspections {} ORDER BY created_ms DESC, id",
            f.sql
        );
        if let Some(limit) = q.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.query_built(sql, f.args)?
            .iter()
            .map(|r| {
                let heads: String = r.try_get(0).map_err(port)?;
                let view: String = r.try_get(2).map_err(port)?;
                IndexRow::from_stored(&heads, r.try_get(1).map_err(port)?, &view)
            })
            .collect()
    }

    fn same_vehicle(
        &self,
        id: InspectionId,
        limit: u32,
    ) -> Result<Option<Vec<ConsoleRow>>, PortError> {
        let Some(this) = self.console_row(id)? else {
            return Ok(None);
        };
        let c = IndexColumns::of(&this.row.view);
        let keys: Vec<String> = c.plate_keys.into_iter().filter(|k| !k.is_empty()).collect();
        let containers: Vec<String> = this
            .row
            .view
            .containers
            .iter()
            .map(|c| format!("% {} %", c.as_str()))
            .collect();
        if keys.is_empty() && containers.is_empty() {
            return Ok(Some(vec![]));
        }
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM inspections
             WHERE (doc_id IN (SELECT doc_id FROM inspection_plates WHERE key = ANY($1))
                    OR containers LIKE ANY($2))
               AND doc_id <> $3
             ORDER BY created_ms DESC, id LIMIT {}",
            limit.min(QUEUE_PAGE_MAX)
        );
        let rows = self.query_built(
            sql,
            vec![
                Box::new(keys),
                Box::new(containers),
                Box::new(id.as_bytes().to_vec()),
            ],
        )?;
        rows.iter().map(row_of).collect::<Result<_, _>>().map(Some)
    }

    fn inspection_with_read(&self, read_id: &str) -> Result<Option<InspectionId>, PortError> {
        let rows = self.query(
            "SELECT doc_id FROM inspection_reads WHERE read_id = $1 ORDER BY doc_id LIMIT 1",
            vec![Box::new(text(read_id))],
        )?;
        match rows.first() {
            None => Ok(None),
            Some(r) => Ok(Some(InspectionId::from_bytes(bytes16(
                r.try_get(0).map_err(port)?,
            )?))),
        }
    }

    fn hotlists(&self) -> Result<Vec<HotlistView>, PortError> {
        let rows = self.query(
            "SELECT view FROM hotlists ORDER BY name COLLATE \"C\", doc_id",
            vec![],
        )?;
        // A row that no longer reads is rewritten by the list's next
        // change; until then it is left out rather than failing all.
        Ok(views(&rows))
    }

    fn training_attempts(&self, q: &TrainingQuery) -> Result<Vec<TrainingView>, PortError> {
        let limit = i64::try_from(q.limit.max(1)).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT view FROM training
             WHERE ($1::text IS NULL OR trainee = $1) AND ($2::text IS NULL OR unit = $2)
             ORDER BY created_ms DESC, doc_id LIMIT $3",
            vec![
                Box::new(q.trainee.as_deref().map(text)),
                Box::new(q.unit.as_deref().map(text)),
                Box::new(limit),
            ],
        )?;
        Ok(views(&rows))
    }

    fn training_attempt(&self, id: &[u8; 16]) -> Result<Option<TrainingView>, PortError> {
        let rows = self.query(
            "SELECT view FROM training WHERE doc_id = $1",
            vec![Box::new(id.to_vec())],
        )?;
        Ok(views(&rows).pop())
    }

    fn blob_referenced_by_unit(
        &self,
        blob: &str,
        size: u64,
        unit: &str,
    ) -> Result<bool, PortError> {
        let rows = self.query(
            "SELECT 1 FROM scan_blobs s JOIN inspections i ON i.doc_id = s.doc_id
             WHERE s.blob = $1 AND s.size = $2 AND i.unit = $3 LIMIT 1",
            vec![
                Box::new(text(blob)),
                Box::new(i64::try_from(size).unwrap_or(i64::MAX)),
                Box::new(text(unit)),
            ],
        )?;
        Ok(!rows.is_empty())
    }

    fn docs_with_blob_prefix(&self, prefix: &str) -> Result<Vec<InspectionId>, PortError> {
        // Blob names are lower-case hex: every name with the prefix sorts
        // between it and the prefix followed by 'g' (an index range).
        let rows = self.query(
            "SELECT DISTINCT doc_id FROM scan_blobs WHERE blob >= $1 AND blob < $1 || 'g'
             ORDER BY doc_id",
            vec![Box::new(text(prefix))],
        )?;
        rows.iter()
            .map(|r| {
                Ok(InspectionId::from_bytes(bytes16(
                    r.try_get(0).map_err(port)?,
                )?))
            })
            .collect()
    }

    fn statistics(&self, q: &StatsQuery) -> Result<Statistics, PortError> {
        q.days().map_err(PortError::Backend)?;
        let unit = q.unit().map(text);
        let period = |unit: &Option<String>| -> Vec<Param> {
            vec![
                Box::new(q.from.clone()),
                Box::new(q.to.clone()),
                Box::new(unit.clone()),
            ]
        };
        let groups = self
            .query(
                "SELECT day, unit, outcome, review, COUNT(*), SUM(scans)::bigint,
                     SUM(returns)::bigint, SUM(returns_answered)::bigint, SUM(answer_ms)::bigint,
                     COUNT(scan_to_decision_ms),
                     COALESCE(SUM(scan_to_decision_ms::float8), 0), SUM(hotlist_hits)::bigint,
                     COUNT(*) FILTER (WHERE hotlist_hits > 0)
                 FROM inspection_stats
                 WHERE day >= $1 AND day <= $2 AND ($3::text IS NULL OR unit = $3)
                 GROUP BY day, unit, outcome, review",
                period(&unit),
            )?
            .iter()
            .map(|r| {
                let n = |i: usize| r.try_get::<_, i64>(i).map_err(port);
                Ok(FactGroup {
                    day: r.try_get(0).map_err(port)?,
                    unit: r.try_get(1).map_err(port)?,
                    outcome: r.try_get(2).map_err(port)?,
                    review: r.try_get(3).map_err(port)?,
                    inspections: n(4)?,
                    scans: n(5)?,
                    returns: n(6)?,
                    returns_answered: n(7)?,
                    answer_ms: n(8)?,
                    timed_decisions: n(9)?,
                    // Summed as a float and saturated, as SQLite's TOTAL.
                    scan_to_decision_ms: r.try_get::<_, f64>(10).map_err(port)? as i64,
                    hotlist_hits: n(11)?,
                    inspections_with_hits: n(12)?,
                })
            })
            .collect::<Result<Vec<_>, PortError>>()?;
        let officers = self
            .query(
                "SELECT reviewed_officer, review, COUNT(*) FROM inspection_stats
                 WHERE day >= $1 AND day <= $2 AND ($3::text IS NULL OR unit = $3)
                     AND review IS NOT NULL AND reviewed_officer IS NOT NULL
                 GROUP BY reviewed_officer, review",
                period(&unit),
            )?
            .iter()
            .map(|r| {
                Ok(OfficerGroup {
                    officer: r.try_get(0).map_err(port)?,
                    review: r.try_get(1).map_err(port)?,
                    inspections: r.try_get(2).map_err(port)?,
                })
            })
            .collect::<Result<Vec<_>, PortError>>()?;
        statistics_of(q, &groups, &officers).map_err(PortError::Backend)
    }

    fn scan_blobs_all(&self) -> Result<Vec<String>, PortError> {
        let rows = self.query("SELECT DISTINCT blob FROM scan_blobs ORDER BY blob", vec![])?;
        rows.iter().map(|r| r.try_get(0).map_err(port)).collect()
    }
}

/// The views of rows whose first column is one as JSON; a row that no
/// longer reads is left out (its document's next change rewrites it).
fn views<T: serde::de::DeserializeOwned>(rows: &[tokio_postgres::Row]) -> Vec<T> {
    rows.iter()
        .filter_map(|r| r.try_get::<_, String>(0).ok())
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect()
}
