//! Verified streaming: a blob cut into pieces whose BLAKE3 chaining values
//! can be checked against the blob's own hash.
//!
//! BLAKE3 is a tree hash over 1 KiB chunks. A piece of `piece` bytes
//! (a power of two, at least 1 KiB) starting at a multiple of `piece` is
//! exactly one subtree of that tree, so its *chaining value* can be
//! computed on its own, and the chaining values of all pieces merge up to
//! the blob's root hash. A receiver therefore:
//!
//! 1. gets the list of piece chaining values (32 bytes per piece) and
//!    checks that they merge to the hash it asked for ([`root_of`]): the
//!    list is now as trustworthy as the hash itself;
//! 2. checks each piece as it arrives against its entry ([`piece_cv`]),
//!    so a damaged piece is caught alone and fetched again, and no
//!    unverified byte is ever written.
//!
//! This is what Bao does, at a coarser grain and with no extra format: the
//! content address stays the plain BLAKE3 hash of the original bytes.

use blake3::hazmat::{merge_subtrees_non_root, merge_subtrees_root, HasherExt, Mode};

/// A chaining value (an interior node of the BLAKE3 tree).
pub type Cv = [u8; 32];

/// The default piece: 1 MiB, the unit of verification and of resumption.
pub const PIECE: u64 = 1 << 20;

/// Number of pieces of a blob of `size` bytes (an empty blob has one,
/// empty, piece).
pub fn piece_count(size: u64, piece: u64) -> u64 {
    size.div_ceil(piece).max(1)
}

/// Length of piece `index` of a blob of `size` bytes.
pub fn piece_len(size: u64, piece: u64, index: u64) -> u64 {
    let start = index.saturating_mul(piece);
    size.saturating_sub(start).min(piece)
}

/// The value a piece is checked against: its chaining value, or for a blob
/// that is a single piece, the blob's hash itself (a lone piece is the
/// root, and BLAKE3 finalises roots differently).
pub fn piece_cv(size: u64, piece: u64, index: u64, data: &[u8]) -> Cv {
    if piece_count(size, piece) == 1 {
        return *blake3::hash(data).as_bytes();
    }
    let mut h = blake3::Hasher::new();
    h.set_input_offset(index * piece);
    h.update(data);
    h.finalize_non_root()
}

/// Merges piece values (from [`piece_cv`]) into the blob's root hash.
/// `None` when the list has the wrong length for `size`.
pub fn root_of(cvs: &[Cv], size: u64, piece: u64) -> Option<Cv> {
    if cvs.len() as u64 != piece_count(size, piece) {
        return None;
    }
    if cvs.len() == 1 {
        return Some(cvs[0]);
    }
    Some(subtree(cvs, size, piece, true))
}

/// The value of the subtree covering `len` bytes whose pieces are `cvs`.
fn subtree(cvs: &[Cv], len: u64, piece: u64, root: bool) -> Cv {
    if len <= piece {
        return cvs[0];
    }
    // BLAKE3's left subtree: the largest power-of-two number of chunks
    // strictly less than the whole; with power-of-two pieces it always
    // ends on a piece boundary.
    let left_len = len.div_ceil(2).next_power_of_two();
    let left_pieces = (left_len / piece) as usize;
    let l = subtree(&cvs[..left_pieces], left_len, piece, false);
    let r = subtree(&cvs[left_pieces..], len - left_len, piece, false);
    if root {
        *merge_subtrees_root(&l, &r, Mode::Hash).as_bytes()
    } else {
        merge_subtrees_non_root(&l, &r, Mode::Hash)
    }
}

/// The piece values of a whole blob held in memory.
pub fn cvs_of(bytes: &[u8], piece: u64) -> Vec<Cv> {
    let size = bytes.len() as u64;
    (0..piece_count(size, piece))
        .map(|i| {
            let start = (i * piece) as usize;
            let end = start + piece_len(size, piece, i) as usize;
            piece_cv(size, piece, i, &bytes[start..end])
        })
        .collect()
}

/// Whether `piece` is usable as a piece size (power of two, ≥ 1 KiB).
pub fn valid_piece(piece: u64) -> bool {
    piece.is_power_of_two() && piece >= blake3::CHUNK_LEN as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn pieces_merge_to_the_plain_blake3_hash() {
        for piece in [1024u64, 4096] {
            for n in [
                0usize, 1, 1023, 1024, 1025, 4095, 4096, 4097, 8192, 12_289, 40_000,
            ] {
                let data = bytes(n, 7);
                let cvs = cvs_of(&data, piece);
                assert_eq!(
                    root_of(&cvs, n as u64, piece),
                    Some(*blake3::hash(&data).as_bytes()),
                    "size {n}, piece {piece}"
                );
            }
        }
    }

    #[test]
    fn a_damaged_piece_or_list_is_caught() {
        let data = bytes(10_000, 1);
        let mut cvs = cvs_of(&data, 1024);
        let root = *blake3::hash(&data).as_bytes();
        let mut bad = data[1024..2048].to_vec();
        bad[5] ^= 1;
        assert_ne!(piece_cv(10_000, 1024, 1, &bad), cvs[1]);
        cvs[3][0] ^= 1;
        assert_ne!(root_of(&cvs, 10_000, 1024), Some(root));
        cvs.pop();
        assert_eq!(root_of(&cvs, 10_000, 1024), None, "wrong length");
    }

    #[test]
    fn piece_geometry() {
        assert_eq!(piece_count(0, 1024), 1);
        assert_eq!(piece_count(2048, 1024), 2);
        assert_eq!(piece_count(2049, 1024), 3);
        assert_eq!(piece_len(2049, 1024, 2), 1);
        assert_eq!(piece_len(2049, 1024, 3), 0);
        assert!(valid_piece(PIECE) && !valid_piece(512) && !valid_piece(3000));
    }

    proptest! {
        #[test]
        fn any_size_round_trips(n in 0usize..20_000, seed in any::<u8>()) {
            let data = bytes(n, seed);
            prop_assert_eq!(root_of(&cvs_of(&data, 1024), n as u64, 1024), Some(*blake3::hash(&data).as_bytes()));
        }
    }
}
