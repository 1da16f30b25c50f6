//! `kordon training ...`: threat image projection exercises for the
//! trainer (build one from scans, score a trainee's answers). Needs no data
//! folder: files in, files out.

use crate::print_json;
use anyhow::Context;
use clap::Subcommand;
use kordon_training::{Manifest, Responses, SourceScan, Spec, ThreatKind};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum TrainingCmd {
    /// Build an exercise from dual-energy scans: about half the images get
    /// one threat item projected at a known place; writes
    /// `TIP_NNNN_high.tif`/`_low.tif` and `exercise.json` (the ground
    /// truth, for scoring; not for the trainee) into OUT.
    Build {
        /// One file of a dual-energy scan; its partner is found beside it,
        /// paired by name as the watch folder pairs them (`NAME_high.EXT`
        /// and `NAME_low.EXT`). Repeatable: each image is made from a scan
        /// of its own.
        #[arg(long = "scan", required = true)]
        scans: Vec<PathBuf>,
        #[arg(long, default_value_t = 10)]
        images: usize,
        /// Share of images with an item.
        #[arg(long, default_value_t = 0.5)]
        signal_share: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Size of a pixel on the object, in millimetres (the scanner's;
        /// `kordon scan synth --json` prints it for synthetic scans).
        #[arg(long, default_value_t = 5.0)]
        pixel_mm: f32,
        /// What the detectors read with no beam.
        #[arg(long, default_value_t = kordon_xraysim::DARK_OFFSET)]
        dark: u16,
        /// Only these items: pistol, drug_bricks, lead_shield, ammunition
        /// (repeatable; all when left out).
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Put every item with its top-left corner at `X,Y` (pixels),
        /// instead of a random place inside the load.
        #[arg(long, value_name = "X,Y")]
        at: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Score a trainee's answers (`kordon-tip-responses/1` JSON) against
    /// an exercise's `exercise.json`.
    Score {
        #[arg(long)]
        exercise: PathBuf,
        #[arg(long)]
        answers: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn read_scan(file: &Path, pixel_mm: f32) -> anyhow::Result<SourceScan> {
    anyhow::ensure!(file.is_file(), "{}: no such file", file.display());
    // Paired by name as the watch folder pairs a scanner's files.
    let (high, low) = kordon_vehicle::dual_energy_pair(file).with_context(|| {
        format!(
            "{}: not one half of a dual-energy pair with its partner beside it (NAME_high.EXT and NAME_low.EXT)",
            file.display()
        )
    })?;
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let decode = |p: &Path, bytes: &[u8]| {
        kordon_imaging::decode(bytes).with_context(|| format!("decoding {}", p.display()))
    };
    let high_bytes = read(&high)?;
    let h = decode(&high, &high_bytes)?;
    let l = decode(&low, &read(&low)?)?;
    kordon_imaging::check_pair(&h, &l)
        .with_context(|| format!("{} and {}", high.display(), low.display()))?;
    Ok(SourceScan {
        source: blake3::hash(&high_bytes).to_hex().to_string(),
        width: h.width,
        height: h.height,
        high: h.pixels,
        low: l.pixels,
        mm_per_pixel: pixel_mm,
    })
}

pub fn run(cmd: TrainingCmd) -> anyhow::Result<u8> {
    match cmd {
        TrainingCmd::Build {
            scans,
            images,
            signal_share,
            seed,
            pixel_mm,
            dark,
            kinds,
            at,
            out,
        } => {
            anyhow::ensure!(
                pixel_mm.is_finite() && (0.5..=100.0).contains(&pixel_mm),
                "--pixel-mm {pixel_mm}: expected 0.5 to 100"
            );
            let kinds = kinds
                .iter()
                .map(|k| {
                    ThreatKind::ALL
                        .into_iter()
                        .find(|t| t.name() == k)
                        .with_context(|| format!("--kind {k:?}: expected pistol, drug_bricks, lead_shield or ammunition"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let sources = scans
                .iter()
                .map(|s| read_scan(s, pixel_mm))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let at = at
                .map(|a| {
                    a.split_once(',')
                        .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)))
                        .with_context(|| format!("--at {a:?}: expected X,Y in pixels"))
                })
                .transpose()?;
            let spec = Spec {
                images,
                signal_share,
                seed,
                dark: f32::from(dark),
                kinds,
                at,
            };
            let built = kordon_training::build(&sources, &spec)?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for image in &built {
                let e = &image.entry;
                for (plane, pixels) in [("high", &image.high), ("low", &image.low)] {
                    let path = out.join(format!("{}_{plane}.tif", e.name));
                    kordon_xraysim::write_tiff16(&path, e.width, e.height, pixels)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
            }
            let manifest = kordon_training::manifest(&built, seed);
            let path = out.join("exercise.json");
            std::fs::write(&path, serde_json::to_vec_pretty(&manifest)?)
                .with_context(|| format!("writing {}", path.display()))?;
            let with = manifest.images.iter().filter(|i| i.item.is_some()).count();
            say!(
                "exercise of {} images ({} with an item) in {}; ground truth in {}",
                manifest.images.len(),
                with,
                out.display(),
                path.display()
            );
        }
        TrainingCmd::Score {
            exercise,
            answers,
            json,
        } => {
            let read =
                |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
            let manifest: Manifest = serde_json::from_slice(&read(&exercise)?)
                .with_context(|| format!("{}: not an exercise manifest", exercise.display()))?;
            let responses: Responses = serde_json::from_slice(&read(&answers)?)
                .with_context(|| format!("{}: not a trainee's answers", answers.display()))?;
            let s = kordon_training::score(&manifest, &responses)?;
            if json {
                print_json(&s)?;
            } else {
                let rate = |r: Option<f64>| r.map_or("-".into(), |r| format!("{:.0} %", 100.0 * r));
                say!(
                    "{}: {} hits, {} misses, {} false alarms, {} correct rejections; hit rate {}, false-alarm rate {}, d′ {}; {:.1} s per image",
                    s.trainee,
                    s.hits,
                    s.misses,
                    s.false_alarms,
                    s.correct_rejections,
                    rate(s.hit_rate),
                    rate(s.false_alarm_rate),
                    s.d_prime.map_or("-".into(), |d| format!("{d:.2}")),
                    s.mean_time_ms / 1000.0
                );
                for i in &s.images {
                    say!(
                        "  {}  {:?}{}",
                        i.name,
                        i.outcome,
                        if i.mislocated {
                            " (marked elsewhere)"
                        } else {
                            ""
                        }
                    );
                }
                if !s.unanswered.is_empty() {
                    say!(
                        "  unanswered (scored as clear): {}",
                        s.unanswered.join(", ")
                    );
                }
            }
        }
    }
    Ok(0)
}
