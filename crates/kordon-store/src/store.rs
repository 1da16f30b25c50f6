//! [`Store`]: opening, local commits, ingesting verified records, loading
//! documents.

use crate::{index, schema, StoreError};
use kordon_model::doc::{check_change, read_change, ChangeMeta};
use kordon_model::projection::{derive, fold_all, fold_each, snapshot_of, Derived, COMPACT_AFTER};
use kordon_model::rules::{self, ChangeOps, Outline};
use kordon_model::{HotlistDoc, InspectionDoc, InspectionId};
use kordon_ports::{IngestOutcome, Origin};
use kordon_record::{DeviceKey, PublicKey, RecordId, SignedRecord};
use kordon_vault::DataKey;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::path::Path;

pub use kordon_ports::RecordFacts;

mod projection;

/// A stored record and the receipt bytes for it, if acknowledged.
pub type RecordWithReceipt = (SignedRecord, Option<Vec<u8>>);

/// Documents kept in memory, each with the highest record seq it includes.
const CACHE_DOCS: usize = 4096;

/// Records in a batch from which their changes are decoded on every core.
const PARALLEL_DECODE: usize = 64;

/// The store. One per process per database file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
    actor: PublicKey,
    cache: HashMap<[u8; 16], (InspectionDoc, i64)>,
    /// Outlines of documents (what the schema rules check a received change
    /// against), each with the highest record seq folded in.
    outlines: HashMap<[u8; 16], (Outline, i64)>,
    /// The server's key: changes it signs are held to the server's role.
    server: Option<PublicKey>,
    /// Whether this store keeps the transparency log (the server's).
    pub(crate) log: bool,
    /// The data key of an encrypted database (for another connection).
    key: Option<DataKey>,
    /// Shared with the handles [`reopen`](Self::reopen) makes.
    projection_turn: ProjectionTurn,
}

/// SQLCipher's page protection: AES-256-CBC with an HMAC per page, the
/// HMAC SHA-256 rather than the default SHA-512, because processors
/// accelerate SHA-256 (SHA extensions) and not SHA-512; the database key
/// is raw (no passphrase derivation). Set on every connection and for the
/// database an export writes.
const PAGE_CIPHER: &str = "PRAGMA cipher_hmac_algorithm = HMAC_SHA256; \
     PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA256;";
const PAGE_CIPHER_DEFAULT: &str = "PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256; \
     PRAGMA cipher_default_kdf_algorithm = PBKDF2_HMAC_SHA256;";

/// `before`, the database key's literal, `after`: built in a buffer of
/// its final size (a growing one would leave copies of the key behind),
/// wiped when dropped.
fn with_key(before: &str, key: &DataKey, after: &str) -> zeroize::Zeroizing<String> {
    let literal = key.database_key();
    let mut sql = zeroize::Zeroizing::new(String::with_capacity(
        before.len() + literal.len() + after.len(),
    ));
    sql.push_str(before);
    sql.push_str(&literal);
    sql.push_str(after);
    sql
}

/// Gives a fresh connection its SQLCipher key (the first statement it
/// runs) and checks that the key opens the file. Temporary tables and
/// indexes stay in memory, so nothing of the data is written beside it.
fn apply_key(conn: &Connection, key: &DataKey, path: &str) -> Result<(), StoreError> {
    let statement = with_key(
        "PRAGMA key = \"",
        key,
        &format!("\"; {PAGE_CIPHER} PRAGMA temp_store = MEMORY;"),
    );
    conn.execute_batch(&statement)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|_| ())
    .map_err(|_| StoreError::Locked(path.to_string()))
}

/// Copies the plain database at `plain` into a new encrypted one at
/// `sealed` (SQLCipher's `sqlcipher_export`), flushed to disk. `plain` is
/// checkpointed first and left as it was; `sealed` must not exist.
pub fn seal_database(plain: &Path, sealed: &Path, key: &DataKey) -> Result<(), StoreError> {
    export_database(plain, None, sealed, key)
}

/// Copies the database at `from`, encrypted under `from_key`, into a new
/// one at `sealed` under `key` (a rotation of the data key), flushed.
pub fn reseal_database(
    from: &Path,
    from_key: &DataKey,
    sealed: &Path,
    key: &DataKey,
) -> Result<(), StoreError> {
    export_database(from, Some(from_key), sealed, key)
}

/// Whether `key` opens the encrypted database at `path`.
pub fn key_opens(path: &Path, key: &DataKey) -> bool {
    Connection::open(path)
        .map_err(StoreError::from)
        .and_then(|conn| apply_key(&conn, key, &path.display().to_string()))
        .is_ok()
}

fn export_database(
    plain: &Path,
    plain_key: Option<&DataKey>,
    sealed: &Path,
    key: &DataKey,
) -> Result<(), StoreError> {
    // What an interrupted export left: the file and its journals.
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = sealed.as_os_str().to_owned();
        name.push(suffix);
        let leftover = std::path::PathBuf::from(name);
        match std::fs::remove_file(&leftover) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Invalid(format!(
                    "removing {}: {e}",
                    leftover.display()
                )))
            }
        }
    }
    let conn = Connection::open(plain)?;
    if let Some(k) = plain_key {
        apply_key(&conn, k, &plain.display().to_string())?;
    }
    // Everything committed must be in the main file before it is copied
    // (and its WAL removed): a busy checkpoint is an error, not a loss.
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(StoreError::Invalid(format!(
            "{} is in use by another program: stop it (the app, or another kordon) first",
            plain.display()
        )));
    }
    conn.execute_batch(PAGE_CIPHER_DEFAULT)?;
    let target = sealed
        .to_str()
        .ok_or_else(|| StoreError::Invalid(format!("{} is not UTF-8", sealed.display())))?;
    let attach = with_key("ATTACH DATABASE ?1 AS sealed KEY \"", key, "\"");
    conn.execute(&attach, [target])?;
    conn.query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(()))?;
    let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA sealed.user_version = {version}; DETACH DATABASE sealed;"
    ))?;
    drop(conn);
    std::fs::File::open(sealed)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::Invalid(format!("flushing {}: {e}", sealed.display())))
}

/// Whether the file at `path` is a plain (unencrypted) SQLite database.
pub fn is_plain_database(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == b"SQLite format 3\0")
}

/// An opening that failed on a disk with (almost) nothing free: SQLite
/// reports it as an I/O error; say what it is.
fn full_disk_says_why(path: &Path, e: StoreError) -> StoreError {
    let full =
        crate::DiskSpace::of(crate::disk::folder_of(path)).is_some_and(|d| d.free_bytes < 1 << 20);
    match e {
        StoreError::DiskFull(_) => e,
        e if full => StoreError::DiskFull(format!("opening {}: {e}", path.display())),
        e => e,
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`. `actor` is this
    /// device's public key: local changes are made as that Automerge actor.
    pub fn open(path: &Path, actor: PublicKey) -> Result<Self, StoreError> {
        Self::open_with(path, actor, None)
    }

    /// Opens (creating if needed) the database at `path` encrypted
    /// (SQLCipher) under the database key derived from `key`. A wrong key,
    /// or a database that is not encrypted, is [`StoreError::Locked`].
    pub fn open_sealed(path: &Path, actor: PublicKey, key: &DataKey) -> Result<Self, StoreError> {
        Self::open_with(path, actor, Some(key))
    }

    fn open_with(path: &Path, actor: PublicKey, key: Option<&DataKey>) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Sqlite(rusqlite::Error::InvalidPath(dir.join(e.to_string())))
            })?;
        }
        crate::disk::tend_reserve(path);
        let p = path.display().to_string();
        let conn = Connection::open(path)
            .map_err(StoreError::from)
            .and_then(|conn| match key {
                Some(key) => apply_key(&conn, key, &p).map(|()| conn),
                None => Ok(conn),
            })
            .and_then(|conn| schema::open(&conn, &p).map(|()| conn))
            .map_err(|e| full_disk_says_why(path, e))?;
        Ok(Store {
            conn,
            path: p,
            actor,
            cache: HashMap::new(),
            outlines: HashMap::new(),
            server: None,
            log: false,
            key: key.cloned(),
            projection_turn: ProjectionTurn::default(),
        })
    }

    /// Another connection to the same database (with the same key, if it
    /// is encrypted), for work beside this one.
    pub fn reopen(&self) -> Result<Self, StoreError> {
        let mut again = Self::open_with(Path::new(&self.path), self.actor, self.key.as_ref())?;
        again.projection_turn = self.projection_turn.clone();
        Ok(again)
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn actor(&self) -> PublicKey {
        self.actor
    }

    /// Names the server's key, so that received changes it signed are held
    /// to the server's role and all others to a device's.
    pub fn set_server_key(&mut self, key: PublicKey) {
        self.server = Some(key);
    }

    /// A consistent copy of the whole database as the new file `dest`,
    /// made while the store stays open to other writers: SQLite's
    /// `VACUUM INTO` reads one snapshot (a transaction committed meanwhile
    /// is in the copy whole or not at all). The copy is flushed to disk.
    pub fn copy_into(&self, dest: &Path) -> Result<(), StoreError> {
        let dest_text = dest
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not UTF-8", dest.display())))?;
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists",
                dest.display()
            )));
        }
        self.conn.execute("VACUUM INTO ?1", [dest_text])?;
        std::fs::File::open(dest)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", dest.display())))?;
        Ok(())
    }

    /// The connection, for crates that keep tables of their own beside
    /// these (the server's devices and enrollments).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Loads a document from its snapshot and the records after it.
    /// `Ok(None)` if no record of it is stored.
    pub fn load_doc(&mut self, id: InspectionId) -> Result<Option<InspectionDoc>, StoreError> {
        let key = *id.as_bytes();
        let (mut doc, upto) = match self.cache.remove(&key) {
            Some(entry) => entry,
            None => load_base(&self.conn, &key, self.actor)?,
        };
        let upto = apply_after(&self.conn, &key, &mut doc, upto, self.actor)?;
        if !doc.is_created() && upto == 0 {
            return Ok(None);
        }
        let copy = InspectionDoc::load(&doc.save(), self.actor.as_bytes())?;
        self.cache_put(key, doc, upto);
        Ok(Some(copy))
    }

    fn cache_put(&mut self, key: [u8; 16], doc: InspectionDoc, upto: i64) {
        if self.cache.len() >= CACHE_DOCS {
            self.cache.clear();
        }
        self.cache.insert(key, (doc, upto));
    }

    /// Signs the change the last operation on `doc` made and commits, in
    /// one transaction, the signed record, the index row and the outbox
    /// entry. Returns the record.
    pub fn commit_local(
        &mut self,
        id: InspectionId,
        doc: &mut InspectionDoc,
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, StoreError> {
        let change = doc.last_change().ok_or(StoreError::NothingToCommit)?;
        self.commit_change(*id.as_bytes(), change, key, officer, now_ms)
    }

    /// As [`commit_local`](Self::commit_local), for a hotlist (made on the
    /// server); its derived row is the list's, not an inspection's.
    pub fn commit_hotlist(
        &mut self,
        id: uuid::Uuid,
        doc: &mut HotlistDoc,
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, StoreError> {
        let change = doc.last_change().ok_or(StoreError::NothingToCommit)?;
        self.commit_change(*id.as_bytes(), change, key, officer, now_ms)
    }

    pub(crate) fn commit_change(
        &mut self,
        doc_key: [u8; 16],
        change: Vec<u8>,
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, StoreError> {
        let meta = check_change(&change, key.public().as_bytes())?;
        let record = SignedRecord::sign(key, doc_key, officer, now_ms, &change)?;
        self.cache.remove(&doc_key);
        // IMMEDIATE: the write lock is held from here, so the derived row
        // below is computed from the log as it is at commit.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // None: another process committed a change to this document, as
        // this device, after `doc` was loaded. Nothing is written.
        let seq = insert_record(&tx, &record, &meta, Origin::Local, now_ms)?.ok_or(
            StoreError::Conflict(InspectionId::from_bytes(doc_key).to_string()),
        )?;
        tx.execute("INSERT INTO outbox (seq) VALUES (?1)", [seq])?;
        if self.log {
            // The server's own records (reviews, marks, hotlists) are in
            // its transparency log too.
            crate::log::append(
                &tx,
                &kordon_log::Leaf::RecordAt {
                    id: record.id().0,
                    at_ms: now_ms,
                },
                now_ms,
            )?;
        }
        // The derived row comes from the log (including records other
        // processes added meanwhile), never from a possibly stale `doc`.
        let (mut fresh, upto) = load_base(&tx, &doc_key, self.actor)?;
        let upto = apply_after(&tx, &doc_key, &mut fresh, upto, self.actor)?;
        refresh_derived(&tx, &doc_key, &mut fresh, upto, now_ms)?;
        tx.commit()?;
        Ok(record)
    }

    /// A hotlist, loaded to be changed. `Ok(None)` if none is stored.
    pub fn load_hotlist(&mut self, id: uuid::Uuid) -> Result<Option<HotlistDoc>, StoreError> {
        let key = *id.as_bytes();
        let (mut doc, upto) = load_base(&self.conn, &key, self.actor)?;
        let upto = apply_after(&self.conn, &key, &mut doc, upto, self.actor)?;
        if upto == 0 {
            return Ok(None);
        }
        Ok(Some(HotlistDoc::from(doc)))
    }

    /// Stores records that the caller has already verified (signature and
    /// signer's authority) and brings documents and index up to date.
    /// Idempotent by record id.
    pub fn ingest(
        &mut self,
        records: &[SignedRecord],
        origin: Origin,
        now_ms: i64,
    ) -> Result<Vec<IngestOutcome>, StoreError> {
        let outcomes = self.append(records, origin, now_ms, None)?;
        self.project(now_ms)?;
        Ok(outcomes)
    }

    /// Appends verified records to the log, durably, in one transaction.
    /// Each payload must decode as an Automerge change made by the
    /// record's signer. `follower`, the device that uploaded them, follows
    /// every document of the batch from the same transaction on (records
    /// for them flow down to it; a server's store, whose register is open:
    /// [`open_register`](Self::open_register)). Documents and the index are not touched:
    /// [`project`](Self::project) does that. Idempotent by record id.
    pub fn append(
        &mut self,
        records: &[SignedRecord],
        origin: Origin,
        now_ms: i64,
        follower: Option<&PublicKey>,
    ) -> Result<Vec<IngestOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(records.len());
        // The outline of each document as this batch has left it so far
        // (and the last record it includes), for the rules; back into the
        // cache once the batch commits.
        let mut working: HashMap<[u8; 16], (Outline, i64)> = HashMap::new();
        // Each change decoded into its operations before the write lock is
        // taken (on every core for a large batch): the lock is held for the
        // rules and the writes alone.
        let changes: Vec<_> = {
            use rayon::prelude::*;
            let decode = |r: &SignedRecord| read_change(r.payload(), r.signer().as_bytes());
            if records.len() >= PARALLEL_DECODE {
                records.par_iter().map(decode).collect()
            } else {
                records.iter().map(decode).collect()
            }
        };
        // IMMEDIATE: the batch reads (the log's size, what is held) and
        // then writes. A deferred transaction that another process wrote
        // past between the two fails at once with "database is locked"
        // (SQLite cannot let it wait); this one waits its turn for the
        // write lock first (`busy_timeout`): another server process on
        // the same file, or an operator's command beside the server.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut log = match self.log {
            true => Some(crate::log::Appender::new(&tx)?),
            false => None,
        };
        let conflict = |seq: u64| {
            IngestOutcome::Invalid(format!(
                "conflicting change: this signer's change {seq} for the document is already stored with other content"
            ))
        };
        for (record, change) in records.iter().zip(changes) {
            let verdict = match change {
                Err(e) => Err(IngestOutcome::Invalid(e.to_string())),
                Ok(change) => match find(&tx, &record.id())? {
                    // The same record again: nothing to check or store.
                    Some((seq, received_ms)) => Ok(IngestOutcome::Duplicate { seq, received_ms }),
                    None => {
                        let outline =
                            outline_for(&tx, &mut self.outlines, &mut working, record.doc_id())?;
                        match check_rules(outline, self.server, record, &change) {
                            // Another change of this signer with this seq is
                            // stored: the same change signed twice, or two
                            // changes with one number. Either is a conflict,
                            // not a broken rule.
                            Err(_) if seq_taken(&tx, record, change.seq())? => {
                                Err(conflict(change.seq()))
                            }
                            Err(broken) => Err(IngestOutcome::BreaksRules(broken)),
                            Ok(()) => {
                                match insert_record(&tx, record, &change.meta(), origin, now_ms)? {
                                    Some(seq) => {
                                        outline.0.fold(&change);
                                        outline.1 = seq;
                                        Ok(IngestOutcome::Stored {
                                            seq,
                                            received_ms: now_ms,
                                            leaf: None,
                                        })
                                    }
                                    None => Err(conflict(change.seq())),
                                }
                            }
                        }
                    }
                },
            };
            let verdict = match log.as_mut() {
                None => verdict,
                Some(log) => {
                    let leaf = match &verdict {
                        Ok(IngestOutcome::Stored { .. }) => Some(kordon_log::Leaf::RecordAt {
                            id: record.id().0,
                            at_ms: now_ms,
                        }),
                        Err(IngestOutcome::BreaksRules(r)) => Some(kordon_log::Leaf::Refusal {
                            record: Some(record.id().0),
                            at_ms: now_ms,
                            reason: format!("breaks the schema rules: {r}"),
                        }),
                        Err(IngestOutcome::Invalid(r)) => Some(kordon_log::Leaf::Refusal {
                            record: Some(record.id().0),
                            at_ms: now_ms,
                            reason: r.clone(),
                        }),
                        _ => None,
                    };
                    let index = match leaf {
                        Some(leaf) => Some(log.append(&tx, &leaf, now_ms)?),
                        None => None,
                    };
                    match verdict {
                        Ok(IngestOutcome::Stored {
                            seq, received_ms, ..
                        }) => Ok(IngestOutcome::Stored {
                            seq,
                            received_ms,
                            leaf: index,
                        }),
                        other => other,
                    }
                }
            };
            match verdict {
                Ok(outcome) => outcomes.push(outcome),
                Err(refused) => {
                    let reason = match &refused {
                        IngestOutcome::BreaksRules(r) => format!("breaks the schema rules: {r}"),
                        IngestOutcome::Invalid(r) => r.clone(),
                        _ => String::new(),
                    };
                    log_rejection_tx(
                        &tx,
                        Some(&record.id()),
                        Some(&record.signer()),
                        None,
                        &reason,
                        now_ms,
                    )?;
                    outcomes.push(refused);
                }
            }
        }
        if let Some(device) = follower {
            let mut docs: Vec<[u8; 16]> = records.iter().map(|r| r.doc_id()).collect();
            docs.sort_unstable();
            docs.dedup();
            let mut follow = tx.prepare_cached(
                "INSERT OR IGNORE INTO device_docs (device, doc_id) VALUES (?1, ?2)",
            )?;
            for doc in &docs {
                follow.execute(params![&device.0[..], &doc[..]])?;
            }
        }
        tx.commit()?;
        if self.outlines.len() + working.len() > CACHE_DOCS {
            self.outlines.clear();
        }
        self.outlines.extend(working);
        Ok(outcomes)
    }

    /// How far the projection lags: records received and not yet
    /// applied to their documents, and when the oldest of them came.
    pub fn projection_lag(&self) -> Result<(u64, Option<i64>), StoreError> {
        let cursor = projected_upto(&self.conn)?;
        Ok(self.conn.query_row(
            "SELECT COUNT(*), MIN(received_ms) FROM records WHERE seq > ?1 AND origin = 'remote'",
            [cursor],
            |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get(1)?)),
        )?)
    }

    /// Writes a compacted snapshot of a document, so later loads replay
    /// only the records after it.
    pub fn compact(&mut self, id: InspectionId) -> Result<(), StoreError> {
        let key = *id.as_bytes();
        let (mut doc, upto) = load_base(&self.conn, &key, self.actor)?;
        let upto = apply_after(&self.conn, &key, &mut doc, upto, self.actor)?;
        self.conn.execute(
            "INSERT INTO snapshots (doc_id, upto, bytes) VALUES (?1, ?2, ?3)
             ON CONFLICT (doc_id) DO UPDATE SET upto = excluded.upto, bytes = excluded.bytes",
            params![&key[..], upto, doc.save()],
        )?;
        Ok(())
    }

    /// Whether a record with this id is stored.
    pub fn has_record(&self, id: &RecordId) -> Result<bool, StoreError> {
        Ok(find(&self.conn, id)?.is_some())
    }

    /// Every record of a document, in the order stored, with the receipt
    /// the server gave for it when there is one.
    pub fn records_of(&self, id: InspectionId) -> Result<Vec<RecordWithReceipt>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.bytes, c.bytes FROM records r LEFT JOIN receipts c ON c.record_id = r.id
             WHERE r.doc_id = ?1 ORDER BY r.seq",
        )?;
        let rows = stmt.query_map([&id.as_bytes()[..]], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
        })?;
        let mut out = vec![];
        for row in rows {
            let (bytes, receipt) = row?;
            out.push((SignedRecord::parse(bytes)?, receipt));
        }
        Ok(out)
    }

    /// Where each record of a document came from and when it arrived, in
    /// the order stored (the store's seq is the server's log position).
    pub fn record_facts(&self, id: InspectionId) -> Result<Vec<RecordFacts>, StoreError> {
        Ok(crate::record_log::doc_rows(&self.conn, id.as_bytes())?
            .iter()
            .map(RecordFacts::of)
            .collect())
    }

    /// Records a refused record (or connection) for the audit trail.
    pub fn log_rejection(
        &self,
        record: Option<&RecordId>,
        signer: Option<&PublicKey>,
        peer: Option<&str>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if !self.log {
            return log_rejection_tx(&self.conn, record, signer, peer, reason, now_ms);
        }
        // The rejection and its leaf in the log, together (IMMEDIATE, as
        // in `append`: the log's size is read, then written past).
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        log_rejection_tx(&tx, record, signer, peer, reason, now_ms)?;
        crate::log::append(
            &tx,
            &kordon_log::Leaf::Refusal {
                record: record.map(|r| r.0),
                at_ms: now_ms,
                reason: reason.to_string(),
            },
            now_ms,
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Every meta entry whose key starts with `prefix`, by key.
    pub fn meta_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT key, value FROM meta WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
        )?;
        let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

fn find(conn: &Connection, id: &RecordId) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, received_ms FROM records WHERE id = ?1")?
        .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The outline of a document for this batch: taken from the cache (or
/// begun empty) and brought up to the records stored since, which other
/// processes or local commits may have added.
fn outline_for<'w>(
    tx: &Transaction<'_>,
    cache: &mut HashMap<[u8; 16], (Outline, i64)>,
    working: &'w mut HashMap<[u8; 16], (Outline, i64)>,
    key: [u8; 16],
) -> Result<&'w mut (Outline, i64), StoreError> {
    match working.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(e) => {
            let (mut outline, upto) = cache.remove(&key).unwrap_or_default();
            let (changes, upto) = changes_after(tx, &key, upto)?;
            for change in changes {
                // Stored records were checked when they came; one that no
                // longer decodes (written by other tools) is left out.
                if let Ok(change) = ChangeOps::decode_held(&change) {
                    outline.fold(&change);
                }
            }
            Ok(e.insert((outline, upto)))
        }
    }
}

/// Checks a received record's change against the outline of its document
/// as this store holds it (and as the batch so far has changed it).
fn check_rules(
    outline: &(Outline, i64),
    server: Option<PublicKey>,
    record: &SignedRecord,
    change: &ChangeOps,
) -> Result<(), String> {
    let writer = if Some(record.signer()) == server {
        rules::Writer::Server
    } else {
        rules::Writer::Device
    };
    rules::check_received(
        &outline.0,
        &record.doc_id(),
        writer,
        record.payload().len(),
        change,
    )
}

/// Whether another change of this signer with the same seq is stored for
/// the document (two such changes would make it unloadable).
fn seq_taken(tx: &Transaction<'_>, r: &SignedRecord, change_seq: u64) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT 1 FROM records WHERE doc_id = ?1 AND signer = ?2 AND change_seq = ?3",
        )?
        .query_row(
            params![
                &r.doc_id()[..],
                &r.signer().as_bytes()[..],
                change_seq as i64
            ],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The projection's turn, shared by the handles on one database in this
/// process ([`Store::reopen`]): two handles do not fold the same records at
/// once. Other processes on the same file are kept apart by the
/// projection's cursor. Writers are not queued here but by SQLite's lock
/// (`busy_timeout`): queueing them on a mutex as well was measured slower
/// (`kordon-bench ingest`, a live server 3,800–4,700 records/s against
/// 4,700–5,100/s without it, alternate runs).
#[derive(Debug, Clone, Default)]
struct ProjectionTurn(std::sync::Arc<std::sync::Mutex<()>>);

impl ProjectionTurn {
    fn take(&self) -> std::sync::MutexGuard<'_, ()> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes the row derived from a document (which includes the records up
/// to `upto`). Returns whether a row was written.
fn write_derived(
    tx: &Transaction<'_>,
    key: &[u8; 16],
    derived: &Derived,
    upto: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    match derived {
        Derived::None => Ok(false),
        Derived::Inspection(view, heads) => {
            index::upsert(tx, view, heads, now_ms)?;
            Ok(true)
        }
        Derived::Hotlist(view) => {
            crate::hotlists::upsert(tx, key, view, upto)?;
            Ok(true)
        }
        Derived::Training(view) => {
            crate::training::upsert(tx, key, view, upto)?;
            Ok(true)
        }
    }
}

/// Rewrites the row derived from a document.
fn refresh_derived(
    tx: &Transaction<'_>,
    key: &[u8; 16],
    doc: &mut InspectionDoc,
    upto: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    write_derived(tx, key, &derive(key, doc), upto, now_ms)
}

/// Inserts a record; `None` if a record with the same id, or another change
/// with the same (document, signer, change seq), is already stored.
fn insert_record(
    tx: &Transaction<'_>,
    r: &SignedRecord,
    change: &ChangeMeta,
    origin: Origin,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let inserted = tx.prepare_cached(
        "INSERT OR IGNORE INTO records (id, doc_id, signer, officer, created_ms, received_ms, origin, bytes, change_seq, change_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        &r.id().0[..],
        &r.doc_id()[..],
        &r.signer().as_bytes()[..],
        r.officer(),
        r.created_ms(),
        now_ms,
        origin.as_str(),
        r.bytes(),
        change.seq as i64,
        &change.hash[..],
    ])?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

fn log_rejection_tx(
    conn: &Connection,
    record: Option<&RecordId>,
    signer: Option<&PublicKey>,
    peer: Option<&str>,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO rejections (at_ms, record_id, signer, peer, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_ms, record.map(|r| r.0.to_vec()), signer.map(|s| s.0.to_vec()), peer, reason],
    )?;
    Ok(())
}

/// The snapshot of a document (or an empty one) and the seq it covers.
pub(crate) fn load_base(
    conn: &Connection,
    key: &[u8; 16],
    actor: PublicKey,
) -> Result<(InspectionDoc, i64), StoreError> {
    let snap: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT upto, bytes FROM snapshots WHERE doc_id = ?1")?
        .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match snap {
        Some((upto, bytes)) => match InspectionDoc::load(&bytes, actor.as_bytes()) {
            Ok(doc) => (doc, upto),
            // The records are the truth: a snapshot that does not load
            // (`kordon check` names it) costs a replay, never the document.
            Err(e) => {
                tracing::warn!(doc = %InspectionId::from_bytes(*key), error = %e, "snapshot unreadable: replaying the records");
                (InspectionDoc::empty(actor.as_bytes()), 0)
            }
        },
        None => (InspectionDoc::empty(actor.as_bytes()), 0),
    })
}

/// Applies the document's records stored after `upto`; returns the new upto.
pub(crate) fn apply_after(
    conn: &Connection,
    key: &[u8; 16],
    doc: &mut InspectionDoc,
    upto: i64,
    actor: PublicKey,
) -> Result<i64, StoreError> {
    let (changes, last) = changes_after(conn, key, upto)?;
    if !fold_all(doc, &changes) {
        let (rebuilt, last) = rebuild(conn, key, actor)?;
        *doc = rebuilt;
        return Ok(last);
    }
    if changes.len() >= COMPACT_AFTER {
        if let Some(bytes) = snapshot_of(doc, key) {
            put_snapshot(conn, key, last, &bytes);
        }
    }
    Ok(last)
}

/// The changes of the document's records stored after `upto`, and the
/// last record's seq.
fn changes_after(
    conn: &Connection,
    key: &[u8; 16],
    upto: i64,
) -> Result<(Vec<Vec<u8>>, i64), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, bytes FROM records WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![&key[..], upto], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut changes = vec![];
    let mut last = upto;
    for row in rows {
        let (seq, bytes) = row?;
        let record = SignedRecord::parse(bytes)?;
        changes.push(record.payload().to_vec());
        last = seq;
    }
    Ok((changes, last))
}

/// A document rebuilt from its snapshot and every record after it, one
/// change at a time, each on a copy kept only if Automerge applies it
/// whole. One bad change must not make the whole inspection unreadable:
/// what Automerge refuses is skipped (the records stay in the log as
/// evidence). Stores check the schema rules and the structure of every
/// received change's operations, so this guards data written before, or
/// by other tools.
fn rebuild(
    conn: &Connection,
    key: &[u8; 16],
    actor: PublicKey,
) -> Result<(InspectionDoc, i64), StoreError> {
    let (mut doc, upto) = load_base(conn, key, actor)?;
    let (changes, last) = changes_after(conn, key, upto)?;
    fold_each(&mut doc, key, &changes);
    Ok((doc, last))
}

/// Keeps a snapshot of a document as of record `upto`, so the next cold
/// load replays few records. Best effort; the records remain the truth.
fn put_snapshot(conn: &Connection, key: &[u8; 16], upto: i64, bytes: &[u8]) {
    if let Err(e) = conn.execute(
        "INSERT INTO snapshots (doc_id, upto, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET upto = excluded.upto, bytes = excluded.bytes
         WHERE excluded.upto > snapshots.upto",
        params![&key[..], upto, bytes],
    ) {
        tracing::warn!(error = %e, upto, "snapshot not written");
    }
}

/// The last record sequence number the projection has applied.
pub(crate) fn projected_upto(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'projected_upto'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

#[cfg(test)]
mod sealed_tests {
    use super::*;

    fn actor() -> PublicKey {
        DeviceKey::generate().public()
    }

    #[test]
    fn a_sealed_database_opens_with_its_key_only_and_holds_no_plain_text() {
        let dir = tempfile::tempdir().expect("dir");
        let plain = dir.path().join("plain.sqlite");
        let sealed = dir.path().join("sealed.sqlite");
        let key = DataKey::generate();
        {
            let store = Store::open(&plain, actor()).expect("open plain");
            store.set_meta("note", "ВН 4711 КК").expect("meta");
        }
        assert!(is_plain_database(&plain));
        seal_database(&plain, &sealed, &key).expect("seal");
        assert!(!is_plain_database(&sealed));
        let bytes = std::fs::read(&sealed).expect("read");
        let needle = "ВН 4711 КК".as_bytes();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        let store = Store::open_sealed(&sealed, actor(), &key).expect("open sealed");
        assert_eq!(
            store.get_meta("note").expect("meta").as_deref(),
            Some("ВН 4711 КК")
        );
        drop(store);
        assert!(matches!(
            Store::open_sealed(&sealed, actor(), &DataKey::generate()),
            Err(StoreError::Locked(_))
        ));
        assert!(Store::open(&sealed, actor()).is_err());
    }
}
