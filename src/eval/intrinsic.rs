//! Vectors on their own: word-analogy accuracy and word-pair similarity
//! correlation, computed as gensim's `KeyedVectors.evaluate_word_analogies`
//! and `evaluate_word_pairs` compute them (their defaults: the 300,000
//! most frequent words, case-insensitive, questions and pairs with an
//! unknown word skipped and counted).
//!
//! ```
//! use embed_tl::eval::{AnalogySet, IntrinsicParams, PairSet};
//! use embed_tl::Vectors;
//!
//! let vectors = Vectors::open("embeddings/glove.6B.50d.top50k.fifu")?;
//! let questions = ": mixed\nman king woman queen\nathens greece baghdad iraq\nman king woman xqzzy\n";
//! let set = AnalogySet::read(questions.as_bytes())?;
//! let params = IntrinsicParams::default();
//! let report = params.analogies(&vectors, &set);
//! assert_eq!(report.total.correct, 2);
//! assert_eq!(report.total.answered, 2);
//! assert_eq!(report.skipped, 1); // xqzzy is not among the vectors' words
//!
//! let pairs = "# word 1\tword 2\tscore\nking\tqueen\t8.6\nking\tcabbage\t0.2\ncar\tautomobile\t9.5\n";
//! let pairs = PairSet::read(pairs.as_bytes(), '\t')?;
//! let scores = params.pairs(&vectors, &pairs)?;
//! assert_eq!(scores.used, 3);
//! // GloVe 50d puts car/automobile (cosine 0.70) below king/queen (0.78),
//! // against the human order: one swap in three ranks.
//! assert!((scores.spearman - 0.5).abs() < 1e-12);
//! # Ok::<(), embed_tl::Error>(())
//! ```
//!
//! **Analogies** (`questions-words.txt`): lines `a b c d` meaning "a is
//! to b as c is to d", grouped in sections by `: name` lines. A question
//! is answered by 3CosAdd: the word whose unit vector has the largest
//! cosine with `b - a + c` (unit vectors), among the first
//! [`IntrinsicParams::restrict_vocab`] words, `a`, `b` and `c` excluded.
//! As gensim does, the answer is the first of the 5 best words that is
//! none of the three (ignoring case), and a question with a word outside
//! the first `restrict_vocab` words is skipped (it counts in
//! [`AnalogyReport::skipped`], not in the accuracy).
//!
//! **Word pairs** (`wordsim353.tsv`, `simlex999.txt`): lines
//! `word1<TAB>word2<TAB>score`, `#` lines are comments. The model's score
//! of a pair is the cosine of the two words; the report gives Pearson's
//! and Spearman's correlation with the human scores (Spearman with
//! average ranks for ties, as scipy) and the share of pairs skipped for
//! an unknown word.
//!
//! Case-insensitive lookups follow gensim: every word of the first
//! `restrict_vocab` is uppercased, and an uppercased form that several
//! words share means the first (most frequent) of them.
//!
//! Unlike gensim, which logs and skips a line it cannot parse, the readers
//! refuse it with its line number and what was expected: a test file that
//! is not what it seems gives no figure at all rather than a wrong one.
//! Blank lines are skipped (gensim skips them as unparseable).

use std::collections::HashMap;
use std::io::BufRead;

use ndarray::{s, Array2, ArrayView2};
use rayon::prelude::*;

use crate::error::{Error, Location, Result};
use crate::vectors::{Scale, Vectors};

/// gensim's default `restrict_vocab`.
pub const DEFAULT_RESTRICT_VOCAB: usize = 300_000;

/// How many of the best words gensim looks through for an answer that is
/// not one of the question's words.
const ANSWER_CANDIDATES: usize = 5;

/// An analogy test file: sections of `a b c d` questions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalogySet {
    /// The sections, in file order.
    pub sections: Vec<AnalogySection>,
}

/// One `: name` section of an analogy file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalogySection {
    /// The name after `: `.
    pub name: String,
    /// The questions `[a, b, c, d]`: a is to b as c is to d.
    pub questions: Vec<[String; 4]>,
}

impl AnalogySet {
    /// Read an analogy file (`questions-words.txt` layout). Fails with the
    /// line number on a question line without exactly 4 words, a question
    /// before the first `: section` line, a section without a name, and
    /// on a file without questions.
    pub fn read<R: BufRead>(reader: R) -> Result<AnalogySet> {
        let mut sections: Vec<AnalogySection> = Vec::new();
        for (n, line) in reader.lines().enumerate() {
            let line_no = n as u64 + 1;
            let line = line.map_err(|e| read_error(e, line_no))?;
            if let Some(rest) = line.strip_prefix(": ") {
                // gensim: line.lstrip(': ').strip()
                let name = rest.trim_start_matches([':', ' ']).trim();
                if name.is_empty() {
                    return Err(Error::malformed(
                        Location::Line(line_no),
                        "a section line ': NAME' without a name",
                    ));
                }
                sections.push(AnalogySection {
                    name: name.to_string(),
                    questions: Vec::new(),
                });
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let [a, b, c, d] = words[..] else {
                return Err(Error::malformed(
                    Location::Line(line_no),
                    format!(
                        "expected a question of 4 words 'a b c d' (a is to b as c is to d) or a section line ': NAME', found {} word{}",
                        words.len(),
                        if words.len() == 1 { "" } else { "s" }
                    ),
                ));
            };
            let Some(section) = sections.last_mut() else {
                return Err(Error::malformed(
                    Location::Line(line_no),
                    "a question before the first section line ': NAME'",
                ));
            };
            section.questions.push([a, b, c, d].map(|w| w.to_string()));
        }
        if sections.iter().all(|s| s.questions.is_empty()) {
            return Err(Error::malformed(
                Location::None,
                "no analogy questions (expected ': NAME' section lines followed by 'a b c d' lines)",
            ));
        }
        Ok(AnalogySet { sections })
    }

    /// Read the analogy file at `path` (errors name it).
    pub fn open(path: &std::path::Path) -> Result<AnalogySet> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(e).with_path(path))?;
        AnalogySet::read(std::io::BufReader::new(file)).map_err(|e| e.with_path(path))
    }

    /// Number of questions in all sections.
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.questions.len()).sum()
    }

    /// True when there are no questions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A word-pair similarity file: pairs with a human score.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairSet {
    /// `(word1, word2, score)`, in file order.
    pub pairs: Vec<(String, String, f64)>,
    /// The 1-based line of each pair.
    pub lines: Vec<u64>,
}

impl PairSet {
    /// Read a word-pair file: `word1 DELIM word2 DELIM score` lines (gensim's
    /// default delimiter is a TAB), lines starting with `#` are comments.
    /// As in gensim, words are taken as they stand between delimiters and
    /// the score may have spaces around it. Fails with the line number on a
    /// line that does not have exactly 3 fields or whose score is not a
    /// finite number, and on a file without pairs.
    pub fn read<R: BufRead>(reader: R, delimiter: char) -> Result<PairSet> {
        let mut set = PairSet::default();
        let shown = match delimiter {
            '\t' => "TAB".to_string(),
            ' ' => "space".to_string(),
            c => format!("'{c}'"),
        };
        for (n, line) in reader.lines().enumerate() {
            let line_no = n as u64 + 1;
            let line = line.map_err(|e| read_error(e, line_no))?;
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(delimiter).collect();
            let [a, b, score] = fields[..] else {
                return Err(Error::malformed(
                    Location::Line(line_no),
                    format!(
                        "expected 3 fields separated by {shown} (word, word, score), found {}",
                        fields.len()
                    ),
                ));
            };
            let score: f64 = match score.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    return Err(Error::malformed(
                        Location::Line(line_no),
                        format!(
                            "expected a number as the third field (the score), found '{}'",
                            score.escape_debug()
                        ),
                    ))
                }
            };
            set.pairs.push((a.to_string(), b.to_string(), score));
            set.lines.push(line_no);
        }
        if set.pairs.is_empty() {
            return Err(Error::malformed(
                Location::None,
                format!("no word pairs (expected 'word1 {shown} word2 {shown} score' lines)"),
            ));
        }
        Ok(set)
    }

    /// Read the pair file at `path` (errors name it).
    pub fn open(path: &std::path::Path, delimiter: char) -> Result<PairSet> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(e).with_path(path))?;
        PairSet::read(std::io::BufReader::new(file), delimiter).map_err(|e| e.with_path(path))
    }
}

fn read_error(e: std::io::Error, line: u64) -> Error {
    if e.kind() == std::io::ErrorKind::InvalidData {
        Error::malformed(Location::Line(line), "invalid UTF-8")
    } else {
        Error::io(e)
    }
}

/// Settings of the intrinsic evaluation (gensim's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IntrinsicParams {
    /// Only the first this many words of the vectors are looked up and
    /// searched (the most frequent, in frequency-ordered files). Default
    /// 300,000.
    pub restrict_vocab: usize,
    /// Compare words ignoring case (gensim uppercases both sides).
    /// Default true.
    pub case_insensitive: bool,
}

impl Default for IntrinsicParams {
    fn default() -> Self {
        IntrinsicParams {
            restrict_vocab: DEFAULT_RESTRICT_VOCAB,
            case_insensitive: true,
        }
    }
}

/// Accuracy on one section (or all of them).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SectionScore {
    /// The section's name (`Total accuracy` for the total, as gensim).
    pub name: String,
    /// Questions answered correctly.
    pub correct: usize,
    /// Questions answered (all of whose words are known).
    pub answered: usize,
    /// Questions skipped for a word outside the searched vocabulary.
    pub skipped: usize,
    /// `correct / answered`; `None` when nothing was answered.
    pub accuracy: Option<f64>,
}

impl SectionScore {
    fn new(name: &str) -> SectionScore {
        SectionScore {
            name: name.to_string(),
            correct: 0,
            answered: 0,
            skipped: 0,
            accuracy: None,
        }
    }

    fn finish(&mut self) {
        self.accuracy = (self.answered > 0).then(|| self.correct as f64 / self.answered as f64);
    }
}

/// The outcome of an analogy evaluation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AnalogyReport {
    /// Each section, in file order.
    pub sections: Vec<SectionScore>,
    /// All sections together (gensim's "Total accuracy" row).
    pub total: SectionScore,
    /// Questions in the file.
    pub questions: usize,
    /// Questions skipped for an unknown word.
    pub skipped: usize,
    /// `skipped / questions` (gensim logs it as "Quadruplets with
    /// out-of-vocabulary words").
    pub oov_ratio: f64,
    /// The settings used.
    pub params: IntrinsicParams,
}

/// The outcome of a word-pair evaluation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PairReport {
    /// Pairs in the file.
    pub pairs: usize,
    /// Pairs scored (both words known).
    pub used: usize,
    /// Pairs skipped for an unknown word.
    pub skipped: usize,
    /// `skipped / pairs`, gensim's "Pairs with unknown words ratio".
    pub oov_ratio: f64,
    /// Pearson's correlation of the cosines with the human scores (NaN
    /// when either side is constant).
    pub pearson: f64,
    /// Spearman's rank correlation (average ranks for ties).
    pub spearman: f64,
    /// The settings used.
    pub params: IntrinsicParams,
}

/// The searched vocabulary: unit rows of the first `restrict_vocab`
/// words and the (uppercased) lookup gensim builds.
struct Searched<'a> {
    vectors: &'a Vectors,
    unit: Array2<f32>,
    lookup: HashMap<String, usize>,
    case_insensitive: bool,
}

impl<'a> Searched<'a> {
    fn new(vectors: &'a Vectors, params: &IntrinsicParams) -> Searched<'a> {
        let n = params.restrict_vocab.min(vectors.len());
        let dims = vectors.dims();
        let mut unit = Array2::<f32>::zeros((n, dims));
        for (i, mut row) in unit.rows_mut().into_iter().enumerate() {
            let row = row.as_slice_mut().expect("fresh arrays are contiguous");
            vectors.row_into(i, Scale::Unit, row);
        }
        // gensim: {k.upper(): index for k in reversed(first words)}, so the
        // first word of each uppercased form wins.
        let mut lookup = HashMap::with_capacity(n);
        for i in (0..n).rev() {
            lookup.insert(fold(vectors.word(i), params.case_insensitive), i);
        }
        Searched {
            vectors,
            unit,
            lookup,
            case_insensitive: params.case_insensitive,
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.lookup.get(key).copied()
    }

    fn key(&self, word: &str) -> String {
        fold(word, self.case_insensitive)
    }
}

fn fold(word: &str, case_insensitive: bool) -> String {
    if case_insensitive {
        word.to_uppercase()
    } else {
        word.to_string()
    }
}

impl IntrinsicParams {
    /// Fail on settings that cannot work.
    pub fn check(&self) -> Result<()> {
        if self.restrict_vocab == 0 {
            return Err(Error::InvalidParameter(
                "restrict_vocab must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Answer every question of `set` with `vectors` (in parallel) and
    /// score the answers by section.
    pub fn analogies(&self, vectors: &Vectors, set: &AnalogySet) -> AnalogyReport {
        let searched = Searched::new(vectors, self);
        let dims = vectors.dims();
        // Questions whose four words are known, with their section.
        let mut known: Vec<(usize, [usize; 3], [String; 4])> = Vec::new();
        let mut sections: Vec<SectionScore> = set
            .sections
            .iter()
            .map(|s| SectionScore::new(&s.name))
            .collect();
        for (si, section) in set.sections.iter().enumerate() {
            for q in &section.questions {
                let keys = [0, 1, 2, 3].map(|i| searched.key(&q[i]));
                match keys
                    .iter()
                    .map(|k| searched.index(k))
                    .collect::<Option<Vec<usize>>>()
                {
                    Some(idx) => known.push((si, [idx[0], idx[1], idx[2]], keys)),
                    None => sections[si].skipped += 1,
                }
            }
        }
        let mut queries = Array2::<f32>::zeros((known.len(), dims));
        for ((_, [a, b, c], _), mut row) in known.iter().zip(queries.rows_mut()) {
            let (ua, ub, uc) = (
                searched.unit.row(*a),
                searched.unit.row(*b),
                searched.unit.row(*c),
            );
            for j in 0..dims {
                row[j] = ub[j] + uc[j] - ua[j];
            }
        }
        let excluded: Vec<[usize; 3]> = known.iter().map(|(_, abc, _)| *abc).collect();
        let best = nearest(
            searched.unit.view(),
            queries.view(),
            &excluded,
            ANSWER_CANDIDATES,
        );
        for ((si, _, keys), candidates) in known.iter().zip(&best) {
            // gensim: the first candidate that is none of a, b, c (by the
            // folded form); else the last candidate looked at.
            let mut predicted: Option<String> = None;
            for &i in candidates {
                let word = searched.key(searched.vectors.word(i));
                let input = keys[..3].contains(&word);
                predicted = Some(word);
                if !input {
                    break;
                }
            }
            let section = &mut sections[*si];
            section.answered += 1;
            if predicted.as_deref() == Some(keys[3].as_str()) {
                section.correct += 1;
            }
        }
        let mut total = SectionScore::new("Total accuracy");
        for s in &mut sections {
            s.finish();
            total.correct += s.correct;
            total.answered += s.answered;
            total.skipped += s.skipped;
        }
        total.finish();
        let questions = set.len();
        AnalogyReport {
            skipped: total.skipped,
            oov_ratio: if questions > 0 {
                total.skipped as f64 / questions as f64
            } else {
                0.0
            },
            questions,
            sections,
            total,
            params: *self,
        }
    }

    /// Correlate the cosines of the pairs of `set` with their human scores.
    /// Fails when no pair has both words among the searched words.
    pub fn pairs(&self, vectors: &Vectors, set: &PairSet) -> Result<PairReport> {
        let searched = Searched::new(vectors, self);
        let mut gold = Vec::new();
        let mut model = Vec::new();
        let mut skipped = 0;
        for (a, b, score) in &set.pairs {
            match (
                searched.index(&searched.key(a)),
                searched.index(&searched.key(b)),
            ) {
                (Some(i), Some(j)) => {
                    let dot: f32 = searched
                        .unit
                        .row(i)
                        .iter()
                        .zip(searched.unit.row(j).iter())
                        .map(|(x, y)| x * y)
                        .sum();
                    gold.push(*score);
                    model.push(f64::from(dot));
                }
                _ => skipped += 1,
            }
        }
        if gold.is_empty() {
            return Err(Error::InvalidInput(format!(
                "none of the {} pairs has both words among the first {} words of the vectors",
                set.pairs.len(),
                self.restrict_vocab.min(vectors.len())
            )));
        }
        Ok(PairReport {
            pairs: set.pairs.len(),
            used: gold.len(),
            skipped,
            oov_ratio: skipped as f64 / set.pairs.len() as f64,
            pearson: pearson(&gold, &model),
            spearman: pearson(&ranks(&gold), &ranks(&model)),
            params: *self,
        })
    }
}

/// For each query row, the `k` rows of `unit` with the largest dot
/// product, the query's `excluded` rows left out, best first (ties: the
/// lower row first). Blocks of queries against blocks of rows as matrix
/// products, in parallel over the query blocks.
fn nearest(
    unit: ArrayView2<f32>,
    queries: ArrayView2<f32>,
    excluded: &[[usize; 3]],
    k: usize,
) -> Vec<Vec<usize>> {
    const QUERY_BLOCK: usize = 64;
    const ROW_BLOCK: usize = 4096;
    let n = unit.nrows();
    let q = queries.nrows();
    let starts: Vec<usize> = (0..q).step_by(QUERY_BLOCK).collect();
    starts
        .par_iter()
        .flat_map_iter(|&start| {
            let end = (start + QUERY_BLOCK).min(q);
            let block = queries.slice(s![start..end, ..]);
            let mut best: Vec<Vec<(f32, usize)>> = vec![Vec::with_capacity(k + 1); end - start];
            for row_start in (0..n).step_by(ROW_BLOCK) {
                let row_end = (row_start + ROW_BLOCK).min(n);
                let scores = block.dot(&unit.slice(s![row_start..row_end, ..]).t());
                for (qi, scores) in scores.rows().into_iter().enumerate() {
                    let top = &mut best[qi];
                    let skip = &excluded[start + qi];
                    for (offset, &score) in scores.iter().enumerate() {
                        let row = row_start + offset;
                        if top.len() == k && top[k - 1].0 >= score {
                            continue;
                        }
                        if skip.contains(&row) || score.is_nan() {
                            continue;
                        }
                        let at = top.partition_point(|&(s, _)| s >= score);
                        top.insert(at, (score, row));
                        top.truncate(k);
                    }
                }
            }
            best.into_iter()
                .map(|top| top.into_iter().map(|(_, row)| row).collect::<Vec<_>>())
        })
        .collect()
}

/// Pearson's correlation (NaN when either side is constant).
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// 1-based ranks, ties sharing their average rank (scipy's `rankdata`).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            ranks[o] = rank;
        }
        i = j + 1;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (values, ranks) as scipy.stats.rankdata gives them.
    #[test]
    fn ranks_average_ties_like_scipy() {
        let rows: [(&[f64], &[f64]); 3] = [
            (&[3.0, 1.0, 2.0], &[3.0, 1.0, 2.0]),
            (&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.5, 2.5, 4.0]),
            (&[5.0, 5.0, 5.0], &[2.0, 2.0, 2.0]),
        ];
        for (values, expected) in rows {
            assert_eq!(ranks(values), expected, "{values:?}");
        }
    }

    /// scipy.stats.pearsonr([1, 2, 3, 4], [1, 3, 2, 4]) = 0.8;
    /// spearmanr([1, 2, 2, 3], [1, 2, 3, 4]) = 0.9486832980505138.
    #[test]
    fn correlations_match_scipy() {
        assert!((pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]) - 0.8).abs() < 1e-12);
        let rho = pearson(&ranks(&[1.0, 2.0, 2.0, 3.0]), &ranks(&[1.0, 2.0, 3.0, 4.0]));
        assert!((rho - 0.948_683_298_050_513_8).abs() < 1e-12, "{rho}");
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    }

    /// Each row: (file, line, expected message part).
    #[test]
    fn malformed_analogy_files_name_the_line() {
        let rows = [
            (
                "a b c d\n",
                "line 1: a question before the first section",
                "",
            ),
            (
                ": s\na b c d\na b c\n",
                "line 3: expected a question of 4 words",
                "found 3 words",
            ),
            (
                ": s\na b c d e\n",
                "line 2: expected a question of 4 words",
                "found 5 words",
            ),
            (": \n", "line 1: a section line ': NAME' without a name", ""),
            (": s\n\n", "no analogy questions", ""),
        ];
        for (text, expected, also) in rows {
            let err = AnalogySet::read(text.as_bytes()).unwrap_err().to_string();
            assert!(
                err.contains(expected) && err.contains(also),
                "{text:?}: {err}"
            );
        }
        let set = AnalogySet::read(": one\na b c d\n\n: two\ne f g h\r\n".as_bytes()).unwrap();
        assert_eq!(set.sections.len(), 2);
        assert_eq!(set.sections[1].questions[0][3], "h");
    }

    #[test]
    fn malformed_pair_files_name_the_line() {
        let rows = [
            (
                "a\tb\t1\na b 2\n",
                "line 2: expected 3 fields separated by TAB",
                "found 1",
            ),
            (
                "# c\na\tb\tx\n",
                "line 2: expected a number as the third field",
                "found 'x'",
            ),
            ("a\tb\tnan\n", "line 1: expected a number", "'nan'"),
            ("# only\n\n", "no word pairs", "word1 TAB word2 TAB score"),
        ];
        for (text, expected, also) in rows {
            let err = PairSet::read(text.as_bytes(), '\t')
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected) && err.contains(also),
                "{text:?}: {err}"
            );
        }
        let set = PairSet::read("#x\r\na\tb\t 2.5 \r\nc\td\t1\n".as_bytes(), '\t').unwrap();
        assert_eq!(set.pairs[0], ("a".into(), "b".into(), 2.5));
        assert_eq!(set.lines, vec![2, 3]);
        let set = PairSet::read("a,b,1\n".as_bytes(), ',').unwrap();
        assert_eq!(set.pairs.len(), 1);
    }
}
