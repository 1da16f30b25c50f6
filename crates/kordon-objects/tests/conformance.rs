//! S3-compatible storage (a real SeaweedFS) passes the blob port's
//! conformance suite, and an upload cut by a lost process is taken up by
//! another handle where the last acknowledged piece ended.

use futures_util::TryStreamExt;
use kordon_blob::conformance::{bytes, run_all, Backend};
use kordon_blob::tree::{cvs_of, PIECE};
use kordon_blob::{BlobId, BlobPort};
use kordon_objects::ObjectBlobs;
use kordon_test_support::object_storage::ObjectStorage;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// A client of the bucket that is not the port: to look behind its back.
fn raw_client(storage: &ObjectStorage) -> object_store::aws::AmazonS3 {
    let mut builder = AmazonS3Builder::new().with_bucket_name(&storage.bucket);
    for (key, value) in storage.env() {
        builder = builder.with_config(key.to_ascii_lowercase().parse().expect("key"), value);
    }
    builder.build().expect("client")
}

fn open(storage: &ObjectStorage, prefix: &str) -> ObjectBlobs {
    ObjectBlobs::open_with(&storage.url(prefix), storage.env()).expect("open the bucket")
}

#[test]
fn object_storage_keeps_the_blob_ports_promises() {
    let storage = ObjectStorage::start("kordon-blobs");
    let open_port = || -> Box<dyn BlobPort> { Box::new(open(&storage, "centre/a")) };
    let damage = |id: &BlobId| {
        // Overwrite the object behind the port's back: same length, one
        // byte changed.
        let port = open(&storage, "centre/a");
        let mut bytes = port
            .read_at(id, 0, port.size(id).expect("size") as usize)
            .expect("read");
        bytes[100] ^= 1;
        let path = Path::from(format!("centre/a/blobs/{id}"));
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(raw_client(&storage).put(&path, PutPayload::from(bytes)))
            .expect("overwrite");
    };
    run_all(&Backend {
        open: &open_port,
        damage: &damage,
    });

    // Another prefix in the same bucket is another store.
    let other = open(&storage, "centre/b");
    assert!(other.list().expect("list").is_empty());

    // A prefix is used as spelt: its objects are where the operator's
    // rules and backups look for them.
    let odd = open(&storage, "team~a/scans");
    let id = odd.put_reader(&mut &b"x"[..], 10).expect("put");
    let listed = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(
            raw_client(&storage)
                .list(Some(&Path::parse("team~a/scans/blobs").expect("path")))
                .try_collect::<Vec<_>>(),
        )
        .expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|m| m.location.to_string())
            .collect::<Vec<_>>(),
        vec![format!("team~a/scans/blobs/{id}")]
    );

    // A wrong key is said at open, not at the first scan.
    let mut env = storage.env();
    env.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY");
    env.push(("AWS_SECRET_ACCESS_KEY", "not-the-secret".into()));
    let refused = ObjectBlobs::open_with(&storage.url("centre/a"), env)
        .expect("a client")
        .ready()
        .expect_err("wrong key");
    assert!(
        refused.to_string().contains("s3://kordon-blobs/centre/a"),
        "{refused}"
    );
    let missing = ObjectBlobs::open_with("s3://no-such-bucket/x", storage.env())
        .expect("a client")
        .ready()
        .expect_err("no bucket");
    assert!(missing.to_string().contains("no-such-bucket"), "{missing}");
}

/// The server's case: one process verified half a scan and died (its
/// handle dropped without a word); a second process, on its own handle,
/// resumes at the first byte not acknowledged and finishes, and the
/// pieces are swept. The second writes the blob as the rest arrives,
/// reading back meanwhile the pieces the first kept.
#[test]
fn a_second_process_takes_up_an_upload_where_the_first_stopped() {
    let storage = ObjectStorage::start("kordon-resume");
    let data = bytes(9 * PIECE as usize + 777, 9);
    let id = BlobId::of(&data);
    let size = data.len() as u64;
    {
        let a = open(&storage, "");
        let mut up = a.upload(id, size, PIECE).expect("upload on A");
        assert!(up.set_tree(cvs_of(&data, PIECE)).expect("tree"));
        for (i, chunk) in data.chunks(PIECE as usize).take(5).enumerate() {
            up.note_received(chunk.len() as u64);
            up.write_piece(i as u64 * PIECE, chunk).expect("piece");
        }
        std::mem::forget(up); // killed: no drop, no goodbye
    }
    let b = open(&storage, "");
    assert_eq!(b.partial_len(&id).expect("progress"), 5 * PIECE);
    let mut up = b.upload(id, size, PIECE).expect("upload on B");
    assert!(!up.needs_tree());
    assert_eq!(up.verified(), 5 * PIECE, "resumes after the fifth piece");
    assert_eq!(up.received(), 5 * PIECE, "what arrived is still counted");
    for (i, chunk) in data.chunks(PIECE as usize).enumerate().skip(5) {
        up.write_piece(i as u64 * PIECE, chunk).expect("piece");
        assert_eq!(b.assemblies_under_way(), 1);
    }
    assert_eq!(up.finish().expect("finish"), id);
    assert_eq!(b.read_verified(&id).expect("read"), data);
    assert_eq!(b.written_from_pieces(), 0, "written as it arrived");
    assert!(
        b.pieces_read_back() >= 5,
        "the pieces A kept were read back: {}",
        b.pieces_read_back()
    );
    assert!(
        b.check().expect("check").partials.is_empty(),
        "pieces swept"
    );
}

/// A handle that sees an upload from its first byte writes the blob while
/// the pieces arrive, and `finish` completes that write rather than put
/// the blob together from its pieces. Both a blob of several parts and one
/// smaller than a part.
#[test]
fn a_blob_seen_from_its_first_byte_is_written_while_its_pieces_arrive() {
    let storage = ObjectStorage::start("kordon-assembly");
    let port = open(&storage, "");
    for (len, seed) in [(17 * PIECE as usize + 333, 3), (3 * PIECE as usize + 5, 4)] {
        let data = bytes(len, seed);
        let id = BlobId::of(&data);
        let mut up = port.upload(id, len as u64, PIECE).expect("upload");
        assert!(up.set_tree(cvs_of(&data, PIECE)).expect("tree"));
        for (i, chunk) in data.chunks(PIECE as usize).enumerate() {
            up.note_received(chunk.len() as u64);
            up.write_piece(i as u64 * PIECE, chunk).expect("piece");
        }
        assert_eq!(port.assemblies_under_way(), 1);
        assert!(!port.contains(&id).expect("contains"), "not before finish");
        assert_eq!(up.finish().expect("finish"), id);
        assert_eq!(port.read_verified(&id).expect("read"), data);
        assert_eq!(port.assemblies_under_way(), 0);
    }
    assert_eq!(port.written_from_pieces(), 0);
}

/// A process writes at most eight uploads as they arrive: a ninth at the
/// same time is put together from its pieces at the end, and all nine are
/// whole.
#[test]
fn a_ninth_upload_at_once_is_put_together_from_its_pieces() {
    let storage = ObjectStorage::start("kordon-ninth");
    let port = open(&storage, "");
    let blobs: Vec<Vec<u8>> = (0..9)
        .map(|i| bytes(2 * PIECE as usize + 9, 20 + i))
        .collect();
    let mut uploads = vec![];
    for (i, data) in blobs.iter().enumerate() {
        let mut up = port
            .upload(BlobId::of(data), data.len() as u64, PIECE)
            .expect("upload");
        assert!(up.set_tree(cvs_of(data, PIECE)).expect("tree"));
        up.write_piece(0, &data[..PIECE as usize]).expect("piece");
        assert_eq!(port.assemblies_under_way(), (i + 1).min(8));
        uploads.push(up);
    }
    for (mut up, data) in uploads.into_iter().zip(&blobs) {
        for (i, chunk) in data.chunks(PIECE as usize).enumerate().skip(1) {
            up.write_piece(i as u64 * PIECE, chunk).expect("piece");
        }
        assert_eq!(up.finish().expect("finish"), BlobId::of(data));
        assert_eq!(port.read_verified(&BlobId::of(data)).expect("read"), *data);
    }
    assert_eq!(port.written_from_pieces(), 1);
    assert_eq!(port.assemblies_under_way(), 0);
}

/// A handle dropped with every piece sent but without `finish` (the
/// connection went) leaves no blob behind: the write it started ends
/// unfinished. The next handle finishes from the pieces kept.
#[test]
fn an_upload_dropped_before_its_finish_makes_nothing_visible() {
    let storage = ObjectStorage::start("kordon-dropped");
    let port = open(&storage, "");
    let data = bytes(10 * PIECE as usize + 1, 5);
    let (id, size) = (BlobId::of(&data), data.len() as u64);
    let mut up = port.upload(id, size, PIECE).expect("upload");
    assert!(up.set_tree(cvs_of(&data, PIECE)).expect("tree"));
    for (i, chunk) in data.chunks(PIECE as usize).enumerate() {
        up.write_piece(i as u64 * PIECE, chunk).expect("piece");
    }
    assert!(up.is_complete());
    drop(up);
    kordon_test_support::wait_for(
        "the dropped upload's write to end",
        std::time::Duration::from_secs(30),
        || (port.assemblies_under_way() == 0).then_some(()),
    );
    assert!(!port.contains(&id).expect("contains"), "nothing visible");
    let again = port.upload(id, size, PIECE).expect("upload again");
    assert!(again.is_complete(), "every piece is still kept");
    assert_eq!(again.finish().expect("finish"), id);
    assert_eq!(port.read_verified(&id).expect("read"), data);
}
