//! The server's register: devices and their standing, enrollment secrets
//! (only their hashes), the documents each device follows, and the scan
//! blobs received. The rules (who may enroll, what a revocation reaches,
//! what a device may read) live in `kordon-central`; this module only
//! stores and finds.

use crate::error::port;
use crate::{Store, StoreError};
use kordon_ports::register::{fingerprint, last_sync, page_down};
use kordon_ports::{
    BlobInfo, DeviceInfo, DownPage, NewEnrollment, PendingEnrollment, PortError, Register,
    Standing, Stated, Wipe, WipeTarget,
};
use kordon_record::PublicKey;
use rusqlite::{params, Connection, OptionalExtension};

/// The register's tables: created if missing, and given the columns added
/// since their first shape. Only a server has them (a vehicle's database
/// never does, so its schema version does not move for them).
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS devices (
            key          BLOB PRIMARY KEY,
            unit         TEXT NOT NULL,
            enrolled_ms  INTEGER NOT NULL,
            revoked_ms   INTEGER,
            last_seen_ms INTEGER,
            last_addr    TEXT,
            last_cursor  INTEGER
        );
        CREATE INDEX IF NOT EXISTS devices_unit ON devices (unit);
        CREATE TABLE IF NOT EXISTS enrollments (
            secret_hash BLOB PRIMARY KEY,
            unit        TEXT NOT NULL,
            created_ms  INTEGER NOT NULL,
            expires_ms  INTEGER NOT NULL,
            used_ms     INTEGER,
            used_by     BLOB
        );
        CREATE TABLE IF NOT EXISTS device_docs (
            device BLOB NOT NULL,
            doc_id BLOB NOT NULL,
            PRIMARY KEY (device, doc_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blobs (
            blob       TEXT PRIMARY KEY,
            size       INTEGER NOT NULL,
            received   INTEGER NOT NULL,
            device     BLOB NOT NULL,
            stored_ms  INTEGER NOT NULL
        );",
    )?;
    // What a vehicle states at each connection (its Hello), and what the
    // fleet page shows (why and by whom a device was revoked, its refused
    // attempts since, its last session).
    add_columns(
        conn,
        "devices",
        &[
            ("app_version", "TEXT"),
            ("backlog_records", "INTEGER"),
            ("backlog_scan_bytes", "INTEGER"),
            ("clock_offset_ms", "INTEGER"),
            ("stated_ms", "INTEGER"),
            ("revoked_reason", "TEXT"),
            ("revoked_by", "TEXT"),
            ("refused_count", "INTEGER NOT NULL DEFAULT 0"),
            ("last_refused_ms", "INTEGER"),
            ("sync_started_ms", "INTEGER"),
            ("sync_finished_ms", "INTEGER"),
            // A remote wipe: ordered with the revocation, told to the
            // vehicle at its next connection with the backlog it stated.
            ("wipe_ordered_ms", "INTEGER"),
            ("wipe_told_ms", "INTEGER"),
            ("wipe_backlog_records", "INTEGER"),
            ("wipe_backlog_scan_bytes", "INTEGER"),
        ],
    )?;
    add_columns(
        conn,
        "enrollments",
        &[
            ("created_by", "TEXT"),
            ("cancelled_ms", "INTEGER"),
            ("cancelled_by", "TEXT"),
        ],
    )?;
    Ok(())
}

/// Adds to `table` each of `columns` it lacks (names and types are this
/// file's constants, never input).
fn add_columns(conn: &Connection, table: &str, columns: &[(&str, &str)]) -> Result<(), StoreError> {
    let have: Vec<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (column, kind) in columns {
        if !have.iter().any(|c| c == column) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
}

/// Counts the store keeps as SQLite integers (saturating).
fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unit_of(conn: &Connection, key: &PublicKey) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT unit FROM devices WHERE key = ?1")?
        .query_row([&key.0[..]], |r| r.get(0))
        .optional()?)
}

/// Whether `device` (of `unit`) follows `doc`, or `doc` is a hotlist sent
/// to its unit.
fn reads_doc(
    conn: &Connection,
    device: &PublicKey,
    unit: &str,
    doc: &[u8; 16],
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM device_docs WHERE device = ?1 AND doc_id = ?2)
                 OR EXISTS (SELECT 1 FROM hotlists WHERE doc_id = ?2
                            AND (units = ' ' OR instr(units, ' ' || ?3 || ' ') > 0))",
        )?
        .query_row(params![&device.0[..], &doc[..], unit], |r| r.get(0))?)
}

/// Runs a register operation, its errors as the port reports them.
fn sqlite<T>(op: impl FnOnce() -> Result<T, StoreError>) -> Result<T, PortError> {
    op().map_err(port)
}

fn device_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceInfo> {
    let key = hex::encode(r.get::<_, Vec<u8>>(0)?);
    let last_refused_ms: Option<i64> = r.get(15)?;
    let started: Option<i64> = r.get(16)?;
    let finished: Option<i64> = r.get(17)?;
    let unsigned = |n: i64| n.max(0) as u64;
    Ok(DeviceInfo {
        fingerprint: fingerprint(&key),
        key,
        unit: r.get(1)?,
        enrolled_ms: r.get(2)?,
        revoked_ms: r.get(3)?,
        last_seen_ms: r.get(4)?,
        last_addr: r.get(5)?,
        records: unsigned(r.get(6)?),
        app_version: r.get(7)?,
        backlog_records: r.get::<_, Option<i64>>(8)?.map(unsigned),
        backlog_scan_bytes: r.get::<_, Option<i64>>(9)?.map(unsigned),
        clock_offset_ms: r.get(10)?,
        stated_ms: r.get(11)?,
        revoked_reason: r.get(12)?,
        revoked_by: r.get(13)?,
        refused_count: unsigned(r.get(14)?),
        last_refused_ms,
        last_sync: last_sync(started, finished, last_refused_ms),
        wipe: r
            .get::<_, Option<i64>>(18)?
            .map(|ordered_ms| -> rusqlite::Result<Wipe> {
                Ok(Wipe {
                    ordered_ms,
                    told_ms: r.get(19)?,
                    backlog_records: r.get::<_, Option<i64>>(20)?.map(unsigned),
                    backlog_scan_bytes: r.get::<_, Option<i64>>(21)?.map(unsigned),
                })
            })
            .transpose()?,
    })
}

impl Store {
    /// Makes the server's register (devices, enrollment secrets, the
    /// documents each device follows, the scans received), or completes
    /// one made by an older server, in one transaction. The server calls
    /// it each time it opens its store; it changes nothing the second
    /// time.
    pub fn open_register(&self) -> Result<(), StoreError> {
        let tx = rusqlite::Transaction::new_unchecked(
            self.connection(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
        migrate(&tx)?;
        tx.commit()?;
        Ok(())
    }
}

impl Register for Store {
    fn device_unit(&self, key: &PublicKey) -> Result<Option<String>, PortError> {
        sqlite(|| unit_of(self.connection(), key))
    }

    fn device_enrolled(&self, key: &PublicKey) -> Result<Option<(String, i64)>, PortError> {
        sqlite(|| {
            Ok(self
                .connection()
                .prepare_cached("SELECT unit, enrolled_ms FROM devices WHERE key = ?1")?
                .query_row([&key.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
    }

    fn device_standing(&self, key: &PublicKey) -> Result<Standing, PortError> {
        sqlite(|| {
            type Row = (String, Option<i64>, Option<String>, Option<i64>);
            let row: Option<Row> = self
                .connection()
                .prepare_cached(
                    "SELECT unit, revoked_ms, revoked_reason, wipe_ordered_ms FROM devices WHERE key = ?1",
                )?
                .query_row([&key.0[..]], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            Ok(match row {
                Some((unit, None, _, _)) => Standing::Enrolled { unit },
                Some((unit, Some(_), reason, wipe)) => Standing::Revoked {
                    unit,
                    reason: reason.unwrap_or_default(),
                    wipe: wipe.is_some(),
                },
                None => Standing::Unknown,
            })
        })
    }

    fn device_reads_doc(&self, device: &PublicKey, doc: &[u8; 16]) -> Result<bool, PortError> {
        sqlite(|| {
            let conn = self.connection();
            let unit = unit_of(conn, device)?.unwrap_or_default();
            reads_doc(conn, device, &unit, doc)
        })
    }

    fn device_reads_record(&self, device: &PublicKey, id: &[u8; 32]) -> Result<bool, PortError> {
        sqlite(|| {
            let doc: Option<Vec<u8>> = self
                .connection()
                .prepare_cached("SELECT doc_id FROM records WHERE id = ?1")?
                .query_row([&id[..]], |r| r.get(0))
                .optional()?;
            match doc.and_then(|d| <[u8; 16]>::try_from(d.as_slice()).ok()) {
                Some(doc) => {
                    let conn = self.connection();
                    let unit = unit_of(conn, device)?.unwrap_or_default();
                    reads_doc(conn, device, &unit, &doc)
                }
                None => Ok(false),
            }
        })
    }

    fn signs_where_device_reads(
        &self,
        device: &PublicKey,
        signer: &PublicKey,
    ) -> Result<bool, PortError> {
        sqlite(|| {
            if signer == device {
                return Ok(true);
            }
            Ok(self
                .connection()
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM records r JOIN device_docs d ON d.doc_id = r.doc_id
                                    WHERE d.device = ?1 AND r.signer = ?2)",
                )?
                .query_row(params![&device.0[..], &signer.0[..]], |r| r.get(0))?)
        })
    }

    fn doc_starter(&self, doc: &[u8; 16]) -> Result<Option<PublicKey>, PortError> {
        sqlite(|| {
            let key: Option<Vec<u8>> = self
                .connection()
                .prepare_cached(
                    "SELECT signer FROM records WHERE doc_id = ?1 ORDER BY seq LIMIT 1",
                )?
                .query_row([&doc[..]], |r| r.get(0))
                .optional()?;
            Ok(key
                .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
                .map(PublicKey))
        })
    }

    fn enrollment_insert(&self, e: &NewEnrollment<'_>) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "INSERT INTO enrollments (secret_hash, unit, created_ms, expires_ms, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    e.secret_hash,
                    e.unit,
                    e.created_ms,
                    e.expires_ms,
                    e.created_by
                ],
            )?;
            Ok(())
        })
    }

    fn enrollment_redeem(
        &self,
        secret_hash: &[u8],
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<Option<String>, PortError> {
        sqlite(|| {
            // One transaction: the token is used up if and only if the device
            // is enrolled (a power cut in between must not burn the token).
            let tx = rusqlite::Transaction::new_unchecked(
                self.connection(),
                rusqlite::TransactionBehavior::Immediate,
            )?;
            let unit: Option<String> = tx
                .query_row(
                    "SELECT unit FROM enrollments
                     WHERE secret_hash = ?1 AND used_ms IS NULL AND cancelled_ms IS NULL
                       AND expires_ms > ?2",
                    params![secret_hash, now_ms],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(unit) = unit else { return Ok(None) };
            let used = tx.execute(
                "UPDATE enrollments SET used_ms = ?1, used_by = ?2
                 WHERE secret_hash = ?3 AND used_ms IS NULL",
                params![now_ms, &device.0[..], secret_hash],
            )?;
            let added = tx.execute(
                "INSERT INTO devices (key, unit, enrolled_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO NOTHING",
                params![&device.0[..], unit, now_ms],
            )?;
            if used != 1 || added != 1 {
                return Ok(None); // dropped transaction: nothing changes
            }
            tx.commit()?;
            Ok(Some(unit))
        })
    }

    fn enrollments_pending(&self, now_ms: i64) -> Result<Vec<PendingEnrollment>, PortError> {
        sqlite(|| {
            let mut stmt = self.connection().prepare(
                "SELECT secret_hash, unit, created_ms, expires_ms, created_by FROM enrollments
                 WHERE used_ms IS NULL AND cancelled_ms IS NULL AND expires_ms > ?1
                 ORDER BY created_ms DESC, secret_hash",
            )?;
            let rows = stmt.query_map([now_ms], |r| {
                let hash: Vec<u8> = r.get(0)?;
                Ok(PendingEnrollment {
                    id: hex::encode(&hash[..hash.len().min(8)]),
                    unit: r.get(1)?,
                    created_ms: r.get(2)?,
                    expires_ms: r.get(3)?,
                    created_by: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn enrollment_cancel(
        &self,
        id: &[u8],
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError> {
        sqlite(|| {
            Ok(self.connection().execute(
                "UPDATE enrollments SET cancelled_ms = ?1, cancelled_by = ?2
                 WHERE substr(secret_hash, 1, 8) = ?3 AND used_ms IS NULL AND cancelled_ms IS NULL",
                params![now_ms, by, id],
            )?)
        })
    }

    fn unit_revoke(
        &self,
        unit: &str,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<usize>, PortError> {
        sqlite(|| {
            let tx = rusqlite::Transaction::new_unchecked(
                self.connection(),
                rusqlite::TransactionBehavior::Immediate,
            )?;
            let known: i64 = tx.query_row(
                "SELECT COUNT(*) FROM devices WHERE unit = ?1",
                [unit],
                |r| r.get(0),
            )?;
            if known == 0 {
                return Ok(None);
            }
            let n = tx.execute(
                "UPDATE devices SET revoked_ms = ?1, revoked_reason = ?2, revoked_by = ?3
                 WHERE unit = ?4 AND revoked_ms IS NULL",
                params![now_ms, reason, by, unit],
            )?;
            // Unused secrets for the unit die with it.
            tx.execute(
                "UPDATE enrollments SET cancelled_ms = ?1, cancelled_by = ?2
                 WHERE unit = ?3 AND used_ms IS NULL AND cancelled_ms IS NULL",
                params![now_ms, by, unit],
            )?;
            tx.commit()?;
            Ok(Some(n))
        })
    }

    fn device_keys_starting(&self, hex_prefix: &str) -> Result<Vec<PublicKey>, PortError> {
        sqlite(|| {
            let keys: Vec<Vec<u8>> = self
                .connection()
                .prepare("SELECT key FROM devices WHERE hex(key) LIKE ?1 || '%'")?
                .query_map([hex_prefix.to_ascii_uppercase()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(keys
                .into_iter()
                .filter_map(|k| <[u8; 32]>::try_from(k.as_slice()).ok().map(PublicKey))
                .collect())
        })
    }

    fn device_revoke(
        &self,
        key: &PublicKey,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError> {
        sqlite(|| {
            Ok(self.connection().execute(
                "UPDATE devices SET revoked_ms = ?1, revoked_reason = ?2, revoked_by = ?3
                 WHERE key = ?4 AND revoked_ms IS NULL",
                params![now_ms, reason, by, &key.0[..]],
            )?)
        })
    }

    fn wipe_order(&self, target: WipeTarget<'_>, now_ms: i64) -> Result<usize, PortError> {
        sqlite(|| {
            let conn = self.connection();
            Ok(match target {
                WipeTarget::Unit(unit) => conn.execute(
                    "UPDATE devices SET wipe_ordered_ms = ?1
                     WHERE unit = ?2 AND revoked_ms IS NOT NULL AND wipe_ordered_ms IS NULL",
                    params![now_ms, unit],
                )?,
                WipeTarget::KeyPrefix(prefix) => conn.execute(
                    "UPDATE devices SET wipe_ordered_ms = ?1
                     WHERE hex(key) LIKE ?2 || '%' AND revoked_ms IS NOT NULL
                       AND wipe_ordered_ms IS NULL",
                    params![now_ms, prefix.to_ascii_uppercase()],
                )?,
            })
        })
    }

    fn device_backlog(&self, device: &PublicKey) -> Result<Option<(u64, u64)>, PortError> {
        sqlite(|| {
            let stated: Option<(Option<i64>, Option<i64>)> = self
                .connection()
                .query_row(
                    "SELECT backlog_records, backlog_scan_bytes FROM devices WHERE key = ?1",
                    [&device.0[..]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(match stated {
                Some((Some(r), Some(b))) => Some((r.max(0) as u64, b.max(0) as u64)),
                _ => None,
            })
        })
    }

    fn wipe_told(
        &self,
        device: &PublicKey,
        backlog: Option<(u64, u64)>,
        now_ms: i64,
    ) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "UPDATE devices SET wipe_told_ms = ?1,
                        wipe_backlog_records = ?2,
                        wipe_backlog_scan_bytes = ?3
                 WHERE key = ?4 AND wipe_ordered_ms IS NOT NULL AND wipe_told_ms IS NULL",
                params![
                    now_ms,
                    backlog.map(|b| count(b.0)),
                    backlog.map(|b| count(b.1)),
                    &device.0[..]
                ],
            )?;
            Ok(())
        })
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, PortError> {
        sqlite(|| {
            let mut stmt = self.connection().prepare(
                "SELECT d.key, d.unit, d.enrolled_ms, d.revoked_ms, d.last_seen_ms, d.last_addr,
                        (SELECT COUNT(*) FROM records r WHERE r.signer = d.key),
                        d.app_version, d.backlog_records, d.backlog_scan_bytes,
                        d.clock_offset_ms, d.stated_ms, d.revoked_reason, d.revoked_by,
                        d.refused_count, d.last_refused_ms, d.sync_started_ms, d.sync_finished_ms,
                        d.wipe_ordered_ms, d.wipe_told_ms, d.wipe_backlog_records,
                        d.wipe_backlog_scan_bytes
                 FROM devices d ORDER BY d.unit, d.enrolled_ms, d.key",
            )?;
            let rows = stmt.query_map([], device_info)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn device_refused(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "UPDATE devices SET refused_count = refused_count + 1, last_refused_ms = ?1
                 WHERE key = ?2",
                params![now_ms, &device.0[..]],
            )?;
            Ok(())
        })
    }

    fn device_delivered(
        &self,
        device: &PublicKey,
        records: u64,
        scan_bytes: u64,
    ) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "UPDATE devices SET backlog_records = MAX(0, backlog_records - ?1),
                                    backlog_scan_bytes = MAX(0, backlog_scan_bytes - ?2)
                 WHERE key = ?3",
                params![count(records), count(scan_bytes), &device.0[..]],
            )?;
            Ok(())
        })
    }

    fn device_sync_finished(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "UPDATE devices SET sync_finished_ms = ?1 WHERE key = ?2",
                params![now_ms, &device.0[..]],
            )?;
            Ok(())
        })
    }

    fn device_stated(
        &self,
        device: &PublicKey,
        stated: &Stated<'_>,
        now_ms: i64,
    ) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "UPDATE devices SET app_version = ?1, backlog_records = ?2, backlog_scan_bytes = ?3,
                        clock_offset_ms = ?4, stated_ms = ?5
                 WHERE key = ?6",
                params![
                    stated.app_version,
                    count(stated.backlog_records),
                    count(stated.backlog_scan_bytes),
                    stated.clock_offset_ms,
                    now_ms,
                    &device.0[..]
                ],
            )?;
            Ok(())
        })
    }

    fn device_seen(
        &self,
        device: &PublicKey,
        addr: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<(), PortError> {
        sqlite(|| {
            let sql = if starts_session {
                "UPDATE devices SET last_seen_ms = ?1, last_addr = ?2, sync_started_ms = ?1
                 WHERE key = ?3"
            } else {
                "UPDATE devices SET last_seen_ms = ?1, last_addr = ?2 WHERE key = ?3"
            };
            self.connection()
                .execute(sql, params![now_ms, addr, &device.0[..]])?;
            Ok(())
        })
    }

    fn records_down(
        &self,
        device: &PublicKey,
        cursor: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<DownPage, PortError> {
        sqlite(|| {
            let tx = self.connection().unchecked_transaction()?;
            let unit = unit_of(&tx, device)?.unwrap_or_default();
            let mut stmt = tx.prepare_cached(
                "SELECT r.seq, r.bytes FROM records r
                 WHERE r.seq > ?2 AND r.signer != ?1
                   AND (r.doc_id IN (SELECT doc_id FROM device_docs WHERE device = ?1)
                        OR r.doc_id IN (SELECT doc_id FROM hotlists
                                        WHERE units = ' ' OR instr(units, ' ' || ?4 || ' ') > 0))
                 ORDER BY r.seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                params![
                    &device.0[..],
                    count(cursor),
                    count(max_records as u64 + 1),
                    unit
                ],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )?;
            let rows: Vec<(i64, Vec<u8>)> = rows.collect::<Result<_, _>>()?;
            drop(stmt);
            let page = page_down(rows, cursor, max_records, max_bytes);
            if page.more {
                return Ok(page);
            }
            let head: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM records", [], |r| {
                r.get(0)
            })?;
            Ok(page.at_head(head))
        })
    }

    fn blob_arrived(
        &self,
        blob: &str,
        size: u64,
        received: u64,
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<(), PortError> {
        sqlite(|| {
            self.connection().execute(
                "INSERT OR IGNORE INTO blobs (blob, size, received, device, stored_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![blob, count(size), count(received), &device.0[..], now_ms],
            )?;
            Ok(())
        })
    }

    fn blobs_received(&self) -> Result<Vec<BlobInfo>, PortError> {
        sqlite(|| {
            let mut stmt = self.connection().prepare(
                "SELECT blob, size, received, device, stored_ms FROM blobs
                 ORDER BY stored_ms DESC, blob",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(BlobInfo {
                    blob: r.get(0)?,
                    size: r.get::<_, i64>(1)?.max(0) as u64,
                    received: r.get::<_, i64>(2)?.max(0) as u64,
                    device: hex::encode(r.get::<_, Vec<u8>>(3)?),
                    stored_ms: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
