//! Evidence a third party checks offline, with nothing of Kordon's
//! running: the export of one inspection (`docs/signed-records.md` §5) and
//! its strict check against a server key pinned from outside the file,
//! and the evidence bundle (§5.6): one zip holding the export, the original
//! scan files named by their BLAKE3 hashes, overviews of the scans with
//! their marks, and a README saying how to check it.
//!
//! Bytes in, verdict out: no store, no network. The vehicle and the
//! server build exports from what they hold (`kordon-vehicle`,
//! `kordon-central`); `kordon verify` and `tools/verify_export.py` check
//! them.

pub mod bundle;
mod export;
mod strict_json;

pub use bundle::{verify_bundle_bytes, write_bundle, BundleFile, BUNDLE_EXPORT, MAX_BUNDLE_ENTRY};
pub use export::{
    b64, verify_export_bytes, ExportFile, ExportLog, ExportRecord, ExportVerdict, VerifyOptions,
    EXPORT_FORMAT, EXPORT_FORMAT_V1,
};

/// Checks an export or a bundle, whichever the bytes are (a zip starts
/// with `PK\x03\x04`).
pub fn verify_any_bytes(bytes: &[u8], opts: &VerifyOptions) -> ExportVerdict {
    if bytes.starts_with(b"PK\x03\x04") {
        verify_bundle_bytes(bytes, opts)
    } else {
        verify_export_bytes(bytes, opts)
    }
}
