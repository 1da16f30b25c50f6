//! Hotlist matching as the vehicle does it on every read and typed plate.
//!
//! `cargo run --release -p kordon-bench -- hotlist [--entries N]`
//!
//! An index of `--entries` random Ukrainian civilian plates (default
//! 100,000), then 20,000 reads of each kind: an entry spelled another way
//! (Cyrillic, lower case, spaces: an exact hit), an entry with one OCR
//! confusion (an OCR-equivalent hit), an entry with one character misread
//! as an unrelated one (a one-edit hit), and a plate on no list (a miss).
//! Each read is timed through `MatchIndex::find_within` at each tier, and
//! through `find` (all tiers). The baseline is a linear scan of the list
//! comparing canonical texts (exact tier only), on 200 reads.

use kordon_plates::{MatchIndex, Tier};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    entries: usize,
    #[arg(long, default_value_t = 20_000)]
    reads: usize,
}

/// xorshift64*: reproducible and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick(&mut self, from: &[u8]) -> char {
        from[(self.next() % from.len() as u64) as usize] as char
    }
}

const LETTERS: &[u8] = b"ABCEHIKMOPTX";
const DIGITS: &[u8] = b"0123456789";

fn plate(rng: &mut Rng) -> String {
    let mut s = String::new();
    for slot in "LLDDDDLL".chars() {
        s.push(rng.pick(if slot == 'L' { LETTERS } else { DIGITS }));
    }
    s
}

/// Another spelling: Cyrillic, lower case, spaces.
fn cyrillic(p: &str) -> String {
    let mut out = String::new();
    for (i, c) in p.chars().enumerate() {
        if i == 2 || i == 6 {
            out.push(' ');
        }
        out.extend(kordon_plates::text::cyrillic_twin(c).to_lowercase());
    }
    out
}

fn confused(p: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = p.chars().collect();
    let swaps = [
        ('0', 'O'),
        ('O', '0'),
        ('1', 'I'),
        ('I', '1'),
        ('8', 'B'),
        ('B', '8'),
        ('5', 'S'),
        ('2', 'Z'),
        ('6', 'G'),
    ];
    let start = (rng.next() % 8) as usize;
    for k in 0..8 {
        let i = (start + k) % 8;
        if let Some((_, to)) = swaps.iter().find(|(from, _)| *from == chars[i]) {
            let mut c = chars.clone();
            c[i] = *to;
            return Some(c.into_iter().collect());
        }
    }
    None
}

fn one_edit(p: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = p.chars().collect();
    let i = (rng.next() % 8) as usize;
    // Digits stay digits and letters letters, never an OCR twin.
    let (pool, twins): (&[u8], &str) = if c[i].is_ascii_digit() {
        (b"3479", "0125 68")
    } else {
        (b"ACEHKMPTX", "OIB")
    };
    loop {
        let n = rng.pick(pool);
        if n != c[i] && !twins.contains(n) {
            c[i] = n;
            break;
        }
    }
    c.into_iter().collect()
}

fn time_reads(ix: &MatchIndex<u32>, reads: &[String], tier: Tier) -> (Duration, usize) {
    let t = Instant::now();
    let mut hits = 0;
    for r in reads {
        hits += ix.find_within(r, tier).len();
    }
    (t.elapsed(), hits)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let plates: Vec<String> = (0..args.entries).map(|_| plate(&mut rng)).collect();
    let t = Instant::now();
    let mut ix = MatchIndex::new();
    for (i, p) in plates.iter().enumerate() {
        ix.insert(p, i as u32)?;
    }
    let built = t.elapsed();

    let n = args.reads.max(1);
    let pick = |rng: &mut Rng| &plates[(rng.next() % plates.len() as u64) as usize];
    let exact: Vec<String> = (0..n).map(|_| cyrillic(pick(&mut rng))).collect();
    let ocr: Vec<String> = (0..n)
        .filter_map(|_| confused(pick(&mut rng), &mut rng))
        .collect();
    let edit: Vec<String> = (0..n).map(|_| one_edit(pick(&mut rng), &mut rng)).collect();
    let miss: Vec<String> = (0..n)
        .map(|_| format!("ZZ{}", &plate(&mut rng)[2..]))
        .collect();

    let us = |d: Duration, k: usize| d.as_secs_f64() * 1e6 / k.max(1) as f64;
    println!(
        "hotlist: {} entries indexed in {:.0} ms; {} reads of each kind; time per read",
        args.entries,
        built.as_secs_f64() * 1e3,
        n
    );
    println!(
        "  {:<32} {:>12} {:>14} {:>12} {:>12}",
        "reads", "exact tier", "+ OCR-equiv.", "all tiers", "hits/read"
    );
    let mut json = vec![];
    for (name, reads, expect) in [
        ("entry, other spelling", &exact, Tier::Exact),
        ("entry, one OCR confusion", &ocr, Tier::OcrEquivalent),
        ("entry, one character misread", &edit, Tier::OneEdit),
        ("on no list", &miss, Tier::OneEdit),
    ] {
        let (e, _) = time_reads(&ix, reads, Tier::Exact);
        let (o, _) = time_reads(&ix, reads, Tier::OcrEquivalent);
        let (a, hits) = time_reads(&ix, reads, Tier::OneEdit);
        // Every read of an entry must find it, at the expected tier.
        if name != "on no list" {
            let missed = reads
                .iter()
                .filter(|r| !ix.find(r).iter().any(|h| h.tier == expect))
                .count();
            if missed > 0 {
                anyhow::bail!(
                    "{missed} reads ({name}) did not match at the {} tier",
                    expect.as_str()
                );
            }
        }
        println!(
            "  {name:<32} {:>9.2} µs {:>11.2} µs {:>9.2} µs {:>12.2}",
            us(e, reads.len()),
            us(o, reads.len()),
            us(a, reads.len()),
            hits as f64 / reads.len().max(1) as f64
        );
        json.push(serde_json::json!({"reads": name, "exact_us": us(e, reads.len()), "ocr_us": us(o, reads.len()), "all_us": us(a, reads.len())}));
    }
    // Baseline: a linear scan of canonical texts, exact tier only.
    let canon: Vec<String> = plates
        .iter()
        .map(|p| kordon_plates::canonical(p))
        .collect::<Result<_, _>>()?;
    let sample = &exact[..exact.len().min(200)];
    let t = Instant::now();
    let mut found = 0;
    for r in sample {
        let c = kordon_plates::canonical(r)?;
        found += canon.iter().filter(|p| **p == c).count();
    }
    let scan = us(t.elapsed(), sample.len());
    println!("  linear scan, exact only (baseline) {scan:>7.1} µs per read ({found} hits)");
    println!(
        "{}",
        serde_json::json!({"bench": "hotlist", "entries": args.entries, "build_ms": built.as_secs_f64() * 1e3, "linear_scan_us": scan, "results": json})
    );
    Ok(())
}
