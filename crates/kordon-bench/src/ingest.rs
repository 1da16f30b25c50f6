//! `kordon-bench ingest`: records verified and stored per second by the
//! server, in-process (no network), against strict ed25519 verification of
//! the same records on one core and on both, measured in the same run.
//!
//! Each server under test is fresh (its own data folder), the device is
//! enrolled, and the records are offered in batches as a vehicle uploads
//! them. What is timed:
//! - accept with a signed receipt per record (vehicles that say the older
//!   Hello), then the projection of all of it;
//! - accept on the log (each record answered with its leaf), one
//!   checkpoint signed per batch;
//! - in turn: each batch accepted on the log, projected on the same
//!   handle, and a checkpoint signed, batch after batch (the server as it
//!   ran before its projection had a handle of its own);
//! - **as a server runs**: each batch accepted on the log and a checkpoint
//!   signed, the projection beside on its own handle and thread, until the
//!   last record is projected: what a fleet's uploads cost.
//!
//! `--only live` runs only the last (for a profiler).

use crate::{rate, vehicle_with};
use anyhow::anyhow;
use kordon_central::{Central, RecordResult};
use kordon_record::SignedRecord;
use std::path::Path;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Records offered (two per inspection: its creation and a decision).
    #[arg(long, default_value_t = 20_000)]
    records: usize,
    /// Records per upload batch.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Run one measurement only: `live`.
    #[arg(long)]
    only: Option<String>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            records: 20_000,
            batch: 256,
            only: None,
        }
    }
}

/// A fresh server with `device` enrolled, in `dir`.
fn server(dir: &Path, device: &kordon_record::PublicKey) -> anyhow::Result<Central> {
    let mut central = Central::init(dir, "127.0.0.1:4433")?;
    let secret = central
        .enroll("BENCH-1", None, 1, kordon_central::now_ms())?
        .secret_bytes()?;
    central
        .authorize(device, Some(&secret), "bench", kordon_central::now_ms())?
        .map_err(|r| anyhow!(r.reason))?;
    Ok(central)
}

/// Accepts one batch on the log; returns how many records got a leaf.
fn accept_on_log(
    central: &mut Central,
    device: &kordon_record::PublicKey,
    chunk: &[Vec<u8>],
) -> anyhow::Result<usize> {
    let results =
        central.accept_records_on_log(device, chunk.to_vec(), kordon_central::now_ms())?;
    Ok(results
        .iter()
        .filter(|r| matches!(r, RecordResult::Logged { .. }))
        .count())
}

/// Accepts every batch on the log, projecting and signing a checkpoint
/// after each when `project` (as a live server does); returns the rate.
fn on_log(
    central: &mut Central,
    device: &kordon_record::PublicKey,
    records: &[Vec<u8>],
    batch: usize,
    project: bool,
) -> anyhow::Result<f64> {
    let t = Instant::now();
    let mut logged = 0;
    let mut spent = [std::time::Duration::ZERO; 3];
    for chunk in records.chunks(batch) {
        let step = Instant::now();
        logged += accept_on_log(central, device, chunk)?;
        spent[0] += step.elapsed();
        let step = Instant::now();
        if project {
            central.project(kordon_central::now_ms())?;
        }
        spent[1] += step.elapsed();
        let step = Instant::now();
        central.checkpoint(kordon_central::now_ms())?;
        spent[2] += step.elapsed();
    }
    let per_s = rate(records.len(), t.elapsed());
    println!(
        "    (accept {} ms, projection {} ms, checkpoints {} ms)",
        spent[0].as_millis(),
        spent[1].as_millis(),
        spent[2].as_millis()
    );
    if logged != records.len() {
        return Err(anyhow!("only {logged} of {} records logged", records.len()));
    }
    Ok(per_s)
}

/// As a server runs now: every batch accepted on the log and a checkpoint
/// signed, while the projection runs on a handle of its own, nudged after
/// each batch (as `kordon_central::serve` does); timed until the last
/// record is projected. Returns the rate.
fn beside(
    central: &mut Central,
    device: &kordon_record::PublicKey,
    records: &[Vec<u8>],
    batch: usize,
) -> anyhow::Result<f64> {
    let mut projector = central.reopen()?;
    let (nudge, nudged) = std::sync::mpsc::channel::<()>();
    let t = Instant::now();
    let projecting = std::thread::spawn(move || -> anyhow::Result<usize> {
        let mut docs = 0;
        // Nudges that came during a pass make one more; the last pass
        // runs once the sender is gone.
        while nudged.recv().is_ok() {
            while nudged.try_recv().is_ok() {}
            docs += projector.project(kordon_central::now_ms())?;
        }
        docs += projector.project(kordon_central::now_ms())?;
        Ok(docs)
    });
    let mut logged = 0;
    for chunk in records.chunks(batch) {
        logged += accept_on_log(central, device, chunk)?;
        // A projector that stopped on an error is reported below.
        let _ = nudge.send(());
        central.checkpoint(kordon_central::now_ms())?;
    }
    drop(nudge);
    let docs = projecting
        .join()
        .map_err(|_| anyhow!("the projection thread panicked"))??;
    let per_s = rate(records.len(), t.elapsed());
    if logged != records.len() {
        return Err(anyhow!("only {logged} of {} records logged", records.len()));
    }
    let (lag, _) = central.store().projection_lag()?;
    if lag != 0 || docs < records.len() / 2 {
        return Err(anyhow!(
            "{lag} records left unprojected, {docs} documents refreshed"
        ));
    }
    Ok(per_s)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let (v, records) = {
        let mut central = Central::init(&tmp.path().join("gen"), "127.0.0.1:4433")?;
        vehicle_with(
            &tmp.path().join("v"),
            &mut central,
            args.records / 2,
            "127.0.0.1:4433",
        )?
    };
    let device = v.public_key();
    let n = records.len();
    let batch = args.batch;

    match args.only.as_deref() {
        Some("live") => {
            let mut live = server(&tmp.path().join("live"), &device)?;
            let per_s = beside(&mut live, &device, &records, batch)?;
            println!(
                "ingest: {n} records, batches of {batch}: as a server runs {per_s:>8.0} records/s"
            );
            return Ok(());
        }
        Some(other) => return Err(anyhow!("--only takes `live`, not `{other}`")),
        None => {}
    }

    let parsed: Vec<SignedRecord> = records
        .iter()
        .map(|b| SignedRecord::parse(b.clone()))
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    for r in &parsed {
        r.verify()?;
    }
    let single = rate(n, t.elapsed());
    // Strict verification spread over both cores, as the server runs it:
    // the ceiling for accept.
    let keys = vec![device.verifying_key()?; parsed.len()];
    let refs: Vec<&SignedRecord> = parsed.iter().collect();
    let t = Instant::now();
    let half = refs.len() / 2;
    std::thread::scope(|s| {
        let first = s.spawn(|| kordon_record::verify_all(&refs[..half], &keys[..half]));
        let second = kordon_record::verify_all(&refs[half..], &keys[half..]);
        let first = first.join().unwrap_or_default();
        first.len() + second.len()
    });
    let two_cores = rate(n, t.elapsed());

    // For comparison only: cofactored batch verification, which Kordon does
    // not use because it accepts signatures strict verification rejects.
    let vk = device.verifying_key()?;
    let t = Instant::now();
    for chunk in parsed.chunks(batch) {
        let ids: Vec<[u8; 32]> = chunk.iter().map(|r| r.id().0).collect();
        let messages: Vec<&[u8]> = ids.iter().map(|id| &id[..]).collect();
        let sigs: Vec<ed25519_dalek::Signature> = chunk
            .iter()
            .map(|r| {
                let b = r.bytes();
                ed25519_dalek::Signature::from_slice(&b[b.len() - 64..])
            })
            .collect::<Result<_, _>>()?;
        ed25519_dalek::verify_batch(&messages, &sigs, &vec![vk; chunk.len()])?;
    }
    let batched = rate(n, t.elapsed());

    // Signed receipts, then the projection of all of it.
    let mut receipted = server(&tmp.path().join("receipts"), &device)?;
    let t = Instant::now();
    let mut accepted = 0;
    for chunk in records.chunks(batch) {
        let results =
            receipted.accept_records(&device, chunk.to_vec(), kordon_central::now_ms())?;
        accepted += results
            .iter()
            .filter(|r| matches!(r, RecordResult::Accepted { .. }))
            .count();
    }
    let elapsed = t.elapsed();
    if accepted != n {
        return Err(anyhow!("only {accepted} of {n} records accepted"));
    }
    let stored = rate(n, elapsed);
    let t = Instant::now();
    let docs = receipted.project(kordon_central::now_ms())?;
    let projected = rate(n, t.elapsed());
    if docs != n / 2 {
        return Err(anyhow!("projected {docs} documents, expected {}", n / 2));
    }

    let mut logged = server(&tmp.path().join("log"), &device)?;
    let logged_rate = on_log(&mut logged, &device, &records, batch, false)?;
    let mut in_turn = server(&tmp.path().join("in-turn"), &device)?;
    let in_turn_rate = on_log(&mut in_turn, &device, &records, batch, true)?;
    let mut live = server(&tmp.path().join("live"), &device)?;
    let live_rate = beside(&mut live, &device, &records, batch)?;

    println!(
        "ingest: {n} records ({} inspections), batches of {batch}",
        n / 2
    );
    println!("  ed25519 strict verify, 1 core  {single:>10.0} records/s   (baseline)");
    println!(
        "  strict verify, 2 cores         {two_cores:>10.0} records/s   {:.2}x baseline",
        two_cores / single
    );
    println!(
        "  cofactored batch (not used)    {batched:>10.0} records/s   {:.2}x baseline",
        batched / single
    );
    println!("  accept, a signed receipt per record (older vehicles)");
    println!(
        "                                 {stored:>10.0} records/s   {:.2}x two cores",
        stored / two_cores
    );
    println!("  projection of all of it: apply to documents, refresh index");
    println!("                                 {projected:>10.0} records/s");
    println!("  accept on the log: its leaf per record, one checkpoint per batch");
    println!(
        "                                 {logged_rate:>10.0} records/s   {:.2}x two cores",
        logged_rate / two_cores
    );
    println!("  accept on the log, project, checkpoint, in turn per batch (one handle)");
    println!(
        "                                 {in_turn_rate:>10.0} records/s   {:.2}x two cores",
        in_turn_rate / two_cores
    );
    println!("  as a server runs: accept on the log and checkpoint, projecting beside");
    println!(
        "                                 {live_rate:>10.0} records/s   {:.2}x two cores, {:.2}x in turn",
        live_rate / two_cores,
        live_rate / in_turn_rate
    );
    println!(
        "{}",
        serde_json::json!({"bench": "ingest", "records": n, "batch": batch,
            "verify_single_per_s": single.round(), "verify_two_cores_per_s": two_cores.round(),
            "verify_batch_per_s": batched.round(), "accept_receipts_per_s": stored.round(),
            "project_per_s": projected.round(), "accept_on_log_per_s": logged_rate.round(),
            "in_turn_per_s": in_turn_rate.round(), "live_per_s": live_rate.round()})
    );
    Ok(())
}
