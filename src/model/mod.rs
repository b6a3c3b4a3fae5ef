//! Classifiers on top of the frozen features.
//!
//! Hyperparameters ([`LogisticParams`], a checked consuming builder) are
//! separate from the fitted model ([`FittedLogistic`]), which alone
//! predicts and serialises, as in linfa. [`LinfaParams`] fits linfa's own
//! classifiers ([`Classifier`]) on dense features through linfa's traits.
//! [`FineTuneParams`] is the trainable layer: it fine-tunes the word
//! vectors of the training texts under a softmax (fastText's recipe).
//!
//! ```
//! use embed_tl::model::{Design, LogisticParams};
//!
//! let x = ndarray::array![[1.0f32, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -1.0]];
//! let y = [1, 1, 0, 0];
//! let model = LogisticParams::default().c(10.0).fit(&Design::dense(&x), &y, 2, None)?;
//! assert_eq!(model.predict(&Design::dense(&x))?, y);
//! # Ok::<(), embed_tl::Error>(())
//! ```

mod classifier;
mod design;
mod finetune;
mod logistic;
mod tron;

pub use classifier::{Classifier, FittedLinfa, LinfaParams, OneVsRest, ValidLinfaParams};
pub use design::{Csr, Design};
pub use finetune::{FineTuneParams, FineTuned};
pub use logistic::{argmax, ClassWeight, FittedLogistic, LogisticParams, MAX_C, MAX_WEIGHT};
