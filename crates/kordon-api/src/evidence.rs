//! The evidence bundle of one inspection (`docs/signed-records.md` §5.6),
//! as the console downloads it and `kordon-server bundle` writes it: the
//! server's export, the original scan files named by their BLAKE3 hashes,
//! an overview of each scan with its marks, and a README saying how to
//! check it. A download from the console is audited.

use crate::console::{allow, record_action, Op};
use crate::ApiError;
use kordon_central::accounts::{Actor, Role};
use kordon_central::scans::ScanStage;
use kordon_central::Central;
use kordon_evidence::{write_bundle, BundleFile, ExportFile};
use kordon_model::{Annotation, InspectionId, Scan, Shape};

pub const BUNDLE: Op = Op {
    name: "bundle",
    roles: &[Role::Supervisor, Role::Auditor],
};

/// Longer side of an overview, in pixels.
pub const OVERVIEW_SIDE: u32 = 1600;

/// A bundle made: its file name and bytes.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Builds the bundle of inspection `id` (no role check, no audit: the
/// command line on the server's own data, and [`bundle`]).
pub fn build_bundle(c: &mut Central, id: &str) -> Result<Bundle, ApiError> {
    let id: InspectionId = crate::inspection_id(id)?;
    let now = kordon_central::now_ms();
    let export = c.export(id, now)?;
    let json = serde_json::to_vec_pretty(&export)
        .map_err(|e| ApiError::internal(format!("the export: {e}")))?;
    let blobs = c.blob_store()?;
    let mut files = vec![];
    let mut missing = vec![];
    for scan in &export.view.scans {
        for image in &scan.images {
            let Ok(blob) = image.blob.parse::<kordon_blob::BlobId>() else {
                missing.push(image.blob.clone());
                continue;
            };
            match blobs.read_verified(&blob) {
                Ok(bytes) => files.push(BundleFile {
                    path: format!("scans/{}.{}", image.blob, extension(&image.format)),
                    bytes,
                    compress: false,
                }),
                Err(_) => missing.push(image.blob.clone()),
            }
        }
    }
    let mut overviews = vec![];
    for scan in &export.view.scans {
        if let Ok(ScanStage::Ready(pyramid)) = c.scan_stage(scan) {
            let marks: Vec<&Annotation> = export
                .view
                .annotations
                .iter()
                .filter(|a| a.scan == scan.id)
                .collect();
            if let Ok(png) = overview_png(&pyramid, scan, &marks) {
                overviews.push(scan.id.clone());
                files.push(BundleFile {
                    path: format!("overviews/{}.png", scan.id),
                    bytes: png,
                    compress: false,
                });
            }
        }
    }
    let readme = readme(&export, &c.public_key().to_string(), &missing, &overviews);
    files.insert(
        0,
        BundleFile {
            path: "README.txt".into(),
            bytes: readme.into_bytes(),
            compress: true,
        },
    );
    let bytes = write_bundle(&json, &files)
        .map_err(|e| ApiError::internal(format!("writing the bundle: {e}")))?;
    Ok(Bundle {
        file_name: format!("kordon-evidence-{id}.zip"),
        bytes,
    })
}

/// The bundle for a console user; the download is audited.
pub fn bundle(
    c: &mut Central,
    who: &Actor,
    id: &str,
    peer: Option<&str>,
) -> Result<Bundle, ApiError> {
    allow(who, &BUNDLE)?;
    let b = build_bundle(c, id)?;
    let digest = blake3::hash(&b.bytes).to_hex().to_string();
    record_action(
        c,
        who,
        "bundle_download",
        id,
        &format!("{} bytes, BLAKE3 {digest}", b.bytes.len()),
        peer,
        kordon_central::now_ms(),
    )?;
    Ok(b)
}

fn extension(format: &str) -> &'static str {
    match format {
        "png" => "png",
        "jpeg" => "jpg",
        "diconde" => "dcm",
        "raw" => "raw",
        _ => "tif",
    }
}

/// The scan drawn small (default view), its marks outlined in yellow.
fn overview_png(
    pyramid: &kordon_imaging::Pyramid,
    scan: &Scan,
    marks: &[&Annotation],
) -> Result<Vec<u8>, ApiError> {
    let view = crate::view::ViewParams::default().to_view()?;
    let mut picture = kordon_imaging::thumbnail(pyramid, OVERVIEW_SIDE, &view)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let full_w = scan.primary().map_or(picture.w, |i| i.width).max(1);
    let scale = f64::from(picture.w) / f64::from(full_w);
    for mark in marks {
        let points: Vec<(f64, f64)> = match &mark.shape {
            Shape::Rect { x, y, w, h } => {
                vec![(*x, *y), (x + w, *y), (x + w, y + h), (*x, y + h), (*x, *y)]
            }
            Shape::Free { points } => points.clone(),
        };
        for pair in points.windows(2) {
            line(
                &mut picture,
                (pair[0].0 * scale, pair[0].1 * scale),
                (pair[1].0 * scale, pair[1].1 * scale),
            );
        }
    }
    kordon_imaging::encode_png(&picture).map_err(|e| ApiError::internal(e.to_string()))
}

/// A 3-pixel yellow line from `a` to `b`.
fn line(p: &mut kordon_imaging::Rendered, a: (f64, f64), b: (f64, f64)) {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).clamp(1, 20_000);
    for i in 0..=steps {
        let t = i as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let (px, py) = (x.round() as i64 + dx, y.round() as i64 + dy);
                if px < 0 || py < 0 || px >= i64::from(p.w) || py >= i64::from(p.h) {
                    continue;
                }
                let at = (py as usize * p.w as usize + px as usize) * 3;
                if let Some(rgb) = p.rgb.get_mut(at..at + 3) {
                    rgb.copy_from_slice(&[255, 204, 0]);
                }
            }
        }
    }
}

/// What is in the bundle and how to check it.
fn readme(
    export: &ExportFile,
    server_key: &str,
    missing: &[String],
    overviews: &[String],
) -> String {
    let v = &export.view;
    let mut s = String::new();
    s.push_str(&format!(
        "KORDON EVIDENCE BUNDLE\n======================\n\nInspection {}\nUnit {}\nMade by the Kordon server whose public key is\n  {server_key}\nat {} (Unix ms {}).\n\n",
        export.inspection,
        v.unit,
        iso(export.exported_ms),
        export.exported_ms
    ));
    s.push_str(
        "WHAT IS IN IT\n\n\
         export.json      The inspection's signed records (format kordon-export/2): each\n\
         \x20                record signed by the device or server that made it, with its\n\
         \x20                place in the server's transparency log and the proof; the signed\n\
         \x20                checkpoint the proofs lead to; the server's signed statement of\n\
         \x20                the complete record set; the signed register entries of the\n\
         \x20                devices that signed. The \"view\" is the inspection as the\n\
         \x20                records rebuild it.\n\
         scans/           Each original scan file exactly as imported, named by its BLAKE3\n\
         \x20                hash. The signed scan records state these hashes.\n\
         overviews/       Each scan drawn small with its marks outlined (for reading;\n\
         \x20                nothing signs these pictures).\n\
         README.txt       This file (not signed).\n\n",
    );
    s.push_str("SCANS\n\n");
    for (n, scan) in v.scans.iter().enumerate() {
        s.push_str(&format!(
            "Scan {} {}{}\n",
            n + 1,
            scan.name.as_deref().unwrap_or(""),
            if overviews.contains(&scan.id) {
                format!(" (overview: overviews/{}.png)", scan.id)
            } else {
                " (no overview: its tiles are not built yet)".into()
            }
        ));
        for image in &scan.images {
            let energy = serde_json::to_value(image.energy)
                .ok()
                .and_then(|e| e.as_str().map(str::to_string))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {energy:<7} scans/{}.{}  {} bytes, {}x{}, {}-bit{}\n",
                image.blob,
                extension(&image.format),
                image.size,
                image.width,
                image.height,
                image.bits,
                if missing.contains(&image.blob) {
                    "  NOT IN THIS BUNDLE: the server has not received it whole yet"
                } else {
                    ""
                }
            ));
        }
        for (m, a) in v
            .annotations
            .iter()
            .filter(|a| a.scan == scan.id)
            .enumerate()
        {
            s.push_str(&format!(
                "  mark {}: {} \"{}\" by {} at {}\n",
                m + 1,
                a.kind.as_str(),
                a.label,
                a.added_by,
                iso(a.added_ms)
            ));
        }
    }
    if v.scans.is_empty() {
        s.push_str("(no scans)\n");
    }
    s.push_str(&format!(
        "\nHOW TO CHECK IT\n\n\
         Pin the server's public key from a source you trust (not from this\n\
         bundle), then either:\n\n\
         \x20 kordon verify {name} --server-key <KEY> --evidence\n\n\
         or, with Python 3 and nothing else:\n\n\
         \x20 python3 tools/verify_export.py --server-key <KEY> --evidence {name}\n\n\
         Both check every signature, every proof against the signed\n\
         checkpoint, that the record set is the complete one the server\n\
         stated, and that every file in scans/ hashes (BLAKE3) to the value\n\
         a signed scan record states. Any changed byte in a record or a scan\n\
         file fails the check and is named.\n\n\
         By hand, following docs/signed-records.md (sections 2 to 6): decode\n\
         each record (base64), check its ed25519 signature over its digest;\n\
         check each inclusion path (RFC 9162 2.1.3.2) from its leaf to the\n\
         head of the checkpoint of its tree size, and the checkpoint's\n\
         signature under the pinned key; compute the BLAKE3 of each scan\n\
         file and find it in a signed scan record.\n",
        name = format_args!("kordon-evidence-{}.zip", export.inspection)
    ));
    s
}

fn iso(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}
