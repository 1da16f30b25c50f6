//! The register of devices and enrollment secrets.

use crate::{Central, CentralError};
use kordon_record::PublicKey;
use kordon_transport::EnrollmentToken;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Enrollment secrets are stored hashed, never in clear.
fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).to_vec()
}

pub(crate) fn migrate(conn: &Connection) -> Result<(), CentralError> {
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
        ) WITHOUT ROWID;",
    )?;
    // What a vehicle states at each connection (HelloV2), and what the
    // fleet page shows (why and by whom a device was revoked, its refused
    // attempts since, its last session): added to registers made before.
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
fn add_columns(
    conn: &Connection,
    table: &str,
    columns: &[(&str, &str)],
) -> Result<(), CentralError> {
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

/// Longest reason an administrator may give for a revocation.
pub const MAX_REVOKE_REASON: usize = 200;
/// Longest an enrollment token may stay valid (hours): 30 days.
pub const MAX_ENROLL_TTL_HOURS: u32 = 720;

/// How a vehicle's last session went, as the register saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LastSync {
    /// It has never connected after enrolling (or the register predates
    /// this record).
    Never,
    /// Its last session ran to the end.
    Complete,
    /// Its last session started and did not finish (link lost, power cut,
    /// still running).
    Interrupted,
    /// Its last attempt was refused (revoked, unknown).
    Refused,
}

/// A remote wipe of a device: ordered with its revocation, told to the
/// vehicle at its next connection. What it held unsent then is what it
/// stated in that connection's Hello (counts, never content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct Wipe {
    #[ts(type = "number")]
    pub ordered_ms: i64,
    /// When the vehicle was told (null: it has not connected since).
    #[ts(type = "number | null")]
    pub told_ms: Option<i64>,
    /// Signed records it had not delivered when told (null: not told, or
    /// it stated nothing).
    #[ts(type = "number | null")]
    pub backlog_records: Option<u64>,
    /// Bytes of scans it had not delivered when told.
    #[ts(type = "number | null")]
    pub backlog_scan_bytes: Option<u64>,
}

/// A device as the register knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct DeviceInfo {
    /// Its public key (64 hex digits).
    pub key: String,
    /// The key's fingerprint as people compare it: the first 16 hex
    /// digits in groups of four.
    pub fingerprint: String,
    pub unit: String,
    /// Enrolled: its first contact (a vehicle enrolls at its first
    /// connection).
    #[ts(type = "number")]
    pub enrolled_ms: i64,
    #[ts(type = "number | null")]
    pub revoked_ms: Option<i64>,
    /// Why, as the administrator said (also sent to the vehicle).
    pub revoked_reason: Option<String>,
    /// Who revoked it (an account, or null: the command line).
    pub revoked_by: Option<String>,
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    pub last_addr: Option<String>,
    /// Records stored from this device.
    #[ts(type = "number")]
    pub records: u64,
    /// What the vehicle stated at its last connection (null: it has not,
    /// e.g. a vehicle too old to say): its version, its backlog (records
    /// and scan bytes not yet delivered), its clock minus the server's.
    pub app_version: Option<String>,
    #[ts(type = "number | null")]
    pub backlog_records: Option<u64>,
    #[ts(type = "number | null")]
    pub backlog_scan_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    /// When it last stated them (server clock).
    #[ts(type = "number | null")]
    pub stated_ms: Option<i64>,
    /// How its last session or attempt went.
    pub last_sync: LastSync,
    /// Connections refused since it was revoked (or while unknown).
    #[ts(type = "number")]
    pub refused_count: u64,
    #[ts(type = "number | null")]
    pub last_refused_ms: Option<i64>,
    /// A remote wipe ordered for it, if any.
    pub wipe: Option<Wipe>,
}

/// An enrollment token not yet used, expired or cancelled. The token
/// itself is not kept (only its hash): it is shown once, when made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, utoipa::ToSchema)]
pub struct PendingEnrollment {
    /// Names it for cancelling (16 hex digits of the secret's hash; not
    /// the secret).
    pub id: String,
    pub unit: String,
    #[ts(type = "number")]
    pub created_ms: i64,
    #[ts(type = "number")]
    pub expires_ms: i64,
    /// The account that made it (null: the command line).
    pub created_by: Option<String>,
}

/// What a revocation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// Every device of a unit, and its unused tokens.
    Unit(String),
    /// One device, by its key (64 hex digits) or a prefix of at least 8.
    Device(String),
}

/// The fingerprint people read aloud: `abcd ef01 2345 6789`.
pub fn fingerprint(key_hex: &str) -> String {
    key_hex
        .as_bytes()
        .chunks(4)
        .take(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The unit of an enrolled (or revoked) device.
pub(crate) fn unit_of(conn: &Connection, key: &PublicKey) -> Result<Option<String>, CentralError> {
    Ok(conn
        .prepare_cached("SELECT unit FROM devices WHERE key = ?1")?
        .query_row([&key.0[..]], |r| r.get(0))
        .optional()?)
}

/// A device's unit and enrollment time, revoked or not.
pub(crate) fn enrolled_of(
    conn: &Connection,
    key: &PublicKey,
) -> Result<Option<(String, i64)>, CentralError> {
    Ok(conn
        .prepare_cached("SELECT unit, enrolled_ms FROM devices WHERE key = ?1")?
        .query_row([&key.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Whether `device` may read the document: it follows it (it wrote to it,
/// or its records came down to it), or it is a hotlist sent to its unit.
pub(crate) fn reads_doc(
    conn: &Connection,
    device: &PublicKey,
    doc: &[u8; 16],
) -> Result<bool, CentralError> {
    let unit = unit_of(conn, device)?.unwrap_or_default();
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM device_docs WHERE device = ?1 AND doc_id = ?2)
                 OR EXISTS (SELECT 1 FROM hotlists WHERE doc_id = ?2
                            AND (units = ' ' OR instr(units, ' ' || ?3 || ' ') > 0))",
        )?
        .query_row(params![&device.0[..], &doc[..], unit], |r| r.get(0))?)
}

/// Whether `device` may read the document record `id` belongs to.
pub(crate) fn reads_record(
    conn: &Connection,
    device: &PublicKey,
    id: &[u8; 32],
) -> Result<bool, CentralError> {
    let doc: Option<Vec<u8>> = conn
        .prepare_cached("SELECT doc_id FROM records WHERE id = ?1")?
        .query_row([&id[..]], |r| r.get(0))
        .optional()?;
    match doc.and_then(|d| <[u8; 16]>::try_from(d.as_slice()).ok()) {
        Some(doc) => reads_doc(conn, device, &doc),
        None => Ok(false),
    }
}

/// Whether `signer` is `device` itself or signed a record in a document
/// `device` follows.
pub(crate) fn signs_where_reads(
    conn: &Connection,
    device: &PublicKey,
    signer: &PublicKey,
) -> Result<bool, CentralError> {
    if signer == device {
        return Ok(true);
    }
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM records r JOIN device_docs d ON d.doc_id = r.doc_id
                            WHERE d.device = ?1 AND r.signer = ?2)",
        )?
        .query_row(params![&device.0[..], &signer.0[..]], |r| r.get(0))?)
}

/// The signer of an inspection's first stored record.
pub(crate) fn owner_of(
    conn: &Connection,
    doc: &[u8; 16],
) -> Result<Option<PublicKey>, CentralError> {
    let key: Option<Vec<u8>> = conn
        .prepare_cached("SELECT signer FROM records WHERE doc_id = ?1 ORDER BY seq LIMIT 1")?
        .query_row([&doc[..]], |r| r.get(0))
        .optional()?;
    Ok(key
        .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
        .map(PublicKey))
}

/// A device's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    Enrolled {
        unit: String,
    },
    Revoked {
        unit: String,
        /// The administrator's reason ("" if none was given).
        reason: String,
        /// The centre ordered the vehicle's data destroyed.
        wipe: bool,
    },
    Unknown,
}

pub(crate) fn standing(conn: &Connection, key: &PublicKey) -> Result<Standing, CentralError> {
    type Row = (String, Option<i64>, Option<String>, Option<i64>);
    let row: Option<Row> = conn
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
}

/// Consumes a one-time secret for `device`. `Ok(Some(unit))` if the secret
/// was valid (now used), `Ok(None)` if unknown, used or expired.
pub(crate) fn redeem(
    conn: &Connection,
    secret: &[u8],
    device: &PublicKey,
    now_ms: i64,
) -> Result<Option<String>, CentralError> {
    let hash = sha256(secret);
    // One transaction: the token is used up if and only if the device is
    // enrolled (a power cut in between must not burn the token).
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let unit: Option<String> = tx
        .query_row(
            "SELECT unit FROM enrollments
             WHERE secret_hash = ?1 AND used_ms IS NULL AND cancelled_ms IS NULL AND expires_ms > ?2",
            params![hash, now_ms],
            |r| r.get(0),
        )
        .optional()?;
    let Some(unit) = unit else { return Ok(None) };
    let used = tx.execute(
        "UPDATE enrollments SET used_ms = ?1, used_by = ?2 WHERE secret_hash = ?3 AND used_ms IS NULL",
        params![now_ms, &device.0[..], hash],
    )?;
    let added = tx.execute(
        "INSERT INTO devices (key, unit, enrolled_ms) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING",
        params![&device.0[..], unit, now_ms],
    )?;
    if used != 1 || added != 1 {
        return Ok(None); // dropped transaction: nothing changes
    }
    tx.commit()?;
    Ok(Some(unit))
}

impl Central {
    /// Creates a one-time enrollment for `unit`, valid `ttl_hours`, and
    /// returns the token to hand to the vehicle (from the command line).
    pub fn enroll(
        &self,
        unit: &str,
        addr: Option<&str>,
        ttl_hours: u32,
        now_ms: i64,
    ) -> Result<EnrollmentToken, CentralError> {
        self.enroll_by(unit, addr, ttl_hours, None, now_ms)
    }

    /// As [`enroll`](Self::enroll), noting the account that asked.
    pub fn enroll_by(
        &self,
        unit: &str,
        addr: Option<&str>,
        ttl_hours: u32,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<EnrollmentToken, CentralError> {
        let unit = unit.trim();
        if unit.is_empty() || unit.chars().count() > 64 || unit.chars().any(char::is_control) {
            return Err(CentralError::Invalid(format!(
                "unit name {unit:?} must be 1 to 64 printable characters"
            )));
        }
        if !(1..=MAX_ENROLL_TTL_HOURS).contains(&ttl_hours) {
            return Err(CentralError::Invalid(format!(
                "an enrollment token is valid between 1 and {MAX_ENROLL_TTL_HOURS} hours, not {ttl_hours}"
            )));
        }
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let expires = now_ms + i64::from(ttl_hours) * 3_600_000;
        self.store.connection().execute(
            "INSERT INTO enrollments (secret_hash, unit, created_ms, expires_ms, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256(&secret), unit, now_ms, expires, by],
        )?;
        Ok(EnrollmentToken {
            addr: addr.unwrap_or(&self.config.public_addr).to_string(),
            fp: hex::encode(self.fingerprint()),
            key: self.public_key().to_string(),
            unit: unit.to_string(),
            secret: hex::encode(secret),
        })
    }

    /// The id a pending enrollment is listed and cancelled by, for the
    /// token just made.
    pub fn enrollment_id(token: &EnrollmentToken) -> Option<String> {
        let secret = token.secret_bytes().ok()?;
        Some(hex::encode(&sha256(&secret)[..8]))
    }

    /// Enrollment tokens that can still be used, newest first.
    pub fn pending_enrollments(&self, now_ms: i64) -> Result<Vec<PendingEnrollment>, CentralError> {
        let mut stmt = self.store.connection().prepare(
            "SELECT secret_hash, unit, created_ms, expires_ms, created_by FROM enrollments
             WHERE used_ms IS NULL AND cancelled_ms IS NULL AND expires_ms > ?1
             ORDER BY created_ms DESC",
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
    }

    /// Cancels a pending enrollment: its token is refused from now on.
    pub fn cancel_enrollment(
        &self,
        id: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<PendingEnrollment, CentralError> {
        let found = self
            .pending_enrollments(now_ms)?
            .into_iter()
            .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| {
                CentralError::NotFound(format!(
                    "no pending enrollment {id:?} (used, expired or cancelled already?)"
                ))
            })?;
        let prefix = hex::decode(&found.id).unwrap_or_default();
        self.store.connection().execute(
            "UPDATE enrollments SET cancelled_ms = ?1, cancelled_by = ?2
             WHERE substr(secret_hash, 1, 8) = ?3 AND used_ms IS NULL AND cancelled_ms IS NULL",
            params![now_ms, by, prefix],
        )?;
        Ok(found)
    }

    /// Revokes every device of `unit` (from the command line, no reason).
    /// Returns how many were revoked.
    pub fn revoke(&self, unit: &str, now_ms: i64) -> Result<usize, CentralError> {
        self.revoke_with(&RevokeTarget::Unit(unit.to_string()), "", None, now_ms)
    }

    /// Revokes a unit's devices or one device, with the reason the vehicle
    /// will be told at its next connection. Returns how many were revoked.
    pub fn revoke_with(
        &self,
        target: &RevokeTarget,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, CentralError> {
        let reason = reason.trim();
        if reason.chars().count() > MAX_REVOKE_REASON
            || reason.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(CentralError::Invalid(format!(
                "a revocation reason is at most {MAX_REVOKE_REASON} printable characters"
            )));
        }
        let conn = self.store.connection();
        match target {
            RevokeTarget::Unit(unit) => {
                let known: i64 = conn.query_row(
                    "SELECT COUNT(*) FROM devices WHERE unit = ?1",
                    [unit],
                    |r| r.get(0),
                )?;
                if known == 0 {
                    return Err(CentralError::UnknownUnit(unit.to_string()));
                }
                let n = conn.execute(
                    "UPDATE devices SET revoked_ms = ?1, revoked_reason = ?2, revoked_by = ?3
                     WHERE unit = ?4 AND revoked_ms IS NULL",
                    params![now_ms, reason, by, unit],
                )?;
                // Unused secrets for the unit die with it.
                conn.execute(
                    "UPDATE enrollments SET cancelled_ms = ?1, cancelled_by = ?2
                     WHERE unit = ?3 AND used_ms IS NULL AND cancelled_ms IS NULL",
                    params![now_ms, by, unit],
                )?;
                Ok(n)
            }
            RevokeTarget::Device(key) => {
                let key = key.trim().to_ascii_lowercase();
                if key.len() < 8 || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(CentralError::Invalid(format!(
                        "a device is named by its key: 8 to 64 hex digits, not {key:?}"
                    )));
                }
                let matching: Vec<Vec<u8>> = conn
                    .prepare("SELECT key FROM devices WHERE hex(key) LIKE ?1 || '%'")?
                    .query_map([key.to_ascii_uppercase()], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                match matching.as_slice() {
                    [] => Err(CentralError::NotFound(format!(
                        "no enrolled device with key {key}"
                    ))),
                    [one] => Ok(conn.execute(
                        "UPDATE devices SET revoked_ms = ?1, revoked_reason = ?2, revoked_by = ?3
                         WHERE key = ?4 AND revoked_ms IS NULL",
                        params![now_ms, reason, by, one],
                    )?),
                    _ => Err(CentralError::Invalid(format!(
                        "{} devices have keys starting {key}: give more digits",
                        matching.len()
                    ))),
                }
            }
        }
    }

    /// Orders the data of revoked devices destroyed (a unit's, or one
    /// device's, as [`revoke_with`](Self::revoke_with) names them): each is
    /// told at its next connection, and erases its keys. Returns how many
    /// devices the order reaches.
    pub fn order_wipe(&self, target: &RevokeTarget, now_ms: i64) -> Result<usize, CentralError> {
        let conn = self.store.connection();
        let n = match target {
            RevokeTarget::Unit(unit) => conn.execute(
                "UPDATE devices SET wipe_ordered_ms = ?1
                 WHERE unit = ?2 AND revoked_ms IS NOT NULL AND wipe_ordered_ms IS NULL",
                params![now_ms, unit],
            )?,
            RevokeTarget::Device(key) => conn.execute(
                "UPDATE devices SET wipe_ordered_ms = ?1
                 WHERE hex(key) LIKE ?2 || '%' AND revoked_ms IS NOT NULL
                   AND wipe_ordered_ms IS NULL",
                params![now_ms, key.trim().to_ascii_uppercase()],
            )?,
        };
        Ok(n)
    }

    /// Notes that `device` was told to wipe, with the backlog it last
    /// stated (what it held unsent: counts, never content).
    pub(crate) fn note_wipe_told(
        &self,
        device: &PublicKey,
        backlog: Option<(u64, u64)>,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.store.connection().execute(
            "UPDATE devices SET wipe_told_ms = ?1,
                    wipe_backlog_records = ?2,
                    wipe_backlog_scan_bytes = ?3
             WHERE key = ?4 AND wipe_ordered_ms IS NOT NULL AND wipe_told_ms IS NULL",
            params![
                now_ms,
                backlog.map(|b| n(b.0)),
                backlog.map(|b| n(b.1)),
                &device.0[..]
            ],
        )?;
        Ok(())
    }

    /// Every device in the register.
    pub fn devices(&self) -> Result<Vec<DeviceInfo>, CentralError> {
        let mut stmt = self.store.connection().prepare(
            "SELECT d.key, d.unit, d.enrolled_ms, d.revoked_ms, d.last_seen_ms, d.last_addr,
                    (SELECT COUNT(*) FROM records r WHERE r.signer = d.key),
                    d.app_version, d.backlog_records, d.backlog_scan_bytes,
                    d.clock_offset_ms, d.stated_ms, d.revoked_reason, d.revoked_by,
                    d.refused_count, d.last_refused_ms, d.sync_started_ms, d.sync_finished_ms,
                    d.wipe_ordered_ms, d.wipe_told_ms, d.wipe_backlog_records,
                    d.wipe_backlog_scan_bytes
             FROM devices d ORDER BY d.unit, d.enrolled_ms",
        )?;
        let rows = stmt.query_map([], |r| {
            let key = hex::encode(r.get::<_, Vec<u8>>(0)?);
            let last_refused_ms: Option<i64> = r.get(15)?;
            let started: Option<i64> = r.get(16)?;
            let finished: Option<i64> = r.get(17)?;
            Ok(DeviceInfo {
                fingerprint: fingerprint(&key),
                key,
                unit: r.get(1)?,
                enrolled_ms: r.get(2)?,
                revoked_ms: r.get(3)?,
                last_seen_ms: r.get(4)?,
                last_addr: r.get(5)?,
                records: r.get::<_, i64>(6)? as u64,
                app_version: r.get(7)?,
                backlog_records: r.get::<_, Option<i64>>(8)?.map(|n| n as u64),
                backlog_scan_bytes: r.get::<_, Option<i64>>(9)?.map(|n| n as u64),
                clock_offset_ms: r.get(10)?,
                stated_ms: r.get(11)?,
                revoked_reason: r.get(12)?,
                revoked_by: r.get(13)?,
                refused_count: r.get::<_, i64>(14)?.max(0) as u64,
                last_refused_ms,
                last_sync: last_sync(started, finished, last_refused_ms),
                wipe: r
                    .get::<_, Option<i64>>(18)?
                    .map(|ordered_ms| -> rusqlite::Result<Wipe> {
                        Ok(Wipe {
                            ordered_ms,
                            told_ms: r.get(19)?,
                            backlog_records: r.get::<_, Option<i64>>(20)?.map(|n| n.max(0) as u64),
                            backlog_scan_bytes: r
                                .get::<_, Option<i64>>(21)?
                                .map(|n| n.max(0) as u64),
                        })
                    })
                    .transpose()?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts a refused connection of a device the register knows.
    pub(crate) fn note_refused(&self, device: &PublicKey, now_ms: i64) -> Result<(), CentralError> {
        self.store.connection().execute(
            "UPDATE devices SET refused_count = refused_count + 1, last_refused_ms = ?1 WHERE key = ?2",
            params![now_ms, &device.0[..]],
        )?;
        Ok(())
    }

    /// Takes what a session delivered off the backlog the vehicle stated
    /// when it connected, so the register shows what is still waiting on
    /// the vehicle (answered records, scan bytes received), not what was.
    pub fn note_delivered(
        &self,
        device: &PublicKey,
        records: u64,
        scan_bytes: u64,
    ) -> Result<(), CentralError> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.store.connection().execute(
            "UPDATE devices SET backlog_records = MAX(0, backlog_records - ?1),
                                backlog_scan_bytes = MAX(0, backlog_scan_bytes - ?2)
             WHERE key = ?3",
            params![n(records), n(scan_bytes), &device.0[..]],
        )?;
        Ok(())
    }

    /// Notes that a device's session ran to the end.
    pub fn note_sync_finished(&self, device: &PublicKey, now_ms: i64) -> Result<(), CentralError> {
        self.store.connection().execute(
            "UPDATE devices SET sync_finished_ms = ?1 WHERE key = ?2",
            params![now_ms, &device.0[..]],
        )?;
        Ok(())
    }

    /// Keeps what an authorised vehicle stated in its Hello: its version,
    /// its backlog, and its clock's offset from the server's.
    pub fn note_stated(
        &self,
        device: &PublicKey,
        app_version: &str,
        backlog: kordon_proto::Backlog,
        client_time_ms: i64,
        now_ms: i64,
    ) -> Result<(), CentralError> {
        // Untrusted text: kept short and printable.
        let version: String = app_version
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        self.store.connection().execute(
            "UPDATE devices SET app_version = ?1, backlog_records = ?2, backlog_scan_bytes = ?3,
                    clock_offset_ms = ?4, stated_ms = ?5
             WHERE key = ?6",
            params![
                version,
                i64::try_from(backlog.records).unwrap_or(i64::MAX),
                i64::try_from(backlog.scan_bytes).unwrap_or(i64::MAX),
                client_time_ms.saturating_sub(now_ms),
                now_ms,
                &device.0[..]
            ],
        )?;
        Ok(())
    }

    pub(crate) fn note_seen(
        &self,
        device: &PublicKey,
        addr: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<(), CentralError> {
        let sql = if starts_session {
            "UPDATE devices SET last_seen_ms = ?1, last_addr = ?2, sync_started_ms = ?1 WHERE key = ?3"
        } else {
            "UPDATE devices SET last_seen_ms = ?1, last_addr = ?2 WHERE key = ?3"
        };
        self.store
            .connection()
            .execute(sql, params![now_ms, addr, &device.0[..]])?;
        Ok(())
    }
}

/// How the last session went: the latest of started, finished and refused.
fn last_sync(started: Option<i64>, finished: Option<i64>, refused: Option<i64>) -> LastSync {
    let started = started.unwrap_or(i64::MIN);
    let finished = finished.unwrap_or(i64::MIN);
    let refused = refused.unwrap_or(i64::MIN);
    if refused > i64::MIN && refused >= started {
        LastSync::Refused
    } else if started == i64::MIN {
        LastSync::Never
    } else if finished >= started {
        LastSync::Complete
    } else {
        LastSync::Interrupted
    }
}
