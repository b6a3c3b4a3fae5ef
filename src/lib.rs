//! # embed-tl: transfer learning with frozen pretrained word vectors
//!
//! People with a few hundred or a few thousand labelled texts reuse what
//! pretrained Word2Vec, GloVe or fastText vectors learned elsewhere, kept
//! **frozen** as a feature layer. `embed_tl` opens those vector files fast
//! and safely ([`vectors`]), turns texts into tokens that match them
//! ([`text`]), and reads labelled corpora ([`corpus`]).
//!
//! ```
//! use embed_tl::text::Tokenizer;
//! use embed_tl::vectors::{Scale, Vectors};
//!
//! // The shipped default: GloVe 6B 50d, the 50,000 most frequent words.
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let tokens = Tokenizer { lowercase: true }.tokenize("The Queen spoke.");
//! let (matrix, found) = vectors.embedding_batch(&tokens, Scale::Unit);
//! assert_eq!(matrix.shape(), &[4, 50]);
//! assert_eq!(found, [true, true, true, true]);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! The command-line tool `embed-tl` is built on the same pieces; see the
//! README for its commands.

#![warn(missing_docs)]

pub mod corpus;
mod error;
pub mod text;
pub mod vectors;

pub use error::{Error, Location, Result};
pub use vectors::Vectors;
