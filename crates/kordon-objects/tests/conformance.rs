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
/// pieces are swept.
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
    }
    assert_eq!(up.finish().expect("finish"), id);
    assert_eq!(b.read_verified(&id).expect("read"), data);
    assert!(
        b.check().expect("check").partials.is_empty(),
        "pieces swept"
    );
}
