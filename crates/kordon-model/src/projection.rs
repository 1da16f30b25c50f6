//! What a document's records make of it: the changes folded into the
//! document, and the one row it derives (an inspection's index row, a
//! hotlist's or a training attempt's). Pure: every store's projection
//! reads the records and writes the rows its own way, and decides
//! nothing of this itself.

use crate::{DocKind, HotlistView, InspectionDoc, InspectionId, InspectionView, TrainingView};

/// Records folded into a document past its snapshot before a store keeps
/// a new snapshot.
pub const COMPACT_AFTER: usize = 32;

/// The row derived from a document. A document whose genesis has not
/// arrived yet (or that follows no schema) has none.
#[derive(Debug, Clone)]
pub enum Derived {
    None,
    /// An inspection's view and the document's heads (hex).
    Inspection(Box<InspectionView>, Vec<String>),
    Hotlist(Box<HotlistView>),
    Training(Box<TrainingView>),
}

/// A document's derived row is keyed by the document it comes from: one
/// whose own `id` field names another document (a device claiming someone
/// else's inspection or attempt) derives none.
pub fn derive(key: &[u8; 16], doc: &mut InspectionDoc) -> Derived {
    match DocKind::of(key) {
        DocKind::Inspection => match doc.view() {
            Ok(view) if view.id.as_bytes() == key => {
                Derived::Inspection(Box::new(view), doc.heads())
            }
            _ => Derived::None,
        },
        DocKind::Hotlist => {
            let id = uuid::Uuid::from_bytes(*key).to_string();
            match crate::hotlist::hotlist_view(doc, &id) {
                Ok(view) => Derived::Hotlist(Box::new(view)),
                Err(_) => Derived::None,
            }
        }
        DocKind::Training => match crate::training::training_view(doc) {
            Ok(view)
                if uuid::Uuid::parse_str(&view.id)
                    .ok()
                    .as_ref()
                    .map(uuid::Uuid::as_bytes)
                    == Some(key) =>
            {
                Derived::Training(Box::new(view))
            }
            _ => Derived::None,
        },
    }
}

/// Applies changes to a document in one go; false if Automerge refused
/// them, when the document may hold part of them and must be rebuilt
/// with [`fold_each`] from its base.
pub fn fold_all(doc: &mut InspectionDoc, changes: &[Vec<u8>]) -> bool {
    changes.is_empty() || doc.apply_changes(changes.iter().map(Vec::as_slice)).is_ok()
}

/// Applies changes one at a time, each on a copy kept only if Automerge
/// applies it whole. One bad change must not make the whole inspection
/// unreadable: what Automerge refuses is skipped (the records stay in the
/// log as evidence). Stores check the schema rules and the structure of
/// every received change's operations, so this guards data written
/// before, or by other tools.
pub fn fold_each(doc: &mut InspectionDoc, key: &[u8; 16], changes: &[Vec<u8>]) {
    for (i, change) in changes.iter().enumerate() {
        let mut copy = doc.fork();
        match copy.apply_change(change) {
            Ok(()) => *doc = copy,
            Err(e) => {
                tracing::warn!(doc = %InspectionId::from_bytes(*key), change = i, error = %e, "change skipped")
            }
        }
    }
}

/// A document's snapshot as it loads again, or `None` (with a warning)
/// when it does not: only a snapshot that loads is worth keeping.
pub fn snapshot_of(doc: &mut InspectionDoc, key: &[u8; 16]) -> Option<Vec<u8>> {
    let bytes = doc.save();
    match InspectionDoc::load(&bytes, &[0; 32]) {
        Ok(_) => Some(bytes),
        Err(e) => {
            tracing::warn!(doc = %InspectionId::from_bytes(*key), error = %e, "snapshot does not load again: not kept");
            None
        }
    }
}
