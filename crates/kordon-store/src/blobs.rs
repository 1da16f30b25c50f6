//! Scan blobs in the store: which blobs the documents reference (derived,
//! kept with the index), how far each one's delivery has come, and what a
//! watch folder has already seen.

use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A blob the vehicle has still to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobToSend {
    /// 64 hex digits.
    pub blob: String,
    pub size: u64,
    /// Bytes the server has confirmed (verified and stored) so far.
    pub done: u64,
}

/// Delivery of blobs, for `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(type = "{ pending: number, bytes_pending: number, bytes_done: number, delivered: number }")]
pub struct BlobCounts {
    /// Blobs referenced by inspections and not yet confirmed by the server.
    pub pending: u64,
    /// Bytes of those blobs the server does not hold yet.
    pub bytes_pending: u64,
    /// Bytes delivered: whole blobs confirmed plus confirmed parts.
    pub bytes_done: u64,
    /// Blobs confirmed by the server.
    pub delivered: u64,
}

/// What a watch folder did with a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchEntry {
    pub path: String,
    pub size: u64,
    pub mtime_ns: i64,
    /// `imported`, `failed` or `skipped`.
    pub outcome: String,
    pub detail: String,
    pub at_ms: i64,
}

impl Store {
    /// Blobs referenced by any inspection and not confirmed by the server,
    /// oldest reference first.
    pub fn blobs_to_send(&self) -> Result<Vec<BlobToSend>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT s.blob, s.size, COALESCE(t.done_bytes, 0), MIN(s.added_ms) AS first
             FROM scan_blobs s LEFT JOIN blob_transfers t ON t.blob = s.blob
             WHERE t.acked_ms IS NULL
             GROUP BY s.blob, s.size ORDER BY first, s.blob",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BlobToSend {
                blob: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                done: r.get::<_, i64>(2)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Notes the server's confirmed offset for a blob.
    pub fn blob_progress(&self, blob: &str, size: u64, done: u64) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO blob_transfers (blob, size, done_bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (blob) DO UPDATE SET done_bytes = excluded.done_bytes, error = NULL",
            )?
            .execute(params![blob, size as i64, done as i64])?;
        Ok(())
    }

    /// Notes that the server holds the whole blob, verified.
    pub fn blob_delivered(&self, blob: &str, size: u64, now_ms: i64) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO blob_transfers (blob, size, done_bytes, acked_ms) VALUES (?1, ?2, ?2, ?3)
                 ON CONFLICT (blob) DO UPDATE SET done_bytes = excluded.size,
                     acked_ms = excluded.acked_ms, error = NULL",
            )?
            .execute(params![blob, size as i64, now_ms])?;
        Ok(())
    }

    /// Notes why a blob could not be delivered (shown by `status`).
    pub fn blob_error(&self, blob: &str, size: u64, error: &str) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO blob_transfers (blob, size, error) VALUES (?1, ?2, ?3)
                 ON CONFLICT (blob) DO UPDATE SET error = excluded.error",
            )?
            .execute(params![blob, size as i64, error])?;
        Ok(())
    }

    /// Whether the server confirmed a blob.
    pub fn blob_is_delivered(&self, blob: &str) -> Result<bool, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT acked_ms IS NOT NULL FROM blob_transfers WHERE blob = ?1",
                [blob],
                |r| r.get::<_, bool>(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Forgets every delivery confirmation (after the server was restored
    /// from an older backup: blobs are offered again; the server answers at
    /// once for those it has).
    pub fn requeue_blobs(&self) -> Result<usize, StoreError> {
        Ok(self.connection().execute(
            "UPDATE blob_transfers SET acked_ms = NULL, done_bytes = 0",
            [],
        )?)
    }

    /// Counts for `status`, over blobs for which `held` is true (a vehicle
    /// only delivers blobs it holds; others came from elsewhere).
    pub fn blob_counts(&self, held: impl Fn(&str) -> bool) -> Result<BlobCounts, StoreError> {
        let mut c = BlobCounts::default();
        for b in self.blobs_to_send()? {
            if held(&b.blob) {
                c.pending += 1;
                c.bytes_pending += b.size.saturating_sub(b.done);
                c.bytes_done += b.done;
            }
        }
        let (n, bytes): (i64, i64) = self.connection().query_row(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blob_transfers WHERE acked_ms IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        c.delivered = n as u64;
        c.bytes_done += bytes as u64;
        Ok(c)
    }

    /// Whether an inspection of `unit` references `blob` with this size
    /// (the server accepts only blobs its records ask for).
    pub fn blob_referenced_by_unit(
        &self,
        blob: &str,
        size: u64,
        unit: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT 1 FROM scan_blobs s JOIN inspections i ON i.doc_id = s.doc_id
                 WHERE s.blob = ?1 AND s.size = ?2 AND i.unit = ?3 LIMIT 1",
                params![blob, size as i64, unit],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// What the watch folder did with this file version, if anything.
    pub fn watch_seen(
        &self,
        path: &str,
        size: u64,
        mtime_ns: i64,
    ) -> Result<Option<WatchEntry>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT path, size, mtime_ns, outcome, detail, at_ms FROM watch_files
                 WHERE path = ?1 AND size = ?2 AND mtime_ns = ?3",
                params![path, size as i64, mtime_ns],
                |r| {
                    Ok(WatchEntry {
                        path: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        mtime_ns: r.get(2)?,
                        outcome: r.get(3)?,
                        detail: r.get(4)?,
                        at_ms: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Remembers what the watch folder did with a file version.
    pub fn watch_record(&self, e: &WatchEntry) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO watch_files (path, size, mtime_ns, outcome, detail, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                e.path,
                e.size as i64,
                e.mtime_ns,
                e.outcome,
                e.detail,
                e.at_ms
            ])?;
        Ok(())
    }
}

impl Store {
    /// Inspections with a scan image whose blob starts with `prefix`.
    pub fn docs_with_blob_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<kordon_model::InspectionId>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            // Blob names are lower-case hex: every name with the prefix
            // sorts between it and the prefix followed by 'g' (an index range).
            "SELECT DISTINCT doc_id FROM scan_blobs WHERE blob >= ?1 AND blob < ?1 || 'g'",
        )?;
        let rows = stmt.query_map(params![prefix], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = vec![];
        for doc in rows {
            if let Ok(bytes) = <[u8; 16]>::try_from(doc?.as_slice()) {
                out.push(kordon_model::InspectionId::from_bytes(bytes));
            }
        }
        Ok(out)
    }

    /// Every blob any inspection references (once each).
    pub fn scan_blobs_all(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT DISTINCT blob FROM scan_blobs")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
