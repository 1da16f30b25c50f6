//! A scan's delivery into the server's storage: the data folder against
//! S3-compatible object storage, in the same run.
//!
//! `make object-storage && cargo run --release -p kordon-bench -- scan-storage`
//!
//! A vehicle imports a synthetic 16-bit scan and syncs it over QUIC on
//! loopback to an in-process server (the QUIC endpoint `kordon-server run`
//! serves). Timed as the crew waits for it: from the start of the sync
//! pass (connection and handshake, the inspection's two records, then the
//! scan) to the pass reporting the scan stored, which the server says only once the scan is whole and verified
//! in its storage. The baseline is the data folder (`blobs/`); the other
//! is a real SeaweedFS on loopback (`weed server` with its S3 gateway,
//! started by the benchmark in a throwaway folder), reached through the
//! blob port's S3 implementation: one object per verified piece while the
//! scan arrives, each also fed to the blob's multipart upload (hashed
//! again on the way), which is completed after the last piece. A fresh
//! server, vehicle and prefix for every run; the runs alternate.

use anyhow::anyhow;
use kordon_central::{serve, Central};
use kordon_test_support::object_storage::ObjectStorage;
use kordon_vehicle::{ScanDetails, SyncOptions};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Runs per storage.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Width of the synthetic scan in pixels.
    #[arg(long, default_value_t = 4096)]
    scan_width: u32,
    /// Height of the synthetic scan in pixels (4096 × 8192 is a 64 MiB
    /// TIFF).
    #[arg(long, default_value_t = 8192)]
    scan_height: u32,
    /// Also time each storage with the vehicle's blob stream capped at
    /// these rates (Mbit/s), as on a field link.
    #[arg(long, value_delimiter = ',', default_value = "64")]
    capped_mbit: Vec<u64>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let storage = ObjectStorage::start("kordon-bench");
    // Read by the object store's client as the server's would be: set
    // before any thread of this process starts.
    for (name, value) in storage.env() {
        std::env::set_var(name, value);
    }
    let tmp = tempfile::tempdir()?;
    let spec = kordon_xraysim::SceneSpec {
        width: args.scan_width,
        height: args.scan_height,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scene = kordon_xraysim::try_generate(&spec)?;
    let tiff = kordon_xraysim::encode_tiff16(scene.width, scene.height, &scene.high)?;
    let file = tmp.path().join("scan.tif");
    std::fs::write(&file, &tiff)?;
    let size = tiff.len() as u64;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "scan delivery: {} × {} 16-bit scan ({:.1} MB), {} runs each, medians, sync pass start to scan stored",
        args.scan_width,
        args.scan_height,
        size as f64 / 1e6,
        args.runs
    );
    let caps = std::iter::once(None).chain(args.capped_mbit.iter().map(|m| Some(m * 1_000_000)));
    for (k, cap) in caps.enumerate() {
        let (mut folder, mut objects) = (vec![], vec![]);
        for n in 0..args.runs {
            let run = format!("{k}-{n}");
            folder.push(deliver(&rt, tmp.path(), &file, None, cap, &run)?);
            let url = storage.url(&format!("run{run}"));
            objects.push(deliver(&rt, tmp.path(), &file, Some(&url), cap, &run)?);
        }
        let median = |d: &mut Vec<Duration>| {
            d.sort();
            d[d.len() / 2]
        };
        let (f, o) = (median(&mut folder), median(&mut objects));
        let mb_s = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
        match cap {
            None => println!("  loopback, no cap:"),
            Some(bps) => println!("  blob stream capped at {} Mbit/s:", bps / 1_000_000),
        }
        println!(
            "    data folder (baseline)    {:>8.0} ms  {:>6.1} MB/s",
            f.as_secs_f64() * 1e3,
            mb_s(f)
        );
        println!(
            "    S3 object storage         {:>8.0} ms  {:>6.1} MB/s  {:.2}× the folder's rate",
            o.as_secs_f64() * 1e3,
            mb_s(o),
            f.as_secs_f64() / o.as_secs_f64()
        );
        println!(
            "    all runs (ms): folder {:?}, object storage {:?}",
            folder.iter().map(|d| d.as_millis()).collect::<Vec<_>>(),
            objects.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// One delivery of `file` to a fresh server whose scans are kept at
/// `blobs` (the folder when `None`): the sync pass, timed.
fn deliver(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    file: &Path,
    blobs: Option<&str>,
    cap_bps: Option<u64>,
    n: &str,
) -> anyhow::Result<Duration> {
    let name = if blobs.is_some() { "objects" } else { "folder" };
    let srv = dir.join(format!("{name}-srv-{n}"));
    let now = kordon_central::now_ms();
    let central = Central::init_with(&srv, &["127.0.0.1:0".to_string()], blobs, None)?;
    let endpoint =
        rt.block_on(async { serve::bind(&central, SocketAddr::from(([127, 0, 0, 1], 0))) })?;
    let quic = endpoint.local_addr()?.to_string();

    let (mut v, officer, id) = crate::console::vehicle_with_inspection(
        &dir.join(format!("{name}-vehicle-{n}")),
        &central,
        "BENCH-S",
        &quic,
        5,
    )?;
    v.add_scan(id, file, None, &ScanDetails::default(), &officer, now)?;
    rt.spawn(serve::serve(
        endpoint.clone(),
        Arc::new(Mutex::new(central)),
    ));

    // One pass, as the crew's: the inspection's two records, then the scan.
    let t = Instant::now();
    let opts = SyncOptions {
        max_rate_bps: cap_bps,
        ..SyncOptions::default()
    };
    let report = rt.block_on(v.sync_once(&opts))?;
    let took = t.elapsed();
    if !report.complete || report.blobs.delivered != 1 || v.blob_counts()?.pending != 0 {
        return Err(anyhow!("the scan did not arrive whole: {report:?}"));
    }
    endpoint.close(0u32.into(), b"done");
    Ok(took)
}
