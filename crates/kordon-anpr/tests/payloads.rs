//! Camera pushes as cameras send them: the real payloads in the project's
//! real-data folder (read in place), and realistic ones built here for the
//! variations firmware shows (namespaces, missing elements, no plate,
//! multipart with JPEG parts).

use kordon_anpr::{parse_push, ImageKind, Refused, Vendor};
use proptest::prelude::*;

fn real(path: &str) -> Option<Vec<u8>> {
    let dir = kordon_test_support::realdata("anpr_events")?;
    Some(std::fs::read(dir.join(path)).expect("read the real payload"))
}

#[test]
fn a_real_hikvision_alert() {
    let Some(xml) = real("hikvision/parkpow_anpr.xml") else {
        return;
    };
    let reads = parse_push("application/xml", &xml).expect("parsed");
    assert_eq!(reads.len(), 1);
    let r = &reads[0];
    assert_eq!(r.vendor, Some(Vendor::Hikvision));
    assert_eq!(r.text.as_deref(), Some("PECT600"));
    assert_eq!(r.confidence, Some(0.97));
    assert_eq!(r.char_confidence, vec![99; 7]);
    assert_eq!(r.direction.as_deref(), Some("reverse"));
    assert_eq!(r.country.as_deref(), Some("3"));
    assert_eq!(r.lane.as_deref(), Some("2"));
    assert_eq!(r.camera.as_deref(), Some("d4:e8:53:bc:4c:02/1"));
    // 2024-01-19T11:17:19+08:00
    assert_eq!(r.captured_ms, Some(1_705_634_239_000));
}

#[test]
fn a_real_hikvision_alert_inside_multipart_with_its_jpegs() {
    let Some(xml) = real("hikvision/parkpow_anpr.xml") else {
        return;
    };
    let jpeg = |n: u8| [&[0xff, 0xd8, 0xff, 0xe0][..], &[n; 64], &[0xff, 0xd9]].concat();
    let mut body = vec![];
    for (name, ct, bytes) in [
        ("anpr.xml", "text/xml", xml.clone()),
        ("licensePlatePicture.jpg", "image/jpeg", jpeg(1)),
        ("detectionPicture.jpg", "image/jpeg", jpeg(2)),
    ] {
        body.extend_from_slice(
            format!("--boundary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n", bytes.len()).as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--boundary--\r\n");
    let reads = parse_push("multipart/form-data; boundary=boundary", &body).expect("parsed");
    let r = &reads[0];
    assert_eq!(r.text.as_deref(), Some("PECT600"));
    assert_eq!(r.images.len(), 2);
    assert_eq!(r.images[0].kind, ImageKind::Plate);
    assert_eq!(r.images[0].bytes, jpeg(1));
    assert_eq!(r.images[1].kind, ImageKind::Scene);
    assert_eq!(r.images[1].bytes, jpeg(2));
}

#[test]
fn a_real_axis_event() {
    let Some(json) = real("axis/parkpow_axis_fflpr_event.json") else {
        return;
    };
    let r = &parse_push("application/json", &json).expect("parsed")[0];
    assert_eq!(r.vendor, Some(Vendor::Axis));
    assert_eq!(r.text.as_deref(), Some("RLE11684"));
    assert_eq!(r.confidence, Some(0.719_034));
    assert_eq!(r.country.as_deref(), Some("POL"));
    assert_eq!(r.direction.as_deref(), Some("in"));
    assert_eq!(r.camera.as_deref(), Some("ACCC8ED3290D"));
    assert_eq!(r.captured_ms, Some(1_623_405_938_252));
}

#[test]
fn a_real_dahua_event_without_a_plate() {
    let Some(json) = real("dahua/yutthapoomsa_rpc_notifyEventStream_TrafficJunction_nonmotor.json")
    else {
        return;
    };
    let reads = parse_push("application/json", &json).expect("parsed");
    assert_eq!(reads.len(), 1);
    let r = &reads[0];
    assert_eq!(r.vendor, Some(Vendor::Dahua));
    assert_eq!(r.text, None, "an empty plate text is no plate read");
    assert_eq!(r.lane.as_deref(), Some("2"));
    assert_eq!(r.camera.as_deref(), Some("8M049B2PAJF3085:TrafficJunction"));
    assert_eq!(
        r.captured_ms,
        Some(1_706_600_095_000 + 305),
        "RealUTC, not the local UTC"
    );
}

const ISAPI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.64</ipAddress><channelID>1</channelID>
<dateTime>2026-12-03T03:12:44+02:00</dateTime>
<eventType>ANPR</eventType><eventState>active</eventState>
<ANPR><licensePlate>АА1234ВС</licensePlate><confidenceLevel>88</confidenceLevel>
<plateCharBelieve></plateCharBelieve></ANPR>
</EventNotificationAlert>"#;

#[test]
fn isapi_namespace_missing_country_and_empty_char_confidence() {
    let r = &parse_push("text/xml", ISAPI.as_bytes()).expect("parsed")[0];
    assert_eq!(r.text.as_deref(), Some("АА1234ВС"), "kept exactly as read");
    assert_eq!(r.country, None);
    assert_eq!(r.direction, None);
    assert!(r.char_confidence.is_empty());
    assert_eq!(r.camera.as_deref(), Some("192.168.1.64/1"));
}

#[test]
fn unknown_plate_text_is_no_plate() {
    let xml = ISAPI.replace("АА1234ВС", "unknown");
    let r = &parse_push("text/xml", xml.as_bytes()).expect("parsed")[0];
    assert_eq!(r.text, None);
}

#[test]
fn other_hikvision_events_are_not_plate_reads() {
    let xml = ISAPI.replace("<eventType>ANPR</eventType>", "<eventType>VMD</eventType>");
    assert!(matches!(
        parse_push("text/xml", xml.as_bytes()),
        Err(Refused::NotAnpr(_))
    ));
}

#[test]
fn dahua_text_form_with_a_plate() {
    let body = r#"Code=TrafficJunction;action=Pulse;index=0;data={"TrafficCar":{"PlateNumber":"AA1234BC","Country":"UA","Lane":1,"MachineName":"ITC-1"},"Object":{"ObjectType":"Plate","Text":"AA1234BC","Confidence":91},"RealUTC":1764731564,"UTCMS":12}"#;
    let r = &parse_push("text/plain", body.as_bytes()).expect("parsed")[0];
    assert_eq!(r.text.as_deref(), Some("AA1234BC"));
    assert_eq!(r.confidence, Some(0.91));
    assert_eq!(r.country.as_deref(), Some("UA"));
    assert_eq!(r.captured_ms, Some(1_764_731_564_012));
}

#[test]
fn generic_json_and_multipart() {
    let body = br#"{"plate":"BC 0001 AA","camera":"gate-2","lane":"1","captured_at":"2026-12-03T01:00:00Z","confidence":0.9,"plate_jpeg":"/9j/2Q=="}"#;
    let r = &parse_push("application/json", body).expect("parsed")[0];
    assert_eq!(r.vendor, Some(Vendor::Generic));
    assert_eq!(r.text.as_deref(), Some("BC 0001 AA"));
    assert_eq!(r.images[0].bytes, vec![0xff, 0xd8, 0xff, 0xd9]);
    let mp = b"--b\r\nContent-Disposition: form-data; name=\"read\"\r\n\r\n{\"plate\":null}\r\n--b\r\nContent-Disposition: form-data; name=\"scene\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG\r\n--b--\r\n";
    let r = &parse_push("multipart/form-data; boundary=b", mp).expect("parsed")[0];
    assert_eq!(r.text, None);
    assert_eq!(r.images[0].kind, ImageKind::Scene);
}

#[test]
fn malformed_and_unknown_bodies_are_refused_with_a_reason() {
    for (ct, body) in [
        ("application/json", &b"{\"plate\": "[..]),
        ("application/json", b"{\"speed\": 3}"),
        ("text/xml", b"<EventNotificationAlert><eventType>ANPR"),
        ("text/plain", b"hello"),
        ("application/octet-stream", &[0xff, 0xfe, 0x00][..]),
        ("multipart/form-data", b"--x\r\n"),
        ("application/json", b"   "),
    ] {
        let e = parse_push(ct, body).expect_err("refused");
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #[test]
    fn no_body_panics_the_parser(ct in "(application/json|text/xml|multipart/form-data; boundary=[a-z]{1,4}|)", body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_push(&ct, &body);
    }

    #[test]
    fn mangled_real_shapes_never_panic(cut in 0usize..ISAPI.len(), flip in 0usize..ISAPI.len()) {
        let mut b = ISAPI.as_bytes()[..cut].to_vec();
        if let Some(x) = b.get_mut(flip) { *x ^= 0x20; }
        let _ = parse_push("text/xml", &b);
    }
}

#[test]
fn the_regression_corpus_parses_or_is_refused() {
    for (name, bytes) in kordon_test_support::regressions("anpr_push") {
        let Some((pick, body)) = bytes.split_first() else {
            continue;
        };
        let ct = [
            "application/json",
            "application/xml",
            "multipart/form-data; boundary=boundary",
            "text/plain",
            "",
        ][usize::from(*pick) % 5];
        let _ = parse_push(ct, body);
        println!("{name}: no panic");
    }
}
