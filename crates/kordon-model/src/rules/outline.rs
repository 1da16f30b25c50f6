//! [`Outline`]: what the rules need to know of a document, and the check of
//! a change's operations against it.
//!
//! An Automerge change is a list of operations, each numbered (its counter
//! and its author) and each naming the object it writes to, the key in it
//! (a map key, or the element of a list it inserts after or overwrites),
//! and what it does (make an object, put a value, delete, ...). The outline
//! places every object of the document: the root, one of the append-only
//! lists, inside an entry of one of them, or elsewhere under a root key.
//! That is enough to decide every rule from the operations alone, which
//! costs a small fraction of applying the change in Automerge.

use super::{RuleBroken, Writer, APPEND_ONLY, FIXED, SERVER_MAY_ADD};
use crate::ModelError;
use automerge::legacy::{ElementId, Key, ObjectId, Op, OpId, OpType};
use std::collections::{HashMap, HashSet};

/// A change decoded to its operations, as the rules read it.
#[derive(Debug, Clone)]
pub struct ChangeOps {
    hash: [u8; 32],
    actor: Vec<u8>,
    seq: u64,
    start_op: u64,
    deps: Vec<[u8; 32]>,
    ops: Vec<Op>,
}

impl ChangeOps {
    /// Decodes a change's bytes (held to the same bounds as every change
    /// a receiver reads; a malformed one is an error, never a panic).
    pub fn decode(bytes: &[u8]) -> Result<Self, ModelError> {
        let change = crate::doc::decode_change(bytes)?;
        let expanded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| change.decode()))
            .map_err(|_| {
            ModelError::BadChange(
                "Automerge could not read its operations (a malformed change)".into(),
            )
        })?;
        Ok(ChangeOps {
            hash: change.hash().0,
            actor: change.actor_id().to_bytes().to_vec(),
            seq: change.seq(),
            start_op: change.start_op().get(),
            deps: change.deps().iter().map(|h| h.0).collect(),
            ops: expanded.operations,
        })
    }

    /// The change's hash (how other changes name it as a dependency).
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The author's Automerge actor (for a record, its signer's key).
    pub fn actor(&self) -> &[u8] {
        &self.actor
    }

    /// The change's sequence number among its author's changes.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The change's sequence number and hash, as a store files it.
    pub fn meta(&self) -> crate::doc::ChangeMeta {
        crate::doc::ChangeMeta {
            seq: self.seq,
            hash: self.hash,
        }
    }

    /// The counter of the change's last operation.
    fn last_op(&self) -> u64 {
        self.start_op + (self.ops.len() as u64).saturating_sub(1)
    }
}

/// An operation's number in an outline: its counter and its author's
/// number in [`Outline::actors`].
type Id = (u64, u32);

/// The element of an entry a change is making: numbered only once the
/// change is folded in (inside what a change makes, the rules need no
/// number).
const UNNUMBERED: Id = (0, u32::MAX);

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An append-only list at the root (its index in [`APPEND_ONLY`]).
    List(u8),
    /// An entry of an append-only list, or an object inside one: the list
    /// and the entry's element.
    Entry(u8, Id),
    /// Anything else: an object under this root key (its index in
    /// [`Outline::names`]).
    Free(u32),
}

/// An object a change writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Root,
    /// An object the document held before the change.
    Held(Place),
    /// An object the change itself made.
    Made(Place),
}

/// What the rules need to know of one document, folded from its changes.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// The hashes of the changes held.
    changes: HashSet<[u8; 32]>,
    /// Authors, numbered in the order first seen.
    actors: Vec<Vec<u8>>,
    actor_numbers: HashMap<Vec<u8>, u32>,
    /// Per author: the sequence number of its last change and the counter
    /// of its last operation.
    authored: HashMap<u32, (u64, u64)>,
    /// Every object made, and where it lives.
    objects: HashMap<Id, Place>,
    /// The entries of each append-only list, in the order they came.
    entries: [Vec<Id>; APPEND_ONLY.len()],
    /// Each entry's list and its position there.
    entry_at: HashMap<Id, (u8, usize)>,
    /// Which fixed fields have been set.
    fixed: [bool; FIXED.len()],
    /// Root keys that objects live under, numbered in the order first seen.
    names: Vec<String>,
    name_numbers: HashMap<String, u32>,
}

impl Outline {
    /// The outline of an empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the outline holds a change.
    pub fn holds(&self, hash: &[u8; 32]) -> bool {
        self.changes.contains(hash)
    }

    /// How many changes the outline holds.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether no change is held.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Checks a change by `writer` against the document as outlined, and
    /// on success folds it in. On an error the outline is unchanged.
    pub fn admit(&mut self, change: &ChangeOps, writer: Writer) -> Result<(), RuleBroken> {
        self.check(change, writer)?;
        self.fold(change);
        Ok(())
    }

    /// Checks a change by `writer` against the document as outlined,
    /// changing nothing.
    pub fn check(&self, change: &ChangeOps, writer: Writer) -> Result<(), RuleBroken> {
        if change.deps.iter().any(|d| !self.changes.contains(d)) {
            return Err(RuleBroken::MissingDependencies);
        }
        let author = self.actor_numbers.get(&change.actor).copied();
        let (last_seq, last_op) = author
            .and_then(|a| self.authored.get(&a).copied())
            .unwrap_or((0, 0));
        if change.seq != last_seq + 1 {
            return Err(RuleBroken::DoesNotApply(format!(
                "it is change {} of its author, whose last change held is {last_seq}",
                change.seq
            )));
        }
        if change.start_op <= last_op {
            return Err(RuleBroken::DoesNotApply(
                "its operations reuse numbers its author has already used".into(),
            ));
        }
        // Objects this change made, and elements it inserted, by counter.
        let mut made: HashMap<u64, Place> = HashMap::new();
        let mut inserted: HashSet<u64> = HashSet::new();
        for (i, op) in change.ops.iter().enumerate() {
            let counter = change.start_op + i as u64;
            let target = self.target_of(&op.obj, change, &made)?;
            let child = self.check_op(op, target, change, &inserted, writer)?;
            if let (OpType::Make(_), Some(place)) = (&op.action, child) {
                made.insert(counter, place);
            }
            if op.insert {
                inserted.insert(counter);
            }
        }
        Ok(())
    }

    /// Checks one operation on `target`; returns where an object it makes
    /// would live.
    fn check_op(
        &self,
        op: &Op,
        target: Target,
        change: &ChangeOps,
        inserted: &HashSet<u64>,
        writer: Writer,
    ) -> Result<Option<Place>, RuleBroken> {
        match target {
            Target::Root => {
                let Key::Map(key) = &op.key else {
                    return Err(RuleBroken::DoesNotApply(
                        "it writes to the root by list position".into(),
                    ));
                };
                if let Some(f) = FIXED.iter().position(|k| *k == key.as_str()) {
                    if self.fixed[f] {
                        return Err(RuleBroken::FixedField { field: FIXED[f] });
                    }
                }
                if let Some(l) = APPEND_ONLY.iter().position(|k| *k == key.as_str()) {
                    let list = APPEND_ONLY[l];
                    if !self.entries[l].is_empty() {
                        return Err(RuleBroken::EntryRemoved { list, index: 0 });
                    }
                    if writer == Writer::Server && !SERVER_MAY_ADD.contains(&list) {
                        return Err(RuleBroken::ServerMayNot {
                            part: list.to_string(),
                        });
                    }
                    return Ok(Some(Place::List(l as u8)));
                }
                if writer == Writer::Server {
                    return Err(RuleBroken::ServerMayNot {
                        part: key.to_string(),
                    });
                }
                // A new root key has no name number yet: `fold` gives it one.
                Ok(Some(Place::Free(self.name_number(key).unwrap_or(u32::MAX))))
            }
            Target::Held(Place::List(l)) | Target::Made(Place::List(l)) => {
                let list = APPEND_ONLY[l as usize];
                if op.insert {
                    super::may_add(writer, list)?;
                    // The entry's element is this operation.
                    return Ok(Some(Place::Entry(l, UNNUMBERED)));
                }
                // Overwriting or deleting an element: only one this change
                // inserted.
                let Key::Seq(ElementId::Id(element)) = &op.key else {
                    return Err(RuleBroken::DoesNotApply(
                        "it writes to a list by a map key".into(),
                    ));
                };
                if self.own(element, change) && inserted.contains(&element.counter()) {
                    return Ok(Some(Place::Entry(l, UNNUMBERED)));
                }
                let held = self
                    .id_of(element)
                    .and_then(|id| self.entry_at.get(&id).copied());
                match held {
                    Some((_, index)) if matches!(op.action, OpType::Delete) => {
                        Err(RuleBroken::EntryRemoved { list, index })
                    }
                    Some((_, index)) => Err(RuleBroken::EntryEdited { list, index }),
                    None => Err(RuleBroken::DoesNotApply(format!(
                        "it writes to an entry of {list} the document does not hold"
                    ))),
                }
            }
            Target::Held(Place::Entry(l, entry)) => Err(RuleBroken::EntryEdited {
                list: APPEND_ONLY[l as usize],
                index: self.entry_at.get(&entry).map(|(_, i)| *i).unwrap_or(0),
            }),
            Target::Held(Place::Free(name)) => {
                if writer == Writer::Server {
                    return Err(RuleBroken::ServerMayNot {
                        part: self.name(name).to_string(),
                    });
                }
                Ok(Some(Place::Free(name)))
            }
            // Inside what this change made, anything goes: where it was
            // made was checked.
            Target::Made(place) => Ok(Some(place)),
        }
    }

    /// Folds a change into the outline without checking it: a change
    /// already accepted (read back from storage), or one just admitted.
    pub fn fold(&mut self, change: &ChangeOps) {
        if !self.changes.insert(change.hash) {
            return;
        }
        let author = self.actor_number(&change.actor);
        let last_op = change.last_op();
        let entry = self.authored.entry(author).or_insert((0, 0));
        *entry = (entry.0.max(change.seq), entry.1.max(last_op));
        for (i, op) in change.ops.iter().enumerate() {
            let id = (change.start_op + i as u64, author);
            let parent = match &op.obj {
                ObjectId::Root => None,
                ObjectId::Id(obj) => match self.id_of(obj).and_then(|o| self.objects.get(&o)) {
                    Some(place) => Some(*place),
                    // An object this outline does not know (a change
                    // stored before the rules, say): nothing to place.
                    None => continue,
                },
            };
            let child = match parent {
                None => {
                    let Key::Map(key) = &op.key else { continue };
                    if let Some(f) = FIXED.iter().position(|k| *k == key.as_str()) {
                        self.fixed[f] = true;
                    }
                    match APPEND_ONLY.iter().position(|k| *k == key.as_str()) {
                        Some(l) => Place::List(l as u8),
                        None => Place::Free(self.name_number_or_new(key)),
                    }
                }
                Some(Place::List(l)) => {
                    let element = if op.insert {
                        let index = self.entries[l as usize].len();
                        self.entries[l as usize].push(id);
                        self.entry_at.insert(id, (l, index));
                        id
                    } else {
                        match &op.key {
                            Key::Seq(ElementId::Id(e)) => match self.id_of(e) {
                                Some(e) => e,
                                None => continue,
                            },
                            _ => continue,
                        }
                    };
                    Place::Entry(l, element)
                }
                Some(place) => place,
            };
            if matches!(op.action, OpType::Make(_)) {
                self.objects.insert(id, child);
            }
        }
    }

    /// Whether `id` is an operation of `change` itself.
    fn own(&self, id: &OpId, change: &ChangeOps) -> bool {
        id.actor().to_bytes() == change.actor.as_slice() && id.counter() >= change.start_op
    }

    /// What an operation's object is.
    fn target_of(
        &self,
        obj: &ObjectId,
        change: &ChangeOps,
        made: &HashMap<u64, Place>,
    ) -> Result<Target, RuleBroken> {
        let ObjectId::Id(obj) = obj else {
            return Ok(Target::Root);
        };
        if self.own(obj, change) {
            if let Some(place) = made.get(&obj.counter()) {
                return Ok(Target::Made(*place));
            }
        }
        match self.id_of(obj).and_then(|id| self.objects.get(&id)) {
            Some(place) => Ok(Target::Held(*place)),
            None => Err(RuleBroken::DoesNotApply(
                "it writes to an object the document does not hold".into(),
            )),
        }
    }

    fn id_of(&self, op: &OpId) -> Option<Id> {
        self.actor_numbers
            .get(op.actor().to_bytes())
            .map(|a| (op.counter(), *a))
    }

    fn actor_number(&mut self, actor: &[u8]) -> u32 {
        if let Some(n) = self.actor_numbers.get(actor) {
            return *n;
        }
        let n = self.actors.len() as u32;
        self.actors.push(actor.to_vec());
        self.actor_numbers.insert(actor.to_vec(), n);
        n
    }

    fn name_number(&self, key: &str) -> Option<u32> {
        self.name_numbers.get(key).copied()
    }

    fn name_number_or_new(&mut self, key: &str) -> u32 {
        if let Some(n) = self.name_numbers.get(key) {
            return *n;
        }
        let n = self.names.len() as u32;
        self.names.push(key.to_string());
        self.name_numbers.insert(key.to_string(), n);
        n
    }

    fn name(&self, number: u32) -> &str {
        self.names
            .get(number as usize)
            .map(String::as_str)
            .unwrap_or("the document")
    }
}
