//! Import of a large 16-bit scan to its first tile, against `vips dzsave`.
//!
//! `cargo run --release -p kordon-bench -- import [--file SCAN.tif]`
//!
//! Without `--file`, writes a deterministic 4096×8192 16-bit TIFF (a
//! truck-like pattern with detector noise) to a temporary folder. Each run
//! reads the file, decodes it, builds the tile pyramid (written power-safe,
//! with fsync), opens it and renders and PNG-encodes one tile: the time
//! until the viewer could show something. The median of the runs is
//! reported next to libvips' `dzsave` producing a 256-pixel PNG tile
//! pyramid of the same file (no fsync), when `vips` is installed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use kordon_imaging::{build_pyramid, decode, encode_png, render_tile, Pyramid, View};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A 16-bit greyscale TIFF to import instead of the generated scan.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Width of the generated scan.
    #[arg(long, default_value_t = 4096)]
    width: u32,
    /// Height of the generated scan.
    #[arg(long, default_value_t = 8192)]
    height: u32,
    /// Runs of each side; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// Times of one import, split by phase.
#[derive(Clone, Copy, Debug, Default)]
struct Phases {
    read: Duration,
    decode: Duration,
    build: Duration,
    first_tile: Duration,
    total: Duration,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = match &args.file {
        Some(file) => file.clone(),
        None => {
            let path = dir.path().join("scan.tif");
            write_scan_tiff(&path, args.width, args.height)?;
            path
        }
    };
    let runs = args.runs.max(1);
    let mut phases = Vec::with_capacity(runs);
    let mut pyramid_bytes = 0;
    let mut description = String::new();
    for run in 0..runs {
        let out = dir.path().join(format!("run-{run}.pyr"));
        let started = Instant::now();
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let read = started.elapsed();
        let image = decode(&bytes)?;
        let decoded = started.elapsed();
        build_pyramid(&image, None, &out)?;
        let built = started.elapsed();
        let pyramid = Pyramid::open(&out)?;
        let level = pyramid.info().max_level;
        let tile = render_tile(&pyramid, level, 0, 0, &View::default())?;
        let png = encode_png(&tile)?;
        let total = started.elapsed();
        anyhow::ensure!(png.len() > 100, "the first tile did not encode");
        phases.push(Phases {
            read,
            decode: decoded - read,
            build: built - decoded,
            first_tile: total - built,
            total,
        });
        pyramid_bytes = std::fs::metadata(&out)?.len();
        description = format!(
            "{}×{} {}-bit {} ({:.0} MiB)",
            image.width,
            image.height,
            image.bits,
            image.format,
            bytes.len() as f64 / (1 << 20) as f64
        );
        std::fs::remove_file(&out)?;
    }
    let median = |pick: fn(&Phases) -> Duration| {
        let mut values: Vec<Duration> = phases.iter().map(pick).collect();
        values.sort();
        values[values.len() / 2]
    };
    let kordon = median(|p| p.total);
    println!("scan: {description}, {runs} runs");
    println!(
        "kordon: {} ms to the first tile (median; read {} ms, decode {} ms, pyramid build + fsync {} ms, open + render + PNG {} ms); pyramid file {:.1} MiB",
        ms(kordon),
        ms(median(|p| p.read)),
        ms(median(|p| p.decode)),
        ms(median(|p| p.build)),
        ms(median(|p| p.first_tile)),
        pyramid_bytes as f64 / (1 << 20) as f64
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    match vips_baseline(&file, dir.path(), runs.min(3)) {
        Ok(vips) => {
            println!(
                "vips dzsave (--tile-size 256 --overlap 0 --suffix .png): {} ms (median of {})",
                ms(vips),
                runs.min(3)
            );
            println!(
                "| import {description} to first tile | kordon {} ms | vips dzsave {} ms | {:.1}× faster | {cores} cores, median of {runs} |",
                ms(kordon),
                ms(vips),
                vips.as_secs_f64() / kordon.as_secs_f64()
            );
        }
        Err(reason) => {
            println!("vips baseline skipped: {reason}");
            println!(
                "| import {description} to first tile | kordon {} ms | vips not measured | | {cores} cores, median of {runs} |",
                ms(kordon)
            );
        }
    }
    Ok(())
}

fn ms(duration: Duration) -> String {
    format!("{:.0}", duration.as_secs_f64() * 1000.0)
}

/// Median time of `vips dzsave` over `runs` runs, or why it could not run.
fn vips_baseline(file: &Path, dir: &Path, runs: usize) -> Result<Duration, String> {
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let out = dir.join(format!("vips-{run}"));
        let started = Instant::now();
        let status = Command::new("vips")
            .arg("dzsave")
            .arg(file)
            .arg(&out)
            .args(["--tile-size", "256", "--overlap", "0", "--suffix", ".png"])
            .status()
            .map_err(|e| {
                format!("cannot run vips ({e}); install it with `apt-get install libvips-tools`")
            })?;
        let elapsed = started.elapsed();
        if !status.success() {
            return Err(format!("vips dzsave failed ({status})"));
        }
        times.push(elapsed);
        let _ = std::fs::remove_dir_all(dir.join(format!("vips-{run}_files")));
        let _ = std::fs::remove_file(dir.join(format!("vips-{run}.dzi")));
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// Writes a little-endian, uncompressed 16-bit greyscale TIFF in strips of
/// 64 rows: open beam around 60 000 with noise, a trailer whose load
/// attenuates more towards the middle, an axle and some dense bars.
fn write_scan_tiff(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    const ROWS_PER_STRIP: u32 = 64;
    let strips = height.div_ceil(ROWS_PER_STRIP);
    let entries = 10u32;
    let ifd_len = 2 + entries * 12 + 4;
    let offsets_at = 8 + ifd_len;
    let counts_at = offsets_at + 4 * strips;
    let data_at = counts_at + 4 * strips;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"II*\0")?;
    out.write_all(&8u32.to_le_bytes())?;
    out.write_all(&(entries as u16).to_le_bytes())?;
    let entry = |out: &mut BufWriter<File>, tag: u16, kind: u16, count: u32, value: u32| {
        out.write_all(&tag.to_le_bytes())?;
        out.write_all(&kind.to_le_bytes())?;
        out.write_all(&count.to_le_bytes())?;
        out.write_all(&value.to_le_bytes())
    };
    entry(&mut out, 256, 4, 1, width)?; // ImageWidth
    entry(&mut out, 257, 4, 1, height)?; // ImageLength
    entry(&mut out, 258, 3, 1, 16)?; // BitsPerSample
    entry(&mut out, 259, 3, 1, 1)?; // Compression: none
    entry(&mut out, 262, 3, 1, 1)?; // BlackIsZero
    entry(&mut out, 273, 4, strips, offsets_at)?; // StripOffsets
    entry(&mut out, 277, 3, 1, 1)?; // SamplesPerPixel
    entry(&mut out, 278, 4, 1, ROWS_PER_STRIP)?; // RowsPerStrip
    entry(&mut out, 279, 4, strips, counts_at)?; // StripByteCounts
    entry(&mut out, 284, 3, 1, 1)?; // PlanarConfiguration: chunky
    out.write_all(&0u32.to_le_bytes())?;
    let row_bytes = width * 2;
    for strip in 0..strips {
        out.write_all(&(data_at + strip * ROWS_PER_STRIP * row_bytes).to_le_bytes())?;
    }
    for strip in 0..strips {
        let rows = ROWS_PER_STRIP.min(height - strip * ROWS_PER_STRIP);
        out.write_all(&(rows * row_bytes).to_le_bytes())?;
    }
    let mut seed = 0x2545_F491u32;
    let mut row = Vec::with_capacity(row_bytes as usize);
    for y in 0..height {
        row.clear();
        for x in 0..width {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed >> 24) as f32 - 128.0;
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let mut attenuation = 0.0f32;
            if (0.1..0.9).contains(&fx) && (0.05..0.95).contains(&fy) {
                attenuation += 0.4 + 1.2 * (1.0 - (fx - 0.5).abs() * 2.5).max(0.0);
            }
            if (0.85..0.92).contains(&fx) && (0.2..0.8).contains(&fy) {
                attenuation += 2.5; // axle
            }
            if y % 700 < 40 && (0.2..0.7).contains(&fx) {
                attenuation += 1.5; // dense bars
            }
            let value = 60_000.0 * (-attenuation).exp() + noise * 2.0;
            row.extend_from_slice(&(value.clamp(0.0, 65_535.0) as u16).to_le_bytes());
        }
        out.write_all(&row)?;
    }
    out.flush()?;
    Ok(())
}
