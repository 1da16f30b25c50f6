//! The index port's cases. The index is what the record log's records
//! make of their documents, so a backend under test implements both.

use super::records::{decide, review, sign};
use crate::{AlertFilter, ConsoleQuery, Index, Origin, RecordLog};
use kordon_model::hotlist::new_hotlist_id;
use kordon_model::{
    AnprRead, Energy, HotlistDoc, InspectionDoc, InspectionId, NewInspection, NewScan, OfficerId,
    Outcome, ReadImage, ReadImageKind, ReviewState, ScanImage, TrainingDoc,
};
use kordon_record::{DeviceKey, SignedRecord};

/// A backend of both ports.
pub trait IndexBackend: Index + RecordLog {}
impl<T: Index + RecordLog> IndexBackend for T {}

/// Opens an empty backend whose server key is the given one.
pub type OpenIndex<'a> = &'a dyn Fn(&DeviceKey) -> Box<dyn IndexBackend>;

/// Runs every case of the index port.
pub fn index(open: OpenIndex<'_>) {
    the_queue_pages_filters_and_counts_what_was_projected(open);
    a_later_change_rewrites_the_row_and_moves_the_counts(open);
    a_hotlist_document_derives_its_list(open);
    searches_reads_and_blobs_find_their_inspections(open);
    a_training_attempt_derives_its_row(open);
    statistics_count_a_period_by_day_unit_and_officer(open);
}

const DAY_MS: i64 = 86_400_000;
/// 2026-12-01T00:00:00Z.
const DEC_1: i64 = 1_796_083_200_000;

/// An inspection made by `key`'s device of `unit`.
fn inspection(
    key: &DeviceKey,
    unit: &str,
    plate: &str,
    container: &str,
    crew: &[&str],
    now_ms: i64,
) -> (InspectionDoc, SignedRecord) {
    let mut doc = InspectionDoc::create(
        key.public().as_bytes(),
        InspectionId::random(),
        &NewInspection {
            tractor_plate: plate.into(),
            containers: vec![container.into()],
            unit: unit.into(),
            crew: crew.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        },
        &OfficerId::new("OF-17").expect("officer"),
        now_ms,
    )
    .expect("create");
    let record = sign(key, &mut doc, now_ms);
    (doc, record)
}

/// The document as the server holds it, to change as the server.
fn as_server(doc: &mut InspectionDoc, server: &DeviceKey) -> InspectionDoc {
    InspectionDoc::load(&doc.save(), server.public().as_bytes()).expect("load")
}

fn id_of(doc: &mut InspectionDoc) -> InspectionId {
    doc.view().expect("view").id
}

fn append(s: &mut dyn IndexBackend, records: &[SignedRecord], now_ms: i64) {
    let out = s
        .append(records, Origin::Remote, now_ms, None)
        .expect("append");
    assert!(
        out.iter()
            .all(|o| matches!(o, crate::IngestOutcome::Stored { .. })),
        "{out:?}"
    );
}

/// The counts by outcome beside a page.
fn outcomes(page: &crate::ConsolePage) -> Vec<(&str, u64)> {
    page.counts
        .outcome
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

fn page(s: &dyn IndexBackend, q: ConsoleQuery) -> (Vec<InspectionId>, u64) {
    let p = s.console_page(&q).expect("page");
    (p.rows.iter().map(|r| r.row.view.id).collect(), p.total)
}

fn the_queue_pages_filters_and_counts_what_was_projected(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let (north, south) = (DeviceKey::generate(), DeviceKey::generate());
    // Five inspections over three days from two units: a is the oldest.
    let (mut a, ra) = inspection(
        &north,
        "MOBILE-1",
        "AA1234BC",
        "CSQU3054383",
        &["Бондар"],
        DEC_1,
    );
    let (mut b, rb) = inspection(
        &north,
        "MOBILE-1",
        "BB2222CC",
        "MSKU1234565",
        &[],
        DEC_1 + 1_000,
    );
    let (mut c, rc) = inspection(
        &south,
        "MOBILE-2",
        "CC3333AA",
        "CSQU3054383",
        &["Lysenko"],
        DEC_1 + DAY_MS,
    );
    let (mut d, rd) = inspection(
        &south,
        "MOBILE-2",
        "AA1234BC",
        "TGHU1234567",
        &[],
        DEC_1 + 2 * DAY_MS,
    );
    let (mut e, re) = inspection(
        &south,
        "MOBILE-10",
        "EE5555EE",
        "TGHU1234567",
        &["100%_a"],
        DEC_1 + 2 * DAY_MS,
    );
    let da = decide(&north, &mut a, Outcome::Detain, DEC_1 + 10);
    let dc = decide(&south, &mut c, Outcome::Release, DEC_1 + DAY_MS + 10);
    let vc = review(
        &server,
        &mut as_server(&mut c, &server),
        DEC_1 + DAY_MS + 20,
    );
    append(s, &[ra, da, rb], DEC_1 + 5 * DAY_MS);
    append(s, &[rc, dc, vc, rd, re], DEC_1 + 5 * DAY_MS + 1);
    let (lag, oldest) = s.projection_lag().expect("lag");
    assert_eq!(
        (lag, oldest),
        (8, Some(DEC_1 + 5 * DAY_MS)),
        "nothing projected yet"
    );
    assert_eq!(s.inspection_count().expect("count"), 0);

    assert_eq!(s.project(DEC_1 + 6 * DAY_MS).expect("project"), 5);
    assert_eq!(s.projection_lag().expect("lag"), (0, None));
    assert_eq!(
        s.project(DEC_1 + 6 * DAY_MS).expect("again"),
        0,
        "nothing left"
    );
    assert_eq!(s.inspection_count().expect("count"), 5);
    assert_eq!(
        s.queue_version().expect("version"),
        crate::QueueVersion {
            version: DEC_1 + 6 * DAY_MS,
            total: 5
        }
    );

    let [a, b, c, d, e] = [&mut a, &mut b, &mut c, &mut d, &mut e].map(id_of);
    let mut newest = [d, e];
    newest.sort_by_key(|id| id.to_string());
    let all = s.console_page(&ConsoleQuery::default()).expect("page");
    let ids: Vec<InspectionId> = all.rows.iter().map(|r| r.row.view.id).collect();
    assert_eq!(
        ids,
        [newest[0], newest[1], c, b, a],
        "newest first, then by id"
    );
    assert_eq!((all.total, all.offset, all.limit), (5, 0, 50));
    assert_eq!(
        all.units,
        ["MOBILE-1", "MOBILE-10", "MOBILE-2"],
        "byte order"
    );
    let r = &all.counts.review;
    assert_eq!((r.unreviewed, r.agreed, r.total()), (4, 1, 5));
    assert_eq!(outcomes(&all), [("detain", 1), ("none", 3), ("release", 1)]);
    assert_eq!(all.counts.open_alerts, 0);
    let row_c = &all.rows[2];
    assert_eq!(row_c.review_state, ReviewState::Agreed);
    assert_eq!(row_c.received_ms, Some(DEC_1 + 5 * DAY_MS + 1));
    assert!(!row_c.row.heads.is_empty());
    assert_eq!(row_c.row.updated_ms, DEC_1 + 6 * DAY_MS);
    let one = s.console_row(c).expect("row").expect("found");
    assert_eq!(
        (one.row.view.id, one.review_state, one.row.heads.clone()),
        (c, ReviewState::Agreed, row_c.row.heads.clone())
    );
    assert!(s
        .console_row(InspectionId::random())
        .expect("row")
        .is_none());

    let q = |f: fn(&mut ConsoleQuery)| {
        let mut q = ConsoleQuery::default();
        f(&mut q);
        page(s, q)
    };
    assert_eq!(q(|q| q.unit = Some("MOBILE-1".into())), (vec![b, a], 2));
    assert_eq!(
        q(|q| q.unit = Some("MOBILE".into())),
        (vec![], 0),
        "a unit exactly"
    );
    assert_eq!(
        q(|q| q.outcome = Some("none".into())),
        (vec![newest[0], newest[1], b], 3)
    );
    assert_eq!(q(|q| q.outcome = Some("detain".into())), (vec![a], 1));
    assert_eq!(q(|q| q.review = Some(ReviewState::Agreed)), (vec![c], 1));
    assert_eq!(
        q(|q| q.plate = Some("аа 1234 вс".into())),
        (vec![d, a], 2),
        "a plate in another spelling (Cyrillic, lower case, spaces)"
    );
    assert_eq!(
        q(|q| q.container = Some("csqu 305438-3".into())),
        (vec![c, a], 2)
    );
    assert_eq!(
        q(|q| q.container = Some("CSQU".into())),
        (vec![], 0),
        "a whole code"
    );
    assert_eq!(q(|q| q.officer = Some("Бондар".into())), (vec![a], 1));
    assert_eq!(
        q(|q| q.officer = Some("OF-17".into())),
        (vec![c, a], 2),
        "officers of decisions"
    );
    assert_eq!(
        q(|q| q.officer = Some("of-17".into())),
        (vec![c, a], 2),
        "the case of A to Z aside"
    );
    assert_eq!(
        q(|q| q.officer = Some("бондар".into())),
        (vec![], 0),
        "other letters as they are"
    );
    assert_eq!(
        q(|q| q.unit = Some("MOBILE-1\0".into())),
        (vec![], 0),
        "a NUL asked for is no error"
    );
    assert_eq!(q(|q| q.officer = Some("100%_a".into())), (vec![e], 1));
    assert_eq!(
        q(|q| q.officer = Some("100%".into())),
        (vec![], 0),
        "% is itself"
    );
    assert_eq!(
        q(|q| q.officer = Some("1_0%_a".into())),
        (vec![], 0),
        "_ is itself"
    );
    assert_eq!(
        q(|q| q.from = Some("2026-12-02".into())),
        (vec![newest[0], newest[1], c], 3)
    );
    assert_eq!(q(|q| q.to = Some("2026-12-01".into())), (vec![b, a], 2));
    assert_eq!(
        q(|q| {
            q.from = Some("2026-12-02".into());
            q.to = Some("2026-12-02".into());
        }),
        (vec![c], 1)
    );
    assert_eq!(q(|q| q.scans = Some(true)), (vec![], 0));
    assert_eq!(q(|q| q.scans = Some(false)).1, 5);
    assert_eq!(q(|q| q.alerts = Some(AlertFilter::Any)), (vec![], 0));
    assert_eq!(
        q(|q| q.unit = Some("  ".into())).1,
        5,
        "a blank filter does not filter"
    );
    assert_eq!(
        q(|q| {
            q.offset = Some(1);
            q.limit = Some(2);
        }),
        (vec![newest[1], c], 5),
        "a page further on; the total is all that matches"
    );
    assert_eq!(q(|q| q.offset = Some(5)), (vec![], 5));

    // The counts beside a filter: each under every other filter.
    let filtered = s
        .console_page(&ConsoleQuery {
            unit: Some("MOBILE-2".into()),
            review: Some(ReviewState::Unreviewed),
            outcome: Some("release".into()),
            ..Default::default()
        })
        .expect("page");
    assert_eq!(filtered.total, 0, "c is released but agreed");
    let r = &filtered.counts.review;
    assert_eq!(
        (r.unreviewed, r.agreed),
        (0, 1),
        "review counts leave review out"
    );
    assert_eq!(
        outcomes(&filtered),
        [("none", 1)],
        "outcome counts leave outcome out"
    );
    assert_eq!(filtered.units.len(), 3, "every unit, whatever the filters");
    let by_day = s
        .console_page(&ConsoleQuery {
            from: Some("2026-12-03".into()),
            outcome: Some("detain".into()),
            ..Default::default()
        })
        .expect("page");
    assert_eq!((by_day.total, by_day.counts.review.unreviewed), (0, 0));
    assert_eq!(outcomes(&by_day), [("none", 2)]);
}

fn a_later_change_rewrites_the_row_and_moves_the_counts(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let device = DeviceKey::generate();
    let (mut doc, genesis) = inspection(&device, "MOBILE-1", "AA1234BC", "CSQU3054383", &[], DEC_1);
    let (_, other_genesis) = inspection(
        &device,
        "MOBILE-1",
        "BB1234BC",
        "CSQU3054383",
        &[],
        DEC_1 + 1,
    );
    append(s, &[genesis, other_genesis], DEC_1 + 100);
    assert_eq!(s.project(DEC_1 + 200).expect("project"), 2);
    let before = s.console_row(id_of(&mut doc)).expect("row").expect("found");
    assert!(before.row.view.decisions.is_empty());

    let decision = decide(&device, &mut doc, Outcome::Refer, DEC_1 + 300);
    let agreed = review(&server, &mut as_server(&mut doc, &server), DEC_1 + 310);
    append(s, &[decision, agreed], DEC_1 + 400);
    assert_eq!(
        s.project(DEC_1 + 500).expect("project"),
        1,
        "one document changed"
    );
    let after = s.console_row(id_of(&mut doc)).expect("row").expect("found");
    assert_eq!(after.row.view.decisions.len(), 1);
    assert_eq!(after.review_state, ReviewState::Agreed);
    assert_ne!(after.row.heads, before.row.heads);
    assert_eq!(after.row.updated_ms, DEC_1 + 500);
    assert_eq!(
        after.received_ms,
        Some(DEC_1 + 100),
        "when the first record came"
    );
    let all = s.console_page(&ConsoleQuery::default()).expect("page");
    let r = &all.counts.review;
    assert_eq!((r.unreviewed, r.agreed, all.total), (1, 1, 2));
    assert_eq!(
        outcomes(&all),
        [("none", 1), ("refer", 1)],
        "nothing counted twice"
    );
    assert_eq!(
        s.queue_version().expect("version"),
        crate::QueueVersion {
            version: DEC_1 + 500,
            total: 2
        }
    );
}

fn a_hotlist_document_derives_its_list(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let officer = OfficerId::new("SUP-1").expect("officer");
    let mut lists = vec![];
    for (name, units) in [("Звіт", vec![]), ("North", vec!["MOBILE-1".to_string()])] {
        let id = new_hotlist_id();
        let mut list =
            HotlistDoc::create(server.public().as_bytes(), name, &units, &officer, DEC_1)
                .expect("list");
        let change = list.last_change().expect("change");
        lists.push(
            SignedRecord::sign(&server, *id.as_bytes(), "SUP-1", DEC_1, &change).expect("sign"),
        );
    }
    append(s, &lists, DEC_1 + 1);
    assert_eq!(s.project(DEC_1 + 2).expect("project"), 2);
    let names: Vec<String> = s
        .hotlists()
        .expect("hotlists")
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["North", "Звіт"], "by name, byte order");
    assert_eq!(
        s.inspection_count().expect("count"),
        0,
        "a list is no inspection"
    );
}

fn officer() -> OfficerId {
    OfficerId::new("OF-17").expect("officer")
}

/// An ANPR read `id` of `text`, with one plate image stored as `blob`.
fn read(id: &str, text: &str, blob: char, at: i64) -> AnprRead {
    AnprRead {
        id: id.into(),
        received_ms: at,
        captured_ms: Some(at - 10),
        vendor: "hikvision".into(),
        camera: None,
        lane: None,
        role: None,
        text: Some(text.into()),
        plate: None,
        confidence: Some(0.93),
        char_confidence: vec![],
        country: Some("UA".into()),
        direction: None,
        images: vec![ReadImage {
            kind: ReadImageKind::Plate,
            blob: std::iter::repeat_n(blob, 64).collect(),
            size: 2_048,
            content_type: "image/jpeg".into(),
        }],
        added_by: String::new(),
        correction: None,
        detached: None,
    }
}

/// A scan of one image stored as `blob`.
fn scan(blob: char, size: u64) -> NewScan {
    NewScan {
        images: vec![ScanImage {
            blob: std::iter::repeat_n(blob, 64).collect(),
            size,
            width: 600,
            height: 200,
            bits: 16,
            channels: 1,
            format: "tiff".into(),
            energy: Energy::Single,
        }],
        ..Default::default()
    }
}

fn searches_reads_and_blobs_find_their_inspections(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let device = DeviceKey::generate();
    let (mut a, ra) = inspection(&device, "MOBILE-1", "AA1234BC", "CSQU3054383", &[], DEC_1);
    let (mut b, rb) = inspection(
        &device,
        "MOBILE-1",
        "BB2222CC",
        "MSKU1234565",
        &[],
        DEC_1 + 1,
    );
    let (mut c, rc) = inspection(
        &device,
        "MOBILE-2",
        "CC3333AA",
        "MSKU1234565",
        &[],
        DEC_1 + DAY_MS,
    );
    // a gets a read of another plate and a scan; b is decided.
    a.add_read(
        &read("PUSH#1", "KA7777KA", 'c', DEC_1 + 5),
        None,
        &officer(),
        DEC_1 + 5,
    )
    .expect("read");
    let read_a = sign(&device, &mut a, DEC_1 + 5);
    a.add_scan(&scan('d', 9_000), &officer(), DEC_1 + 6)
        .expect("scan");
    let scan_a = sign(&device, &mut a, DEC_1 + 6);
    let decided = decide(&device, &mut b, Outcome::Release, DEC_1 + 7);
    // b's read raises a hotlist alert the crew has not answered; c's one
    // they answered.
    let alerted = |doc: &mut InspectionDoc, push: &str, blob: char| {
        let alert = kordon_model::NewAlert {
            source: kordon_model::AlertSource::Read,
            read_id: Some(push.into()),
            role: None,
            seen: "KA8888KA".into(),
            list_id: "list".into(),
            list: "Wanted".into(),
            entry_id: "entry".into(),
            entry_value: "KA8888KA".into(),
            reason: "stolen".into(),
            priority: kordon_model::Priority::High,
            tier: kordon_model::MatchTier::Exact,
        };
        doc.add_read_with_alerts(
            &read(push, "KA8888KA", blob, DEC_1 + 8),
            None,
            &[alert],
            &officer(),
            DEC_1 + 8,
        )
        .expect("read with an alert");
        sign(&device, doc, DEC_1 + 8)
    };
    let alert_b = alerted(&mut b, "PUSH#3", 'e');
    let alert_c = alerted(&mut c, "PUSH#4", 'f');
    let raised = c.view().expect("view").alerts[0].id.clone();
    c.respond_to_alert(
        &kordon_model::NewAlertResponse {
            alert: raised,
            response: kordon_model::AlertResponseKind::FalseMatch,
            note: String::new(),
        },
        &officer(),
        DEC_1 + 9,
    )
    .expect("answer");
    let answered = sign(&device, &mut c, DEC_1 + 9);
    append(
        s,
        &[
            ra, rb, rc, read_a, scan_a, decided, alert_b, alert_c, answered,
        ],
        DEC_1 + 2 * DAY_MS,
    );
    s.project(DEC_1 + 2 * DAY_MS).expect("project");
    let [a, b, c] = [&mut a, &mut b, &mut c].map(id_of);

    let ids = |rows: Vec<crate::IndexRow>| rows.into_iter().map(|r| r.view.id).collect::<Vec<_>>();
    let q = |f: fn(&mut crate::Query)| {
        let mut q = crate::Query::default();
        f(&mut q);
        ids(s.query(&q).expect("query"))
    };
    assert_eq!(q(|_| {}), [c, b, a], "newest first");
    assert_eq!(
        q(|q| q.plate = Some("ka 7777 ka".into())),
        [a],
        "by a read's plate"
    );
    assert_eq!(
        q(|q| q.plate_key = kordon_model::Plate::key_of("AA1234BC")),
        [a],
        "by a key, as plate_keys gives them"
    );
    assert_eq!(
        q(|q| q.container = Some("mscu-123456".into())),
        Vec::<InspectionId>::new()
    );
    assert_eq!(q(|q| q.container = Some("MSKU 123456 5".into())), [c, b]);
    assert_eq!(q(|q| q.day = Some("2026-12-01".into())), [b, a]);
    assert_eq!(q(|q| q.outcome = Some("none".into())), [c, a]);
    assert_eq!(q(|q| q.outcome = Some("release".into())), [b]);
    assert_eq!(q(|q| q.limit = Some(1)), [c]);

    let with_scans = s
        .console_page(&ConsoleQuery {
            scans: Some(true),
            ..Default::default()
        })
        .expect("page");
    assert_eq!(
        (
            with_scans
                .rows
                .iter()
                .map(|r| r.row.view.id)
                .collect::<Vec<_>>(),
            with_scans.total
        ),
        (vec![a], 1)
    );
    let without = s
        .console_page(&ConsoleQuery {
            scans: Some(false),
            ..Default::default()
        })
        .expect("page");
    assert_eq!((without.total, without.counts.review.unreviewed), (2, 2));
    let undecided_with_scans = s
        .console_page(&ConsoleQuery {
            scans: Some(true),
            outcome: Some("none".into()),
            ..Default::default()
        })
        .expect("page");
    assert_eq!(
        (undecided_with_scans.total, outcomes(&undecided_with_scans)),
        (1, vec![("none", 1)]),
        "the counts under the scans filter"
    );

    let alerts = |filter| {
        let p = s
            .console_page(&ConsoleQuery {
                alerts: Some(filter),
                ..Default::default()
            })
            .expect("page");
        let by_outcome: Vec<(String, u64)> = p.counts.outcome.clone().into_iter().collect();
        (
            p.rows.iter().map(|r| r.row.view.id).collect::<Vec<_>>(),
            p.total,
            p.counts.open_alerts,
            by_outcome,
        )
    };
    assert_eq!(
        alerts(AlertFilter::Any),
        (
            vec![c, b],
            2,
            1,
            vec![("none".into(), 1), ("release".into(), 1)]
        ),
        "answered or not"
    );
    assert_eq!(
        alerts(AlertFilter::Open),
        (vec![b], 1, 1, vec![("release".into(), 1)]),
        "not answered: b, decided; c's answered alert is not counted"
    );

    let same = |id| {
        s.same_vehicle(id, 10)
            .expect("same vehicle")
            .map(|rows| rows.into_iter().map(|r| r.row.view.id).collect::<Vec<_>>())
    };
    assert_eq!(
        same(b),
        Some(vec![c]),
        "a container shared, itself left out"
    );
    assert_eq!(same(a), Some(vec![]));
    assert_eq!(same(InspectionId::random()), None, "not indexed");

    assert_eq!(s.inspection_with_read("PUSH#1").expect("read"), Some(a));
    assert_eq!(s.inspection_with_read("PUSH#2").expect("read"), None);
    assert_eq!(
        s.inspection_with_read("PUSH#").expect("read"),
        None,
        "an id exactly"
    );

    let d: String = std::iter::repeat_n('d', 64).collect();
    let cc: String = std::iter::repeat_n('c', 64).collect();
    assert!(s
        .blob_referenced_by_unit(&d, 9_000, "MOBILE-1")
        .expect("blob"));
    assert!(s
        .blob_referenced_by_unit(&cc, 2_048, "MOBILE-1")
        .expect("a read's image"));
    assert!(
        !s.blob_referenced_by_unit(&d, 9_001, "MOBILE-1")
            .expect("blob"),
        "another size"
    );
    assert!(
        !s.blob_referenced_by_unit(&d, 9_000, "MOBILE-2")
            .expect("blob"),
        "another unit"
    );
    assert_eq!(s.docs_with_blob_prefix("ddd").expect("prefix"), [a]);
    assert_eq!(s.docs_with_blob_prefix("ee").expect("prefix"), [b]);
    assert_eq!(s.docs_with_blob_prefix("0").expect("prefix"), []);
    let mut all = s.scan_blobs_all().expect("all");
    all.sort();
    let [e, f]: [String; 2] = ['e', 'f'].map(|c| std::iter::repeat_n(c, 64).collect());
    assert_eq!(all, [cc, d, e, f]);
}

fn a_training_attempt_derives_its_row(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let device = DeviceKey::generate();
    let mut made = vec![];
    for (trainee, unit, at) in [
        ("OF-1", "MOBILE-1", DEC_1),
        ("OF-2", "MOBILE-1", DEC_1 + 1),
        ("OF-1", "MOBILE-2", DEC_1 + 2),
    ] {
        let id = kordon_model::training::new_training_id();
        let mut doc = TrainingDoc::create(
            device.public().as_bytes(),
            id,
            unit,
            "Exercise 1",
            "{}",
            &OfficerId::new(trainee).expect("trainee"),
            at,
        )
        .expect("attempt");
        let change = doc.last_change().expect("change");
        append(
            s,
            &[SignedRecord::sign(&device, *id.as_bytes(), trainee, at, &change).expect("sign")],
            at + 10,
        );
        made.push(id);
    }
    s.project(DEC_1 + 100).expect("project");
    let list = |q: crate::TrainingQuery| {
        s.training_attempts(&q)
            .expect("attempts")
            .into_iter()
            .map(|v| v.id)
            .collect::<Vec<_>>()
    };
    let id = |i: usize| made[i].to_string();
    assert_eq!(
        list(crate::TrainingQuery {
            limit: 10,
            ..Default::default()
        }),
        [id(2), id(1), id(0)],
        "newest first"
    );
    assert_eq!(
        list(crate::TrainingQuery {
            trainee: Some("OF-1".into()),
            limit: 10,
            ..Default::default()
        }),
        [id(2), id(0)]
    );
    assert_eq!(
        list(crate::TrainingQuery {
            unit: Some("MOBILE-1".into()),
            limit: 1,
            ..Default::default()
        }),
        [id(1)]
    );
    let one = s
        .training_attempt(made[1].as_bytes())
        .expect("attempt")
        .expect("found");
    assert_eq!(
        (one.trainee.as_str(), one.unit.as_str()),
        ("OF-2", "MOBILE-1")
    );
    assert!(s.training_attempt(&[9; 16]).expect("attempt").is_none());
    assert_eq!(s.inspection_count().expect("count"), 0);
}

fn statistics_count_a_period_by_day_unit_and_officer(open: OpenIndex<'_>) {
    let server = DeviceKey::generate();
    let s = &mut *open(&server);
    let (north, south) = (DeviceKey::generate(), DeviceKey::generate());
    let (mut a, ra) = inspection(&north, "MOBILE-1", "AA1234BC", "CSQU3054383", &[], DEC_1);
    let (mut b, rb) = inspection(
        &north,
        "MOBILE-1",
        "BB2222CC",
        "MSKU1234565",
        &[],
        DEC_1 + 1,
    );
    let (mut c, rc) = inspection(
        &south,
        "MOBILE-2",
        "CC3333AA",
        "MSKU1234565",
        &[],
        DEC_1 + DAY_MS,
    );
    let (_, rd) = inspection(
        &south,
        "MOBILE-2",
        "CC4444AA",
        "MSKU1234565",
        &[],
        DEC_1 + 5 * DAY_MS,
    );
    a.add_scan(&scan('a', 1_000), &officer(), DEC_1 + 100)
        .expect("scan");
    let scan_a = sign(&north, &mut a, DEC_1 + 100);
    let da = decide(&north, &mut a, Outcome::Detain, DEC_1 + 1_100);
    let db = decide(&north, &mut b, Outcome::Release, DEC_1 + 200);
    let dc = decide(&south, &mut c, Outcome::Release, DEC_1 + DAY_MS + 10);
    let va = review(&server, &mut as_server(&mut a, &server), DEC_1 + 2_000);
    append(
        s,
        &[ra, rb, rc, rd, scan_a, da, db, dc, va],
        DEC_1 + 6 * DAY_MS,
    );
    s.project(DEC_1 + 6 * DAY_MS).expect("project");

    let period = |unit: Option<&str>| crate::stats::StatsQuery {
        from: "2026-12-01".into(),
        to: "2026-12-03".into(),
        unit: unit.map(String::from),
    };
    let all = s.statistics(&period(None)).expect("statistics");
    let days: Vec<(&str, u32)> = all
        .by_day
        .iter()
        .map(|d| (d.day.as_str(), d.counts.inspections))
        .collect();
    assert_eq!(
        days,
        [("2026-12-01", 2), ("2026-12-02", 1), ("2026-12-03", 0)],
        "every day of the period, the sixth's inspection outside it"
    );
    let t = &all.total;
    assert_eq!(
        (t.inspections, t.release, t.detain, t.undecided, t.scans),
        (3, 2, 1, 0, 1)
    );
    assert_eq!((t.reviewed, t.agreed, t.agreement_rate), (1, 1, Some(1.0)));
    assert_eq!(
        (t.timed_decisions, t.scan_to_decision_ms_total),
        (1, 1_000),
        "from a's scan to its decision"
    );
    let units: Vec<(&str, u32)> = all
        .by_unit
        .iter()
        .map(|u| (u.unit.as_str(), u.counts.inspections))
        .collect();
    assert_eq!(units, [("MOBILE-1", 2), ("MOBILE-2", 1)]);
    assert_eq!(all.by_day_unit.len(), 2);
    let officers: Vec<(&str, u32, u32)> = all
        .officers
        .iter()
        .map(|o| (o.officer.as_str(), o.reviewed, o.agreed))
        .collect();
    assert_eq!(officers, [("OF-17", 1, 1)]);

    let south_only = s.statistics(&period(Some("MOBILE-2"))).expect("statistics");
    assert_eq!(
        (south_only.total.inspections, south_only.unit.as_deref()),
        (1, Some("MOBILE-2"))
    );
    assert!(south_only.officers.is_empty());
    let blank = s.statistics(&period(Some(""))).expect("statistics");
    assert_eq!(blank.total.inspections, 3, "a blank unit does not filter");
    assert!(
        s.statistics(&crate::stats::StatsQuery {
            from: "2026-12-03".into(),
            to: "2026-12-01".into(),
            unit: None,
        })
        .is_err(),
        "a period that ends before it begins"
    );
}
