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
//! 6. [`model`]: logistic regression on dense + sparse features, and
//!    linfa's classifiers on dense ones.
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
//! ## The linfa route
//!
//! The features come out as a linfa `Dataset` (named features, class-index
//! targets), for any linfa algorithm; and whole pipelines fit on a dataset
//! of [`pipeline::Texts`] and labels through linfa's `Fit` (their parameters
//! checked by linfa's `ParamGuard`) and predict through its `Predict`:
//! embed-tl's own ([`pipeline::PipelineParams`]) or one of linfa's
//! classifiers on the pooled vectors ([`pipeline::LinfaPipelineParams`]).
//!
//! ```
//! use embed_tl::features::FeaturizerParams;
//! use embed_tl::model::Classifier;
//! use embed_tl::pipeline::{FeatureSet, LinfaPipelineParams, PipelineParams, Texts};
//! use embed_tl::Vectors;
//! use linfa::prelude::*;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let texts = ["great phone", "love it", "works great", "awful", "broke fast", "waste of money"];
//! let labels = ["pos", "pos", "pos", "neg", "neg", "neg"];
//!
//! // 1. Pooled features as a linfa Dataset, for any linfa algorithm.
//! let featurizer = FeaturizerParams::default().fit(&vectors, &texts)?;
//! let classes = vec!["neg".to_string(), "pos".to_string()];
//! let data = featurizer.labelled(&vectors, &texts, &[1, 1, 1, 0, 0, 0], &classes)?;
//! let nb = linfa_bayes::GaussianNb::params().fit(&data.dataset).expect("two classes");
//! let predicted: ndarray::Array1<usize> = nb.predict(&data.dataset);
//! assert_eq!(classes[predicted[0]], "pos");
//!
//! // 2. Whole pipelines, texts in, fitted and applied through linfa's traits.
//! let train = Texts::new(&vectors, texts).with_labels(labels);
//! let ours = Fit::fit(&PipelineParams::default().features(FeatureSet::Vectors), &train)?;
//! let svm = Fit::fit(&LinfaPipelineParams::new(Classifier::Svm), &train)?;
//! let test = Texts::new(&vectors, ["I love this great phone"]).with_labels(["pos"]);
//! let by_ours: embed_tl::Result<ndarray::Array1<String>> = Predict::predict(&ours, &test);
//! let by_svm: embed_tl::Result<ndarray::Array1<String>> = Predict::predict(&svm, &test);
//! assert_eq!((by_ours?[0].as_str(), by_svm?[0].as_str()), ("pos", "pos"));
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! The command-line tool `embed-tl` is built on the same pieces; see the
//! README for its commands (`classify --classifier` trains linfa's
//! classifiers too).

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
