//! Compression of one tile's 16-bit samples.
//!
//! Codec 1, the only one so far: each row is turned into differences from
//! the previous sample (the first from zero), wrapping, mapped to small
//! unsigned numbers (zigzag: 0, -1, 1, -2 → 0, 1, 2, 3), and split into two
//! byte planes, all low bytes then all high bytes. Neighbouring X-ray
//! samples are close, so the high-byte plane is nearly all zeros and the
//! low-byte plane is small numbers; an LZ4 block then compresses both fast.
//! Planes of a dual-energy tile are stored one after the other (all rows of
//! plane 0, then all rows of plane 1), inside the same block.

/// Identifier of the codec above, stored in the pyramid header.
pub const CODEC_DELTA_LZ4: u8 = 1;

/// Largest compressed size of a tile of `samples` 16-bit values; anything
/// larger in an index is damage.
pub fn max_compressed_len(samples: usize) -> usize {
    lz4_flex::block::get_maximum_output_size(samples * 2)
}

/// Reusable buffers for encoding, one per worker thread.
#[derive(Debug, Default)]
pub struct EncodeScratch {
    split: Vec<u8>,
    compressed: Vec<u8>,
}

fn zigzag(delta: u16) -> u16 {
    (delta << 1) ^ ((delta as i16 >> 15) as u16)
}

fn unzigzag(z: u16) -> u16 {
    (z >> 1) ^ 0u16.wrapping_sub(z & 1)
}

/// Compresses `samples` (rows of `row_len` values, any number of rows),
/// returning the compressed bytes.
pub fn encode(samples: &[u16], row_len: usize, scratch: &mut EncodeScratch) -> Vec<u8> {
    let n = samples.len();
    scratch.split.clear();
    scratch.split.resize(2 * n, 0);
    let (low, high) = scratch.split.split_at_mut(n);
    let row_len = row_len.max(1);
    for ((row, low_row), high_row) in samples
        .chunks(row_len)
        .zip(low.chunks_mut(row_len))
        .zip(high.chunks_mut(row_len))
    {
        let mut previous = 0u16;
        for ((&value, lo), hi) in row.iter().zip(low_row.iter_mut()).zip(high_row.iter_mut()) {
            let z = zigzag(value.wrapping_sub(previous));
            previous = value;
            *lo = z as u8;
            *hi = (z >> 8) as u8;
        }
    }
    scratch.compressed.resize(max_compressed_len(n), 0);
    // The output buffer has the documented maximum size, so this cannot fail;
    // fall back to an empty tile (caught on reading) rather than panic.
    let written =
        lz4_flex::block::compress_into(&scratch.split, &mut scratch.compressed).unwrap_or(0);
    scratch.compressed[..written].to_vec()
}

/// Decompresses a tile of exactly `sample_count` values in rows of
/// `row_len`. Any mismatch is reported as text for the caller to wrap.
pub fn decode(compressed: &[u8], sample_count: usize, row_len: usize) -> Result<Vec<u16>, String> {
    let mut split = vec![0u8; 2 * sample_count];
    let written = lz4_flex::block::decompress_into(compressed, &mut split)
        .map_err(|e| format!("tile data does not decompress: {e}"))?;
    if written != split.len() {
        return Err(format!(
            "tile data decompresses to {written} bytes, expected {}",
            split.len()
        ));
    }
    let (low, high) = split.split_at(sample_count);
    let mut samples = vec![0u16; sample_count];
    let row_len = row_len.max(1);
    for ((row, low_row), high_row) in samples
        .chunks_mut(row_len)
        .zip(low.chunks(row_len))
        .zip(high.chunks(row_len))
    {
        let mut previous = 0u16;
        for ((value, &lo), &hi) in row.iter_mut().zip(low_row).zip(high_row) {
            previous = previous.wrapping_add(unzigzag(u16::from(lo) | u16::from(hi) << 8));
            *value = previous;
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zigzag_maps_small_differences_to_small_numbers() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(u16::MAX), 1); // -1
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(0xFFFE), 3); // -2
        for v in [0u16, 1, 2, 77, 0x7FFF, 0x8000, 0xFFFF] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

    #[test]
    fn smooth_data_compresses_well() {
        let samples: Vec<u16> = (0..256 * 256)
            .map(|i| 30_000 + (i % 256) as u16 * 3)
            .collect();
        let compressed = encode(&samples, 256, &mut EncodeScratch::default());
        assert!(compressed.len() < samples.len() / 8, "{}", compressed.len());
        assert_eq!(decode(&compressed, samples.len(), 256), Ok(samples));
    }

    #[test]
    fn wrong_sizes_and_garbage_are_errors() {
        let samples: Vec<u16> = (0..100).collect();
        let compressed = encode(&samples, 10, &mut EncodeScratch::default());
        assert!(decode(&compressed, 99, 10).is_err());
        assert!(decode(&compressed, 101, 10).is_err());
        assert!(decode(&[0xFF, 0xFF, 0xFF], 100, 10).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(samples in proptest::collection::vec(any::<u16>(), 0..2000), row_len in 1usize..70) {
            let compressed = encode(&samples, row_len, &mut EncodeScratch::default());
            prop_assert!(compressed.len() <= max_compressed_len(samples.len()));
            prop_assert_eq!(decode(&compressed, samples.len(), row_len), Ok(samples));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), count in 0usize..500) {
            let _ = decode(&bytes, count, 16);
        }
    }
}
