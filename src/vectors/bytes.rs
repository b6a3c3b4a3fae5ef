//! A little-endian cursor over a binary vector file, or over one chunk of
//! it, that never reads past the end. Its errors name the byte offset in
//! the whole file, so a chunk's reader reports places a user can find.

use crate::error::{Error, Location, Result};

/// A cursor over `data`, which starts at byte `base` of the file.
pub(crate) struct Bytes<'a> {
    data: &'a [u8],
    /// The position in `data` (not in the file: see [`Bytes::offset`]).
    pub pos: usize,
    base: usize,
    /// What `data` is, for "... ends inside the ..." errors.
    inside: &'static str,
}

impl<'a> Bytes<'a> {
    /// A cursor over a whole file.
    pub fn file(data: &'a [u8]) -> Self {
        Bytes {
            data,
            pos: 0,
            base: 0,
            inside: "file",
        }
    }

    /// A cursor over one chunk, the `data` at byte `base` of the file.
    pub fn chunk(data: &'a [u8], base: usize) -> Self {
        Bytes {
            data,
            pos: 0,
            base,
            inside: "chunk",
        }
    }

    /// The next `n` bytes; an error naming `what` if fewer are left.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.data.len() => {
                let out = &self.data[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            _ => Err(self.error(match self.inside {
                "file" => format!("file ends inside the {what} (truncated file?)"),
                inside => format!("{inside} ends inside the {what}"),
            })),
        }
    }

    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(self.u32(what)? as i32)
    }

    pub fn u64(&mut self, what: &str) -> Result<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// finalfusion's padding before f32 data: `4 - offset % 4` bytes of
    /// the file offset, so 1 to 4 bytes, never 0.
    pub fn skip_padding(&mut self) -> Result<()> {
        let pad = 4 - self.offset() % 4;
        self.take(pad as usize, "padding").map(|_| ())
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// How many bytes are not read yet.
    pub fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The position as a byte offset in the file.
    pub fn offset(&self) -> u64 {
        (self.base + self.pos) as u64
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> Error {
        self.error_at(self.pos, message)
    }

    /// An error at position `pos` of `data`.
    pub fn error_at(&self, pos: usize, message: impl Into<String>) -> Error {
        Error::malformed(Location::Byte((self.base + pos) as u64), message)
    }
}

/// Hand `values` to `f` as little-endian bytes, 64 KiB at a time (for
/// writers: no copy of the whole matrix).
pub(crate) fn f32_le_pieces(values: &[f32], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    for chunk in values.chunks(16 << 10) {
        buf.clear();
        chunk
            .iter()
            .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
        f(&buf)?;
    }
    Ok(())
}
