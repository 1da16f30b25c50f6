//! The same batches appended to the SQLite store and to PostgreSQL must
//! be answered the same, record by record: positions, leaves, refusals
//! and their reasons; and leave the same log (its head). The batches are
//! generated from seeds: inspections made and decided by two devices,
//! reviews by the server and (refused) by a device, decisions by the
//! server (refused), copies of records already sent, changes that are no
//! changes, and two different changes under one number; cut into batches
//! of random sizes. After each batch both project what they hold; the
//! queue pages, their counts and the queue's version must then be the
//! same, byte for byte as JSON, and so must the statistics.

use kordon_model::ReviewState;
use kordon_model::{InspectionDoc, Outcome};
use kordon_ports::conformance::records::{create, decide, review};
use kordon_ports::{ConsoleQuery, Index, IngestOutcome, Origin, RecordLog};
use kordon_postgres::{migrate, PgStore};
use kordon_record::{DeviceKey, SignedRecord};
use kordon_test_support::postgres::Postgres;

/// A small deterministic generator (xorshift), so a failing seed can be
/// replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A copy of `doc` to write as `key` (the same author's copy keeps
/// numbering its changes where `doc` left off).
fn copy_as(doc: &mut InspectionDoc, key: &DeviceKey) -> InspectionDoc {
    InspectionDoc::load(&doc.save(), key.public().as_bytes()).expect("load")
}

/// The records of one seed, in the order sent.
fn records(seed: u64, server: &DeviceKey) -> Vec<SignedRecord> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let devices = [DeviceKey::generate(), DeviceKey::generate()];
    // Each document with the device that made it.
    let mut docs: Vec<(InspectionDoc, usize)> = vec![];
    let mut sent: Vec<SignedRecord> = vec![];
    for step in 0..40i64 {
        let now = 1_000 + step;
        let record = match (docs.len(), rng.below(8)) {
            (0, _) | (_, 0) => {
                let d = rng.below(2);
                let (doc, genesis) = create(&devices[d], "AA1234BC", now);
                docs.push((doc, d));
                genesis
            }
            (n, 1 | 2) => {
                let (doc, d) = &mut docs[rng.below(n)];
                decide(&devices[*d], doc, Outcome::Detain, now)
            }
            (n, 3) => {
                // The server reviews its copy of the document.
                let (doc, _) = &mut docs[rng.below(n)];
                review(server, &mut copy_as(doc, server), now)
            }
            (n, 4) => {
                // A device reviews (refused), or the server decides
                // (refused), each on a copy.
                let (doc, d) = &mut docs[rng.below(n)];
                match rng.below(2) {
                    0 => review(&devices[*d], &mut copy_as(doc, &devices[*d]), now),
                    _ => decide(server, &mut copy_as(doc, server), Outcome::Release, now),
                }
            }
            (n, 5) => {
                // Another change under the number the document's next
                // change will take.
                let (doc, d) = &mut docs[rng.below(n)];
                decide(
                    &devices[*d],
                    &mut copy_as(doc, &devices[*d]),
                    Outcome::Release,
                    now,
                )
            }
            (_, 6) if !sent.is_empty() => sent[rng.below(sent.len())].clone(),
            (n, _) => {
                let (_, d) = &docs[rng.below(n)];
                let doc_id = docs[rng.below(n)].0.view().expect("view").id;
                SignedRecord::sign(&devices[*d], *doc_id.as_bytes(), "OF-17", now, b"no change")
                    .expect("sign")
            }
        };
        sent.push(record);
    }
    sent
}

#[test]
fn both_backends_answer_every_batch_alike() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().expect("tmp");
    // What the seeds made happen, so the comparison covers each answer.
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for seed in 0..12u64 {
        let server = DeviceKey::generate();
        let mut sqlite = kordon_store::Store::open(
            &dir.path().join(format!("central-{seed}.sqlite")),
            server.public(),
        )
        .expect("open");
        sqlite.set_server_key(server.public());
        sqlite.enable_log();
        sqlite.open_register().expect("register");
        let url = pg.database(&format!("seed{seed}"));
        migrate(&url).expect("migrate");
        let mut postgres = PgStore::open(&url).expect("open");
        postgres.set_server_key(server.public());

        let all = records(seed, &server);
        let mut rng = Rng(seed + 7);
        let mut at = 0;
        let mut batch_no = 0i64;
        while at < all.len() {
            let end = (at + 1 + rng.below(8)).min(all.len());
            let batch = &all[at..end];
            let now = 10_000 + batch_no;
            let a =
                RecordLog::append(&mut sqlite, batch, Origin::Remote, now, None).expect("SQLite");
            let b = postgres
                .append(batch, Origin::Remote, now, None)
                .expect("PostgreSQL");
            assert_eq!(a, b, "seed {seed}, records {at}..{end}");
            for outcome in &a {
                let kind = match outcome {
                    IngestOutcome::Stored { .. } => "stored",
                    IngestOutcome::Duplicate { .. } => "duplicate",
                    IngestOutcome::Invalid(r) if r.contains("conflicting") => "conflict",
                    IngestOutcome::Invalid(_) => "invalid",
                    IngestOutcome::BreaksRules(_) => "breaks rules",
                };
                *seen.entry(kind).or_default() += 1;
            }
            at = end;
            batch_no += 1;
            let a = Index::project(&mut sqlite, now).expect("SQLite");
            let b = Index::project(&mut postgres, now).expect("PostgreSQL");
            assert_eq!(a, b, "seed {seed}: documents refreshed");
            same_queue(&sqlite, &postgres, seed);
        }
        let size = RecordLog::log_size(&sqlite).expect("size");
        assert_eq!(postgres.log_size().expect("size"), size, "seed {seed}");
        assert_eq!(
            RecordLog::log_head(&sqlite, size).expect("head"),
            postgres.log_head(size).expect("head"),
            "seed {seed}"
        );
    }
    for kind in ["stored", "duplicate", "conflict", "invalid", "breaks rules"] {
        assert!(
            seen.get(kind).is_some_and(|&n| n > 0),
            "no {kind}: {seen:?}"
        );
    }
}

/// The queue as both backends answer it, under a few filters.
fn same_queue(sqlite: &kordon_store::Store, postgres: &PgStore, seed: u64) {
    let queries = [
        ConsoleQuery::default(),
        ConsoleQuery {
            outcome: Some("none".into()),
            ..Default::default()
        },
        ConsoleQuery {
            review: Some(ReviewState::Agreed),
            ..Default::default()
        },
        ConsoleQuery {
            unit: Some("MOBILE-1".into()),
            outcome: Some("detain".into()),
            ..Default::default()
        },
        ConsoleQuery {
            plate: Some("aa 1234 bc".into()),
            offset: Some(1),
            limit: Some(3),
            ..Default::default()
        },
    ];
    for q in &queries {
        let a =
            serde_json::to_value(Index::console_page(sqlite, q).expect("SQLite")).expect("json");
        let b = serde_json::to_value(postgres.console_page(q).expect("PostgreSQL")).expect("json");
        assert_eq!(a, b, "seed {seed}: {q:?}");
    }
    assert_eq!(
        Index::queue_version(sqlite).expect("SQLite"),
        postgres.queue_version().expect("PostgreSQL"),
        "seed {seed}"
    );
    let period = kordon_ports::stats::StatsQuery {
        from: "1970-01-01".into(),
        to: "1970-01-02".into(),
        unit: None,
    };
    assert_eq!(
        serde_json::to_value(Index::statistics(sqlite, &period).expect("SQLite")).expect("json"),
        serde_json::to_value(postgres.statistics(&period).expect("PostgreSQL")).expect("json"),
        "seed {seed}: statistics"
    );
}
