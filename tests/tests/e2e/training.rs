//! Threat image projection with the real `kordon`: an exercise built from
//! a synthetic scan, its image imported like any scan and rendered by the
//! tile renderer the crew sees: darker on both beams where the ground
//! truth says, and in the metal colour in the material view, while the
//! same place of the scan it was made from is not.

use kordon_e2e::{kordon_ok, synth_scan};
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
    let (h, l) = (
        ex.join(format!("{name}_high.tif")),
        ex.join(format!("{name}_low.tif")),
    );
    let (h, l) = (h.to_str().expect("path"), l.to_str().expect("path"));
    let printed = kordon_ok(v, &["--officer", "OF-T", "scan", "add", id, h, "--low", l]);
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
