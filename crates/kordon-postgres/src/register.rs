//! The device register port ([`Register`]) on PostgreSQL: the same
//! statements as the SQLite store's, in PostgreSQL's dialect. What must
//! change together (a secret used and its device enrolled; a unit's
//! devices revoked and its secrets cancelled) commits in one transaction;
//! a page going down to a vehicle and the log's head come from one
//! snapshot.

use crate::Prepared;
use crate::{port, read_snapshot, refs, text, Param, PgStore};
use kordon_ports::register::{fingerprint, last_sync, page_down};
use kordon_ports::{
    BlobInfo, DeviceInfo, DownPage, NewEnrollment, PendingEnrollment, PortError, Register,
    Standing, Stated, Wipe, WipeTarget,
};
use kordon_record::PublicKey;
use std::collections::{HashMap, HashSet};
use tokio_postgres::Row;

/// Counts as PostgreSQL keeps them (saturating).
fn count(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unsigned(n: i64) -> u64 {
    n.max(0) as u64
}

fn key(k: &PublicKey) -> Param {
    Box::new(k.0.to_vec())
}

fn public_key(bytes: Vec<u8>) -> Option<PublicKey> {
    <[u8; 32]>::try_from(bytes.as_slice()).ok().map(PublicKey)
}

/// Whether the device `$1` reads the document `{doc}`: it follows it, or
/// it is a hotlist sent to the device's unit (or to every unit).
macro_rules! reads {
    ($doc:literal) => {
        concat!(
            "(EXISTS (SELECT 1 FROM device_docs dd WHERE dd.device = $1 AND dd.doc_id = ",
            $doc,
            ") OR EXISTS (SELECT 1 FROM hotlists h WHERE h.doc_id = ",
            $doc,
            " AND ",
            unit_reads!(),
            "))"
        )
    };
}

/// Whether the hotlist `h` is sent to the unit of the device `$1`.
macro_rules! unit_reads {
    () => {
        "(h.units = ' ' OR strpos(h.units, ' ' || COALESCE((SELECT unit FROM devices WHERE key = $1), '') || ' ') > 0)"
    };
}

/// What goes down to a device that follows fewer documents than this is
/// asked for as the records of its documents (which PostgreSQL finds by
/// an index lookup per document, whatever the log's size: a vehicle new
/// to a large centre); to one that follows more, as the records after its
/// cursor that it reads (a vehicle long in service, its cursor near the
/// head). Either form gives the same rows.
const FEW_DOCS: i64 = 1_000;

fn one<T>(
    rows: Vec<Row>,
    read: impl FnOnce(&Row) -> Result<T, PortError>,
) -> Result<Option<T>, PortError> {
    rows.first().map(read).transpose()
}

fn flag(rows: Vec<Row>) -> Result<bool, PortError> {
    Ok(one(rows, |r| r.try_get::<_, bool>(0).map_err(port))?.unwrap_or(false))
}

fn device_info(r: &Row) -> Result<DeviceInfo, PortError> {
    let g = |e| port(e);
    let key = r.try_get::<_, Vec<u8>>(0).map_err(g)?;
    let key: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let last_refused_ms: Option<i64> = r.try_get(15).map_err(g)?;
    let started: Option<i64> = r.try_get(16).map_err(g)?;
    let finished: Option<i64> = r.try_get(17).map_err(g)?;
    let wipe = match r.try_get::<_, Option<i64>>(18).map_err(g)? {
        None => None,
        Some(ordered_ms) => Some(Wipe {
            ordered_ms,
            told_ms: r.try_get(19).map_err(g)?,
            backlog_records: r.try_get::<_, Option<i64>>(20).map_err(g)?.map(unsigned),
            backlog_scan_bytes: r.try_get::<_, Option<i64>>(21).map_err(g)?.map(unsigned),
        }),
    };
    Ok(DeviceInfo {
        fingerprint: fingerprint(&key),
        key,
        unit: r.try_get(1).map_err(g)?,
        enrolled_ms: r.try_get(2).map_err(g)?,
        revoked_ms: r.try_get(3).map_err(g)?,
        last_seen_ms: r.try_get(4).map_err(g)?,
        last_addr: r.try_get(5).map_err(g)?,
        records: unsigned(r.try_get(6).map_err(g)?),
        app_version: r.try_get(7).map_err(g)?,
        backlog_records: r.try_get::<_, Option<i64>>(8).map_err(g)?.map(unsigned),
        backlog_scan_bytes: r.try_get::<_, Option<i64>>(9).map_err(g)?.map(unsigned),
        clock_offset_ms: r.try_get(10).map_err(g)?,
        stated_ms: r.try_get(11).map_err(g)?,
        revoked_reason: r.try_get(12).map_err(g)?,
        revoked_by: r.try_get(13).map_err(g)?,
        refused_count: unsigned(r.try_get(14).map_err(g)?),
        last_refused_ms,
        last_sync: last_sync(started, finished, last_refused_ms),
        wipe,
    })
}

impl PgStore {
    /// Which of `ids` (documents or records) query `sql` finds readable
    /// by `device` (`$1`) among them (`$2`).
    fn readable<const N: usize>(
        &self,
        sql: &'static str,
        device: &PublicKey,
        ids: &[[u8; N]],
    ) -> Result<HashSet<[u8; N]>, PortError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<Vec<u8>> = ids.iter().map(|d| d.to_vec()).collect();
        self.query(sql, vec![key(device), Box::new(ids)])?
            .iter()
            .map(|r| {
                let id: Vec<u8> = r.try_get(0).map_err(port)?;
                <[u8; N]>::try_from(id.as_slice())
                    .map_err(|_| PortError::Backend(format!("an id read back is not {N} bytes")))
            })
            .collect()
    }
}

impl Register for PgStore {
    fn device_unit(&self, k: &PublicKey) -> Result<Option<String>, PortError> {
        let rows = self.query("SELECT unit FROM devices WHERE key = $1", vec![key(k)])?;
        one(rows, |r| r.try_get(0).map_err(port))
    }

    fn device_enrolled(&self, k: &PublicKey) -> Result<Option<(String, i64)>, PortError> {
        let rows = self.query(
            "SELECT unit, enrolled_ms FROM devices WHERE key = $1",
            vec![key(k)],
        )?;
        one(rows, |r| {
            Ok((r.try_get(0).map_err(port)?, r.try_get(1).map_err(port)?))
        })
    }

    fn device_standing(&self, k: &PublicKey) -> Result<Standing, PortError> {
        let rows = self.query(
            "SELECT unit, revoked_ms, revoked_reason, wipe_ordered_ms FROM devices WHERE key = $1",
            vec![key(k)],
        )?;
        Ok(one(rows, |r| {
            let unit: String = r.try_get(0).map_err(port)?;
            let revoked: Option<i64> = r.try_get(1).map_err(port)?;
            Ok(match revoked {
                None => Standing::Enrolled { unit },
                Some(_) => Standing::Revoked {
                    unit,
                    reason: r
                        .try_get::<_, Option<String>>(2)
                        .map_err(port)?
                        .unwrap_or_default(),
                    wipe: r.try_get::<_, Option<i64>>(3).map_err(port)?.is_some(),
                },
            })
        })?
        .unwrap_or(Standing::Unknown))
    }

    fn device_reads_doc(&self, device: &PublicKey, doc: &[u8; 16]) -> Result<bool, PortError> {
        flag(self.query(
            concat!("SELECT ", reads!("$2")),
            vec![key(device), Box::new(doc.to_vec())],
        )?)
    }

    fn device_reads_record(&self, device: &PublicKey, id: &[u8; 32]) -> Result<bool, PortError> {
        flag(self.query(
            concat!(
                "SELECT EXISTS (SELECT 1 FROM records r WHERE r.id = $2 AND ",
                reads!("r.doc_id"),
                ")"
            ),
            vec![key(device), Box::new(id.to_vec())],
        )?)
    }

    fn docs_device_reads(
        &self,
        device: &PublicKey,
        docs: &[[u8; 16]],
    ) -> Result<HashSet<[u8; 16]>, PortError> {
        self.readable(
            concat!("SELECT d FROM UNNEST($2::bytea[]) AS d WHERE ", reads!("d")),
            device,
            docs,
        )
    }

    fn records_device_reads(
        &self,
        device: &PublicKey,
        ids: &[[u8; 32]],
    ) -> Result<HashSet<[u8; 32]>, PortError> {
        self.readable(
            concat!(
                "SELECT r.id FROM records r WHERE r.id = ANY($2) AND ",
                reads!("r.doc_id")
            ),
            device,
            ids,
        )
    }

    fn signs_where_device_reads(
        &self,
        device: &PublicKey,
        signer: &PublicKey,
    ) -> Result<bool, PortError> {
        if signer == device {
            return Ok(true);
        }
        flag(self.query(
            "SELECT EXISTS (SELECT 1 FROM records r JOIN device_docs d ON d.doc_id = r.doc_id
                            WHERE d.device = $1 AND r.signer = $2)",
            vec![key(device), key(signer)],
        )?)
    }

    fn doc_starter(&self, doc: &[u8; 16]) -> Result<Option<PublicKey>, PortError> {
        let rows = self.query(
            "SELECT signer FROM records WHERE doc_id = $1 ORDER BY seq LIMIT 1",
            vec![Box::new(doc.to_vec())],
        )?;
        Ok(one(rows, |r| r.try_get::<_, Vec<u8>>(0).map_err(port))?.and_then(public_key))
    }

    fn doc_starters(&self, docs: &[[u8; 16]]) -> Result<HashMap<[u8; 16], PublicKey>, PortError> {
        if docs.is_empty() {
            return Ok(HashMap::new());
        }
        let docs: Vec<Vec<u8>> = docs.iter().map(|d| d.to_vec()).collect();
        let mut found = HashMap::new();
        for r in self.query(
            "SELECT DISTINCT ON (doc_id) doc_id, signer FROM records WHERE doc_id = ANY($1)
             ORDER BY doc_id, seq",
            vec![Box::new(docs)],
        )? {
            let doc: Vec<u8> = r.try_get(0).map_err(port)?;
            let doc = <[u8; 16]>::try_from(doc.as_slice())
                .map_err(|_| PortError::Backend("a document id is not 16 bytes".into()))?;
            if let Some(signer) = public_key(r.try_get(1).map_err(port)?) {
                found.insert(doc, signer);
            }
        }
        Ok(found)
    }

    fn enrollment_insert(&self, e: &NewEnrollment<'_>) -> Result<(), PortError> {
        self.execute(
            "INSERT INTO enrollments (secret_hash, unit, created_ms, expires_ms, created_by)
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                Box::new(e.secret_hash.to_vec()),
                Box::new(text(e.unit)),
                Box::new(e.created_ms),
                Box::new(e.expires_ms),
                Box::new(e.created_by.map(text)),
            ],
        )?;
        Ok(())
    }

    fn enrollment_redeem(
        &self,
        secret_hash: &[u8],
        device: &PublicKey,
        now_ms: i64,
    ) -> Result<Option<String>, PortError> {
        let (secret, device) = (secret_hash.to_vec(), device.0.to_vec());
        self.with_client(move |mut client| async move {
            // One transaction: the secret is used up if and only if the
            // device is enrolled.
            let tx = client.transaction().await.map_err(port)?;
            let row = tx
                .query_opt_cached(
                    "SELECT unit FROM enrollments
                     WHERE secret_hash = $1 AND used_ms IS NULL AND cancelled_ms IS NULL
                       AND expires_ms > $2
                     FOR UPDATE",
                    &[&secret, &now_ms],
                )
                .await?;
            let Some(row) = row else { return Ok(None) };
            let unit: String = row.try_get(0).map_err(port)?;
            let used = tx
                .execute_cached(
                    "UPDATE enrollments SET used_ms = $1, used_by = $2
                     WHERE secret_hash = $3 AND used_ms IS NULL",
                    &[&now_ms, &device, &secret],
                )
                .await?;
            let added = tx
                .execute_cached(
                    "INSERT INTO devices (key, unit, enrolled_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (key) DO NOTHING",
                    &[&device, &unit, &now_ms],
                )
                .await?;
            if used != 1 || added != 1 {
                return Ok(None); // rolled back with the dropped transaction
            }
            tx.commit().await.map_err(port)?;
            Ok(Some(unit))
        })
    }

    fn enrollments_pending(&self, now_ms: i64) -> Result<Vec<PendingEnrollment>, PortError> {
        self.query(
            "SELECT encode(substring(secret_hash from 1 for 8), 'hex'), unit, created_ms,
                    expires_ms, created_by
             FROM enrollments
             WHERE used_ms IS NULL AND cancelled_ms IS NULL AND expires_ms > $1
             ORDER BY created_ms DESC, secret_hash",
            vec![Box::new(now_ms)],
        )?
        .iter()
        .map(|r| {
            Ok(PendingEnrollment {
                id: r.try_get(0).map_err(port)?,
                unit: r.try_get(1).map_err(port)?,
                created_ms: r.try_get(2).map_err(port)?,
                expires_ms: r.try_get(3).map_err(port)?,
                created_by: r.try_get(4).map_err(port)?,
            })
        })
        .collect()
    }

    fn enrollment_cancel(
        &self,
        id: &[u8],
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError> {
        Ok(self.execute(
            "UPDATE enrollments SET cancelled_ms = $1, cancelled_by = $2
             WHERE substring(secret_hash from 1 for 8) = $3
               AND used_ms IS NULL AND cancelled_ms IS NULL",
            vec![
                Box::new(now_ms),
                Box::new(by.map(text)),
                Box::new(id.to_vec()),
            ],
        )? as usize)
    }

    fn unit_revoke(
        &self,
        unit: &str,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<usize>, PortError> {
        let (unit, reason, by) = (text(unit), text(reason), by.map(text));
        self.with_client(move |mut client| async move {
            let tx = client.transaction().await.map_err(port)?;
            let known: i64 = tx
                .query_one_cached("SELECT COUNT(*) FROM devices WHERE unit = $1", &[&unit])
                .await?
                .try_get(0)
                .map_err(port)?;
            if known == 0 {
                return Ok(None);
            }
            let n = tx
                .execute_cached(
                    "UPDATE devices SET revoked_ms = $1, revoked_reason = $2, revoked_by = $3
                     WHERE unit = $4 AND revoked_ms IS NULL",
                    &[&now_ms, &reason, &by, &unit],
                )
                .await?;
            // Unused secrets for the unit die with it.
            tx.execute_cached(
                "UPDATE enrollments SET cancelled_ms = $1, cancelled_by = $2
                 WHERE unit = $3 AND used_ms IS NULL AND cancelled_ms IS NULL",
                &[&now_ms, &by, &unit],
            )
            .await?;
            tx.commit().await.map_err(port)?;
            Ok(Some(n as usize))
        })
    }

    fn device_keys_starting(&self, hex_prefix: &str) -> Result<Vec<PublicKey>, PortError> {
        Ok(self
            .query(
                "SELECT key FROM devices WHERE starts_with(encode(key, 'hex'), lower($1))",
                vec![Box::new(text(hex_prefix))],
            )?
            .iter()
            .map(|r| r.try_get::<_, Vec<u8>>(0).map_err(port))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(public_key)
            .collect())
    }

    fn device_revoke(
        &self,
        k: &PublicKey,
        reason: &str,
        by: Option<&str>,
        now_ms: i64,
    ) -> Result<usize, PortError> {
        Ok(self.execute(
            "UPDATE devices SET revoked_ms = $1, revoked_reason = $2, revoked_by = $3
             WHERE key = $4 AND revoked_ms IS NULL",
            vec![
                Box::new(now_ms),
                Box::new(text(reason)),
                Box::new(by.map(text)),
                key(k),
            ],
        )? as usize)
    }

    fn wipe_order(&self, target: WipeTarget<'_>, now_ms: i64) -> Result<usize, PortError> {
        let n = match target {
            WipeTarget::Unit(unit) => self.execute(
                "UPDATE devices SET wipe_ordered_ms = $1
                 WHERE unit = $2 AND revoked_ms IS NOT NULL AND wipe_ordered_ms IS NULL",
                vec![Box::new(now_ms), Box::new(text(unit))],
            )?,
            WipeTarget::KeyPrefix(prefix) => self.execute(
                "UPDATE devices SET wipe_ordered_ms = $1
                 WHERE starts_with(encode(key, 'hex'), lower($2))
                   AND revoked_ms IS NOT NULL AND wipe_ordered_ms IS NULL",
                vec![Box::new(now_ms), Box::new(text(prefix))],
            )?,
        };
        Ok(n as usize)
    }

    fn device_backlog(&self, device: &PublicKey) -> Result<Option<(u64, u64)>, PortError> {
        let rows = self.query(
            "SELECT backlog_records, backlog_scan_bytes FROM devices WHERE key = $1",
            vec![key(device)],
        )?;
        let stated = one(rows, |r| {
            Ok((
                r.try_get::<_, Option<i64>>(0).map_err(port)?,
                r.try_get::<_, Option<i64>>(1).map_err(port)?,
            ))
        })?;
        Ok(match stated {
            Some((Some(r), Some(b))) => Some((unsigned(r), unsigned(b))),
            _ => None,
        })
    }

    fn wipe_told(
        &self,
        device: &PublicKey,
        backlog: Option<(u64, u64)>,
        now_ms: i64,
    ) -> Result<(), PortError> {
        self.execute(
            "UPDATE devices SET wipe_told_ms = $1, wipe_backlog_records = $2,
                    wipe_backlog_scan_bytes = $3
             WHERE key = $4 AND wipe_ordered_ms IS NOT NULL AND wipe_told_ms IS NULL",
            vec![
                Box::new(now_ms),
                Box::new(backlog.map(|b| count(b.0))),
                Box::new(backlog.map(|b| count(b.1))),
                key(device),
            ],
        )?;
        Ok(())
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, PortError> {
        self.query(
            "SELECT d.key, d.unit, d.enrolled_ms, d.revoked_ms, d.last_seen_ms, d.last_addr,
                    (SELECT COUNT(*) FROM records r WHERE r.signer = d.key),
                    d.app_version, d.backlog_records, d.backlog_scan_bytes,
                    d.clock_offset_ms, d.stated_ms, d.revoked_reason, d.revoked_by,
                    d.refused_count, d.last_refused_ms, d.sync_started_ms, d.sync_finished_ms,
                    d.wipe_ordered_ms, d.wipe_told_ms, d.wipe_backlog_records,
                    d.wipe_backlog_scan_bytes
             FROM devices d ORDER BY d.unit COLLATE \"C\", d.enrolled_ms, d.key",
            vec![],
        )?
        .iter()
        .map(device_info)
        .collect()
    }

    fn device_refused(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError> {
        self.execute(
            "UPDATE devices SET refused_count = refused_count + 1, last_refused_ms = $1
             WHERE key = $2",
            vec![Box::new(now_ms), key(device)],
        )?;
        Ok(())
    }

    fn device_delivered(
        &self,
        device: &PublicKey,
        records: u64,
        scan_bytes: u64,
    ) -> Result<(), PortError> {
        self.execute(
            // LEAST keeps a backlog never stated (NULL) as it is.
            "UPDATE devices SET backlog_records = backlog_records - LEAST(backlog_records, $1),
                                backlog_scan_bytes = backlog_scan_bytes - LEAST(backlog_scan_bytes, $2)
             WHERE key = $3",
            vec![
                Box::new(count(records)),
                Box::new(count(scan_bytes)),
                key(device),
            ],
        )?;
        Ok(())
    }

    fn device_sync_finished(&self, device: &PublicKey, now_ms: i64) -> Result<(), PortError> {
        self.execute(
            "UPDATE devices SET sync_finished_ms = $1 WHERE key = $2",
            vec![Box::new(now_ms), key(device)],
        )?;
        Ok(())
    }

    fn device_stated(
        &self,
        device: &PublicKey,
        stated: &Stated<'_>,
        now_ms: i64,
    ) -> Result<(), PortError> {
        self.execute(
            "UPDATE devices SET app_version = $1, backlog_records = $2, backlog_scan_bytes = $3,
                    clock_offset_ms = $4, stated_ms = $5
             WHERE key = $6",
            vec![
                Box::new(text(stated.app_version)),
                Box::new(count(stated.backlog_records)),
                Box::new(count(stated.backlog_scan_bytes)),
                Box::new(stated.clock_offset_ms),
                Box::new(now_ms),
                key(device),
            ],
        )?;
        Ok(())
    }

    fn device_seen(
        &self,
        device: &PublicKey,
        addr: &str,
        now_ms: i64,
        starts_session: bool,
    ) -> Result<(), PortError> {
        let sql = match starts_session {
            true => {
                "UPDATE devices SET last_seen_ms = $1, last_addr = $2, sync_started_ms = $1
                 WHERE key = $3"
            }
            false => "UPDATE devices SET last_seen_ms = $1, last_addr = $2 WHERE key = $3",
        };
        self.execute(
            sql,
            vec![Box::new(now_ms), Box::new(text(addr)), key(device)],
        )?;
        Ok(())
    }

    fn records_down(
        &self,
        device: &PublicKey,
        cursor: u64,
        max_records: usize,
        max_bytes: usize,
    ) -> Result<DownPage, PortError> {
        let params: Vec<Param> = vec![
            key(device),
            Box::new(count(cursor)),
            Box::new(count(max_records as u64 + 1)),
        ];
        let follower = device.0.to_vec();
        self.with_client(move |mut client| async move {
            // One snapshot for the page and the head. Only records the
            // projection has passed: which vehicles read a hotlist is its
            // projected row, and a cursor moved past a list's record
            // before its row was written would never bring it down.
            let tx = read_snapshot(&mut client).await?;
            let followed: i64 = tx
                .query_one_cached(
                    "SELECT count(*) FROM (SELECT 1 FROM device_docs WHERE device = $1 LIMIT $2) d",
                    &[&follower, &FEW_DOCS],
                )
                .await?
                .try_get(0)
                .map_err(port)?;
            let sql = if followed < FEW_DOCS {
                concat!(
                    "SELECT r.seq, r.bytes FROM records r
                     WHERE r.seq > $2 AND r.seq <= (SELECT upto FROM projection)
                     AND r.signer <> $1 AND r.doc_id IN (
                         SELECT dd.doc_id FROM device_docs dd WHERE dd.device = $1
                         UNION ALL SELECT h.doc_id FROM hotlists h WHERE ",
                    unit_reads!(),
                    ") ORDER BY r.seq LIMIT $3"
                )
            } else {
                concat!(
                    "SELECT r.seq, r.bytes FROM records r
                     WHERE r.seq > $2 AND r.seq <= (SELECT upto FROM projection)
                     AND r.signer <> $1 AND ",
                    reads!("r.doc_id"),
                    " ORDER BY r.seq LIMIT $3"
                )
            };
            let rows = tx.query_cached(sql, &refs(&params)).await?;
            let rows = rows
                .iter()
                .map(|r| Ok((r.try_get(0).map_err(port)?, r.try_get(1).map_err(port)?)))
                .collect::<Result<Vec<(i64, Vec<u8>)>, PortError>>()?;
            let page = page_down(rows, cursor, max_records, max_bytes);
            if page.more {
                return Ok(page);
            }
            let head: i64 = tx
                .query_one_cached(
                    "SELECT LEAST(COALESCE(MAX(seq), 0), (SELECT upto FROM projection)) FROM records",
                    &[],
                )
                .await?
                .try_get(0)
                .map_err(port)?;
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
        self.execute(
            "INSERT INTO blobs (blob, size, received, device, stored_ms)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (blob) DO NOTHING",
            vec![
                Box::new(text(blob)),
                Box::new(count(size)),
                Box::new(count(received)),
                key(device),
                Box::new(now_ms),
            ],
        )?;
        Ok(())
    }

    fn blobs_received(&self) -> Result<Vec<BlobInfo>, PortError> {
        self.query(
            "SELECT blob, size, received, encode(device, 'hex'), stored_ms FROM blobs
             ORDER BY stored_ms DESC, blob COLLATE \"C\"",
            vec![],
        )?
        .iter()
        .map(|r| {
            Ok(BlobInfo {
                blob: r.try_get(0).map_err(port)?,
                size: unsigned(r.try_get(1).map_err(port)?),
                received: unsigned(r.try_get(2).map_err(port)?),
                device: r.try_get(3).map_err(port)?,
                stored_ms: r.try_get(4).map_err(port)?,
            })
        })
        .collect()
    }
}
