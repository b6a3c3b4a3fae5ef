//! Texts as linfa records, so that a whole pipeline fits and predicts
//! through linfa's traits like any linfa algorithm.

use std::fmt;

use linfa::dataset::{AsSingleTargets, DatasetBase, Label, Records};
use linfa::traits::{Fit, PredictInplace};
use ndarray::Array1;

use super::linfa_pipeline::{LinfaPipeline, ValidLinfaPipelineParams};
use super::{Pipeline, ValidPipelineParams};
use crate::error::{Error, Result};
use crate::vectors::Vectors;

/// Texts and the word vectors they are read with: the records of a linfa
/// dataset whose targets are labels (one text a sample, one "feature": the
/// text). A fitted pipeline must predict with the vectors it was trained
/// with; other vectors make the prediction an error, not a panic.
///
/// ```
/// use embed_tl::pipeline::{FeatureSet, Pipeline, PipelineParams, Texts};
/// use embed_tl::Vectors;
/// use linfa::prelude::*;
///
/// let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
/// let train = Texts::new(&vectors, ["great phone", "love it", "works great",
///     "awful", "broke fast", "waste of money"])
///     .with_labels(["pos", "pos", "pos", "neg", "neg", "neg"]);
/// let params = PipelineParams::default().features(FeatureSet::Vectors).inner_folds(3);
/// // linfa's Fit, the parameters checked by its ParamGuard first.
/// let model: Pipeline = Fit::fit(&params, &train)?;
/// assert_eq!(model.classes(), ["neg", "pos"]); // sorted, as linfa sorts labels
/// let test = Texts::new(&vectors, ["I love this great phone"]).with_labels([""]);
/// let predicted: embed_tl::Result<ndarray::Array1<String>> = Predict::predict(&model, &test);
/// assert_eq!(predicted?[0], "pos");
/// # Ok::<(), embed_tl::Error>(())
/// ```
#[derive(Clone)]
pub struct Texts<'v> {
    texts: Vec<String>,
    vectors: Option<&'v Vectors>,
}

impl fmt::Debug for Texts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field("texts", &self.texts.len())
            .field("vectors", &self.vectors.map(Vectors::dims))
            .finish()
    }
}

impl<'v> Texts<'v> {
    /// Texts read with `vectors`.
    pub fn new<S: Into<String>>(vectors: &'v Vectors, texts: impl IntoIterator<Item = S>) -> Self {
        Texts {
            texts: texts.into_iter().map(Into::into).collect(),
            vectors: Some(vectors),
        }
    }

    /// Texts without word vectors (for [`super::FeatureSet::Ngrams`]).
    pub fn without_vectors<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Texts<'static> {
        Texts {
            texts: texts.into_iter().map(Into::into).collect(),
            vectors: None,
        }
    }

    /// A linfa dataset of these texts and their labels (one each).
    pub fn with_labels<L>(
        self,
        labels: impl IntoIterator<Item = L>,
    ) -> DatasetBase<Self, Array1<L>> {
        DatasetBase::new(self, labels.into_iter().collect())
    }

    /// The texts.
    pub fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The word vectors, if any.
    pub fn vectors(&self) -> Option<&'v Vectors> {
        self.vectors
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// True when there are no texts.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

impl Records for Texts<'_> {
    type Elem = String;

    fn nsamples(&self) -> usize {
        self.texts.len()
    }

    /// One: the text.
    fn nfeatures(&self) -> usize {
        1
    }
}

/// Class indices and names from linfa targets: the distinct labels sorted
/// (by the labels' order, as linfa's classifiers sort them).
fn index_labels<L, T>(dataset: &DatasetBase<Texts<'_>, T>) -> Result<(Vec<usize>, Vec<String>)>
where
    L: Label + fmt::Display,
    T: AsSingleTargets<Elem = L>,
{
    let targets = dataset.as_single_targets();
    if targets.len() != dataset.records.len() {
        return Err(Error::InvalidInput(format!(
            "{} texts but {} labels",
            dataset.records.len(),
            targets.len()
        )));
    }
    let mut distinct: Vec<L> = targets.iter().cloned().collect();
    distinct.sort();
    distinct.dedup();
    let labels = targets
        .iter()
        .map(|l| distinct.binary_search(l).unwrap_or_default())
        .collect();
    Ok((labels, distinct.iter().map(ToString::to_string).collect()))
}

impl<'v, L, T> Fit<Texts<'v>, T, Error> for ValidPipelineParams
where
    L: Label + fmt::Display,
    T: AsSingleTargets<Elem = L>,
{
    type Object = Pipeline;

    /// [`super::PipelineParams::fit`] on texts and labels; the classes are
    /// the distinct labels, sorted.
    fn fit(&self, dataset: &DatasetBase<Texts<'v>, T>) -> Result<Pipeline> {
        let (labels, classes) = index_labels(dataset)?;
        let texts = &dataset.records;
        self.fit_indexed(texts.vectors, &texts.texts, &labels, &classes)
    }
}

impl<'v, L, T> Fit<Texts<'v>, T, Error> for ValidLinfaPipelineParams
where
    L: Label + fmt::Display,
    T: AsSingleTargets<Elem = L>,
{
    type Object = LinfaPipeline;

    /// [`super::LinfaPipelineParams::fit`] on texts and labels; the classes
    /// are the distinct labels, sorted.
    fn fit(&self, dataset: &DatasetBase<Texts<'v>, T>) -> Result<LinfaPipeline> {
        let (labels, classes) = index_labels(dataset)?;
        let texts = &dataset.records;
        let vectors = texts.vectors.ok_or_else(|| {
            Error::InvalidParameter(
                "a linfa classifier needs texts with word vectors (Texts::new)".into(),
            )
        })?;
        self.fit_indexed(vectors, &texts.texts, &labels, &classes)
    }
}

/// Class indices and class names, predicted through linfa's traits.
macro_rules! predict_texts {
    ($model:ty, $predict:expr) => {
        impl<'v> PredictInplace<Texts<'v>, Result<Array1<usize>>> for $model {
            /// The class index of each text (into `classes()`), or why the
            /// texts cannot be read (other vectors than the training ones).
            fn predict_inplace(&self, x: &Texts<'v>, y: &mut Result<Array1<usize>>) {
                *y = $predict(self, x).map(Array1::from);
            }

            fn default_target(&self, x: &Texts<'v>) -> Result<Array1<usize>> {
                Ok(Array1::zeros(x.len()))
            }
        }

        impl<'v> PredictInplace<Texts<'v>, Result<Array1<String>>> for $model {
            /// The class name of each text, or why the texts cannot be read.
            fn predict_inplace(&self, x: &Texts<'v>, y: &mut Result<Array1<String>>) {
                *y = $predict(self, x).map(|p: Vec<usize>| {
                    p.into_iter().map(|c| self.classes()[c].clone()).collect()
                });
            }

            fn default_target(&self, x: &Texts<'v>) -> Result<Array1<String>> {
                Ok(Array1::default(x.len()))
            }
        }
    };
}

predict_texts!(Pipeline, |m: &Pipeline, x: &Texts<'_>| m
    .predict(x.vectors, &x.texts));
predict_texts!(LinfaPipeline, |m: &LinfaPipeline, x: &Texts<'_>| {
    match x.vectors {
        Some(v) => m.predict(v, &x.texts),
        None => Err(Error::VectorsMismatch {
            expected_dims: m.featurizer().dims(),
            found_dims: None,
            message: "this model needs the word vectors it was trained with".into(),
        }),
    }
});
