#![no_main]
//! A sealed file as a thief, a damaged disk or a power cut leaves it: any
//! bytes, opened under a fixed key, read whole and at offsets taken from
//! the input. Only errors may come out, never a panic.
use std::io::Read;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (offsets, file) = data.split_at(data.len().min(8));
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("f");
    if std::fs::write(&path, file).is_err() {
        return;
    }
    let seal = kordon_vault::Seal::new(&kordon_vault::DataKey::from_bytes([7; 32]));
    if let Ok(mut f) = seal.open_path(&path) {
        let mut at = [0u8; 8];
        at[..offsets.len()].copy_from_slice(offsets);
        let at = u64::from_le_bytes(at);
        let mut buf = vec![0u8; (at % 70_000) as usize];
        let _ = f.read_exact_at(&mut buf, at >> 20);
        let mut all = vec![];
        let _ = f.read_to_end(&mut all);
    }
});
