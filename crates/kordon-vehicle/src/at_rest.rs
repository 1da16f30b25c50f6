//! The data folder encrypted at rest: unlocking it with an officer's PIN,
//! encrypting a plain folder in place, and the officers' key slots.
//!
//! An encrypted folder has `keyslots` (see [`kordon_vault::KeySlots`]):
//! `vehicle.sqlite` is SQLCipher under the data key; `device.key`, every
//! file under `blobs/` and `tiles/`, and the ANPR spool's pushes are
//! sealed files ([`kordon_vault::Seal`]). Nothing opens without an
//! officer's PIN.
//!
//! Encrypting a plain folder ([`Vehicle::encrypt`]) is power-safe and
//! resumable. A marker file `encrypting` exists from before the key slots
//! are written until every file is sealed. Each file is sealed into a
//! temporary file, flushed, and renamed over the plain one (then the
//! folder flushed), so a cut leaves it plain or sealed, never half. The
//! database is exported (`sqlcipher_export`) into `vehicle.sqlite.sealing`,
//! flushed and renamed over the plain one. Any opening with a PIN that
//! finds the marker finishes the work.

use crate::folder_lock::FolderLock;
use crate::{Vehicle, VehicleError};
use kordon_record::DeviceKey;
use kordon_store::Store;
use kordon_vault::{DataKey, KdfCost, KeySlots, Seal, SlotPolicy, VaultError};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// The marker of an encryption under way.
const ENCRYPTING: &str = "encrypting";
/// Wrong PINs in a row at unlocking, and when the last was (plain: it names
/// nobody and holds no data).
const UNLOCK_FAILURES: &str = "unlock-failures";
/// Folders whose files are sealed.
pub(crate) const SEALED_FOLDERS: [&str; 3] = ["blobs", "tiles", "anpr-spool"];
/// Officers with a key slot, in the (encrypted) store: `slot:<officer>`.
fn slot_meta(officer: &str) -> String {
    format!("slot:{officer}")
}

/// Left by a remote wipe (plain: it says when, why, and how much was
/// still unsent, never what).
const WIPED: &str = "wiped";

/// The wipe's note, as left in the data folder.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct WipeNote {
    wiped_ms: i64,
    reason: String,
    unsent_records: u64,
    unsent_scan_bytes: u64,
}

/// Refuses a folder the centre had wiped.
pub(crate) fn refuse_wiped(dir: &Path) -> Result<(), VehicleError> {
    match fs::read(dir.join(WIPED)) {
        Ok(bytes) => {
            let reason = serde_json::from_slice::<WipeNote>(&bytes)
                .map(|n| n.reason)
                .unwrap_or_default();
            Err(VehicleError::Wiped { reason })
        }
        // A sealed device key without key slots: the slots were destroyed
        // (the note could not be written, e.g. on a full disk).
        Err(_)
            if !KeySlots::exist(dir)
                && kordon_vault::is_sealed_file(&dir.join("device.key")).unwrap_or(false) =>
        {
            Err(VehicleError::Wiped {
                reason: String::new(),
            })
        }
        Err(_) => Ok(()),
    }
}

/// What [`Vehicle::encrypt`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encrypted {
    /// Files sealed by this run (a resumed run counts only its own).
    pub files: usize,
    /// Whether the database was encrypted by this run.
    pub database: bool,
    /// Whether this run resumed one that had been cut.
    pub resumed: bool,
    /// Whether the folder was encrypted already (the PIN was checked;
    /// nothing else done).
    pub already: bool,
}

pub(crate) fn vault(e: VaultError, officer: &str) -> VehicleError {
    match e {
        VaultError::WrongPin => VehicleError::WrongPin {
            officer: officer.to_string(),
        },
        VaultError::NoSlot => VehicleError::NoKey {
            officer: officer.to_string(),
        },
        VaultError::LastSlot => VehicleError::LastKey,
        VaultError::NoMachine(_) | VaultError::OtherMachine(_) => {
            VehicleError::OtherMachine(e.to_string())
        }
        VaultError::Exists => VehicleError::Invalid(e.to_string()),
        VaultError::Damaged(_) | VaultError::Io(_) => VehicleError::Io(e.to_string()),
    }
}

pub(crate) fn io_at(path: &Path) -> impl Fn(io::Error) -> VehicleError + '_ {
    move |e| crate::error::io_failure(&format!("encrypting {}", path.display()), &e)
}

pub(crate) fn sync_folder(dir: &Path) -> Result<(), VehicleError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))
}

/// How key slots are made: Argon2id's cost, and the TPM they are bound
/// to (`KORDON_TPM`, see [`kordon_vault::Machine::from_env`]).
/// `KORDON_TEST_WEAK_KDF=1` makes them cheap, for tests that unlock
/// hundreds of times; it is named in no document for operators, and a
/// slot keeps the cost it was made with.
pub(crate) fn slot_policy() -> SlotPolicy {
    // This crate's own tests never bind to the developer's TPM or keyring.
    let mut policy = if cfg!(test) {
        SlotPolicy::fast_for_tests()
    } else {
        SlotPolicy::from_env()
    };
    if std::env::var("KORDON_TEST_WEAK_KDF").as_deref() == Ok("1") {
        policy.cost = KdfCost::FAST_FOR_TESTS;
    }
    policy
}

/// Seals the plain file at `path` in place. A sealed file is left alone.
fn seal_in_place(seal: &Seal, path: &Path) -> Result<bool, VehicleError> {
    if kordon_vault::is_sealed_file(path).map_err(io_at(path))? {
        return Ok(false);
    }
    rewrite_in_place(path, seal, || Ok(Box::new(File::open(path)?)))?;
    Ok(true)
}

/// Writes what `from` yields, sealed by `seal`, over the file at `path`:
/// a copy beside it (`.NAME.sealing`), flushed, renamed over it, the
/// folder flushed. A cut leaves the old file or the new, never half.
pub(crate) fn rewrite_in_place(
    path: &Path,
    seal: &Seal,
    from: impl FnOnce() -> io::Result<Box<dyn io::Read>>,
) -> Result<(), VehicleError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = folder.join(format!(".{name}.sealing"));
    let written = (|| {
        let mut from = from()?;
        let mut to = seal.writer(owner_only_file(&tmp)?)?;
        io::copy(&mut from, &mut to)?;
        to.finish()?.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(folder)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_at(path)(e));
    }
    Ok(())
}

/// Puts the database written at `vehicle.sqlite.sealing` in place of
/// `vehicle.sqlite` (the old one's WAL files removed first: they belong
/// to it), then flushes the folder.
pub(crate) fn swap_database(dir: &Path) -> Result<(), VehicleError> {
    for side in ["vehicle.sqlite-wal", "vehicle.sqlite-shm"] {
        match fs::remove_file(dir.join(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_at(&dir.join(side))(e)),
        }
    }
    let db = dir.join("vehicle.sqlite");
    fs::rename(dir.join("vehicle.sqlite.sealing"), &db).map_err(io_at(&db))?;
    sync_folder(dir)
}

pub(crate) fn owner_only_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Every file under `dir`, depth first. Temporary files are removed, not
/// listed: of an interrupted sealing (`.NAME.sealing`), of a pyramid
/// being written (`.pyramid-*.partial`), a blob being stored (in
/// `blobs/tmp/`) or a push being received (in `anpr-spool/incoming/`): none
/// was complete, and a torn one would stop the work.
pub(crate) fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), VehicleError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io_at(&path))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() {
            files_under(&path, out)?;
        } else if name.ends_with(".sealing")
            || name.ends_with(".partial")
            || dir.ends_with("blobs/tmp")
            || dir.ends_with("anpr-spool/incoming")
        {
            fs::remove_file(&path).map_err(io_at(&path))?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the sealed device key, or creates one, sealed.
fn device_key(dir: &Path, seal: &Seal) -> Result<DeviceKey, VehicleError> {
    let path = dir.join("device.key");
    let broken = |detail: String| {
        VehicleError::Io(format!(
            "the device key {} does not open: {detail}",
            path.display()
        ))
    };
    match seal.read_secret(&path) {
        Ok(bytes) => {
            let seed: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| broken(format!("{} bytes", bytes.len())))?;
            Ok(DeviceKey::from_seed(&zeroize::Zeroizing::new(seed)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = DeviceKey::generate();
            seal.write_atomic(&path, &*key.seed())
                .map_err(io_at(&path))?;
            Ok(key)
        }
        Err(e) => Err(broken(e.to_string())),
    }
}

impl Vehicle {
    /// Whether the data folder `dir` is encrypted (has key slots).
    pub fn is_encrypted(dir: &Path) -> bool {
        KeySlots::exist(dir)
    }

    /// Opens an encrypted data folder with `officer`'s PIN; finishes an
    /// encryption that was cut. Wrong PINs in a row are spaced out as at
    /// sign-in.
    pub fn unlock(dir: &Path, officer: &str, pin: &str) -> Result<Self, VehicleError> {
        refuse_wiped(dir)?;
        let id = kordon_model::OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        let officer = id.as_str();
        let slots = KeySlots::load(dir, &slot_policy()).map_err(|e| vault(e, officer))?;
        let now = crate::now_ms();
        check_throttle(dir, officer, now)?;
        let key = match slots.unlock(officer, pin) {
            Ok(key) => key,
            Err(VaultError::WrongPin) => {
                note_failure(dir, now);
                return Err(vault(VaultError::WrongPin, officer));
            }
            Err(e) => return Err(vault(e, officer)),
        };
        let _ = fs::remove_file(dir.join(UNLOCK_FAILURES));
        // Work that was cut is finished with the folder to itself.
        let rewriting = if dir.join(ENCRYPTING).exists() || dir.join(crate::rekey::REKEY).exists() {
            Some(FolderLock::exclusive(dir)?)
        } else {
            None
        };
        if dir.join(ENCRYPTING).exists() {
            seal_folder(dir, &key, &mut Encrypted::default())?;
        }
        // A rotation of the data key that was cut: finished now.
        let (slots, key) = if dir.join(crate::rekey::REKEY).exists() {
            let key = if dir.join("keyslots.next").exists() {
                crate::rekey::finish(dir, &key, officer, pin)?
            } else {
                // The new slots were in place already: only the marker is left.
                fs::remove_file(dir.join(crate::rekey::REKEY))
                    .map_err(io_at(&dir.join(crate::rekey::REKEY)))?;
                key
            };
            let slots = KeySlots::load(dir, &slot_policy()).map_err(|e| vault(e, officer))?;
            (slots, key)
        } else {
            (slots, key)
        };
        drop(rewriting);
        let mut v = Self::open_sealed(dir, &key)?;
        v.slots = Some((slots, key));
        v.store.set_meta(&slot_meta(officer), "1")?;
        Ok(v)
    }

    fn open_sealed(dir: &Path, key: &DataKey) -> Result<Self, VehicleError> {
        let lock = FolderLock::shared(dir)?;
        let seal = Seal::new(key);
        let device = device_key(dir, &seal)?;
        let store = Store::open_sealed(&dir.join("vehicle.sqlite"), device.public(), key)?;
        Self::assemble(dir, device, store, seal, lock)
    }

    /// Encrypts the data folder `dir` in place (or makes a new one
    /// encrypted), with `officer`'s key slot first. Power-safe: a cut at
    /// any instant loses nothing, and running it again (or unlocking)
    /// finishes it.
    pub fn encrypt(dir: &Path, officer: &str, pin: &str) -> Result<Encrypted, VehicleError> {
        let id = kordon_model::OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        let officer = id.as_str();
        crate::officers::check_pin_shape(pin)?;
        refuse_wiped(dir)?;
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        let marker = dir.join(ENCRYPTING);
        let mut done = Encrypted::default();
        let rewriting;
        if !KeySlots::exist(dir) && dir.join("vehicle.sqlite").exists() {
            // Today's officers keep their PINs: the first key slot is made
            // only with the PIN this vehicle knows for that officer.
            Self::open(dir)?.sign_in_with_pin(officer, pin, crate::now_ms())?;
        }
        let key = if KeySlots::exist(dir) {
            if !marker.exists() {
                Self::unlock(dir, officer, pin)?;
                done.already = true;
                return Ok(done);
            }
            done.resumed = true;
            rewriting = FolderLock::exclusive(dir)?;
            KeySlots::load(dir, &slot_policy())
                .and_then(|s| s.unlock(officer, pin))
                .map_err(|e| vault(e, officer))?
        } else {
            rewriting = FolderLock::exclusive(dir)?;
            owner_only_file(&marker)
                .and_then(|f| f.sync_all())
                .map_err(io_at(&marker))?;
            sync_folder(dir)?;
            KeySlots::create(dir, officer, pin, &slot_policy())
                .map_err(|e| vault(e, officer))?
                .1
        };
        seal_folder(dir, &key, &mut done)?;
        drop(rewriting);
        let v = Self::open_sealed(dir, &key)?;
        v.store.set_meta(&slot_meta(officer), "1")?;
        Ok(done)
    }

    /// The key slots as they are on disk now (another program, or the CLI
    /// beside the app, may have changed them).
    fn reload_slots(&mut self) -> Result<(), VehicleError> {
        if let Some((slots, _)) = self.slots.as_mut() {
            *slots = KeySlots::load(&self.dir, &slot_policy()).map_err(|e| vault(e, ""))?;
        }
        Ok(())
    }

    /// Gives `officer` a key slot with `pin`. Needs the folder unlocked.
    /// An officer who holds a key already is refused: nobody sets another
    /// officer's PIN (and so signs as them).
    pub fn add_officer(&mut self, officer: &str, pin: &str) -> Result<(), VehicleError> {
        let id = kordon_model::OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        crate::officers::check_pin_shape(pin)?;
        self.reload_slots()?;
        let (slots, key) = self.slots.as_mut().ok_or(VehicleError::Locked)?;
        if slots.has(id.as_str()) {
            return Err(VehicleError::Invalid(format!(
                "officer {id} holds a key already; only they can change their PIN"
            )));
        }
        slots
            .add(key, id.as_str(), pin)
            .map_err(|e| vault(e, officer))?;
        self.store.set_meta(&slot_meta(id.as_str()), "1")?;
        // The PIN that opens the data is the one sign-in checks.
        self.set_pin(&id, pin)?;
        Ok(())
    }

    /// Removes `officer`'s key slot: their PIN opens nothing from now on.
    /// The last slot stays.
    pub fn remove_officer(&mut self, officer: &str) -> Result<(), VehicleError> {
        let id = kordon_model::OfficerId::new(officer).map_err(VehicleError::Invalid)?;
        let officer = id.as_str();
        self.reload_slots()?;
        let (slots, _) = self.slots.as_mut().ok_or(VehicleError::Locked)?;
        if slots.has(officer) {
            slots.remove(officer).map_err(|e| vault(e, officer))?;
        } else if !self.has_pin(&id)? {
            return Err(VehicleError::NoKey {
                officer: officer.to_string(),
            });
        }
        // Without a slot, the PIN this vehicle kept from before it was
        // encrypted would give them one at their next sign-in: it goes too.
        self.store.delete_meta(&slot_meta(officer))?;
        self.forget_pin(officer)?;
        if self.officer()?.is_some_and(|o| o.as_str() == officer) {
            self.sign_out()?;
        }
        Ok(())
    }

    /// Officers known to hold a key slot here (those added or unlocked on
    /// this vehicle since it was encrypted), and how many slots there are.
    pub fn key_holders(&self) -> Result<(Vec<String>, usize), VehicleError> {
        let (slots, _) = self.slots.as_ref().ok_or(VehicleError::Locked)?;
        let names = self
            .store
            .meta_with_prefix("slot:")?
            .into_iter()
            .filter_map(|(k, _)| k.strip_prefix("slot:").map(str::to_string))
            .filter(|o| slots.has(o))
            .collect();
        Ok((names, slots.len()))
    }

    /// What the key slots are bound to on this machine: `tpm2` or
    /// `keyring` (`None`: not bound, or the data is not encrypted or not
    /// unlocked).
    pub fn machine_binding(&self) -> Option<String> {
        self.slots
            .as_ref()
            .and_then(|(s, _)| s.bound_to().map(str::to_string))
    }

    /// Whether the centre had this vehicle's data destroyed.
    pub fn is_wiped(&self) -> bool {
        self.dir.join(WIPED).exists()
    }

    /// Destroys this vehicle's data as the centre ordered: notes what was
    /// unsent (counts) and why, then erases every key slot (the data no
    /// longer decrypts, with any PIN); a folder that was never encrypted
    /// has its files removed instead.
    pub(crate) fn erase(&mut self, reason: &str) -> Result<(), VehicleError> {
        let status = self.status().ok();
        let note = WipeNote {
            wiped_ms: crate::now_ms(),
            reason: reason.to_string(),
            unsent_records: status.as_ref().map_or(0, |s| s.pending),
            unsent_scan_bytes: status.as_ref().map_or(0, |s| s.blobs.bytes_pending),
        };
        // The keys first: a full disk must not keep them (the note after
        // is only what the crew is told).
        if KeySlots::exist(&self.dir) {
            KeySlots::destroy(&self.dir, &slot_policy()).map_err(|e| vault(e, ""))?;
        } else {
            for name in [
                "device.key",
                "vehicle.sqlite-wal",
                "vehicle.sqlite-shm",
                "vehicle.sqlite",
            ] {
                let _ = fs::remove_file(self.dir.join(name));
            }
            for folder in SEALED_FOLDERS {
                let _ = fs::remove_dir_all(self.dir.join(folder));
            }
        }
        let _ = fs::remove_file(self.dir.join(UNLOCK_FAILURES));
        // The key in memory goes with it (zeroized on drop).
        self.slots = None;
        let path = self.dir.join(WIPED);
        if let Err(e) = serde_json::to_vec_pretty(&note)
            .map_err(io::Error::other)
            .and_then(|text| Seal::plain().write_atomic(&path, &text))
        {
            tracing::warn!(error = %e, "the wipe's note could not be written");
        }
        tracing::warn!(
            records = note.unsent_records,
            scan_bytes = note.unsent_scan_bytes,
            "the centre ordered this vehicle's data destroyed: keys erased"
        );
        Ok(())
    }

    /// Whether this vehicle's data is encrypted (and so was unlocked).
    pub fn is_unlocked(&self) -> bool {
        self.slots.is_some()
    }

    /// Another handle on the same data folder (its own store connection),
    /// for work beside this one (background sync, the watch folder).
    pub fn reopen(&self) -> Result<Self, VehicleError> {
        match &self.slots {
            Some((_, key)) => Self::open_sealed(&self.dir, key),
            None => Self::open(&self.dir),
        }
    }

    /// Checks `officer`'s PIN against their key slot, spacing out wrong
    /// ones. An officer without a slot gets one only if this vehicle knew
    /// their PIN from before it was encrypted (and this is it); anyone else
    /// is added by an officer who holds a key (`add_officer`).
    pub(crate) fn check_key_slot(
        &mut self,
        officer: &kordon_model::OfficerId,
        pin: &str,
        now_ms: i64,
    ) -> Result<crate::SignIn, VehicleError> {
        self.reload_slots()?;
        let (slots, _) = self.slots.as_ref().ok_or(VehicleError::Locked)?;
        if !slots.has(officer.as_str()) {
            check_throttle(&self.dir, officer.as_str(), now_ms)?;
            if !self.legacy_pin_matches(officer, pin)? {
                note_failure(&self.dir, now_ms);
                return Err(VehicleError::NoKey {
                    officer: officer.to_string(),
                });
            }
            self.add_officer(officer.as_str(), pin)?;
            return Ok(crate::SignIn::Verified);
        }
        check_throttle(&self.dir, officer.as_str(), now_ms)?;
        match slots.unlock(officer.as_str(), pin) {
            Ok(_) => {
                let _ = fs::remove_file(self.dir.join(UNLOCK_FAILURES));
                Ok(crate::SignIn::Verified)
            }
            Err(VaultError::WrongPin) => {
                note_failure(&self.dir, now_ms);
                Err(vault(VaultError::WrongPin, officer.as_str()))
            }
            Err(e) => Err(vault(e, officer.as_str())),
        }
    }

    /// How this vehicle's files are kept (sealed when encrypted).
    pub fn seal(&self) -> &Seal {
        &self.seal
    }
}

/// Seals everything of `dir` that is still plain, then removes the marker.
fn seal_folder(dir: &Path, key: &DataKey, done: &mut Encrypted) -> Result<(), VehicleError> {
    let seal = Seal::new(key);
    // The device key first: without it nothing else matters.
    let device = dir.join("device.key");
    if device.is_file() && seal_in_place(&seal, &device)? {
        done.files += 1;
    }
    for folder in SEALED_FOLDERS {
        let mut files = vec![];
        files_under(&dir.join(folder), &mut files)?;
        for file in files {
            if seal_in_place(&seal, &file)? {
                done.files += 1;
            }
        }
    }
    let db = dir.join("vehicle.sqlite");
    let sealing = dir.join("vehicle.sqlite.sealing");
    if kordon_store::is_plain_database(&db) {
        kordon_store::seal_database(&db, &sealing, key)?;
        swap_database(dir)?;
        done.database = true;
    } else if sealing.exists() {
        fs::remove_file(&sealing).map_err(io_at(&sealing))?;
    }
    let marker = dir.join(ENCRYPTING);
    if marker.exists() {
        fs::remove_file(&marker).map_err(io_at(&marker))?;
        sync_folder(dir)?;
    }
    Ok(())
}

fn failures(dir: &Path) -> (u32, i64) {
    crate::officers::parse_failures(
        &fs::read_to_string(dir.join(UNLOCK_FAILURES)).unwrap_or_default(),
    )
}

/// Wrong PINs at unlocking are counted for the vehicle, whoever typed
/// them (a thief tries many officer ids).
fn check_throttle(dir: &Path, _officer: &str, now_ms: i64) -> Result<(), VehicleError> {
    crate::officers::check_wait("", failures(dir), now_ms)
}

fn note_failure(dir: &Path, now_ms: i64) {
    let (n, _) = failures(dir);
    let _ = fs::write(
        dir.join(UNLOCK_FAILURES),
        format!("{} {now_ms}", n.saturating_add(1)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() {
        std::env::set_var("KORDON_TEST_WEAK_KDF", "1");
    }

    #[test]
    fn a_new_folder_is_created_encrypted_and_opens_with_the_pin_only() {
        fast();
        let dir = tempfile::tempdir().expect("dir");
        Vehicle::encrypt(dir.path(), "OF-1", "4711").expect("encrypt");
        assert!(Vehicle::is_encrypted(dir.path()));
        assert_eq!(
            Vehicle::open(dir.path()).expect_err("locked").code(),
            "locked"
        );
        assert_eq!(
            Vehicle::unlock(dir.path(), "OF-1", "1111")
                .expect_err("wrong")
                .code(),
            "wrong_pin"
        );
        let mut v = Vehicle::unlock(dir.path(), "OF-1", "4711").expect("unlock");
        let public = v.public_key();
        v.add_officer("OF-2", "2222").expect("add");
        drop(v);
        let mut v = Vehicle::unlock(dir.path(), "OF-2", "2222").expect("OF-2");
        assert_eq!(v.public_key(), public, "the same device key");
        v.remove_officer("OF-2").expect("remove");
        assert_eq!(
            v.remove_officer("OF-1").expect_err("last").code(),
            "last_key"
        );
        drop(v);
        assert_eq!(
            Vehicle::unlock(dir.path(), "OF-2", "2222")
                .expect_err("removed")
                .code(),
            "no_key"
        );
    }
}
