//! What encrypting a vehicle's data at rest costs, each figure against the
//! same work on an unencrypted data folder in the same run: opening the
//! data with an officer's PIN (Argon2id at the chosen cost) to the first
//! list of inspections, a scan's import, tile reads and renders, and a
//! sync of 1,000 inspections to a real server over loopback QUIC.

use anyhow::{anyhow, Context};
use kordon_central::{serve, Central};
use kordon_imaging::{render_tile, View};
use kordon_model::{NewInspection, OfficerId};
use kordon_vault::{KdfCost, KeySlots, Machine, SlotPolicy};
use kordon_vehicle::{ScanDetails, SyncOptions, Vehicle};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Inspections in the sync measured.
    #[arg(long, default_value_t = 1_000)]
    inspections: usize,
    /// Runs of each measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Size of the dual-energy scan imported.
    #[arg(long, default_value_t = 4096)]
    width: u32,
    #[arg(long, default_value_t = 2048)]
    height: u32,
    /// Tiles read and rendered per run.
    #[arg(long, default_value_t = 300)]
    tiles: usize,
}

const OFFICER: &str = "OF-BENCH";
const PIN: &str = "2468";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn line(what: &str, plain: Duration, sealed: Duration, unit: &str, scale: f64) {
    println!(
        "  {what:<44} {:>9.2} {unit} {:>9.2} {unit}  {:>+6.1} %",
        ms(plain) * scale,
        ms(sealed) * scale,
        (sealed.as_secs_f64() / plain.as_secs_f64() - 1.0) * 100.0
    );
}

/// A data folder, plain or encrypted, opened.
fn vehicle(dir: &Path, sealed: bool) -> anyhow::Result<Vehicle> {
    if sealed {
        Vehicle::encrypt(dir, OFFICER, PIN)?;
        Ok(Vehicle::unlock(dir, OFFICER, PIN)?)
    } else {
        Ok(Vehicle::open(dir)?)
    }
}

fn reopen(dir: &Path, sealed: bool) -> anyhow::Result<Vehicle> {
    Ok(if sealed {
        Vehicle::unlock(dir, OFFICER, PIN)?
    } else {
        Vehicle::open(dir)?
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let officer = OfficerId::new(OFFICER).map_err(|e| anyhow!(e))?;
    let now = kordon_central::now_ms();
    println!(
        "data at rest: unencrypted vs encrypted, median of {} runs",
        args.runs
    );
    println!("  {:<44} {:>12} {:>12}  overhead", "", "plain", "encrypted");

    // Unlocking: Argon2id at the default cost, and at others beside it
    // (what a stronger or a cheaper choice would cost the crew).
    let costs = [
        KdfCost::DEFAULT,
        KdfCost {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        },
        KdfCost {
            m_kib: 128 * 1024,
            t: 3,
            p: 1,
        },
        KdfCost {
            m_kib: 512 * 1024,
            t: 3,
            p: 1,
        },
    ];
    // Unbound, and (for the default cost) bound to the machine's TPM or
    // keyring when `KORDON_TPM`/`KORDON_KEYRING` or the machine give one:
    // the slots are read anew for each unlock, as a vehicle does.
    let machine = Machine::from_env();
    let mut cases = vec![];
    for (n, cost) in costs.into_iter().enumerate() {
        if n > 0 && cost == KdfCost::DEFAULT {
            continue;
        }
        cases.push((n, cost, Machine::Unbound));
        if n == 0 && machine != Machine::Unbound {
            cases.push((n, cost, machine.clone()));
        }
    }
    for (i, (n, cost, machine)) in cases.into_iter().enumerate() {
        let slots_dir = tmp.path().join(format!("slots-{i}"));
        std::fs::create_dir_all(&slots_dir)?;
        let bound = machine != Machine::Unbound;
        let policy = SlotPolicy { cost, machine };
        let (made, _) = KeySlots::create(&slots_dir, OFFICER, PIN, &policy)?;
        if bound && !made.is_machine_bound() {
            anyhow::bail!("the machine's TPM or keyring did not answer");
        }
        let unlock = median(
            (0..args.runs)
                .map(|_| {
                    let t = Instant::now();
                    KeySlots::load(&slots_dir, &policy)
                        .and_then(|slots| slots.unlock(OFFICER, PIN))
                        .map(|_| t.elapsed())
                })
                .collect::<Result<_, _>>()?,
        );
        println!(
            "  unlock: Argon2id m={} MiB t={} p={}{:<16} {:>9.0} ms",
            cost.m_kib / 1024,
            cost.t,
            cost.p,
            match (n == 0, bound) {
                (true, true) => " (default), bound",
                (true, false) => " (default)",
                _ => "",
            },
            ms(unlock)
        );
    }

    // The scan both vehicles import.
    let scene = kordon_xraysim::SceneSpec {
        width: args.width,
        height: args.height,
        seed: 5,
        concealed: true,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scan = kordon_xraysim::try_generate(&scene)?;
    let files = tmp.path().join("scan-files");
    std::fs::create_dir_all(&files)?;
    let (high, low) = (files.join("s_high.tif"), files.join("s_low.tif"));
    kordon_xraysim::write_tiff16(&high, args.width, args.height, &scan.high)?;
    kordon_xraysim::write_tiff16(&low, args.width, args.height, &scan.low)?;

    let mut import = [vec![], vec![]];
    let mut tiles = [vec![], vec![]];
    let mut open = [vec![], vec![]];
    let mut sync = [vec![], vec![]];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    for run in 0..args.runs {
        for (i, sealed) in [false, true].into_iter().enumerate() {
            let dir = tmp.path().join(format!("v-{run}-{i}"));
            let mut v = vehicle(&dir, sealed)?;
            let id = v
                .create_inspection(
                    &NewInspection {
                        tractor_plate: "AA1234BB".into(),
                        unit: "BENCH-1".into(),
                        ..NewInspection::default()
                    },
                    &officer,
                    now,
                )
                .context("inspection")?
                .id;
            // Import: read, decode, store the originals, build the tiles.
            let t = Instant::now();
            let added = v.add_scan(
                id,
                &high,
                Some(&low),
                &ScanDetails::default(),
                &officer,
                now,
            )?;
            import[i].push(t.elapsed());
            // Tiles as the viewer reads them: the pyramid opened once,
            // tiles at the finest level read and rendered.
            let path = v.pyramid_path(&added.scan.id);
            let pyramid = kordon_imaging::Pyramid::open_with(&path, v.seal())?;
            let level = pyramid.info().max_level;
            let (columns, rows) = pyramid.tiles_at(level).unwrap_or((1, 1));
            let view = View::default();
            let t = Instant::now();
            for n in 0..args.tiles {
                let x = (n as u32 * 7) % columns;
                let y = (n as u32 * 13) % rows;
                render_tile(&pyramid, level, x, y, &view)?;
            }
            tiles[i].push(t.elapsed() / args.tiles as u32);
            drop(v);
            // Opening the data to the first list: what a crew waits for
            // after a cold start (with the PIN's Argon2id when encrypted).
            let t = Instant::now();
            let v = reopen(&dir, sealed)?;
            v.list(&kordon_store::Query::default())?;
            open[i].push(t.elapsed());
        }
        // Sync of many inspections to a server of its own, over QUIC.
        for (i, sealed) in [false, true].into_iter().enumerate() {
            let central = Central::init(&tmp.path().join(format!("srv-{run}-{i}")), "127.0.0.1:0")?;
            let endpoint = rt.block_on(async {
                serve::bind(&central, "127.0.0.1:0".parse().context("addr")?)
                    .map_err(anyhow::Error::from)
            })?;
            let addr = endpoint.local_addr()?.to_string();
            let dir = tmp.path().join(format!("s-{run}-{i}"));
            let mut v = vehicle(&dir, sealed)?;
            let token = central.enroll("BENCH-1", Some(&addr), 1, now)?;
            v.enroll(&token.encode())?;
            v.generate(args.inspections, 42, "BENCH-1", &officer, now)?;
            let shared = Arc::new(Mutex::new(central));
            rt.spawn(serve::serve(endpoint.clone(), shared));
            let t = Instant::now();
            let report = rt.block_on(v.sync_once(&SyncOptions::default()))?;
            sync[i].push(t.elapsed());
            if !report.complete {
                return Err(anyhow!("sync incomplete: {report:?}"));
            }
            endpoint.close(0u32.into(), b"done");
        }
    }
    let [ip, is] = import.map(median);
    let [tp, ts] = tiles.map(median);
    let [op, os] = open.map(median);
    let [sp, ss] = sync.map(median);
    line(
        &format!("scan import {} × {} dual energy", args.width, args.height),
        ip,
        is,
        "ms",
        1.0,
    );
    line("tile read and render (per tile)", tp, ts, "µs", 1e3);
    line(
        &format!("sync of {} inspections (QUIC loopback)", args.inspections),
        sp,
        ss,
        "ms",
        1.0,
    );
    line("open the data to the first list (cold)", op, os, "ms", 1.0);
    Ok(())
}
