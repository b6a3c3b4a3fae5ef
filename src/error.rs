//! The crate's error type.
//!
//! Every error says where the problem is (file, line or byte offset, field)
//! and what was expected, so that a user can act on it without a debugger.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Result alias used throughout `embed_tl`.
pub type Result<T> = std::result::Result<T, Error>;

/// Where in an input a problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Nowhere in particular (the whole file).
    None,
    /// A 1-based line number in a text input.
    Line(u64),
    /// A 0-based byte offset in a binary input.
    Byte(u64),
    /// A 1-based row number in a table (Parquet, Arrow).
    Row(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::None => Ok(()),
            Location::Line(line) => write!(f, "line {line}: "),
            Location::Byte(offset) => write!(f, "byte {offset}: "),
            Location::Row(row) => write!(f, "row {row}: "),
        }
    }
}

/// Everything that can go wrong in `embed_tl`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed at the operating-system level.
    #[error("{}: {err}", display_path(path))]
    Io {
        /// The file involved, if known.
        path: Option<PathBuf>,
        /// The underlying error.
        err: io::Error,
    },

    /// An input file is malformed: the message says what was expected.
    #[error("{}: {location}{message}", display_path(path))]
    Malformed {
        /// The file involved, if known.
        path: Option<PathBuf>,
        /// Where in the file.
        location: Location,
        /// What was expected and what was found.
        message: String,
    },

    /// A word cannot be written in the chosen vector format and read back
    /// as the same word (a space in a word2vec binary word, a line break in
    /// a text format...): refused before anything is written.
    #[error("cannot write word {} '{}' as {format}: {reason}", .index + 1, .word.escape_debug())]
    Unwritable {
        /// The word.
        word: String,
        /// Its 0-based row.
        index: usize,
        /// The format asked for.
        format: String,
        /// Why, and what would work instead.
        reason: String,
    },

    /// A caller passed arguments that cannot work (e.g. an unknown word).
    #[error("{0}")]
    InvalidInput(String),
}

fn display_path(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "<input>".to_string(),
    }
}

impl Error {
    /// A malformed-input error at `location`, without a path yet.
    pub fn malformed(location: Location, message: impl Into<String>) -> Self {
        Error::Malformed {
            path: None,
            location,
            message: message.into(),
        }
    }

    /// An I/O error, without a path yet.
    pub fn io(err: io::Error) -> Self {
        Error::Io { path: None, err }
    }

    /// Attach `path` to this error if it has none yet.
    ///
    /// Readers work on `BufRead`s and do not know file names; the code that
    /// opened the file calls this so that the message names it.
    pub fn with_path(self, new: &Path) -> Self {
        match self {
            Error::Io { path: None, err } => Error::Io {
                path: Some(new.to_path_buf()),
                err,
            },
            Error::Malformed {
                path: None,
                location,
                message,
            } => Error::Malformed {
                path: Some(new.to_path_buf()),
                location,
                message,
            },
            other => other,
        }
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_and_line() {
        let cases = [
            (
                Error::malformed(Location::Line(88213), "expected 300 values, found 299"),
                "vectors.txt: line 88213: expected 300 values, found 299",
            ),
            (
                Error::malformed(Location::Byte(17), "truncated vector"),
                "vectors.txt: byte 17: truncated vector",
            ),
            (
                Error::malformed(Location::None, "empty file"),
                "vectors.txt: empty file",
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(
                err.with_path(Path::new("vectors.txt")).to_string(),
                expected
            );
        }
    }

    #[test]
    fn with_path_keeps_the_first_path() {
        let err = Error::malformed(Location::None, "x")
            .with_path(Path::new("a"))
            .with_path(Path::new("b"));
        assert_eq!(err.to_string(), "a: x");
    }
}
