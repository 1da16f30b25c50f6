//! The viewer's tile work, as the app's `kordon:` scheme does it: render a
//! tile of a scan's pyramid with the view settings and encode it as PNG.
//!
//! `cargo run --release -p kordon-bench -- viewer`
//!
//! On a synthetic dual-energy 4096 × 8192 16-bit scan (pyramid built once,
//! outside the timing):
//! - **first view**: every tile of the level OpenSeadragon shows first for a
//!   1400 × 800 viewer (the smallest level at least as large as the image
//!   drawn), rendered on 2 threads as the app's worker pool does;
//! - **panning**: at full resolution, the viewer moves right and down in
//!   128-pixel steps; each step renders the tiles that came into view.
//!   Latency of each tile, p50 / p95 / max.
//!
//! Both for the plain view (automatic window) and the heaviest one
//! (materials colouring and edge enhancement).

use kordon_imaging::{
    build_pyramid, encode_png, render_tile, Colormap, Format, Image, MaterialThresholds, Pyramid,
    View,
};
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 4096)]
    width: u32,
    #[arg(long, default_value_t = 8192)]
    height: u32,
    /// The viewer's size on screen.
    #[arg(long, default_value_t = 1400)]
    view_width: u32,
    #[arg(long, default_value_t = 800)]
    view_height: u32,
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn tile_png(p: &Pyramid, level: u32, x: u32, y: u32, view: &View) -> anyhow::Result<usize> {
    let t = render_tile(p, level, x, y, view)?;
    Ok(encode_png(&t)?.len())
}

fn first_view(p: &Pyramid, args: &Args, view: &View) -> anyhow::Result<(u32, usize, Duration)> {
    let info = p.info();
    // Fit the image in the viewer; OpenSeadragon draws the first level
    // whose size reaches the drawn size.
    let scale = (f64::from(args.view_width) / f64::from(info.width))
        .min(f64::from(args.view_height) / f64::from(info.height));
    let drawn = (f64::from(info.width.max(info.height)) * scale).ceil() as u32;
    let mut level = 0;
    while level < info.max_level
        && p.level_dims(level)
            .map(|(w, h)| w.max(h) < drawn)
            .unwrap_or(false)
    {
        level += 1;
    }
    let (tx, ty) = p
        .tiles_at(level)
        .ok_or_else(|| anyhow::anyhow!("no level {level}"))?;
    let tiles: Vec<(u32, u32)> = (0..ty).flat_map(|y| (0..tx).map(move |x| (x, y))).collect();
    let start = Instant::now();
    let (first, second) = tiles.split_at(tiles.len() / 2);
    std::thread::scope(|s| -> anyhow::Result<()> {
        let a = s.spawn(move || -> anyhow::Result<()> {
            for &(x, y) in first {
                tile_png(p, level, x, y, view)?;
            }
            Ok(())
        });
        for &(x, y) in second {
            tile_png(p, level, x, y, view)?;
        }
        a.join()
            .map_err(|_| anyhow::anyhow!("render thread panicked"))??;
        Ok(())
    })?;
    Ok((level, tiles.len(), start.elapsed()))
}

fn panning(p: &Pyramid, args: &Args, view: &View) -> anyhow::Result<Vec<Duration>> {
    let info = p.info();
    let level = info.max_level;
    let ts = info.tile_size;
    let mut drawn: HashSet<(u32, u32)> = HashSet::new();
    let mut latencies = vec![];
    let (mut x0, mut y0) = (0u32, 0u32);
    while x0 + args.view_width <= info.width && y0 + args.view_height <= info.height {
        for ty in y0 / ts..=(y0 + args.view_height - 1) / ts {
            for tx in x0 / ts..=(x0 + args.view_width - 1) / ts {
                if drawn.insert((tx, ty)) {
                    let t = Instant::now();
                    tile_png(p, level, tx, ty, view)?;
                    latencies.push(t.elapsed());
                }
            }
        }
        x0 += 128;
        y0 += 128;
    }
    latencies.sort();
    Ok(latencies)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let scene = kordon_xraysim::SceneSpec {
        width: args.width,
        height: args.height,
        seed: 11,
        concealed: true,
        ..kordon_xraysim::SceneSpec::default()
    };
    let scan = kordon_xraysim::try_generate(&scene)?;
    let image = |pixels: Vec<u16>| Image {
        width: args.width,
        height: args.height,
        bits: 16,
        channels: 1,
        format: Format::Tiff,
        pixels,
    };
    let path = dir.path().join("scan.kpyr");
    build_pyramid(&image(scan.high), Some(&image(scan.low)), &path)?;
    let pyramid = Pyramid::open(&path)?;
    println!(
        "scan {} × {} dual energy, viewer {} × {}",
        args.width, args.height, args.view_width, args.view_height
    );
    let plain = View::default();
    let heavy = View {
        materials: true,
        edge: 1.5,
        colormap: Colormap::Grey,
        thresholds: MaterialThresholds::linac(),
        ..View::default()
    };
    for (name, view) in [("plain", plain), ("materials+edges", heavy)] {
        let mut firsts = vec![];
        let mut info = (0, 0);
        for _ in 0..args.runs.max(1) {
            let (level, n, d) = first_view(&pyramid, &args, &view)?;
            info = (level, n);
            firsts.push(d);
        }
        firsts.sort();
        let pan = panning(&pyramid, &args, &view)?;
        let pct = |q: f64| pan[((pan.len() - 1) as f64 * q) as usize];
        println!(
            "{name}: first view (level {}, {} tiles) median {:.0} ms; panning {} tiles: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms per tile",
            info.0,
            info.1,
            ms(firsts[firsts.len() / 2]),
            pan.len(),
            ms(pct(0.5)),
            ms(pct(0.95)),
            ms(pct(1.0)),
        );
    }
    Ok(())
}
