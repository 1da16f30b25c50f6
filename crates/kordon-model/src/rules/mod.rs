//! The schema rules every receiver enforces on a change, whoever sent it.
//!
//! A change is checked by what its operations do to the document it
//! applies to, as the receiver holds it: never by trusting the sender's
//! code. The receiver keeps an [`Outline`] of each document (which object
//! is which list, which entries each append-only list holds, which fields
//! are set, which changes and authors it holds), folded from the changes'
//! operations, and reads every operation of a new change against it,
//! without applying the change to the document. The rules:
//!
//! 1. **Append-only lists** (`decisions`, `reviews`, `annotations`, `scans`,
//!    `reads`, `read_edits`, `alerts`, `alert_responses`; a training
//!    attempt's `answers`): every entry the
//!    document held is still there, the same object, unchanged, in the same
//!    order; a change may only add entries. Replacing a list by a new one
//!    (even with copies of its entries) removes its entries, and is refused.
//! 2. **Fixed at creation**: `schema`, `id`, `created_ms`, `created_by`,
//!    `unit` and a training attempt's `exercise` never change once set.
//! 3. **Roles**: the server's key may add reviews and annotations and
//!    change nothing else; a device may change anything but reviews (and
//!    what rules 1 and 2 protect).
//! 4. A change must apply now: one whose dependencies the receiver does
//!    not hold is refused (records arrive in causal order from honest
//!    peers, so this only stops a change that could otherwise be applied
//!    later, unchecked).
//! 5. A change must fit the document as its author last left it: in
//!    Automerge's own encoding, the author's next change by sequence
//!    number, its operations numbered above every operation of the changes
//!    it builds on; every object, element and overwritten operation it
//!    names held by the document (at the very place the operation writes)
//!    or made by the change itself; and only what the schema uses (maps,
//!    lists, text; no counters, marks or tables).
//! 6. An append-only list is made once: a change may make one at its root
//!    key only where none was ever made, and may add only to that one.
//!
//! See `docs/signed-records.md` (schema rules).

#[cfg(test)]
mod oracle;
mod outline;
#[cfg(test)]
mod tests;

pub use outline::{ChangeOps, Outline};

/// Lists nothing may remove from or edit in.
pub const APPEND_ONLY: [&str; 9] = [
    "decisions",
    "reviews",
    "annotations",
    "scans",
    "reads",
    "read_edits",
    "alerts",
    "alert_responses",
    "answers",
];

/// Root fields fixed at creation.
pub const FIXED: [&str; 6] = [
    "schema",
    "id",
    "created_ms",
    "created_by",
    "unit",
    "exercise",
];

/// Lists the server may add to; it may change nothing else.
const SERVER_MAY_ADD: [&str; 2] = ["reviews", "annotations"];

/// Who signed a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// An enrolled device (a vehicle).
    Device,
    /// The server's own key (supervisors' reviews and marks).
    Server,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleBroken {
    #[error("the change removes or replaces {list} entry {index}")]
    EntryRemoved { list: &'static str, index: usize },
    #[error("the change edits {list} entry {index}, which is append-only")]
    EntryEdited { list: &'static str, index: usize },
    #[error("the change reorders the entries of {list}")]
    Reordered { list: &'static str },
    #[error("the change alters {field}, which is fixed at creation")]
    FixedField { field: &'static str },
    #[error("a device may not add to {list} (the server's key writes it)")]
    DeviceMayNot { list: &'static str },
    #[error(
        "the server's key may only add reviews and annotations; this change also alters {part}"
    )]
    ServerMayNot { part: String },
    #[error("the change depends on changes this receiver does not hold")]
    MissingDependencies,
    #[error("the change does not apply: {0}")]
    DoesNotApply(String),
    #[error("the change replaces the list {list} or adds to another one: it is made once, with the document")]
    ListReplaced { list: &'static str },
}

/// Checks a received change to document `doc` against the document's
/// outline as the receiver holds it: the rules above, and which writer
/// may write which kind of document. Hotlists are the server's alone,
/// which receivers check by signer before this; training attempts are
/// their trainee's device's alone. `change_len` is the change's size in
/// bytes. Every backend of the server's store decides with this one
/// function.
pub fn check_received(
    outline: &Outline,
    doc: &[u8; 16],
    writer: Writer,
    change_len: usize,
    change: &ChangeOps,
) -> Result<(), String> {
    let kind = crate::DocKind::of(doc);
    if kind == crate::DocKind::Hotlist {
        return Ok(());
    }
    if kind == crate::DocKind::Training && writer == Writer::Server {
        return Err("a training attempt is written by the trainee's device only".into());
    }
    let limit = crate::training::MAX_CHANGE_BYTES;
    if kind == crate::DocKind::Training && change_len > limit {
        return Err(format!(
            "a change to a training attempt is {change_len} bytes, more than the {limit} taken"
        ));
    }
    outline
        .check(change, writer)
        .map_err(|broken| broken.to_string())
}

/// Whether `writer` may add entries to the append-only `list`.
fn may_add(writer: Writer, list: &'static str) -> Result<(), RuleBroken> {
    match writer {
        Writer::Device if list == "reviews" => Err(RuleBroken::DeviceMayNot { list }),
        Writer::Server if !SERVER_MAY_ADD.contains(&list) => Err(RuleBroken::ServerMayNot {
            part: list.to_string(),
        }),
        _ => Ok(()),
    }
}
