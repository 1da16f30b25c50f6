//! `kordon-server migrate --from DIR --to postgres://…`: a server's
//! storage moved from its SQLite file into another backend, then checked.
//!
//! The move reads one snapshot of the database (taken beside it, removed
//! after), so it is consistent even if the server still runs; what the
//! server accepts after the snapshot is not moved, so the server is
//! stopped first. The destination must hold nothing. What moves is what
//! is not derived: records with their positions (vehicles' cursors and
//! receipts name them), the transparency log leaf by leaf (its heads, and
//! so every receipt and checkpoint the server signed, stay valid), the
//! checkpoints and witnesses, refusals, the register, accounts with their
//! password hashes, and the audit trail. Console sessions end. The scan
//! files stay in the blob store the server's configuration names.
//!
//! Then every moved thing is read back through the ports on both sides
//! and compared: each record and its position, the log's head at every
//! checkpoint's size and at its end, the checkpoints, witnesses, devices,
//! pending enrollments, accounts, audit trail and scans received.

use crate::{Central, CentralError};
use kordon_ports::dump::{DumpSink, DumpSource};
use kordon_ports::{AccountStore, RecordLog, Register};
use kordon_store::Store;

/// Rows per page read from the source and written to the destination.
const PAGE: usize = 2_000;

/// What a move carried, each checked after.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MoveSummary {
    pub records: u64,
    pub log_leaves: u64,
    pub checkpoints: u64,
    pub refusals: u64,
    pub witnesses: u64,
    pub devices: u64,
    pub enrollments: u64,
    pub follows: u64,
    pub blobs: u64,
    pub accounts: u64,
    pub audit_entries: u64,
}

/// A backend a server's storage can move into and be read back from.
pub trait Destination: DumpSink + RecordLog + Register + AccountStore {}
impl<T: DumpSink + RecordLog + Register + AccountStore> Destination for T {}

/// What differs between the two sides after a move.
fn differs(what: &str, detail: impl std::fmt::Display) -> CentralError {
    CentralError::Moved(format!("after the move, {what} differs: {detail}"))
}

impl Central {
    /// Moves this server's storage into `to` (empty), then checks it.
    pub fn move_storage(&self, to: &dyn Destination) -> Result<MoveSummary, CentralError> {
        if !to.is_empty()? {
            return Err(CentralError::Moved(
                "the destination holds data already: a server moves into an empty database".into(),
            ));
        }
        self.with_snapshot(|from| {
            let summary = copy(from, to)?;
            check(from, to)?;
            Ok(summary)
        })
    }

    /// Checks that `to` holds what this server's storage holds (after a
    /// move): `Ok` if every record and position, the log's heads, the
    /// checkpoints, witnesses, register, accounts and audit trail agree.
    pub fn check_moved(&self, to: &dyn Destination) -> Result<(), CentralError> {
        self.with_snapshot(|from| check(from, to))
    }

    /// Runs `work` over one snapshot of the database, removed after.
    fn with_snapshot<T>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        let snapshot = self.dir.join("central.sqlite.move");
        // A snapshot left by an interrupted move is stale.
        let _ = std::fs::remove_file(&snapshot);
        self.store().copy_into(&snapshot)?;
        let result = Store::open(&snapshot, self.key.public())
            .map_err(CentralError::from)
            .and_then(|mut from| {
                from.set_server_key(self.key.public());
                from.enable_log();
                from.open_register()?;
                work(&from)
            });
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", snapshot.display()));
        }
        result
    }
}

fn count(n: usize) -> u64 {
    n as u64
}

/// Copies every table, in pages where they grow long.
fn copy(from: &Store, to: &dyn Destination) -> Result<MoveSummary, CentralError> {
    let mut s = MoveSummary::default();
    let users = from.users()?;
    to.load_users(&users)?;
    s.accounts = count(users.len());
    let mut audit = vec![];
    let mut before = None;
    loop {
        let page = from.audit(before, 1_000)?;
        let Some(last) = page.last() else { break };
        before = Some(last.n);
        audit.extend(page);
    }
    audit.reverse();
    for chunk in audit.chunks(PAGE) {
        to.load_audit(chunk)?;
    }
    s.audit_entries = count(audit.len());

    let devices = from.dump_devices()?;
    to.load_devices(&devices)?;
    s.devices = count(devices.len());
    let enrollments = from.dump_enrollments()?;
    to.load_enrollments(&enrollments)?;
    s.enrollments = count(enrollments.len());
    let mut after = None;
    loop {
        let page = from.dump_follows(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.clone());
        to.load_follows(&page)?;
        s.follows += count(page.len());
    }
    let blobs = from.dump_blobs()?;
    to.load_blobs(&blobs)?;
    s.blobs = count(blobs.len());

    let mut cursor = 0;
    loop {
        let page = from.dump_records(cursor, PAGE)?;
        let Some(last) = page.last() else { break };
        cursor = last.seq;
        to.load_records(&page)?;
        s.records += count(page.len());
    }
    loop {
        let page = from.dump_leaves(s.log_leaves, PAGE)?;
        if page.is_empty() {
            break;
        }
        to.load_leaves(&page)?;
        s.log_leaves += count(page.len());
    }
    let checkpoints = from.dump_checkpoints()?;
    to.load_checkpoints(&checkpoints)?;
    s.checkpoints = count(checkpoints.len());
    let mut after = 0;
    loop {
        let page = from.dump_refusals(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.n;
        to.load_refusals(&page)?;
        s.refusals += count(page.len());
    }
    let witnesses = from.witnesses()?;
    to.load_witnesses(&witnesses)?;
    s.witnesses = count(witnesses.len());
    Ok(s)
}

/// Reads everything moved back through the ports on both sides.
fn check(from: &Store, to: &dyn Destination) -> Result<(), CentralError> {
    let mut cursor = 0;
    loop {
        let (a, b) = (
            RecordLog::records_after(from, cursor, PAGE)?,
            to.records_after(cursor, PAGE)?,
        );
        if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            return Err(differs(
                "the record log",
                match a.get(i) {
                    Some(r) => format!("record {} at position {}", r.record.id(), r.seq),
                    None => format!("a record after position {cursor}"),
                },
            ));
        }
        let Some(last) = a.last() else { break };
        cursor = last.seq;
    }
    let size = RecordLog::log_size(from)?;
    if to.log_size()? != size {
        return Err(differs("the log's size", size));
    }
    let checkpoints = from.dump_checkpoints()?;
    for at in checkpoints.iter().map(|c| c.size).chain([size]) {
        if at <= size && RecordLog::log_head(from, at)? != to.log_head(at)? {
            return Err(differs("the log's head", format!("at size {at}")));
        }
    }
    for c in &checkpoints {
        if to.checkpoint_at(c.size)?.as_deref() != Some(c.text.as_str()) {
            return Err(differs("a checkpoint", format!("of size {}", c.size)));
        }
    }
    if RecordLog::witnesses(from)? != to.witnesses()? {
        return Err(differs("the witnesses", "checkpoints vehicles reported"));
    }
    if Register::devices(from)? != to.devices()? {
        return Err(differs("the register", "devices"));
    }
    let now = i64::MIN + 1;
    if Register::enrollments_pending(from, now)? != to.enrollments_pending(now)? {
        return Err(differs("the register", "enrollments"));
    }
    if Register::blobs_received(from)? != to.blobs_received()? {
        return Err(differs("the register", "scans received"));
    }
    if AccountStore::users(from)? != to.users()? {
        return Err(differs("the accounts", "users"));
    }
    let mut before = None;
    loop {
        let (a, b) = (
            AccountStore::audit(from, before, 1_000)?,
            to.audit(before, 1_000)?,
        );
        if a != b {
            return Err(differs("the audit trail", "an entry"));
        }
        let Some(last) = a.last() else { break };
        before = Some(last.n);
    }
    Ok(())
}
