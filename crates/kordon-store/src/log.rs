//! The server's transparency log, kept in the store: every record it
//! accepts and every refusal, as leaves of a Merkle tree
//! (`kordon_log`; `docs/transparency-log.md`), appended in the same
//! transaction as what they record, with the perfect-subtree nodes a tree
//! head or a proof needs; and the checkpoints the server signed.

use crate::{Store, StoreError};
use kordon_log::{Hash, Leaf, Nodes};
use kordon_ports::LogEntry;
use rusqlite::{params, Connection, OptionalExtension};

/// The nodes of the stored tree.
struct Db<'a>(&'a Connection);

impl Nodes for Db<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        let bytes: Vec<u8> = self
            .0
            .prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")?
            .query_row(params![level, index as i64], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("log node ({level}, {index})")))?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| StoreError::NotFound(format!("log node ({level}, {index}) is damaged")))
    }
}

fn size_of(conn: &Connection) -> Result<u64, StoreError> {
    // Leaves are numbered from 0 without gaps (append-only, see `append`):
    // the size is the last index plus one, found through the primary key
    // (a COUNT would read the whole table at every append).
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves")?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// Appends one leaf (inside the caller's transaction); returns its index.
pub(crate) fn append(conn: &Connection, leaf: &Leaf, now_ms: i64) -> Result<u64, StoreError> {
    Ok(Appender::new(conn)?.append(conn, leaf, now_ms)?.index)
}

/// Appends leaves inside one transaction, keeping the log's size and the
/// nodes it wrote in memory, so each leaf costs its inserts and no reads.
/// Made for one transaction and dropped with it.
pub(crate) struct Appender {
    size: u64,
    written: std::collections::HashMap<(u32, u64), Hash>,
}

/// The stored nodes, seen through the ones this transaction wrote.
struct Overlay<'a> {
    db: Db<'a>,
    written: &'a std::collections::HashMap<(u32, u64), Hash>,
}

impl Nodes for Overlay<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        match self.written.get(&(level, index)) {
            Some(h) => Ok(*h),
            None => self.db.node(level, index),
        }
    }
}

impl Appender {
    pub(crate) fn new(conn: &Connection) -> Result<Self, StoreError> {
        Ok(Appender {
            size: size_of(conn)?,
            written: Default::default(),
        })
    }

    /// Appends `leaf`; returns it as stored.
    pub(crate) fn append(
        &mut self,
        conn: &Connection,
        leaf: &Leaf,
        now_ms: i64,
    ) -> Result<LogEntry, StoreError> {
        let index = self.size;
        let data = leaf.to_bytes();
        let record = match leaf {
            Leaf::Record { id } | Leaf::RecordAt { id, .. } => Some(id.to_vec()),
            Leaf::Refusal { record, .. } => record.map(|r| r.to_vec()),
        };
        conn.prepare_cached(
            "INSERT INTO log_leaves (idx, record_id, data, at_ms) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![index as i64, record, &data, now_ms])?;
        let nodes = kordon_log::new_nodes(
            &Overlay {
                db: Db(conn),
                written: &self.written,
            },
            index,
            kordon_log::leaf_hash(&data),
        )?;
        let mut put = conn.prepare_cached(
            "INSERT OR REPLACE INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
        )?;
        for (level, idx, hash) in nodes {
            put.execute(params![level, idx as i64, &hash[..]])?;
            // A node is read again only as the left sibling of a later one.
            if idx & 1 == 0 {
                self.written.insert((level, idx), hash);
            }
        }
        self.size += 1;
        Ok(LogEntry {
            index,
            data,
            at_ms: now_ms,
        })
    }
}

impl Store {
    /// Keeps a transparency log of what this store accepts and refuses
    /// (the server's store).
    pub fn enable_log(&mut self) {
        self.log = true;
    }

    /// Leaves in the log.
    pub fn log_size(&self) -> Result<u64, StoreError> {
        size_of(self.connection())
    }

    /// The tree head of the first `size` leaves.
    pub fn log_head(&self, size: u64) -> Result<Hash, StoreError> {
        kordon_log::head_of(&Db(self.connection()), size)
    }

    /// The leaf recording the acceptance of record `id`.
    pub fn log_entry_of(&self, id: &[u8; 32]) -> Result<Option<LogEntry>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT idx, data, at_ms FROM log_leaves WHERE record_id = ?1 AND substr(data, 1, 1) IN (x'01', x'03') ORDER BY idx LIMIT 1",
            )?
            .query_row([&id[..]], |r| {
                Ok(LogEntry {
                    index: r.get::<_, i64>(0)? as u64,
                    data: r.get(1)?,
                    at_ms: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// `PATH(index, D[size])`.
    pub fn log_inclusion(&self, index: u64, size: u64) -> Result<Option<Vec<Hash>>, StoreError> {
        kordon_log::inclusion_proof_of(&Db(self.connection()), index, size)
    }

    /// `PROOF(first, D[size])`.
    pub fn log_consistency(&self, first: u64, size: u64) -> Result<Option<Vec<Hash>>, StoreError> {
        kordon_log::consistency_proof_of(&Db(self.connection()), first, size)
    }

    /// Keeps a signed checkpoint (its text), once per size.
    pub fn put_checkpoint(&self, size: u64, at_ms: i64, text: &str) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT OR IGNORE INTO log_checkpoints (size, at_ms, text) VALUES (?1, ?2, ?3)",
            params![size as i64, at_ms, text],
        )?;
        Ok(())
    }

    /// The latest checkpoint signed: `(size, text)`.
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT size, text FROM log_checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()?)
    }

    /// The checkpoint of exactly `size` leaves, if one was signed.
    pub fn checkpoint_at(&self, size: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT text FROM log_checkpoints WHERE size = ?1",
                [size as i64],
                |r| r.get(0),
            )
            .optional()?)
    }
}
