//! ANPR end to end, with the real `kordon` and `kordon-server`: camera
//! pushes to `kordon anpr serve` with the link down become reads in
//! inspections (tractor then trailer of one passage); a malformed push is
//! kept as refused; a file a camera drops into the watched folder is read; a SIGKILL of the ingest in the middle of a burst loses
//! nothing and attaches nothing twice; when the link returns, the reads
//! and their images reach the server. Hotlists made on the server reach
//! the vehicles of their units; with the link down, a camera push and a
//! typed plate raise alerts; the crew's response reaches the server.

use kordon_e2e::{kordon_json, kordon_ok, Field};
use kordon_test_support::{bin, wait_for};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running `kordon anpr serve`.
pub(crate) struct Ingest {
    child: Child,
    pub(crate) addr: String,
    /// What it printed so far.
    lines: Arc<Mutex<Vec<String>>>,
}

impl Ingest {
    pub(crate) fn start(vehicle: &Path) -> Ingest {
        let mut child = Command::new(bin("kordon"))
            .arg("--data")
            .arg(vehicle)
            .args([
                "anpr",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--settle",
                "0.2",
                "--watch-folder",
            ])
            .arg(vehicle.join("camera-drop"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kordon anpr serve");
        let out = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(vec![]));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        let addr = wait_for("the ingest to listen", Duration::from_secs(30), || {
            lines.lock().ok()?.iter().find_map(|l| {
                l.strip_prefix("anpr ingest listening on ")
                    .map(str::to_string)
            })
        });
        Ingest { child, addr, lines }
    }

    /// Waits for a printed line containing `text`.
    fn wait_line(&self, text: &str) -> String {
        wait_for(text, Duration::from_secs(30), || {
            self.lines
                .lock()
                .ok()?
                .iter()
                .find(|l| l.contains(text))
                .cloned()
        })
    }

    pub(crate) fn kill9(mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Hikvision ISAPI push (multipart: the XML, a plate crop, a scene),
/// unique per `n` so that every image is its own blob.
pub(crate) fn hikvision(plate: &str, lane: u32, captured: &str, n: u32) -> (String, Vec<u8>) {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>10.0.0.21</ipAddress><channelID>1</channelID><dateTime>{captured}</dateTime>
<eventType>ANPR</eventType><ANPR><country>UA</country><licensePlate>{plate}</licensePlate>
<line>{lane}</line><confidenceLevel>93</confidenceLevel><plateCharBelieve>99,98,97,99,99,99,95,99</plateCharBelieve>
<direction>forward</direction></ANPR></EventNotificationAlert>"#
    );
    let jpeg = |kind: u8| {
        let mut j = vec![0xff, 0xd8, 0xff, 0xe0, kind];
        j.extend_from_slice(&n.to_be_bytes());
        j.extend(std::iter::repeat_n(kind, 4096));
        j.extend_from_slice(&[0xff, 0xd9]);
        j
    };
    let mut body = vec![];
    for (name, ct, bytes) in [
        ("anpr.xml", "application/xml", xml.into_bytes()),
        ("licensePlatePicture.jpg", "image/jpeg", jpeg(1)),
        ("detectionPicture.jpg", "image/jpeg", jpeg(2)),
    ] {
        body.extend_from_slice(format!("--MIME_boundary\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--MIME_boundary--\r\n");
    ("multipart/form-data; boundary=MIME_boundary".into(), body)
}

/// One push as a camera makes it; the HTTP status of the answer.
fn push(addr: &str, content_type: &str, body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connect to the ingest");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let head = format!(
        "POST /ISAPI/Event/notification/alertStream HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write body");
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Every read in the rows of an inspection listing: (inspection, read).
pub(crate) fn reads(rows: &Value) -> Vec<(String, Value)> {
    rows.as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| {
                    let id = r["id"].as_str().unwrap_or_default().to_string();
                    r["reads"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |read| (id.clone(), read))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn vehicle_reads(v: &Path) -> Vec<(String, Value)> {
    reads(&kordon_json(
        v,
        &["inspection", "list", "--json", "--limit", "1000"],
    ))
}

#[test]
fn camera_pushes_become_reads_offline_exactly_once_and_reach_the_server() {
    let field = Field::new();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");

    // The link is down (no server running); the camera pushes anyway.
    let ingest = Ingest::start(&v);
    let (ct, body) = hikvision("АА1234ВС", 1, "2026-12-03T03:10:00+02:00", 1);
    assert_eq!(push(&ingest.addr, &ct, &body), 200, "tractor push answered");
    let (ct, body) = hikvision("AA0001XT", 1, "2026-12-03T03:10:06+02:00", 2);
    assert_eq!(push(&ingest.addr, &ct, &body), 200, "trailer push answered");
    let both = wait_for("two reads attached", Duration::from_secs(30), || {
        let r = vehicle_reads(&v);
        (r.len() == 2).then_some(r)
    });
    assert_eq!(both[0].0, both[1].0, "one passage, one inspection");
    let rows = kordon_json(&v, &["inspection", "list", "--json"]);
    let row = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == both[0].0.as_str()))
        .expect("the inspection");
    assert_eq!(row["tractor_plate"]["canonical"], "AA1234BC");
    assert_eq!(row["trailer_plate"]["canonical"], "AA0001XT");
    let roles: HashSet<&str> = both
        .iter()
        .filter_map(|(_, r)| r["role"].as_str())
        .collect();
    assert_eq!(roles, HashSet::from(["tractor", "trailer"]));
    let tractor = &both
        .iter()
        .find(|(_, r)| r["role"] == "tractor")
        .expect("tractor read")
        .1;
    assert_eq!(
        tractor["text"], "АА1234ВС",
        "the raw read, exactly as the camera sent it"
    );
    assert_eq!(tractor["images"].as_array().map(Vec::len), Some(2));
    assert_eq!(tractor["added_by"], "OF-17");

    // A malformed push is answered, then kept as refused with its reason.
    assert_eq!(
        push(
            &ingest.addr,
            "application/xml",
            b"<EventNotificationAlert><eventType>ANPR"
        ),
        200
    );
    let refused = wait_for("the refused push listed", Duration::from_secs(30), || {
        let out = kordon_ok(&v, &["anpr", "refused"]);
        (!out.trim().is_empty()).then_some(out)
    });
    assert!(refused.contains("malformed"), "{refused}");

    // A camera that drops files: the generic form, into the watched folder.
    std::fs::write(
        v.join("camera-drop").join("gate-3-0001.json"),
        br#"{"plate": "KA 7777 AA", "camera": "gate-3", "lane": "3", "captured_at": "2026-12-03T01:00:00Z"}"#,
    )
    .expect("drop a read");
    let dropped = wait_for("the dropped read attached", Duration::from_secs(30), || {
        vehicle_reads(&v)
            .into_iter()
            .find(|(_, r)| r["camera"] == "gate-3")
    });
    assert_eq!(dropped.1["text"], "KA 7777 AA");
    assert!(
        !v.join("camera-drop").join("gate-3-0001.json").exists(),
        "taken from the folder"
    );

    // A burst on lane 2 (one vehicle every 10 minutes), and SIGKILL right
    // after the last answer: some pushes are attached, some spooled only,
    // one perhaps half-way.
    const BURST: u32 = 30;
    for i in 0..BURST {
        let captured = format!("2026-12-03T{:02}:{:02}:00+02:00", 4 + i / 6, (i % 6) * 10);
        let (ct, body) = hikvision(&format!("BC{:04}AA", i), 2, &captured, 100 + i);
        assert_eq!(push(&ingest.addr, &ct, &body), 200);
    }
    ingest.kill9();
    let after_kill = vehicle_reads(&v).len();
    let ingest = Ingest::start(&v);
    let all = wait_for(
        "every pushed read attached after the restart",
        Duration::from_secs(60),
        || {
            let r = vehicle_reads(&v);
            (r.len() >= 3 + BURST as usize).then_some(r)
        },
    );
    drop(ingest);
    let ids: HashSet<&str> = all.iter().filter_map(|(_, r)| r["id"].as_str()).collect();
    assert_eq!(
        all.len(),
        3 + BURST as usize,
        "each push attached exactly once ({after_kill} before the restart)"
    );
    assert_eq!(ids.len(), all.len(), "no read attached twice");
    let passages: HashSet<&str> = all.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        passages.len(),
        2 + BURST as usize,
        "one inspection per passage"
    );

    // The link returns: the reads, their images, reach the server.
    let _server = field.start_server();
    wait_for("a complete sync", Duration::from_secs(120), || {
        kordon_e2e::kordon(&v, &["sync"])
            .status
            .success()
            .then_some(())
    });
    let on_server = reads(&field.server_json(&["inspections", "--json"]));
    assert_eq!(on_server.len(), all.len(), "every read on the server");
    let blobs = field.server_json(&["blobs", "--json"]);
    assert_eq!(
        blobs.as_array().map(Vec::len),
        Some(2 * (all.len() - 1)),
        "every plate crop and scene on the server (the dropped read had none)"
    );
}

fn kordon_server(field: &kordon_e2e::Field, args: &[&str]) -> String {
    let out = Command::new(bin("kordon-server"))
        .arg("hotlist")
        .arg("--data")
        .arg(&field.server_dir)
        .args(args)
        .output()
        .expect("run kordon-server hotlist");
    assert!(
        out.status.success(),
        "kordon-server hotlist {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_hotlist_from_the_server_alerts_an_offline_vehicle_and_the_response_returns() {
    let field = Field::new();
    let server = field.start_server();
    let v = field.enrolled_vehicle("vehicle", "MOBILE-1", "OF-17");
    kordon_server(
        &field,
        &[
            "add",
            "АА 1234 ВС",
            "--reason",
            "stolen tractor",
            "--priority",
            "high",
        ],
    );
    let csv = field.root.path().join("wanted.csv");
    std::fs::write(
        &csv,
        "value,reason,priority,valid_until\nCSQU3054383,cigarettes,medium,2099-01-01\nnot a plate!,x,low,\n",
    )
    .expect("csv");
    let imported = kordon_server(&field, &["import", csv.to_str().expect("utf-8 path")]);
    assert!(imported.contains("imported 1 entries"), "{imported}");
    // A list for another unit only: it must not reach MOBILE-1.
    kordon_server(
        &field,
        &[
            "add", "KA7777AA", "--list", "north", "--unit", "MOBILE-9", "--reason", "x",
        ],
    );
    let listed = field.server_json(&["hotlist", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    kordon_ok(&v, &["sync"]);
    let lists = kordon_json(&v, &["hotlists", "--json"]);
    let names: Vec<&str> = lists
        .as_array()
        .map(|l| l.iter().filter_map(|l| l["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        vec!["wanted"],
        "only the lists of the vehicle's unit"
    );
    assert_eq!(lists[0]["entries"].as_array().map(Vec::len), Some(2));

    // The link goes down; a camera reads the wanted tractor.
    drop(server);
    let ingest = Ingest::start(&v);
    let (ct, body) = hikvision("AA1234BC", 1, "2026-12-03T03:10:00+02:00", 7);
    assert_eq!(push(&ingest.addr, &ct, &body), 200);
    let line = ingest.wait_line("HOTLIST ALERT");
    assert!(line.contains("[HIGH]") && line.contains("exact"), "{line}");
    drop(ingest);
    // A plate the crew types, misread by one character, and a container.
    let typed = kordon_ok(
        &v,
        &[
            "inspection",
            "new",
            "--plate",
            "aa-1234-bk",
            "--container",
            "CSQU 305438 3",
        ],
    );
    let typed_id = typed.trim().to_string();
    let alerts = kordon_json(&v, &["alert", "list", "--json"]);
    let tiers: HashSet<(String, String)> = alerts
        .as_array()
        .map(|a| {
            a.iter()
                .map(|a| {
                    (
                        a["alert"]["source"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        a["alert"]["tier"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        tiers,
        HashSet::from([
            ("read".to_string(), "exact".to_string()),
            ("typed".to_string(), "one_edit".to_string()),
            ("typed".to_string(), "exact".to_string()),
        ]),
        "{alerts}"
    );
    let read_alert = alerts
        .as_array()
        .and_then(|a| a.iter().find(|a| a["alert"]["source"] == "read"))
        .expect("the read's alert");
    let inspection = read_alert["inspection"].as_str().expect("inspection");
    let alert_id = read_alert["alert"]["id"].as_str().expect("alert id");
    assert_ne!(inspection, typed_id);
    kordon_ok(
        &v,
        &[
            "alert",
            "respond",
            inspection,
            alert_id,
            "confirmed",
            "--note",
            "held at lane 1",
        ],
    );
    let open = kordon_json(&v, &["alert", "list", "--json"]);
    assert_eq!(
        open.as_array().map(Vec::len),
        Some(2),
        "one answered, two open"
    );

    // The link returns: the read, its images, the alert and the response.
    let _server = field.start_server();
    wait_for("a complete sync", Duration::from_secs(120), || {
        kordon_e2e::kordon(&v, &["sync"])
            .status
            .success()
            .then_some(())
    });
    let rows = field.server_json(&["inspections", "--json"]);
    let row = rows
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == inspection))
        .expect("the inspection on the server");
    assert_eq!(row["alerts"][0]["list"], "wanted");
    assert_eq!(row["alerts"][0]["response"]["response"], "confirmed");
    assert_eq!(row["alerts"][0]["response"]["note"], "held at lane 1");
    assert_eq!(row["alerts"][0]["response"]["officer"], "OF-17");
    assert_eq!(row["reads"][0]["images"].as_array().map(Vec::len), Some(2));
    let blobs = field.server_json(&["blobs", "--json"]);
    assert_eq!(
        blobs.as_array().map(Vec::len),
        Some(2),
        "the plate crop and scene"
    );
}
