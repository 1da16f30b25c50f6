//! The SQLite store as the source of a move to another backend
//! ([`DumpSource`]): its rows as held, in pages.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_ports::dump::{
    BlobRow, CheckpointRow, DeviceRow, DumpSource, EnrollmentRow, FollowRow, RecordRow, RefusalRow,
};
use kordon_ports::{LogEntry, Origin, PortError};
use kordon_record::SignedRecord;
use rusqlite::params;

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DumpSource for Store {
    fn dump_records(&self, after: i64, n: usize) -> Result<Vec<RecordRow>, PortError> {
        let run = || -> Result<Vec<RecordRow>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT seq, received_ms, origin, bytes FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit(n)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?;
            let mut out = vec![];
            for row in rows {
                let (seq, received_ms, origin, bytes) = row?;
                out.push(RecordRow {
                    seq,
                    received_ms,
                    origin: match origin.as_str() {
                        "local" => Origin::Local,
                        _ => Origin::Remote,
                    },
                    record: SignedRecord::parse(bytes)?,
                });
            }
            Ok(out)
        };
        run().map_err(port)
    }

    fn dump_leaves(&self, from: u64, n: usize) -> Result<Vec<LogEntry>, PortError> {
        let run = || -> Result<Vec<LogEntry>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT idx, data, at_ms FROM log_leaves WHERE idx >= ?1 ORDER BY idx LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![limit(from as usize), limit(n)], |r| {
                Ok(LogEntry {
                    index: r.get::<_, i64>(0)? as u64,
                    data: r.get(1)?,
                    at_ms: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_checkpoints(
        &self,
        after: Option<u64>,
        n: usize,
    ) -> Result<Vec<CheckpointRow>, PortError> {
        let run = || -> Result<Vec<CheckpointRow>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT size, at_ms, text FROM log_checkpoints WHERE size > ?1 ORDER BY size LIMIT ?2",
            )?;
            let after = after.map_or(-1, |a| limit(a as usize));
            let rows = stmt.query_map(params![after, limit(n)], |r| {
                Ok(CheckpointRow {
                    size: r.get::<_, i64>(0)? as u64,
                    at_ms: r.get(1)?,
                    text: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_refusals(&self, after: i64, n: usize) -> Result<Vec<RefusalRow>, PortError> {
        let run = || -> Result<Vec<RefusalRow>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections
                 WHERE n > ?1 ORDER BY n LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit(n)], |r| {
                Ok(RefusalRow {
                    n: r.get(0)?,
                    at_ms: r.get(1)?,
                    record: r.get(2)?,
                    signer: r.get(3)?,
                    peer: r.get(4)?,
                    reason: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_devices(&self) -> Result<Vec<DeviceRow>, PortError> {
        let run = || -> Result<Vec<DeviceRow>, StoreError> {
            let mut stmt = self.connection().prepare(
                "SELECT key, unit, enrolled_ms, revoked_ms, revoked_reason, revoked_by,
                        last_seen_ms, last_addr, app_version, backlog_records,
                        backlog_scan_bytes, clock_offset_ms, stated_ms, refused_count,
                        last_refused_ms, sync_started_ms, sync_finished_ms, wipe_ordered_ms,
                        wipe_told_ms, wipe_backlog_records, wipe_backlog_scan_bytes
                 FROM devices ORDER BY key",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(DeviceRow {
                    key: r.get(0)?,
                    unit: r.get(1)?,
                    enrolled_ms: r.get(2)?,
                    revoked_ms: r.get(3)?,
                    revoked_reason: r.get(4)?,
                    revoked_by: r.get(5)?,
                    last_seen_ms: r.get(6)?,
                    last_addr: r.get(7)?,
                    app_version: r.get(8)?,
                    backlog_records: r.get(9)?,
                    backlog_scan_bytes: r.get(10)?,
                    clock_offset_ms: r.get(11)?,
                    stated_ms: r.get(12)?,
                    refused_count: r.get(13)?,
                    last_refused_ms: r.get(14)?,
                    sync_started_ms: r.get(15)?,
                    sync_finished_ms: r.get(16)?,
                    wipe_ordered_ms: r.get(17)?,
                    wipe_told_ms: r.get(18)?,
                    wipe_backlog_records: r.get(19)?,
                    wipe_backlog_scan_bytes: r.get(20)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_enrollments(&self) -> Result<Vec<EnrollmentRow>, PortError> {
        let run = || -> Result<Vec<EnrollmentRow>, StoreError> {
            let mut stmt = self.connection().prepare(
                "SELECT secret_hash, unit, created_ms, expires_ms, created_by, used_ms, used_by,
                        cancelled_ms, cancelled_by
                 FROM enrollments ORDER BY created_ms, secret_hash",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(EnrollmentRow {
                    secret_hash: r.get(0)?,
                    unit: r.get(1)?,
                    created_ms: r.get(2)?,
                    expires_ms: r.get(3)?,
                    created_by: r.get(4)?,
                    used_ms: r.get(5)?,
                    used_by: r.get(6)?,
                    cancelled_ms: r.get(7)?,
                    cancelled_by: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_follows(
        &self,
        after: Option<FollowRow>,
        n: usize,
    ) -> Result<Vec<FollowRow>, PortError> {
        let run = || -> Result<Vec<FollowRow>, StoreError> {
            let (device, doc) = after.unwrap_or_default();
            let mut stmt = self.connection().prepare_cached(
                "SELECT device, doc_id FROM device_docs WHERE (device, doc_id) > (?1, ?2)
                 ORDER BY device, doc_id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![device, doc, limit(n)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }

    fn dump_blobs(&self, after: Option<String>, n: usize) -> Result<Vec<BlobRow>, PortError> {
        let run = || -> Result<Vec<BlobRow>, StoreError> {
            let mut stmt = self.connection().prepare_cached(
                "SELECT blob, size, received, device, stored_ms FROM blobs
                 WHERE ?1 IS NULL OR blob > ?1 ORDER BY blob LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after, limit(n)], |r| {
                Ok(BlobRow {
                    blob: r.get(0)?,
                    size: r.get(1)?,
                    received: r.get(2)?,
                    device: r.get(3)?,
                    stored_ms: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        run().map_err(port)
    }
}
