//! Scan blobs in S3-compatible object storage (AWS S3, SeaweedFS, Ceph's
//! RGW, ...): the blob port [`kordon_blob::BlobPort`] for a centre that
//! runs several server processes against storage its operators already
//! run and back up.
//!
//! Layout under `s3://BUCKET/PREFIX/`:
//! - `blobs/<64 hex>`: a blob, named by the BLAKE3 hash of its bytes. It
//!   is written only after its bytes were hashed again on the way in, by
//!   one `PUT` or a multipart upload whose completion makes it visible at
//!   once, so no reader ever sees a partial or unverified blob. It is
//!   written as its upload arrives (eight at once per opened store, and a
//!   server opens one; see `assembly`), or else from its pieces once the
//!   last is in.
//! - `partial/<64 hex>/tree`: an upload's piece size, blob size and piece
//!   values, kept once they merge to the blob's hash.
//! - `partial/<64 hex>/<16 hex offset>.<hex>`: one verified piece, one
//!   object each, named by its offset and the bytes received for the blob
//!   when it was kept. A piece is acknowledged to the vehicle only after its `PUT`
//!   succeeded, so the verified prefix survives the server process, and
//!   any process sharing the bucket takes the upload up where it stopped.
//! - `partial/<64 hex>/received`: bytes that crossed the link for it (a
//!   measure of what interruptions cost), written when a transfer stops.
//!
//! A multipart upload that failed, or whose upload was let go unfinished
//! (the connection went), is aborted, unless the process ends before the
//! abort is through (it waits a second for it); one left by a process
//! killed while a scan arrived is not (the bucket's rule to abort incomplete multipart
//! uploads clears it; the blob is still made whole from its pieces at the
//! next offer).
//!
//! Endpoint, region and credentials come from the usual `AWS_*`
//! environment variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP` for a
//! plain-HTTP endpoint on a trusted network).
//!
//! The port's calls block; each runs on this crate's own small runtime,
//! so a caller may be a plain thread or a blocking task of the server's.

mod assembly;
mod upload;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use kordon_blob::tree::Cv;
use kordon_blob::{BlobCheck, BlobError, BlobId, BlobPort, BlobUpload};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    ClientConfigKey, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use std::future::Future;
use std::io::{self, Read, Seek, Write};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

pub use upload::ObjectUpload;

/// Bytes per part of a multipart upload (S3 takes parts of 5 MiB and
/// more, but for the last).
const PART: usize = 8 << 20;
/// Bytes fetched at a time by a streaming read.
const READ_CHUNK: u64 = 8 << 20;

/// Blobs in a bucket (under a prefix).
#[derive(Debug, Clone)]
pub struct ObjectBlobs {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    store: Arc<dyn ObjectStore>,
    /// `s3://bucket/prefix`, for people.
    pub(crate) url: String,
    /// The prefix (may be empty), as the operator spelled it: each key is
    /// built under it part by part, so nothing of it is re-encoded.
    prefix: Path,
    pub(crate) runtime: Runtime,
    /// Uploads being written into their blob as their pieces arrive (see
    /// [`assembly`]).
    /// Shared with each write (not `Inner` itself, which owns the
    /// runtime the write runs on).
    pub(crate) assembling: Arc<AtomicUsize>,
    /// Blobs put together from their pieces once the last was in.
    pub(crate) from_pieces: AtomicU64,
    /// Pieces read back by writes under way (see [`assembly`]).
    pub(crate) read_back: Arc<AtomicU64>,
}

/// The runtime the object store's futures run on; shut down without
/// waiting, so dropping the port is safe anywhere.
#[derive(Debug)]
pub(crate) struct Runtime(pub(crate) Option<tokio::runtime::Runtime>);

impl Drop for Inner {
    /// Gives writes under way, let go without a finish, a moment to abort
    /// their multipart uploads before the runtime they run on goes.
    fn drop(&mut self) {
        let until = std::time::Instant::now() + Duration::from_secs(1);
        while self.assembling.load(Ordering::Acquire) > 0 && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Whether `location` names object storage (`s3://…`) rather than a
/// folder.
pub fn is_object_url(location: &str) -> bool {
    location.starts_with("s3://")
}

impl ObjectBlobs {
    /// Opens `s3://BUCKET/PREFIX` with the endpoint and credentials of the
    /// `AWS_*` environment. Nothing is asked of the storage yet: see
    /// [`BlobPort::ready`].
    pub fn open(url: &str) -> Result<Self, BlobError> {
        Self::open_with(url, std::iter::empty::<(String, String)>())
    }

    /// As [`open`](Self::open), with `settings` (named as their `AWS_*`
    /// environment variables) over the environment's.
    pub fn open_with<K: AsRef<str>, V: Into<String>>(
        url: &str,
        settings: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, BlobError> {
        let bad = |reason: String| BlobError::Remote {
            location: url.to_string(),
            reason,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("not an s3://BUCKET/PREFIX address".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/').to_string();
        if bucket.is_empty() {
            return Err(bad("the address names no bucket".into()));
        }
        let prefix_path =
            Path::parse(&prefix).map_err(|e| bad(format!("the prefix {prefix:?}: {e}")))?;
        // TLS to the endpoint through rustls with ring, as everywhere in
        // Kordon (a no-op when the process already chose it).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Timeouts first: settings given may change them.
        let mut builder = AmazonS3Builder::from_env()
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                "10s",
            )
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "60s");
        for (name, value) in settings {
            let name = name.as_ref();
            let key: AmazonS3ConfigKey = name
                .to_ascii_lowercase()
                .parse()
                .map_err(|_| bad(format!("{name} is not an S3 setting")))?;
            builder = builder.with_config(key, value);
        }
        let store = builder
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                max_retries: 4,
                retry_timeout: Duration::from_secs(30),
                ..Default::default()
            })
            .build()
            .map_err(|e| bad(with_causes(&e)))?;
        let url = format!(
            "s3://{bucket}{}{prefix}",
            if prefix.is_empty() { "" } else { "/" }
        );
        Self::over(Arc::new(store), url, prefix_path)
            .map_err(|e| bad(format!("starting its runtime: {e}")))
    }

    /// The port over `store`, under `prefix`; `url` names it for people.
    fn over(store: Arc<dyn ObjectStore>, url: String, prefix: Path) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kordon-objects")
            .enable_all()
            .build()?;
        Ok(ObjectBlobs {
            inner: Arc::new(Inner {
                store,
                url,
                prefix,
                runtime: Runtime(Some(runtime)),
                assembling: Arc::new(AtomicUsize::new(0)),
                from_pieces: AtomicU64::new(0),
                read_back: Arc::new(AtomicU64::new(0)),
            }),
        })
    }

    /// The port over an object store in memory, for tests of this crate.
    #[cfg(test)]
    pub(crate) fn in_memory() -> Self {
        Self::over(
            Arc::new(object_store::memory::InMemory::new()),
            "memory://".into(),
            Path::default(),
        )
        .expect("a runtime")
    }

    pub(crate) fn store(&self) -> Arc<dyn ObjectStore> {
        self.inner.store.clone()
    }

    /// The object path of `key` under the prefix.
    pub(crate) fn path(&self, key: &str) -> Path {
        key.split('/')
            .filter(|part| !part.is_empty())
            .fold(self.inner.prefix.clone(), |path, part| path.join(part))
    }

    fn blob_path(&self, id: &BlobId) -> Path {
        self.path(&format!("blobs/{id}"))
    }

    fn partial_path(&self, id: &BlobId, name: &str) -> Path {
        self.path(&format!("partial/{id}/{name}"))
    }

    /// Runs `fut` on the port's runtime and waits for it.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, BlobError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let runtime = self
            .inner
            .runtime
            .0
            .as_ref()
            .ok_or_else(|| BlobError::Remote {
                location: self.inner.url.clone(),
                reason: "the port is shut down".into(),
            })?;
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().map_err(|_| BlobError::Remote {
            location: self.inner.url.clone(),
            reason: "a request to the object store failed inside its client".into(),
        })
    }

    /// An object store error about `key`, as the port says it.
    fn remote(&self, key: &str, e: object_store::Error) -> BlobError {
        BlobError::Remote {
            location: format!("{}/{key}", self.inner.url),
            reason: with_causes(&e),
        }
    }

    /// A blob read's error: a missing object is a missing blob.
    fn blob_error(&self, id: &BlobId, e: object_store::Error) -> BlobError {
        match e {
            object_store::Error::NotFound { .. } => BlobError::Missing(*id),
            e => self.remote(&format!("blobs/{id}"), e),
        }
    }

    fn head_blob(&self, id: &BlobId) -> Result<Option<u64>, BlobError> {
        let (store, path) = (self.store(), self.blob_path(id));
        match self.run(async move { store.head(&path).await })? {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.blob_error(id, e)),
        }
    }

    fn get(&self, path: Path) -> Result<Result<Bytes, object_store::Error>, BlobError> {
        let store = self.store();
        self.run(async move {
            match store.get(&path).await {
                Ok(got) => got.bytes().await,
                Err(e) => Err(e),
            }
        })
    }

    fn put(&self, path: Path, bytes: Bytes) -> Result<(), BlobError> {
        let store = self.store();
        let key = path.to_string();
        self.run(async move { store.put(&path, PutPayload::from(bytes)).await })?
            .map(drop)
            .map_err(|e| BlobError::Remote {
                location: format!("{}/{key}", self.inner.url),
                reason: with_causes(&e),
            })
    }

    /// Objects under `key` (a folder), with their sizes.
    fn list_under(&self, key: &str) -> Result<Vec<(String, u64)>, BlobError> {
        let (store, path) = (self.store(), self.path(key));
        let found = self
            .run(async move {
                store
                    .list(Some(&path))
                    .map_ok(|m| (m.location.filename().unwrap_or("").to_string(), m.size))
                    .try_collect::<Vec<_>>()
                    .await
            })?
            .map_err(|e| self.remote(key, e))?;
        Ok(found)
    }

    /// The ids of uploads under way: those with an object under
    /// `partial/<id>/` (some stores keep an emptied folder, which is no
    /// upload).
    fn partial_ids(&self) -> Result<Vec<BlobId>, BlobError> {
        let (store, path) = (self.store(), self.path("partial"));
        let mut ids: Vec<BlobId> = self
            .run(async move {
                store
                    .list(Some(&path))
                    .map_ok(|m| {
                        let parts: Vec<_> = m.location.parts().collect();
                        parts
                            .len()
                            .checked_sub(2)
                            .and_then(|i| parts[i].as_ref().parse::<BlobId>().ok())
                    })
                    .try_collect::<Vec<_>>()
                    .await
            })?
            .map_err(|e| self.remote("partial/", e))?
            .into_iter()
            .flatten()
            .collect();
        ids.sort_by_key(|id| id.0);
        ids.dedup();
        Ok(ids)
    }

    /// Deletes every object of the upload of `id`.
    fn remove_partial(&self, id: &BlobId) -> Result<(), BlobError> {
        let paths: Vec<Path> = self
            .list_under(&format!("partial/{id}"))?
            .into_iter()
            .map(|(name, _)| self.partial_path(id, &name))
            .collect();
        let store = self.store();
        // Batched deletes where the store has them (S3's DeleteObjects).
        let failed = self.run(async move {
            let paths = futures_util::stream::iter(paths.into_iter().map(Ok)).boxed();
            let mut done = store.delete_stream(paths);
            while let Some(one) = done.next().await {
                match one {
                    Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Some(e),
                }
            }
            None
        })?;
        match failed {
            None => Ok(()),
            Some(e) => Err(self.remote(&format!("partial/{id}/"), e)),
        }
    }

    /// Removes uploads of blobs already held (a process that died between
    /// completing a blob and removing its pieces leaves them). Returns how
    /// many were removed.
    pub fn sweep_partials(&self) -> Result<usize, BlobError> {
        let mut removed = 0;
        for id in self.partial_ids()? {
            if self.head_blob(&id)?.is_some() {
                self.remove_partial(&id)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Writes blob `id` from `chunks` (its bytes in order, `size` in all),
    /// hashing them on the way; the blob becomes visible only if they hash
    /// to `id`. Parts of a large blob go up [`PARTS_IN_FLIGHT`] at a time.
    fn write_verified(&self, id: &BlobId, size: u64, chunks: Chunks) -> Result<(), BlobError> {
        self.run(self.blob_write(id, size, chunks, PARTS_IN_FLIGHT))?
    }

    /// The write of blob `id` from `chunks`, `parts_in_flight` parts of it
    /// going up at a time (see [`write_stream`]).
    pub(crate) fn blob_write(
        &self,
        id: &BlobId,
        size: u64,
        chunks: Chunks,
        parts_in_flight: usize,
    ) -> impl Future<Output = Result<(), BlobError>> + Send + 'static {
        let (store, path, id) = (self.store(), self.blob_path(id), *id);
        let location = format!("{}/blobs/{id}", self.inner.url);
        write_stream(store, path, id, size, chunks, location, parts_in_flight)
    }

    /// Uploads being written into their blob as their pieces arrive.
    pub fn assemblies_under_way(&self) -> usize {
        self.inner.assembling.load(Ordering::Acquire)
    }

    /// Blobs this handle's process put together from their pieces once
    /// the last was in, rather than as they arrived.
    pub fn written_from_pieces(&self) -> u64 {
        self.inner.from_pieces.load(Ordering::Acquire)
    }

    /// Pieces read back from the bucket by writes under way: those kept
    /// before an interruption, and those the write had no room for.
    pub fn pieces_read_back(&self) -> u64 {
        self.inner.read_back.load(Ordering::Acquire)
    }
}

/// A blob's bytes in order, as they are read from wherever they are.
type Chunks = futures_util::stream::BoxStream<'static, Result<Bytes, BlobError>>;

/// Parts of a multipart upload sent at once.
const PARTS_IN_FLIGHT: usize = 4;
/// Pieces of an upload read ahead when it is assembled into its blob.
const READ_AHEAD: usize = 8;

/// See [`ObjectBlobs::write_verified`].
async fn write_stream(
    store: Arc<dyn ObjectStore>,
    path: Path,
    id: BlobId,
    size: u64,
    mut chunks: Chunks,
    location: String,
    parts_in_flight: usize,
) -> Result<(), BlobError> {
    let remote = |e: object_store::Error| BlobError::Remote {
        location: location.clone(),
        reason: with_causes(&e),
    };
    let mut hasher = blake3::Hasher::new();
    let mut written = 0u64;
    let check = |hasher: &blake3::Hasher, written: u64| {
        let found = BlobId(*hasher.finalize().as_bytes());
        if written != size || found != id {
            return Err(BlobError::Corrupt { id, found });
        }
        Ok(())
    };
    if size < PART as u64 {
        let mut all = Vec::with_capacity(size as usize);
        while let Some(chunk) = chunks.try_next().await? {
            hasher.update(&chunk);
            written += chunk.len() as u64;
            all.extend_from_slice(&chunk);
        }
        check(&hasher, written)?;
        store
            .put(&path, PutPayload::from(all))
            .await
            .map_err(remote)?;
        return Ok(());
    }
    let upload = store.put_multipart(&path).await.map_err(remote)?;
    // Each part goes up on a task of its own, as soon as it is full (not
    // when the next one is).
    let mut parts = WriteMultipart::new_with_chunk_size(upload, PART);
    let sent: Result<(), BlobError> = async {
        while let Some(chunk) = chunks.try_next().await? {
            hasher.update(&chunk);
            written += chunk.len() as u64;
            parts
                .wait_for_capacity(parts_in_flight)
                .await
                .map_err(remote)?;
            parts.put(chunk);
        }
        check(&hasher, written)
    }
    .await;
    match sent {
        // Completed only now, once every byte hashed to the name; a
        // completion that fails aborts the upload.
        Ok(()) => parts.finish().await.map(drop).map_err(remote),
        Err(e) => {
            // Nothing became visible; leave no parts behind either.
            let _ = parts.abort().await;
            Err(e)
        }
    }
}

/// Reads a blob in ranges, as the reader asks for bytes.
struct RangeReader {
    blobs: ObjectBlobs,
    id: BlobId,
    size: u64,
    at: u64,
    buf: Bytes,
}

impl Read for RangeReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf.is_empty() {
            if self.at >= self.size {
                return Ok(0);
            }
            let len = READ_CHUNK.min(self.size - self.at) as usize;
            self.buf = BlobPort::read_at(&self.blobs, &self.id, self.at, len)
                .map_err(io::Error::other)?
                .into();
            self.at += len as u64;
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}

impl BlobPort for ObjectBlobs {
    fn location(&self) -> String {
        self.inner.url.clone()
    }

    /// One listing, so a wrong endpoint, bucket or key is said now and
    /// not at the first scan; then the sweep of finished uploads.
    fn ready(&self) -> Result<(), BlobError> {
        let (store, probe) = (self.store(), self.path("blobs"));
        self.run(async move { store.list_with_delimiter(Some(&probe)).await })?
            .map_err(|e| self.remote("blobs/", e))?;
        self.sweep_partials()?;
        Ok(())
    }

    fn contains(&self, id: &BlobId) -> Result<bool, BlobError> {
        Ok(self.head_blob(id)?.is_some())
    }

    fn size(&self, id: &BlobId) -> Result<u64, BlobError> {
        self.head_blob(id)?.ok_or(BlobError::Missing(*id))
    }

    fn read_at(&self, id: &BlobId, offset: u64, len: usize) -> Result<Vec<u8>, BlobError> {
        let (store, path) = (self.store(), self.blob_path(id));
        let end = offset.saturating_add(len as u64);
        let bytes = self
            .run(async move { store.get_range(&path, offset..end).await })?
            .map_err(|e| self.blob_error(id, e))?;
        if bytes.len() != len {
            return Err(BlobError::Remote {
                location: format!("{}/blobs/{id}", self.inner.url),
                reason: format!("{len} bytes at {offset} asked, {} given", bytes.len()),
            });
        }
        Ok(bytes.to_vec())
    }

    fn reader(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, BlobError> {
        Ok(Box::new(RangeReader {
            blobs: self.clone(),
            id: *id,
            size: self.size(id)?,
            at: 0,
            buf: Bytes::new(),
        }))
    }

    fn put_reader(&self, reader: &mut dyn Read, limit: u64) -> Result<BlobId, BlobError> {
        // The id is the hash of the bytes, known only at their end: they
        // wait in a local temp file (deleted on close), then go up under
        // their name, hashed again on the way.
        let local = |error: io::Error| BlobError::Io {
            path: "a temp file".into(),
            error,
        };
        let mut spool = tempfile::tempfile().map_err(local)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(BlobError::Io {
                        path: "input".into(),
                        error,
                    })
                }
            };
            total += n as u64;
            if total > limit {
                return Err(BlobError::TooLarge { limit });
            }
            hasher.update(&buf[..n]);
            spool.write_all(&buf[..n]).map_err(local)?;
        }
        let id = BlobId(*hasher.finalize().as_bytes());
        if self.head_blob(&id)?.is_some() {
            return Ok(id);
        }
        spool.rewind().map_err(local)?;
        let file = tokio::fs::File::from_std(spool);
        let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut chunk = vec![0u8; PART];
            let mut filled = 0;
            while filled < chunk.len() {
                match file.read(&mut chunk[filled..]).await {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        return Err(BlobError::Io {
                            path: "a temp file".into(),
                            error,
                        })
                    }
                }
            }
            chunk.truncate(filled);
            Ok((filled > 0).then(|| (Bytes::from(chunk), file)))
        });
        self.write_verified(&id, total, chunks.boxed())?;
        Ok(id)
    }

    fn upload(&self, id: BlobId, size: u64, piece: u64) -> Result<Box<dyn BlobUpload>, BlobError> {
        Ok(Box::new(ObjectUpload::open(self.clone(), id, size, piece)?))
    }

    fn partial_len(&self, id: &BlobId) -> Result<u64, BlobError> {
        Ok(upload::verified_prefix(
            &self.list_under(&format!("partial/{id}"))?,
            None,
        ))
    }

    fn list(&self) -> Result<Vec<(BlobId, u64)>, BlobError> {
        let mut out: Vec<(BlobId, u64)> = self
            .list_under("blobs")?
            .into_iter()
            .filter_map(|(name, size)| name.parse().ok().map(|id| (id, size)))
            .collect();
        out.sort_by_key(|(id, _)| id.0);
        Ok(out)
    }

    fn check(&self) -> Result<BlobCheck, BlobError> {
        let mut out = BlobCheck::default();
        for (name, _) in self.list_under("blobs")? {
            // Under `blobs/`, as the folder's are named under its own.
            let shown = name.clone();
            match name.parse::<BlobId>() {
                Ok(id) => match self.verify(&id) {
                    Ok(len) => {
                        out.blobs += 1;
                        out.bytes += len;
                    }
                    Err(e) => out.damaged.push((shown, e.to_string())),
                },
                Err(_) => out.damaged.push((shown, "not named by a blob hash".into())),
            }
        }
        out.partials = self.partial_ids()?;
        out.damaged.sort();
        Ok(out)
    }
}

/// An error with every cause under it, as people need it ("error sending
/// request: … connection refused").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// The piece values of `bytes` (a `tree` object), if they are for a blob
/// `id` of `size` bytes in pieces of `piece`.
fn parse_tree(bytes: &[u8], id: &BlobId, size: u64, piece: u64) -> Option<Vec<Cv>> {
    let (head, body) = bytes.split_at_checked(16)?;
    let stored_piece = u64::from_le_bytes(head[..8].try_into().ok()?);
    let stored_size = u64::from_le_bytes(head[8..].try_into().ok()?);
    if stored_piece != piece || stored_size != size || body.len() % 32 != 0 {
        return None;
    }
    let cvs: Vec<Cv> = body
        .chunks_exact(32)
        .filter_map(|c| c.try_into().ok())
        .collect();
    (kordon_blob::tree::root_of(&cvs, size, piece) == Some(id.0)).then_some(cvs)
}

fn tree_bytes(cvs: &[Cv], size: u64, piece: u64) -> Bytes {
    let mut out = Vec::with_capacity(16 + cvs.len() * 32);
    out.extend_from_slice(&piece.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    for cv in cvs {
        out.extend_from_slice(cv);
    }
    out.into()
}
