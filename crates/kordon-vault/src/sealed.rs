//! The sealed file: a file's bytes encrypted in chunks, readable at any
//! offset without decrypting the rest.
//!
//! Layout:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `KORDSEAL` |
//! | 8 | 1 | format version (1) |
//! | 9 | 3 | zero |
//! | 12 | 4 | chunk size in bytes, little-endian ([`CHUNK`]) |
//! | 16 | 16 | nonce prefix, random per file |
//! | 32 | … | chunks: each up to [`CHUNK`] bytes of ciphertext and a 16-byte tag |
//!
//! Each file has its own key: BLAKE3 keyed by the files' key (derived from
//! the data key) over the file's random nonce prefix. Chunk `i` is
//! AES-256-GCM under that key (ring's, with AES-NI where the processor has
//! it: several GB/s), nonce = `i` (u64, little-endian) and four zero
//! bytes, associated data = the 32-byte header ‖ one byte that is 1 for
//! the last chunk and 0 otherwise. Every chunk but the last is full. An empty file is one last
//! chunk of no bytes. So the plaintext length follows from the file's
//! length, and a file cut short, swapped chunks, a chunk from another file
//! or a header changed in any byte fail authentication: an error, never
//! wrong bytes.

use crate::locked::Locked;
use crate::DataKey;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, AES_256_GCM};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use zeroize::{Zeroize, Zeroizing};

/// The first bytes of every sealed file.
pub const MAGIC: [u8; 8] = *b"KORDSEAL";
/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Plaintext bytes per chunk: small enough that a tile read decrypts
/// little more than the tile, large enough that the tags cost 0.1 %.
pub const CHUNK: usize = 16 * 1024;
/// Header length.
pub const HEADER_LEN: usize = 32;
const TAG_LEN: usize = 16;
const STORED_CHUNK: u64 = (CHUNK + TAG_LEN) as u64;

fn damaged(detail: impl fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("sealed file damaged or not ours: {detail}"),
    )
}

/// The length of the plaintext of a sealed file `stored` bytes long, or
/// `None` if no sealed file has that length.
pub fn plain_len(stored: u64) -> Option<u64> {
    let body = stored.checked_sub(HEADER_LEN as u64)?;
    if body < TAG_LEN as u64 {
        return None;
    }
    let chunks = body.div_ceil(STORED_CHUNK);
    let last = body - (chunks - 1) * STORED_CHUNK;
    if last < TAG_LEN as u64 {
        return None;
    }
    Some((chunks - 1) * CHUNK as u64 + last - TAG_LEN as u64)
}

/// The length of the sealed file of `plain` bytes.
pub fn sealed_len(plain: u64) -> u64 {
    let chunks = plain.div_ceil(CHUNK as u64).max(1);
    HEADER_LEN as u64 + plain + chunks * TAG_LEN as u64
}

/// Whether the file at `path` starts like a sealed file.
pub fn is_sealed_file(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 8];
    let mut file = File::open(path)?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => return Ok(false),
            n => got += n,
        }
    }
    Ok(head == MAGIC)
}

fn nonce(index: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(&index.to_le_bytes());
    Nonce::assume_unique_for_key(n)
}

/// The key of one file, the files' key over its nonce prefix, in a
/// locked page for as long as the file is open.
fn file_key(
    files: &Locked<[u8; 32]>,
    header: &[u8; HEADER_LEN],
) -> io::Result<Locked<LessSafeKey>> {
    let mut k = blake3::keyed_hash(files.get(), &header[16..]);
    let key = UnboundKey::new(&AES_256_GCM, k.as_bytes())
        .map(|k| Locked::new(LessSafeKey::new(k)))
        .map_err(|_| io::Error::other("no AES-256-GCM key"));
    k.zeroize();
    key
}

fn aad(header: &[u8; HEADER_LEN], last: bool) -> [u8; HEADER_LEN + 1] {
    let mut a = [0u8; HEADER_LEN + 1];
    a[..HEADER_LEN].copy_from_slice(header);
    a[HEADER_LEN] = u8::from(last);
    a
}

/// How files are kept at rest: sealed under a data key, or plain (the
/// server, whose disks the operator protects, and tests of plain folders).
#[derive(Clone, Default)]
pub struct Seal {
    /// The files' key (each file's own key is derived from it).
    files: Option<Arc<Locked<[u8; 32]>>>,
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_sealed() {
            "Seal(sealed)"
        } else {
            "Seal(plain)"
        })
    }
}

impl Seal {
    /// Files stay as they are.
    pub fn plain() -> Self {
        Seal { files: None }
    }

    /// Files are sealed under (a key derived from) `key`.
    pub fn new(key: &DataKey) -> Self {
        Seal {
            files: Some(Arc::new(key.derive_locked("kordon 2026-12 sealed files"))),
        }
    }

    pub fn is_sealed(&self) -> bool {
        self.files.is_some()
    }

    /// A writer that seals (or passes through) what is written to
    /// `inner`; [`AtRestWriter::finish`] writes the last chunk.
    pub fn writer<W: Write>(&self, mut inner: W) -> io::Result<AtRestWriter<W>> {
        let Some(files) = &self.files else {
            return Ok(AtRestWriter::Plain(inner));
        };
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8] = VERSION;
        header[12..16].copy_from_slice(&(CHUNK as u32).to_le_bytes());
        rand::rngs::OsRng.fill_bytes(&mut header[16..]);
        let key = file_key(files, &header)?;
        inner.write_all(&header)?;
        Ok(AtRestWriter::Sealed(Box::new(SealedWriter {
            inner,
            key,
            header,
            buffer: Vec::with_capacity(CHUNK + TAG_LEN),
            index: 0,
        })))
    }

    /// Opens a file written through [`Seal::writer`] (with this seal).
    pub fn open(&self, file: File) -> io::Result<AtRestFile> {
        let stored = file.metadata()?.len();
        let Some(files) = &self.files else {
            return Ok(AtRestFile {
                file,
                sealed: None,
                len: stored,
                pos: 0,
                chunk: None,
            });
        };
        let mut header = [0u8; HEADER_LEN];
        if stored < HEADER_LEN as u64 {
            return Err(damaged(format!("{stored} bytes long")));
        }
        file.read_exact_at(&mut header, 0)?;
        if header[..8] != MAGIC {
            return Err(damaged("it is not sealed"));
        }
        if header[8] != VERSION || header[9..12] != [0, 0, 0] {
            return Err(damaged(format!("format version {}", header[8])));
        }
        if header[12..16] != (CHUNK as u32).to_le_bytes() {
            return Err(damaged("an unknown chunk size"));
        }
        let len = plain_len(stored).ok_or_else(|| damaged(format!("{stored} bytes long")))?;
        let key = file_key(files, &header)?;
        let opened = AtRestFile {
            file,
            sealed: Some(Box::new((key, header))),
            len,
            pos: 0,
            chunk: None,
        };
        // The last chunk is checked now: a file cut at a chunk's end (or
        // cut down to an empty one) is refused at once, even when nothing
        // is read from it.
        let last = len.div_ceil(CHUNK as u64).max(1) - 1;
        if let Some((key, header)) = opened.sealed.as_deref() {
            opened.open_chunks(key.get(), header, last, last)?;
        }
        Ok(opened)
    }

    /// Opens the file at `path`.
    pub fn open_path(&self, path: &Path) -> io::Result<AtRestFile> {
        self.open(File::open(path)?)
    }

    /// Reads the whole file at `path`.
    pub fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut file = self.open_path(path)?;
        let mut bytes = Vec::with_capacity(file.len().min(1 << 30) as usize);
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Reads a small file that holds a secret (the device key): every
    /// copy of its plaintext on the way is wiped, and so is the result
    /// when dropped.
    pub fn read_secret(&self, path: &Path) -> io::Result<Zeroizing<Vec<u8>>> {
        let mut file = self.open_path(path)?;
        // Sized up front: the buffer never grows (a growth would leave the
        // old allocation unwiped).
        let mut bytes = Zeroizing::new(Vec::with_capacity(file.len().min(1 << 16) as usize + 1));
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Writes `bytes` to `path` power-safe: a temporary file beside it,
    /// flushed, renamed over `path`, then the folder flushed.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = folder.join(format!(".{name}.{}.sealing", std::process::id()));
        let written = (|| {
            let mut writer = self.writer(File::create(&tmp)?)?;
            writer.write_all(bytes)?;
            let file = writer.finish()?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)?;
            File::open(folder)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

/// A writer from [`Seal::writer`].
#[derive(Debug)]
pub enum AtRestWriter<W: Write> {
    Plain(W),
    Sealed(Box<SealedWriter<W>>),
}

impl<W: Write> AtRestWriter<W> {
    /// Writes what is left (the last chunk) and returns the inner writer,
    /// for the caller to flush to disk.
    pub fn finish(self) -> io::Result<W> {
        match self {
            AtRestWriter::Plain(mut w) => {
                w.flush()?;
                Ok(w)
            }
            AtRestWriter::Sealed(w) => w.finish(),
        }
    }
}

impl<W: Write> Write for AtRestWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            AtRestWriter::Plain(w) => w.write(buf),
            AtRestWriter::Sealed(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            AtRestWriter::Plain(w) => w.flush(),
            AtRestWriter::Sealed(w) => w.inner.flush(),
        }
    }
}

/// Seals chunk by chunk; a chunk is written once the next byte after it
/// is known to exist (so the last chunk can be marked as last).
pub struct SealedWriter<W: Write> {
    inner: W,
    key: Locked<LessSafeKey>,
    header: [u8; HEADER_LEN],
    buffer: Vec<u8>,
    index: u64,
}

impl<W: Write> fmt::Debug for SealedWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedWriter {{ chunk: {} }}", self.index)
    }
}

impl<W: Write> SealedWriter<W> {
    /// Seals what is buffered (at most one chunk) and writes it.
    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let tag = self
            .key
            .get()
            .seal_in_place_separate_tag(
                nonce(self.index),
                Aad::from(aad(&self.header, last)),
                &mut self.buffer,
            )
            .map_err(|_| io::Error::other("sealing a chunk failed"))?;
        // One write of the chunk and its tag.
        self.buffer.extend_from_slice(tag.as_ref());
        self.inner.write_all(&self.buffer)?;
        self.buffer.clear();
        self.index += 1;
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.seal_chunk(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            // A full chunk is sealed once a byte after it exists: only
            // then is it known not to be the last.
            if self.buffer.len() == CHUNK {
                self.seal_chunk(false)?;
            }
            let take = (CHUNK - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file at rest opened for reading: its plaintext, at any offset.
pub struct AtRestFile {
    file: File,
    /// The file's key (in a locked page) and header (boxed: an open file
    /// stays small).
    sealed: Option<Box<(Locked<LessSafeKey>, [u8; HEADER_LEN])>>,
    len: u64,
    pos: u64,
    /// The chunk last decrypted by sequential reads (wiped when replaced).
    chunk: Option<(u64, Zeroizing<Vec<u8>>)>,
}

impl fmt::Debug for AtRestFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtRestFile")
            .field("sealed", &self.sealed.is_some())
            .field("len", &self.len)
            .finish()
    }
}

impl AtRestFile {
    /// Length of the plaintext.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file underneath (for its metadata).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Whether the file's key is held in locked memory (`None` for a
    /// plain file, which has none).
    pub fn key_locked(&self) -> Option<bool> {
        self.sealed.as_deref().map(|(key, _)| key.is_locked())
    }

    /// Decrypts chunks `first..=last` into one buffer (one read from
    /// disk); returns the plaintext of those chunks.
    fn open_chunks(
        &self,
        key: &LessSafeKey,
        header: &[u8; HEADER_LEN],
        first: u64,
        last: u64,
    ) -> io::Result<Zeroizing<Vec<u8>>> {
        let chunks = self.len.div_ceil(CHUNK as u64).max(1);
        if last >= chunks || first > last {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "read past the end",
            ));
        }
        let plain_of = |i: u64| {
            if i + 1 == chunks {
                (self.len - i * CHUNK as u64) as usize
            } else {
                CHUNK
            }
        };
        let stored_len = (last - first) as usize * (CHUNK + TAG_LEN) + plain_of(last) + TAG_LEN;
        // Wiped when dropped: it ends holding the plaintext.
        let mut stored = Zeroizing::new(vec![0u8; stored_len]);
        self.file
            .read_exact_at(&mut stored, HEADER_LEN as u64 + first * STORED_CHUNK)?;
        // Plaintext moves down over the tags as each chunk opens.
        let mut plain_at = 0;
        for index in first..=last {
            let at = (index - first) as usize * (CHUNK + TAG_LEN);
            let n = plain_of(index);
            let tag = Tag::try_from(&stored[at + n..at + n + TAG_LEN])
                .map_err(|_| damaged(format!("chunk {index} has no tag")))?;
            key.open_in_place_separate_tag(
                nonce(index),
                Aad::from(aad(header, index + 1 == chunks)),
                tag,
                &mut stored[at..at + n],
                0..,
            )
            .map_err(|_| damaged(format!("chunk {index} does not authenticate")))?;
            stored.copy_within(at..at + n, plain_at);
            plain_at += n;
        }
        stored.truncate(plain_at);
        Ok(stored)
    }

    /// Fills `buf` with the plaintext at `offset`.
    pub fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&end| end <= self.len)
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))?;
        let Some((key, header)) = self.sealed.as_deref() else {
            return self.file.read_exact_at(buf, offset);
        };
        let key = key.get();
        if buf.is_empty() {
            return Ok(());
        }
        let first = offset / CHUNK as u64;
        let last = (end - 1) / CHUNK as u64;
        let plain = self.open_chunks(key, header, first, last)?;
        let from = (offset - first * CHUNK as u64) as usize;
        buf.copy_from_slice(&plain[from..from + buf.len()]);
        Ok(())
    }
}

impl Read for AtRestFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let Some((key, header)) = self.sealed.as_deref() else {
            let n = self.file.read_at(buf, self.pos)?;
            self.pos += n as u64;
            return Ok(n);
        };
        let key = key.get();
        let index = self.pos / CHUNK as u64;
        if self.chunk.as_ref().is_none_or(|(i, _)| *i != index) {
            let chunk = self.open_chunks(key, header, index, index)?;
            self.chunk = Some((index, chunk));
        }
        let Some((_, chunk)) = &self.chunk else {
            return Ok(0);
        };
        let from = (self.pos - index * CHUNK as u64) as usize;
        let n = (chunk.len() - from).min(buf.len());
        buf[..n].copy_from_slice(&chunk[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sealed(seal: &Seal, bytes: &[u8]) -> Vec<u8> {
        let mut w = seal.writer(Vec::new()).expect("writer");
        w.write_all(bytes).expect("write");
        w.finish().expect("finish")
    }

    fn file_of(dir: &Path, name: &str, bytes: &[u8]) -> File {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        File::open(path).expect("open")
    }

    #[test]
    fn lengths_round_trip() {
        for n in [
            0u64,
            1,
            100,
            CHUNK as u64 - 1,
            CHUNK as u64,
            CHUNK as u64 + 1,
            5 * CHUNK as u64,
        ] {
            assert_eq!(plain_len(sealed_len(n)), Some(n), "{n}");
        }
        assert_eq!(plain_len(0), None);
        assert_eq!(plain_len(HEADER_LEN as u64 + 15), None);
        assert_eq!(plain_len(HEADER_LEN as u64 + STORED_CHUNK + 3), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn reads_back_at_any_offset(
            bytes in proptest::collection::vec(any::<u8>(), 0..3 * CHUNK + 100),
            spans in proptest::collection::vec((any::<u32>(), any::<u16>()), 1..8),
        ) {
            let dir = tempfile::tempdir().expect("dir");
            let seal = Seal::new(&DataKey::generate());
            let stored = sealed(&seal, &bytes);
            prop_assert_eq!(stored.len() as u64, sealed_len(bytes.len() as u64));
            let mut file = seal.open(file_of(dir.path(), "f", &stored)).expect("open");
            prop_assert_eq!(file.len(), bytes.len() as u64);
            for (at, len) in spans {
                let at = if bytes.is_empty() { 0 } else { at as usize % bytes.len() };
                let len = (len as usize).min(bytes.len() - at);
                let mut buf = vec![0u8; len];
                file.read_exact_at(&mut buf, at as u64).expect("read");
                prop_assert_eq!(&buf[..], &bytes[at..at + len]);
            }
            let mut all = vec![];
            file.read_to_end(&mut all).expect("read all");
            prop_assert_eq!(all, bytes);
        }

        /// Any change of any byte, and any cut, is an error, never other bytes.
        #[test]
        fn damage_is_an_error(
            bytes in proptest::collection::vec(any::<u8>(), 0..2 * CHUNK + 10),
            at in any::<usize>(),
            flip in 1u8..,
            cut in any::<usize>(),
        ) {
            let dir = tempfile::tempdir().expect("dir");
            let seal = Seal::new(&DataKey::generate());
            let stored = sealed(&seal, &bytes);
            let mut flipped = stored.clone();
            let i = at % flipped.len();
            flipped[i] ^= flip;
            let cut = &stored[..cut % stored.len()];
            for damaged in [flipped, cut.to_vec()] {
                let read = seal
                    .open(file_of(dir.path(), "d", &damaged))
                    .and_then(|mut f| { let mut v = vec![]; f.read_to_end(&mut v).map(|_| v) });
                prop_assert!(read.is_err(), "damaged file read as {} bytes", read.map(|v| v.len()).unwrap_or(0));
            }
        }
    }

    #[test]
    fn another_key_reads_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let stored = sealed(&Seal::new(&DataKey::generate()), b"AA 1234 BB");
        let other = Seal::new(&DataKey::generate());
        assert!(other.open(file_of(dir.path(), "f", &stored)).is_err());
    }

    #[test]
    fn a_truncated_file_at_a_chunk_boundary_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let seal = Seal::new(&DataKey::generate());
        let stored = sealed(&seal, &vec![7u8; 3 * CHUNK]);
        // Two whole chunks: a plausible length, refused at the opening
        // (the second chunk was not sealed as the last).
        let cut = &stored[..HEADER_LEN + 2 * STORED_CHUNK as usize];
        assert!(seal.open(file_of(dir.path(), "f", cut)).is_err());
        // Cut down to an empty file's length: refused too.
        let empty = &stored[..HEADER_LEN + TAG_LEN];
        assert!(seal.open(file_of(dir.path(), "e", empty)).is_err());
        // A real empty file opens, and reads as nothing.
        let real = sealed(&seal, b"");
        let mut file = seal.open(file_of(dir.path(), "r", &real)).expect("empty");
        let mut v = vec![];
        assert_eq!(file.read_to_end(&mut v).expect("read"), 0);
    }

    #[test]
    fn write_atomic_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("dir");
        let seal = Seal::new(&DataKey::generate());
        let path = dir.path().join("spool.json");
        seal.write_atomic(&path, "ВН 1234 АА".as_bytes())
            .expect("write");
        assert_eq!(seal.read(&path).expect("read"), "ВН 1234 АА".as_bytes());
        assert!(is_sealed_file(&path).expect("look"));
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
