//! DICONDE against pydicom, a DICOM implementation that is not ours: files
//! it writes (every uncompressed transfer syntax, 8 to 16 bits stored,
//! signed, MONOCHROME1, with sequences) decode to the values it put in,
//! and a file `kordon-xraysim` writes is read by it as written.
//!
//! pydicom lives in `target/tools/pydicom` (`make dicom-tools`, which
//! `make test` runs); `KORDON_PYDICOM_PYTHON` names another interpreter
//! that has it.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn pydicom_and_kordon_read_each_others_diconde_files() {
    let python = kordon_test_support::installed_tool("KORDON_PYDICOM_PYTHON", "pydicom/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make dicom-tools` (or set KORDON_PYDICOM_PYTHON)",
        python.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (width, height) = (33u32, 17u32);
    let ours: Vec<u16> = (0..width * height)
        .map(|i| (i.wrapping_mul(4099) % 65536) as u16)
        .collect();
    let ours_path = dir.path().join("kordon-xraysim.dcm");
    kordon_xraysim::write_diconde16(&ours_path, width, height, &ours).expect("write ours");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diconde/pydicom_cross_check.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir.path())
        .arg(&ours_path)
        .arg(width.to_string())
        .arg(height.to_string())
        .output()
        .expect("run pydicom");
    assert!(
        out.status.success(),
        "pydicom: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Ours decodes back through our own reader too.
    let image = kordon_imaging::decode(&std::fs::read(&ours_path).expect("read")).expect("ours");
    assert_eq!((image.width, image.height), (width, height));
    assert_eq!(image.pixels, ours);

    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).expect("manifest"))
            .expect("manifest is JSON");
    assert_eq!(manifest.len(), 9, "every case was written");
    for case in manifest {
        let name = case["file"].as_str().expect("file");
        let bytes = std::fs::read(dir.path().join(name)).expect("case file");
        let image = kordon_imaging::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(image.format, kordon_imaging::Format::Diconde, "{name}");
        assert_eq!(
            (
                u64::from(image.width),
                u64::from(image.height),
                u64::from(image.bits)
            ),
            (
                case["width"].as_u64().expect("width"),
                case["height"].as_u64().expect("height"),
                case["bits"].as_u64().expect("bits")
            ),
            "{name}"
        );
        let want: Vec<u16> = case["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v.as_u64().expect("a value") as u16)
            .collect();
        assert_eq!(image.pixels, want, "{name}");
    }
}
