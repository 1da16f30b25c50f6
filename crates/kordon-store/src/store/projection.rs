//! The projection: received records folded into their documents, and
//! the rows derived from them written to the index.
//!
//! A pass reads the records past the projection's cursor and their
//! documents from one snapshot of the database, folds the changes in and
//! derives the rows on every core holding no lock, and only then takes the
//! write lock to write the rows and move the cursor, in one transaction.
//! Records keep being accepted (by another handle) while a pass folds. At
//! the write, what was stored meanwhile is taken into account: a
//! document's records stored after the snapshot are folded in first, and
//! if another connection moved the cursor the pass writes nothing and
//! starts again. A crash at any point only means the work is redone.

use super::*;

impl Store {
    /// Applies received records not yet projected to their documents and
    /// refreshes their index rows; the projection cursor commits with the
    /// rows, so a crash at any point only means the work is redone.
    /// Returns how many documents were refreshed. Handles on the same
    /// database in this process project one at a time (see the module's
    /// overview for other processes).
    pub fn project(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        let turn = self.projection_turn.clone();
        let _projecting = turn.take();
        let mut refreshed = 0;
        loop {
            let Some(mut pass) = self.read_pass()? else {
                return Ok(refreshed);
            };
            fold_pass(&mut pass.work);
            refreshed += self.write_pass(pass, now_ms)?.unwrap_or(0);
        }
    }

    /// The records past the projection's cursor (up to a pass's worth)
    /// and their documents with the changes to fold in, read from one
    /// snapshot of the database. `None` when nothing is left.
    fn read_pass(&mut self) -> Result<Option<Pass>, StoreError> {
        // A read transaction: one snapshot, taking no lock that a writer
        // waits for.
        let snapshot = self.conn.transaction()?;
        let cursor = projected_upto(&snapshot)?;
        let mut docs: Vec<[u8; 16]> = vec![];
        let mut last = cursor;
        {
            let mut stmt = snapshot.prepare_cached(
                "SELECT seq, doc_id FROM records WHERE seq > ?1 AND origin = 'remote' ORDER BY seq LIMIT 4096",
            )?;
            let rows = stmt.query_map([cursor], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            let mut seen = std::collections::HashSet::new();
            for row in rows {
                let (seq, doc) = row?;
                last = seq;
                if let Ok(doc) = <[u8; 16]>::try_from(doc.as_slice()) {
                    if seen.insert(doc) {
                        docs.push(doc);
                    }
                }
            }
        }
        if last == cursor {
            return Ok(None);
        }
        // Each document with the records it has not folded in yet.
        let mut work = Vec::with_capacity(docs.len());
        let mut unreadable = vec![];
        for key in docs {
            let (doc, upto) = match self.cache.remove(&key) {
                Some(entry) => entry,
                None => load_base(&snapshot, &key, self.actor)?,
            };
            match changes_after(&snapshot, &key, upto) {
                Ok((changes, upto)) => work.push(Projected {
                    key,
                    doc,
                    upto,
                    changes,
                    derived: Derived::None,
                    refused: false,
                    snapshot: None,
                }),
                Err(e) => unreadable.push((key, e.to_string())),
            }
        }
        Ok(Some(Pass {
            cursor,
            last,
            work,
            unreadable,
        }))
    }

    /// Writes what a pass derived, with the cursor, in one transaction;
    /// returns how many documents were refreshed, or `None` if another
    /// connection projected since the pass read (nothing is written).
    fn write_pass(&mut self, pass: Pass, now_ms: i64) -> Result<Option<usize>, StoreError> {
        let Pass {
            cursor,
            last,
            mut work,
            unreadable,
        } = pass;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if projected_upto(&tx)? != cursor {
            drop(tx);
            // Folded correctly all the same: kept for the next pass.
            for p in work.into_iter().filter(|p| !p.refused) {
                self.cache_put(p.key, p.doc, p.upto);
            }
            return Ok(None);
        }
        for (key, e) in &unreadable {
            tracing::warn!(doc = %InspectionId::from_bytes(*key), error = %e, "document could not be projected");
            log_rejection_tx(
                &tx,
                None,
                None,
                None,
                &format!(
                    "document {} could not be projected: {e}",
                    InspectionId::from_bytes(*key)
                ),
                now_ms,
            )?;
        }
        let mut refreshed = 0;
        for p in work.iter_mut() {
            if !p.refused {
                // Records of this document stored since the snapshot (a
                // review the server signed, a record of the next batch):
                // the row written must not leave them out.
                let (later, upto) = changes_after(&tx, &p.key, p.upto)?;
                if !later.is_empty() {
                    if fold_all(&mut p.doc, &later) {
                        p.upto = upto;
                        p.derived = derive(&p.key, &mut p.doc);
                        // A snapshot is kept with the last record it holds.
                        if p.snapshot.is_some() {
                            p.snapshot = snapshot_of(&mut p.doc, &p.key);
                        }
                    } else {
                        p.refused = true;
                    }
                }
            }
            if p.refused {
                let (doc, upto) = rebuild(&tx, &p.key, self.actor)?;
                p.doc = doc;
                p.upto = upto;
                p.derived = derive(&p.key, &mut p.doc);
                p.snapshot = None;
                p.refused = false;
            }
            if write_derived(&tx, &p.key, &p.derived, p.upto, now_ms)? {
                refreshed += 1;
            }
            if let Some(bytes) = &p.snapshot {
                put_snapshot(&tx, &p.key, p.upto, bytes);
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('projected_upto', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [last.to_string()],
        )?;
        tx.commit()?;
        for p in work {
            self.cache_put(p.key, p.doc, p.upto);
        }
        Ok(Some(refreshed))
    }
}

/// One pass of the projection: the records after `cursor` up to `last`,
/// their documents, and those that could not be read.
struct Pass {
    cursor: i64,
    last: i64,
    work: Vec<Projected>,
    unreadable: Vec<([u8; 16], String)>,
}

/// Folds each document's changes in and derives its row, on every core
/// (documents are independent; this is most of a projection's work).
fn fold_pass(work: &mut [Projected]) {
    use rayon::prelude::*;
    work.par_iter_mut().for_each(|p| {
        if fold_all(&mut p.doc, &p.changes) {
            p.derived = derive(&p.key, &mut p.doc);
            if p.changes.len() >= COMPACT_AFTER {
                p.snapshot = snapshot_of(&mut p.doc, &p.key);
            }
        } else {
            p.refused = true;
        }
    });
}

/// A document being projected.
struct Projected {
    key: [u8; 16],
    doc: InspectionDoc,
    /// The last record folded in.
    upto: i64,
    /// The records' changes to fold in.
    changes: Vec<Vec<u8>>,
    derived: Derived,
    /// Automerge refused the changes applied together: the document is
    /// rebuilt change by change.
    refused: bool,
    /// A new snapshot to keep, when many changes were folded in.
    snapshot: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use kordon_model::{NewDecision, NewInspection, OfficerId, Outcome};

    struct Setup {
        _dir: tempfile::TempDir,
        central: Store,
        /// The creation of an inspection, then decisions on it.
        created: SignedRecord,
        decided: Vec<SignedRecord>,
    }

    fn setup(decisions: usize) -> Setup {
        let dir = tempfile::tempdir().expect("dir");
        let vehicle = DeviceKey::generate();
        let officer = OfficerId::new("OF-17").expect("officer");
        let mut local = Store::open(&dir.path().join("v.sqlite"), vehicle.public()).expect("open");
        let id = InspectionId::random();
        let new = NewInspection {
            tractor_plate: "AA1234BC".into(),
            unit: "MOBILE-1".into(),
            ..Default::default()
        };
        let mut doc = InspectionDoc::create(vehicle.public().as_bytes(), id, &new, &officer, 1_000)
            .expect("create");
        let created = local
            .commit_local(id, &mut doc, &vehicle, "OF-17", 1_000)
            .expect("commit");
        let decision = NewDecision {
            outcome: Outcome::Refer,
            reasons: vec![],
            note: String::new(),
        };
        let decided = (0..decisions)
            .map(|i| {
                let at = 2_000 + i as i64;
                doc.decide(&decision, &officer, at).expect("decide");
                local
                    .commit_local(id, &mut doc, &vehicle, "OF-17", at)
                    .expect("commit")
            })
            .collect();
        let central = Store::open(&dir.path().join("c.sqlite"), DeviceKey::generate().public())
            .expect("open");
        Setup {
            _dir: dir,
            central,
            created,
            decided,
        }
    }

    /// `first` appended and a pass read and folded; then `meanwhile`
    /// appended by another handle, which is returned with the pass.
    fn fold_while_stored(
        central: &mut Store,
        first: &[SignedRecord],
        meanwhile: &[SignedRecord],
    ) -> (Pass, Store) {
        let mut other = central.reopen().expect("reopen");
        central
            .append(first, Origin::Remote, 3_000, None)
            .expect("append");
        let mut pass = central.read_pass().expect("read").expect("work");
        fold_pass(&mut pass.work);
        other
            .append(meanwhile, Origin::Remote, 4_000, None)
            .expect("append");
        (pass, other)
    }

    fn outcome(store: &Store) -> Option<Outcome> {
        let rows = store.query(&crate::Query::default()).expect("query");
        assert_eq!(rows.len(), 1, "one inspection indexed");
        rows[0].view.current_outcome()
    }

    /// A record of the document stored by another handle after the pass
    /// read its snapshot (while it folded): the row the pass writes holds
    /// it, though the cursor stops before it.
    #[test]
    fn a_record_stored_while_a_pass_folds_is_in_the_row_it_writes() {
        let Setup {
            _dir,
            mut central,
            created,
            decided,
        } = setup(1);
        let (pass, _) = fold_while_stored(&mut central, &[created], &decided);
        assert_eq!(central.write_pass(pass, 5_000).expect("write"), Some(1));
        assert_eq!(outcome(&central), Some(Outcome::Refer));
        assert_eq!(central.projection_lag().expect("lag").0, 1);
        central.project(6_000).expect("project");
        assert_eq!(central.projection_lag().expect("lag").0, 0);
        assert_eq!(outcome(&central), Some(Outcome::Refer));
    }

    /// Another handle projected while a pass folded: the pass writes
    /// nothing (its cursor is behind), and the next finds nothing left.
    #[test]
    fn a_pass_overtaken_by_another_handle_writes_nothing() {
        let Setup {
            _dir,
            mut central,
            created,
            decided,
        } = setup(1);
        let (pass, mut other) = fold_while_stored(&mut central, &[created], &decided);
        assert_eq!(other.project(4_500).expect("project"), 1);
        assert_eq!(central.write_pass(pass, 5_000).expect("write"), None);
        assert_eq!(outcome(&central), Some(Outcome::Refer));
        assert_eq!(central.project(6_000).expect("project"), 0);
        assert_eq!(central.projection_lag().expect("lag").0, 0);
    }

    /// A pass that folds enough records keeps a snapshot; a record stored
    /// while it folded is folded in at the write, and the snapshot kept
    /// holds it too: a cold load (no cache) finds every decision.
    #[test]
    fn a_snapshot_written_by_a_pass_holds_what_it_says_it_holds() {
        let Setup {
            _dir,
            mut central,
            created,
            mut decided,
        } = setup(COMPACT_AFTER + 1);
        let last = decided.pop().expect("a decision");
        let mut first = vec![created];
        first.extend(decided);
        let (pass, _) = fold_while_stored(&mut central, &first, &[last]);
        assert!(pass.work[0].snapshot.is_some(), "a snapshot to keep");
        assert_eq!(central.write_pass(pass, 5_000).expect("write"), Some(1));
        let id = central.query(&crate::Query::default()).expect("query")[0]
            .view
            .id;
        let mut cold = central.reopen().expect("reopen");
        let view = cold
            .load_doc(id)
            .expect("load")
            .expect("held")
            .view()
            .expect("view");
        assert_eq!(view.decisions.len(), COMPACT_AFTER + 1);
    }
}
