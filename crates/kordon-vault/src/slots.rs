//! Key slots: the data key wrapped once per officer, as LUKS does.
//!
//! The file `keyslots` beside the data holds, per officer, the data key
//! encrypted (XChaCha20-Poly1305) under a key derived from the officer's
//! PIN or passphrase with Argon2id, and, where the machine has a TPM, a
//! secret sealed in it ([`crate::Machine`]): then the slots open on this
//! machine only. A slot is found by a hash of the
//! officer's id under the file's salt, so the file names nobody. A wrong
//! PIN fails the slot's authentication and yields nothing. The file is
//! written power-safe (temporary file, flush, rename, flush the folder).

use crate::machine::{self, Binding, Machine};
use crate::Locked;
use crate::{DataKey, VaultError};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The file's name in a data folder.
pub const SLOTS_FILE: &str = "keyslots";
/// The format the file declares.
pub const SLOTS_FORMAT: &str = "kordon-keyslots/1";
/// The largest slots file read (a few hundred officers).
const MAX_FILE: u64 = 1 << 20;

/// Argon2id's cost. The default, 256 MiB and 3 passes, takes about 0.6 s
/// on a two-core machine: a crew member waits that once per unlock, while
/// each guess at a stolen disk's PIN costs the same, and the memory makes
/// guessing on graphics cards costly (`kordon-bench at-rest` measures the
/// choices; `docs/security.md` says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfCost {
    pub const DEFAULT: KdfCost = KdfCost {
        m_kib: 256 * 1024,
        t: 3,
        p: 1,
    };
    /// For tests of other things than the cost itself.
    pub const FAST_FOR_TESTS: KdfCost = KdfCost {
        m_kib: 1024,
        t: 1,
        p: 1,
    };

    fn argon2(&self) -> Result<Argon2<'static>, VaultError> {
        // A file may ask for anything: hold it to what a vehicle can pay.
        if self.m_kib > 1 << 20 || self.t > 16 || self.p > 8 {
            return Err(VaultError::Damaged(format!(
                "a key slot asks for an Argon2id cost of {} KiB × {} passes",
                self.m_kib, self.t
            )));
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| VaultError::Damaged(format!("Argon2id parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slot {
    /// Hash of the officer's id under the file's salt.
    id: String,
    kdf: KdfCost,
    salt: String,
    nonce: String,
    /// The data key, encrypted, with its tag.
    wrapped: String,
}

/// How new key slots are made, and where the machine secret of a binding
/// is looked for (the machine's TPM, else its desktop keyring).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPolicy {
    /// Argon2id's cost for new slots (a slot keeps the cost it was made
    /// with).
    pub cost: KdfCost,
    /// The TPM new slots are bound to, and that unseals the binding of
    /// existing ones.
    pub machine: Machine,
}

impl SlotPolicy {
    /// The default cost, bound to the machine's TPM as `KORDON_TPM` says.
    pub fn from_env() -> SlotPolicy {
        SlotPolicy {
            cost: KdfCost::DEFAULT,
            machine: Machine::from_env(),
        }
    }

    /// Cheap and unbound: for tests of other things.
    pub fn fast_for_tests() -> SlotPolicy {
        SlotPolicy {
            cost: KdfCost::FAST_FOR_TESTS,
            machine: Machine::Unbound,
        }
    }

    /// This policy, but binding new slots as `slots` are bound, or failing
    /// (a rotation must not drop the binding because the TPM or keyring
    /// did not answer for a moment).
    pub fn keeping_binding_of(&self, slots: &KeySlots) -> SlotPolicy {
        let machine = match (slots.bound_to(), &self.machine) {
            (Some(machine::KIND_TPM2), Machine::Tpm { tcti, .. }) => Machine::tpm(tcti),
            (Some(machine::KIND_TPM2), _) => {
                Machine::tpm(&format!("device:{}", machine::TPM_DEVICE))
            }
            (Some(machine::KIND_KEYRING), Machine::Keyring { bus, .. }) => Machine::Keyring {
                bus: bus.clone(),
                explicit: true,
            },
            (Some(machine::KIND_KEYRING), _) => Machine::Keyring {
                bus: None,
                explicit: true,
            },
            _ => self.machine.clone(),
        };
        SlotPolicy {
            cost: self.cost,
            machine,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotsFile {
    format: String,
    /// Names the data key (a hash of it), so a slot of another key is
    /// told apart from a wrong PIN.
    key_id: String,
    salt: String,
    /// The secret sealed in the machine's TPM that every slot's wrapping
    /// key also comes from; absent when the slots are not bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    machine: Option<Binding>,
    slots: Vec<Slot>,
}

/// The key slots of one data folder.
#[derive(Debug)]
pub struct KeySlots {
    path: PathBuf,
    file: SlotsFile,
    policy: SlotPolicy,
    /// The machine secret, once unsealed (in a locked page).
    machine_secret: OnceLock<Locked<[u8; 32]>>,
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn unhex<const N: usize>(s: &str, what: &str) -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| VaultError::Damaged(format!("a key slot's {what} is not {N} bytes of hex")))?;
    Ok(out)
}

impl KeySlots {
    /// Whether `dir` has key slots (its data is sealed).
    pub fn exist(dir: &Path) -> bool {
        dir.join(SLOTS_FILE).is_file()
    }

    /// Creates the slots of a new data key, with `officer`'s slot first.
    /// Refuses if `dir` has slots already.
    pub fn create(
        dir: &Path,
        officer: &str,
        pin: &str,
        policy: &SlotPolicy,
    ) -> Result<(KeySlots, DataKey), VaultError> {
        if Self::exist(dir) {
            return Err(VaultError::Exists);
        }
        let key = DataKey::generate();
        let slots = Self::create_at(&dir.join(SLOTS_FILE), &key, officer, pin, policy)?;
        Ok((slots, key))
    }

    /// Writes new slots of `key` at `path` (with `officer`'s slot first),
    /// replacing what is there: the slots of a data key being rotated in.
    /// Where the policy's machine has a TPM, they are bound to it.
    pub fn create_at(
        path: &Path,
        key: &DataKey,
        officer: &str,
        pin: &str,
        policy: &SlotPolicy,
    ) -> Result<KeySlots, VaultError> {
        let (binding, secret) = match machine::bind(&policy.machine)? {
            Some((binding, secret)) => (Some(binding), Some(secret)),
            None => (None, None),
        };
        let mut slots = KeySlots {
            path: path.to_path_buf(),
            file: SlotsFile {
                format: SLOTS_FORMAT.into(),
                key_id: key.id(),
                salt: hex::encode(random::<16>()),
                machine: binding,
                slots: vec![],
            },
            policy: policy.clone(),
            machine_secret: OnceLock::new(),
        };
        if let Some(secret) = secret {
            let _ = slots.machine_secret.set(Locked::copy_of(&secret));
        }
        slots.add(key, officer, pin)?;
        Ok(slots)
    }

    /// Reads the slots of `dir`. New slots are made as `policy` says.
    pub fn load(dir: &Path, policy: &SlotPolicy) -> Result<KeySlots, VaultError> {
        Self::load_at(&dir.join(SLOTS_FILE), policy)
    }

    /// Reads the slots at `path`.
    pub fn load_at(path: &Path, policy: &SlotPolicy) -> Result<KeySlots, VaultError> {
        let path = path.to_path_buf();
        let io = |e: std::io::Error| VaultError::Io(format!("{}: {e}", path.display()));
        let len = std::fs::metadata(&path).map_err(io)?.len();
        if len > MAX_FILE {
            return Err(VaultError::Damaged(format!(
                "the key slots are {len} bytes"
            )));
        }
        let bytes = std::fs::read(&path).map_err(io)?;
        let file: SlotsFile = serde_json::from_slice(&bytes)
            .map_err(|e| VaultError::Damaged(format!("the key slots do not parse: {e}")))?;
        if file.format != SLOTS_FORMAT {
            return Err(VaultError::Damaged(format!(
                "the key slots are in format {:?}, this build reads {SLOTS_FORMAT}",
                file.format
            )));
        }
        Ok(KeySlots {
            path,
            file,
            policy: policy.clone(),
            machine_secret: OnceLock::new(),
        })
    }

    fn slot_id(&self, officer: &str) -> String {
        let mut h = blake3::Hasher::new_derive_key("kordon 2026-12 key slot id");
        h.update(self.file.salt.as_bytes());
        h.update(officer.as_bytes());
        h.finalize().to_hex().to_string()
    }

    /// The public name of the data key these slots hold.
    pub fn key_id(&self) -> &str {
        &self.file.key_id
    }

    /// Whether the slots are bound to a machine's TPM or keyring.
    pub fn is_machine_bound(&self) -> bool {
        self.file.machine.is_some()
    }

    /// What the slots are bound to: `tpm2`, `keyring`, or nothing.
    pub fn bound_to(&self) -> Option<&str> {
        self.file.machine.as_ref().map(|m| m.kind())
    }

    /// Forgets what the binding keeps outside this file (a keyring entry),
    /// once these slots are replaced or destroyed. Best effort.
    pub fn forget_binding(&self) {
        if let Some(binding) = &self.file.machine {
            machine::forget(&self.policy.machine, binding);
        }
    }

    /// How many slots there are.
    pub fn len(&self) -> usize {
        self.file.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.slots.is_empty()
    }

    /// Whether `officer` has a slot.
    pub fn has(&self, officer: &str) -> bool {
        let id = self.slot_id(officer);
        self.file.slots.iter().any(|s| s.id == id)
    }

    /// The machine secret, unsealed once by the TPM.
    fn machine_secret(&self) -> Result<Option<&[u8; 32]>, VaultError> {
        let Some(binding) = &self.file.machine else {
            return Ok(None);
        };
        if let Some(secret) = self.machine_secret.get() {
            return Ok(Some(secret.get()));
        }
        let secret = machine::unseal(&self.policy.machine, binding)?;
        Ok(Some(
            self.machine_secret
                .get_or_init(|| Locked::copy_of(&secret))
                .get(),
        ))
    }

    /// A slot's wrapping key: Argon2id of the PIN, and, when the slots
    /// are bound, the machine secret with it.
    fn kek(
        &self,
        cost: &KdfCost,
        pin: &str,
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        // The TPM first: on another machine, no Argon2id is paid at all.
        let machine_secret = self.machine_secret()?;
        let mut kek = Zeroizing::new([0u8; 32]);
        cost.argon2()?
            .hash_password_into(pin.as_bytes(), salt, &mut *kek)
            .map_err(|e| VaultError::Damaged(format!("Argon2id: {e}")))?;
        if let Some(secret) = machine_secret {
            let mut h = blake3::Hasher::new_derive_key("kordon 2026-12 machine-bound slot");
            h.update(&*kek);
            h.update(secret);
            *kek = *h.finalize().as_bytes();
            zeroize::Zeroize::zeroize(&mut h);
        }
        Ok(kek)
    }

    fn aad(id: &str) -> Vec<u8> {
        [SLOTS_FORMAT.as_bytes(), b"\0", id.as_bytes()].concat()
    }

    /// The data key, from `officer`'s slot and PIN.
    pub fn unlock(&self, officer: &str, pin: &str) -> Result<DataKey, VaultError> {
        let id = self.slot_id(officer);
        let slot = self
            .file
            .slots
            .iter()
            .find(|s| s.id == id)
            .ok_or(VaultError::NoSlot)?;
        let salt: [u8; 16] = unhex(&slot.salt, "salt")?;
        let nonce: [u8; 24] = unhex(&slot.nonce, "nonce")?;
        let wrapped = hex::decode(&slot.wrapped)
            .map_err(|_| VaultError::Damaged("a key slot's key is not hex".into()))?;
        let kek = self.kek(&slot.kdf, pin, &salt)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let aad = Self::aad(&id);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: &wrapped,
                        aad: &aad,
                    },
                )
                .map_err(|_| VaultError::WrongPin)?,
        );
        let mut bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Damaged("a key slot holds no 32-byte key".into()))?;
        let key = DataKey::from_bytes(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        if key.id() != self.file.key_id {
            return Err(VaultError::Damaged(
                "a key slot holds another data key than the folder's".into(),
            ));
        }
        Ok(key)
    }

    /// Gives `officer` a slot for `key` under `pin` (replacing theirs, if
    /// they had one), and writes the file.
    pub fn add(&mut self, key: &DataKey, officer: &str, pin: &str) -> Result<(), VaultError> {
        if key.id() != self.file.key_id {
            return Err(VaultError::Damaged(
                "this data key is not the folder's".into(),
            ));
        }
        let id = self.slot_id(officer);
        let salt = random::<16>();
        let nonce = random::<24>();
        let kek = self.kek(&self.policy.cost, pin, &salt)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let aad = Self::aad(&id);
        let wrapped = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: key.expose(),
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Damaged("wrapping the data key failed".into()))?;
        self.file.slots.retain(|s| s.id != id);
        self.file.slots.push(Slot {
            id,
            kdf: self.policy.cost,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            wrapped: hex::encode(wrapped),
        });
        self.save()
    }

    /// Removes `officer`'s slot. The last slot is never removed (the data
    /// would be lost): add another officer first.
    pub fn remove(&mut self, officer: &str) -> Result<(), VaultError> {
        let id = self.slot_id(officer);
        if !self.file.slots.iter().any(|s| s.id == id) {
            return Err(VaultError::NoSlot);
        }
        if self.file.slots.len() == 1 {
            return Err(VaultError::LastSlot);
        }
        self.file.slots.retain(|s| s.id != id);
        self.save()
    }

    fn save(&self) -> Result<(), VaultError> {
        let io = |e: std::io::Error| VaultError::Io(format!("{}: {e}", self.path.display()));
        let folder = self.path.parent().unwrap_or(Path::new("."));
        let tmp = self.path.with_extension("tmp");
        let bytes = serde_json::to_vec_pretty(&self.file)
            .map_err(|e| VaultError::Io(format!("key slots: {e}")))?;
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            File::open(folder)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(io)
    }

    /// Moves these slots into place as `dir`'s own (one rename: from then
    /// on only they open the data), then flushes the folder.
    pub fn install(&mut self, dir: &Path) -> Result<(), VaultError> {
        let target = dir.join(SLOTS_FILE);
        let io = |e: std::io::Error| VaultError::Io(format!("{}: {e}", target.display()));
        std::fs::rename(&self.path, &target).map_err(io)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        self.path = target;
        Ok(())
    }

    /// Destroys every slot (crypto-erase): the binding's keyring entry is
    /// deleted, the file overwritten with random bytes, flushed, and
    /// removed. Nothing sealed under the data key opens afterwards, with
    /// any PIN.
    pub fn destroy(dir: &Path, policy: &SlotPolicy) -> Result<(), VaultError> {
        if let Ok(slots) = Self::load(dir, policy) {
            slots.forget_binding();
        }
        let path = dir.join(SLOTS_FILE);
        let io = |e: std::io::Error| VaultError::Io(format!("{}: {e}", path.display()));
        let len = std::fs::metadata(&path).map_err(io)?.len();
        let mut noise = vec![0u8; len as usize];
        rand::rngs::OsRng.fill_bytes(&mut noise);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io)?;
        f.write_all(&noise).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::remove_file(&path).map_err(io)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SlotPolicy {
        SlotPolicy::fast_for_tests()
    }

    #[test]
    fn officers_unlock_with_their_own_pin_only() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut slots, key) =
            KeySlots::create(dir.path(), "OF-1", "4711", &policy()).expect("create");
        slots.add(&key, "OF-2", "9999").expect("add");
        let slots = KeySlots::load(dir.path(), &policy()).expect("load");
        assert_eq!(slots.unlock("OF-1", "4711").expect("OF-1").id(), key.id());
        assert_eq!(slots.unlock("OF-2", "9999").expect("OF-2").id(), key.id());
        assert!(matches!(
            slots.unlock("OF-1", "9999"),
            Err(VaultError::WrongPin)
        ));
        assert!(matches!(
            slots.unlock("OF-3", "4711"),
            Err(VaultError::NoSlot)
        ));
        let text = std::fs::read_to_string(dir.path().join(SLOTS_FILE)).expect("read");
        assert!(!text.contains("OF-1") && !text.contains("4711"), "{text}");
    }

    #[test]
    fn a_removed_officer_opens_nothing_and_the_last_slot_stays() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut slots, key) =
            KeySlots::create(dir.path(), "OF-1", "4711", &policy()).expect("create");
        slots.add(&key, "OF-2", "9999").expect("add");
        slots.remove("OF-2").expect("remove");
        let slots2 = KeySlots::load(dir.path(), &policy()).expect("load");
        assert!(matches!(
            slots2.unlock("OF-2", "9999"),
            Err(VaultError::NoSlot)
        ));
        let mut slots = slots2;
        assert!(matches!(slots.remove("OF-1"), Err(VaultError::LastSlot)));
        assert!(KeySlots::create(dir.path(), "OF-9", "0000", &policy()).is_err());
    }

    #[test]
    fn destroyed_slots_open_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        KeySlots::create(dir.path(), "OF-1", "4711", &policy()).expect("create");
        KeySlots::destroy(dir.path(), &policy()).expect("destroy");
        assert!(!KeySlots::exist(dir.path()));
        assert!(KeySlots::load(dir.path(), &policy()).is_err());
    }

    #[test]
    fn a_hostile_file_is_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        let (_, _) = KeySlots::create(dir.path(), "OF-1", "4711", &policy()).expect("create");
        let path = dir.path().join(SLOTS_FILE);
        let text = std::fs::read_to_string(&path).expect("read");
        let greedy = text.replace("\"m_kib\": 1024", "\"m_kib\": 4000000000");
        std::fs::write(&path, greedy).expect("write");
        let slots = KeySlots::load(dir.path(), &policy()).expect("parses");
        assert!(matches!(
            slots.unlock("OF-1", "4711"),
            Err(VaultError::Damaged(_))
        ));
        for junk in ["", "{", "[]", "{\"format\":\"x\"}"] {
            std::fs::write(&path, junk).expect("write");
            assert!(KeySlots::load(dir.path(), &policy()).is_err(), "{junk}");
        }
    }
}
