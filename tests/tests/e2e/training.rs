//! Threat image projection with the real `kordon`: an exercise built from
//! a synthetic scan, its image imported like any scan and rendered by the
//! tile renderer the crew sees: darker on both beams where the ground
//! truth says, and in the metal colour in the material view, while the
//! same place of the scan it was made from is not. Then a trainee takes an
//! exercise on an enrolled vehicle, the attempt syncs, and the trainers'
//! console scores it the same.

use kordon_e2e::http::{call, login};
use kordon_e2e::{kordon, kordon_json, kordon_ok, synth_scan, Field};
use kordon_test_support::{bin, text};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const TILE: u32 = 256;

/// A rendered tile's pixels, RGB.
fn tile(
    v: &Path,
    scan: &str,
    level: u32,
    (tx, ty): (u32, u32),
    materials: bool,
) -> image::RgbImage {
    let out = v.join(format!("tile-{scan}-{tx}-{ty}-{materials}.png"));
    let (x, y, level) = (tx.to_string(), ty.to_string(), level.to_string());
    let mut args = vec![
        "scan", "render", scan, "--level", &level, "--x", &x, "--y", &y,
    ];
    if materials {
        args.push("--materials");
    }
    let out_s = out.to_str().expect("path").to_string();
    args.extend(["--out", &out_s]);
    kordon_ok(v, &args);
    image::open(&out).expect("a PNG tile").to_rgb8()
}

/// Over the box `[x, y, w, h]`: pixels shown as metal (blue clearly above
/// red and green) and the mean brightness.
fn inside(v: &Path, scan: &str, level: u32, bbox: [u32; 4], materials: bool) -> (f64, f64) {
    let [x, y, w, h] = bbox;
    let (mut metal, mut sum, mut n) = (0u32, 0f64, 0u32);
    for ty in y / TILE..=(y + h - 1) / TILE {
        for tx in x / TILE..=(x + w - 1) / TILE {
            let img = tile(v, scan, level, (tx, ty), materials);
            for py in 0..img.height() {
                for px in 0..img.width() {
                    let (gx, gy) = (tx * TILE + px, ty * TILE + py);
                    if gx < x || gy < y || gx >= x + w || gy >= y + h {
                        continue;
                    }
                    let [r, g, b] = img.get_pixel(px, py).0;
                    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
                    metal += u32::from(b > r + 25 && b > g + 10);
                    sum += f64::from(r + g + b) / 3.0;
                    n += 1;
                }
            }
        }
    }
    assert!(n > 0, "the box {bbox:?} covers no pixel");
    (f64::from(metal) / f64::from(n), sum / f64::from(n))
}

/// `kordon training build` of `high` into `out` with `extra` options;
/// its manifest.
fn build(high: &Path, out: &Path, extra: &[&str]) -> Value {
    let built = Command::new(bin("kordon"))
        .args(["training", "build", "--scan"])
        .arg(high)
        .args(["--kind", "pistol", "--pixel-mm", "4", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("kordon training build");
    assert!(built.status.success(), "{}", text(&built));
    serde_json::from_slice(&std::fs::read(out.join("exercise.json")).expect("manifest"))
        .expect("JSON")
}

fn bbox_of(item: &Value) -> [u32; 4] {
    let b: Vec<u32> = item["bbox"]
        .as_array()
        .expect("bbox")
        .iter()
        .map(|v| v.as_u64().expect("number") as u32)
        .collect();
    [b[0], b[1], b[2], b[3]]
}

/// Adds the exercise image `name` of folder `ex` to inspection `id`; its
/// scan id.
fn add_image(v: &Path, id: &str, ex: &Path, name: &str) -> String {
    add_image_as(v, Some("OF-T"), id, ex, name)
}

/// As [`add_image`], by `officer` (the one signed in when `None`).
fn add_image_as(v: &Path, officer: Option<&str>, id: &str, ex: &Path, name: &str) -> String {
    let (h, l) = (
        ex.join(format!("{name}_high.tif")),
        ex.join(format!("{name}_low.tif")),
    );
    let (h, l) = (h.to_str().expect("path"), l.to_str().expect("path"));
    let mut args = vec![];
    if let Some(o) = officer {
        args.extend(["--officer", o]);
    }
    args.extend(["scan", "add", id, h, "--low", l]);
    let printed = kordon_ok(v, &args);
    printed
        .split_whitespace()
        .next()
        .expect("scan id")
        .to_string()
}

#[test]
fn a_projected_pistol_shows_on_both_beams_and_in_the_metal_colour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (high, _) = synth_scan(&dir.path().join("src"), "C", (1600, 560), 11);
    let ex = dir.path().join("exercise");
    let manifest = build(
        &high,
        &ex,
        &["--images", "1", "--signal-share", "1", "--seed", "4"],
    );
    let with = &manifest["images"][0];
    assert_eq!(with["item"]["kind"], "pistol");
    let bbox = bbox_of(&with["item"]);
    assert!(
        bbox[2] >= 20 && bbox[3] >= 20,
        "a pistol at 4 mm a pixel: {bbox:?}"
    );

    // The image and the scan it was made from into an inspection, as a
    // trainee's app would show them.
    let v = dir.path().join("vehicle");
    let new = [
        "--officer",
        "OF-T",
        "inspection",
        "new",
        "--plate",
        "AA0001BC",
        "--unit",
        "TRAINING",
    ];
    let id = kordon_ok(&v, &new).trim().to_string();
    let with_scan = add_image(&v, &id, &ex, with["name"].as_str().expect("name"));
    let clean_scan = add_image(&v, &id, &dir.path().join("src"), "C");
    let level = 11; // 1600 pixels wide: full size at level ⌈log2 1600⌉.

    // Over the load (steel container walls, cargo): darker in the
    // material view (the walls already show as metal there).
    let (_, grey_with) = inside(&v, &with_scan, level, bbox, true);
    let (_, grey_clean) = inside(&v, &clean_scan, level, bbox, true);
    assert!(
        grey_with < grey_clean - 10.0,
        "darker: {grey_with:.0} with, {grey_clean:.0} without"
    );
    let (_, plain_with) = inside(&v, &with_scan, level, bbox, false);
    let (_, plain_clean) = inside(&v, &clean_scan, level, bbox, false);
    assert!(
        plain_with < plain_clean - 10.0,
        "grey view: {plain_with:.0} with, {plain_clean:.0} without"
    );

    // Put where nothing else is (in the air above the truck), the pistol
    // turns the unclassified white into the metal colour (the pistol
    // covers about half of its box).
    let src = image::open(&high).expect("TIFF").to_luma16();
    let brightest = src.pixels().map(|p| p.0[0]).max().unwrap_or(0);
    let air = (0..src.height() - 60)
        .step_by(10)
        .flat_map(|y| (0..src.width() - 80).step_by(20).map(move |x| (x, y)))
        .find(|&(x, y)| {
            (y..y + 60).all(|yy| {
                (x..x + 80).all(|xx| src.get_pixel(xx, yy).0[0] > brightest - brightest / 7)
            })
        })
        .expect("an empty place in the synthetic scan");
    let in_air = dir.path().join("in-air");
    let at = format!("{},{}", air.0 + 5, air.1 + 5);
    let placed = build(
        &high,
        &in_air,
        &["--images", "1", "--signal-share", "1", "--at", &at],
    );
    let air_box = bbox_of(&placed["images"][0]["item"]);
    let air_scan = add_image(&v, &id, &in_air, "TIP_0001");
    let (metal_air, _) = inside(&v, &air_scan, level, air_box, true);
    let (metal_none, _) = inside(&v, &clean_scan, level, air_box, true);
    assert!(
        metal_air > 0.25 && metal_none < 0.02,
        "metal colour where the pistol is: {metal_air:.2}; there without it: {metal_none:.2}"
    );

    // Both beams of the files themselves are darker there, and nowhere else.
    let read = |file: std::path::PathBuf| image::open(file).expect("TIFF").to_luma16().into_raw();
    let name = with["name"].as_str().expect("name");
    for plane in ["high", "low"] {
        let (a, b) = (
            read(ex.join(format!("{name}_{plane}.tif"))),
            read(dir.path().join("src").join(format!("C_{plane}.tif"))),
        );
        let mut darker_inside = 0;
        for (i, (pa, pb)) in a.iter().zip(&b).enumerate() {
            let (x, y) = (i as u32 % 1600, i as u32 / 1600);
            let within =
                x >= bbox[0] && x < bbox[0] + bbox[2] && y >= bbox[1] && y < bbox[1] + bbox[3];
            if within {
                darker_inside += usize::from(pa < pb);
            } else {
                assert_eq!(pa, pb, "{plane} changed outside the item at ({x}, {y})");
            }
        }
        assert!(
            darker_inside > (bbox[2] * bbox[3] / 4) as usize,
            "{plane}: {darker_inside} darker pixels"
        );
    }
}

/// The answers of a scripted trainee: every item found (its box marked),
/// the first image without an item called suspect (a false alarm), the
/// rest called clear. Returns `(image, decision, mark)` in order.
fn scripted(manifest: &Value) -> Vec<(String, &'static str, Option<[u32; 4]>)> {
    let mut false_alarm_given = false;
    manifest["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            let name = i["name"].as_str().expect("name").to_string();
            if i["item"].is_object() {
                (name, "suspect", Some(bbox_of(&i["item"])))
            } else if !false_alarm_given {
                false_alarm_given = true;
                (name, "suspect", Some([5, 5, 40, 40]))
            } else {
                (name, "clear", None)
            }
        })
        .collect()
}

#[test]
fn an_attempt_taken_on_a_vehicle_is_scored_the_same_at_the_centre() {
    let field = Field::new();
    crate::console::add_accounts(&field);
    let v = field.enrolled_vehicle("vehicle", "MOBILE-7", "OF-1742");
    let src = field.vehicle_dir("sources");
    let mut args = vec![];
    for (i, seed) in [11u64, 12, 13, 14].into_iter().enumerate() {
        let (high, _) = synth_scan(&src, &format!("S{i}"), (1200, 400), seed);
        args.push(high);
    }
    let ex = field.vehicle_dir("exercise");
    let mut build = Command::new(bin("kordon"));
    build.args([
        "training",
        "build",
        "--images",
        "4",
        "--signal-share",
        "0.5",
    ]);
    build.args([
        "--seed",
        "3",
        "--kind",
        "pistol",
        "--pixel-mm",
        "4",
        "--out",
    ]);
    build.arg(&ex);
    for a in &args {
        build.arg("--scan").arg(a);
    }
    let built = build.output().expect("kordon training build");
    assert!(built.status.success(), "{}", text(&built));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ex.join("exercise.json")).expect("manifest"))
            .expect("JSON");
    let answers = scripted(&manifest);
    let items = answers.iter().filter(|a| a.1 == "suspect").count() - 1;
    assert_eq!(items, 2, "two of the four images hold an item");

    // Start: nothing of the truth is shown before an answer.
    let ex_s = ex.to_str().expect("path");
    let started = kordon_json(
        &v,
        &[
            "training",
            "start",
            "--exercise",
            ex_s,
            "--name",
            "Week 1",
            "--json",
        ],
    );
    let id = started["summary"]["id"].as_str().expect("id").to_string();
    assert_eq!(started["summary"]["trainee"], "OF-1742");
    assert_eq!(started["summary"]["total"], 4);
    assert!(started["summary"]["score"].is_null());
    for image in started["images"].as_array().expect("images") {
        assert!(
            image["item"].is_null() && image["outcome"].is_null(),
            "{image}"
        );
        // Each image opens in the viewer like a scan.
        let scan = image["scan"].as_str().expect("scan");
        let png = v.join(format!("{scan}.png"));
        let png_s = png.to_str().expect("path");
        let args = [
            "scan", "render", scan, "--level", "0", "--x", "0", "--y", "0",
        ];
        kordon_ok(&v, &[&args[..], &["--out", png_s]].concat());
        assert!(image::open(&png).is_ok(), "a tile of {scan}");
    }

    // Answer image by image, as the app does; each answer says at once
    // how it scored and what the image held.
    let mut last = Value::Null;
    for (k, (image, decision, mark)) in answers.iter().enumerate() {
        let mut a = vec![
            "training".to_string(),
            "answer".into(),
            "--attempt".into(),
            id.clone(),
            "--image".into(),
            image.clone(),
            "--decision".into(),
            decision.to_string(),
            "--time-ms".into(),
            (4_000 + 1_000 * k).to_string(),
            "--json".into(),
        ];
        if let Some([x, y, w, h]) = mark {
            a.push("--mark".into());
            a.push(format!("{x},{y},{w},{h}"));
        }
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        last = kordon_json(&v, &a);
        let shown = last["images"]
            .as_array()
            .expect("images")
            .iter()
            .find(|i| i["name"] == image.as_str())
            .expect("the answered image")
            .clone();
        let truth = manifest["images"]
            .as_array()
            .expect("images")
            .iter()
            .find(|i| i["name"] == image.as_str())
            .expect("truth");
        let expected = match (truth["item"].is_object(), *decision) {
            (true, _) => "hit",
            (false, "suspect") => "false_alarm",
            (false, _) => "correct_rejection",
        };
        assert_eq!(shown["outcome"], expected, "{image}");
        assert_eq!(
            shown["item"].is_object(),
            truth["item"].is_object(),
            "{image}"
        );
        if k == 0 {
            // Answered twice: refused, nothing changed.
            let again = kordon(&v, &a);
            assert!(!again.status.success());
            assert!(
                text(&again).contains("answered already"),
                "{}",
                text(&again)
            );
        }
    }
    let score = &last["summary"]["score"];
    assert_eq!(last["summary"]["finished"], true);
    assert_eq!(
        (
            &score["hits"],
            &score["misses"],
            &score["false_alarms"],
            &score["correct_rejections"]
        ),
        (
            &Value::from(2),
            &Value::from(0),
            &Value::from(1),
            &Value::from(1)
        )
    );
    // H = (2 + 0.5) / 3, F = (1 + 0.5) / 3: d′ = z(0.8333) − z(0.5).
    let d = score["d_prime"].as_f64().expect("d′");
    assert!((d - 0.9674).abs() < 1e-3, "d′ {d}");
    assert_eq!(score["mean_time_ms"].as_f64(), Some(5_500.0));

    // To the centre, and scored there from the signed answers.
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();
    let trainer = login(&addr, "tr.bondar", crate::console::PASSWORD);
    let r = call(&addr, &trainer, "GET", "/api/training", &Value::Null);
    assert_eq!(r.status, 200, "{}", r.json());
    let trainees = r.json();
    assert_eq!(trainees.as_array().map(Vec::len), Some(1), "{trainees}");
    assert_eq!(trainees[0]["trainee"], "OF-1742");
    assert_eq!(trainees[0]["units"], serde_json::json!(["MOBILE-7"]));
    let at_centre = &trainees[0]["attempts"][0];
    assert_eq!(at_centre["id"], id.as_str());
    assert_eq!(at_centre["name"], "Week 1");
    assert_eq!(
        at_centre["score"], *score,
        "the centre scores as the vehicle did"
    );
    let one = call(
        &addr,
        &trainer,
        "GET",
        &format!("/api/training/{id}"),
        &Value::Null,
    );
    assert_eq!(one.status, 200);
    assert_eq!(
        one.json(),
        last,
        "the attempt whole, as the vehicle shows it"
    );
    let r = call(
        &addr,
        &trainer,
        "GET",
        "/api/training?unit=ELSEWHERE",
        &Value::Null,
    );
    assert_eq!(r.json(), serde_json::json!([]));

    // Training is not inspection work: no inspection at the centre, and
    // the trainer sees no inspection.
    let q = call(&addr, &trainer, "GET", "/api/inspections", &Value::Null);
    assert_eq!(q.status, 403);
    let sup = login(&addr, "sup.kovalenko", crate::console::PASSWORD);
    let q = call(&addr, &sup, "GET", "/api/inspections", &Value::Null);
    assert_eq!(q.status, 200);
    assert_eq!(
        q.json()["rows"].as_array().map(Vec::len),
        Some(0),
        "{}",
        q.json()
    );
    let adm = login(&addr, "adm.shevchenko", crate::console::PASSWORD);
    let r = call(&addr, &adm, "GET", "/api/training", &Value::Null);
    assert_eq!((r.status, r.code().as_str()), (403, "forbidden"));
}

/// The box (in full-size pixels) where two renderings of a scan at
/// `level` differ, `scale` full-size pixels to one rendered.
fn changed_box(a: &image::RgbImage, b: &image::RgbImage, scale: u32) -> Option<[u32; 4]> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in a.enumerate_pixels() {
        let q = b.get_pixel(x, y);
        let d: i32 = (0..3)
            .map(|c| (i32::from(p[c]) - i32::from(q[c])).abs())
            .sum();
        if d > 30 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 <= x1).then(|| {
        [
            x0 * scale,
            y0 * scale,
            (x1 - x0 + 1) * scale,
            (y1 - y0 + 1) * scale,
        ]
    })
}

#[test]
fn in_live_work_a_projected_item_is_told_at_once_and_never_touches_the_inspection() {
    let field = Field::new();
    crate::console::add_accounts(&field);
    let v = field.enrolled_vehicle("vehicle", "MOBILE-8", "OF-2001");
    let src = field.vehicle_dir("sources");
    let id = kordon_ok(&v, &["inspection", "new", "--plate", "AA0001BC"])
        .trim()
        .to_string();
    let mut scans = vec![];
    for (name, seed) in [("A", 21u64), ("B", 22)] {
        synth_scan(&src, name, (1024, 512), seed);
        scans.push(add_image_as(&v, None, &id, &src, name));
    }
    let live = |scan: &str| {
        kordon_json(
            &v,
            &[
                "training",
                "live",
                "--inspection",
                &id,
                "--scan",
                scan,
                "--json",
            ],
        )
    };
    // Off by default.
    assert_eq!(live(&scans[0]), Value::Null);
    kordon_ok(&v, &["training", "live-rate", "1"]);

    // Scan A is shown with an item somewhere: nothing of it is revealed,
    // and opening it again shows the same.
    let a = live(&scans[0]);
    let attempt = a["summary"]["id"].as_str().expect("attempt").to_string();
    let shown = a["images"][0]["scan"].as_str().expect("scan").to_string();
    assert_ne!(shown, scans[0], "the projection is a scan of its own");
    assert!(a["images"][0]["item"].is_null());
    assert_eq!(live(&scans[0])["summary"]["id"], attempt.as_str());
    // Nothing on the training screens gives it away, and it is not
    // answered there.
    let listed = kordon_json(&v, &["training", "attempts", "--json"]);
    assert_eq!(
        listed,
        serde_json::json!([]),
        "an unanswered projection is not listed"
    );
    let there = kordon(
        &v,
        &[
            "training",
            "answer",
            "--attempt",
            &attempt,
            "--image",
            "LIVE_TIP",
            "--decision",
            "suspect",
        ],
    );
    assert!(!there.status.success());
    assert!(
        text(&there).contains("answered on its inspection"),
        "{}",
        text(&there)
    );

    // Where the renderings differ is where the item is (at level 7, one
    // rendered pixel is 8 full-size pixels of a 1024-pixel-wide scan).
    let real = tile(&v, &scans[0], 7, (0, 0), false);
    let tip = tile(&v, &shown, 7, (0, 0), false);
    let found = changed_box(&real, &tip, 8).expect("the item shows on the rendered scan");

    // A mark elsewhere is the crew's own: no hit, the item still to find.
    let elsewhere = kordon_json(
        &v,
        &[
            "training",
            "live-mark",
            "--attempt",
            &attempt,
            "--mark",
            "0,0,4,4",
            "--json",
        ],
    );
    assert_eq!(elsewhere, Value::Null);
    // A box over the whole scan finds nothing, though it covers the item.
    let everything = kordon_json(
        &v,
        &[
            "training",
            "live-mark",
            "--attempt",
            &attempt,
            "--mark",
            "0,0,1024,512",
            "--json",
        ],
    );
    assert_eq!(everything, Value::Null);
    // A mark on it: the hit, told at once, with what it was.
    let [x, y, w, h] = found;
    let on = format!("{x},{y},{w},{h}");
    let hit = kordon_json(
        &v,
        &[
            "training",
            "live-mark",
            "--attempt",
            &attempt,
            "--mark",
            &on,
            "--time-ms",
            "9000",
            "--json",
        ],
    );
    assert_eq!(hit["images"][0]["outcome"], "hit", "{hit}");
    let item = bbox_of(&hit["images"][0]["item"]);
    assert!(
        item[0] < x + w && x < item[0] + item[2] && item[1] < y + h && y < item[1] + item[3],
        "the item {item:?} is where the renderings differ {found:?}"
    );

    // After the hit, the attempt is listed, and a miss changes nothing.
    let listed = kordon_json(&v, &["training", "attempts", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let again = kordon_json(
        &v,
        &["training", "live-missed", "--attempt", &attempt, "--json"],
    );
    assert_eq!(again["images"][0]["outcome"], "hit");

    // Scan B: shown, then the inspection decided with its item unmarked
    // (the app records the miss at the decision; here the crew left): the
    // next opening records the miss and shows the real scan.
    let b = live(&scans[1]);
    let b_attempt = b["summary"]["id"].as_str().expect("attempt").to_string();
    assert!(b["images"][0]["answer"].is_null());
    kordon_ok(
        &v,
        &[
            "decide",
            &id,
            "--outcome",
            "release",
            "--reason",
            "NO_FINDINGS",
        ],
    );
    let missed = live(&scans[1]);
    assert_eq!(missed["summary"]["id"], b_attempt.as_str());
    assert_eq!(missed["images"][0]["outcome"], "miss");
    assert!(missed["images"][0]["item"].is_object());
    // A decided inspection's scans get no new projection.
    synth_scan(&src, "C", (1024, 512), 23);
    let c_scan = add_image_as(&v, None, &id, &src, "C");
    assert_eq!(live(&c_scan), Value::Null);
    // With the rate set, a scan imported into an open inspection gets its
    // projection made with the import: opening it later is no slower.
    let id2 = kordon_ok(&v, &["inspection", "new", "--plate", "AA0002BC"])
        .trim()
        .to_string();
    synth_scan(&src, "D", (1024, 512), 24);
    let d_scan = add_image_as(&v, None, &id2, &src, "D");
    let added = kordon_json(&v, &["inspection", "show", &id2])["scans"][0]["added_ms"].clone();
    let d = kordon_json(
        &v,
        &[
            "training",
            "live",
            "--inspection",
            &id2,
            "--scan",
            &d_scan,
            "--json",
        ],
    );
    assert_eq!(
        d["summary"]["created_ms"], added,
        "made when the scan was imported"
    );

    // The inspection holds its three real scans, no mark, its decision.
    let view = kordon_json(&v, &["inspection", "show", &id]);
    assert_eq!(view["scans"].as_array().map(Vec::len), Some(3));
    assert_eq!(view["annotations"].as_array().map(Vec::len), Some(0));
    assert_eq!(view["decisions"].as_array().map(Vec::len), Some(1));

    // At the centre: the inspection as the crew left it, and the trainee's
    // two live attempts for the trainers.
    let server = field.start_server();
    kordon_ok(&v, &["sync"]);
    let addr = server.http_addr();
    let trainer = login(&addr, "tr.bondar", crate::console::PASSWORD);
    let r = call(
        &addr,
        &trainer,
        "GET",
        "/api/training?trainee=OF-2001",
        &Value::Null,
    );
    // Three live attempts: the hit, the miss, and D's, still to be answered.
    let attempts = &r.json()[0]["attempts"];
    assert_eq!(attempts.as_array().map(Vec::len), Some(3), "{}", r.json());
    let hits: i64 = (0..3)
        .map(|i| attempts[i]["score"]["hits"].as_i64().unwrap_or(0))
        .sum();
    let misses: i64 = (0..3)
        .map(|i| attempts[i]["score"]["misses"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!((hits, misses), (1, 1));
    let sup = login(&addr, "sup.kovalenko", crate::console::PASSWORD);
    let i = call(
        &addr,
        &sup,
        "GET",
        &format!("/api/inspections/{id}"),
        &Value::Null,
    );
    assert_eq!(i.status, 200);
    assert_eq!(
        i.json()["view"]["scans"].as_array().map(Vec::len),
        Some(3),
        "{}",
        i.json()
    );
    assert_eq!(
        i.json()["view"]["annotations"].as_array().map(Vec::len),
        Some(0)
    );
}
