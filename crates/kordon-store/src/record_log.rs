//! The record log port ([`RecordLog`]) on the SQLite store: the same
//! operations the server has always run on it, through the port.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_ports::{HeldRecord, IngestOutcome, LogEntry, Origin, PortError, RecordLog, Witness};
use kordon_record::{DeviceKey, PublicKey, RecordId, SignedRecord};
use rusqlite::params;

/// Every record of document `doc`, in the order stored.
pub(crate) fn doc_rows(
    conn: &rusqlite::Connection,
    doc: &[u8; 16],
) -> Result<Vec<HeldRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, received_ms, bytes FROM records WHERE doc_id = ?1 ORDER BY seq",
    )?;
    held(&mut stmt, [&doc[..]])
}

/// Reads `(seq, received_ms, bytes)` rows into records.
fn held(
    stmt: &mut rusqlite::Statement<'_>,
    args: impl rusqlite::Params,
) -> Result<Vec<HeldRecord>, StoreError> {
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (seq, received_ms, bytes) = row?;
        out.push(HeldRecord {
            seq,
            received_ms,
            record: SignedRecord::parse(bytes)?,
        });
    }
    Ok(out)
}

impl RecordLog for Store {
    fn append(
        &mut self,
        records: &[SignedRecord],
        origin: Origin,
        now_ms: i64,
        follower: Option<&PublicKey>,
    ) -> Result<Vec<IngestOutcome>, PortError> {
        Store::append(self, records, origin, now_ms, follower).map_err(port)
    }

    fn commit_own(
        &mut self,
        doc: [u8; 16],
        change: &[u8],
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, PortError> {
        let record = self
            .commit_change(doc, change.to_vec(), key, officer, now_ms)
            .map_err(port)?;
        // The server's own records need no upload.
        self.connection()
            .execute(
                "DELETE FROM outbox WHERE seq IN (SELECT seq FROM records WHERE id = ?1)",
                [&record.id().0[..]],
            )
            .map_err(|e| port(StoreError::from(e)))?;
        Ok(record)
    }

    fn refuse(
        &self,
        record: Option<&RecordId>,
        signer: Option<&PublicKey>,
        peer: Option<&str>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), PortError> {
        self.log_rejection(record, signer, peer, reason, now_ms)
            .map_err(port)
    }

    fn holds(&self, id: &RecordId) -> Result<bool, PortError> {
        self.has_record(id).map_err(port)
    }

    fn doc_records(&self, doc: &[u8; 16]) -> Result<Vec<HeldRecord>, PortError> {
        doc_rows(self.connection(), doc).map_err(port)
    }

    fn records_after(&self, after: i64, limit: usize) -> Result<Vec<HeldRecord>, PortError> {
        let run = || -> Result<Vec<HeldRecord>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT seq, received_ms, bytes FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            held(
                &mut stmt,
                params![after, limit.min(i64::MAX as usize) as i64],
            )
        };
        run().map_err(port)
    }

    fn log_size(&self) -> Result<u64, PortError> {
        Store::log_size(self).map_err(port)
    }

    fn log_head(&self, size: u64) -> Result<[u8; 32], PortError> {
        Store::log_head(self, size).map_err(port)
    }

    fn log_entry_of(&self, id: &[u8; 32]) -> Result<Option<LogEntry>, PortError> {
        Store::log_entry_of(self, id).map_err(port)
    }

    fn log_inclusion(&self, index: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError> {
        Store::log_inclusion(self, index, size).map_err(port)
    }

    fn log_consistency(&self, first: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError> {
        Store::log_consistency(self, first, size).map_err(port)
    }

    fn put_checkpoint(&self, size: u64, at_ms: i64, text: &str) -> Result<(), PortError> {
        Store::put_checkpoint(self, size, at_ms, text).map_err(port)
    }

    fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, PortError> {
        Store::latest_checkpoint(self).map_err(port)
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, PortError> {
        Store::checkpoint_at(self, size).map_err(port)
    }

    fn put_witness(
        &self,
        device: &PublicKey,
        size: u64,
        at_ms: i64,
        verdict: &str,
        checkpoint: &str,
    ) -> Result<(), PortError> {
        let run = || -> Result<(), StoreError> {
            self.connection().execute(
                "INSERT OR REPLACE INTO log_witnesses (device, size, at_ms, verdict, text)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![&device.0[..], size as i64, at_ms, verdict, checkpoint],
            )?;
            Ok(())
        };
        run().map_err(port)
    }

    fn witnesses(&self) -> Result<Vec<Witness>, PortError> {
        let run = || -> Result<Vec<Witness>, StoreError> {
            let mut stmt = self.connection().prepare(
                "SELECT device, size, at_ms, verdict, text FROM log_witnesses ORDER BY at_ms DESC, device",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Witness {
                    device: hex::encode(r.get::<_, Vec<u8>>(0)?),
                    size: r.get::<_, i64>(1)? as u64,
                    at_ms: r.get(2)?,
                    verdict: r.get(3)?,
                    checkpoint: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }
}
