//! `kordon-bench queue-scale`: the supervisors' queue over a national
//! fleet's worth of inspections (default 1,000,000), on PostgreSQL and,
//! as the baseline in the same run, on the SQLite store.
//!
//! **Filling.** Inspections are made as vehicles make them: each a new
//! document created by its unit's device (a tractor plate from a pool of
//! returning vehicles, a container on half of them, a crew officer), two
//! in three decided, one in twenty reviewed by the server; every change
//! signed. They are appended through the record log port in batches as
//! vehicles upload them and projected through the index port, as the
//! server does, into both backends (PostgreSQL a throwaway cluster on
//! loopback with commits flushed). Filling is timed but is not the figure.
//!
//! **Timed.** Each request is the index port's call and the page made
//! into the JSON the server sends: the server's time for the request,
//! without HTTP (the console's HTTP side adds under a millisecond; see
//! `kordon-bench console`). `--queries` of each kind, p50 and p99.

use kordon_model::{
    InspectionDoc, InspectionId, NewDecision, NewInspection, NewReview, OfficerId, Outcome,
    ReviewState, Verdict,
};
use kordon_ports::{ConsoleQuery, Index, Origin, RecordLog};
use kordon_record::{DeviceKey, SignedRecord};
use std::time::{Duration, Instant};

use crate::http1::quantile_ms;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Inspections in each store.
    #[arg(long, default_value_t = 1_000_000)]
    inspections: usize,
    /// Units (vehicles) they come from.
    #[arg(long, default_value_t = 200)]
    units: usize,
    /// Days they span, ending today.
    #[arg(long, default_value_t = 365)]
    days: usize,
    /// Requests of each kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Skip the SQLite baseline.
    #[arg(long)]
    no_sqlite: bool,
}

const DAY_MS: i64 = 86_400_000;
const LETTERS: &[u8] = b"ABCEHIKMOPTX";
/// Inspections made and appended at a time.
const CHUNK: usize = 20_000;
/// Records per appended batch.
const BATCH: usize = 512;

/// The `n`th plate of the pool: two letters, four digits, two letters.
fn plate(n: usize) -> String {
    let l = |i: usize| LETTERS[i % LETTERS.len()] as char;
    format!(
        "{}{}{:04}{}{}",
        l(n / 10_000),
        l(n / 120_000),
        n % 10_000,
        l(n / 1_440_000 + n),
        l(n / 7 + 3)
    )
}

/// The plate in another spelling: Cyrillic look-alikes, lower case, spaces.
fn respell(plate: &str) -> String {
    let mut out = String::new();
    for (i, c) in plate.chars().enumerate() {
        if i == 2 || i == 6 {
            out.push(' ');
        }
        out.extend(kordon_plates::text::cyrillic_twin(c).to_lowercase());
    }
    out
}

fn container(n: usize) -> String {
    let first = format!("MSKU{:06}", n % 1_000_000);
    format!("{first}{}", kordon_model::container::check_digit(&first))
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The records of inspections `from..to`.
fn make(
    from: usize,
    to: usize,
    args: &Args,
    devices: &[DeviceKey],
    server: &DeviceKey,
    today: i64,
) -> anyhow::Result<Vec<SignedRecord>> {
    let officer = OfficerId::new("OF-BENCH").map_err(|e| anyhow::anyhow!(e))?;
    let supervisor = OfficerId::new("SUP-BENCH").map_err(|e| anyhow::anyhow!(e))?;
    let mut rng = Rng((from as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out = vec![];
    for i in from..to {
        let unit = i % args.units;
        let device = &devices[unit];
        let at = today - (rng.below(args.days) as i64) * DAY_MS - rng.below(80_000_000) as i64;
        let id = InspectionId::random();
        let mut doc = InspectionDoc::create(
            device.public().as_bytes(),
            id,
            &NewInspection {
                tractor_plate: plate(rng.below(args.inspections / 3 + 1)),
                containers: match rng.below(2) {
                    0 => vec![container(rng.below(1_000_000))],
                    _ => vec![],
                },
                unit: format!("UNIT-{unit:03}"),
                crew: vec![format!("officer.{}", unit * 4 + rng.below(4))],
                ..Default::default()
            },
            &officer,
            at,
        )?;
        let sign = |doc: &mut InspectionDoc, key: &DeviceKey, at: i64| {
            let change = doc
                .last_change()
                .ok_or_else(|| anyhow::anyhow!("no change"))?;
            anyhow::Ok(SignedRecord::sign(
                key,
                *id.as_bytes(),
                "OF-BENCH",
                at,
                &change,
            )?)
        };
        out.push(sign(&mut doc, device, at)?);
        if rng.below(3) > 0 {
            let outcome = [
                Outcome::Release,
                Outcome::Release,
                Outcome::Release,
                Outcome::PhysicalInspection,
                Outcome::Detain,
                Outcome::Refer,
            ][rng.below(6)];
            doc.decide(
                &NewDecision {
                    outcome,
                    reasons: vec![],
                    note: String::new(),
                },
                &officer,
                at + 60_000,
            )?;
            out.push(sign(&mut doc, device, at + 60_000)?);
            if rng.below(20) == 0 {
                let mut held = InspectionDoc::load(&doc.save(), server.public().as_bytes())?;
                held.review(
                    &NewReview::plain(Verdict::Agree, "seen"),
                    &supervisor,
                    at + 3_600_000,
                )?;
                out.push(sign(&mut held, server, at + 3_600_000)?);
            }
        }
    }
    Ok(out)
}

/// Appends and projects `records` into `store`.
fn fill(store: &mut dyn Backend, records: &[SignedRecord], now: i64) -> anyhow::Result<()> {
    for batch in records.chunks(BATCH) {
        store.append(batch, Origin::Remote, now, None)?;
    }
    store.project(now)?;
    Ok(())
}

trait Backend: Index + RecordLog {}
impl<T: Index + RecordLog> Backend for T {}

/// A kind of request: its name and its `i`th query.
type Kind<'a> = (&'a str, Box<dyn Fn(usize) -> Option<ConsoleQuery> + 'a>);

/// Times each kind on `store`; returns each kind's p50 and p99 (ms) and
/// the rows the last request matched.
fn time(
    store: &dyn Backend,
    kinds: &[Kind<'_>],
    queries: usize,
) -> anyhow::Result<Vec<(f64, f64, u64)>> {
    let mut out = vec![];
    for (_, make) in kinds {
        let mut times = Vec::with_capacity(queries);
        let mut total = 0;
        for i in 0..queries {
            let t = Instant::now();
            match make(i) {
                Some(q) => {
                    let page = store.console_page(&q)?;
                    let body = serde_json::to_vec(&page)?;
                    std::hint::black_box(body);
                    total = page.total;
                }
                None => {
                    let v = store.queue_version()?;
                    std::hint::black_box(serde_json::to_vec(&v)?);
                    total = v.total;
                }
            }
            times.push(t.elapsed());
        }
        times.sort_unstable();
        out.push((quantile_ms(&times, 0.5), quantile_ms(&times, 0.99), total));
    }
    Ok(out)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let server = DeviceKey::generate();
    let devices: Vec<DeviceKey> = (0..args.units).map(|_| DeviceKey::generate()).collect();
    let today = kordon_central::now_ms();
    let tmp = tempfile::tempdir()?;
    let pg = kordon_test_support::postgres::Postgres::start_durable();
    let url = pg.database("queue");
    kordon_postgres::migrate(&url)?;
    let mut postgres = kordon_postgres::PgStore::open(&url)?;
    postgres.set_server_key(server.public());
    let mut sqlite = match args.no_sqlite {
        true => None,
        false => {
            let mut s =
                kordon_store::Store::open(&tmp.path().join("central.sqlite"), server.public())?;
            s.set_server_key(server.public());
            s.enable_log();
            s.open_register()?;
            Some(s)
        }
    };

    eprintln!("filling both stores with {} inspections", args.inspections);
    let started = Instant::now();
    let (mut made, mut into_pg, mut into_sqlite) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut records = 0;
    let mut from = 0;
    while from < args.inspections {
        let to = (from + CHUNK).min(args.inspections);
        let t = Instant::now();
        // Made on every core: half the chunk each.
        let mid = from + (to - from) / 2;
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| make(from, mid, &args, &devices, &server, today));
            let b = make(mid, to, &args, &devices, &server, today);
            (a.join(), b)
        });
        let mut chunk = a.map_err(|_| anyhow::anyhow!("a maker panicked"))??;
        chunk.extend(b?);
        made += t.elapsed();
        records += chunk.len();
        let t = Instant::now();
        fill(&mut postgres, &chunk, today)?;
        into_pg += t.elapsed();
        if let Some(s) = sqlite.as_mut() {
            let t = Instant::now();
            fill(s, &chunk, today)?;
            into_sqlite += t.elapsed();
        }
        from = to;
        eprintln!(
            "  {to} inspections ({:.0} s so far: made {:.0}, PostgreSQL {:.0}, SQLite {:.0})",
            started.elapsed().as_secs_f64(),
            made.as_secs_f64(),
            into_pg.as_secs_f64(),
            into_sqlite.as_secs_f64()
        );
    }
    let filled = started.elapsed();
    pg.sql("queue", "VACUUM ANALYZE")
        .map_err(|e| anyhow::anyhow!(e))?;

    // Plates to look for, from inspections spread over the store.
    let mut plates = vec![];
    let step = (args.inspections / args.queries.max(1)).max(1) as u32;
    for i in 0..args.queries as u32 {
        let page = postgres.console_page(&ConsoleQuery {
            offset: Some((i * step).min(kordon_ports::QUEUE_OFFSET_MAX)),
            limit: Some(1),
            ..Default::default()
        })?;
        if let Some(p) = page
            .rows
            .first()
            .and_then(|r| r.row.view.tractor_plate.clone())
        {
            plates.push(p.canonical);
        }
    }
    anyhow::ensure!(!plates.is_empty(), "the store has no inspections");
    let day = crate::console::day_of(today - 3 * DAY_MS);
    let units = args.units;
    let kinds: Vec<Kind<'_>> = vec![
        (
            "first page (50 rows, counts, units)",
            Box::new(|_| Some(ConsoleQuery::default())),
        ),
        (
            "unreviewed, newest first",
            Box::new(|_| {
                Some(ConsoleQuery {
                    review: Some(ReviewState::Unreviewed),
                    ..Default::default()
                })
            }),
        ),
        (
            "unit + outcome + one day",
            Box::new(|i| {
                Some(ConsoleQuery {
                    unit: Some(format!("UNIT-{:03}", i % units)),
                    outcome: Some("release".into()),
                    from: Some(day.clone()),
                    to: Some(day.clone()),
                    ..Default::default()
                })
            }),
        ),
        (
            "fleet-wide plate search, another spelling",
            Box::new(|i| {
                Some(ConsoleQuery {
                    plate: Some(respell(&plates[i % plates.len()])),
                    ..Default::default()
                })
            }),
        ),
        (
            "page 100 (offset 4,950)",
            Box::new(|_| {
                Some(ConsoleQuery {
                    offset: Some(4_950),
                    ..Default::default()
                })
            }),
        ),
        ("queue-version poll", Box::new(|_| None)),
    ];
    let on_pg = time(&postgres, &kinds, args.queries)?;
    let on_sqlite = match &sqlite {
        Some(s) => Some(time(s, &kinds, args.queries)?),
        None => None,
    };
    println!(
        "console queue: {} inspections ({records} records) from {} units over {} days; filled in {:.0} s (made {:.0} s, PostgreSQL {:.0} s, SQLite {:.0} s)",
        args.inspections,
        args.units,
        args.days,
        filled.as_secs_f64(),
        made.as_secs_f64(),
        into_pg.as_secs_f64(),
        into_sqlite.as_secs_f64()
    );
    println!(
        "  {:<44} {:>9} {:>9} {:>12} {:>12} {:>9}",
        "request", "PG p50", "PG p99", "SQLite p50", "SQLite p99", "matches"
    );
    for (i, (name, _)) in kinds.iter().enumerate() {
        let (p50, p99, n) = on_pg[i];
        let (s50, s99) = match &on_sqlite {
            Some(s) => (format!("{:.1} ms", s[i].0), format!("{:.1} ms", s[i].1)),
            None => ("-".into(), "-".into()),
        };
        if let Some(s) = &on_sqlite {
            anyhow::ensure!(
                s[i].2 == n,
                "{name}: PostgreSQL matched {n}, SQLite {}",
                s[i].2
            );
        }
        println!(
            "  {name:<44} {:>6.1} ms {:>6.1} ms {s50:>12} {s99:>12} {n:>9}",
            p50, p99
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_and_containers_are_ones_the_model_takes() {
        for n in [0, 1, 9_999, 10_000, 119_999, 333_333, 1_000_000] {
            let p = plate(n);
            assert!(kordon_model::Plate::parse(&p).is_ok(), "{p}");
            assert_eq!(
                kordon_model::Plate::key_of(&respell(&p)),
                kordon_model::Plate::key_of(&p),
                "{p}"
            );
            let c = container(n);
            assert!(kordon_model::ContainerCode::parse(&c).is_ok(), "{c}");
        }
    }
}
