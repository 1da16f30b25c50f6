//! The derived index: one row per inspection, rebuilt from the document's
//! view on every change, for queries that load no document.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_model::HotlistView;
use kordon_model::{InspectionId, InspectionView, TrainingView};
use kordon_ports::index::plate_keys;
use kordon_ports::stats::{Statistics, StatsQuery};
use kordon_ports::{
    ConsolePage, ConsoleQuery, ConsoleRow, IndexColumns, IndexRow, PortError, Query, QueueVersion,
    TrainingQuery,
};
use rusqlite::{params, Connection, OptionalExtension};

/// Fills the console columns of rows indexed before they existed (the v4
/// migration), from each row's stored view.
pub(crate) fn refresh_console_columns(conn: &Connection) -> Result<(), StoreError> {
    let mut read = conn.prepare("SELECT doc_id, view FROM inspections")?;
    let rows = read.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut write = conn.prepare(
        "UPDATE inspections SET review_state = ?2, officers = ?3, scan_count = ?4,
             received_ms = (SELECT received_ms FROM records WHERE doc_id = ?1 ORDER BY seq LIMIT 1)
         WHERE doc_id = ?1",
    )?;
    for row in rows {
        let (doc, view) = row?;
        // A row whose view no longer parses keeps the defaults; the next
        // change to its document rewrites it.
        if let Ok(view) = serde_json::from_str::<InspectionView>(&view) {
            let c = IndexColumns::of(&view);
            write.execute(params![doc, c.review_state, c.officers, c.scan_count])?;
        }
    }
    Ok(())
}

pub(crate) fn upsert(
    conn: &Connection,
    v: &InspectionView,
    heads: &[String],
    now_ms: i64,
) -> Result<(), StoreError> {
    let view_json = serde_json::to_string(v)
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    let received_ms: Option<i64> = conn
        .prepare_cached("SELECT received_ms FROM records WHERE doc_id = ?1 ORDER BY seq LIMIT 1")?
        .query_row([&v.id.as_bytes()[..]], |r| r.get(0))
        .optional()?;
    let c = IndexColumns::of(v);
    conn.prepare_cached(
        "INSERT INTO inspections (doc_id, id, created_ms, day, unit, tractor, tractor_key, trailer, trailer_key,
             containers, outcome, decisions, reviews, updated_ms, heads, view,
             review_state, officers, scan_count, received_ms, alerts, open_alerts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, ?19, ?20, ?21, ?22)
         ON CONFLICT (doc_id) DO UPDATE SET
             created_ms = excluded.created_ms, day = excluded.day, unit = excluded.unit,
             tractor = excluded.tractor, tractor_key = excluded.tractor_key,
             trailer = excluded.trailer, trailer_key = excluded.trailer_key,
             containers = excluded.containers, outcome = excluded.outcome,
             decisions = excluded.decisions, reviews = excluded.reviews,
             updated_ms = excluded.updated_ms, heads = excluded.heads, view = excluded.view,
             review_state = excluded.review_state, officers = excluded.officers,
             scan_count = excluded.scan_count, received_ms = excluded.received_ms,
             alerts = excluded.alerts, open_alerts = excluded.open_alerts",
    )?
    .execute(params![
        &v.id.as_bytes()[..],
        v.id.to_string(),
        v.created_ms,
        c.day,
        v.unit,
        v.tractor_plate.as_ref().map(|p| &p.canonical),
        v.tractor_plate.as_ref().map(|p| &p.key),
        v.trailer_plate.as_ref().map(|p| &p.canonical),
        v.trailer_plate.as_ref().map(|p| &p.key),
        c.containers,
        c.outcome,
        c.decisions,
        c.reviews,
        now_ms,
        heads.join(","),
        view_json,
        c.review_state,
        c.officers,
        c.scan_count,
        received_ms,
        c.alerts,
        c.open_alerts,
    ])?;
    let doc = &v.id.as_bytes()[..];
    put_plate_keys(conn, v, &c.plate_keys)?;
    crate::stats::put_facts(conn, v, &c.day)?;
    conn.prepare_cached("DELETE FROM scan_blobs WHERE doc_id = ?1")?
        .execute([doc])?;
    let mut put = conn.prepare_cached(
        "INSERT OR IGNORE INTO scan_blobs (doc_id, blob, size, added_ms) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (blob, size, added_ms) in &c.blobs {
        put.execute(params![doc, blob, *size as i64, added_ms])?;
    }
    Ok(())
}

fn put_plate_keys(
    conn: &Connection,
    v: &InspectionView,
    keys: &[String],
) -> Result<(), StoreError> {
    let doc = &v.id.as_bytes()[..];
    conn.prepare_cached("DELETE FROM inspection_plates WHERE doc_id = ?1")?
        .execute([doc])?;
    let mut put = conn
        .prepare_cached("INSERT OR IGNORE INTO inspection_plates (key, doc_id) VALUES (?1, ?2)")?;
    for key in keys {
        put.execute(params![key, doc])?;
    }
    Ok(())
}

/// Fills the plate keys and alert counts of rows indexed before they
/// existed (the v5 migration), from each row's stored view.
pub(crate) fn refresh_plate_keys(conn: &Connection) -> Result<(), StoreError> {
    let mut read = conn.prepare("SELECT view FROM inspections")?;
    let rows = read.query_map([], |r| r.get::<_, String>(0))?;
    let mut counts =
        conn.prepare("UPDATE inspections SET alerts = ?2, open_alerts = ?3 WHERE doc_id = ?1")?;
    for row in rows {
        if let Ok(view) = serde_json::from_str::<InspectionView>(&row?) {
            put_plate_keys(conn, &view, &plate_keys(&view))?;
            counts.execute(params![
                &view.id.as_bytes()[..],
                view.alerts.len() as i64,
                view.alerts.iter().filter(|a| a.response.is_none()).count() as i64
            ])?;
        }
    }
    Ok(())
}

/// An index row from its stored columns.
pub(crate) fn index_row(heads: &str, updated_ms: i64, view: &str) -> Result<IndexRow, StoreError> {
    IndexRow::from_stored(heads, updated_ms, view).map_err(|e| StoreError::Invalid(e.to_string()))
}

impl Store {
    /// Inspections matching `q`, newest first.
    pub fn query(&self, q: &Query) -> Result<Vec<IndexRow>, StoreError> {
        let f = crate::queue::filter_of(q.conditions());
        let mut sql = format!(
            "SELECT heads, updated_ms, view FROM inspections {} ORDER BY created_ms DESC, id",
            f.sql
        );
        if let Some(limit) = q.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.connection().prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(f.args.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (heads, updated_ms, view) = row?;
            out.push(index_row(&heads, updated_ms, &view)?);
        }
        Ok(out)
    }

    /// The inspection holding the ANPR read `read_id`, if any. Exact, over
    /// every inspection (not only the recent ones): a push processed again
    /// after a crash must attach nothing twice, however many inspections
    /// were opened in between.
    pub fn inspection_with_read(&self, read_id: &str) -> Result<Option<InspectionId>, StoreError> {
        // The id as it stands in the view's JSON narrows the rows to parse.
        let quoted = serde_json::to_string(read_id)
            .map_err(|e| StoreError::Invalid(format!("read id: {e}")))?;
        let mut stmt = self.connection().prepare_cached(
            "SELECT heads, updated_ms, view FROM inspections WHERE instr(view, ?1) > 0",
        )?;
        let rows = stmt.query_map([&quoted], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (heads, updated_ms, view) = row?;
            let row = index_row(&heads, updated_ms, &view)?;
            if row.view.reads.iter().any(|r| r.id == read_id) {
                return Ok(Some(row.view.id));
            }
        }
        Ok(None)
    }

    /// Number of inspections in the index.
    pub fn inspection_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT COUNT(*) FROM inspections", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }
}

impl kordon_ports::Index for Store {
    fn project(&mut self, now_ms: i64) -> Result<usize, PortError> {
        Store::project(self, now_ms).map_err(port)
    }

    fn projection_lag(&self) -> Result<(u64, Option<i64>), PortError> {
        Store::projection_lag(self).map_err(port)
    }

    fn console_page(&self, q: &ConsoleQuery) -> Result<ConsolePage, PortError> {
        Store::console_page(self, q).map_err(port)
    }

    fn console_row(&self, id: InspectionId) -> Result<Option<ConsoleRow>, PortError> {
        Store::console_row(self, id).map_err(port)
    }

    fn queue_version(&self) -> Result<QueueVersion, PortError> {
        Store::queue_version(self).map_err(port)
    }

    fn inspection_count(&self) -> Result<u64, PortError> {
        Store::inspection_count(self).map_err(port)
    }

    fn query(&self, q: &Query) -> Result<Vec<IndexRow>, PortError> {
        Store::query(self, q).map_err(port)
    }

    fn same_vehicle(
        &self,
        id: InspectionId,
        limit: u32,
    ) -> Result<Option<Vec<ConsoleRow>>, PortError> {
        match Store::same_vehicle(self, id, limit) {
            Ok(rows) => Ok(Some(rows)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(port(e)),
        }
    }

    fn inspection_with_read(&self, read_id: &str) -> Result<Option<InspectionId>, PortError> {
        Store::inspection_with_read(self, read_id).map_err(port)
    }

    fn hotlists(&self) -> Result<Vec<HotlistView>, PortError> {
        Store::hotlists(self).map_err(port)
    }

    fn training_attempts(&self, q: &TrainingQuery) -> Result<Vec<TrainingView>, PortError> {
        Store::training_attempts(self, q).map_err(port)
    }

    fn training_attempt(&self, id: &[u8; 16]) -> Result<Option<TrainingView>, PortError> {
        Store::training_attempt(self, &uuid::Uuid::from_bytes(*id)).map_err(port)
    }

    fn blob_referenced_by_unit(
        &self,
        blob: &str,
        size: u64,
        unit: &str,
    ) -> Result<bool, PortError> {
        Store::blob_referenced_by_unit(self, blob, size, unit).map_err(port)
    }

    fn docs_with_blob_prefix(&self, prefix: &str) -> Result<Vec<InspectionId>, PortError> {
        Store::docs_with_blob_prefix(self, prefix).map_err(port)
    }

    fn scan_blobs_all(&self) -> Result<Vec<String>, PortError> {
        Store::scan_blobs_all(self).map_err(port)
    }

    fn statistics(&self, q: &StatsQuery) -> Result<Statistics, PortError> {
        Store::statistics(self, q).map_err(port)
    }
}
