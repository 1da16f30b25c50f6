//! Key slots bound to the vehicle's TPM, with real software TPMs (`swtpm`,
//! one process per machine), or, without a TPM, to the desktop keyring
//! (a real session bus and GNOME Keyring per machine): the right PIN opens
//! the data on the machine that made the slots, after a power cycle too,
//! and nothing on a copy of the disk elsewhere.

use super::at_rest::copy_dir;
use super::*;
use kordon_test_support::{bin, run, text};
use kordon_vault::{KeySlots, Machine, SlotPolicy, SoftKeyring, SoftTpm, VaultError};
use std::path::Path;
use std::process::Output;

fn bound_to(machine: Machine) -> SlotPolicy {
    SlotPolicy {
        machine,
        ..SlotPolicy::fast_for_tests()
    }
}

/// The data key's id, as `officer` with `pin` unlocks the slots in `dir`
/// on `machine`.
fn unlock_on(dir: &Path, machine: Machine, officer: &str, pin: &str) -> Result<String, VaultError> {
    KeySlots::load(dir, &bound_to(machine))
        .expect("load")
        .unlock(officer, pin)
        .map(|key| key.id())
}

#[test]
fn key_slots_bound_to_a_tpm_open_on_that_machine_only() {
    let laptop = SoftTpm::start().expect("a software TPM");
    let other = SoftTpm::start().expect("another software TPM");
    let dir = tempfile::tempdir().expect("dir");

    let (mut slots, key) =
        KeySlots::create(dir.path(), "OF-1", "2580", &bound_to(laptop.machine())).expect("create");
    assert!(slots.is_machine_bound());
    slots.add(&key, "OF-2", "1357").expect("add");

    // The same machine, after a power cycle.
    let laptop = laptop.restart().expect("restart");
    let here = |officer: &str, pin: &str| unlock_on(dir.path(), laptop.machine(), officer, pin);
    assert_eq!(here("OF-1", "2580").expect("OF-1"), key.id());
    assert_eq!(here("OF-2", "1357").expect("OF-2"), key.id());
    assert!(matches!(here("OF-1", "0000"), Err(VaultError::WrongPin)));

    // The disk copied to another machine: the right PIN opens nothing.
    match unlock_on(dir.path(), other.machine(), "OF-1", "2580") {
        Err(VaultError::OtherMachine(why)) => eprintln!("another TPM: {why}"),
        other => panic!("another machine's TPM unlocked or failed oddly: {other:?}"),
    }
    // The TPM gone while it was named.
    assert!(matches!(
        unlock_on(
            dir.path(),
            Machine::tpm("swtpm:host=127.0.0.1,port=1"),
            "OF-1",
            "2580"
        ),
        Err(VaultError::NoMachine(_))
    ));
    // A machine configured with none: its own TPM is asked if it has one
    // (a developer's laptop), and refuses; else there is none.
    assert!(matches!(
        unlock_on(dir.path(), Machine::Unbound, "OF-1", "2580"),
        Err(VaultError::NoMachine(_) | VaultError::OtherMachine(_))
    ));

    // Without the binding, the slots are another matter: a file edited to
    // drop it opens nothing either (the wrapping key needs the secret).
    let path = dir.path().join(kordon_vault::SLOTS_FILE);
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    file.as_object_mut().expect("object").remove("machine");
    std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("write");
    assert!(matches!(
        unlock_on(dir.path(), Machine::Unbound, "OF-1", "2580"),
        Err(VaultError::WrongPin)
    ));
}

#[test]
fn without_a_tpm_key_slots_bound_to_the_desktop_keyring_open_in_that_session_only() {
    let laptop = SoftKeyring::start().expect("a desktop keyring");
    let other = SoftKeyring::start().expect("another desktop keyring");
    let dir = tempfile::tempdir().expect("dir");
    let (slots, key) =
        KeySlots::create(dir.path(), "OF-1", "2580", &bound_to(laptop.machine())).expect("create");
    assert!(slots.is_machine_bound());
    let here = |pin: &str| unlock_on(dir.path(), laptop.machine(), "OF-1", pin);
    assert_eq!(here("2580").expect("OF-1"), key.id());
    assert!(matches!(here("0000"), Err(VaultError::WrongPin)));
    match unlock_on(dir.path(), other.machine(), "OF-1", "2580") {
        Err(VaultError::OtherMachine(why)) => eprintln!("another keyring: {why}"),
        other => panic!("another machine's keyring unlocked or failed oddly: {other:?}"),
    }
    // Configured with none: the session's own keyring, if there is one,
    // holds no such secret; else there is none.
    assert!(matches!(
        unlock_on(dir.path(), Machine::Unbound, "OF-1", "2580"),
        Err(VaultError::NoMachine(_) | VaultError::OtherMachine(_))
    ));
}

/// Where the machine secret comes from, for a `kordon` process.
enum On<'a> {
    Tpm(&'a SoftTpm),
    Keyring(&'a SoftKeyring),
    Neither,
}

/// `kordon` with the data folder's officer and PIN in the environment, on
/// a machine with this TPM or keyring.
fn kordon_on(dir: &Path, on: On<'_>, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("kordon"));
    cmd.arg("--data")
        .arg(dir)
        .args(args)
        .env("KORDON_OFFICER", "OF-1")
        .env("KORDON_PIN", "2580")
        .env("KORDON_TEST_WEAK_KDF", "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("KORDON_KEYRING");
    match on {
        On::Tpm(tpm) => cmd.env("KORDON_TPM", tpm.tcti()),
        On::Keyring(keyring) => cmd
            .env("KORDON_TPM", "off")
            .env("DBUS_SESSION_BUS_ADDRESS", keyring.address()),
        On::Neither => cmd.env("KORDON_TPM", "off"),
    };
    run(&mut cmd)
}

/// An enrolled vehicle with one inspection, encrypted on `on`: its
/// folder and the inspection's id.
fn encrypted_vehicle(field: &Field, name: &str, on: On<'_>) -> (std::path::PathBuf, String) {
    let dir = field.enrolled_vehicle(name, "UA-BORDER-5", "OF-1");
    let id = kordon_ok(&dir, &["inspection", "new", "--plate", "АА 4711 ВК"])
        .trim()
        .to_string();
    let o = kordon_on(&dir, on, &["encrypt"]);
    assert!(o.status.success(), "encrypt: {}", text(&o));
    (dir, id)
}

/// The thief's copy of `dir`, with the officer's PIN, on `elsewhere`.
fn copy_opens_nothing(field: &Field, dir: &Path, id: &str, elsewhere: On<'_>) {
    let copy = field.root.path().join(format!(
        "copy-of-{}",
        dir.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("vehicle")
    ));
    if !copy.exists() {
        copy_dir(dir, &copy);
    }
    let o = kordon_on(&copy, elsewhere, &["inspection", "show", id]);
    assert!(!o.status.success(), "a copy opened: {}", text(&o));
    assert!(
        text(&o).contains("a copy of the disk opens nothing"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("4711"), "{}", text(&o));
}

#[test]
fn a_copied_vehicle_disk_opens_nothing_on_another_machine() {
    let field = Field::new();

    // With a TPM.
    let laptop = SoftTpm::start().expect("a software TPM");
    let other = SoftTpm::start().expect("another software TPM");
    let (dir, id) = encrypted_vehicle(&field, "tpm-bound", On::Tpm(&laptop));
    let o = kordon_on(&dir, On::Tpm(&laptop), &["unlock"]);
    assert!(o.status.success(), "unlock: {}", text(&o));
    assert!(
        text(&o).contains("bound to this machine's TPM"),
        "{}",
        text(&o)
    );
    let o = kordon_on(&dir, On::Tpm(&laptop), &["inspection", "show", &id]);
    assert!(text(&o).contains("4711"), "{}", text(&o));
    copy_opens_nothing(&field, &dir, &id, On::Tpm(&other));
    copy_opens_nothing(&field, &dir, &id, On::Neither);
    // The vehicle itself, after a power cycle, still opens.
    let laptop = laptop.restart().expect("restart");
    let o = kordon_on(&dir, On::Tpm(&laptop), &["inspection", "show", &id]);
    assert!(o.status.success(), "after restart: {}", text(&o));
    assert!(text(&o).contains("4711"), "{}", text(&o));

    // Without a TPM, with the desktop's keyring.
    let session = SoftKeyring::start().expect("a desktop keyring");
    let elsewhere = SoftKeyring::start().expect("another desktop keyring");
    let (dir, id) = encrypted_vehicle(&field, "keyring-bound", On::Keyring(&session));
    let o = kordon_on(&dir, On::Keyring(&session), &["unlock"]);
    assert!(
        text(&o).contains("bound to this machine's keyring"),
        "{}",
        text(&o)
    );
    let o = kordon_on(&dir, On::Keyring(&session), &["inspection", "show", &id]);
    assert!(text(&o).contains("4711"), "{}", text(&o));
    copy_opens_nothing(&field, &dir, &id, On::Keyring(&elsewhere));
    copy_opens_nothing(&field, &dir, &id, On::Neither);

    // A rotation of the data key keeps the binding, under a secret of its
    // own: the old slots' secret leaves the keyring.
    assert_eq!(session.kordon_entries(), Ok(1));
    let o = kordon_on(&dir, On::Keyring(&session), &["rekey"]);
    assert!(o.status.success(), "rekey: {}", text(&o));
    assert_eq!(session.kordon_entries(), Ok(1), "the old secret is gone");
    let o = kordon_on(&dir, On::Keyring(&session), &["unlock"]);
    assert!(
        text(&o).contains("bound to this machine's keyring"),
        "{}",
        text(&o)
    );
    let o = kordon_on(&dir, On::Keyring(&session), &["inspection", "show", &id]);
    assert!(text(&o).contains("4711"), "{}", text(&o));
}
