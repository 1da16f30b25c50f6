//! Hotlists as the store keeps them derived: one row per list with its
//! view as JSON, rewritten from the list's document on every change (the
//! signed records remain the truth), and the plate keys of every
//! inspection, for a vehicle's history.

use crate::{Store, StoreError};
use kordon_model::HotlistView;
use rusqlite::{params, Connection, OptionalExtension};

pub(crate) fn upsert(
    conn: &Connection,
    doc_id: &[u8; 16],
    view: &HotlistView,
    upto: i64,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(view)
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    conn.prepare_cached(
        "INSERT INTO hotlists (doc_id, name, units, upto, view) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (doc_id) DO UPDATE SET name = excluded.name, units = excluded.units,
             upto = excluded.upto, view = excluded.view",
    )?
    .execute(params![
        &doc_id[..],
        view.name,
        kordon_ports::index::hotlist_units(view),
        upto,
        json
    ])?;
    Ok(())
}

impl Store {
    /// Every hotlist held, by name.
    pub fn hotlists(&self) -> Result<Vec<HotlistView>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached("SELECT view FROM hotlists ORDER BY name, doc_id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for row in rows {
            // A row that no longer parses is rewritten by the list's next
            // change; until then it is left out rather than failing all.
            if let Ok(v) = serde_json::from_str(&row?) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The list named `name`, if one is held.
    pub fn hotlist_by_name(&self, name: &str) -> Result<Option<HotlistView>, StoreError> {
        let json: Option<String> = self
            .connection()
            .prepare_cached("SELECT view FROM hotlists WHERE name = ?1 ORDER BY doc_id LIMIT 1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Changes whenever any hotlist changes (the highest record folded
    /// into one), so a matcher knows when to rebuild its index.
    pub fn hotlists_version(&self) -> Result<i64, StoreError> {
        Ok(self.connection().query_row(
            "SELECT COALESCE(MAX(upto), 0) + COUNT(*) FROM hotlists",
            [],
            |r| r.get(0),
        )?)
    }
}
