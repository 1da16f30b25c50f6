//! The conformance suite every [`BlobPort`] passes: the folder in this
//! crate's tests, S3-compatible storage in `kordon-objects`'. One suite,
//! so a backend cannot drift from the promises in [`crate::port`].
//!
//! Each case uses blobs of its own, so the cases share one storage and
//! assert nothing about blobs they did not write.

use crate::tree::{cvs_of, PIECE};
use crate::{BlobError, BlobId, BlobPort, PieceOutcome};
use std::io::{self, Read};

/// How the suite reaches the storage under test.
pub struct Backend<'a> {
    /// A new handle on the same storage: a restart, or another process.
    pub open: &'a dyn Fn() -> Box<dyn BlobPort>,
    /// Changes one stored byte of blob `id` behind the port's back (what
    /// a failing disk or a meddling operator does).
    pub damage: &'a dyn Fn(&BlobId),
}

/// Runs every case; panics with the case's name on the first failure.
pub fn run_all(backend: &Backend<'_>) {
    put_read_and_list(backend);
    nothing_visible_after_a_failed_put(backend);
    upload_in_pieces(backend);
    upload_resumes_on_a_new_handle(backend);
    two_handles_on_one_upload(backend);
    large_upload_across_parts(backend);
    damage_is_reported(backend);
}

/// Deterministic bytes of length `n`, different per `seed`.
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    let mut x = 0x9e37_79b9_u32 ^ u32::from(seed).wrapping_mul(0x0100_0193);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn put_read_and_list(b: &Backend<'_>) {
    let port = (b.open)();
    port.ready().expect("the storage answers");
    let data = bytes(300_000, 1);
    let id = port.put_reader(&mut &data[..], u64::MAX).expect("put");
    assert_eq!(id, BlobId::of(&data), "a blob is named by its hash");
    assert!(port.contains(&id).expect("contains"));
    assert_eq!(port.size(&id).expect("size"), data.len() as u64);
    assert_eq!(
        port.read_at(&id, 1000, 5000).expect("range"),
        &data[1000..6000]
    );
    assert_eq!(port.read_verified(&id).expect("whole"), data);
    assert_eq!(port.verify(&id).expect("verify"), data.len() as u64);
    let mut streamed = vec![];
    port.reader(&id)
        .expect("reader")
        .read_to_end(&mut streamed)
        .expect("stream");
    assert_eq!(streamed, data);
    // Again: the same id, nothing changes.
    assert_eq!(
        port.put_reader(&mut &data[..], u64::MAX).expect("again"),
        id
    );
    let other = (b.open)();
    assert!(
        other
            .list()
            .expect("list")
            .contains(&(id, data.len() as u64)),
        "another handle lists it"
    );
    let check = other.check().expect("check");
    assert!(
        check.blobs >= 1 && check.bytes >= data.len() as u64,
        "{check:?}"
    );
    assert!(check.damaged.is_empty(), "{check:?}");

    let absent = BlobId::of(b"never stored");
    assert!(!port.contains(&absent).expect("contains"));
    assert!(matches!(port.size(&absent), Err(BlobError::Missing(_))));
    assert!(matches!(
        port.read_at(&absent, 0, 1),
        Err(BlobError::Missing(_))
    ));
    assert!(matches!(port.reader(&absent), Err(BlobError::Missing(_))));
}

/// A reader that fails after `left` bytes.
struct FailingReader {
    data: Vec<u8>,
    at: usize,
    left: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("the source went away"));
        }
        let n = buf.len().min(self.left).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        self.left -= n;
        Ok(n)
    }
}

fn nothing_visible_after_a_failed_put(b: &Backend<'_>) {
    let port = (b.open)();
    let data = bytes(200_000, 2);
    let id = BlobId::of(&data);
    assert!(matches!(
        port.put_reader(&mut &data[..], 100_000),
        Err(BlobError::TooLarge { limit: 100_000 })
    ));
    let mut failing = FailingReader {
        data: data.clone(),
        at: 0,
        left: 150_000,
    };
    assert!(port.put_reader(&mut failing, u64::MAX).is_err());
    assert!(!port.contains(&id).expect("contains"), "nothing visible");
    assert!(!port.list().expect("list").iter().any(|(i, _)| *i == id));
}

fn upload_in_pieces(b: &Backend<'_>) {
    let port = (b.open)();
    let piece = 1024;
    let data = bytes(5000, 3);
    let id = BlobId::of(&data);
    let mut up = port.upload(id, 5000, piece).expect("upload");
    assert!(up.needs_tree() && up.verified() == 0 && !up.is_complete());
    assert_eq!(
        up.write_piece(0, &data[..1024]).expect("piece"),
        PieceOutcome::OutOfPlace,
        "no piece is taken before the tree"
    );
    let mut wrong = cvs_of(&data, piece);
    wrong[1][0] ^= 1;
    assert!(
        !up.set_tree(wrong).expect("tree"),
        "a tree that does not add up"
    );
    assert!(up.set_tree(cvs_of(&data, piece)).expect("tree"));
    assert_eq!(
        up.write_piece(1024, &data[1024..2048]).expect("piece"),
        PieceOutcome::OutOfPlace,
        "not the next piece"
    );
    let mut bad = data[..1024].to_vec();
    bad[10] ^= 0xff;
    assert_eq!(
        up.write_piece(0, &bad).expect("piece"),
        PieceOutcome::Mismatch
    );
    assert_eq!(up.verified(), 0, "a damaged piece is not kept");
    for (i, chunk) in data.chunks(piece as usize).enumerate() {
        assert_eq!(
            up.write_piece(i as u64 * piece, chunk).expect("piece"),
            PieceOutcome::Stored
        );
        assert_eq!(
            port.partial_len(&id).expect("partial"),
            (i as u64 * piece + chunk.len() as u64),
            "the verified prefix is visible as progress"
        );
    }
    assert!(up.is_complete());
    assert!(
        !port.contains(&id).expect("contains"),
        "not visible before it is finished"
    );
    assert_eq!(up.finish().expect("finish"), id);
    assert_eq!(port.read_verified(&id).expect("read"), data);
    assert_eq!(port.partial_len(&id).expect("partial"), 0);
    assert!(!(b.open)().check().expect("check").partials.contains(&id));
}

fn upload_resumes_on_a_new_handle(b: &Backend<'_>) {
    let port = (b.open)();
    let piece = 1024;
    let data = bytes(10_000, 4);
    let id = BlobId::of(&data);
    {
        let mut up = port.upload(id, 10_000, piece).expect("upload");
        assert!(up.set_tree(cvs_of(&data, piece)).expect("tree"));
        for (i, chunk) in data.chunks(piece as usize).take(4).enumerate() {
            up.note_received(chunk.len() as u64);
            up.write_piece(i as u64 * piece, chunk).expect("piece");
        }
        up.note_received(500);
        // Incomplete: refused, and nothing becomes visible.
        assert!(matches!(
            up.finish(),
            Err(BlobError::Incomplete { have: 4096, .. })
        ));
    }
    assert!(!port.contains(&id).expect("contains"));
    let other = (b.open)();
    assert!(other.check().expect("check").partials.contains(&id));
    let mut up = other.upload(id, 10_000, piece).expect("again");
    assert!(!up.needs_tree(), "the tree is kept");
    assert_eq!(up.verified(), 4096, "resumes after the last piece kept");
    assert_eq!(
        up.received(),
        4096 + 500,
        "bytes received are counted across handles, the 500 after the last piece too"
    );
    for (i, chunk) in data.chunks(piece as usize).enumerate().skip(4) {
        assert_eq!(
            up.write_piece(i as u64 * piece, chunk).expect("piece"),
            PieceOutcome::Stored
        );
    }
    assert_eq!(up.finish().expect("finish"), id);
    assert_eq!(port.read_verified(&id).expect("read"), data);
}

/// Two handles on one upload (a vehicle that moved to another server
/// process while the first still held its stream): each keeps only
/// verified pieces, the same piece kept twice changes nothing, and the
/// blob comes out whole.
fn two_handles_on_one_upload(b: &Backend<'_>) {
    let piece = 1024;
    let data = bytes(8 * 1024 + 10, 7);
    let id = BlobId::of(&data);
    let size = data.len() as u64;
    let chunks: Vec<&[u8]> = data.chunks(piece as usize).collect();
    let (first, second) = ((b.open)(), (b.open)());
    let mut a = first.upload(id, size, piece).expect("upload on A");
    assert!(a.set_tree(cvs_of(&data, piece)).expect("tree"));
    for (i, chunk) in chunks.iter().enumerate().take(3) {
        a.write_piece(i as u64 * piece, chunk).expect("piece on A");
    }
    let mut b2 = second.upload(id, size, piece).expect("upload on B");
    assert_eq!(b2.verified(), 3 * piece, "B starts where A's pieces end");
    // A, not knowing of B, keeps the fourth piece; so does B.
    assert_eq!(
        a.write_piece(3 * piece, chunks[3]).expect("piece on A"),
        PieceOutcome::Stored
    );
    for (i, chunk) in chunks.iter().enumerate().skip(3) {
        assert_eq!(
            b2.write_piece(i as u64 * piece, chunk).expect("piece on B"),
            PieceOutcome::Stored
        );
    }
    assert_eq!(b2.finish().expect("finish on B"), id);
    assert_eq!(first.read_verified(&id).expect("read"), data);
    a.note_received(100);
    assert!(matches!(a.finish(), Err(BlobError::Incomplete { .. })));
    assert_eq!(second.read_verified(&id).expect("still whole"), data);
    assert!(
        !(b.open)().check().expect("check").partials.contains(&id),
        "nothing of the upload is left once the blob is whole"
    );
}

/// A scan-sized blob in the transfer's real piece size, larger than the
/// parts object stores upload in.
fn large_upload_across_parts(b: &Backend<'_>) {
    let port = (b.open)();
    let data = bytes(13 * PIECE as usize + 12_345, 5);
    let id = BlobId::of(&data);
    let mut up = port.upload(id, data.len() as u64, PIECE).expect("upload");
    assert!(up.set_tree(cvs_of(&data, PIECE)).expect("tree"));
    for (i, chunk) in data.chunks(PIECE as usize).enumerate() {
        assert_eq!(
            up.write_piece(i as u64 * PIECE, chunk).expect("piece"),
            PieceOutcome::Stored
        );
    }
    assert_eq!(up.finish().expect("finish"), id);
    let other = (b.open)();
    assert_eq!(other.size(&id).expect("size"), data.len() as u64);
    let at = 7 * PIECE - 100;
    assert_eq!(
        other.read_at(&id, at, 300).expect("range across pieces"),
        &data[at as usize..at as usize + 300]
    );
    assert_eq!(other.verify(&id).expect("verify"), data.len() as u64);
}

fn damage_is_reported(b: &Backend<'_>) {
    let port = (b.open)();
    let data = bytes(70_000, 6);
    let id = port.put_reader(&mut &data[..], u64::MAX).expect("put");
    (b.damage)(&id);
    assert!(matches!(
        port.read_verified(&id),
        Err(BlobError::Corrupt { .. })
    ));
    assert!(matches!(port.verify(&id), Err(BlobError::Corrupt { .. })));
    let check = port.check().expect("check");
    assert!(
        check
            .damaged
            .iter()
            .any(|(what, _)| what.contains(&id.to_string())),
        "{check:?}"
    );
}

impl std::fmt::Debug for Backend<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Backend")
    }
}
