//! Rotating the data key (`kordon rekey`): every file and the database
//! re-encrypted under a new key, so that a data key read before (through
//! a PIN since removed, or a copy of the key slots and a guessed PIN)
//! opens nothing written from then on, nor the data as it now is.
//!
//! Power-safe and resumable, like the first encryption. `rekey` holds
//! the new key wrapped under the old one from before anything is changed
//! until the end; `keyslots.next` holds the new key's slots (the officer
//! who rotates it, and whoever finishes a cut rotation). Each file is
//! sealed again beside itself and renamed over (a file that opens with
//! the new key is left alone); the database is exported under the new key
//! and renamed over; then `keyslots.next` is renamed over `keyslots`, and
//! `rekey` removed. Any unlock that finds `rekey` finishes the work.
//!
//! The other officers' slots are not carried over (their PINs are not
//! known here): they get new ones at their next sign-in on the unlocked
//! vehicle, or by `kordon officer add`.

use crate::at_rest::{
    files_under, io_at, owner_only_file, rewrite_in_place, slot_policy, swap_database, sync_folder,
    vault, SEALED_FOLDERS,
};
use crate::{Vehicle, VehicleError};
use kordon_vault::{DataKey, KeySlots, Seal};
use std::fs;
use std::io::Read;
use std::path::Path;

/// The marker of a rotation under way: the new key wrapped under the old.
pub(crate) const REKEY: &str = "rekey";
const NEXT_SLOTS: &str = "keyslots.next";

/// What a rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rekeyed {
    /// Files sealed again under the new key by this run.
    pub files: usize,
    /// Whether this run finished one that had been cut.
    pub resumed: bool,
}

/// Whether `path` opens with `seal` (its first chunk authenticates).
fn opens_with(seal: &Seal, path: &Path) -> bool {
    seal.open_path(path)
        .and_then(|mut f| {
            let mut b = [0u8; 1];
            f.read(&mut b)
        })
        .is_ok()
}

/// Seals `path` again from `old` to `new` (beside it, flushed, renamed
/// over, folder flushed); a file already under `new` is left alone. A
/// file that opens with neither (damaged on the disk) is moved aside into
/// `damaged/`, so that it cannot stop the rotation: it was unreadable
/// before too.
fn reseal(dir: &Path, old: &Seal, new: &Seal, path: &Path) -> Result<bool, VehicleError> {
    if opens_with(new, path) {
        return Ok(false);
    }
    if !opens_with(old, path) {
        let aside = dir
            .join("damaged")
            .join(path.strip_prefix(dir).unwrap_or(path));
        if let Some(parent) = aside.parent() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        fs::rename(path, &aside).map_err(io_at(path))?;
        tracing::warn!(file = %path.display(), "a file opens with neither key: moved aside");
        return Ok(false);
    }
    rewrite_in_place(path, new, || Ok(Box::new(old.open_path(path)?)))?;
    Ok(true)
}

/// Re-encrypts everything of `dir` from `old` to `new`, then puts the new
/// slots in place and removes the marker.
fn rotate(
    dir: &Path,
    old: &DataKey,
    new: &DataKey,
    done: &mut Rekeyed,
) -> Result<(), VehicleError> {
    let (old_seal, new_seal) = (Seal::new(old), Seal::new(new));
    let device = dir.join("device.key");
    if reseal(dir, &old_seal, &new_seal, &device)? {
        done.files += 1;
    }
    for folder in SEALED_FOLDERS {
        let mut files = vec![];
        files_under(&dir.join(folder), &mut files)?;
        for file in files {
            if reseal(dir, &old_seal, &new_seal, &file)? {
                done.files += 1;
            }
        }
    }
    let db = dir.join("vehicle.sqlite");
    if db.exists() && !kordon_store::key_opens(&db, new) {
        let sealing = dir.join("vehicle.sqlite.sealing");
        kordon_store::reseal_database(&db, old, &sealing, new)?;
        swap_database(dir)?;
    }
    if dir.join(NEXT_SLOTS).exists() {
        KeySlots::load_at(&dir.join(NEXT_SLOTS), &slot_policy())
            .and_then(|mut s| s.install(dir))
            .map_err(|e| vault(e, ""))?;
    }
    // The marker holds the only other copy of the new key: it goes only
    // once the slots in place hold that key.
    let installed = KeySlots::load(dir, &slot_policy()).map_err(|e| vault(e, ""))?;
    if installed.key_id() != new.id() {
        return Err(VehicleError::Io(
            "rotating the data key: the new key slots are not in place; run `kordon rekey` again"
                .into(),
        ));
    }
    let marker = dir.join(REKEY);
    fs::remove_file(&marker).map_err(io_at(&marker))?;
    sync_folder(dir)
}

/// Finishes a rotation that was cut, for `officer` who unlocked with the
/// old key `old` (they get a slot of the new key too). Returns the new key.
pub(crate) fn finish(
    dir: &Path,
    old: &DataKey,
    officer: &str,
    pin: &str,
) -> Result<DataKey, VehicleError> {
    let wrapped = fs::read_to_string(dir.join(REKEY)).map_err(io_at(&dir.join(REKEY)))?;
    let new = old.unwrap(&wrapped).map_err(|e| vault(e, officer))?;
    if dir.join(NEXT_SLOTS).exists() {
        let mut next = KeySlots::load_at(&dir.join(NEXT_SLOTS), &slot_policy())
            .map_err(|e| vault(e, officer))?;
        if !next.has(officer) {
            next.add(&new, officer, pin)
                .map_err(|e| vault(e, officer))?;
        }
    }
    rotate(dir, old, &new, &mut Rekeyed::default())?;
    Ok(new)
}

impl Vehicle {
    /// Rotates the data key of the encrypted folder `dir` (see the
    /// module's overview). Nothing else may have the folder open (stop the
    /// app first). Afterwards only `officer` holds a key; the others get
    /// theirs at their next sign-in on the unlocked vehicle, or by `kordon
    /// officer add`.
    pub fn rekey(dir: &Path, officer: &str, pin: &str) -> Result<Rekeyed, VehicleError> {
        let _rewriting = crate::folder_lock::FolderLock::exclusive(dir)?;
        let slots = KeySlots::load(dir, &slot_policy()).map_err(|e| vault(e, officer))?;
        let old = slots.unlock(officer, pin).map_err(|e| vault(e, officer))?;
        let mut done = Rekeyed::default();
        if dir.join(REKEY).exists() && !dir.join(NEXT_SLOTS).exists() {
            // Cut before the new slots were written (nothing was sealed
            // under the new key yet), or after they were put in place
            // (everything was): either way the marker is all that is left.
            let marker = dir.join(REKEY);
            fs::remove_file(&marker).map_err(io_at(&marker))?;
            sync_folder(dir)?;
        }
        let new = if dir.join(REKEY).exists() {
            done.resumed = true;
            let wrapped = fs::read_to_string(dir.join(REKEY)).map_err(io_at(&dir.join(REKEY)))?;
            old.unwrap(&wrapped).map_err(|e| vault(e, officer))?
        } else {
            let new = DataKey::generate();
            let marker = dir.join(REKEY);
            let tmp = dir.join(".rekey.tmp");
            (|| {
                use std::io::Write;
                let mut f = owner_only_file(&tmp)?;
                f.write_all(old.wrap(&new).as_bytes())?;
                f.sync_all()?;
                fs::rename(&tmp, &marker)
            })()
            .map_err(io_at(&marker))?;
            sync_folder(dir)?;
            // Bound as the old slots were, or not at all.
            let policy = slot_policy().keeping_binding_of(&slots);
            KeySlots::create_at(&dir.join(NEXT_SLOTS), &new, officer, pin, &policy)
                .map_err(|e| vault(e, officer))?;
            new
        };
        rotate(dir, &old, &new, &mut done)?;
        // The old slots' keyring entry opens nothing any more.
        slots.forget_binding();
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_rotation_the_old_key_opens_nothing_and_the_data_is_whole() {
        std::env::set_var("KORDON_TEST_WEAK_KDF", "1");
        let dir = tempfile::tempdir().expect("dir");
        Vehicle::encrypt(dir.path(), "OF-1", "4711").expect("encrypt");
        let mut v = Vehicle::unlock(dir.path(), "OF-1", "4711").expect("unlock");
        v.add_officer("OF-2", "2222").expect("add");
        let blob = v
            .blob_store()
            .expect("blobs")
            .put_bytes(b"AA 4711 BB")
            .expect("put");
        v.store().set_meta("note", "Cyrillic: ВН").expect("meta");
        let public = v.public_key();
        drop(v);
        let old_slots = fs::read(dir.path().join("keyslots")).expect("old slots");
        let old = KeySlots::load(dir.path(), &slot_policy())
            .and_then(|s| s.unlock("OF-2", "2222"))
            .expect("old key");

        let done = Vehicle::rekey(dir.path(), "OF-1", "4711").expect("rekey");
        assert!(done.files >= 2, "{done:?}");
        assert!(!dir.path().join(REKEY).exists());
        let v = Vehicle::unlock(dir.path(), "OF-1", "4711").expect("unlock after");
        assert_eq!(v.public_key(), public);
        assert_eq!(
            v.blob_store()
                .expect("blobs")
                .read_verified(&blob)
                .expect("blob"),
            b"AA 4711 BB"
        );
        assert_eq!(
            v.store().get_meta("note").expect("meta").as_deref(),
            Some("Cyrillic: ВН")
        );
        drop(v);
        // OF-2's slot is not carried over; the old key (or the old slots
        // file with a known PIN) opens nothing of the data as it is now.
        assert_eq!(
            Vehicle::unlock(dir.path(), "OF-2", "2222")
                .expect_err("no slot")
                .code(),
            "no_key"
        );
        let path = dir.path().join("blobs");
        let mut files = vec![];
        files_under(&path, &mut files).expect("list");
        for f in files.iter().filter(|f| !f.starts_with(path.join("tmp"))) {
            assert!(
                !opens_with(&Seal::new(&old), f),
                "{} opens with the old key",
                f.display()
            );
        }
        assert!(!kordon_store::key_opens(
            &dir.path().join("vehicle.sqlite"),
            &old
        ));
        fs::write(dir.path().join("keyslots"), old_slots).expect("put old slots back");
        assert!(Vehicle::unlock(dir.path(), "OF-2", "2222").is_err());
    }

    #[test]
    fn a_cut_rotation_is_finished_by_the_next_unlock() {
        std::env::set_var("KORDON_TEST_WEAK_KDF", "1");
        let dir = tempfile::tempdir().expect("dir");
        Vehicle::encrypt(dir.path(), "OF-1", "4711").expect("encrypt");
        let v = Vehicle::unlock(dir.path(), "OF-1", "4711").expect("unlock");
        let blob = v
            .blob_store()
            .expect("blobs")
            .put_bytes(b"scan")
            .expect("put");
        drop(v);
        // The state right after the marker and the new slots were written,
        // before any file was sealed again: what a cut there leaves.
        let old = KeySlots::load(dir.path(), &slot_policy())
            .and_then(|s| s.unlock("OF-1", "4711"))
            .expect("old key");
        let new = DataKey::generate();
        fs::write(dir.path().join(REKEY), old.wrap(&new)).expect("marker");
        KeySlots::create_at(
            &dir.path().join(NEXT_SLOTS),
            &new,
            "OF-1",
            "4711",
            &slot_policy(),
        )
        .expect("next");
        let v = Vehicle::unlock(dir.path(), "OF-1", "4711").expect("unlock finishes it");
        assert!(!dir.path().join(REKEY).exists());
        assert!(!dir.path().join(NEXT_SLOTS).exists());
        assert_eq!(
            v.blob_store()
                .expect("blobs")
                .read_verified(&blob)
                .expect("blob"),
            b"scan"
        );
        assert!(kordon_store::key_opens(
            &dir.path().join("vehicle.sqlite"),
            &new
        ));
    }
}
