//! Trainees' attempts at training exercises as the store keeps them
//! derived: one row per attempt with its view as JSON, rewritten from the
//! attempt's document on every change (the signed records remain the
//! truth).

use crate::{Store, StoreError};
use kordon_model::{DocKind, TrainingDoc, TrainingView};
use kordon_ports::TrainingQuery;
use kordon_record::DeviceKey;
use rusqlite::{params, Connection, OptionalExtension};

pub(crate) fn upsert(
    conn: &Connection,
    doc_id: &[u8; 16],
    view: &TrainingView,
    upto: i64,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(view)
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    conn.prepare_cached(
        "INSERT INTO training (doc_id, unit, trainee, created_ms, upto, view)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (doc_id) DO UPDATE SET unit = excluded.unit, trainee = excluded.trainee,
             created_ms = excluded.created_ms, upto = excluded.upto, view = excluded.view",
    )?
    .execute(params![
        &doc_id[..],
        view.unit,
        view.trainee,
        view.created_ms,
        upto,
        json
    ])?;
    Ok(())
}

/// Derives the row of every attempt the store holds: for a store that took
/// attempts' records before it knew them (they derived nothing then).
pub(crate) fn refresh_rows(conn: &Connection) -> Result<(), StoreError> {
    let mut changes: std::collections::BTreeMap<[u8; 16], (i64, Vec<Vec<u8>>)> = Default::default();
    {
        let mut stmt = conn.prepare("SELECT seq, bytes FROM records ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        for row in rows {
            let (seq, bytes) = row?;
            let Ok(record) = kordon_record::SignedRecord::parse(bytes) else {
                continue;
            };
            let key = record.doc_id();
            if DocKind::of(&key) == DocKind::Training {
                let e = changes.entry(key).or_default();
                e.0 = seq;
                e.1.push(record.payload().to_vec());
            }
        }
    }
    for (key, (upto, list)) in changes {
        let mut doc = kordon_model::InspectionDoc::empty(&[0u8; 32]);
        // A document that does not replay derives nothing, as in projection.
        if doc.apply_changes(list.iter().map(Vec::as_slice)).is_err() {
            continue;
        }
        if let Ok(view) = kordon_model::training::training_view(&doc) {
            if uuid::Uuid::parse_str(&view.id)
                .ok()
                .as_ref()
                .map(uuid::Uuid::as_bytes)
                == Some(&key)
            {
                upsert(conn, &key, &view, upto)?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Commits a training attempt's last change made here (its start or an
    /// answer): as [`commit_local`](Self::commit_local), with the attempt's
    /// row derived.
    pub fn commit_training(
        &mut self,
        id: uuid::Uuid,
        doc: &mut TrainingDoc,
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<kordon_record::SignedRecord, StoreError> {
        let change = doc.last_change().ok_or(StoreError::NothingToCommit)?;
        self.commit_change(*id.as_bytes(), change, key, officer, now_ms)
    }

    /// Attempts matching `q`, newest first.
    pub fn training_attempts(&self, q: &TrainingQuery) -> Result<Vec<TrainingView>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT view FROM training
             WHERE (?1 IS NULL OR trainee = ?1) AND (?2 IS NULL OR unit = ?2)
             ORDER BY created_ms DESC, doc_id LIMIT ?3",
        )?;
        let limit = i64::try_from(q.limit.max(1)).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![q.trainee, q.unit, limit], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for row in rows {
            // A row that no longer parses is rewritten by the attempt's next
            // change; until then it is left out rather than failing all.
            if let Ok(v) = serde_json::from_str(&row?) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// One attempt, by its id.
    pub fn training_attempt(&self, id: &uuid::Uuid) -> Result<Option<TrainingView>, StoreError> {
        let json: Option<String> = self
            .connection()
            .prepare_cached("SELECT view FROM training WHERE doc_id = ?1")?
            .query_row([&id.as_bytes()[..]], |r| r.get(0))
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }
}
