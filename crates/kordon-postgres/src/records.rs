//! The record log port ([`RecordLog`]) on PostgreSQL.
//!
//! **One writer at a time, whichever process.** Every transaction that
//! appends (records, refusals) first takes one transaction-scoped
//! advisory lock, [`LOG_LOCK`]; it then reads the next `seq` and the
//! log's size, and hands out positions from there. The lock is released
//! when the transaction commits or rolls back, so positions are never
//! shared or skipped, `seq` order is commit order (a reader by cursor
//! misses nothing committed later under a lower number), and the schema
//! rules are checked against every record committed before, whichever
//! process wrote it. No process leads: a process that dies mid-batch
//! loses its transaction, and with it the lock.
//!
//! The tree's nodes are fetched before they are needed: which nodes an
//! operation reads depends on positions only, so each operation runs once
//! to learn them, fetches them in one query, and runs again.

use crate::Prepared;
use crate::{lock_transaction, port, text, PgStore};
use deadpool_postgres::{Pool, Transaction};
use kordon_log::{Hash, Leaf, Nodes};
use kordon_model::doc::read_change;
use kordon_model::rules::{self, ChangeOps, Outline};
use kordon_ports::{HeldRecord, IngestOutcome, LogEntry, Origin, PortError, RecordLog, Witness};
use kordon_record::{DeviceKey, PublicKey, RecordId, SignedRecord};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// Taken by every transaction that appends to the log (an arbitrary
/// number of Kordon's own, apart from the migrations' lock).
const LOG_LOCK: i64 = 0x004b_4f52_444c_4f47;

/// Documents whose outline a process keeps, each with the highest `seq`
/// folded in.
const CACHE_DOCS: usize = 4096;

/// Outlines of documents (what the schema rules check a change against),
/// shared by a process's handles; always brought up to the records
/// committed since, so a stale one is only slower.
pub(crate) type Outlines = std::sync::Mutex<HashMap<[u8; 16], (Outline, i64)>>;

/// Nodes known so far; a node not known is noted, and read as zeros.
struct Lookup<'a> {
    known: &'a HashMap<(u32, u64), Hash>,
    missing: RefCell<Vec<(u32, u64)>>,
}

impl Nodes for Lookup<'_> {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        Ok(match self.known.get(&(level, index)) {
            Some(h) => *h,
            None => {
                self.missing.borrow_mut().push((level, index));
                [0; 32]
            }
        })
    }
}

/// The value of a computation over a [`Lookup`], which cannot fail.
fn sure<T>(r: Result<T, std::convert::Infallible>) -> T {
    match r {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

fn bigint(n: u64) -> Result<i64, PortError> {
    i64::try_from(n).map_err(|_| PortError::Backend(format!("log position {n} out of range")))
}

/// Adds the nodes in `keys` that the database holds to `known`.
async fn fetch_nodes(
    client: &impl deadpool_postgres::GenericClient,
    keys: &[(u32, u64)],
    known: &mut HashMap<(u32, u64), Hash>,
) -> Result<(), PortError> {
    if keys.is_empty() {
        return Ok(());
    }
    let levels: Vec<i32> = keys.iter().map(|k| k.0 as i32).collect();
    let indexes = keys
        .iter()
        .map(|k| bigint(k.1))
        .collect::<Result<Vec<i64>, _>>()?;
    let rows = client
        .query_cached(
            // One index lookup per node, whatever the planner believes
            // of the table's size (LIMIT keeps the lookup a lookup: a
            // join here became a scan of every node while the table's
            // statistics lagged behind its growth).
            "SELECT k.level, k.idx, n.hash FROM UNNEST($1::int[], $2::bigint[]) AS k (level, idx)
             JOIN LATERAL (SELECT n.hash FROM log_nodes n
                           WHERE n.level = k.level AND n.idx = k.idx LIMIT 1) n ON true",
            &[&levels, &indexes],
        )
        .await?;
    for row in rows {
        let level: i32 = row.try_get(0).map_err(port)?;
        let idx: i64 = row.try_get(1).map_err(port)?;
        let hash: Vec<u8> = row.try_get(2).map_err(port)?;
        let hash = <[u8; 32]>::try_from(hash.as_slice())
            .map_err(|_| PortError::Backend(format!("log node ({level}, {idx}) is damaged")))?;
        known.insert((level as u32, idx as u64), hash);
    }
    Ok(())
}

/// Runs `compute` over the tree's nodes, fetching the ones it reads that
/// `known` lacks. Fails if the database lacks one (`size` beyond the log,
/// or a damaged log).
async fn over_nodes<T>(
    client: &impl deadpool_postgres::GenericClient,
    known: &mut HashMap<(u32, u64), Hash>,
    compute: impl Fn(&Lookup<'_>) -> T,
) -> Result<T, PortError> {
    // Which nodes are read depends on positions only: one pass learns
    // them all, the second has them.
    for _ in 0..2 {
        let (out, missing) = {
            let lookup = Lookup {
                known,
                missing: RefCell::new(vec![]),
            };
            let out = compute(&lookup);
            (out, lookup.missing.into_inner())
        };
        if missing.is_empty() {
            return Ok(out);
        }
        let before = known.len();
        fetch_nodes(client, &missing, known).await?;
        if known.len() == before {
            let (level, idx) = missing[0];
            return Err(PortError::Backend(format!(
                "log node ({level}, {idx}) is not held: the log is shorter than asked, or damaged"
            )));
        }
    }
    Err(PortError::Backend(
        "the log's nodes could not all be read".into(),
    ))
}

/// What an appending transaction adds to the log, written in bulk before
/// it commits: each column of each table as one array.
#[derive(Default)]
pub(crate) struct LogWrites {
    /// The log's size, this transaction's leaves included.
    pub(crate) size: u64,
    /// Nodes read or written by this transaction.
    nodes: HashMap<(u32, u64), Hash>,
    leaf_idx: Vec<i64>,
    leaf_record: Vec<Option<Vec<u8>>>,
    leaf_data: Vec<Vec<u8>>,
    leaf_at: Vec<i64>,
    node_level: Vec<i32>,
    node_idx: Vec<i64>,
    node_hash: Vec<Vec<u8>>,
    refusal_at: Vec<i64>,
    refusal_record: Vec<Option<Vec<u8>>>,
    refusal_signer: Vec<Option<Vec<u8>>>,
    refusal_peer: Vec<Option<String>>,
    refusal_reason: Vec<String>,
}

impl LogWrites {
    /// Takes the log's lock (held to the end of `tx`; see
    /// [`lock_transaction`], so it must be the transaction's first
    /// statement) and reads its size.
    pub(crate) async fn begin(tx: &Transaction<'_>) -> Result<LogWrites, PortError> {
        Ok(Self::begin_with(tx, async { Ok(()) }).await?.0)
    }

    /// As [`begin`](Self::begin), with `also`'s reads sent right behind
    /// the lock's, in the same round trip: the database runs a
    /// connection's statements in the order sent, so they read under the
    /// lock too. `also` must send every statement on its first poll (or
    /// after one of its own that did), as a `tokio_postgres` query does.
    pub(crate) async fn begin_with<T>(
        tx: &Transaction<'_>,
        also: impl std::future::Future<Output = Result<T, PortError>>,
    ) -> Result<(LogWrites, T), PortError> {
        // `biased`: polled in this order, so the lock goes first. Every
        // join of statements sent together is `biased` too: when one
        // fails, those behind it fail with "transaction aborted", and the
        // first one's error is the one to report (a full disk among them).
        let ((), log, also) = tokio::try_join!(
            biased;
            lock_transaction(tx, LOG_LOCK, "60s"),
            Self::read(tx),
            also,
        )?;
        Ok((log, also))
    }

    /// The log's size and the tree's right edge, in one statement: the
    /// head of each perfect subtree the log ends with (one per set bit of
    /// its size). These are the only stored nodes the leaves appended
    /// next read, so the batch reads them once, here.
    async fn read(tx: &Transaction<'_>) -> Result<LogWrites, PortError> {
        let rows = tx
            .query_cached(
                // An index lookup per node, as in `fetch_nodes`.
                "SELECT s.size, e.level, (s.size >> e.level) - 1, n.hash
                 FROM (SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM log_leaves) s
                 LEFT JOIN LATERAL (SELECT l AS level FROM generate_series(0, 62) AS l
                                    WHERE (s.size >> l) & 1 = 1) e ON true
                 LEFT JOIN LATERAL (SELECT n.hash FROM log_nodes n
                                    WHERE n.level = e.level AND n.idx = (s.size >> e.level) - 1
                                    LIMIT 1) n ON true",
                &[],
            )
            .await?;
        let mut size = 0u64;
        let mut nodes = HashMap::new();
        for row in rows {
            size = row.try_get::<_, i64>(0).map_err(port)? as u64;
            let level: Option<i32> = row.try_get(1).map_err(port)?;
            let idx: Option<i64> = row.try_get(2).map_err(port)?;
            let hash: Option<Vec<u8>> = row.try_get(3).map_err(port)?;
            if let (Some(level), Some(idx), Some(hash)) = (level, idx, hash) {
                let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                    PortError::Backend(format!("log node ({level}, {idx}) is damaged"))
                })?;
                nodes.insert((level as u32, idx as u64), hash);
            }
        }
        Ok(LogWrites {
            size,
            nodes,
            ..Default::default()
        })
    }

    /// Adds `leaf`; returns it as it will be stored.
    async fn leaf(
        &mut self,
        tx: &Transaction<'_>,
        leaf: &Leaf,
        now_ms: i64,
    ) -> Result<LogEntry, PortError> {
        let record = match leaf {
            Leaf::Record { id } | Leaf::RecordAt { id, .. } => Some(id.to_vec()),
            Leaf::Refusal { record, .. } => record.map(|r| r.to_vec()),
        };
        let data = leaf.to_bytes();
        let index = self.leaf_bytes(tx, record, data.clone(), now_ms).await?;
        Ok(LogEntry {
            index,
            data,
            at_ms: now_ms,
        })
    }

    /// Adds a leaf as its bytes (naming `record`); returns its position.
    pub(crate) async fn leaf_bytes(
        &mut self,
        tx: &Transaction<'_>,
        record: Option<Vec<u8>>,
        data: Vec<u8>,
        at_ms: i64,
    ) -> Result<u64, PortError> {
        let index = self.size;
        let hash = kordon_log::leaf_hash(&data);
        let made = over_nodes(tx, &mut self.nodes, |n| {
            sure(kordon_log::new_nodes(n, index, hash))
        })
        .await?;
        for (level, idx, hash) in made {
            self.nodes.insert((level, idx), hash);
            self.node_level.push(level as i32);
            self.node_idx.push(bigint(idx)?);
            self.node_hash.push(hash.to_vec());
        }
        self.leaf_idx.push(bigint(index)?);
        self.leaf_record.push(record);
        self.leaf_data.push(data);
        self.leaf_at.push(at_ms);
        self.size += 1;
        Ok(index)
    }

    /// Keeps a refusal, and its leaf.
    async fn refusal(
        &mut self,
        tx: &Transaction<'_>,
        record: Option<&RecordId>,
        signer: Option<&PublicKey>,
        peer: Option<&str>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), PortError> {
        self.refusal_at.push(now_ms);
        self.refusal_record.push(record.map(|r| r.0.to_vec()));
        self.refusal_signer.push(signer.map(|s| s.0.to_vec()));
        self.refusal_peer.push(peer.map(text));
        self.refusal_reason.push(text(reason));
        self.leaf(
            tx,
            &Leaf::Refusal {
                record: record.map(|r| r.0),
                at_ms: now_ms,
                reason: reason.to_string(),
            },
            now_ms,
        )
        .await?;
        Ok(())
    }

    /// Writes what was added, in up to three statements sent together.
    pub(crate) async fn write(&self, tx: &Transaction<'_>) -> Result<(), PortError> {
        let leaves = async {
            if self.leaf_idx.is_empty() {
                return Ok(0);
            }
            tx.execute_cached(
                "INSERT INTO log_leaves (idx, record_id, data, at_ms)
                 SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bigint[])",
                &[
                    &self.leaf_idx,
                    &self.leaf_record,
                    &self.leaf_data,
                    &self.leaf_at,
                ],
            )
            .await
        };
        let nodes = async {
            if self.node_idx.is_empty() {
                return Ok(0);
            }
            tx.execute_cached(
                "INSERT INTO log_nodes (level, idx, hash)
                 SELECT * FROM UNNEST($1::int[], $2::bigint[], $3::bytea[])",
                &[&self.node_level, &self.node_idx, &self.node_hash],
            )
            .await
        };
        let refusals = async {
            if self.refusal_at.is_empty() {
                return Ok(0);
            }
            tx.execute_cached(
                "INSERT INTO rejections (at_ms, record_id, signer, peer, reason)
                 SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[])",
                &[
                    &self.refusal_at,
                    &self.refusal_record,
                    &self.refusal_signer,
                    &self.refusal_peer,
                    &self.refusal_reason,
                ],
            )
            .await
        };
        tokio::try_join!(biased; leaves, nodes, refusals)?;
        Ok(())
    }
}

fn conflict(change_seq: u64) -> IngestOutcome {
    IngestOutcome::Invalid(format!(
        "conflicting change: this signer's change {change_seq} for the document is already stored with other content"
    ))
}

/// What the database holds that a batch's verdicts depend on, read in
/// three queries under the log's lock: which of its records are held,
/// each of its documents' outline brought up to date, and which changes
/// (document, signer, number) each document holds.
struct Held {
    records: HashMap<[u8; 32], (i64, i64)>,
    outlines: HashMap<[u8; 16], (Outline, i64)>,
    changes: HashSet<([u8; 16], [u8; 32], i64)>,
}

fn bytes_of<const N: usize>(v: Vec<u8>, what: &str) -> Result<[u8; N], PortError> {
    <[u8; N]>::try_from(v.as_slice())
        .map_err(|_| PortError::Backend(format!("a held {what} is {} bytes", v.len())))
}

impl Held {
    async fn read(
        tx: &Transaction<'_>,
        cache: &Outlines,
        records: &[SignedRecord],
    ) -> Result<Held, PortError> {
        let ids: Vec<Vec<u8>> = records.iter().map(|r| r.id().0.to_vec()).collect();
        let mut docs: Vec<[u8; 16]> = records.iter().map(|r| r.doc_id()).collect();
        docs.sort_unstable();
        docs.dedup();
        let mut held = Held {
            records: HashMap::new(),
            outlines: HashMap::new(),
            changes: HashSet::new(),
        };
        // Each document's outline from the cache (or begun empty), then
        // every record committed after what it folded in. Copied, not
        // taken: this runs before the lock is granted, and another batch
        // of this process on the same document may be under way; an
        // outline behind the log is brought up to it below, under the
        // lock.
        {
            let cache = cache
                .lock()
                .map_err(|_| PortError::Backend("the outline cache is poisoned".into()))?;
            for doc in &docs {
                held.outlines
                    .insert(*doc, cache.get(doc).cloned().unwrap_or_default());
            }
        }
        let doc_ids: Vec<Vec<u8>> = docs.iter().map(|d| d.to_vec()).collect();
        let uptos: Vec<i64> = docs.iter().map(|d| held.outlines[d].1).collect();
        // The three reads sent together (see `LogWrites::begin_with`).
        type P<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
        let (by_ids, by_docs, after): ([P<'_>; 1], [P<'_>; 1], [P<'_>; 2]) =
            ([&ids], [&doc_ids], [&doc_ids, &uptos]);
        let (by_id, later, changes) = tokio::try_join!(biased;
            tx.query_cached(
                "SELECT id, seq, received_ms FROM records WHERE id = ANY($1)",
                &by_ids,
            ),
            tx.query_cached(
                "SELECT r.doc_id, r.seq, r.bytes FROM records r
                 JOIN UNNEST($1::bytea[], $2::bigint[]) AS d (doc, upto)
                   ON r.doc_id = d.doc AND r.seq > d.upto
                 ORDER BY r.seq",
                &after,
            ),
            tx.query_cached(
                "SELECT doc_id, signer, change_seq FROM records WHERE doc_id = ANY($1)",
                &by_docs,
            ),
        )?;
        for row in by_id {
            let id = bytes_of(row.try_get(0).map_err(port)?, "record id")?;
            held.records.insert(
                id,
                (row.try_get(1).map_err(port)?, row.try_get(2).map_err(port)?),
            );
        }
        for row in later {
            let doc = bytes_of(row.try_get(0).map_err(port)?, "document id")?;
            let Some(outline) = held.outlines.get_mut(&doc) else {
                continue;
            };
            outline.1 = row.try_get(1).map_err(port)?;
            // Held records were checked when they came; one that no longer
            // reads (written by other tools) is left out.
            let bytes: Vec<u8> = row.try_get(2).map_err(port)?;
            if let Ok(record) = SignedRecord::parse(bytes) {
                if let Ok(change) = ChangeOps::decode_held(record.payload()) {
                    outline.0.fold(&change);
                }
            }
        }
        for row in changes {
            held.changes.insert((
                bytes_of(row.try_get(0).map_err(port)?, "document id")?,
                bytes_of(row.try_get(1).map_err(port)?, "signer")?,
                row.try_get(2).map_err(port)?,
            ));
        }
        Ok(held)
    }
}

/// Records as columns, for one insert.
#[derive(Default)]
pub(crate) struct RecordColumns {
    seq: Vec<i64>,
    id: Vec<Vec<u8>>,
    doc: Vec<Vec<u8>>,
    signer: Vec<Vec<u8>>,
    officer: Vec<String>,
    created: Vec<i64>,
    received: Vec<i64>,
    origin: Vec<&'static str>,
    bytes: Vec<Vec<u8>>,
    change_seq: Vec<i64>,
    change_hash: Vec<Vec<u8>>,
}

impl RecordColumns {
    pub(crate) fn push(
        &mut self,
        seq: i64,
        r: &SignedRecord,
        received_ms: i64,
        origin: Origin,
        change: &kordon_model::doc::ChangeMeta,
    ) {
        self.seq.push(seq);
        self.id.push(r.id().0.to_vec());
        self.doc.push(r.doc_id().to_vec());
        self.signer.push(r.signer().0.to_vec());
        self.officer.push(text(r.officer()));
        self.created.push(r.created_ms());
        self.received.push(received_ms);
        self.origin.push(origin.as_str());
        self.bytes.push(r.bytes().to_vec());
        self.change_seq.push(change.seq as i64);
        self.change_hash.push(change.hash.to_vec());
    }

    /// Inserts them, in one statement (nothing when there are none).
    pub(crate) async fn insert(&self, tx: &Transaction<'_>) -> Result<(), PortError> {
        if self.seq.is_empty() {
            return Ok(());
        }
        tx.execute_cached(
            "INSERT INTO records (seq, id, doc_id, signer, officer, created_ms, received_ms,
                                  origin, bytes, change_seq, change_hash)
             SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[],
                                  $5::text[], $6::bigint[], $7::bigint[], $8::text[],
                                  $9::bytea[], $10::bigint[], $11::bytea[])",
            &[
                &self.seq,
                &self.id,
                &self.doc,
                &self.signer,
                &self.officer,
                &self.created,
                &self.received,
                &self.origin,
                &self.bytes,
                &self.change_seq,
                &self.change_hash,
            ],
        )
        .await?;
        Ok(())
    }
}

/// One batch being appended: decided record by record against what the
/// database held and what the batch accepted before.
struct Batch {
    held: Held,
    server: Option<PublicKey>,
    /// The `seq` the next accepted record takes.
    next_seq: i64,
    now_ms: i64,
    origin: Origin,
    accepted: RecordColumns,
}

impl Batch {
    /// Decides one record: `Ok` with what is kept, `Err` with a refusal.
    fn decide(&mut self, record: &SignedRecord) -> Result<IngestOutcome, IngestOutcome> {
        let change = read_change(record.payload(), record.signer().as_bytes())
            .map_err(|e| IngestOutcome::Invalid(e.to_string()))?;
        let id = record.id().0;
        if let Some(&(seq, received_ms)) = self.held.records.get(&id) {
            return Ok(IngestOutcome::Duplicate { seq, received_ms });
        }
        let doc = record.doc_id();
        let signer = record.signer().0;
        let change_seq = change.seq();
        let taken = self
            .held
            .changes
            .contains(&(doc, signer, change_seq as i64));
        let writer = match Some(record.signer()) == self.server {
            true => rules::Writer::Server,
            false => rules::Writer::Device,
        };
        let outline = self.held.outlines.entry(doc).or_default();
        if let Err(broken) =
            rules::check_received(&outline.0, &doc, writer, record.payload().len(), &change)
        {
            // Another change of this signer under this number is held: the
            // same change signed twice, or two changes with one number; a
            // conflict either way, not a broken rule.
            return Err(match taken {
                true => conflict(change_seq),
                false => IngestOutcome::BreaksRules(broken),
            });
        }
        if taken {
            return Err(conflict(change_seq));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        outline.0.fold(&change);
        outline.1 = seq;
        self.held.records.insert(id, (seq, self.now_ms));
        self.held.changes.insert((doc, signer, change_seq as i64));
        self.accepted
            .push(seq, record, self.now_ms, self.origin, &change.meta());
        Ok(IngestOutcome::Stored {
            seq,
            received_ms: self.now_ms,
            leaf: None,
        })
    }
}

/// The whole of [`RecordLog::append`], in one transaction: the log's lock
/// with five reads sent behind it, the verdicts in memory, then one insert
/// per table sent together, and the commit.
async fn append(
    pool: Pool,
    cache: std::sync::Arc<Outlines>,
    server: Option<PublicKey>,
    records: Vec<SignedRecord>,
    origin: Origin,
    now_ms: i64,
    follower: Option<PublicKey>,
) -> Result<Vec<IngestOutcome>, PortError> {
    let mut client = pool.get().await.map_err(port)?;
    let tx = client.transaction().await.map_err(port)?;
    // The lock and every read the verdicts need, in one round trip.
    let (mut log, (next_seq, held)) = LogWrites::begin_with(&tx, async {
        tokio::try_join!(biased;
            async {
                tx.query_one_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM records", &[])
                    .await?
                    .try_get::<_, i64>(0)
                    .map_err(port)
            },
            Held::read(&tx, &cache, &records),
        )
    })
    .await?;
    let mut batch = Batch {
        held,
        server,
        next_seq,
        now_ms,
        origin,
        accepted: RecordColumns::default(),
    };
    let mut outcomes = Vec::with_capacity(records.len());
    for record in &records {
        outcomes.push(match batch.decide(record) {
            Ok(IngestOutcome::Stored {
                seq, received_ms, ..
            }) => {
                let leaf = Leaf::RecordAt {
                    id: record.id().0,
                    at_ms: now_ms,
                };
                IngestOutcome::Stored {
                    seq,
                    received_ms,
                    leaf: Some(log.leaf(&tx, &leaf, now_ms).await?),
                }
            }
            Ok(other) => other,
            Err(refused) => {
                let reason = match &refused {
                    IngestOutcome::BreaksRules(r) => format!("breaks the schema rules: {r}"),
                    IngestOutcome::Invalid(r) => r.clone(),
                    _ => String::new(),
                };
                log.refusal(
                    &tx,
                    Some(&record.id()),
                    Some(&record.signer()),
                    None,
                    &reason,
                    now_ms,
                )
                .await?;
                refused
            }
        });
    }
    // Every write sent together, then the commit.
    let follows = async {
        let Some(device) = follower else {
            return Ok(0);
        };
        let mut docs: Vec<Vec<u8>> = records.iter().map(|r| r.doc_id().to_vec()).collect();
        docs.sort_unstable();
        docs.dedup();
        tx.execute_cached(
            "INSERT INTO device_docs (device, doc_id) SELECT $1, d FROM UNNEST($2::bytea[]) AS d
             ON CONFLICT DO NOTHING",
            &[&&device.0[..], &docs],
        )
        .await
    };
    tokio::try_join!(biased; batch.accepted.insert(&tx), log.write(&tx), follows)?;
    tx.commit().await.map_err(port)?;
    // The outlines as this batch left them (committed) go back to the
    // cache; a failed batch drops them, and they are read again.
    if let Ok(mut cache) = cache.lock() {
        if cache.len() + batch.held.outlines.len() > CACHE_DOCS {
            cache.clear();
        }
        cache.extend(batch.held.outlines);
    }
    Ok(outcomes)
}

fn held(rows: Vec<tokio_postgres::Row>) -> Result<Vec<HeldRecord>, PortError> {
    rows.into_iter()
        .map(|row| {
            let bytes: Vec<u8> = row.try_get(2).map_err(port)?;
            Ok(HeldRecord {
                seq: row.try_get(0).map_err(port)?,
                received_ms: row.try_get(1).map_err(port)?,
                record: SignedRecord::parse(bytes)
                    .map_err(|e| PortError::Backend(format!("a held record does not read: {e}")))?,
            })
        })
        .collect()
}

impl PgStore {
    /// Holds changes signed with `key` to the server's role (reviews and
    /// marks only), as the server's own.
    pub fn set_server_key(&mut self, key: PublicKey) {
        self.server = Some(key);
    }

    /// Runs `compute` over the tree's nodes (read-only: nodes never
    /// change once written).
    fn over_tree<T: Send + 'static>(
        &self,
        compute: impl Fn(&Lookup<'_>) -> T + Send + 'static,
    ) -> Result<T, PortError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(port)?;
            let mut known = HashMap::new();
            over_nodes(&client, &mut known, compute).await
        })?
    }
}

impl RecordLog for PgStore {
    fn append(
        &mut self,
        records: &[SignedRecord],
        origin: Origin,
        now_ms: i64,
        follower: Option<&PublicKey>,
    ) -> Result<Vec<IngestOutcome>, PortError> {
        let (records, follower) = (records.to_vec(), follower.copied());
        let (cache, server) = (self.inner.outlines.clone(), self.server);
        self.run(move |pool| append(pool, cache, server, records, origin, now_ms, follower))?
    }

    fn commit_own(
        &mut self,
        doc: [u8; 16],
        change: &[u8],
        key: &DeviceKey,
        officer: &str,
        now_ms: i64,
    ) -> Result<SignedRecord, PortError> {
        let record = SignedRecord::sign(key, doc, officer, now_ms, change)
            .map_err(|e| PortError::Backend(format!("signing the server's change: {e}")))?;
        let shown = kordon_model::InspectionId::from_bytes(doc).to_string();
        match self.append(std::slice::from_ref(&record), Origin::Local, now_ms, None)?[..] {
            [IngestOutcome::Stored { .. } | IngestOutcome::Duplicate { .. }] => Ok(record),
            // Another process's change to the document took this
            // change's number first.
            [IngestOutcome::Invalid(_)] => Err(PortError::Conflict(shown)),
            [IngestOutcome::BreaksRules(ref why)] => Err(PortError::Backend(format!(
                "the server's own change to {shown} breaks the schema rules: {why}"
            ))),
            _ => Err(PortError::Backend(format!(
                "the server's own change to {shown}: not one outcome for one record"
            ))),
        }
    }

    fn refuse(
        &self,
        record: Option<&RecordId>,
        signer: Option<&PublicKey>,
        peer: Option<&str>,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), PortError> {
        let (record, signer) = (record.copied(), signer.copied());
        let (peer, reason) = (peer.map(str::to_string), reason.to_string());
        self.run(move |pool| async move {
            let mut client = pool.get().await.map_err(port)?;
            let tx = client.transaction().await.map_err(port)?;
            let mut log = LogWrites::begin(&tx).await?;
            log.refusal(
                &tx,
                record.as_ref(),
                signer.as_ref(),
                peer.as_deref(),
                &reason,
                now_ms,
            )
            .await?;
            log.write(&tx).await?;
            tx.commit().await.map_err(port)
        })?
    }

    fn holds(&self, id: &RecordId) -> Result<bool, PortError> {
        let id = id.0;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            Ok(client
                .query_opt_cached("SELECT 1 FROM records WHERE id = $1", &[&&id[..]])
                .await?
                .is_some())
        })?
    }

    fn doc_records(&self, doc: &[u8; 16]) -> Result<Vec<HeldRecord>, PortError> {
        let doc = *doc;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            held(
                client
                    .query_cached(
                        "SELECT seq, received_ms, bytes FROM records WHERE doc_id = $1 ORDER BY seq",
                        &[&&doc[..]],
                    )
                    .await?,
            )
        })?
    }

    fn records_after(&self, after: i64, limit: usize) -> Result<Vec<HeldRecord>, PortError> {
        let limit = limit.min(i64::MAX as usize) as i64;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            held(
                client
                    .query_cached(
                        "SELECT seq, received_ms, bytes FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&after, &limit],
                    )
                    .await?,
            )
        })?
    }

    fn log_size(&self) -> Result<u64, PortError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(port)?;
            let n: i64 = client
                .query_one_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves", &[])
                .await?
                .try_get(0)
                .map_err(port)?;
            Ok(n as u64)
        })?
    }

    fn log_head(&self, size: u64) -> Result<[u8; 32], PortError> {
        self.over_tree(move |n| sure(kordon_log::head_of(n, size)))
    }

    fn log_entry_of(&self, id: &[u8; 32]) -> Result<Option<LogEntry>, PortError> {
        let id = *id;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            // Leaves of kinds 1 and 3 record an acceptance.
            let row = client
                .query_opt_cached(
                    "SELECT idx, data, at_ms FROM log_leaves
                     WHERE record_id = $1 AND get_byte(data, 0) IN (1, 3) ORDER BY idx LIMIT 1",
                    &[&&id[..]],
                )
                .await?;
            row.map(|r| {
                Ok(LogEntry {
                    index: r.try_get::<_, i64>(0).map_err(port)? as u64,
                    data: r.try_get(1).map_err(port)?,
                    at_ms: r.try_get(2).map_err(port)?,
                })
            })
            .transpose()
        })?
    }

    fn log_inclusion(&self, index: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError> {
        self.over_tree(move |n| sure(kordon_log::inclusion_proof_of(n, index, size)))
    }

    fn log_entries_of(&self, ids: &[[u8; 32]]) -> Result<HashMap<[u8; 32], LogEntry>, PortError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Vec<u8>> = ids.iter().map(|id| id.to_vec()).collect();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            let rows = client
                .query_cached(
                    "SELECT DISTINCT ON (record_id) record_id, idx, data, at_ms FROM log_leaves
                     WHERE record_id = ANY($1) AND get_byte(data, 0) IN (1, 3)
                     ORDER BY record_id, idx",
                    &[&ids],
                )
                .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        bytes_of(r.try_get(0).map_err(port)?, "record id")?,
                        LogEntry {
                            index: r.try_get::<_, i64>(1).map_err(port)? as u64,
                            data: r.try_get(2).map_err(port)?,
                            at_ms: r.try_get(3).map_err(port)?,
                        },
                    ))
                })
                .collect()
        })?
    }

    fn log_inclusions(
        &self,
        indexes: &[u64],
        size: u64,
    ) -> Result<Vec<Option<Vec<[u8; 32]>>>, PortError> {
        if indexes.is_empty() {
            return Ok(vec![]);
        }
        // Every path's nodes fetched together.
        let indexes = indexes.to_vec();
        self.over_tree(move |n| {
            indexes
                .iter()
                .map(|i| sure(kordon_log::inclusion_proof_of(n, *i, size)))
                .collect()
        })
    }

    fn docs_records(
        &self,
        docs: &[[u8; 16]],
    ) -> Result<HashMap<[u8; 16], Vec<HeldRecord>>, PortError> {
        if docs.is_empty() {
            return Ok(HashMap::new());
        }
        let docs: Vec<Vec<u8>> = docs.iter().map(|d| d.to_vec()).collect();
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            let rows = client
                .query_cached(
                    "SELECT seq, received_ms, bytes, doc_id FROM records WHERE doc_id = ANY($1)
                     ORDER BY seq",
                    &[&docs],
                )
                .await?;
            // Filed under the document the row is stored under, as
            // `doc_records` would return it.
            let docs = rows
                .iter()
                .map(|r| bytes_of(r.try_get(3).map_err(port)?, "document id"))
                .collect::<Result<Vec<[u8; 16]>, _>>()?;
            let mut found: HashMap<[u8; 16], Vec<HeldRecord>> = HashMap::new();
            for (doc, record) in docs.into_iter().zip(held(rows)?) {
                found.entry(doc).or_default().push(record);
            }
            Ok(found)
        })?
    }

    fn log_consistency(&self, first: u64, size: u64) -> Result<Option<Vec<[u8; 32]>>, PortError> {
        self.over_tree(move |n| sure(kordon_log::consistency_proof_of(n, first, size)))
    }

    fn put_checkpoint(&self, size: u64, at_ms: i64, checkpoint: &str) -> Result<(), PortError> {
        let (size, checkpoint) = (bigint(size)?, text(checkpoint));
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            client
                .execute_cached(
                    "INSERT INTO log_checkpoints (size, at_ms, text) VALUES ($1, $2, $3)
                     ON CONFLICT (size) DO NOTHING",
                    &[&size, &at_ms, &checkpoint],
                )
                .await?;
            Ok(())
        })?
    }

    fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, PortError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(port)?;
            let row = client
                .query_opt_cached(
                    "SELECT size, text FROM log_checkpoints ORDER BY size DESC LIMIT 1",
                    &[],
                )
                .await?;
            row.map(|r| {
                Ok((
                    r.try_get::<_, i64>(0).map_err(port)? as u64,
                    r.try_get(1).map_err(port)?,
                ))
            })
            .transpose()
        })?
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<String>, PortError> {
        let size = bigint(size)?;
        self.run(move |pool| async move {
            let client = pool.get().await.map_err(port)?;
            client
                .query_opt_cached("SELECT text FROM log_checkpoints WHERE size = $1", &[&size])
                .await?
                .map(|r| r.try_get(0).map_err(port))
                .transpose()
        })?
    }

    fn put_witness(
        &self,
        device: &PublicKey,
        size: u64,
        at_ms: i64,
        verdict: &str,
        checkpoint: &str,
    ) -> Result<(), PortError> {
        self.execute(
            "INSERT INTO log_witnesses (device, size, at_ms, verdict, text)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device, size) DO UPDATE SET
                 at_ms = excluded.at_ms, verdict = excluded.verdict, text = excluded.text",
            vec![
                Box::new(device.0.to_vec()),
                Box::new(bigint(size)?),
                Box::new(at_ms),
                Box::new(text(verdict)),
                Box::new(text(checkpoint)),
            ],
        )?;
        Ok(())
    }

    fn witnesses(&self) -> Result<Vec<Witness>, PortError> {
        self.query(
            "SELECT encode(device, 'hex'), size, at_ms, verdict, text FROM log_witnesses
             ORDER BY at_ms DESC, device",
            vec![],
        )?
        .iter()
        .map(|r| {
            Ok(Witness {
                device: r.try_get(0).map_err(port)?,
                size: r.try_get::<_, i64>(1).map_err(port)?.max(0) as u64,
                at_ms: r.try_get(2).map_err(port)?,
                verdict: r.try_get(3).map_err(port)?,
                checkpoint: r.try_get(4).map_err(port)?,
            })
        })
        .collect()
    }
}
