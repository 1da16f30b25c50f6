//! PostgreSQL as the destination of a server's move ([`DumpSink`]): rows
//! as the source held them, positions and numbers kept, each call in one
//! transaction.

use crate::records::LogWrites;
use crate::{port, text, PgStore};
use kordon_log::Leaf;
use kordon_model::rules::ChangeOps;
use kordon_ports::dump::{
    BlobRow, CheckpointRow, DeviceRow, DumpSink, EnrollmentRow, FollowRow, RecordRow, RefusalRow,
};
use kordon_ports::{AuditEntry, LogEntry, PortError, UserRow, Witness};

/// Tables a move fills: a destination holding a row in any is refused.
const FILLED: [&str; 9] = [
    "records",
    "log_leaves",
    "log_checkpoints",
    "rejections",
    "devices",
    "enrollments",
    "blobs",
    "users",
    "audit",
];

/// Records as columns, for one bulk insert.
#[derive(Default)]
struct RecordColumns {
    seq: Vec<i64>,
    id: Vec<Vec<u8>>,
    doc: Vec<Vec<u8>>,
    signer: Vec<Vec<u8>>,
    officer: Vec<String>,
    created: Vec<i64>,
    received: Vec<i64>,
    origin: Vec<&'static str>,
    bytes: Vec<Vec<u8>>,
    change_seq: Vec<i64>,
    change_hash: Vec<Vec<u8>>,
}

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
        let rows = self.query(format!("SELECT {sql}"), vec![])?;
        rows.first()
            .map(|r| r.try_get::<_, bool>(0).map_err(port))
            .unwrap_or(Ok(false))
    }

    fn load_records(&self, rows: &[RecordRow]) -> Result<(), PortError> {
        let mut c = RecordColumns::default();
        for row in rows {
            let r = &row.record;
            let change = ChangeOps::decode_held(r.payload()).map_err(|e| {
                PortError::Backend(format!(
                    "record {} (position {}) holds no readable change: {e}",
                    r.id(),
                    row.seq
                ))
            })?;
            let meta = change.meta();
            c.seq.push(row.seq);
            c.id.push(r.id().0.to_vec());
            c.doc.push(r.doc_id().to_vec());
            c.signer.push(r.signer().0.to_vec());
            c.officer.push(text(r.officer()));
            c.created.push(r.created_ms());
            c.received.push(row.received_ms);
            c.origin.push(row.origin.as_str());
            c.bytes.push(r.bytes().to_vec());
            c.change_seq.push(meta.seq as i64);
            c.change_hash.push(meta.hash.to_vec());
        }
        in_transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO records (seq, id, doc_id, signer, officer, created_ms, received_ms,
                                      origin, bytes, change_seq, change_hash)
                 SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[],
                                      $5::text[], $6::bigint[], $7::bigint[], $8::text[],
                                      $9::bytea[], $10::bigint[], $11::bytea[])",
                &[
                    &c.seq,
                    &c.id,
                    &c.doc,
                    &c.signer,
                    &c.officer,
                    &c.created,
                    &c.received,
                    &c.origin,
                    &c.bytes,
                    &c.change_seq,
                    &c.change_hash,
                ],
            )
            .await
            .map_err(port)?;
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
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for r in rows {
                tx.execute(
                    "INSERT INTO rejections (n, at_ms, record_id, signer, peer, reason)
                     OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &r.n,
                        &r.at_ms,
                        &r.record,
                        &r.signer,
                        &r.peer.as_deref().map(text),
                        &text(&r.reason),
                    ],
                )
                .await
                .map_err(port)?;
            }
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
        let rows = rows.to_vec();
        in_transaction!(self, |tx| {
            for b in rows {
                tx.execute(
                    "INSERT INTO blobs (blob, size, received, device, stored_ms)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &text(&b.blob),
                        &b.size,
                        &b.received,
                        &b.device,
                        &b.stored_ms,
                    ],
                )
                .await
                .map_err(port)?;
            }
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
