//! A seeded history for the statistics, made through the real protocol,
//! and the figures it must produce, counted here from what was done.
//!
//! Vehicles create inspections on chosen past days (the vehicle's own
//! operations, with the time given), attach scans and decide; `kordon
//! sync` carries them to the server over QUIC; a supervisor reviews
//! through the console's HTTP API (agree, overrule, return); the vehicles
//! sync the reviews down, the crew answers some returns, and a last sync
//! carries the answers up. Every figure of the expected statistics is
//! counted from this module's own ledger of what it did: none of it comes
//! from the server or from the code the server counts with.

use crate::http::{call, login, Session};
use kordon_model::{InspectionId, NewDecision, OfficerId, Outcome, Verdict};
use kordon_test_support::{run, text};
use kordon_vehicle::{ScanDetails, Vehicle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The plate on the hotlist the history hits: its region is none the
/// generator uses, so no generated plate comes within one edit of it.
pub const HOT_PLATE: &str = "BT9999MM";

/// What the history is made with.
#[derive(Debug, Clone)]
pub struct History {
    /// The console's address (`host:port`).
    pub http: String,
    pub supervisor: String,
    pub password: String,
    /// The `kordon` CLI, for the syncs.
    pub kordon: PathBuf,
    /// Enrolled vehicle data folders and their units.
    pub vehicles: Vec<(PathBuf, String)>,
    /// Scan files to attach (a few small ones).
    pub scans: Vec<PathBuf>,
    pub seed: u64,
    /// The first UTC day, and how many days.
    pub first_day: time::Date,
    pub days: u32,
    /// Most inspections a vehicle opens on one day.
    pub per_day: u32,
}

/// One inspection as the ledger knows it.
#[derive(Debug, Clone)]
struct Entry {
    id: InspectionId,
    vehicle: usize,
    unit: String,
    day: String,
    decider: Option<String>,
    outcome: Option<Outcome>,
    scans: u32,
    scan_to_decision_ms: Option<i64>,
    verdict: Option<Verdict>,
    returned: bool,
    answer_ms: Option<i64>,
    hot: bool,
}

/// The history made: its period and the statistics it must give, in the
/// shape of the server's `Statistics`.
#[derive(Debug, Clone)]
pub struct Made {
    pub from: String,
    pub to: String,
    pub inspections: usize,
    pub expected: Value,
}

fn day_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn day_start_ms(d: time::Date) -> i64 {
    (d.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::Release,
    Outcome::PhysicalInspection,
    Outcome::Detain,
    Outcome::Refer,
];

fn decision(outcome: Outcome) -> NewDecision {
    NewDecision {
        outcome,
        reasons: if outcome == Outcome::Release {
            vec![]
        } else {
            vec![kordon_model::ReasonCode::new("DENSITY_ANOMALY").expect("reason code")]
        },
        note: String::new(),
    }
}

fn sync(kordon: &std::path::Path, dir: &std::path::Path) {
    let o = run(std::process::Command::new(kordon)
        .arg("--data")
        .arg(dir)
        .arg("sync")
        .env_remove("KORDON_OFFICER")
        .env_remove("KORDON_PIN"));
    assert!(
        o.status.success(),
        "kordon sync {}: {}",
        dir.display(),
        text(&o)
    );
}

/// Makes the history; returns its period and the expected statistics.
pub fn make(h: &History) -> Made {
    let mut rng = StdRng::seed_from_u64(h.seed);
    let sup = login(&h.http, &h.supervisor, &h.password);
    let list = call(
        &h.http,
        &sup,
        "POST",
        "/api/hotlists/entries",
        &json!({ "list": "statistics drill", "value": HOT_PLATE, "reason": "drill: known smuggler" }),
    );
    assert_eq!(list.status, 200, "hotlist: {:?}", list.json());
    for (dir, _) in &h.vehicles {
        sync(&h.kordon, dir);
    }

    let mut made: Vec<Entry> = vec![];
    for (vi, (dir, unit)) in h.vehicles.iter().enumerate() {
        let mut v = Vehicle::open(dir).expect("open the vehicle");
        for day in 0..h.days {
            let date = h.first_day + time::Duration::days(i64::from(day));
            let base = day_start_ms(date);
            for _ in 0..rng.gen_range(0..=h.per_day) {
                let officer = format!("{unit}-OF-{}", rng.gen_range(1..=3));
                let who = OfficerId::new(&officer).expect("officer");
                let (mut input, _) = kordon_vehicle::synthetic::sample(&mut rng, unit);
                let hot = rng.gen_bool(0.15);
                if hot {
                    input.tractor_plate = HOT_PLATE.into();
                }
                // Within the day, never past its end.
                let created = base + rng.gen_range(0..20 * 3_600_000);
                let view = v.create_inspection(&input, &who, created).expect("create");
                let mut t = created;
                let mut first_scan = None;
                let scans = if h.scans.is_empty() {
                    0
                } else {
                    rng.gen_range(0..=h.scans.len().min(2))
                };
                for file in h.scans.iter().take(scans) {
                    t += rng.gen_range(60_000..600_000);
                    v.add_scan(view.id, file, None, &ScanDetails::default(), &who, t)
                        .expect("scan");
                    first_scan.get_or_insert(t);
                }
                let mut m = Entry {
                    id: view.id,
                    vehicle: vi,
                    unit: unit.clone(),
                    day: day_text(date),
                    decider: None,
                    outcome: None,
                    scans: scans as u32,
                    scan_to_decision_ms: None,
                    verdict: None,
                    returned: false,
                    answer_ms: None,
                    hot,
                };
                if rng.gen_bool(0.85) {
                    let outcome = OUTCOMES[rng.gen_range(0..OUTCOMES.len())];
                    let at = t + rng.gen_range(30_000..1_800_000);
                    v.decide(view.id, &decision(outcome), &who, at)
                        .expect("decide");
                    m.decider = Some(officer);
                    m.outcome = Some(outcome);
                    m.scan_to_decision_ms = first_scan.map(|s| at - s);
                }
                made.push(m);
            }
        }
    }
    for (dir, _) in &h.vehicles {
        sync(&h.kordon, dir);
    }

    // The supervisor reviews most decided inspections.
    for m in made.iter_mut().filter(|m| m.decider.is_some()) {
        if !rng.gen_bool(0.7) {
            continue;
        }
        let roll = rng.gen_range(0..10);
        let (verdict, body) = match roll {
            0..=5 => (Verdict::Agree, json!({ "verdict": "agree" })),
            6..=7 => {
                let outcome = OUTCOMES
                    .into_iter()
                    .find(|o| Some(*o) != m.outcome)
                    .expect("another outcome");
                m.outcome = Some(outcome);
                (
                    Verdict::Overrule,
                    json!({ "verdict": "overrule", "outcome": outcome.as_str(),
                            "reasons": ["DENSITY_ANOMALY"], "comment": "statistics drill: overruled" }),
                )
            }
            _ => {
                m.returned = true;
                (
                    Verdict::Return,
                    json!({ "verdict": "return", "comment": "statistics drill: decide again" }),
                )
            }
        };
        review(&h.http, &sup, m.id, &body);
        m.verdict = Some(verdict);
    }

    // The reviews reach the vehicles; the crews answer most returns.
    for (vi, (dir, _)) in h.vehicles.iter().enumerate() {
        sync(&h.kordon, dir);
        let mut v = Vehicle::open(dir).expect("open the vehicle");
        for m in made.iter_mut().filter(|m| m.vehicle == vi && m.returned) {
            if !rng.gen_bool(0.7) {
                continue;
            }
            let view = v.show(m.id).expect("show");
            let returned_at = view
                .reviews
                .iter()
                .find(|r| r.verdict == Verdict::Return)
                .map(|r| r.at_ms)
                .expect("the return reached the vehicle");
            let took = rng.gen_range(1_000..600_000);
            let outcome = OUTCOMES[rng.gen_range(0..OUTCOMES.len())];
            let who = OfficerId::new(&format!("{}-OF-1", m.unit)).expect("officer");
            v.decide(m.id, &decision(outcome), &who, returned_at + took)
                .expect("answer");
            m.outcome = Some(outcome);
            m.answer_ms = Some(took);
        }
        drop(v);
        sync(&h.kordon, dir);
    }

    let from = day_text(h.first_day);
    let to = day_text(h.first_day + time::Duration::days(i64::from(h.days) - 1));
    Made {
        expected: expected(&made, h),
        inspections: made.len(),
        from,
        to,
    }
}

fn review(http: &str, sup: &Session, id: InspectionId, body: &Value) {
    let r = call(
        http,
        sup,
        "POST",
        &format!("/api/inspections/{id}/reviews"),
        body,
    );
    assert_eq!(r.status, 200, "review {id}: {:?}", r.json());
}

/// Sums of one group, counted from the ledger.
#[derive(Debug, Default, Clone)]
struct Sums {
    n: BTreeMap<&'static str, i64>,
}

impl Sums {
    fn add(&mut self, key: &'static str, by: i64) {
        *self.n.entry(key).or_insert(0) += by;
    }

    fn count(&mut self, m: &Entry) {
        self.add("inspections", 1);
        let outcome = match m.outcome {
            Some(Outcome::Release) => "release",
            Some(Outcome::PhysicalInspection) => "physical_inspection",
            Some(Outcome::Detain) => "detain",
            Some(Outcome::Refer) => "refer",
            None => "undecided",
        };
        self.add(outcome, 1);
        self.add("scans", i64::from(m.scans));
        if let Some(v) = m.verdict {
            self.add("reviewed", 1);
            self.add(
                match v {
                    Verdict::Agree => "agreed",
                    Verdict::Overrule => "overruled",
                    Verdict::Return => "returned",
                },
                1,
            );
        }
        if m.returned {
            self.add("returns", 1);
        }
        if let Some(ms) = m.answer_ms {
            self.add("returns_answered", 1);
            self.add("answer_ms_total", ms);
        }
        if let Some(ms) = m.scan_to_decision_ms {
            self.add("timed_decisions", 1);
            self.add("scan_to_decision_ms_total", ms);
        }
        if m.hot {
            self.add("hotlist_hits", 1);
            self.add("inspections_with_hits", 1);
        }
    }

    fn json(&self) -> Map<String, Value> {
        let get = |k: &str| self.n.get(k).copied().unwrap_or(0);
        let mut o = Map::new();
        for k in [
            "inspections",
            "release",
            "physical_inspection",
            "detain",
            "refer",
            "undecided",
            "scans",
            "reviewed",
            "agreed",
            "overruled",
            "returned",
            "returns",
            "returns_answered",
            "answer_ms_total",
            "timed_decisions",
            "scan_to_decision_ms_total",
            "hotlist_hits",
            "inspections_with_hits",
        ] {
            o.insert(k.into(), json!(get(k)));
        }
        let ratio = |a: i64, b: i64| {
            if b > 0 {
                json!(a as f64 / b as f64)
            } else {
                Value::Null
            }
        };
        let mean = |t: i64, n: i64| {
            if n > 0 {
                json!(t.div_euclid(n))
            } else {
                Value::Null
            }
        };
        o.insert(
            "scans_per_inspection".into(),
            ratio(get("scans"), get("inspections")),
        );
        o.insert(
            "agreement_rate".into(),
            ratio(get("agreed"), get("reviewed")),
        );
        o.insert(
            "mean_answer_ms".into(),
            mean(get("answer_ms_total"), get("returns_answered")),
        );
        o.insert(
            "mean_scan_to_decision_ms".into(),
            mean(get("scan_to_decision_ms_total"), get("timed_decisions")),
        );
        o
    }
}

fn expected(made: &[Entry], h: &History) -> Value {
    let mut by_day: BTreeMap<String, Sums> = (0..h.days)
        .map(|d| {
            (
                day_text(h.first_day + time::Duration::days(i64::from(d))),
                Sums::default(),
            )
        })
        .collect();
    let mut by_unit: BTreeMap<String, Sums> = BTreeMap::new();
    let mut by_day_unit: BTreeMap<(String, String), Sums> = BTreeMap::new();
    let mut officers: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    let mut total = Sums::default();
    for m in made {
        by_day.entry(m.day.clone()).or_default().count(m);
        by_unit.entry(m.unit.clone()).or_default().count(m);
        by_day_unit
            .entry((m.day.clone(), m.unit.clone()))
            .or_default()
            .count(m);
        total.count(m);
        if let (Some(v), Some(officer)) = (m.verdict, &m.decider) {
            let o = officers.entry(officer.clone()).or_default();
            o[0] += 1;
            o[match v {
                Verdict::Agree => 1,
                Verdict::Overrule => 2,
                Verdict::Return => 3,
            }] += 1;
        }
    }
    let keyed = |keys: Vec<(&str, &String)>, s: &Sums| {
        let mut o = s.json();
        for (k, v) in keys {
            o.insert(k.into(), json!(v));
        }
        Value::Object(o)
    };
    json!({
        "from": day_text(h.first_day),
        "to": day_text(h.first_day + time::Duration::days(i64::from(h.days) - 1)),
        "unit": null,
        "by_day": by_day.iter().map(|(d, s)| keyed(vec![("day", d)], s)).collect::<Vec<_>>(),
        "by_unit": by_unit.iter().map(|(u, s)| keyed(vec![("unit", u)], s)).collect::<Vec<_>>(),
        "by_day_unit": by_day_unit
            .iter()
            .map(|((d, u), s)| keyed(vec![("day", d), ("unit", u)], s))
            .collect::<Vec<_>>(),
        "officers": officers
            .iter()
            .map(|(name, [reviewed, agreed, overruled, returned])| json!({
                "officer": name,
                "reviewed": reviewed,
                "agreed": agreed,
                "overruled": overruled,
                "returned": returned,
                "agreement_rate": *agreed as f64 / *reviewed as f64,
            }))
            .collect::<Vec<_>>(),
        "total": Value::Object(total.json()),
    })
}
