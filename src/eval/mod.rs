//! Honest evaluation: stratified shuffled k-fold splits, metrics computed
//! by us and tested against hand-computed tables, cross-validation of
//! whole pipelines (every fitted piece refitted inside each fold), and the
//! transfer report's parts: the paired comparison of transfer against
//! learning from scratch ([`TransferParams`], [`PairedTest`]), learning
//! curves ([`CurveParams`]) with paired comparisons at each size
//! ([`DrawTest`]), and the verdicts and recommendation they lead to
//! ([`Assessment`]).
//!
//! ```
//! use embed_tl::eval::{stratified_folds, Metrics};
//!
//! let labels = [0, 0, 0, 1, 1, 1];
//! let folds = stratified_folds(&labels, 3, 42)?;
//! assert!(folds.iter().all(|f| f.len() == 2));
//! let m = Metrics::new(&[0, 1, 1], &[0, 1, 0], 2);
//! assert!((m.accuracy - 2.0 / 3.0).abs() < 1e-12);
//! # Ok::<(), embed_tl::Error>(())
//! ```

mod assess;
mod chart;
mod choose;
mod curve;
mod cv;
mod draws;
mod folds;
mod intrinsic;
mod metrics;
mod paired;
mod transfer;

pub use assess::{
    describe_regions, model_name, recommend, regions, thousands, Advice, Assessment, Evidence,
    Finding, Recommendation, Region, SizeVerdict,
};
pub use choose::{ChannelComparison, CompareParams, Standing, VectorsComparison, COMPARED};
pub use curve::{
    holdout_split, Crossing, CurveParams, CurvePoint, CurveSize, LearningCurve, SkippedSize,
    DEFAULT_SIZES,
};
pub use cv::{cross_validate, cross_validate_linfa, CvReport};
pub use draws::DrawTest;
pub use folds::{stratified_folds, stratified_folds_keeping, training_rows};
pub use intrinsic::{
    AnalogyReport, AnalogySection, AnalogySet, IntrinsicParams, PairReport, PairSet, SectionScore,
    DEFAULT_RESTRICT_VOCAB,
};
pub use metrics::{wilson_interval, ClassMetrics, Metrics, Z_95};
pub use paired::{student_t_cdf, student_t_quantile, PairedTest, Verdict, VerdictRule};
pub use transfer::{model_letter, model_role, Comparison, ModelCv, TransferParams, MODELS};
