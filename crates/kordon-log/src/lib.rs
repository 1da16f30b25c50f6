//! The Merkle tree of Kordon's transparency log, as RFC 9162 (Certificate
//! Transparency 2.0, §2.1) defines it, with SHA-256.
//!
//! Pure: no I/O, no clock. A leaf is hashed as `SHA-256(0x00 || data)`, an
//! inner node as `SHA-256(0x01 || left || right)`; a tree of n leaves splits
//! at the largest power of two below n, so no leaf is ever duplicated. The
//! log keeps leaf hashes; this crate computes tree heads and proofs over
//! them, and verifies proofs with nothing but the hashes a verifier holds.
//!
//! - [`leaf_hash`], [`node_hash`], [`root`]: the tree head `MTH(D[n])`.
//! - [`Nodes`], [`new_nodes`], [`head_of`], [`inclusion_proof_of`],
//!   [`consistency_proof_of`]: the same over the perfect-subtree hashes a
//!   log stores as leaves arrive (about two per leaf; O(log n) read for a
//!   head or a proof, whatever the size of the log).
//! - [`Leaf`]: what a leaf of Kordon's log holds (an accepted record, or a
//!   refusal).
//! - [`inclusion_proof`] / [`verify_inclusion`]: a leaf is in a tree.
//! - [`consistency_proof`] / [`verify_consistency`]: a tree of m leaves is
//!   a prefix of a tree of n leaves (the log was only appended to).

pub mod leaf;

pub use leaf::{Leaf, LeafError};
use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf, a node or a tree head.
pub type Hash = [u8; 32];

/// Why a proof was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not in a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error(
        "tree sizes {first} and {second}: the first must be at least 1 and at most the second"
    )]
    BadSizes { first: u64, second: u64 },
    #[error("the proof has {got} hashes; a proof for these sizes has {want}")]
    WrongLength { got: usize, want: usize },
    #[error("the proof does not lead to the tree head")]
    Mismatch,
}

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Where a tree's nodes come from. Node `(level, index)` is the head of
/// the perfect subtree over leaves `index·2^level .. (index+1)·2^level`:
/// level 0 is the leaf hashes. A log stores these as leaves arrive
/// ([`new_nodes`]), so any tree head or proof needs O(log n) of them.
pub trait Nodes {
    type Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The nodes of a tree held as its leaf hashes in memory (tests, small
/// trees): each node is computed from its leaves.
#[derive(Debug, Clone, Copy)]
pub struct Leaves<'a>(pub &'a [Hash]);

impl Nodes for Leaves<'_> {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        let width = 1usize << level;
        let start = (index as usize) * width;
        Ok(slice_root(&self.0[start..start + width]))
    }
}

fn slice_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&slice_root(&leaves[..k]), &slice_root(&leaves[k..]))
        }
    }
}

/// The nodes that leaf `index` (with hash `leaf`) completes, to store:
/// the leaf itself at level 0, then each parent it finishes. `stored`
/// gives nodes stored before.
pub fn new_nodes<N: Nodes>(
    stored: &N,
    index: u64,
    leaf: Hash,
) -> Result<Vec<(u32, u64, Hash)>, N::Error> {
    let mut out = vec![(0, index, leaf)];
    let (mut level, mut i, mut h) = (0u32, index, leaf);
    while i & 1 == 1 {
        let left = stored.node(level, i - 1)?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((level, i, h));
    }
    Ok(out)
}

/// `MTH(D[start:end])` for a range the RFC's recursion produces (`start`
/// a multiple of a power of two at least `end - start`).
fn range_root<N: Nodes>(nodes: &N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    if n == 0 {
        return Ok(Sha256::digest([]).into());
    }
    if n.is_power_of_two() {
        let level = n.trailing_zeros();
        return nodes.node(level, start >> level);
    }
    let k = split(n);
    let left = nodes.node(k.trailing_zeros(), start >> k.trailing_zeros())?;
    Ok(node_hash(&left, &range_root(nodes, start + k, end)?))
}

/// The head of the tree of the first `size` leaves.
pub fn head_of<N: Nodes>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    range_root(nodes, 0, size)
}

/// `PATH(index, D[size])`; `Ok(None)` if `index` is not a leaf of it.
pub fn inclusion_proof_of<N: Nodes>(
    nodes: &N,
    index: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, N::Error> {
    if index >= size {
        return Ok(None);
    }
    let mut out = vec![];
    path(nodes, index, 0, size, &mut out)?;
    Ok(Some(out))
}

fn path<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    end: u64,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(nodes, m, start, start + k, out)?;
        out.push(range_root(nodes, start + k, end)?);
    } else {
        path(nodes, m - k, start + k, end, out)?;
        out.push(range_root(nodes, start, start + k)?);
    }
    Ok(())
}

/// `PROOF(first, D[size])`; `Ok(None)` unless `0 < first <= size`.
pub fn consistency_proof_of<N: Nodes>(
    nodes: &N,
    first: u64,
    size: u64,
) -> Result<Option<Vec<Hash>>, N::Error> {
    if first == 0 || first > size {
        return Ok(None);
    }
    let mut out = vec![];
    subproof(nodes, first, 0, size, true, &mut out)?;
    Ok(Some(out))
}

fn subproof<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(range_root(nodes, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, start + k, whole, out)?;
        out.push(range_root(nodes, start + k, end)?);
    } else {
        subproof(nodes, m - k, start + k, end, false, out)?;
        out.push(range_root(nodes, start, start + k)?);
    }
    Ok(())
}

/// `MTH(D[n])` over leaf hashes in memory; the empty tree's head is
/// SHA-256 of nothing.
pub fn root(leaves: &[Hash]) -> Hash {
    slice_root(leaves)
}

/// `PATH(m, D[n])` over leaf hashes in memory.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    match inclusion_proof_of(&Leaves(leaves), index as u64, leaves.len() as u64) {
        Ok(p) => p,
        Err(never) => match never {},
    }
}

/// `PROOF(m, D[n])` over leaf hashes in memory.
pub fn consistency_proof(leaves: &[Hash], first: usize) -> Option<Vec<Hash>> {
    match consistency_proof_of(&Leaves(leaves), first as u64, leaves.len() as u64) {
        Ok(p) => p,
        Err(never) => match never {},
    }
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size`
/// leaves whose head is `head` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    head: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: inclusion_len(index, size),
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inclusion_len(index, size),
        });
    }
    if r != *head {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// How many hashes an inclusion proof has (for messages).
fn inclusion_len(index: u64, size: u64) -> usize {
    let (mut f, mut s, mut n) = (index, size.saturating_sub(1), 0);
    while s != 0 {
        if f & 1 == 1 || f == s {
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        }
        f >>= 1;
        s >>= 1;
        n += 1;
    }
    n
}

/// Checks that the tree of `first` leaves with head `first_head` is a
/// prefix of the tree of `second` leaves with head `second_head` (RFC 9162
/// §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_head: &Hash,
    second_head: &Hash,
) -> Result<(), ProofError> {
    if first == 0 || first > second {
        return Err(ProofError::BadSizes { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if first_head == second_head {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_head);
    }
    path.extend_from_slice(proof);
    let Some((start, rest)) = path.split_first() else {
        return Err(ProofError::WrongLength { got: 0, want: 1 });
    };
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*start, *start);
    for c in rest {
        if s == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: proof.len().saturating_sub(1),
            });
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: proof.len() + 1,
        });
    }
    if fr != *first_head || sr != *second_head {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Hash {
        let v = hex::decode(s).expect("hex");
        <[u8; 32]>::try_from(v.as_slice()).expect("32 bytes")
    }

    /// The Certificate Transparency reference leaves (RFC 6962 and 9162 use
    /// the same tree hashing).
    fn reference_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|d| leaf_hash(&hex::decode(d).expect("hex")))
        .collect()
    }

    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn the_reference_tree_heads() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let leaves = reference_leaves();
        for (n, want) in ROOTS.iter().enumerate() {
            assert_eq!(hex::encode(root(&leaves[..=n])), *want, "size {}", n + 1);
        }
    }

    #[test]
    fn the_reference_inclusion_proofs() {
        let leaves = reference_leaves();
        let cases: [(usize, usize, &[&str]); 4] = [
            (0, 1, &[]),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
        ];
        for (index, size, want) in cases {
            let tree = &leaves[..size];
            let proof = inclusion_proof(tree, index).expect("a leaf");
            let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
            assert_eq!(proof, want, "PATH({index}, D[{size}])");
            verify_inclusion(&tree[index], index as u64, size as u64, &proof, &root(tree))
                .expect("verifies");
        }
    }

    #[test]
    fn the_reference_consistency_proofs() {
        let leaves = reference_leaves();
        let cases: [(usize, usize, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (first, second, want) in cases {
            let tree = &leaves[..second];
            let proof = consistency_proof(tree, first).expect("sizes");
            let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
            assert_eq!(proof, want, "PROOF({first}, D[{second}])");
            verify_consistency(
                first as u64,
                second as u64,
                &proof,
                &root(&leaves[..first]),
                &root(tree),
            )
            .expect("verifies");
        }
    }

    /// Nodes stored as a log stores them, one leaf at a time.
    struct Stored(std::collections::HashMap<(u32, u64), Hash>);

    impl Nodes for Stored {
        type Error = String;
        fn node(&self, level: u32, index: u64) -> Result<Hash, String> {
            self.0
                .get(&(level, index))
                .copied()
                .ok_or_else(|| format!("no node ({level}, {index})"))
        }
    }

    #[test]
    fn stored_nodes_give_the_same_heads_and_proofs() {
        let tree = leaves(77);
        let mut stored = Stored(Default::default());
        for (i, leaf) in tree.iter().enumerate() {
            for (level, index, hash) in new_nodes(&stored, i as u64, *leaf).expect("nodes") {
                stored.0.insert((level, index), hash);
            }
        }
        assert!(stored.0.len() < 2 * tree.len(), "about two nodes a leaf");
        for n in 1..=tree.len() {
            assert_eq!(head_of(&stored, n as u64).expect("head"), root(&tree[..n]));
            for i in [0, n / 2, n - 1] {
                assert_eq!(
                    inclusion_proof_of(&stored, i as u64, n as u64).expect("nodes"),
                    inclusion_proof(&tree[..n], i)
                );
            }
            for m in [1, n / 2 + 1, n] {
                assert_eq!(
                    consistency_proof_of(&stored, m as u64, n as u64).expect("nodes"),
                    consistency_proof(&tree[..n], m)
                );
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    proptest! {
        #[test]
        fn every_inclusion_proof_verifies_and_a_changed_one_does_not(
            n in 1usize..300, pick in any::<prop::sample::Index>(), flip in any::<(prop::sample::Index, u8)>()
        ) {
            let tree = leaves(n);
            let head = root(&tree);
            let i = pick.index(n);
            let proof = inclusion_proof(&tree, i).expect("a leaf");
            prop_assert!(verify_inclusion(&tree[i], i as u64, n as u64, &proof, &head).is_ok());
            // Another leaf, another index, another size: refused.
            if n > 1 {
                let j = (i + 1) % n;
                prop_assert!(verify_inclusion(&tree[j], i as u64, n as u64, &proof, &head).is_err());
                prop_assert!(verify_inclusion(&tree[i], j as u64, n as u64, &proof, &head).is_err());
                let mut bad = proof.clone();
                let (at, bit) = flip;
                let k = at.index(bad.len());
                bad[k][usize::from(bit) % 32] ^= 1 << (bit % 8);
                prop_assert!(verify_inclusion(&tree[i], i as u64, n as u64, &bad, &head).is_err());
                prop_assert!(verify_inclusion(&tree[i], i as u64, n as u64, &proof[..proof.len() - 1], &head).is_err());
            }
            // (A head is only ever used with the size it was signed with,
            // so a proof checked against another size proves nothing either
            // way: some paths are the same in trees of neighbouring sizes.)
        }

        #[test]
        fn every_consistency_proof_verifies_and_a_rewritten_history_does_not(
            n in 2usize..300, pick in any::<prop::sample::Index>(), swap in any::<prop::sample::Index>()
        ) {
            let tree = leaves(n);
            let m = 1 + pick.index(n - 1);
            let proof = consistency_proof(&tree, m).expect("sizes");
            let (old, new) = (root(&tree[..m]), root(&tree));
            prop_assert!(verify_consistency(m as u64, n as u64, &proof, &old, &new).is_ok());
            // A dropped leaf, a reordered pair, a changed leaf in the old
            // part: the new tree is not an extension of the old one.
            let mut dropped = tree.clone();
            dropped.remove(swap.index(m));
            dropped.push(leaf_hash(b"filler"));
            let forged = consistency_proof(&dropped, m).expect("sizes");
            prop_assert!(verify_consistency(m as u64, n as u64, &forged, &old, &root(&dropped)).is_err());
            let mut reordered = tree.clone();
            let a = swap.index(m);
            reordered.swap(a, (a + 1) % n);
            if reordered[..m] != tree[..m] {
                let forged = consistency_proof(&reordered, m).expect("sizes");
                prop_assert!(verify_consistency(m as u64, n as u64, &forged, &old, &root(&reordered)).is_err());
            }
            prop_assert!(verify_consistency(m as u64, n as u64, &proof, &old, &root(&dropped)).is_err());
        }
    }
}
