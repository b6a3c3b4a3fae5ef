//! A linfa classifier on the vector channel: texts -> pooled vectors ->
//! standardised -> one of linfa's classifiers ([`Classifier`]).

use linfa::traits::{Fit, Predict};
use linfa::ParamGuard;
use ndarray::Array1;

use super::{Fingerprint, Standardizer};
use crate::error::{Error, Result};
use crate::features::{Featurizer, FeaturizerParams};
use crate::model::{Classifier, FittedLinfa, LinfaParams};
use crate::vectors::Vectors;

/// Settings of a [`LinfaPipeline`] (a consuming builder, checked by
/// [`ParamGuard`]): how texts become pooled vectors and which linfa
/// classifier learns from them. Unlike [`super::PipelineParams`] nothing is
/// chosen by inner cross-validation: the classifier's settings are used as
/// given.
///
/// ```
/// use embed_tl::model::Classifier;
/// use embed_tl::pipeline::LinfaPipelineParams;
/// use embed_tl::Vectors;
///
/// let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
/// let texts = ["great phone", "love it", "works great", "awful", "broke fast", "waste of money"];
/// let classes = ["neg".to_string(), "pos".to_string()];
/// let model = LinfaPipelineParams::new(Classifier::GaussianNb)
///     .fit(&vectors, &texts, &[1, 1, 1, 0, 0, 0], &classes)?;
/// assert_eq!(model.predict(&vectors, &["I love this great phone"])?, [1]);
/// # Ok::<(), embed_tl::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LinfaPipelineParams(ValidLinfaPipelineParams);

/// [`LinfaPipelineParams`] that passed [`ParamGuard::check`].
#[derive(Clone, Debug)]
pub struct ValidLinfaPipelineParams {
    featurizer: FeaturizerParams,
    classifier: LinfaParams,
}

impl LinfaPipelineParams {
    /// `classifier` (a linfa one) with its defaults ([`LinfaParams::new`])
    /// on [`FeaturizerParams::default`] features.
    pub fn new(classifier: Classifier) -> Self {
        LinfaPipelineParams(ValidLinfaPipelineParams {
            featurizer: FeaturizerParams::default(),
            classifier: LinfaParams::new(classifier),
        })
    }

    /// How texts become pooled vectors. Default: [`FeaturizerParams::default`].
    pub fn featurizer(mut self, p: FeaturizerParams) -> Self {
        self.0.featurizer = p;
        self
    }

    /// The classifier's settings. Default: `LinfaParams::new(classifier)`.
    pub fn classifier(mut self, p: LinfaParams) -> Self {
        self.0.classifier = p;
        self
    }

    /// Fit on labelled texts (`labels[i]` indexes `classes`).
    pub fn fit<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
    ) -> Result<LinfaPipeline> {
        self.check_ref()?
            .fit_indexed(vectors, texts, labels, classes)
    }
}

impl ParamGuard for LinfaPipelineParams {
    type Checked = ValidLinfaPipelineParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLinfaPipelineParams> {
        self.0.classifier.check_ref()?;
        Ok(&self.0)
    }

    fn check(self) -> Result<ValidLinfaPipelineParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl ValidLinfaPipelineParams {
    /// The classifier.
    pub fn classifier(&self) -> Classifier {
        self.classifier.classifier()
    }

    /// The classifier's `C` (see [`LinfaParams::c`]).
    pub fn c(&self) -> f64 {
        self.classifier.get_c()
    }

    /// [`LinfaPipelineParams::fit`] on checked settings.
    pub(crate) fn fit_indexed<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
        labels: &[usize],
        classes: &[String],
    ) -> Result<LinfaPipeline> {
        crate::corpus::check_labels(texts.len(), labels, classes)?;
        let featurizer = self.featurizer.fit(vectors, texts)?;
        let mut pooled = featurizer.transform(vectors, texts)?;
        let scaler = Standardizer::fit(&pooled);
        scaler.apply(&mut pooled, 1.0);
        if let Some(((row, col), value)) = pooled.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::InvalidInput(format!(
                "training text {}: vector feature {} is {value}: the word vectors hold values too large for this pooling (or not numbers)",
                row + 1,
                col + 1
            )));
        }
        let data = linfa::Dataset::new(pooled, Array1::from(labels.to_vec()))
            .with_feature_names(featurizer.feature_names());
        let model = self.classifier.fit(&data)?;
        Ok(LinfaPipeline {
            classes: classes.to_vec(),
            featurizer,
            scaler,
            model,
            vectors: Fingerprint::of(vectors),
        })
    }
}

/// A fitted [`LinfaPipelineParams`]: the featurizer, the standardisation of
/// its columns, the linfa model and the class names. It predicts (also
/// through linfa's `Predict` on [`super::Texts`]) but is not saved: model
/// files hold [`super::Pipeline`]s.
#[derive(Clone, Debug)]
pub struct LinfaPipeline {
    classes: Vec<String>,
    featurizer: Featurizer,
    scaler: Standardizer,
    model: FittedLinfa,
    vectors: Fingerprint,
}

impl LinfaPipeline {
    /// The label names, in class order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The classifier.
    pub fn classifier(&self) -> Classifier {
        self.model.classifier()
    }

    /// The fitted featurizer.
    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// The fitted linfa model (on standardised features).
    pub fn model(&self) -> &FittedLinfa {
        &self.model
    }

    /// The most probable class of each text. Fails on other vectors than
    /// the training ones.
    pub fn predict<T: AsRef<str> + Sync>(
        &self,
        vectors: &Vectors,
        texts: &[T],
    ) -> Result<Vec<usize>> {
        self.vectors.check(&Fingerprint::of(vectors))?;
        let mut x = self.featurizer.transform(vectors, texts)?;
        self.scaler.apply(&mut x, 1.0);
        let predicted: Array1<usize> = self.model.predict(&x);
        Ok(predicted.to_vec())
    }
}
