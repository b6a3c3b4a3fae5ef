//! The bytes a binary vector file was read from, kept so that matrices can
//! be used in place: a read-only memory map of the file, or (a compressed
//! file, a reader) the bytes in memory, read once.
//!
//! A map's pages are the page cache's: they count in a process's RSS only
//! while mapped into it, and every process that opens the file shares
//! them. [`Backing::release`] unmaps pages a pass over the file touched
//! and will not need soon (they stay in the page cache, and come back on
//! the next access), so that checking a large file does not leave it all
//! in the process's resident set.

use std::sync::Arc;

use rayon::prelude::*;

use super::build::{check_rows, BadRow};

/// Shared, read-only bytes of a vector file.
#[derive(Clone)]
pub(crate) enum Backing {
    /// A read-only memory map of the whole file.
    Map(Arc<memmap2::Mmap>),
    /// The file's bytes in memory (decompressed, or read from a reader).
    Heap(Arc<Vec<u8>>),
}

impl Backing {
    /// The bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            Backing::Map(map) => map,
            Backing::Heap(bytes) => bytes,
        }
    }

    /// Let the kernel take back the pages of `start..start + len` from
    /// this process (a map only; nothing happens to bytes in memory). The
    /// bytes stay readable: the next access maps them again from the page
    /// cache (or the file). Only whole pages inside the range are dropped.
    #[cfg(unix)]
    pub fn release(&self, start: usize, len: usize) {
        let Backing::Map(map) = self else {
            return;
        };
        let page = page_size();
        let first = start.div_ceil(page) * page;
        let end = (start + len).min(map.len()) / page * page;
        if end <= first {
            return;
        }
        // Safety: MADV_DONTNEED on a read-only shared file mapping only
        // drops this process's page table entries; the contents are the
        // file's and are read back on the next access, so no reference
        // into the map sees different bytes.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, first, end - first)
        };
    }

    #[cfg(unix)]
    /// Tell the kernel that `start..start + len` of a map is read at
    /// random (n-gram rows, one row here and one there): a row not in the
    /// page cache is read from disk without read-ahead around it. Nothing
    /// happens to bytes in memory.
    pub fn random_access(&self, start: usize, len: usize) {
        if let Backing::Map(map) = self {
            // madvise wants a page-aligned start.
            let first = start / page_size() * page_size();
            let end = (start + len).min(map.len());
            if end > first {
                let _ = map.advise_range(memmap2::Advice::Random, first, end - first);
            }
        }
    }

    /// Elsewhere the kernel is not told.
    #[cfg(not(unix))]
    pub fn random_access(&self, _start: usize, _len: usize) {}

    /// Elsewhere the pages stay mapped until the file is closed.
    #[cfg(not(unix))]
    pub fn release(&self, _start: usize, _len: usize) {}
}

/// The size of a memory page.
#[cfg(unix)]
fn page_size() -> usize {
    // Safety: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// How many bytes of rows [`check_stored`] checks before releasing them.
const CHECK_BLOCK: usize = 4 << 20;

/// Check `rows x dims` little-endian f32 values stored at byte `offset` of
/// `backing`, as [`check_rows`] checks a matrix: every value finite, every
/// row's original norm usable. The first `words` rows are words (their
/// stored `norms`, if given, are their original norms over the unit row);
/// row `i` is reported as row `first_row + i`. Returns the words' norms.
///
/// The rows are checked a block at a time and each block's pages are
/// released from the process when it is done ([`Backing::release`]), so
/// a check of a file of any size holds one block at a time, not the file.
pub(crate) fn check_stored(
    backing: &Backing,
    offset: usize,
    rows: usize,
    dims: usize,
    words: usize,
    norms: Option<&[f32]>,
    first_row: usize,
) -> Result<Vec<f32>, BadRow> {
    if dims == 0 || rows == 0 {
        return check_rows(&[], dims, words, norms);
    }
    let block_rows = (CHECK_BLOCK / (dims * 4)).max(1);
    let mut out = Vec::with_capacity(words);
    let mut scratch = Vec::new();
    let mut too_large: Option<(usize, f64, usize)> = None;
    for start in (0..rows).step_by(block_rows) {
        let end = (start + block_rows).min(rows);
        let at = offset + start * dims * 4;
        let len = (end - start) * dims * 4;
        let bytes = &backing.bytes()[at..at + len];
        let values: &[f32] = match bytemuck::try_cast_slice(bytes) {
            Ok(values) if cfg!(target_endian = "little") => values,
            _ => {
                scratch.clear();
                scratch.extend(
                    bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
                &scratch
            }
        };
        let block_words = words.clamp(start, end) - start;
        if block_words == 0 && plainly_usable(values, dims) {
            backing.release(at, len);
            continue;
        }
        let block_norms = norms.map(|n| &n[start.min(words)..end.min(words)]);
        let checked = check_rows(values, dims, block_words, block_norms);
        backing.release(at, len);
        match checked {
            Ok(n) if too_large.is_none() => out.extend(n),
            Ok(_) => {}
            Err(BadRow::NotFinite { row, value, found }) => {
                return Err(BadRow::NotFinite {
                    row: first_row + start + row,
                    value,
                    found,
                })
            }
            Err(BadRow::TooLarge { row, norm, count }) => match &mut too_large {
                Some((_, _, total)) => *total += count,
                None => too_large = Some((first_row + start + row, norm, count)),
            },
        }
    }
    match too_large {
        Some((row, norm, count)) => Err(BadRow::TooLarge { row, norm, count }),
        None => Ok(out),
    }
}

/// True when every row's sum of squares, in f32, is finite and below a
/// quarter of `f32::MAX`: then every value is finite and every norm is
/// usable. The fast test for rows whose norms are not needed (n-gram
/// rows); a block that fails it (a NaN, a huge row, or one close to the
/// limit) goes through the exact check, which says where and what.
fn plainly_usable(values: &[f32], dims: usize) -> bool {
    values.par_chunks(dims * 256).all(|rows| {
        rows.chunks_exact(dims)
            .all(|row| sum_of_squares(row) < f32::MAX / 4.0)
    })
}

/// `row`'s sum of squares in f32, in eight lanes (NaN or inf if any value
/// is, or if a lane overflows).
fn sum_of_squares(row: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v * v;
        }
    }
    lanes.iter().sum::<f32>() + rest.iter().map(|v| v * v).sum::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast test passes ordinary rows and fails every row the exact
    /// check refuses (and some it would pass, near the limit).
    #[test]
    fn plainly_usable_rows() {
        let cases: [(&[f32], bool); 7] = [
            (&[0.5, -1.0, 3.0], true),
            (&[0.0, 0.0, 0.0], true),
            (&[f32::NAN, 0.0, 0.0], false),
            (&[0.0, f32::INFINITY, 0.0], false),
            (&[1e19, 1e19, 0.0], false),
            (&[5e18, 0.0, 0.0], true),
            (&[1.5e19, 0.0, 0.0], false),
        ];
        for (row, expected) in cases {
            assert_eq!(plainly_usable(row, 3), expected, "{row:?}");
            if expected {
                assert!(check_rows(row, 3, 0, None).is_ok(), "{row:?}");
            }
        }
        let long: Vec<f32> = (0..300).map(|i| i as f32 / 300.0).collect();
        assert!(plainly_usable(&long, 100));
        let mut bad = long.clone();
        bad[257] = f32::NAN;
        assert!(!plainly_usable(&bad, 100));
    }
}
