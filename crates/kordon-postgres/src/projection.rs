//! The projection on PostgreSQL: records read past the projection's
//! cursor, their documents loaded (snapshot, then the records after it),
//! the changes folded in and each document's row derived
//! ([`kordon_model::projection`]), then the rows, the queue's counts and
//! the cursor written in one transaction. That transaction holds an
//! advisory lock of its own, so processes project one at a time; each
//! pass reads every record its documents hold after their snapshots (all
//! of them where a snapshot does not load), so a row never goes back
//! to an older state, and a record is never passed over: the record log
//! hands out `seq` in commit order (see `records.rs`), so nothing commits
//! behind the cursor.

use crate::index::bytes16;
use crate::Prepared;
use crate::{lock_transaction, port, text, try_lock_transaction};
use deadpool_postgres::Pool;
use deadpool_postgres::Transaction;
use kordon_model::projection::{self, Derived, COMPACT_AFTER};
use kordon_model::{HotlistView, InspectionDoc, InspectionId, InspectionView, TrainingView};
use kordon_ports::index::hotlist_units;
use kordon_ports::{IndexColumns, PortError};
use std::collections::HashMap;

/// Projects every record not projected yet; returns how many documents
/// were refreshed. With `wait` false, stops as soon as another caller
/// holds the projection (see `Index::project_unless_busy`).
pub(crate) async fn project(
    pool: Pool,
    actor: [u8; 32],
    now_ms: i64,
    wait: bool,
) -> Result<usize, PortError> {
    let mut refreshed = 0;
    while let Some(n) = project_pass(&pool, actor, now_ms, wait).await? {
        refreshed += n;
    }
    Ok(refreshed)
}

/// The projection's advisory lock (the record log's is another).
const PROJECTION_LOCK: i64 = 0x6b6f_7264_6f6e_0002;

/// How long a projection may pause between statements while it folds
/// documents (the lock is let go if it stalls longer).
const PROJECTION_IDLE: &str = "300s";

/// Records a projection pass takes at most.
const PASS: i64 = 4096;

/// The cell of `inspection_counts` an inspection is counted in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Cell {
    day: String,
    outcome: String,
    review_state: String,
    scans: bool,
    alerts: i16,
}

impl Cell {
    fn of(c: &IndexColumns) -> Cell {
        Cell {
            day: c.day.clone(),
            outcome: c.outcome.unwrap_or("none").to_string(),
            review_state: c.review_state.to_string(),
            scans: c.scan_count > 0,
            alerts: alert_level(c.alerts, c.open_alerts),
        }
    }
}

fn alert_level(alerts: i64, open: i64) -> i16 {
    match (alerts > 0, open > 0) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    }
}

/// A document being projected.
struct Projected {
    key: [u8; 16],
    /// Its snapshot, loaded, if it has one that loads; and the last
    /// `seq` folded in (the snapshot's, then its records').
    base: Option<InspectionDoc>,
    upto: i64,
    changes: Vec<Vec<u8>>,
    derived: Derived,
    snapshot: Option<Vec<u8>>,
}

impl Projected {
    fn base_doc(&mut self, actor: &[u8; 32]) -> InspectionDoc {
        match self.base.as_mut() {
            Some(base) => base.fork(),
            None => InspectionDoc::empty(actor),
        }
    }

    /// Folds the changes into the base and derives the document's row.
    fn fold(&mut self, actor: &[u8; 32]) {
        let mut doc = self.base_doc(actor);
        if !projection::fold_all(&mut doc, &self.changes) {
            doc = self.base_doc(actor);
            projection::fold_each(&mut doc, &self.key, &self.changes);
        }
        self.derived = projection::derive(&self.key, &mut doc);
        if self.changes.len() >= COMPACT_AFTER {
            self.snapshot = projection::snapshot_of(&mut doc, &self.key);
        }
    }
}

/// One pass: returns how many documents were refreshed, or `None` when
/// nothing was left to project (or, not waiting, another caller holds the
/// projection).
async fn project_pass(
    pool: &Pool,
    actor: [u8; 32],
    now_ms: i64,
    wait: bool,
) -> Result<Option<usize>, PortError> {
    let mut client = pool.get().await.map_err(port)?;
    let tx = client.transaction().await.map_err(port)?;
    if wait {
        lock_transaction(&tx, PROJECTION_LOCK, PROJECTION_IDLE).await?;
    } else if !try_lock_transaction(&tx, PROJECTION_LOCK, PROJECTION_IDLE).await? {
        tx.commit().await.map_err(port)?;
        return Ok(None);
    }
    let cursor: i64 = tx
        .query_one_cached("SELECT upto FROM projection", &[])
        .await?
        .try_get(0)
        .map_err(port)?;
    let pending = tx
        .query_cached(
            "SELECT seq, doc_id FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&cursor, &PASS],
        )
        .await?;
    let Some(last) = pending.last() else {
        tx.commit().await.map_err(port)?;
        return Ok(None);
    };
    let last: i64 = last.try_get(0).map_err(port)?;
    // Each document once; an id that is not one (which the record log
    // does not store) is passed over, as the SQLite store does.
    let mut work: HashMap<[u8; 16], Projected> = HashMap::new();
    for r in &pending {
        let doc: Vec<u8> = r.try_get(1).map_err(port)?;
        match <[u8; 16]>::try_from(doc.as_slice()) {
            Ok(key) => {
                work.entry(key).or_insert_with(|| Projected {
                    key,
                    base: None,
                    upto: 0,
                    changes: vec![],
                    derived: Derived::None,
                    snapshot: None,
                });
            }
            Err(_) => tracing::warn!(
                len = doc.len(),
                "a record's document id is not 16 bytes: not projected"
            ),
        }
    }
    let docs: Vec<Vec<u8>> = work.keys().map(|k| k.to_vec()).collect();

    // Each document's snapshot, if it loads. The records are the truth:
    // one that does not load costs a replay from the first record, never
    // the document.
    for r in tx
        .query_cached(
            "SELECT doc_id, upto, bytes FROM snapshots WHERE doc_id = ANY($1)",
            &[&docs],
        )
        .await?
    {
        let Some(p) = work.get_mut(&bytes16(r.try_get(0).map_err(port)?)?) else {
            continue;
        };
        let bytes: Vec<u8> = r.try_get(2).map_err(port)?;
        match InspectionDoc::load(&bytes, &actor) {
            Ok(doc) => {
                p.base = Some(doc);
                p.upto = r.try_get(1).map_err(port)?;
            }
            Err(e) => {
                tracing::warn!(doc = %InspectionId::from_bytes(p.key), error = %e, "snapshot unreadable: replaying the records")
            }
        }
    }
    // Then the records after it (after none: all of them).
    let (keys, floors): (Vec<Vec<u8>>, Vec<i64>) =
        work.values().map(|p| (p.key.to_vec(), p.upto)).unzip();
    for r in tx
        .query_cached(
            "SELECT r.doc_id, r.seq, r.bytes
             FROM records r JOIN UNNEST($1::bytea[], $2::bigint[]) AS f(doc, floor)
                 ON r.doc_id = f.doc
             WHERE r.seq > f.floor
             ORDER BY r.doc_id, r.seq",
            &[&keys, &floors],
        )
        .await?
    {
        let key = bytes16(r.try_get(0).map_err(port)?)?;
        let bytes: Vec<u8> = r.try_get(2).map_err(port)?;
        // A stored record that no longer parses is left out of the
        // document (the log keeps it; `check` names it).
        if let (Some(p), Ok(record)) = (
            work.get_mut(&key),
            kordon_record::SignedRecord::parse(bytes),
        ) {
            p.upto = r.try_get(1).map_err(port)?;
            p.changes.push(record.payload().to_vec());
        }
    }
    let mut work: Vec<Projected> = work.into_values().collect();
    work.sort_unstable_by_key(|p| p.key);
    for p in work.iter_mut() {
        p.fold(&actor);
    }
    let refreshed = write_rows(&tx, &work, now_ms).await?;
    tx.execute_cached("UPDATE projection SET upto = $1", &[&last])
        .await?;
    tx.commit().await.map_err(port)?;
    Ok(Some(refreshed))
}

/// Writes the rows the documents derive, their snapshots, and the counts
/// moved by the inspections' change. Returns the rows written.
async fn write_rows(
    tx: &Transaction<'_>,
    work: &[Projected],
    now_ms: i64,
) -> Result<usize, PortError> {
    let mut refreshed = 0;
    for p in work {
        if let Some(bytes) = &p.snapshot {
            tx.execute_cached(
                "INSERT INTO snapshots (doc_id, upto, bytes) VALUES ($1, $2, $3)
                 ON CONFLICT (doc_id) DO UPDATE SET upto = excluded.upto, bytes = excluded.bytes
                 WHERE excluded.upto > snapshots.upto",
                &[&&p.key[..], &p.upto, bytes],
            )
            .await?;
        }
        match &p.derived {
            Derived::Hotlist(view) => {
                put_hotlist(tx, &p.key, view, p.upto).await?;
                refreshed += 1;
            }
            Derived::Training(view) => {
                put_training(tx, &p.key, view, p.upto).await?;
                refreshed += 1;
            }
            Derived::Inspection(..) | Derived::None => {}
        }
    }
    let views: Vec<(&InspectionView, &Vec<String>)> = work
        .iter()
        .filter_map(|p| match &p.derived {
            Derived::Inspection(v, heads) => Some((v.as_ref(), heads)),
            _ => None,
        })
        .collect();
    if views.is_empty() {
        return Ok(refreshed);
    }
    let docs: Vec<Vec<u8>> = views
        .iter()
        .map(|(v, _)| v.id.as_bytes().to_vec())
        .collect();

    // The counts: each row's old cell out, its new cell in.
    let mut cells: HashMap<Cell, i64> = HashMap::new();
    let mut units: HashMap<String, i64> = HashMap::new();
    for r in tx
        .query_cached(
            "SELECT day, COALESCE(outcome, 'none'), review_state, scan_count > 0,
                    alerts, open_alerts, unit
             FROM inspections WHERE doc_id = ANY($1)",
            &[&docs],
        )
        .await?
    {
        let cell = Cell {
            day: r.try_get(0).map_err(port)?,
            outcome: r.try_get(1).map_err(port)?,
            review_state: r.try_get(2).map_err(port)?,
            scans: r.try_get(3).map_err(port)?,
            alerts: alert_level(r.try_get(4).map_err(port)?, r.try_get(5).map_err(port)?),
        };
        *cells.entry(cell).or_default() -= 1;
        *units.entry(r.try_get(6).map_err(port)?).or_default() -= 1;
    }
    // When they were indexed: never before a row already is, so the
    // queue's version (the latest of these) moves with every pass, whatever
    // the clocks of the processes projecting.
    let stamp: i64 = tx
        .query_one_cached(
            "SELECT GREATEST($1, COALESCE(MAX(updated_ms), 0) + 1) FROM inspections",
            &[&now_ms],
        )
        .await?
        .try_get(0)
        .map_err(port)?;
    let mut received: HashMap<Vec<u8>, i64> = HashMap::new();
    for r in tx
        .query_cached(
            "SELECT DISTINCT ON (doc_id) doc_id, received_ms FROM records
             WHERE doc_id = ANY($1) ORDER BY doc_id, seq",
            &[&docs],
        )
        .await?
    {
        received.insert(r.try_get(0).map_err(port)?, r.try_get(1).map_err(port)?);
    }

    let mut rows = InspectionColumns::default();
    let mut plates: (Vec<String>, Vec<Vec<u8>>) = (vec![], vec![]);
    let mut reads: (Vec<String>, Vec<Vec<u8>>) = (vec![], vec![]);
    let mut blobs = BlobColumns::default();
    let mut facts = FactColumns::default();
    for (v, heads) in &views {
        let c = IndexColumns::of(v);
        *cells.entry(Cell::of(&c)).or_default() += 1;
        *units.entry(text(&v.unit)).or_default() += 1;
        let doc = v.id.as_bytes().to_vec();
        for key in &c.plate_keys {
            plates.0.push(text(key));
            plates.1.push(doc.clone());
        }
        facts.push(v, &c.day);
        for read in &c.reads {
            reads.0.push(text(read));
            reads.1.push(doc.clone());
        }
        for (blob, size, at) in &c.blobs {
            blobs.doc.push(doc.clone());
            blobs.blob.push(text(blob));
            blobs.size.push(i64::try_from(*size).unwrap_or(i64::MAX));
            blobs.added.push(*at);
        }
        let view = serde_json::to_string(v)
            .map_err(|e| PortError::Backend(format!("an inspection's view: {e}")))?;
        rows.push(v, heads, c, view, received.get(&doc).copied(), stamp);
    }
    rows.upsert(tx).await?;
    tx.execute_cached(
        "DELETE FROM inspection_plates WHERE doc_id = ANY($1)",
        &[&docs],
    )
    .await?;
    tx.execute_cached(
        "INSERT INTO inspection_plates (key, doc_id)
         SELECT * FROM UNNEST($1::text[], $2::bytea[]) ON CONFLICT DO NOTHING",
        &[&plates.0, &plates.1],
    )
    .await?;
    tx.execute_cached(
        "DELETE FROM inspection_reads WHERE doc_id = ANY($1)",
        &[&docs],
    )
    .await?;
    tx.execute_cached(
        "INSERT INTO inspection_reads (read_id, doc_id)
         SELECT * FROM UNNEST($1::text[], $2::bytea[]) ON CONFLICT DO NOTHING",
        &[&reads.0, &reads.1],
    )
    .await?;
    facts.upsert(tx).await?;
    tx.execute_cached("DELETE FROM scan_blobs WHERE doc_id = ANY($1)", &[&docs])
        .await?;
    tx.execute_cached(
        "INSERT INTO scan_blobs (doc_id, blob, size, added_ms)
         SELECT * FROM UNNEST($1::bytea[], $2::text[], $3::bigint[], $4::bigint[])
         ON CONFLICT DO NOTHING",
        &[&blobs.doc, &blobs.blob, &blobs.size, &blobs.added],
    )
    .await?;

    let cells: Vec<(Cell, i64)> = cells.into_iter().filter(|(_, n)| *n != 0).collect();
    tx.execute_cached(
        "INSERT INTO inspection_counts (day, outcome, review_state, scans, alerts, n)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[], $5::int2[], $6::bigint[])
         ON CONFLICT (day, outcome, review_state, scans, alerts)
         DO UPDATE SET n = inspection_counts.n + excluded.n",
        &[
            &cells.iter().map(|(c, _)| c.day.clone()).collect::<Vec<_>>(),
            &cells.iter().map(|(c, _)| c.outcome.clone()).collect::<Vec<_>>(),
            &cells
                .iter()
                .map(|(c, _)| c.review_state.clone())
                .collect::<Vec<_>>(),
            &cells.iter().map(|(c, _)| c.scans).collect::<Vec<_>>(),
            &cells.iter().map(|(c, _)| c.alerts).collect::<Vec<_>>(),
            &cells.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        ],
    )
    .await?;
    let units: Vec<(String, i64)> = units.into_iter().filter(|(_, n)| *n != 0).collect();
    tx.execute_cached(
        "INSERT INTO inspection_units (unit, n) SELECT * FROM UNNEST($1::text[], $2::bigint[])
         ON CONFLICT (unit) DO UPDATE SET n = inspection_units.n + excluded.n",
        &[
            &units.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>(),
            &units.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        ],
    )
    .await?;
    Ok(refreshed + views.len())
}

async fn put_hotlist(
    tx: &Transaction<'_>,
    key: &[u8; 16],
    view: &HotlistView,
    upto: i64,
) -> Result<(), PortError> {
    let json = serde_json::to_string(view)
        .map_err(|e| PortError::Backend(format!("a hotlist's view: {e}")))?;
    tx.execute_cached(
        "INSERT INTO hotlists (doc_id, name, units, upto, view) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (doc_id) DO UPDATE SET name = excluded.name, units = excluded.units,
             upto = excluded.upto, view = excluded.view",
        &[
            &&key[..],
            &text(&view.name),
            &text(&hotlist_units(view)),
            &upto,
            &text(&json),
        ],
    )
    .await?;
    Ok(())
}

/// The `inspection_stats` rows a pass writes (each inspection's facts,
/// [`kordon_model::InspectionFacts`]), column by column.
#[derive(Default)]
struct FactColumns {
    doc: Vec<Vec<u8>>,
    day: Vec<String>,
    unit: Vec<String>,
    outcome: Vec<Option<String>>,
    scans: Vec<i64>,
    scan_to_decision: Vec<Option<i64>>,
    review: Vec<Option<String>>,
    reviewed_officer: Vec<Option<String>>,
    returns: Vec<i64>,
    returns_answered: Vec<i64>,
    answer_ms: Vec<i64>,
    hotlist_hits: Vec<i64>,
}

impl FactColumns {
    fn push(&mut self, v: &InspectionView, day: &str) {
        let f = v.facts();
        self.doc.push(v.id.as_bytes().to_vec());
        self.day.push(day.to_string());
        self.unit.push(text(&v.unit));
        self.outcome.push(f.outcome.map(|o| o.as_str().to_string()));
        self.scans.push(i64::from(f.scans));
        self.scan_to_decision.push(f.scan_to_decision_ms);
        self.review.push(f.review.map(|r| r.as_str().to_string()));
        self.reviewed_officer
            .push(f.reviewed_officer.as_deref().map(text));
        self.returns.push(i64::from(f.returns));
        self.returns_answered.push(i64::from(f.returns_answered));
        self.answer_ms.push(f.answer_ms);
        self.hotlist_hits.push(i64::from(f.hotlist_hits));
    }

    async fn upsert(&self, tx: &Transaction<'_>) -> Result<(), PortError> {
        tx.execute_cached(
            "INSERT INTO inspection_stats (doc_id, day, unit, outcome, scans, scan_to_decision_ms,
                 review, reviewed_officer, returns, returns_answered, answer_ms, hotlist_hits)
             SELECT * FROM UNNEST($1::bytea[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                 $6::bigint[], $7::text[], $8::text[], $9::bigint[], $10::bigint[],
                 $11::bigint[], $12::bigint[])
             ON CONFLICT (doc_id) DO UPDATE SET
                 day = excluded.day, unit = excluded.unit, outcome = excluded.outcome,
                 scans = excluded.scans, scan_to_decision_ms = excluded.scan_to_decision_ms,
                 review = excluded.review, reviewed_officer = excluded.reviewed_officer,
                 returns = excluded.returns, returns_answered = excluded.returns_answered,
                 answer_ms = excluded.answer_ms, hotlist_hits = excluded.hotlist_hits",
            &[
                &self.doc,
                &self.day,
                &self.unit,
                &self.outcome,
                &self.scans,
                &self.scan_to_decision,
                &self.review,
                &self.reviewed_officer,
                &self.returns,
                &self.returns_answered,
                &self.answer_ms,
                &self.hotlist_hits,
            ],
        )
        .await?;
        Ok(())
    }
}

/// The `scan_blobs` rows a pass writes, column by column.
#[derive(Default)]
struct BlobColumns {
    doc: Vec<Vec<u8>>,
    blob: Vec<String>,
    size: Vec<i64>,
    added: Vec<i64>,
}

async fn put_training(
    tx: &Transaction<'_>,
    key: &[u8; 16],
    view: &TrainingView,
    upto: i64,
) -> Result<(), PortError> {
    let json = serde_json::to_string(view)
        .map_err(|e| PortError::Backend(format!("a training attempt's view: {e}")))?;
    tx.execute_cached(
        "INSERT INTO training (doc_id, unit, trainee, created_ms, upto, view)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (doc_id) DO UPDATE SET unit = excluded.unit, trainee = excluded.trainee,
             created_ms = excluded.created_ms, upto = excluded.upto, view = excluded.view",
        &[
            &&key[..],
            &text(&view.unit),
            &text(&view.trainee),
            &view.created_ms,
            &upto,
            &text(&json),
        ],
    )
    .await?;
    Ok(())
}

/// The `inspections` rows a pass writes, column by column, for one
/// statement.
#[derive(Default)]
struct InspectionColumns {
    doc: Vec<Vec<u8>>,
    id: Vec<String>,
    created: Vec<i64>,
    day: Vec<String>,
    unit: Vec<String>,
    tractor: Vec<Option<String>>,
    tractor_key: Vec<Option<String>>,
    trailer: Vec<Option<String>>,
    trailer_key: Vec<Option<String>>,
    containers: Vec<String>,
    outcome: Vec<Option<String>>,
    decisions: Vec<i64>,
    reviews: Vec<i64>,
    review_state: Vec<String>,
    officers: Vec<String>,
    scan_count: Vec<i64>,
    alerts: Vec<i64>,
    open_alerts: Vec<i64>,
    received: Vec<Option<i64>>,
    updated: Vec<i64>,
    heads: Vec<String>,
    view: Vec<String>,
}

impl InspectionColumns {
    fn push(
        &mut self,
        v: &InspectionView,
        heads: &[String],
        c: IndexColumns,
        view: String,
        received_ms: Option<i64>,
        now_ms: i64,
    ) {
        self.doc.push(v.id.as_bytes().to_vec());
        self.id.push(v.id.to_string());
        self.created.push(v.created_ms);
        self.day.push(c.day);
        self.unit.push(text(&v.unit));
        self.tractor
            .push(v.tractor_plate.as_ref().map(|p| text(&p.canonical)));
        self.tractor_key
            .push(v.tractor_plate.as_ref().map(|p| text(&p.key)));
        self.trailer
            .push(v.trailer_plate.as_ref().map(|p| text(&p.canonical)));
        self.trailer_key
            .push(v.trailer_plate.as_ref().map(|p| text(&p.key)));
        self.containers.push(text(&c.containers));
        self.outcome.push(c.outcome.map(String::from));
        self.decisions.push(c.decisions);
        self.reviews.push(c.reviews);
        self.review_state.push(c.review_state.to_string());
        self.officers.push(text(&c.officers));
        self.scan_count.push(c.scan_count);
        self.alerts.push(c.alerts);
        self.open_alerts.push(c.open_alerts);
        self.received.push(received_ms);
        self.updated.push(now_ms);
        self.heads.push(heads.join(","));
        self.view.push(text(&view));
    }

    async fn upsert(&self, tx: &Transaction<'_>) -> Result<(), PortError> {
        tx.execute_cached(
            "INSERT INTO inspections (doc_id, id, created_ms, day, unit, tractor, tractor_key,
                 trailer, trailer_key, containers, outcome, decisions, reviews, review_state,
                 officers, scan_count, alerts, open_alerts, received_ms, updated_ms, heads, view)
             SELECT * FROM UNNEST($1::bytea[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::bigint[], $13::bigint[], $14::text[], $15::text[], $16::bigint[],
                 $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[],
                 $22::text[])
             ON CONFLICT (doc_id) DO UPDATE SET
                 id = excluded.id, created_ms = excluded.created_ms, day = excluded.day,
                 unit = excluded.unit, tractor = excluded.tractor,
                 tractor_key = excluded.tractor_key, trailer = excluded.trailer,
                 trailer_key = excluded.trailer_key, containers = excluded.containers,
                 outcome = excluded.outcome, decisions = excluded.decisions,
                 reviews = excluded.reviews, review_state = excluded.review_state,
                 officers = excluded.officers, scan_count = excluded.scan_count,
                 alerts = excluded.alerts, open_alerts = excluded.open_alerts,
                 received_ms = excluded.received_ms, updated_ms = excluded.updated_ms,
                 heads = excluded.heads, view = excluded.view",
            &[
                &self.doc,
                &self.id,
                &self.created,
                &self.day,
                &self.unit,
                &self.tractor,
                &self.tractor_key,
                &self.trailer,
                &self.trailer_key,
                &self.containers,
                &self.outcome,
                &self.decisions,
                &self.reviews,
                &self.review_state,
                &self.officers,
                &self.scan_count,
                &self.alerts,
                &self.open_alerts,
                &self.received,
                &self.updated,
                &self.heads,
                &self.view,
            ],
        )
        .await?;
        Ok(())
    }
}
