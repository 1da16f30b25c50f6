//! The blob folder passes the blob port's conformance suite.

use kordon_blob::conformance::{run_all, Backend};
use kordon_blob::{BlobId, BlobPort, BlobStore};
use std::os::unix::fs::PermissionsExt;

#[test]
fn the_folder_keeps_the_blob_ports_promises() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().to_path_buf();
    let open = || -> Box<dyn BlobPort> { Box::new(BlobStore::open(&root).expect("open")) };
    let damage = |id: &BlobId| {
        let store = BlobStore::open(&root).expect("open");
        let path = store.path(id);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("perms");
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[100] ^= 1;
        std::fs::write(&path, bytes).expect("write");
    };
    run_all(&Backend {
        open: &open,
        damage: &damage,
    });
}
