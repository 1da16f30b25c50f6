//! `kordon training ...`: threat image projection exercises. For the
//! trainer, files in and files out with no data folder: build one from
//! scans, score a trainee's answers. For the trainee, on the vehicle: start
//! an exercise, answer image by image (each answer a signed record that
//! syncs to the centre), or take it whole from an answers file; list and
//! show attempts. These call the same operations as the app.

use crate::print_json;
use anyhow::Context;
use clap::Subcommand;
use kordon_api::training::{self, TrainingAttempt};
use kordon_model::{NewTrainingAnswer, TrainingDecision};
use kordon_training::{Decision, Manifest, Responses, SourceScan, Spec, ThreatKind};
use kordon_vehicle::now_ms;
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
    /// Start an exercise on this vehicle for the officer signed in (or
    /// --officer): its images are stored here, and the attempt is a signed
    /// record that syncs to the centre.
    Start {
        /// The folder `kordon training build` wrote.
        #[arg(long)]
        exercise: PathBuf,
        /// A name for the attempt (the folder's name when left out).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Answer one image of an attempt (one signed record); prints how it
    /// scored and what it held.
    Answer {
        #[arg(long)]
        attempt: String,
        #[arg(long)]
        image: String,
        /// suspect or clear.
        #[arg(long)]
        decision: String,
        /// A marked area, `X,Y,W,H` in image pixels (repeatable).
        #[arg(long = "mark", value_name = "X,Y,W,H")]
        marks: Vec<String>,
        /// Time spent on the image.
        #[arg(long, default_value_t = 0)]
        time_ms: u64,
        #[arg(long)]
        json: bool,
    },
    /// Start an exercise and record every answer of a
    /// `kordon-tip-responses/1` file, in its order: an attempt taken
    /// headless (a scripted trainee, the demo).
    Take {
        #[arg(long)]
        exercise: PathBuf,
        #[arg(long)]
        answers: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The attempts taken on this vehicle, newest first.
    Attempts {
        #[arg(long)]
        json: bool,
    },
    /// One attempt: each image, its answer and how it scored.
    Show {
        attempt: String,
        #[arg(long)]
        json: bool,
    },
    /// Projection in live work: prints the share of opened scans that get
    /// a projected item, or sets it with RATE (0 switches it off).
    LiveRate { rate: Option<f64> },
    /// As the crew opens a scan: the live projection to show instead, if
    /// this scan gets one (prints nothing of what it holds).
    Live {
        #[arg(long)]
        inspection: String,
        #[arg(long)]
        scan: String,
        #[arg(long)]
        json: bool,
    },
    /// A mark on a scan showing a live projection: on the item, the hit
    /// (told at once); elsewhere, nothing (the mark is the crew's own).
    LiveMark {
        #[arg(long)]
        attempt: String,
        #[arg(long, value_name = "X,Y,W,H")]
        mark: String,
        #[arg(long, default_value_t = 0)]
        time_ms: u64,
        #[arg(long)]
        json: bool,
    },
    /// The crew decided with the projected item unmarked: the miss.
    LiveMissed {
        #[arg(long)]
        attempt: String,
        #[arg(long, default_value_t = 0)]
        time_ms: u64,
        #[arg(long)]
        json: bool,
    },
}

impl TrainingCmd {
    /// Whether the command works on the vehicle's data folder.
    pub fn needs_vehicle(&self) -> bool {
        !matches!(self, TrainingCmd::Build { .. } | TrainingCmd::Score { .. })
    }
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
    let limits = kordon_imaging::DecodeLimits::for_scans().map_err(anyhow::Error::msg)?;
    let read = |p: &Path| {
        kordon_vehicle::read_scan_image(p, &limits)
            .with_context(|| format!("reading {}", p.display()))
    };
    let (high_bytes, h) = read(&high)?;
    let (_, l) = read(&low)?;
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
        TrainingCmd::Start { .. }
        | TrainingCmd::Answer { .. }
        | TrainingCmd::Take { .. }
        | TrainingCmd::Attempts { .. }
        | TrainingCmd::Show { .. }
        | TrainingCmd::LiveRate { .. }
        | TrainingCmd::Live { .. }
        | TrainingCmd::LiveMark { .. }
        | TrainingCmd::LiveMissed { .. } => {
            anyhow::bail!("this training command needs the vehicle's data folder")
        }
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
                inside_load_only: false,
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

fn mark(s: &str) -> anyhow::Result<[f64; 4]> {
    Ok(crate::scan_cmd::parse_xywh("--mark", s)?)
}

fn decision(s: &str) -> anyhow::Result<TrainingDecision> {
    TrainingDecision::parse(s.trim())
        .with_context(|| format!("--decision {s:?}: expected suspect or clear"))
}

fn print_attempt(a: &TrainingAttempt, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(a);
    }
    let s = &a.summary;
    say!(
        "{}  {}  {}  {}/{} answered{}",
        s.id,
        s.trainee,
        s.name,
        s.answered,
        s.total,
        if s.finished { "" } else { " (under way)" }
    );
    if let Some(sc) = &s.score {
        let rate = |r: Option<f64>| r.map_or("-".into(), |r| format!("{:.0} %", 100.0 * r));
        say!(
            "  {} hits, {} misses ({} marked elsewhere), {} false alarms, {} correct rejections; hit rate {}, false-alarm rate {}, d′ {}; {:.1} s per image",
            sc.hits,
            sc.misses,
            sc.mislocated,
            sc.false_alarms,
            sc.correct_rejections,
            rate(sc.hit_rate),
            rate(sc.false_alarm_rate),
            sc.d_prime.map_or("-".into(), |d| format!("{d:.2}")),
            sc.mean_time_ms / 1000.0
        );
    }
    for i in &a.images {
        let answer = i
            .answer
            .as_ref()
            .map_or("-".to_string(), |x| x.decision.as_str().to_string());
        let outcome = i.outcome.map_or(String::new(), |o| {
            format!(
                "  {}{}",
                serde_json::to_value(o)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                if i.mislocated {
                    " (marked elsewhere)"
                } else {
                    ""
                }
            )
        });
        let item = i.item.as_ref().map_or(String::new(), |it| {
            format!("  held {} at {:?}", it.kind, it.bbox)
        });
        say!("  {}  {answer}{outcome}{item}", i.name);
    }
    Ok(())
}

/// The trainee's commands, on the vehicle.
pub fn run_on_vehicle(
    cmd: TrainingCmd,
    v: &mut kordon_vehicle::Vehicle,
    officer: Option<&str>,
) -> anyhow::Result<u8> {
    match cmd {
        TrainingCmd::Start {
            exercise,
            name,
            json,
        } => {
            let trainee = v.acting_officer(officer)?;
            let a = v.start_training(&exercise, name.as_deref(), &trainee, now_ms())?;
            print_attempt(&training::attempt_view(&a)?, json)?;
        }
        TrainingCmd::Answer {
            attempt,
            image,
            decision: d,
            marks,
            time_ms,
            json,
        } => {
            let answer = NewTrainingAnswer {
                image,
                decision: decision(&d)?,
                marks: marks
                    .iter()
                    .map(|m| mark(m))
                    .collect::<anyhow::Result<_>>()?,
                time_ms,
            };
            let trainee = v.acting_officer(officer)?;
            let a = v.answer_training(&attempt, &answer, &trainee, now_ms())?;
            print_attempt(&training::attempt_view(&a)?, json)?;
        }
        TrainingCmd::Take {
            exercise,
            answers,
            name,
            json,
        } => {
            let responses: Responses = serde_json::from_slice(
                &std::fs::read(&answers)
                    .with_context(|| format!("reading {}", answers.display()))?,
            )
            .with_context(|| format!("{}: not a trainee's answers", answers.display()))?;
            let trainee = v.acting_officer(officer)?;
            let mut a = v.start_training(&exercise, name.as_deref(), &trainee, now_ms())?;
            let id = a.id.clone();
            for r in &responses.images {
                let answer = NewTrainingAnswer {
                    image: r.name.clone(),
                    decision: match r.decision {
                        Decision::Suspect => TrainingDecision::Suspect,
                        Decision::Clear => TrainingDecision::Clear,
                    },
                    marks: r.marks.clone(),
                    time_ms: r.time_ms,
                };
                a = v
                    .answer_training(&id, &answer, &trainee, now_ms())
                    .with_context(|| format!("answering {}", r.name))?;
            }
            print_attempt(&training::attempt_view(&a)?, json)?;
        }
        TrainingCmd::Attempts { json } => {
            let list = training::training_attempts(v)?;
            if json {
                print_json(&list)?;
            } else {
                for s in &list {
                    say!(
                        "{}  {}  {}  {}/{} answered  d′ {}",
                        s.id,
                        s.trainee,
                        s.name,
                        s.answered,
                        s.total,
                        s.score
                            .as_ref()
                            .and_then(|x| x.d_prime)
                            .map_or("-".into(), |d| format!("{d:.2}"))
                    );
                }
            }
        }
        TrainingCmd::Show { attempt, json } => {
            print_attempt(&training::training_attempt(v, &attempt)?, json)?;
        }
        TrainingCmd::LiveRate { rate } => {
            if let Some(r) = rate {
                v.set_live_tip_rate(r)?;
            }
            say!("{}", v.live_tip_rate()?);
        }
        TrainingCmd::Live {
            inspection,
            scan,
            json,
        } => {
            let id: kordon_model::InspectionId = inspection
                .parse()
                .map_err(|_| anyhow::anyhow!("{inspection:?} is not an inspection id"))?;
            let trainee = v.acting_officer(officer)?;
            match v.live_tip(id, &scan, &trainee, now_ms())? {
                Some(a) => print_attempt(&training::attempt_view(&a)?, json)?,
                None if json => say!("null"),
                None => say!("no projection for this scan"),
            }
        }
        TrainingCmd::LiveMark {
            attempt,
            mark: m,
            time_ms,
            json,
        } => {
            let trainee = v.acting_officer(officer)?;
            match v.live_tip_mark(&attempt, mark(&m)?, time_ms, &trainee, now_ms())? {
                Some(a) => print_attempt(&training::attempt_view(&a)?, json)?,
                None if json => say!("null"),
                None => say!("not on the projected item: the mark is the crew's own"),
            }
        }
        TrainingCmd::LiveMissed {
            attempt,
            time_ms,
            json,
        } => {
            let trainee = v.acting_officer(officer)?;
            let a = v.live_tip_missed(&attempt, time_ms, &trainee, now_ms())?;
            print_attempt(&training::attempt_view(&a)?, json)?;
        }
        TrainingCmd::Build { .. } | TrainingCmd::Score { .. } => return run(cmd),
    }
    Ok(0)
}
