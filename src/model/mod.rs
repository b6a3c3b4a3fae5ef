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

use crate::error::{Error, Result};

/// The checks every fit makes on its labels: at least 2 classes, one
/// label per one of `rows` (at least one), each in `0..classes`.
/// `what` names the rows in the message ("rows", "texts").
fn check_labels(labels: &[usize], rows: usize, what: &str, classes: usize) -> Result<()> {
    if classes < 2 {
        return Err(Error::TooFewClasses {
            found: classes,
            needed: 2,
            message: format!("need at least 2 classes, got {classes}"),
        });
    }
    if labels.len() != rows || labels.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} labels for {rows} {what}",
            labels.len()
        )));
    }
    if let Some(&bad) = labels.iter().find(|&&c| c >= classes) {
        return Err(Error::InvalidInput(format!(
            "label {bad} out of range 0..{classes}"
        )));
    }
    Ok(())
}
