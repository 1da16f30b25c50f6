//! `kordon scan ...` and `kordon watch`: importing scans, rendering their
//! tiles, synthetic scans, and the watch folder.

use crate::print_json;
use anyhow::Context;
use clap::Subcommand;
use kordon_imaging::{Colormap, MaterialThresholds, View, Window};
use kordon_model::{InspectionId, NewAnnotation, Shape};
use kordon_vehicle::{now_ms, ScanDetails, Vehicle, VehicleError, WatchOptions, Watcher};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum ScanCmd {
    /// Import a scan (TIFF, PNG, JPEG, DICONDE, or raw samples with their
    /// ENVI header NAME.hdr beside them; 8 or 16 bit) into an inspection.
    Add {
        /// Inspection id.
        id: InspectionId,
        /// The image, or the high-energy image of a dual-energy pair.
        file: PathBuf,
        /// The low-energy image of a dual-energy pair.
        #[arg(long)]
        low: Option<PathBuf>,
        /// Scanner id.
        #[arg(long)]
        scanner: Option<String>,
        /// Size of a pixel on the object, in millimetres.
        #[arg(long)]
        pixel_mm: Option<f64>,
        /// When the scanner took it (RFC 3339, e.g. 2026-11-24T03:12:00Z).
        #[arg(long)]
        captured: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List an inspection's scans.
    List {
        id: InspectionId,
        #[arg(long)]
        json: bool,
    },
    /// Render one deep-zoom tile (DZI numbering: level 0 is 1×1 pixel, the
    /// last level is full size; tiles are 256 pixels) to a PNG file.
    Render {
        /// Scan id (or its first 8+ hex digits).
        scan: String,
        #[arg(long)]
        level: u32,
        #[arg(long)]
        x: u32,
        #[arg(long)]
        y: u32,
        #[command(flatten)]
        view: ViewArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Render a thumbnail of the whole scan to a PNG file.
    Thumbnail {
        scan: String,
        /// Longest side, in pixels.
        #[arg(long, default_value_t = 256)]
        size: u32,
        #[command(flatten)]
        view: ViewArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic dual-energy scan of a truck (16-bit TIFFs
    /// `NAME_high.tif` and `NAME_low.tif`; DICONDE files `.dcm` with
    /// `--format diconde`; raw `.raw` and `.hdr` with `--format raw`), for
    /// training and tests.
    Synth {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "synthetic")]
        name: String,
        #[arg(long, default_value_t = 6000)]
        width: u32,
        #[arg(long, default_value_t = 2000)]
        height: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Hide contraband (double wall, tyre, cargo) in the load.
        #[arg(long)]
        concealed: bool,
        /// container (a container on a semi-trailer), box (a box trailer)
        /// or van.
        #[arg(long, default_value = "container")]
        kind: String,
        /// Write only the high-energy image, as `NAME.tif` (or `NAME.dcm`,
        /// or `NAME.raw` with `NAME.hdr`).
        #[arg(long)]
        single: bool,
        /// tiff (16-bit, uncompressed), diconde (DICOM Part 10, explicit
        /// VR little endian, as a scanner exporting DICONDE writes it) or
        /// raw (little-endian samples, `NAME.raw`, with an ENVI header
        /// `NAME.hdr` beside them).
        #[arg(long, default_value = "tiff")]
        format: String,
        /// The mix of goods: general_goods, food_and_drink, industrial or
        /// bulk (seeded when left out).
        #[arg(long)]
        load: Option<String>,
        /// Print the files written and the ground truth (what is hidden
        /// where, in image pixels) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark a suspect area on one of an inspection's scans (append-only,
    /// signed like a decision).
    Mark {
        /// Inspection id.
        id: InspectionId,
        /// Scan id (or its first 8+ hex digits).
        scan: String,
        /// void, double_wall, density_anomaly, undeclared_goods or other.
        #[arg(long)]
        kind: String,
        /// The area in full-resolution image pixels: `X,Y,W,H`.
        #[arg(long)]
        rect: String,
        /// Free text beside the kind.
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long)]
        json: bool,
    },
}

/// How to show the image.
#[derive(clap::Args, Debug)]
pub struct ViewArgs {
    /// Raw values shown black and white, `LOW-HIGH` (e.g. `17000-28000`);
    /// automatic from the scan's statistics when left out.
    #[arg(long)]
    window: Option<String>,
    /// Dense objects bright instead of dark.
    #[arg(long)]
    invert: bool,
    #[arg(long, default_value_t = 1.0)]
    gamma: f32,
    /// grey, hot, jet, bone, ...
    #[arg(long, default_value = "grey")]
    colormap: String,
    /// Edge enhancement strength (0 = off, 1 typical).
    #[arg(long, default_value_t = 0.0)]
    edge: f32,
    /// Dual-energy material colours (organic orange, inorganic green,
    /// metal blue).
    #[arg(long)]
    materials: bool,
    /// The scanner's beams, for material colours: `linac` (MeV, cargo
    /// scanners) or `tube` (kV, baggage scanners).
    #[arg(long, default_value = "linac")]
    source: String,
}

impl ViewArgs {
    fn view(&self) -> Result<View, VehicleError> {
        let bad = |m: String| VehicleError::Invalid(m);
        let window = match self.window.as_deref() {
            None | Some("auto") => None,
            Some(w) => {
                let (lo, hi) = w
                    .split_once('-')
                    .and_then(|(a, b)| {
                        Some((a.trim().parse::<f32>().ok()?, b.trim().parse::<f32>().ok()?))
                    })
                    .ok_or_else(|| {
                        bad(format!(
                            "--window {w:?}: expected LOW-HIGH, e.g. 17000-28000"
                        ))
                    })?;
                if hi <= lo {
                    return Err(bad(format!("--window {w:?}: HIGH must be above LOW")));
                }
                Some(Window {
                    center: (lo + hi) / 2.0,
                    width: hi - lo,
                })
            }
        };
        let colormap: Colormap = self
            .colormap
            .parse()
            .map_err(|e| bad(format!("--colormap: {e}")))?;
        let thresholds = match self.source.as_str() {
            "linac" | "mev" => MaterialThresholds::linac(),
            "tube" | "kv" => MaterialThresholds::default(),
            other => return Err(bad(format!("--source {other:?}: expected linac or tube"))),
        };
        let view = View {
            window,
            invert: self.invert,
            gamma: self.gamma,
            colormap,
            edge: self.edge,
            materials: self.materials,
            thresholds,
        };
        view.validate().map_err(|e| bad(e.to_string()))?;
        Ok(view)
    }
}

fn write_file(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

pub fn run_scan(v: &mut Vehicle, cmd: ScanCmd, officer: Option<&str>) -> anyhow::Result<u8> {
    match cmd {
        ScanCmd::Add {
            id,
            file,
            low,
            scanner,
            pixel_mm,
            captured,
            json,
        } => {
            let officer = v.acting_officer(officer)?;
            let captured_ms = captured
                .map(|c| {
                    time::OffsetDateTime::parse(&c, &time::format_description::well_known::Rfc3339)
                        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
                        .map_err(|e| VehicleError::Invalid(format!("--captured {c:?}: {e}")))
                })
                .transpose()?;
            let details = ScanDetails {
                scanner,
                captured_ms,
                pixel_mm,
            };
            let r = v.add_scan(id, &file, low.as_deref(), &details, &officer, now_ms())?;
            if json {
                print_json(&r)?;
            } else {
                let img = r.scan.primary();
                say!(
                    "{}  {}×{} {}-bit{}  attached to {} (first tile in {} ms)",
                    r.scan.id,
                    img.map_or(0, |i| i.width),
                    img.map_or(0, |i| i.height),
                    img.map_or(0, |i| i.bits),
                    if r.scan.low().is_some() {
                        " dual-energy"
                    } else {
                        ""
                    },
                    id,
                    r.first_tile_ms
                );
            }
        }
        ScanCmd::List { id, json } => {
            let view = v.show(id)?;
            if json {
                print_json(&view.scans)?;
            } else {
                for s in &view.scans {
                    let img = s.primary();
                    say!(
                        "{}  {}×{} {}-bit {}  {}  by {}",
                        s.id,
                        img.map_or(0, |i| i.width),
                        img.map_or(0, |i| i.height),
                        img.map_or(0, |i| i.bits),
                        if s.low().is_some() { "dual" } else { "single" },
                        s.name.as_deref().unwrap_or("-"),
                        s.added_by
                    );
                }
            }
        }
        ScanCmd::Render {
            scan,
            level,
            x,
            y,
            view,
            out,
        } => {
            let png = v.render_tile(&scan, level, x, y, &view.view()?)?;
            write_file(&out, &png)?;
            say!("tile {level}/{x}/{y} written to {}", out.display());
        }
        ScanCmd::Thumbnail {
            scan,
            size,
            view,
            out,
        } => {
            let png = v.scan_thumbnail(&scan, size, &view.view()?)?;
            write_file(&out, &png)?;
            say!("thumbnail written to {}", out.display());
        }
        ScanCmd::Mark {
            id,
            scan,
            kind,
            rect,
            label,
            json,
        } => {
            let officer = v.acting_officer(officer)?;
            let scans = v.show(id)?.scans;
            let matching: Vec<&str> = scans
                .iter()
                .map(|s| s.id.as_str())
                .filter(|s| scan.len() >= 8 && s.starts_with(scan.as_str()))
                .collect();
            let [scan] = matching[..] else {
                return Err(VehicleError::Invalid(format!(
                    "{scan:?} names {} of inspection {id}'s {} scans (give 8 or more hex digits of one)",
                    matching.len(),
                    scans.len()
                ))
                .into());
            };
            let mark = NewAnnotation {
                scan: scan.to_string(),
                kind: kind.parse().map_err(VehicleError::Invalid)?,
                shape: parse_rect(&rect)?,
                label,
            };
            let view = v.annotate(id, &mark, &officer, now_ms())?;
            if json {
                print_json(&view.annotations)?;
            } else {
                say!(
                    "{id}: {} marked on scan {} ({} marks)",
                    mark.kind.as_str(),
                    &scan[..12.min(scan.len())],
                    view.annotations.len()
                );
            }
        }
        cmd @ ScanCmd::Synth { .. } => synth_cmd(&cmd)?,
    }
    Ok(0)
}

/// `kordon scan synth`: writes a synthetic scan; needs no data folder.
pub fn synth_cmd(cmd: &ScanCmd) -> anyhow::Result<()> {
    match cmd {
        ScanCmd::Synth {
            out,
            name,
            width,
            height,
            seed,
            concealed,
            kind,
            single,
            format,
            load,
            json,
        } => synth(
            out,
            name,
            (*width, *height),
            *seed,
            (*concealed, load.as_deref()),
            (kind, format),
            (*single, *json),
        ),
        _ => Ok(()),
    }
}

fn synth(
    out: &std::path::Path,
    name: &str,
    (width, height): (u32, u32),
    seed: u64,
    (concealed, load): (bool, Option<&str>),
    (kind, format): (&str, &str),
    (single, json): (bool, bool),
) -> anyhow::Result<()> {
    type Writer =
        fn(&std::path::Path, u32, u32, &[u16]) -> Result<(), kordon_xraysim::XraysimError>;
    let (extension, write): (&str, Writer) = match format {
        "tiff" => ("tif", kordon_xraysim::write_tiff16),
        "diconde" => ("dcm", kordon_xraysim::write_diconde16),
        "raw" => ("raw", kordon_xraysim::write_raw16),
        other => {
            return Err(VehicleError::Invalid(format!(
                "--format {other:?}: expected tiff, diconde or raw"
            ))
            .into())
        }
    };
    let load = load
        .map(|l| {
            kordon_xraysim::Load::ALL
                .into_iter()
                .find(|x| x.name() == l)
                .ok_or_else(|| {
                    VehicleError::Invalid(format!(
                        "--load {l:?}: expected general_goods, food_and_drink, industrial or bulk"
                    ))
                })
        })
        .transpose()?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let spec = kordon_xraysim::SceneSpec {
        width,
        height,
        seed,
        concealed,
        load,
        kind: match kind {
            "container" => kordon_xraysim::VehicleKind::ContainerTrailer,
            "box" => kordon_xraysim::VehicleKind::BoxTrailer,
            "van" => kordon_xraysim::VehicleKind::Van,
            other => {
                return Err(VehicleError::Invalid(format!(
                    "--kind {other:?}: expected container, box or van"
                ))
                .into())
            }
        },
        ..kordon_xraysim::SceneSpec::default()
    };
    let scan =
        kordon_xraysim::try_generate(&spec).map_err(|e| VehicleError::Invalid(e.to_string()))?;
    let files = if single {
        let path = out.join(format!("{name}.{extension}"));
        write(&path, scan.width, scan.height, &scan.high)?;
        vec![path]
    } else {
        let high = out.join(format!("{name}_high.{extension}"));
        let low = out.join(format!("{name}_low.{extension}"));
        write(&high, scan.width, scan.height, &scan.high)?;
        write(&low, scan.width, scan.height, &scan.low)?;
        vec![high, low]
    };
    if json {
        let hidden: Vec<serde_json::Value> = scan
            .objects
            .iter()
            .filter(|o| o.kind.is_concealed())
            .map(|o| {
                serde_json::json!({
                    "kind": o.kind.name(),
                    "bbox": [o.bbox.0, o.bbox.1, o.bbox.2, o.bbox.3],
                })
            })
            .collect();
        print_json(&serde_json::json!({
            "files": files,
            "width": scan.width,
            "height": scan.height,
            "mm_per_pixel": scan.mm_per_pixel,
            "concealed": hidden,
        }))?;
    } else {
        for f in &files {
            say!("{}", f.display());
        }
    }
    Ok(())
}

/// `X,Y,W,H` in image pixels, given as `flag` (for the error).
pub(crate) fn parse_xywh(flag: &str, s: &str) -> Result<[f64; 4], VehicleError> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| VehicleError::Invalid(format!("{flag} {s:?}: {e}")))?;
    <[f64; 4]>::try_from(parts)
        .map_err(|_| VehicleError::Invalid(format!("{flag} {s:?}: expected X,Y,W,H")))
}

/// `X,Y,W,H` in image pixels.
fn parse_rect(s: &str) -> Result<Shape, VehicleError> {
    let [x, y, w, h] = parse_xywh("--rect", s)?;
    Ok(Shape::Rect { x, y, w, h })
}

/// Watches `folder` until interrupted (with `once`: until what is there
/// now has settled and been imported).
pub fn run_watch(
    v: &mut Vehicle,
    folder: PathBuf,
    opts: WatchOptions,
    officer: Option<&str>,
    poll: Duration,
    once: bool,
) -> anyhow::Result<u8> {
    let officer = v.acting_officer(officer)?;
    if !folder.is_dir() {
        return Err(VehicleError::Invalid(format!("{} is not a folder", folder.display())).into());
    }
    let mut watcher = Watcher::new();
    let mut settled_pass = false;
    loop {
        match watcher.pass(v, &folder, &opts, &officer, now_ms()) {
            Ok(done) => {
                for e in done {
                    say!("{}: {} ({})", e.outcome, e.path, e.detail);
                }
            }
            Err(e) if !once => eprintln!("kordon: watch: {e} (will retry)"),
            Err(e) => return Err(e.into()),
        }
        if once {
            if settled_pass {
                return Ok(0);
            }
            // One more pass once files have had time to settle.
            settled_pass = true;
            std::thread::sleep(opts.settle + Duration::from_millis(100));
            continue;
        }
        std::thread::sleep(poll);
    }
}
