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

/// Everything that can go wrong in `embed_tl`: a variant per situation a
/// caller handles differently, each with the data to act on; its message
/// (`Display`) is the one the command-line tool prints.
///
/// ```
/// use embed_tl::vectors::{Format, Vectors};
/// use embed_tl::Error;
///
/// let vectors = Vectors::read("good 1 0\nbad 0 1\n".as_bytes(), Format::Glove, false)?;
/// match vectors.similar("great", 1) {
///     Err(Error::UnknownWord { words, vocabulary, .. }) => {
///         assert_eq!((words, vocabulary), (vec!["great".to_string()], 2))
///     }
///     other => panic!("expected an unknown word, got {other:?}"),
/// }
/// # Ok::<(), embed_tl::Error>(())
/// ```
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

    /// A column asked for, by name or 0-based index, is not in the input's
    /// header (or table schema): the columns found are listed to choose
    /// from.
    #[error("{}: {location}no column {column}; columns found: {}", display_path(path), .found.join(", "))]
    MissingColumn {
        /// The file involved, if known.
        path: Option<PathBuf>,
        /// Where in the file (the header line of a CSV/TSV file).
        location: Location,
        /// The column asked for.
        column: crate::corpus::Column,
        /// The columns the input has, in order.
        found: Vec<String>,
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

    /// A word has no vector (and, with subwords, no known n-gram either).
    #[error("'{}' has no vector ({vocabulary} words{})", .words.join("', '"), if *.subwords { ", and no known n-grams" } else { ", no subwords" })]
    UnknownWord {
        /// The words without a vector.
        words: Vec<String>,
        /// How many words the vectors have.
        vocabulary: usize,
        /// Whether the vectors have subwords (n-grams) to build a vector from.
        subwords: bool,
    },

    /// The vectors given are not the ones a model or featurizer was fitted
    /// with (another dimension, vocabulary or content), or none were given
    /// where they are needed.
    #[error("{message}")]
    VectorsMismatch {
        /// The dimension the model or featurizer was fitted with.
        expected_dims: usize,
        /// The dimension of the vectors given; `None` when none were given.
        found_dims: Option<usize>,
        /// What differs, for a human.
        message: String,
    },

    /// Fewer examples than the task needs.
    #[error("{message}")]
    TooFewExamples {
        /// The class that has too few, or `None` when the count is over
        /// all classes.
        class: Option<String>,
        /// How many there are.
        found: usize,
        /// How many are needed.
        needed: usize,
        /// The whole story, for a human.
        message: String,
    },

    /// Fewer classes than the task needs (a classifier needs 2).
    #[error("{message}")]
    TooFewClasses {
        /// How many classes have examples.
        found: usize,
        /// How many are needed.
        needed: usize,
        /// The whole story, for a human.
        message: String,
    },

    /// The solver failed (diverged): the message says why and what to change.
    #[error("{message}")]
    Solver {
        /// What went wrong, for a human.
        message: String,
    },

    /// A parameter or option is out of range or unknown (a number of folds,
    /// `C`, a pooling name...): fix the settings, not the data.
    #[error("{0}")]
    InvalidParameter(String),

    /// Anything else a caller passed that cannot work (texts and labels of
    /// different lengths, features that are not finite numbers...).
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
            Error::MissingColumn {
                path: None,
                location,
                column,
                found,
            } => Error::MissingColumn {
                path: Some(new.to_path_buf()),
                location,
                column,
                found,
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

    /// Real failure paths give the variant a caller matches on, with the
    /// data to act on, and the message the CLI prints.
    mod variants {
        use crate::eval::{CurveParams, CurveSize};
        use crate::features::FeaturizerParams;
        use crate::pipeline::{FeatureSet, PipelineParams};
        use crate::vectors::{Format, Vectors};
        use crate::{Error, Location};

        /// Three 2-d GloVe vectors.
        fn small_vectors() -> Vectors {
            let text = "good 1 0\nbad 0 1\nphone 0.5 0.5\n";
            Vectors::read(text.as_bytes(), Format::Glove, false).unwrap()
        }

        #[test]
        fn a_malformed_vector_file_names_the_path_and_line() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("vectors.txt");
            std::fs::write(&path, "good 1 0\nbad 0 1\nphone 0.5\n").unwrap();
            let err = Vectors::open(&path).unwrap_err();
            let message = err.to_string();
            match err {
                Error::Malformed {
                    path: Some(p),
                    location: Location::Line(3),
                    ..
                } => assert_eq!(p, path),
                other => panic!("not Malformed at line 3: {other:?}"),
            }
            assert!(message.contains("vectors.txt: line 3: "), "{message}");
        }

        #[test]
        fn a_word_without_a_vector_is_unknown_word() {
            let v = small_vectors();
            let err = v.similar("tablet", 2).unwrap_err();
            assert_eq!(
                err.to_string(),
                "'tablet' has no vector (3 words, no subwords)"
            );
            assert!(matches!(
                err,
                Error::UnknownWord { ref words, vocabulary: 3, subwords: false } if words == &["tablet"]
            ));
            let err = v.analogy("good", "tablet", "pad", 2).unwrap_err();
            assert_eq!(
                err.to_string(),
                "'tablet', 'pad' has no vector (3 words, no subwords)"
            );
            assert!(matches!(err, Error::UnknownWord { ref words, .. } if words.len() == 2));
        }

        #[test]
        fn vectors_of_another_dimension_are_a_mismatch() {
            let texts = ["good phone", "bad phone"];
            let featurizer = FeaturizerParams::default()
                .fit(&small_vectors(), &texts)
                .unwrap();
            let other = Vectors::read("good 1 0 0\n".as_bytes(), Format::Glove, false).unwrap();
            let err = featurizer.transform(&other, &texts).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::VectorsMismatch {
                        expected_dims: 2,
                        found_dims: Some(3),
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "the featurizer was fitted on 2-dimensional vectors, these have 3"
            );
        }

        #[test]
        fn one_class_is_too_few_classes() {
            let classes = ["pos".to_string(), "neg".to_string()];
            let err = PipelineParams::default()
                .features(FeatureSet::Ngrams)
                .fit(None, &["good", "fine", "great"], &[0, 0, 0], &classes)
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::TooFewClasses {
                        found: 1,
                        needed: 2,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "the training texts have 1 class; a classifier needs at least 2"
            );
        }

        #[test]
        fn a_curve_size_beyond_the_pool_is_too_few_examples() {
            let err = CurveParams::new(PipelineParams::default())
                .sizes(vec![CurveSize::Count(50)])
                .plan(&[10, 12])
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::TooFewExamples {
                        class: None,
                        found: 22,
                        needed: 50,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "size 50 is larger than the training pool (22 examples)"
            );
        }

        #[test]
        fn a_column_not_in_the_header_is_missing_column() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("reviews.csv");
            std::fs::write(&path, "review,sentiment\ngood,pos\n").unwrap();
            let text = crate::corpus::Column::Name("text".into());
            let label = crate::corpus::Column::Name("label".into());
            let err = crate::corpus::read_labelled(&path, &text, &label, None).unwrap_err();
            match &err {
                Error::MissingColumn {
                    path: Some(p),
                    location: Location::Line(1),
                    column,
                    found,
                } => {
                    assert_eq!((p, column), (&path, &text));
                    assert_eq!(found, &["review", "sentiment"]);
                }
                other => panic!("expected a missing column, got {other:?}"),
            }
            assert!(err.to_string().ends_with(
                "reviews.csv: line 1: no column 'text'; columns found: review, sentiment"
            ));
        }

        #[test]
        fn a_bad_setting_is_invalid_parameter() {
            let err = "median".parse::<crate::pool::PoolParams>().unwrap_err();
            assert!(matches!(err, Error::InvalidParameter(_)), "{err:?}");
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
