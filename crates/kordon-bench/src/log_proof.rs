//! `kordon-bench log-proof`: the transparency log at scale. A tree of
//! `--leaves` record leaves (10 million by default) is built in memory,
//! level by level, as the server's store keeps it (`kordon_log::Nodes`);
//! then inclusion proofs of random leaves are made and verified, as a
//! vehicle or a court expert verifies one, and their size is reported.

use anyhow::anyhow;
use kordon_log::{Hash, Leaf, Nodes};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 10_000_000)]
    leaves: u64,
    /// Proofs made and verified.
    #[arg(long, default_value_t = 10_000)]
    proofs: usize,
}

/// Every perfect-subtree node, level by level (level 0: leaf hashes).
struct Levels(Vec<Vec<Hash>>);

impl Nodes for Levels {
    type Error = String;
    fn node(&self, level: u32, index: u64) -> Result<Hash, String> {
        self.0
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .ok_or_else(|| format!("no node ({level}, {index})"))
    }
}

fn leaf_bytes(i: u64) -> Vec<u8> {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(&i.to_be_bytes());
    Leaf::RecordAt {
        id,
        at_ms: 1_790_000_000_000 + i as i64,
    }
    .to_bytes()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let n = args.leaves;
    let t = Instant::now();
    let mut levels = vec![(0..n)
        .map(|i| kordon_log::leaf_hash(&leaf_bytes(i)))
        .collect::<Vec<Hash>>()];
    while levels.last().is_some_and(|l| l.len() > 1) {
        let below = levels.last().map(Vec::as_slice).unwrap_or_default();
        let up: Vec<Hash> = below
            .chunks_exact(2)
            .map(|p| kordon_log::node_hash(&p[0], &p[1]))
            .collect();
        levels.push(up);
    }
    let tree = Levels(levels);
    let built = t.elapsed();
    let head = kordon_log::head_of(&tree, n).map_err(|e| anyhow!(e))?;

    // Random leaves (a fixed xorshift sequence, so runs compare).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut picks = Vec::with_capacity(args.proofs);
    for _ in 0..args.proofs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        picks.push(x % n);
    }
    let t = Instant::now();
    let mut proofs = Vec::with_capacity(picks.len());
    for &i in &picks {
        let path = kordon_log::inclusion_proof_of(&tree, i, n)
            .map_err(|e| anyhow!(e))?
            .ok_or_else(|| anyhow!("no proof for leaf {i}"))?;
        proofs.push(path);
    }
    let made = t.elapsed();
    let t = Instant::now();
    for (&i, path) in picks.iter().zip(&proofs) {
        let leaf = kordon_log::leaf_hash(&leaf_bytes(i));
        kordon_log::verify_inclusion(&leaf, i, n, path, &head)
            .map_err(|e| anyhow!("leaf {i}: {e}"))?;
    }
    let verified = t.elapsed();
    let hashes: usize = proofs.iter().map(Vec::len).sum();
    let max = proofs.iter().map(Vec::len).max().unwrap_or(0);
    let mean_hashes = hashes as f64 / proofs.len().max(1) as f64;
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / proofs.len().max(1) as f64;
    println!(
        "log-proof: a tree of {n} leaves, {} proofs of random leaves",
        proofs.len()
    );
    println!(
        "  tree built in memory           {:>10.1} s",
        built.as_secs_f64()
    );
    println!(
        "  proof size                      {mean_hashes:>9.1} hashes mean, {max} max ({} bytes)",
        max * 32
    );
    println!(
        "  proof made (node reads)         {:>9.2} µs each",
        per(made)
    );
    println!(
        "  proof verified (leaf hash, path, compare with the head) {:>6.2} µs each",
        per(verified)
    );
    println!(
        "{}",
        serde_json::json!({"bench": "log-proof", "leaves": n, "proofs": proofs.len(), "build_s": built.as_secs_f64(), "proof_hashes_mean": mean_hashes, "proof_hashes_max": max, "proof_bytes_max": max * 32, "make_us": per(made), "verify_us": per(verified)})
    );
    Ok(())
}
