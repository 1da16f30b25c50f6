//! Binding key slots to the machine they were made on.
//!
//! Where the vehicle's laptop has a TPM 2.0, the key slots are bound to it:
//! a random 32-byte secret is sealed in the TPM (a sealed data object under
//! a storage key that the TPM derives from its own owner seed; the object's
//! blobs, encrypted by the TPM, are kept in the slots file), and every
//! slot's wrapping key is derived from the officer's PIN (Argon2id) *and*
//! that secret. A copy of the disk carries the blobs, but only this TPM
//! can unseal them: on any other machine the right PIN opens nothing.
//!
//! Without a TPM, the secret is kept in the desktop session's keyring
//! (the Secret Service: GNOME Keyring, KWallet), which keeps it encrypted
//! under the user's login password: a copy of the disk then opens nothing
//! without that password as well.
//!
//! Neither asks a password of its own for the secret (the PIN stays the
//! thing the officer knows, checked by Argon2id): the binding defends the
//! copied disk, not the stolen laptop. See `docs/security.md`.
//!
//! Which: [`Machine::from_env`] reads `KORDON_TPM` — a TCTI such as
//! `device:/dev/tpmrm0` or `swtpm:host=127.0.0.1,port=2321` names a TPM;
//! unset, the kernel's resource manager `/dev/tpmrm0` is used when the
//! machine has one; `off` uses none. Without a TPM, `KORDON_KEYRING`:
//! unset, the session's keyring when a session bus is there; `on`, the
//! keyring or an error; `off`, none.

use crate::VaultError;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The TPM key slots are bound to, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Machine {
    /// Bind nothing (the machine has no TPM, or it was switched off).
    Unbound,
    /// A TPM 2.0 reached through this TCTI.
    Tpm {
        tcti: String,
        /// Named by the operator (not found by looking): failing to reach
        /// it is an error rather than a reason to bind nothing.
        explicit: bool,
    },
    /// The desktop session's keyring (Secret Service), on the session bus
    /// or at this D-Bus address.
    Keyring { bus: Option<String>, explicit: bool },
}

/// The kernel's TPM resource manager.
pub(crate) const TPM_DEVICE: &str = "/dev/tpmrm0";

impl Machine {
    /// The machine's TPM as configured by `KORDON_TPM` (see the module).
    pub fn from_env() -> Machine {
        let var = |name: &str| std::env::var(name).map(|v| v.trim().to_string());
        match var("KORDON_TPM") {
            Ok(v) if v == "off" => {}
            Ok(v) if !v.is_empty() => {
                return Machine::Tpm {
                    tcti: v,
                    explicit: true,
                }
            }
            _ if std::path::Path::new(TPM_DEVICE).exists() => {
                return Machine::Tpm {
                    tcti: format!("device:{TPM_DEVICE}"),
                    explicit: false,
                }
            }
            _ => {}
        }
        Self::keyring_from_env()
    }

    /// The desktop keyring as `KORDON_KEYRING` and the session say.
    fn keyring_from_env() -> Machine {
        let var = |name: &str| std::env::var(name).map(|v| v.trim().to_string());
        match var("KORDON_KEYRING").as_deref() {
            Ok("off") => Machine::Unbound,
            Ok("on") => Machine::Keyring {
                bus: None,
                explicit: true,
            },
            _ if var("DBUS_SESSION_BUS_ADDRESS").is_ok_and(|v| !v.is_empty()) => Machine::Keyring {
                bus: None,
                explicit: false,
            },
            _ => Machine::Unbound,
        }
    }

    /// The keyring of the session whose bus is at `address`.
    pub fn keyring_at(address: &str) -> Machine {
        Machine::Keyring {
            bus: Some(address.to_string()),
            explicit: true,
        }
    }

    /// A TPM named by its TCTI.
    pub fn tpm(tcti: &str) -> Machine {
        Machine::Tpm {
            tcti: tcti.to_string(),
            explicit: true,
        }
    }
}

/// What the slots file keeps of a binding: the sealed object, as the TPM
/// gave it (its private part encrypted by the TPM's storage key).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Binding {
    /// `tpm2`.
    kind: String,
    /// The sealed object's public area, marshalled (hex).
    public: String,
    /// Its private area, encrypted by the TPM (hex).
    private: String,
}

/// A machine secret, wiped when dropped.
type Secret = Zeroizing<[u8; 32]>;

pub(crate) const KIND_TPM2: &str = "tpm2";
pub(crate) const KIND_KEYRING: &str = "keyring";

impl Binding {
    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }
}

/// Why a machine secret could not be had.
enum Failure {
    /// Nothing answers at this address.
    Unreachable(String),
    /// It answers, but does not hold the secret: it was made on another
    /// machine (or the TPM was cleared, the keyring entry deleted).
    Refused(String),
    /// What the slots file keeps of it does not parse.
    Damaged(String),
    /// Another step failed.
    Failed(String),
}

impl Failure {
    fn into_vault(self, what: &str) -> VaultError {
        match self {
            Failure::Unreachable(e) => VaultError::NoMachine(format!("{what}: {e}")),
            Failure::Refused(e) => VaultError::OtherMachine(e),
            Failure::Damaged(e) => VaultError::Damaged(e),
            Failure::Failed(e) => VaultError::Io(format!("{what}: {e}")),
        }
    }
}

/// A new secret sealed in `machine`'s TPM or kept in its keyring, with
/// what the slots file keeps of it. `None` when the machine binds nothing.
/// A TPM only found by looking that cannot be used (the user may not open
/// it, it asks an owner password) gives way to the keyring; a keyring
/// only found by looking that does not answer binds nothing.
pub(crate) fn bind(machine: &Machine) -> Result<Option<(Binding, Secret)>, VaultError> {
    let (made, explicit, what) = match machine {
        Machine::Unbound => return Ok(None),
        Machine::Tpm { tcti, explicit } => (
            tpm::seal_new(tcti).map(|(public, private, secret)| {
                (
                    Binding {
                        kind: KIND_TPM2.into(),
                        public: hex::encode(public),
                        private: hex::encode(private),
                    },
                    secret,
                )
            }),
            *explicit,
            format!("the TPM at {tcti}"),
        ),
        Machine::Keyring { bus, explicit } => (
            keyring::store_new(bus.as_deref()).map(|(id, secret)| {
                (
                    Binding {
                        kind: KIND_KEYRING.into(),
                        public: id,
                        private: String::new(),
                    },
                    secret,
                )
            }),
            *explicit,
            "the desktop keyring".to_string(),
        ),
    };
    match (made, machine) {
        (Ok(made), _) => Ok(Some(made)),
        (Err(_), Machine::Tpm { .. }) if !explicit => bind(&Machine::keyring_from_env()),
        (Err(Failure::Unreachable(_)), _) if !explicit => Ok(None),
        (Err(e), _) => Err(e.into_vault(&what)),
    }
}

/// Forgets what `binding` keeps outside the slots file (a keyring entry;
/// a TPM's sealed object lives in the file only). Best effort: for a wipe
/// and after a rotation.
pub(crate) fn forget(machine: &Machine, binding: &Binding) {
    if binding.kind == KIND_KEYRING {
        let bus = match machine {
            Machine::Keyring { bus, .. } => bus.clone(),
            _ => None,
        };
        keyring::delete(bus.as_deref(), &binding.public);
    }
}

/// The secret of `binding`, from `machine`'s TPM or keyring.
pub(crate) fn unseal(
    machine: &Machine,
    binding: &Binding,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    // What the slots were bound to decides where to look; the machine's
    // configuration only says at which address (a TPM that appears or
    // goes, `KORDON_TPM=off` for new slots, must not lock the crew out).
    match binding.kind.as_str() {
        KIND_TPM2 => {
            let tcti = match machine {
                Machine::Tpm { tcti, .. } => tcti.clone(),
                _ if std::path::Path::new(TPM_DEVICE).exists() => format!("device:{TPM_DEVICE}"),
                _ => {
                    return Err(VaultError::NoMachine(
                        "the keys are bound to the vehicle laptop's TPM, and this machine has none"
                            .into(),
                    ))
                }
            };
            let public = hex::decode(&binding.public)
                .map_err(|_| VaultError::Damaged("the TPM binding is not hex".into()))?;
            let private = hex::decode(&binding.private)
                .map_err(|_| VaultError::Damaged("the TPM binding is not hex".into()))?;
            tpm::unseal(&tcti, &public, &private)
                .map_err(|e| e.into_vault(&format!("the TPM at {tcti}")))
        }
        KIND_KEYRING => {
            let bus = match machine {
                Machine::Keyring { bus, .. } => bus.clone(),
                _ => None,
            };
            keyring::fetch(bus.as_deref(), &binding.public)
                .map_err(|e| e.into_vault("the desktop keyring"))
        }
        kind => Err(VaultError::Damaged(format!(
            "the key slots are bound to a {kind:?}, which this build does not know"
        ))),
    }
}

/// Whether the machine's TPM or keyring answers (for status lines).
pub fn machine_answers(machine: &Machine) -> bool {
    match machine {
        Machine::Unbound => false,
        Machine::Tpm { tcti, .. } => tpm::context(tcti).is_ok(),
        Machine::Keyring { bus, .. } => {
            keyring::service(bus.as_deref()).is_ok_and(|ss| ss.get_default_collection().is_ok())
        }
    }
}

/// The TPM 2.0 commands used, through the TSS's enhanced system API.
mod tpm {
    use super::Failure;
    use std::str::FromStr;
    use tss_esapi::attributes::ObjectAttributesBuilder;
    use tss_esapi::handles::KeyHandle;
    use tss_esapi::interface_types::algorithm::{HashingAlgorithm, PublicAlgorithm};
    use tss_esapi::interface_types::ecc::EccCurve;
    use tss_esapi::interface_types::resource_handles::Hierarchy;
    use tss_esapi::structures::{
        EccPoint, KeyedHashScheme, Private, Public, PublicBuilder, PublicEccParametersBuilder,
        PublicKeyedHashParameters, SensitiveData, SymmetricDefinitionObject,
    };
    use tss_esapi::tcti_ldr::TctiNameConf;
    use tss_esapi::traits::{Marshall, UnMarshall};
    use tss_esapi::Context;
    use zeroize::Zeroizing;

    fn failed(e: tss_esapi::Error) -> Failure {
        Failure::Failed(e.to_string())
    }

    /// The TPM's answer when a sealed object is not its own (made under
    /// another TPM's storage key, or this one's before it was cleared),
    /// as opposed to a passing shortage (object memory, a retry).
    fn refuses_the_object(e: &tss_esapi::Error) -> bool {
        use tss_esapi::constants::Tss2ResponseCodeKind as Kind;
        matches!(
            e,
            tss_esapi::Error::Tss2Error(rc)
                if matches!(
                    rc.kind(),
                    Some(Kind::Integrity | Kind::Binding | Kind::Size | Kind::Value | Kind::Key)
                )
        )
    }

    pub(super) fn context(tcti: &str) -> Result<Context, Failure> {
        let conf = TctiNameConf::from_str(tcti)
            .map_err(|e| Failure::Unreachable(format!("{tcti:?} is not a TCTI: {e}")))?;
        let mut ctx = Context::new(conf).map_err(|e| Failure::Unreachable(e.to_string()))?;
        // A TPM that cannot even answer this is as good as none.
        ctx.get_random(1)
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
        Ok(ctx)
    }

    /// The storage key: an ECC P-256 key the TPM derives again, each
    /// time, from its owner seed (the same template gives the same key on
    /// the same TPM, and another on any other).
    fn storage_key(ctx: &mut Context) -> Result<KeyHandle, Failure> {
        let attributes = ObjectAttributesBuilder::new()
            .with_fixed_tpm(true)
            .with_fixed_parent(true)
            .with_sensitive_data_origin(true)
            .with_user_with_auth(true)
            .with_decrypt(true)
            .with_restricted(true)
            .with_no_da(true)
            .build()
            .map_err(failed)?;
        let parameters = PublicEccParametersBuilder::new_restricted_decryption_key(
            SymmetricDefinitionObject::AES_128_CFB,
            EccCurve::NistP256,
        )
        .build()
        .map_err(failed)?;
        let public = PublicBuilder::new()
            .with_public_algorithm(PublicAlgorithm::Ecc)
            .with_name_hashing_algorithm(HashingAlgorithm::Sha256)
            .with_object_attributes(attributes)
            .with_ecc_parameters(parameters)
            .with_ecc_unique_identifier(EccPoint::default())
            .build()
            .map_err(failed)?;
        ctx.execute_with_nullauth_session(|ctx| {
            ctx.create_primary(Hierarchy::Owner, public, None, None, None, None)
        })
        .map(|r| r.key_handle)
        .map_err(|e| {
            Failure::Failed(format!(
                "making the storage key (is the owner hierarchy password-protected?): {e}"
            ))
        })
    }

    fn sealed_object_template() -> Result<Public, Failure> {
        let attributes = ObjectAttributesBuilder::new()
            .with_fixed_tpm(true)
            .with_fixed_parent(true)
            .with_user_with_auth(true)
            .with_no_da(true)
            .build()
            .map_err(failed)?;
        PublicBuilder::new()
            .with_public_algorithm(PublicAlgorithm::KeyedHash)
            .with_name_hashing_algorithm(HashingAlgorithm::Sha256)
            .with_object_attributes(attributes)
            .with_keyed_hash_parameters(PublicKeyedHashParameters::new(KeyedHashScheme::Null))
            .with_keyed_hash_unique_identifier(Default::default())
            .build()
            .map_err(failed)
    }

    fn flush(ctx: &mut Context, key: KeyHandle) {
        let _ = ctx.flush_context(key.into());
    }

    /// Seals a new random secret: (public, private, secret).
    pub(super) fn seal_new(tcti: &str) -> Result<(Vec<u8>, Vec<u8>, super::Secret), Failure> {
        let mut ctx = context(tcti)?;
        let random = ctx.get_random(32).map_err(failed)?;
        let mut secret = Zeroizing::new([0u8; 32]);
        let bytes = Zeroizing::new(random.value().to_vec());
        if bytes.len() != 32 {
            return Err(Failure::Failed("the TPM gave too few random bytes".into()));
        }
        // Mixed with the system's own randomness: neither source alone
        // makes the secret.
        let mut own = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut *own);
        let both = Zeroizing::new([bytes.as_slice(), own.as_slice()].concat());
        let mixed = Zeroizing::new(blake3::derive_key("kordon 2026-12 machine secret", &both));
        secret.copy_from_slice(&*mixed);
        let parent = storage_key(&mut ctx)?;
        let template = sealed_object_template()?;
        let data = SensitiveData::try_from(secret.to_vec()).map_err(failed)?;
        let created = ctx.execute_with_nullauth_session(|ctx| {
            ctx.create(parent, template, None, Some(data), None, None)
        });
        flush(&mut ctx, parent);
        let created = created.map_err(failed)?;
        let public = created.out_public.marshall().map_err(failed)?;
        Ok((public, created.out_private.value().to_vec(), secret))
    }

    /// The secret sealed in (public, private).
    pub(super) fn unseal(
        tcti: &str,
        public: &[u8],
        private: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, Failure> {
        let public = Public::unmarshall(public).map_err(|e| {
            Failure::Damaged(format!("the TPM's sealed object does not parse: {e}"))
        })?;
        let private = Private::try_from(private.to_vec()).map_err(|e| {
            Failure::Damaged(format!("the TPM's sealed object does not parse: {e}"))
        })?;
        let mut ctx = context(tcti)?;
        let parent = storage_key(&mut ctx)?;
        let loaded = ctx.execute_with_nullauth_session(|ctx| ctx.load(parent, private, public));
        flush(&mut ctx, parent);
        let object = loaded.map_err(|e| {
            if refuses_the_object(&e) {
                Failure::Refused(format!("this TPM does not take the sealed object: {e}"))
            } else {
                failed(e)
            }
        })?;
        let data = ctx.execute_with_nullauth_session(|ctx| ctx.unseal(object.into()));
        flush(&mut ctx, object);
        let data = data.map_err(|e| Failure::Refused(format!("unsealing: {e}")))?;
        let value = Zeroizing::new(data.value().to_vec());
        let secret: [u8; 32] = value
            .as_slice()
            .try_into()
            .map_err(|_| Failure::Refused("the sealed secret is not 32 bytes".into()))?;
        Ok(Zeroizing::new(secret))
    }
}

/// The desktop keyring, through the Secret Service on D-Bus.
pub(crate) mod keyring {
    use super::Failure;
    use secret_service::blocking::SecretService;
    use secret_service::EncryptionType;
    use std::collections::HashMap;
    use zeroize::Zeroizing;

    const APPLICATION: &str = "kordon";

    pub(super) fn service(bus: Option<&str>) -> Result<SecretService<'static>, Failure> {
        let unreachable = |e: &dyn std::fmt::Display| Failure::Unreachable(e.to_string());
        let conn = match bus {
            Some(address) => zbus::blocking::connection::Builder::address(address)
                .and_then(|b| b.build())
                .map_err(|e| unreachable(&e))?,
            None => zbus::blocking::Connection::session().map_err(|e| unreachable(&e))?,
        };
        SecretService::connect_with_existing(EncryptionType::Dh, conn).map_err(|e| unreachable(&e))
    }

    fn attributes(id: &str) -> HashMap<&str, &str> {
        HashMap::from([("application", APPLICATION), ("kordon-key-slots", id)])
    }

    /// Keeps a new random secret: (its entry's id, the secret).
    pub(super) fn store_new(bus: Option<&str>) -> Result<(String, Zeroizing<[u8; 32]>), Failure> {
        let ss = service(bus)?;
        let collection = ss.get_default_collection().map_err(|e| {
            Failure::Unreachable(format!("the keyring has no default collection: {e}"))
        })?;
        collection.ensure_unlocked().map_err(|e| {
            Failure::Unreachable(format!(
                "the keyring is locked (sign in to the desktop): {e}"
            ))
        })?;
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let id = hex::encode(id);
        let mut secret = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut *secret);
        collection
            .create_item(
                "Kordon: the key of a vehicle's data",
                attributes(&id),
                &*secret,
                true,
                "application/octet-stream",
            )
            .map_err(|e| Failure::Failed(format!("keeping the secret: {e}")))?;
        Ok((id, secret))
    }

    /// The secret kept under `id`.
    pub(super) fn fetch(bus: Option<&str>, id: &str) -> Result<Zeroizing<[u8; 32]>, Failure> {
        let ss = service(bus)?;
        let found = ss
            .search_items(attributes(id))
            .map_err(|e| Failure::Failed(format!("searching the keyring: {e}")))?;
        let item = match (
            found.unlocked.into_iter().next(),
            found.locked.into_iter().next(),
        ) {
            (Some(item), _) => item,
            (None, Some(item)) => {
                item.unlock().map_err(|e| {
                    Failure::Unreachable(format!(
                        "the keyring is locked (sign in to the desktop): {e}"
                    ))
                })?;
                item
            }
            (None, None) => {
                return Err(Failure::Refused(
                    "this machine's keyring holds no secret of these key slots".into(),
                ))
            }
        };
        let secret = Zeroizing::new(
            item.get_secret()
                .map_err(|e| Failure::Failed(format!("reading the secret: {e}")))?,
        );
        let secret: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| Failure::Refused("the keyring's secret is not 32 bytes".into()))?;
        Ok(Zeroizing::new(secret))
    }

    /// How many entries of Kordon's the keyring holds (for tests: a key
    /// slots file replaced leaves none behind).
    #[cfg(feature = "test-machines")]
    pub(crate) fn kordon_entries(bus: Option<&str>) -> Result<usize, String> {
        let ss = service(bus).map_err(|_| "the keyring does not answer".to_string())?;
        let found = ss
            .search_items(HashMap::from([("application", APPLICATION)]))
            .map_err(|e| format!("searching the keyring: {e}"))?;
        Ok(found.unlocked.len() + found.locked.len())
    }

    /// Deletes the entries kept under `id` (best effort).
    pub(super) fn delete(bus: Option<&str>, id: &str) {
        if let Ok(ss) = service(bus) {
            if let Ok(found) = ss.search_items(attributes(id)) {
                for item in found.unlocked.iter().chain(found.locked.iter()) {
                    let _ = item.delete();
                }
            }
        }
    }
}
