//! The cut model on a real folder, without FUSE: the test makes the calls
//! the layer makes (before each write, truncation and namespace change)
//! and checks what each kind of cut leaves.

use kordon_powercut::volatile::PAGE;
use kordon_powercut::{CutMode, Volatile};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let rel = path.strip_prefix(base).expect("under base").to_path_buf();
            if path.is_dir() {
                out.insert(PathBuf::from(format!("{}/", rel.display())), vec![]);
                walk(base, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

struct Folder {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    volatile: Volatile,
}

impl Folder {
    fn new() -> Folder {
        let tmp = tempfile::tempdir().expect("tempdir");
        let data = tmp.path().join("data");
        let graveyard = tmp.path().join("graveyard");
        std::fs::create_dir(&data).expect("data");
        std::fs::create_dir(&graveyard).expect("graveyard");
        Folder {
            _tmp: tmp,
            data,
            volatile: Volatile::new(graveyard),
        }
    }

    fn create(&mut self, name: &str) -> File {
        let path = self.data.join(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .expect("create");
        self.volatile.created(&path);
        file
    }

    fn open(&self, name: &str) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(self.data.join(name))
            .expect("open")
    }

    fn write(&mut self, file: &File, offset: u64, bytes: &[u8]) {
        let ino = file.metadata().expect("meta").ino();
        self.volatile
            .before_write(ino, file, offset, bytes.len() as u64)
            .expect("before write");
        file.write_all_at(bytes, offset).expect("write");
    }

    fn set_len(&mut self, file: &File, len: u64) {
        let ino = file.metadata().expect("meta").ino();
        self.volatile
            .before_set_len(ino, file, len)
            .expect("before set_len");
        file.set_len(len).expect("set_len");
    }

    fn fsync(&mut self, file: &File) {
        self.volatile
            .file_synced(file.metadata().expect("meta").ino());
    }

    fn cut(self, mode: CutMode, seed: u64) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut rng = StdRng::seed_from_u64(seed);
        self.volatile.cut(&self.data, mode, &mut rng).expect("cut");
        tree(&self.data)
    }
}

fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add((i * 7 % 251) as u8))
        .collect()
}

/// A durable state, then a mix of everything that may be lost: writes
/// across pages, an extension, a truncation, a rename over a file, an
/// unlink, a new folder and file. Returns (durable tree, latest tree).
fn scenario(f: &mut Folder) -> (BTreeMap<PathBuf, Vec<u8>>, BTreeMap<PathBuf, Vec<u8>>) {
    let a = f.create("a");
    f.write(&a, 0, &pattern(1, 3 * PAGE as usize + 100));
    f.fsync(&a);
    let b = f.create("b");
    f.write(&b, 0, &pattern(2, 5000));
    f.fsync(&b);
    let c = f.create("c");
    f.write(&c, 0, &pattern(3, 2 * PAGE as usize));
    f.fsync(&c);
    f.volatile.dir_synced();
    let durable = tree(&f.data);

    let a = f.open("a");
    f.write(&a, 100, &pattern(9, PAGE as usize)); // spans pages 0 and 1
    f.write(&a, 3 * PAGE, &pattern(8, 2 * PAGE as usize)); // extends
    let b = f.open("b");
    f.set_len(&b, 10); // truncates
    f.write(&b, 8000, b"after the hole");
    let c_path = f.data.join("c");
    let tmp = f.create("c.tmp");
    f.write(&tmp, 0, b"replacement");
    f.fsync(&tmp);
    f.volatile
        .rename(&f.data.join("c.tmp"), &c_path)
        .expect("rename");
    let removed = f.volatile.remove(&f.data.join("a")).expect("unlink a");
    // A write to a file after it was unlinked (still open).
    f.write(&a, 0, b"to the unlinked file");
    assert!(removed.exists());
    std::fs::create_dir(f.data.join("dir")).expect("mkdir");
    f.volatile.made_dir(&f.data.join("dir"));
    let d = f.create("dir/d");
    f.write(&d, 0, b"new");
    drop((a, b, c, d));
    let latest = tree(&f.data);
    assert_ne!(durable, latest);
    (durable, latest)
}

#[test]
fn losing_everything_leaves_the_last_durable_state() {
    let mut f = Folder::new();
    let (durable, _) = scenario(&mut f);
    assert_eq!(f.cut(CutMode::LoseAll, 1), durable);
}

#[test]
fn keeping_everything_leaves_the_latest_state() {
    let mut f = Folder::new();
    let (_, latest) = scenario(&mut f);
    assert_eq!(f.cut(CutMode::KeepAll, 1), latest);
}

#[test]
fn a_synced_file_and_folder_survive_every_cut() {
    for seed in 0..50 {
        let mut f = Folder::new();
        let file = f.create("kept");
        f.write(&file, 0, &pattern(4, 9000));
        f.fsync(&file);
        f.volatile.dir_synced();
        let other = f.create("volatile");
        f.write(&other, 0, b"maybe");
        let after = f.cut(CutMode::Random, seed);
        assert_eq!(after[Path::new("kept")], pattern(4, 9000), "seed {seed}");
    }
}

#[test]
fn a_random_cut_leaves_each_sector_old_or_new() {
    let len = 6 * PAGE as usize;
    let old = pattern(5, len);
    let new = pattern(6, len);
    let mut torn_seen = false;
    for seed in 0..200 {
        let mut f = Folder::new();
        let file = f.create("f");
        f.write(&file, 0, &old);
        f.fsync(&file);
        f.volatile.dir_synced();
        f.write(&file, 0, &new);
        let after = f.cut(CutMode::Random, seed);
        let got = &after[Path::new("f")];
        assert_eq!(got.len(), len, "seed {seed}");
        for (i, sector) in got.chunks(512).enumerate() {
            let range = i * 512..(i + 1) * 512;
            assert!(
                sector == &old[range.clone()] || sector == &new[range.clone()],
                "seed {seed}: sector {i} is neither the old nor the new content"
            );
        }
        for page in got.chunks(PAGE as usize) {
            let start = page.as_ptr() as usize - got.as_ptr() as usize;
            let end = start + page.len();
            if page != &old[start..end] && page != &new[start..end] {
                torn_seen = true;
            }
        }
    }
    assert!(torn_seen, "no torn page in 200 random cuts");
}
