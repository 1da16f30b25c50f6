//! What proves a vehicle's records are in the server's log, kept by the
//! vehicle for its exports (`docs/transparency-log.md` §6): each record's
//! leaf and inclusion path, the checkpoints the paths lead to, the
//! server's statement of each inspection's complete record set, and the
//! register entries of the devices that signed what it holds. On the
//! server: the checkpoints vehicles reported (witnesses).

use crate::{Store, StoreError};
use kordon_record::{PublicKey, RecordId};
use rusqlite::{params, OptionalExtension};

/// A record's place in the server's log, as the vehicle holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProof {
    pub leaf_index: u64,
    pub leaf: Vec<u8>,
    /// The checkpoint size the path leads to, once the path has come.
    pub tree_size: Option<u64>,
    pub path: Vec<[u8; 32]>,
}

/// A record proven in a checkpoint: its leaf and inclusion path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenRecord {
    pub id: RecordId,
    pub leaf_index: u64,
    pub leaf: Vec<u8>,
    pub path: Vec<[u8; 32]>,
}

/// What a record-set statement states about a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSetFacts {
    /// Changes (records) held.
    pub count: u64,
    /// The document's heads, ascending.
    pub heads: Vec<[u8; 32]>,
}

fn path_bytes(path: &[[u8; 32]]) -> Vec<u8> {
    path.concat()
}

fn path_of(bytes: &[u8]) -> Vec<[u8; 32]> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok())
        .collect()
}

impl Store {
    /// Records the server's answers "stored as leaf N" and clears those
    /// records from the outbox, in one transaction. Returns how many were new.
    pub fn store_log_acks(
        &mut self,
        acks: &[(RecordId, u64, Vec<u8>)],
    ) -> Result<usize, StoreError> {
        let tx = self.connection_mut().transaction()?;
        let mut new = 0;
        for (id, index, leaf) in acks {
            new += tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO record_proofs (record_id, leaf_index, leaf) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![&id.0[..], *index as i64, leaf])?;
            tx.prepare_cached(
                "DELETE FROM outbox WHERE seq = (SELECT seq FROM records WHERE id = ?1)",
            )?
            .execute([&id.0[..]])?;
        }
        tx.commit()?;
        Ok(new)
    }

    /// Up to `limit` stored records with no inclusion path yet (neither
    /// waiting in the outbox nor refused): those never asked about first,
    /// then those the server answered least recently without a proof (a
    /// record stored before its log existed has none), oldest first.
    pub fn records_wanting_proofs(&self, limit: usize) -> Result<Vec<[u8; 32]>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT r.id FROM records r LEFT JOIN record_proofs p ON p.record_id = r.id
             LEFT JOIN proof_misses m ON m.record_id = r.id
             WHERE p.path IS NULL
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = r.seq)
               AND NOT EXISTS (SELECT 1 FROM rejections j WHERE j.record_id = r.id)
             ORDER BY COALESCE(m.asked_ms, 0), r.seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = vec![];
        for row in rows {
            if let Ok(id) = <[u8; 32]>::try_from(row?.as_slice()) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Keeps a checkpoint this vehicle accepted and the inclusion paths
    /// that lead to it, in one transaction.
    pub fn store_inclusions(
        &mut self,
        size: u64,
        checkpoint: &str,
        inclusions: &[ProvenRecord],
    ) -> Result<(), StoreError> {
        let tx = self.connection_mut().transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO held_checkpoints (size, text) VALUES (?1, ?2)",
            params![size as i64, checkpoint],
        )?;
        for p in inclusions {
            tx.prepare_cached(
                "INSERT INTO record_proofs (record_id, leaf_index, leaf, tree_size, path)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (record_id) DO UPDATE SET leaf_index = excluded.leaf_index,
                     leaf = excluded.leaf, tree_size = excluded.tree_size, path = excluded.path",
            )?
            .execute(params![
                &p.id.0[..],
                p.leaf_index as i64,
                p.leaf,
                size as i64,
                path_bytes(&p.path)
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records asked about that the server's answer gave no proof for.
    /// Each is noted, so others are asked first next time; one the server
    /// said it stored as a leaf its checkpoint of `size` covers, but
    /// cannot prove, goes back to the outbox (if it is this vehicle's), so
    /// it is sent again rather than taken on the server's word. Returns
    /// how many went back.
    pub fn note_unproven(
        &mut self,
        ids: &[[u8; 32]],
        size: u64,
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let tx = self.connection_mut().transaction()?;
        let mut requeued = 0;
        for id in ids {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO proof_misses (record_id, asked_ms) VALUES (?1, ?2)",
            )?
            .execute(params![&id[..], now_ms])?;
            let claimed: Option<i64> = tx
                .prepare_cached(
                    "SELECT leaf_index FROM record_proofs WHERE record_id = ?1 AND path IS NULL",
                )?
                .query_row([&id[..]], |r| r.get(0))
                .optional()?;
            if claimed.is_some_and(|leaf| (leaf as u64) < size) {
                tx.prepare_cached("DELETE FROM record_proofs WHERE record_id = ?1")?
                    .execute([&id[..]])?;
                requeued += tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO outbox (seq)
                         SELECT seq FROM records WHERE id = ?1 AND origin = 'local'",
                    )?
                    .execute([&id[..]])?;
            }
        }
        tx.commit()?;
        Ok(requeued)
    }

    /// The record's place in the log, if the server said it.
    pub fn record_proof(&self, id: &RecordId) -> Result<Option<RecordProof>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT leaf_index, leaf, tree_size, path FROM record_proofs WHERE record_id = ?1",
            )?
            .query_row([&id.0[..]], |r| {
                Ok(RecordProof {
                    leaf_index: r.get::<_, i64>(0)? as u64,
                    leaf: r.get(1)?,
                    tree_size: r.get::<_, Option<i64>>(2)?.map(|s| s as u64),
                    path: path_of(&r.get::<_, Option<Vec<u8>>>(3)?.unwrap_or_default()),
                })
            })
            .optional()?)
    }

    /// A checkpoint this vehicle accepted, by size.
    pub fn held_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT text FROM held_checkpoints WHERE size = ?1",
                [size as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Documents whose stored records (those the server could hold: not
    /// waiting in the outbox, not refused) the last record-set statement
    /// held does not count (or that have none), latest first, up to `limit`.
    pub fn docs_wanting_record_sets(&self, limit: usize) -> Result<Vec<[u8; 16]>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT r.doc_id FROM records r LEFT JOIN record_sets s ON s.doc_id = r.doc_id
             WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = r.seq)
               AND NOT EXISTS (SELECT 1 FROM rejections j WHERE j.record_id = r.id)
             GROUP BY r.doc_id HAVING COUNT(*) != COALESCE(MAX(s.count), 0)
             ORDER BY MAX(r.seq) DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = vec![];
        for row in rows {
            if let Ok(id) = <[u8; 16]>::try_from(row?.as_slice()) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Keeps a record-set statement (already verified), unless one of a
    /// later log position is held.
    pub fn put_record_set(
        &self,
        doc: &[u8; 16],
        count: u64,
        log_size: u64,
        text: &str,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO record_sets (doc_id, count, log_size, text) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (doc_id) DO UPDATE SET count = excluded.count,
                 log_size = excluded.log_size, text = excluded.text
             WHERE excluded.log_size >= record_sets.log_size",
            params![&doc[..], count as i64, log_size as i64, text],
        )?;
        Ok(())
    }

    /// The latest record-set statement held for a document.
    pub fn record_set(&self, doc: &[u8; 16]) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT text FROM record_sets WHERE doc_id = ?1",
                [&doc[..]],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Signers of stored records without a register entry here, other
    /// than `server` (whose key is pinned, not registered), up to `limit`.
    pub fn signers_wanting_entries(
        &self,
        server: &PublicKey,
        limit: usize,
    ) -> Result<Vec<[u8; 32]>, StoreError> {
        let mut stmt = self.connection().prepare_cached(
            "SELECT DISTINCT r.signer FROM records r
             WHERE r.signer != ?1
               AND NOT EXISTS (SELECT 1 FROM device_entries d WHERE d.device = r.signer)
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![&server.0[..], limit as i64], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        let mut out = vec![];
        for row in rows {
            if let Ok(k) = <[u8; 32]>::try_from(row?.as_slice()) {
                out.push(k);
            }
        }
        Ok(out)
    }

    /// Keeps a device's register entry (already verified).
    pub fn put_device_entry(&self, device: &PublicKey, text: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT OR REPLACE INTO device_entries (device, text) VALUES (?1, ?2)",
            params![&device.0[..], text],
        )?;
        Ok(())
    }

    /// A device's register entry, if held.
    pub fn device_entry(&self, device: &PublicKey) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT text FROM device_entries WHERE device = ?1",
                [&device.0[..]],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The record count and heads of a document as stored now (for the
    /// server's record-set statement): `None` if no record of it is held.
    pub fn record_set_facts(
        &mut self,
        doc: &[u8; 16],
    ) -> Result<Option<RecordSetFacts>, StoreError> {
        let actor = self.actor();
        let tx = self.connection_mut().transaction()?;
        let (mut d, upto) = crate::store::load_base(&tx, doc, actor)?;
        crate::store::apply_after(&tx, doc, &mut d, upto, actor)?;
        let count = d.change_count() as u64;
        tx.commit()?;
        Ok((count > 0).then(|| RecordSetFacts {
            count,
            heads: d.head_hashes(),
        }))
    }

    /// Whether the stored document holds every one of `heads`, and
    /// exactly `count` changes under them: what a record-set statement
    /// says, checked against what this device holds.
    pub fn matches_record_set(
        &mut self,
        doc: &[u8; 16],
        heads: &[[u8; 32]],
        count: u64,
    ) -> Result<bool, StoreError> {
        let actor = self.actor();
        let conn = self.connection();
        let (mut d, upto) = crate::store::load_base(conn, doc, actor)?;
        crate::store::apply_after(conn, doc, &mut d, upto, actor)?;
        Ok(heads.iter().all(|h| d.holds_change(h)) && d.changes_under(heads) == count as usize)
    }
}
