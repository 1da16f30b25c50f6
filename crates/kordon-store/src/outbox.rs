//! The outbox (records not yet acknowledged) and receipts (the server's
//! signed proof of delivery).

use crate::{Store, StoreError};
use kordon_model::InspectionId;
use kordon_record::{Receipt, RecordId};
use rusqlite::params;
use serde::Serialize;
use std::collections::HashMap;

/// How far one inspection's local records got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Local records without a receipt.
    pub pending: u64,
    /// Local records the server refused.
    pub rejected: u64,
}

/// A record waiting for its receipt.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: i64,
    pub id: RecordId,
    pub bytes: Vec<u8>,
}

/// Counts for status displays.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SyncCounts {
    /// Local records without a receipt.
    pub pending: u64,
    /// Local records the server acknowledged (a receipt, or a leaf in its log).
    pub acknowledged: u64,
    /// Records received from the server.
    pub received: u64,
    /// Records refused (ours by the server, or theirs by us).
    pub rejected: u64,
}

impl Store {
    /// Up to `limit` outbox entries after `after_seq`, oldest first.
    pub fn pending(&self, after_seq: i64, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT r.seq, r.id, r.bytes FROM outbox o JOIN records r ON r.seq = o.seq
             WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after_seq, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (seq, id, bytes) = row?;
            let id: [u8; 32] = id.as_slice().try_into().unwrap_or([0; 32]);
            out.push(OutboxEntry {
                seq,
                id: RecordId(id),
                bytes,
            });
        }
        Ok(out)
    }

    /// Stores receipts (already verified against the pinned server key) and
    /// clears their records from the outbox, in one transaction. Returns
    /// how many were new.
    pub fn store_receipts(
        &mut self,
        receipts: &[Receipt],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let tx = self.connection_mut().transaction()?;
        let mut new = 0;
        for r in receipts {
            new += tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO receipts (record_id, server_seq, stored_ms, bytes) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![&r.record_id.0[..], r.seq as i64, now_ms, r.to_bytes()])?;
            tx.prepare_cached(
                "DELETE FROM outbox WHERE seq = (SELECT seq FROM records WHERE id = ?1)",
            )?
            .execute([&r.record_id.0[..]])?;
        }
        tx.commit()?;
        Ok(new)
    }

    /// Puts every local record back in the outbox (the server ignores what
    /// it already holds). For a server restored from an older backup, which
    /// may lack records it once acknowledged. Returns how many were queued.
    pub fn requeue_local(&mut self) -> Result<usize, StoreError> {
        Ok(self.connection().execute(
            "INSERT OR IGNORE INTO outbox (seq) SELECT seq FROM records WHERE origin = 'local'",
            [],
        )?)
    }

    /// Takes a record the server refused out of the outbox (it will never be
    /// accepted as it is), keeping it stored and logging the reason.
    pub fn drop_refused(
        &mut self,
        id: &RecordId,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.connection_mut().transaction()?;
        tx.execute(
            "DELETE FROM outbox WHERE seq = (SELECT seq FROM records WHERE id = ?1)",
            [&id.0[..]],
        )?;
        tx.execute(
            "INSERT INTO rejections (at_ms, record_id, peer, reason) VALUES (?1, ?2, 'server', ?3)",
            params![now_ms, &id.0[..], reason],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records waiting for their receipt: [`counts`](Self::counts)'s
    /// `pending` alone, without counting every record held (what a sync
    /// states in each Hello, on a vehicle of any size).
    pub fn pending_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    pub fn counts(&self) -> Result<SyncCounts, StoreError> {
        let c = self.connection();
        let n = |sql: &str| -> Result<u64, StoreError> {
            Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(SyncCounts {
            pending: self.pending_count()?,
            acknowledged: n("SELECT COUNT(*) FROM records r WHERE r.origin = 'local'
                 AND (EXISTS (SELECT 1 FROM receipts c WHERE c.record_id = r.id)
                   OR EXISTS (SELECT 1 FROM record_proofs p WHERE p.record_id = r.id))")?,
            received: n("SELECT COUNT(*) FROM records WHERE origin = 'remote'")?,
            rejected: n("SELECT COUNT(*) FROM rejections")?,
        })
    }

    /// Delivery of each inspection that has records pending or refused;
    /// an inspection not in the map has all its records acknowledged (or
    /// none of its own). Touches only the pending and refused rows.
    pub fn delivery_by_inspection(&self) -> Result<HashMap<InspectionId, Delivery>, StoreError> {
        let c = self.connection();
        let mut out: HashMap<InspectionId, Delivery> = HashMap::new();
        let queries = [
            "SELECT r.doc_id, COUNT(*) FROM outbox o JOIN records r ON r.seq = o.seq GROUP BY r.doc_id",
            "SELECT r.doc_id, COUNT(*) FROM rejections j JOIN records r ON r.id = j.record_id
             WHERE r.origin = 'local' GROUP BY r.doc_id",
        ];
        for (n, sql) in queries.into_iter().enumerate() {
            let mut stmt = c.prepare(sql)?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (doc, count) = row?;
                let Ok(bytes) = <[u8; 16]>::try_from(doc.as_slice()) else {
                    continue;
                };
                let d = out.entry(InspectionId::from_bytes(bytes)).or_default();
                if n == 0 {
                    d.pending = count as u64;
                } else {
                    d.rejected = count as u64;
                }
            }
        }
        Ok(out)
    }

    /// The latest refusals, newest first: (time, reason).
    pub fn recent_rejections(&self, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT at_ms, reason FROM rejections ORDER BY n DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Empties the outbox (the server's own records need no upload).
    pub fn clear_outbox(&self) -> Result<(), StoreError> {
        self.connection().execute("DELETE FROM outbox", [])?;
        Ok(())
    }
}
