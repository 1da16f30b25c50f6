//! PostgreSQL as the destination of a server's move ([`DumpSink`]): rows
//! as the source held them, positions and numbers kept, each call in one
//! transaction; and as a source ([`DumpSource`]), which the move's check
//! reads back row by row.

use crate::records::{LogWrites, RecordColumns};
use crate::{port, text, PgStore};
use kordon_log::Leaf;
use kordon_model::rules::ChangeOps;
use kordon_ports::dump::{
    BlobRow, CheckpointRow, DeviceRow, DumpSink, DumpSource, EnrollmentRow, FollowRow, RecordRow,
    RefusalRow,
};
use kordon_ports::{AuditEntry, LogEntry, Origin, PortError, UserRow, Witness};
use kordon_record::SignedRecord;
use tokio_postgres::Row;

/// Tables a move fills: a destination holding a row in any is refused.
const FILLED: [&str; 13] = [
    "records",
    "log_leaves",
    "log_nodes",
    "log_checkpoints",
    "log_witnesses",
    "rejections",
    "devices",
    "enrollments",
    "device_docs",
    "blobs",
    "users",
    "sessions",
    "audit",
];

/// Runs `work` in one transaction on a pooled connection.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:block) => {
        $store.with_client(move |mut client| async move {
            let $tx = client.transaction().await.map_err(port)?;
            $body
            $tx.commit().await.map_err(port)
        })
    };
}

/// Moves the identity sequence of `table`'s column `n` past the numbers
/// loaded, so rows added later number on from there.
async fn follow_numbers(
    tx: &deadpool_postgres::Transaction<'_>,
    table: &str,
) -> Result<(), PortError> {
    tx.execute(
        &format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'n'), COALESCE((SELECT MAX(n) FROM {table}), 0) + 1, false)"
        ),
        &[],
    )
    .await
    .map_err(port)?;
    Ok(())
}

impl DumpSink for PgStore {
    fn is_empty(&self) -> Result<bool, PortError> {
        let sql = FILLED
            .iter()
            .map(|t| format!("NOT EXISTS (SELECT 1 FROM {t})"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let rows = self.query_built(format!("SELECT {sql}"), vec![])?;
        rows.first()
            .map(|r| r.try_get::<_, bool>(0).map_err(port))
            .unwrap_or(Ok(false))
    }

    fn load_records(&self, rows: &[RecordRow]) -> Result<(), PortError> {
        let mut columns = RecordColumns::default();
        for row in rows {
            let r = &row.record;
            let change = ChangeOps::decode_held(r.payload()).map_err(|e| {
                PortError::Backend(format!(
                    "record {} (position {}) holds no readable change: {e}",
                    r.id(),
                    row.seq
                ))
            })?;
            columns.push(row.seq, r, row.received_ms, row.origin, &change.meta());
        }
        in_transaction!(self, |tx| {
            columns.insert(&tx).await?;
        })
    }

    fn load_leaves(&self, leaves: &[LogEntry]) -> Result<(), PortError> {
        let leaves = leaves.to_vec();
        in_transaction!(self, |tx| {
            let mut log = LogWrites::begin(&tx).await?;
            for leaf in leaves {
                if leaf.index != log.size {
                    return Err(PortError::Backend(format!(
                        "leaf {} does not continue the log, which holds {}",
                        leaf.index, log.size
                    )));
                }
                let record = match Leaf::parse(&leaf.data)
                    .map_err(|e| PortError::Backend(format!("leaf {}: {e}", leaf.index)))?
                {
                    Leaf::Record { id } | Leaf::RecordAt { id, .. } => Some(id.to_vec()),
                    Leaf::Refusal { record, .. } => record.map(|r| r.to_vec()),
                };
                log.leaf_bytes(&tx, record, leaf.data, leaf.at_ms).await?;
            }
            log.write(&tx).await?;
        })
    }

    fn load_checkpoints(&self, rows: &[CheckpointRow]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for c in rows {
                let size = i64::try_from(c.size)
                    .map_err(|_| PortError::Backend(format!("checkpoint size {}", c.size)))?;
                tx.execute(
                    "INSERT INTO log_checkpoints (size, at_ms, text) VALUES ($1, $2, $3)",
                    &[&size, &c.at_ms, &text(&c.text)],
                )
                .await
                .map_err(port)?;
            }
        })
    }

    fn load_refusals(&self, rows: &[RefusalRow]) -> Result<(), PortError> {
        let n: Vec<i64> = rows.iter().map(|r| r.n).collect();
        let at: Vec<i64> = rows.iter().map(|r| r.at_ms).collect();
        let record: Vec<Option<Vec<u8>>> = rows.iter().map(|r| r.record.clone()).collect();
        let signer: Vec<Option<Vec<u8>>> = rows.iter().map(|r| r.signer.clone()).collect();
        let peer: Vec<Option<String>> = rows.iter().map(|r| r.peer.as_deref().map(text)).collect();
        let reason: Vec<String> = rows.iter().map(|r| text(&r.reason)).collect();
        in_transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO rejections (n, at_ms, record_id, signer, peer, reason)
                 OVERRIDING SYSTEM VALUE
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[],
                                      $5::text[], $6::text[])",
                &[&n, &at, &record, &signer, &peer, &reason],
            )
            .await
            .map_err(port)?;
            follow_numbers(&tx, "rejections").await?;
        })
    }

    fn load_witnesses(&self, rows: &[Witness]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for w in rows {
                let size = w.size as i64;
                tx.execute(
                    "INSERT INTO log_witnesses (device, size, at_ms, verdict, text)
                     VALUES (decode($1, 'hex'), $2, $3, $4, $5)",
                    &[
                        &w.device,
                        &size,
                        &w.at_ms,
                        &text(&w.verdict),
                        &text(&w.checkpoint),
                    ],
                )
                .await
                .map_err(port)?;
            }
        })
    }

    fn load_devices(&self, rows: &[DeviceRow]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for d in rows {
                tx.execute(
                    "INSERT INTO devices (key, unit, enrolled_ms, revoked_ms, revoked_reason,
                         revoked_by, last_seen_ms, last_addr, app_version, backlog_records,
                         backlog_scan_bytes, clock_offset_ms, stated_ms, refused_count,
                         last_refused_ms, sync_started_ms, sync_finished_ms, wipe_ordered_ms,
                         wipe_told_ms, wipe_backlog_records, wipe_backlog_scan_bytes)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                             $16, $17, $18, $19, $20, $21)",
                    &[
                        &d.key,
                        &text(&d.unit),
                        &d.enrolled_ms,
                        &d.revoked_ms,
                        &d.revoked_reason.as_deref().map(text),
                        &d.revoked_by.as_deref().map(text),
                        &d.last_seen_ms,
                        &d.last_addr.as_deref().map(text),
                        &d.app_version.as_deref().map(text),
                        &d.backlog_records,
                        &d.backlog_scan_bytes,
                        &d.clock_offset_ms,
                        &d.stated_ms,
                        &d.refused_count,
                        &d.last_refused_ms,
                        &d.sync_started_ms,
                        &d.sync_finished_ms,
                        &d.wipe_ordered_ms,
                        &d.wipe_told_ms,
                        &d.wipe_backlog_records,
                        &d.wipe_backlog_scan_bytes,
                    ],
                )
                .await
                .map_err(port)?;
            }
        })
    }

    fn load_enrollments(&self, rows: &[EnrollmentRow]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for e in rows {
                tx.execute(
                    "INSERT INTO enrollments (secret_hash, unit, created_ms, expires_ms,
                         created_by, used_ms, used_by, cancelled_ms, cancelled_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &e.secret_hash,
                        &text(&e.unit),
                        &e.created_ms,
                        &e.expires_ms,
                        &e.created_by.as_deref().map(text),
                        &e.used_ms,
                        &e.used_by,
                        &e.cancelled_ms,
                        &e.cancelled_by.as_deref().map(text),
                    ],
                )
                .await
                .map_err(port)?;
            }
        })
    }

    fn load_follows(&self, rows: &[FollowRow]) -> Result<(), PortError> {
        let (devices, docs): (Vec<Vec<u8>>, Vec<Vec<u8>>) = rows.iter().cloned().unzip();
        in_transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO device_docs (device, doc_id)
                 SELECT * FROM UNNEST($1::bytea[], $2::bytea[])",
                &[&devices, &docs],
            )
            .await
            .map_err(port)?;
        })
    }

    fn load_blobs(&self, rows: &[BlobRow]) -> Result<(), PortError> {
        let blob: Vec<String> = rows.iter().map(|b| text(&b.blob)).collect();
        let size: Vec<i64> = rows.iter().map(|b| b.size).collect();
        let received: Vec<i64> = rows.iter().map(|b| b.received).collect();
        let device: Vec<Vec<u8>> = rows.iter().map(|b| b.device.clone()).collect();
        let stored: Vec<i64> = rows.iter().map(|b| b.stored_ms).collect();
        in_transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO blobs (blob, size, received, device, stored_ms)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bytea[],
                                      $5::bigint[])",
                &[&blob, &size, &received, &device, &stored],
            )
            .await
            .map_err(port)?;
        })
    }

    fn load_users(&self, rows: &[UserRow]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for u in rows {
                tx.execute(
                    "INSERT INTO users (name, role, password_hash, created_ms, password_ms,
                         disabled_ms, failed_logins, last_failed_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &text(&u.name),
                        &u.role,
                        &u.password_hash,
                        &u.created_ms,
                        &u.password_ms,
                        &u.disabled_ms,
                        &i64::from(u.failed_logins),
                        &u.last_failed_ms,
                    ],
                )
                .await
                .map_err(port)?;
            }
        })
    }

    fn load_audit(&self, rows: &[AuditEntry]) -> Result<(), PortError> {
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for a in rows {
                tx.execute(
                    "INSERT INTO audit (n, at_ms, actor, role, action, target, outcome, detail, peer)
                     OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &a.n,
                        &a.at_ms,
                        &a.actor.as_deref().map(text),
                        &a.role.as_deref().map(text),
                        &text(&a.action),
                        &a.target.as_deref().map(text),
                        &text(&a.outcome),
                        &text(&a.detail),
                        &a.peer.as_deref().map(text),
                    ],
                )
                .await
                .map_err(port)?;
            }
            follow_numbers(&tx, "audit").await?;
        })
    }
}

fn get<T: for<'a> tokio_postgres::types::FromSql<'a>>(r: &Row, i: usize) -> Result<T, PortError> {
    r.try_get(i).map_err(port)
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DumpSource for PgStore {
    fn dump_records(&self, after: i64, n: usize) -> Result<Vec<RecordRow>, PortError> {
        self.query(
            "SELECT seq, received_ms, origin, bytes FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
            vec![Box::new(after), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| {
            let origin: String = get(r, 2)?;
            Ok(RecordRow {
                seq: get(r, 0)?,
                received_ms: get(r, 1)?,
                origin: match origin.as_str() {
                    "local" => Origin::Local,
                    "remote" => Origin::Remote,
                    other => {
                        return Err(PortError::Backend(format!("a record's origin is {other:?}")))
                    }
                },
                record: SignedRecord::parse(get::<Vec<u8>>(r, 3)?).map_err(|e| {
                    PortError::Backend(format!("a held record does not read: {e}"))
                })?,
            })
        })
        .collect()
    }

    fn dump_leaves(&self, from: u64, n: usize) -> Result<Vec<LogEntry>, PortError> {
        self.query(
            "SELECT idx, data, at_ms FROM log_leaves WHERE idx >= $1 ORDER BY idx LIMIT $2",
            vec![Box::new(limit(from as usize)), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| {
            Ok(LogEntry {
                index: get::<i64>(r, 0)? as u64,
                data: get(r, 1)?,
                at_ms: get(r, 2)?,
            })
        })
        .collect()
    }

    fn dump_checkpoints(
        &self,
        after: Option<u64>,
        n: usize,
    ) -> Result<Vec<CheckpointRow>, PortError> {
        let after = after.map_or(-1, |a| limit(a as usize));
        self.query(
            "SELECT size, at_ms, text FROM log_checkpoints WHERE size > $1 ORDER BY size LIMIT $2",
            vec![Box::new(after), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| {
            Ok(CheckpointRow {
                size: get::<i64>(r, 0)? as u64,
                at_ms: get(r, 1)?,
                text: get(r, 2)?,
            })
        })
        .collect()
    }

    fn dump_refusals(&self, after: i64, n: usize) -> Result<Vec<RefusalRow>, PortError> {
        self.query(
            "SELECT n, at_ms, record_id, signer, peer, reason FROM rejections
             WHERE n > $1 ORDER BY n LIMIT $2",
            vec![Box::new(after), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| {
            Ok(RefusalRow {
                n: get(r, 0)?,
                at_ms: get(r, 1)?,
                record: get(r, 2)?,
                signer: get(r, 3)?,
                peer: get(r, 4)?,
                reason: get(r, 5)?,
            })
        })
        .collect()
    }

    fn dump_devices(&self) -> Result<Vec<DeviceRow>, PortError> {
        self.query(
            "SELECT key, unit, enrolled_ms, revoked_ms, revoked_reason, revoked_by,
                    last_seen_ms, last_addr, app_version, backlog_records,
                    backlog_scan_bytes, clock_offset_ms, stated_ms, refused_count,
                    last_refused_ms, sync_started_ms, sync_finished_ms, wipe_ordered_ms,
                    wipe_told_ms, wipe_backlog_records, wipe_backlog_scan_bytes
             FROM devices ORDER BY key",
            vec![],
        )?
        .iter()
        .map(|r| {
            Ok(DeviceRow {
                key: get(r, 0)?,
                unit: get(r, 1)?,
                enrolled_ms: get(r, 2)?,
                revoked_ms: get(r, 3)?,
                revoked_reason: get(r, 4)?,
                revoked_by: get(r, 5)?,
                last_seen_ms: get(r, 6)?,
                last_addr: get(r, 7)?,
                app_version: get(r, 8)?,
                backlog_records: get(r, 9)?,
                backlog_scan_bytes: get(r, 10)?,
                clock_offset_ms: get(r, 11)?,
                stated_ms: get(r, 12)?,
                refused_count: get(r, 13)?,
                last_refused_ms: get(r, 14)?,
                sync_started_ms: get(r, 15)?,
                sync_finished_ms: get(r, 16)?,
                wipe_ordered_ms: get(r, 17)?,
                wipe_told_ms: get(r, 18)?,
                wipe_backlog_records: get(r, 19)?,
                wipe_backlog_scan_bytes: get(r, 20)?,
            })
        })
        .collect()
    }

    fn dump_enrollments(&self) -> Result<Vec<EnrollmentRow>, PortError> {
        self.query(
            "SELECT secret_hash, unit, created_ms, expires_ms, created_by, used_ms, used_by,
                    cancelled_ms, cancelled_by
             FROM enrollments ORDER BY created_ms, secret_hash",
            vec![],
        )?
        .iter()
        .map(|r| {
            Ok(EnrollmentRow {
                secret_hash: get(r, 0)?,
                unit: get(r, 1)?,
                created_ms: get(r, 2)?,
                expires_ms: get(r, 3)?,
                created_by: get(r, 4)?,
                used_ms: get(r, 5)?,
                used_by: get(r, 6)?,
                cancelled_ms: get(r, 7)?,
                cancelled_by: get(r, 8)?,
            })
        })
        .collect()
    }

    fn dump_follows(
        &self,
        after: Option<FollowRow>,
        n: usize,
    ) -> Result<Vec<FollowRow>, PortError> {
        let (device, doc) = after.unwrap_or_default();
        self.query(
            "SELECT device, doc_id FROM device_docs WHERE (device, doc_id) > ($1, $2)
             ORDER BY device, doc_id LIMIT $3",
            vec![Box::new(device), Box::new(doc), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
        .collect()
    }

    fn dump_blobs(&self, after: Option<String>, n: usize) -> Result<Vec<BlobRow>, PortError> {
        self.query(
            "SELECT blob, size, received, device, stored_ms FROM blobs
             WHERE $1::text IS NULL OR blob COLLATE \"C\" > $1 ORDER BY blob COLLATE \"C\" LIMIT $2",
            vec![Box::new(after), Box::new(limit(n))],
        )?
        .iter()
        .map(|r| {
            Ok(BlobRow {
                blob: get(r, 0)?,
                size: get(r, 1)?,
                received: get(r, 2)?,
                device: get(r, 3)?,
                stored_ms: get(r, 4)?,
            })
        })
        .collect()
    }
}
