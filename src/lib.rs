//! # embed-tl: transfer learning with frozen pretrained word vectors
//!
//! People with a few hundred or a few thousand labelled texts reuse what
//! pretrained Word2Vec, GloVe or fastText vectors learned elsewhere, kept
//! **frozen** as a feature layer. The data flows one way:
//!
//! 1. [`vectors`]: open a vector file of any common format, fast and safely.
//! 2. [`text`]: tokenise texts the way the vectors were trained.
//! 3. [`pool`]: combine a text's word vectors into one document vector.
//! 4. [`features`]: the fitted tokenizer + pooler, texts in, matrix out.
//! 5. [`ngrams`]: the from-scratch channel, word and bigram TF-IDF.
//! 6. [`model`]: logistic regression on dense + sparse features.
//! 7. [`pipeline`]: features + classifier as one fitted, saveable object.
//! 8. [`eval`]: stratified folds, metrics, cross-validation.
//! 9. [`score`]: stream any number of rows through a fitted pipeline.
//!
//! [`corpus`] reads texts and labels from CSV, TSV or JSONL.
//!
//! ```
//! use embed_tl::features::FeaturizerParams;
//! use embed_tl::pool::PoolParams;
//! use embed_tl::Vectors;
//!
//! // The shipped default: GloVe 6B 50d, the 50,000 most frequent words.
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let train = ["Great phone, great battery.", "It broke after a week.", "Don't buy it!"];
//! let featurizer = FeaturizerParams::default()
//!     .pool("pmeans".parse::<PoolParams>()?) // min, mean and max, concatenated
//!     .fit(&vectors, &train)?;
//! let x = featurizer.transform(&vectors, &train)?; // ndarray::Array2<f32>, ready for linfa
//! assert_eq!(x.shape(), &[3, 150]);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! The command-line tool `embed-tl` is built on the same pieces; see the
//! README for its commands.

#![warn(missing_docs)]

pub mod corpus;
mod error;
pub mod eval;
pub mod features;
pub mod model;
pub mod ngrams;
pub mod pipeline;
pub mod pool;
pub mod score;
pub mod text;
pub mod vectors;

pub use error::{Error, Location, Result};
pub use vectors::Vectors;
