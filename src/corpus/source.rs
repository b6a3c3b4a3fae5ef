//! Opening a corpus input: a file or `-` for standard input, decompressed
//! when its first bytes say gzip, bzip2 or Zstandard.
//!
//! ```
//! use std::io::Read;
//! use embed_tl::corpus::source::Source;
//!
//! let mut source = Source::open("corpora/reviews.csv")?;
//! assert_eq!(source.name(), "corpora/reviews.csv");
//! let mut head = [0u8; 10];
//! source.read_exact(&mut head)?;
//! assert_eq!(&head, b"text,label");
//! # Ok::<(), embed_tl::Error>(())
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::vectors::Compression;

/// The name that means standard input.
pub const STDIN: &str = "-";

/// An opened corpus input, decompressed, ready to read.
pub struct Source {
    reader: Box<dyn Read + Send>,
    path: PathBuf,
    compression: Compression,
    len: Option<u64>,
}

impl Source {
    /// Open `path` (`-` for standard input). Compression is recognised by
    /// the first bytes, whatever the name: gzip (multi-member), bzip2
    /// (multi-stream) and Zstandard (several frames).
    pub fn open(path: impl AsRef<Path>) -> Result<Source> {
        let path = path.as_ref();
        if is_stdin(path) {
            return Source::from_reader(io::stdin(), path);
        }
        let file = File::open(path).map_err(|e| Error::io(e).with_path(path))?;
        let len = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let mut source = Source::from_reader(file, path)?;
        if source.compression == Compression::None {
            source.len = len;
        }
        Ok(source)
    }

    /// Wrap any reader (named `path` in messages), decompressing it when
    /// its first bytes say so.
    pub fn from_reader<R: Read + Send + 'static>(input: R, path: &Path) -> Result<Source> {
        let mut input = BufReader::with_capacity(1 << 16, input);
        let head = input.fill_buf().map_err(|e| Error::io(e).with_path(path))?;
        let compression = crate::vectors::sniff_compression(head);
        let reader: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(input),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::with_buffer(input)
                    .map_err(|e| Error::io(e).with_path(path))?,
            ),
        };
        let mut source = Source {
            reader,
            path: path.to_path_buf(),
            compression,
            len: None,
        };
        source.skip_byte_order_mark()?;
        Ok(source)
    }

    /// Drop a UTF-8 byte-order mark at the start of the (decompressed)
    /// text, as Windows editors and Excel write it: every layout then reads
    /// its first field, key or label as written. Other first bytes are kept
    /// and read first.
    fn skip_byte_order_mark(&mut self) -> Result<()> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut head = Vec::with_capacity(BOM.len());
        (&mut *self)
            .take(BOM.len() as u64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(e).with_path(&self.path))?;
        if head != BOM {
            let rest = std::mem::replace(&mut self.reader, Box::new(io::empty()));
            self.reader = Box::new(io::Cursor::new(head).chain(rest));
        }
        Ok(())
    }

    /// The name to show: the path, or `<stdin>`.
    pub fn name(&self) -> String {
        display_name(&self.path)
    }

    /// The compression found.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The size in bytes of an uncompressed regular file (for progress).
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// Whether the input is known to be empty (never, before reading).
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf).map_err(|e| {
            if self.compression != Compression::None && e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(
                    e.kind(),
                    format!("the compressed stream is cut short ({e})"),
                )
            } else {
                e
            }
        })
    }
}

/// `-` is standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// The path as shown in messages: `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// The file name without a compression suffix (`.gz`, `.bz2`, `.zst`),
/// lowercased: what names the layout.
pub fn layout_name(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    for suffix in [".gz", ".bz2", ".zst"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.to_string();
            break;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(bytes: Vec<u8>) -> io::Result<String> {
        let mut s = String::new();
        Source::from_reader(io::Cursor::new(bytes), Path::new("x"))
            .map_err(|e| io::Error::other(e.to_string()))?
            .read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn compressed_inputs_are_read_whole_and_cut_ones_fail() {
        let text = "text,label\n".repeat(1000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(text.as_bytes()).unwrap();
        let bz = bz.finish().unwrap();
        let zst = zstd::stream::encode_all(text.as_bytes(), 3).unwrap();
        for bytes in [
            gz.clone(),
            bz.clone(),
            zst.clone(),
            text.clone().into_bytes(),
        ] {
            assert_eq!(read_all(bytes).unwrap(), text);
        }
        for bytes in [gz, bz, zst] {
            let cut = bytes[..bytes.len() / 2].to_vec();
            assert!(read_all(cut).is_err());
        }
    }

    #[test]
    fn layout_names_drop_the_compression_suffix() {
        for (path, name) in [
            ("a/B.CSV.gz", "b.csv"),
            ("x.tsv.zst", "x.tsv"),
            ("x.jsonl.bz2", "x.jsonl"),
            ("x.txt", "x.txt"),
            ("-", "-"),
        ] {
            assert_eq!(layout_name(Path::new(path)), name);
        }
    }
}
