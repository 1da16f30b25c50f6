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
//! Then every moved thing is read back on both sides, row by row, and
//! compared: records (positions, arrival, origin), the log's leaves,
//! checkpoints, refusals, witnesses, devices, enrollments, the documents
//! each device follows, scans received, accounts and the audit trail;
//! and what the ports derive: the log's head at every checkpoint's size
//! and at its end, the register's view of each device.
//!
//! Each table's rows commit as they are loaded: a move that fails leaves
//! the database partly filled, and a second move is refused until it is
//! made empty again (the error says so). Derived rows are not moved: the
//! destination's own projection makes its index (inspections, hotlists)
//! from the records moved, at the end of the move, and the check then
//! compares the two indexes: how many inspections, the queue's counts and
//! units, its first page (the rows' views, heads and review states), and
//! the hotlists.

use crate::{Central, CentralError};
use kordon_ports::dump::{
    BlobRow, CheckpointRow, DeviceRow, DumpSink, DumpSource, EnrollmentRow, FollowRow, RecordRow,
    RefusalRow,
};
use kordon_ports::{stored_text, AccountStore, ConsoleQuery, Index, RecordLog, Register};
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
    /// Inspections in the destination's index, made from the records.
    pub inspections: u64,
}

/// A backend a server's storage can move into and be read back from.
pub trait Destination: DumpSink + DumpSource + RecordLog + Register + AccountStore + Index {}
impl<T: DumpSink + DumpSource + RecordLog + Register + AccountStore + Index> Destination for T {}

/// What differs between the two sides after a move.
fn differs(what: &str, detail: impl std::fmt::Display) -> CentralError {
    CentralError::Moved(format!("after the move, {what} differs: {detail}"))
}

impl Central {
    /// Moves this server's storage into `to` (empty), then checks it.
    pub fn move_storage(&self, to: &mut dyn Destination) -> Result<MoveSummary, CentralError> {
        if !to.is_empty()? {
            return Err(CentralError::Moved(
                "the destination holds data already: a server moves into an empty database \
                 (after a move that failed, drop the database, create it empty, and move again)"
                    .into(),
            ));
        }
        self.with_snapshot(|from| {
            let summary = copy(from, to).and_then(|mut summary| {
                check(from, to)?;
                summary.inspections = check_index(from, to)?;
                Ok(summary)
            });
            summary.map_err(|e| {
                CentralError::Moved(format!(
                    "{e}; the database now holds part of the move: drop it, create it empty, \
                     and move again"
                ))
            })
        })
    }

    /// Checks that `to` holds what this server's storage holds (after a
    /// move): `Ok` if every row moved, the log's heads, the witnesses,
    /// the register's view of each device, the accounts and the indexes
    /// agree (the destination's projection brought up to date first).
    pub fn check_moved(&self, to: &mut dyn Destination) -> Result<(), CentralError> {
        self.with_snapshot(|from| {
            check(from, to)?;
            check_index(from, to).map(|_| ())
        })
    }

    /// Runs `work` over one snapshot of the database, removed after.
    fn with_snapshot<T>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        let snapshot = self.dir.join("central.sqlite.move");
        let remove = || {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", snapshot.display()));
            }
        };
        // What an interrupted move left is stale (a write-ahead file left
        // beside a new snapshot would be replayed into it).
        remove();
        self.storage()
            .sqlite("moving the storage")?
            .copy_into(&snapshot)?;
        let result = Store::open(&snapshot, self.key.public())
            .map_err(CentralError::from)
            .and_then(|mut from| {
                from.set_server_key(self.key.public());
                from.enable_log();
                from.open_register()?;
                work(&mut from)
            });
        remove();
        result
    }
}

fn count(n: usize) -> u64 {
    n as u64
}

/// Reads a table page by page (`page` takes the last row read, `None` at
/// first) and hands each page to `each`; returns the rows read.
fn pages<T>(
    mut page: impl FnMut(Option<&T>) -> Result<Vec<T>, CentralError>,
    mut each: impl FnMut(&[T]) -> Result<(), CentralError>,
) -> Result<u64, CentralError> {
    let mut n = 0;
    let mut last: Option<T> = None;
    loop {
        let rows = page(last.as_ref())?;
        if rows.is_empty() {
            return Ok(n);
        }
        each(&rows)?;
        n += count(rows.len());
        last = rows.into_iter().last();
    }
}

/// Copies every table, in pages where they grow long.
fn copy(from: &Store, to: &dyn Destination) -> Result<MoveSummary, CentralError> {
    let mut s = MoveSummary::default();
    let users = from.users()?;
    to.load_users(&users)?;
    s.accounts = count(users.len());
    s.audit_entries = pages(
        |last: Option<&kordon_ports::AuditEntry>| Ok(from.audit(last.map(|a| a.n), 1_000)?),
        |rows| Ok(to.load_audit(rows)?),
    )?;
    let devices = from.dump_devices()?;
    to.load_devices(&devices)?;
    s.devices = count(devices.len());
    let enrollments = from.dump_enrollments()?;
    to.load_enrollments(&enrollments)?;
    s.enrollments = count(enrollments.len());
    s.follows = pages(
        |last| Ok(from.dump_follows(last.cloned(), PAGE)?),
        |rows| Ok(to.load_follows(rows)?),
    )?;
    s.blobs = pages(
        |last: Option<&BlobRow>| Ok(from.dump_blobs(last.map(|b| b.blob.clone()), PAGE)?),
        |rows| Ok(to.load_blobs(rows)?),
    )?;
    s.records = pages(
        |last: Option<&RecordRow>| Ok(from.dump_records(last.map_or(0, |r| r.seq), PAGE)?),
        |rows| Ok(to.load_records(rows)?),
    )?;
    s.log_leaves = pages(
        |last: Option<&kordon_ports::LogEntry>| {
            Ok(from.dump_leaves(last.map_or(0, |l| l.index + 1), PAGE)?)
        },
        |rows| Ok(to.load_leaves(rows)?),
    )?;
    s.checkpoints = pages(
        |last: Option<&CheckpointRow>| Ok(from.dump_checkpoints(last.map(|c| c.size), PAGE)?),
        |rows| Ok(to.load_checkpoints(rows)?),
    )?;
    s.refusals = pages(
        |last: Option<&RefusalRow>| Ok(from.dump_refusals(last.map_or(0, |r| r.n), PAGE)?),
        |rows| Ok(to.load_refusals(rows)?),
    )?;
    let witnesses = from.witnesses()?;
    to.load_witnesses(&witnesses)?;
    s.witnesses = count(witnesses.len());
    Ok(s)
}

/// A row in the form every backend keeps it ([`stored_text`]): the
/// source's rows are compared in that form, so a name or reason that held
/// a NUL (a hostile login name in the audit trail, say) moves and checks.
trait Stored {
    fn stored(self) -> Self;
}

/// `Stored` for a row type: its text fields, then its optional ones.
macro_rules! stored {
    ($t:ty { $($text:ident),* ; $($opt:ident),* }) => {
        impl Stored for $t {
            fn stored(self) -> Self {
                Self {
                    $($text: stored_text(&self.$text),)*
                    $($opt: self.$opt.as_deref().map(stored_text),)*
                    ..self
                }
            }
        }
    };
}

stored!(RecordRow { ; });
stored!(kordon_ports::LogEntry { ; });
stored!(CheckpointRow { text ; });
stored!(RefusalRow { reason ; peer });
stored!(BlobRow { blob ; });
stored!(DeviceRow { unit ; revoked_reason, revoked_by, last_addr, app_version });
stored!(kordon_ports::DeviceInfo { unit ; revoked_reason, revoked_by, last_addr, app_version });
stored!(EnrollmentRow { unit ; created_by, cancelled_by });
stored!(kordon_ports::Witness { verdict, checkpoint ; });
stored!(kordon_ports::UserRow { name, role, password_hash ; });
stored!(kordon_ports::AuditEntry { action, outcome, detail ; actor, role, target, peer });

/// Documents followed hold no text.
impl Stored for FollowRow {
    fn stored(self) -> Self {
        self
    }
}

fn stored<T: Stored>(rows: Vec<T>) -> Vec<T> {
    rows.into_iter().map(Stored::stored).collect()
}

/// Reads a table page by page on both sides; fails at the first page
/// that differs, naming the table and the first row that differs.
fn same_pages<T: PartialEq + Stored>(
    what: &str,
    mut page: impl FnMut(&dyn DumpSource, Option<&T>) -> Result<Vec<T>, CentralError>,
    from: &dyn DumpSource,
    to: &dyn DumpSource,
    name: impl Fn(&T) -> String,
) -> Result<(), CentralError> {
    let mut last: Option<T> = None;
    loop {
        let (a, b) = (stored(page(from, last.as_ref())?), page(to, last.as_ref())?);
        if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            return Err(differs(
                what,
                match a.get(i).or(b.get(i)) {
                    Some(row) => name(row),
                    None => String::new(),
                },
            ));
        }
        match a.into_iter().last() {
            None => return Ok(()),
            some => last = some,
        }
    }
}

/// Reads everything moved back on both sides, row by row, and what the
/// ports derive from it.
fn check(from: &Store, to: &dyn Destination) -> Result<(), CentralError> {
    let src: &dyn DumpSource = from;
    let dst: &dyn DumpSource = to;
    same_pages(
        "the record log",
        |s, last: Option<&RecordRow>| Ok(s.dump_records(last.map_or(0, |r| r.seq), PAGE)?),
        src,
        dst,
        |r| format!("record {} at position {}", r.record.id(), r.seq),
    )?;
    same_pages(
        "the transparency log",
        |s, last: Option<&kordon_ports::LogEntry>| {
            Ok(s.dump_leaves(last.map_or(0, |l| l.index + 1), PAGE)?)
        },
        src,
        dst,
        |l| format!("leaf {}", l.index),
    )?;
    same_pages(
        "the checkpoints",
        |s, last: Option<&CheckpointRow>| Ok(s.dump_checkpoints(last.map(|c| c.size), PAGE)?),
        src,
        dst,
        |c| format!("of size {}", c.size),
    )?;
    same_pages(
        "the refusals",
        |s, last: Option<&RefusalRow>| Ok(s.dump_refusals(last.map_or(0, |r| r.n), PAGE)?),
        src,
        dst,
        |r| format!("refusal {}", r.n),
    )?;
    same_pages(
        "the register",
        |s, last: Option<&FollowRow>| Ok(s.dump_follows(last.cloned(), PAGE)?),
        src,
        dst,
        |_| "documents followed".into(),
    )?;
    same_pages(
        "the register",
        |s, last: Option<&BlobRow>| Ok(s.dump_blobs(last.map(|b| b.blob.clone()), PAGE)?),
        src,
        dst,
        |b| format!("scan {}", b.blob),
    )?;
    if stored(src.dump_devices()?) != dst.dump_devices()?
        || stored(Register::devices(from)?) != to.devices()?
    {
        return Err(differs("the register", "devices"));
    }
    if stored(src.dump_enrollments()?) != dst.dump_enrollments()? {
        return Err(differs("the register", "enrollments"));
    }
    // The tree over the leaves, as proofs read it, at every size signed.
    let size = RecordLog::log_size(from)?;
    if to.log_size()? != size {
        return Err(differs("the log's size", size));
    }
    let mut signed = vec![size];
    pages(
        |last: Option<&CheckpointRow>| Ok(src.dump_checkpoints(last.map(|c| c.size), PAGE)?),
        |rows| {
            signed.extend(rows.iter().map(|c| c.size).filter(|&s| s <= size));
            Ok(())
        },
    )?;
    for at in signed {
        if RecordLog::log_head(from, at)? != to.log_head(at)? {
            return Err(differs("the log's head", format!("at size {at}")));
        }
    }
    if stored(RecordLog::witnesses(from)?) != to.witnesses()? {
        return Err(differs("the witnesses", "checkpoints vehicles reported"));
    }
    if stored(AccountStore::users(from)?) != to.users()? {
        return Err(differs("the accounts", "users"));
    }
    let mut before = None;
    loop {
        let (a, b) = (
            stored(AccountStore::audit(from, before, 1_000)?),
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

/// Projects both sides up to their last record, then compares their
/// indexes; returns how many inspections they hold.
fn check_index(from: &mut Store, to: &mut dyn Destination) -> Result<u64, CentralError> {
    let now = crate::now_ms();
    Index::project(from, now)?;
    to.project(now)?;
    let n = Index::inspection_count(from)?;
    if to.inspection_count()? != n {
        return Err(differs("the index", format!("{n} inspections")));
    }
    let first = ConsoleQuery {
        limit: Some(kordon_ports::QUEUE_PAGE_MAX),
        ..Default::default()
    };
    let (a, b) = (Index::console_page(from, &first)?, to.console_page(&first)?);
    if (
        a.total,
        &a.counts.review,
        &a.counts.outcome,
        a.counts.open_alerts,
        &a.units,
    ) != (
        b.total,
        &b.counts.review,
        &b.counts.outcome,
        b.counts.open_alerts,
        &b.units,
    ) {
        return Err(differs("the index", "the queue's counts"));
    }
    // The rows as the console shows them (when each was indexed differs).
    let shown = |rows: &[kordon_ports::ConsoleRow]| -> Result<Vec<String>, CentralError> {
        rows.iter()
            .map(|r| {
                let view = serde_json::to_string(&r.row.view)
                    .map_err(|e| CentralError::Moved(format!("an inspection's view: {e}")))?;
                Ok(format!(
                    "{} {:?} {:?} {view}",
                    r.row.heads.join(","),
                    r.review_state,
                    r.received_ms
                ))
            })
            .collect()
    };
    let (rows_a, rows_b) = (shown(&a.rows)?, shown(&b.rows)?);
    if let Some(i) = (0..rows_a.len().max(rows_b.len())).find(|&i| rows_a.get(i) != rows_b.get(i)) {
        let id = a
            .rows
            .get(i)
            .or(b.rows.get(i))
            .map(|r| r.row.view.id.to_string());
        return Err(differs(
            "the index",
            format!("inspection {}", id.unwrap_or_default()),
        ));
    }
    let lists = |l: Vec<kordon_model::HotlistView>| {
        serde_json::to_string(&l).map_err(|e| CentralError::Moved(format!("a hotlist's view: {e}")))
    };
    if lists(Index::hotlists(from)?)? != lists(to.hotlists()?)? {
        return Err(differs("the index", "the hotlists"));
    }
    Ok(n)
}
