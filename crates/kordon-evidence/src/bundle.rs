//! The evidence bundle of one inspection (`docs/signed-records.md` §5.6): a
//! zip holding
//!
//! - `export.json`: the export (§5), which a verifier checks first;
//! - `scans/<blake3>.<format>`: each original scan file exactly as it was
//!   imported, named by its BLAKE3 hash, which the signed scan record
//!   states;
//! - `overviews/<scan>.png`: each scan drawn small with its marks, for
//!   reading (not evidence: nothing signs them);
//! - `README.txt`: what is in it and how to check it.
//!
//! A bundle verifies when its export does, when every scan file hashes to
//! its name and that name is an image of the signed scan records, and
//! when every image the records name is there.

use crate::export::{verify_export_bytes, ExportFile, ExportVerdict, VerifyOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

/// The export's name in a bundle.
pub const BUNDLE_EXPORT: &str = "export.json";
/// The largest entry a verifier reads (a scan file is at most 2 GiB; this
/// also stops a zip that inflates without end).
pub const MAX_BUNDLE_ENTRY: u64 = 2 << 30;

/// One file to put in a bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    pub path: String,
    pub bytes: Vec<u8>,
    /// Deflate it (text); scan files and PNGs are stored as they are.
    pub compress: bool,
}

/// Writes a bundle: the export first, then `files` in order.
pub fn write_bundle(export_json: &[u8], files: &[BundleFile]) -> std::io::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(false);
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(true);
    zip.start_file(BUNDLE_EXPORT, deflated)
        .map_err(std::io::Error::other)?;
    zip.write_all(export_json)?;
    for f in files {
        zip.start_file(&f.path, if f.compress { deflated } else { stored })
            .map_err(std::io::Error::other)?;
        zip.write_all(&f.bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The scan images the export's view names: BLAKE3 hex -> what it is.
fn images_of(export: &[u8]) -> BTreeMap<String, String> {
    let Ok(file) = serde_json::from_slice::<ExportFile>(export) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (n, scan) in file.view.scans.iter().enumerate() {
        for image in &scan.images {
            let energy = serde_json::to_value(image.energy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.insert(
                image.blob.clone(),
                format!(
                    "scan {} ({}{energy} image, {} bytes)",
                    n + 1,
                    scan.name
                        .as_deref()
                        .map(|s| format!("{s}, "))
                        .unwrap_or_default(),
                    image.size
                ),
            );
        }
    }
    out
}

/// The number of entries the zip's end-of-central-directory record
/// states (None: no such record, or a Zip64 count).
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = (from..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&i| bytes.get(i..i + 4) == Some(&EOCD[..]))?;
    let total = u16::from_le_bytes([*bytes.get(at + 10)?, *bytes.get(at + 11)?]);
    (total != u16::MAX).then_some(u64::from(total))
}

/// Checks a bundle's bytes: its export (as [`verify_export_bytes`]), then
/// every scan file against the hashes the signed records state.
pub fn verify_bundle_bytes(bytes: &[u8], opts: &VerifyOptions) -> ExportVerdict {
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            return ExportVerdict {
                problems: vec![format!("not a readable zip: {e}")],
                ..ExportVerdict::default()
            }
        }
    };
    let mut problems = vec![];
    let mut warnings = vec![];
    // The zip reader keeps one entry per name; a bundle that holds a name
    // twice could show other readers the other copy.
    if let Some(declared) = declared_entries(bytes) {
        if declared != archive.len() as u64 {
            problems.push(format!(
                "the bundle holds {declared} entries but only {} distinct names: a name is in it twice",
                archive.len()
            ));
        }
    }
    let mut export = None;
    let mut scans: Vec<(String, [u8; 32])> = vec![];
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("zip entry {i} cannot be read: {e}"));
                continue;
            }
        };
        let name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => {
                problems.push(format!("zip entry {i} has an unreadable name: {e}"));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let wanted = name == BUNDLE_EXPORT || name.starts_with("scans/");
        if !wanted {
            if !(name == "README.txt" || name.starts_with("overviews/")) {
                warnings.push(format!("{name}: not part of a Kordon bundle (not checked)"));
            }
            continue;
        }
        if entry.size() > MAX_BUNDLE_ENTRY {
            problems.push(format!("{name} is larger than {MAX_BUNDLE_ENTRY} bytes"));
            continue;
        }
        let mut content = Vec::new();
        let read = (&mut entry)
            .take(MAX_BUNDLE_ENTRY + 1)
            .read_to_end(&mut content);
        if let Err(e) = read {
            problems.push(format!("{name} cannot be read from the zip: {e}"));
            continue;
        }
        if name == BUNDLE_EXPORT {
            export = Some(content);
        } else {
            scans.push((name, *blake3::hash(&content).as_bytes()));
        }
    }
    let Some(export) = export else {
        problems.push(format!("the bundle has no {BUNDLE_EXPORT}"));
        return ExportVerdict {
            problems,
            warnings,
            scan_files: Some(0),
            ..ExportVerdict::default()
        };
    };
    let mut v = verify_export_bytes(&export, opts);
    let images = images_of(&export);
    let mut matched = 0;
    let mut present = BTreeSet::new();
    for (name, hash) in &scans {
        let file = name.trim_start_matches("scans/");
        let stated = file
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let actual = hex::encode(hash);
        if stated.len() != 64 || !stated.bytes().all(|b| b.is_ascii_hexdigit()) {
            problems.push(format!(
                "{name}: a scan file is named by its BLAKE3 hash (64 hex digits)"
            ));
        } else if actual != stated {
            problems.push(format!(
                "{name} was changed: its BLAKE3 is {actual}, not the {stated} the signed scan record states"
            ));
        } else if !images.contains_key(&stated) {
            problems.push(format!(
                "{name} is not an image of this inspection's signed scan records"
            ));
        } else {
            matched += 1;
            present.insert(stated);
        }
    }
    for (blob, what) in &images {
        if !present.contains(blob) {
            let text = format!("{what} is not in the bundle (scans/{blob}.*)");
            if opts.evidence {
                problems.push(text);
            } else {
                warnings.push(text);
            }
        }
    }
    v.problems.extend(problems);
    v.warnings.extend(warnings);
    v.scan_files = Some(matched);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn opts() -> VerifyOptions {
        VerifyOptions {
            server_key: Some(kordon_record::PublicKey([9; 32])),
            evidence: true,
        }
    }

    #[test]
    fn a_bundle_names_what_is_wrong_with_its_scan_files() {
        let scan = b"not really a TIFF, but bytes all the same".to_vec();
        let hash = blake3::hash(&scan).to_hex().to_string();
        let mut changed = scan.clone();
        changed[3] ^= 1;
        let zip = write_bundle(
            b"{}",
            &[
                BundleFile {
                    path: format!("scans/{hash}.tif"),
                    bytes: changed,
                    compress: false,
                },
                BundleFile {
                    path: "scans/short.tif".into(),
                    bytes: scan,
                    compress: false,
                },
                BundleFile {
                    path: "notes.txt".into(),
                    bytes: b"x".to_vec(),
                    compress: true,
                },
            ],
        )
        .expect("zip");
        let v = verify_bundle_bytes(&zip, &opts());
        assert!(!v.ok());
        assert!(
            v.problems
                .iter()
                .any(|p| p.starts_with(&format!("scans/{hash}.tif was changed"))),
            "{:?}",
            v.problems
        );
        assert!(v
            .problems
            .iter()
            .any(|p| p.contains("scans/short.tif: a scan file is named by its BLAKE3")));
        assert!(v
            .warnings
            .iter()
            .any(|w| w.starts_with("notes.txt: not part of")));
        assert_eq!(v.scan_files, Some(0));
        let none = write_bundle(b"{}", &[]).expect("zip");
        assert!(verify_bundle_bytes(&none[..none.len() / 2], &opts())
            .problems
            .iter()
            .any(|p| p.starts_with("not a readable zip")));
    }

    #[test]
    fn a_name_twice_is_refused() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for body in [&b"{}"[..], &b"{ }"[..]] {
            // The writer refuses a duplicate name; write the second under a
            // name of the same length and rename it in the bytes.
            let name = if body.len() == 2 {
                BUNDLE_EXPORT
            } else {
                "exporT.json"
            };
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start");
            w.write_all(body).expect("write");
        }
        let mut bytes = w.finish().expect("zip").into_inner();
        let from = b"exporT.json";
        let mut i = 0;
        while let Some(at) = bytes[i..].windows(from.len()).position(|x| x == from) {
            bytes[i + at..i + at + from.len()].copy_from_slice(BUNDLE_EXPORT.as_bytes());
            i += at + from.len();
        }
        let v = verify_bundle_bytes(&bytes, &opts());
        assert!(
            v.problems
                .iter()
                .any(|p| p.contains("a name is in it twice")),
            "{:?}",
            v.problems
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Damaged bundles (any byte changed, cut short) give a verdict,
        /// never a panic.
        #[test]
        fn damaged_bundles_get_a_verdict_not_a_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
            let scan = vec![42u8; 5000];
            let hash = blake3::hash(&scan).to_hex().to_string();
            let zip = write_bundle(br#"{"format": "kordon-export/2"}"#, &[BundleFile {
                path: format!("scans/{hash}.tif"),
                bytes: scan,
                compress: false,
            }]).expect("zip");
            let mut damaged = zip.clone();
            let i = at.index(damaged.len());
            damaged[i] = byte;
            let v = verify_bundle_bytes(&damaged, &opts());
            prop_assert!(!v.problems.is_empty());
            let short = &zip[..cut.index(zip.len())];
            let v = verify_bundle_bytes(short, &opts());
            prop_assert!(!v.problems.is_empty());
        }
    }
}
