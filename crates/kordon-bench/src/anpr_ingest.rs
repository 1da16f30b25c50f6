//! The ANPR ingest as cameras meet it: pushes accepted per second with
//! durable spooling, and the time each camera waits for its answer.
//!
//! `cargo run --release -p kordon-bench -- anpr-ingest [--seconds S] [--cameras C]`
//!
//! The real endpoint (`kordon_anpr::ingest`) on loopback, its spool in a
//! temporary folder on the machine's disk (every push fsynced before its
//! answer), and the processor parsing pushes behind it as it runs in the
//! vehicle. `--cameras` clients each push, on a new connection per push as
//! cameras do, a Hikvision multipart alert with a plate crop and a scene
//! JPEG (`--scene-kib`). Timed per push: connect, send, answer. The
//! baseline is the spool alone (`Spool::accept`, one thread, the same
//! bodies), in the same run.

use crate::http1::{quantile_ms, Connection};
use kordon_anpr::spool::{PushMeta, Sink, Spool};
use kordon_anpr::CameraRead;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 8)]
    cameras: usize,
    #[arg(long, default_value_t = 150)]
    scene_kib: usize,
}

struct Count(Arc<AtomicUsize>);

impl Sink for Count {
    type Error = String;
    fn attach(
        &mut self,
        _push: &str,
        _meta: &PushMeta,
        reads: Vec<CameraRead>,
    ) -> Result<(), String> {
        self.0.fetch_add(reads.len(), Ordering::Relaxed);
        Ok(())
    }
}

fn push_body(scene_kib: usize) -> (String, Vec<u8>) {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.0.0.21</ipAddress><channelID>1</channelID><dateTime>2026-12-03T03:10:00+02:00</dateTime>
<eventType>ANPR</eventType><ANPR><country>UA</country><licensePlate>AA1234BC</licensePlate>
<confidenceLevel>93</confidenceLevel><plateCharBelieve>99,98,97,99,99,99,95,99</plateCharBelieve>
<direction>forward</direction></ANPR></EventNotificationAlert>"#;
    let jpeg = |kib: usize| {
        [
            &[0xff, 0xd8, 0xff, 0xe0][..],
            &vec![0x5a; kib << 10],
            &[0xff, 0xd9],
        ]
        .concat()
    };
    let mut body = vec![];
    for (name, ct, bytes) in [
        ("anpr.xml", "application/xml", xml.as_bytes().to_vec()),
        ("licensePlatePicture.jpg", "image/jpeg", jpeg(6)),
        ("detectionPicture.jpg", "image/jpeg", jpeg(scene_kib)),
    ] {
        body.extend_from_slice(format!("--MIME_boundary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--MIME_boundary--\r\n");
    ("multipart/form-data; boundary=MIME_boundary".into(), body)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // The spool goes where the vehicle's data would: the working folder's
    // disk, not a memory file system.
    let base = std::env::current_dir()?.join("target");
    std::fs::create_dir_all(&base)?;
    let tmp = tempfile::tempdir_in(&base)?;
    let (ct, body) = push_body(args.scene_kib);

    // Baseline: the spool alone.
    let base_spool = Spool::open(&tmp.path().join("baseline"))?;
    let meta = PushMeta {
        received_ms: 1,
        peer: "127.0.0.1:1".into(),
        content_type: ct.clone(),
        camera: None,
        path: "/anpr".into(),
    };
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed() < Duration::from_secs(args.seconds.min(5)) {
        base_spool.accept(&meta, &body)?;
        n += 1;
    }
    let baseline = n as f64 / t.elapsed().as_secs_f64();

    // The endpoint, with the processor behind it.
    let spool = Spool::open(&tmp.path().join("spool"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (wake_tx, wake_rx) = std::sync::mpsc::channel();
    let (addr, _task): (SocketAddr, _) = rt.block_on(kordon_anpr::ingest::bind(
        "127.0.0.1:0".parse()?,
        kordon_anpr::ingest::router(spool.clone(), vec![], Some(wake_tx)),
        std::future::pending::<()>(),
    ))?;
    let reads = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let processor = {
        let (spool, reads, stop) = (spool.clone(), reads.clone(), stop.clone());
        std::thread::spawn(move || -> anyhow::Result<()> {
            let mut sink = Count(reads);
            while !stop.load(Ordering::Relaxed) {
                spool.process(&mut sink)?;
                let _ = wake_rx.recv_timeout(Duration::from_millis(50));
            }
            spool.process(&mut sink)?;
            Ok(())
        })
    };
    let addr = addr.to_string();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let times: Vec<anyhow::Result<Vec<Duration>>> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..args.cameras)
            .map(|_| {
                s.spawn(|| {
                    let mut times = vec![];
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let mut c = Connection::open(&addr)?;
                        let r = c.send(
                            "POST",
                            "/ISAPI/Event/notification/alertStream",
                            &[("Content-Type", &ct), ("Connection", "close")],
                            &body,
                        )?;
                        times.push(t.elapsed());
                        if r.status != 200 {
                            anyhow::bail!("push answered {}", r.status);
                        }
                    }
                    Ok(times)
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| {
                c.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a camera thread panicked")))
            })
            .collect()
    });
    let wall = started.elapsed();
    let mut all = vec![];
    for t in times {
        all.extend(t?);
    }
    all.sort();
    let accepted = all.len();
    // Everything answered is processed, once.
    let drain = Instant::now();
    while reads.load(Ordering::Relaxed) < accepted && drain.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    processor
        .join()
        .map_err(|_| anyhow::anyhow!("the processor panicked"))??;
    let processed = reads.load(Ordering::Relaxed);
    if processed != accepted {
        anyhow::bail!("{accepted} pushes answered, {processed} processed");
    }
    let rate = accepted as f64 / wall.as_secs_f64();
    println!(
        "anpr ingest: {} cameras, {} s, pushes of {} KiB (Hikvision multipart: XML, plate crop, scene)",
        args.cameras,
        args.seconds,
        body.len() >> 10
    );
    println!("  spool alone, 1 thread (baseline)   {baseline:>8.0} pushes/s");
    println!(
        "  endpoint, new connection per push  {rate:>8.0} pushes/s   {:.2}x baseline; answer p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        rate / baseline,
        quantile_ms(&all, 0.5),
        quantile_ms(&all, 0.99),
        quantile_ms(&all, 1.0)
    );
    println!(
        "  all {accepted} answered pushes parsed and handed over once ({:.1} s after the last)",
        drain.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({"bench": "anpr-ingest", "cameras": args.cameras, "seconds": args.seconds, "push_bytes": body.len(),
            "baseline_per_s": baseline.round(), "per_s": rate.round(), "p50_ms": quantile_ms(&all, 0.5), "p99_ms": quantile_ms(&all, 0.99)})
    );
    Ok(())
}
