//! The native module `embed_tl._embed_tl`: Python bindings of the
//! `embed_tl` crate (PyO3, stable ABI 3.9+).
//!
//! Every call that reads a file, pools texts or fits a model releases the
//! GIL (`Python::detach`, PyO3's former `allow_threads`) and runs on the
//! crate's rayon threads. Library errors become Python exceptions with the
//! library's message (see [`to_py`]); nothing panics across the boundary on
//! bad input.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use embed_tl::features::{Featurizer, FeaturizerParams};
use embed_tl::model::{ClassWeight, LogisticParams};
use embed_tl::pipeline::{FeatureSet, FineTune, Fingerprint, Pipeline, PipelineParams, SelectBy};
use embed_tl::pool::PoolParams;
use embed_tl::score::Scorer;
use embed_tl::vectors::{Encoding, Format, OpenOptions, Scale};

use embed_tl::Error;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyError, PyOSError, PyPermissionError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rayon::prelude::*;

mod text;
use text::PyText;

pyo3::create_exception!(
    embed_tl,
    MalformedFileError,
    PyValueError,
    "A vector or model file is malformed: the message names the file, the place (line or byte) and what was expected. A subclass of ValueError."
);

/// A library error as the Python exception that fits: `OSError` (or its
/// `FileNotFoundError`, `PermissionError`, `IsADirectoryError` subclasses)
/// for the operating system's errors, [`MalformedFileError`] (a
/// `ValueError`) for malformed files, `KeyError` for a word without a
/// vector, `ValueError` for the rest; the
/// message is the library's (the one the CLI prints).
fn to_py(err: Error) -> PyErr {
    let message = err.to_string();
    match &err {
        Error::Io { err: io, .. } => match io.kind() {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        Error::Malformed { .. } | Error::MissingColumn { .. } => {
            MalformedFileError::new_err(message)
        }
        Error::UnknownWord { .. } => PyKeyError::new_err(message),
        _ => PyValueError::new_err(message),
    }
}

fn parse<T: std::str::FromStr<Err = Error>>(s: &str) -> PyResult<T> {
    s.parse().map_err(to_py)
}

/// `fit`'s `finetune`: None ("auto"), a bool (True is "on") or "auto",
/// "on" or "off".
fn finetune_of(value: Option<&Bound<'_, PyAny>>) -> PyResult<FineTune> {
    let Some(value) = value else {
        return Ok(FineTune::Auto);
    };
    if let Ok(on) = value.extract::<bool>() {
        return Ok(if on { FineTune::On } else { FineTune::Off });
    }
    match value.extract::<String>() {
        Ok(s) => parse(&s),
        Err(_) => Err(PyTypeError::new_err(format!(
            "finetune must be \"auto\", \"on\", \"off\", True or False, not {}",
            value.get_type().name()?
        ))),
    }
}

/// A frozen, read-only set of pretrained word vectors (GloVe, word2vec,
/// fastText, finalfusion), opened with `Vectors.open(path)`.
///
/// A finalfusion (`.fifu`) file is memory-mapped, so opening it takes
/// milliseconds and processes share it. Immutable and thread-safe: copying
/// returns the same object; pickling stores the path and reopens it.
#[pyclass(module = "embed_tl", name = "Vectors", frozen)]
struct PyVectors {
    inner: embed_tl::Vectors,
    path: PathBuf,
    format_arg: Option<String>,
    encoding_arg: Option<String>,
    lossy: bool,
    /// The words' rows at the scale the file does not store, computed on
    /// the first request (`vectors` or `unit_vectors`) and kept.
    other_scale: std::sync::OnceLock<Vec<f32>>,
}

impl PyVectors {
    /// The words' rows at `scale` as a read-only array whose base is
    /// `slf`: a view of the stored rows, or of the other scale's rows
    /// computed once ([`embed_tl::Vectors::row_into`], so each row is bit
    /// for bit `v[word]` or `v.get(word, unit=True)`).
    fn matrix<'py>(slf: &Bound<'py, Self>, scale: Scale) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let this = slf.get();
        let v = &this.inner;
        let values: &[f32] = if v.stored_scale() == scale {
            v.stored_rows()
        } else {
            match this.other_scale.get() {
                Some(values) => values,
                None => {
                    let computed = slf.py().detach(|| other_scale(v, scale));
                    // Another thread may have set it meanwhile: the same values.
                    let _ = this.other_scale.set(computed);
                    this.other_scale.get().map_or(&[][..], Vec::as_slice)
                }
            }
        };
        let view = ndarray::ArrayView2::from_shape((v.len(), v.dims()), values)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        // Safety: `values` belong to this frozen object (its vectors, a
        // memory map or memory they own, or `other_scale`, set once and
        // never changed), which the array keeps alive as its base.
        let array = unsafe { PyArray2::borrow_from_array(&view, slf.clone().into_any()) };
        read_only(array)
    }

    fn unknown(&self, word: &str) -> PyErr {
        PyKeyError::new_err(format!(
            "'{word}' has no vector ({} words{})",
            self.inner.len(),
            if self.inner.has_subwords() {
                ", and no known n-grams"
            } else {
                ", no subwords"
            }
        ))
    }
}

#[pymethods]
impl PyVectors {
    /// Open a vector file of any format the CLI reads, sniffed from its
    /// content; gzip, bzip2 and Zstandard files are decompressed.
    /// `format` overrides the sniffing (the CLI's `--vectors-format`:
    /// "fifu", "fasttext", "word2vec-bin", "word2vec-text", "glove");
    /// `encoding` is the words' encoding (the CLI's `--vectors-encoding`:
    /// "utf-8", the default, or "cp852", "cp1252", "latin-1" for old
    /// fastText, word2vec and GloVe files; finalfusion files are UTF-8).
    /// `lossy=True` replaces invalid bytes in words.
    #[staticmethod]
    #[pyo3(signature = (path, format=None, lossy=false, encoding=None))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        format: Option<&str>,
        lossy: bool,
        encoding: Option<&str>,
    ) -> PyResult<Self> {
        let options = OpenOptions {
            format: format.map(parse::<Format>).transpose()?,
            lossy,
            encoding: encoding
                .map(parse::<Encoding>)
                .transpose()?
                .unwrap_or_default(),
        };
        let inner = py
            .detach(|| embed_tl::Vectors::open_with(&path, &options))
            .map_err(to_py)?;
        Ok(PyVectors {
            inner,
            path,
            format_arg: format.map(str::to_string),
            encoding_arg: encoding.map(str::to_string),
            lossy,
            other_scale: std::sync::OnceLock::new(),
        })
    }

    /// The number of words.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Dimensions of each vector.
    #[getter]
    fn dims(&self) -> usize {
        self.inner.dims()
    }

    /// The file's format, as sniffed (e.g. "finalfusion", "glove").
    #[getter]
    fn format(&self) -> &'static str {
        self.inner.format().name()
    }

    /// The path the vectors were opened from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// True when unknown words get vectors from their character n-grams
    /// (fastText, finalfusion subword files).
    #[getter]
    fn has_subwords(&self) -> bool {
        self.inner.has_subwords()
    }

    /// The words, in file order (for GloVe and word2vec, by frequency).
    fn words(&self) -> Vec<String> {
        self.inner.words().map(str::to_string).collect()
    }

    /// The row of `word` in `vectors` (its position in `words()`). Raises
    /// `KeyError` for a word that is not in the vocabulary (words that
    /// only have subword vectors have no row).
    fn index(&self, word: &str) -> PyResult<usize> {
        self.inner.index(word).ok_or_else(|| {
            PyKeyError::new_err(format!(
                "'{word}' is not one of the {} words",
                self.inner.len()
            ))
        })
    }

    /// The scale of the matrix the file stores: "unit" (finalfusion files
    /// with norms, fastText models: L2-normalised rows and their norms)
    /// or "original" (the file's values: text and word2vec files, and the
    /// `.fifu` that `embed-tl vectors convert` writes from them).
    #[getter]
    fn stored_scale(&self) -> &'static str {
        match self.inner.stored_scale() {
            Scale::Unit => "unit",
            Scale::Original => "original",
        }
    }

    /// True when the matrix is read in place from a memory map of the
    /// file (an uncompressed `.fifu` with a plain f32 matrix).
    #[getter]
    fn is_memory_mapped(&self) -> bool {
        self.inner.is_memory_mapped()
    }

    /// The words' vectors as a read-only float32 array of shape
    /// (len, dims), row `i` for `words()[i]`, at the file's scale
    /// (`vectors[v.index(w)]` equals `v[w]`; gensim's `kv.vectors`).
    ///
    /// When the file stores this scale (`stored_scale == "original"`) the
    /// array is a view of the vectors' own storage, not a copy: of the
    /// memory-mapped file for an uncompressed `.fifu` (no RAM beyond the
    /// pages read, shared between processes), of the matrix in memory for
    /// the other formats. Otherwise the rows are computed once (stored
    /// unit row times its norm) and kept with the object. Either way the
    /// array's `base` is this `Vectors`, which it keeps alive.
    #[getter]
    fn vectors<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        Self::matrix(slf, Scale::Original)
    }

    /// The words' unit-length (L2-normalised) vectors as a read-only
    /// float32 array of shape (len, dims) (`v.get(w, unit=True)` for row
    /// `v.index(w)`; gensim's `kv.get_normed_vectors()`): a view of the
    /// stored matrix when the file stores unit rows
    /// (`stored_scale == "unit"`), else computed once and kept. A word
    /// whose vector is all zeros has a zero row.
    #[getter]
    fn unit_vectors<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        Self::matrix(slf, Scale::Unit)
    }

    /// The original (L2) norms of the words' vectors: a read-only float32
    /// array of shape (len,), a view of the vectors' own storage.
    #[getter]
    fn norms<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let norms = ndarray::ArrayView1::from(slf.get().inner.norms());
        // Safety: the norms belong to `inner`, which this frozen object
        // never changes nor drops while the array (its base) holds it.
        let array = unsafe { PyArray1::borrow_from_array(&norms, slf.clone().into_any()) };
        read_only(array)
    }

    /// The vector of `word` as a float32 array, at the file's scale.
    /// Unknown words of vectors with subwords get the average of their
    /// n-gram vectors, as fastText computes them. Raises `KeyError` for a
    /// word without a vector.
    fn __getitem__<'py>(&self, py: Python<'py>, word: &str) -> PyResult<Bound<'py, PyArray1<f32>>> {
        self.get(py, word, false)?.ok_or_else(|| self.unknown(word))
    }

    /// The vector of `word`, or None when it has none. `unit=True` gives
    /// it L2-normalised.
    #[pyo3(signature = (word, unit=false))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        word: &str,
        unit: bool,
    ) -> PyResult<Option<Bound<'py, PyArray1<f32>>>> {
        let scale = if unit { Scale::Unit } else { Scale::Original };
        Ok(self
            .inner
            .embedding(word, scale)
            .map(|v| PyArray1::from_vec(py, v)))
    }

    /// True when `word` has a vector (`v[word]` succeeds): a known word,
    /// or with subwords any word with a known n-gram.
    fn __contains__(&self, word: &str) -> bool {
        self.inner.index(word).is_some()
            || (self.inner.has_subwords() && self.inner.embedding(word, Scale::Unit).is_some())
    }

    /// The `k` words nearest to `word` by cosine similarity, the word
    /// itself excluded: a list of (word, cosine), best first. Raises
    /// `KeyError` for a word without a vector.
    #[pyo3(signature = (word, k=10))]
    fn similar(&self, py: Python<'_>, word: &str, k: usize) -> PyResult<Vec<(String, f32)>> {
        if !self.__contains__(word) {
            return Err(self.unknown(word));
        }
        py.detach(|| self.inner.similar(word, k)).map_err(to_py)
    }

    /// "`a` is to `b` as `c` is to ?": the `k` words nearest to `b - a + c`
    /// (`analogy("man", "king", "woman")` gives "queen" first; the order of
    /// word2vec's `word-analogy` and of `questions-words.txt`), the three
    /// excluded: a list of (word, cosine). Raises `KeyError` naming the
    /// words without vectors.
    #[pyo3(signature = (a, b, c, k=10))]
    fn analogy(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        c: &str,
        k: usize,
    ) -> PyResult<Vec<(String, f32)>> {
        py.detach(|| self.inner.analogy(a, b, c, k)).map_err(to_py)
    }

    /// What identifies these vectors (shape and hashes of sampled rows),
    /// as JSON text: the fingerprint a saved model holds.
    fn fingerprint(&self) -> PyResult<String> {
        serde_json::to_string(&Fingerprint::of(&self.inner))
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Raise `ValueError` (saying what differs) unless these vectors have
    /// the fingerprint `expected` (JSON text from `fingerprint()`).
    fn check_fingerprint(&self, expected: &str) -> PyResult<()> {
        let expected: Fingerprint = serde_json::from_str(expected)
            .map_err(|e| PyValueError::new_err(format!("not a vector fingerprint: {e}")))?;
        expected.check(&Fingerprint::of(&self.inner)).map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Vectors({:?}, format={:?}, words={}, dims={}{})",
            self.path.display().to_string(),
            self.inner.format().name(),
            self.inner.len(),
            self.inner.dims(),
            if self.inner.has_subwords() {
                ", subwords"
            } else {
                ""
            }
        )
    }

    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __deepcopy__(slf: Py<Self>, _memo: Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    /// Pickled as its path and options (format, lossy, encoding):
    /// unpickling reopens the file.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let open = py.get_type::<PyVectors>().getattr("open")?;
        let args = (
            self.path.clone(),
            self.format_arg.clone(),
            self.lossy,
            self.encoding_arg.clone(),
        );
        (open, args).into_pyobject(py)
    }
}

/// The words' rows of `v` at `scale`, row by row as
/// [`embed_tl::Vectors::row_into`] gives them.
fn other_scale(v: &embed_tl::Vectors, scale: Scale) -> Vec<f32> {
    let dims = v.dims();
    let mut out = vec![0.0; v.len() * dims];
    if dims > 0 {
        out.par_chunks_mut(dims)
            .enumerate()
            .for_each(|(i, row)| v.row_into(i, scale, row));
    }
    out
}

/// `array` with numpy's WRITEABLE flag cleared: writing raises
/// `ValueError: assignment destination is read-only`.
fn read_only<'py, D: ndarray::Dimension>(
    array: Bound<'py, numpy::PyArray<f32, D>>,
) -> PyResult<Bound<'py, numpy::PyArray<f32, D>>> {
    let kwargs = PyDict::new(array.py());
    kwargs.set_item("write", false)?;
    array.call_method("setflags", (), Some(&kwargs))?;
    Ok(array)
}

/// Texts from a sequence of str (a list, a tuple, any iterable), each
/// borrowed as UTF-8 where Python holds it (no Rust string per text).
/// Raises `TypeError` for a lone str (a sequence of characters, not of
/// texts) and for an item that is not a str, naming its position.
fn texts_of(texts: &Bound<'_, PyAny>) -> PyResult<Vec<PyText>> {
    let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
    for_each_text(texts, |text| {
        out.push(PyText::new(text)?);
        Ok(())
    })?;
    Ok(out)
}

/// Check that `texts` is a sequence of str, as [`texts_of`] does, without
/// reading them (for a fit that learns nothing from the texts).
fn check_texts(texts: &Bound<'_, PyAny>) -> PyResult<()> {
    for_each_text(texts, |_| Ok(()))
}

/// `item`, text `i` of a sequence, as a str; `TypeError` naming its
/// position if it is not one.
fn text_at<'a, 'py>(i: usize, item: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    item.cast::<PyString>().map_err(|_| {
        let kind = item
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!("text {i} is a {kind}, not a str"))
    })
}

fn for_each_text(
    texts: &Bound<'_, PyAny>,
    mut f: impl FnMut(&Bound<'_, PyString>) -> PyResult<()>,
) -> PyResult<()> {
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "expected a sequence of texts, got one str (wrap it in a list)",
        ));
    }
    let mut each = |i: usize, item: &Bound<'_, PyAny>| f(text_at(i, item)?);
    if let Ok(list) = texts.cast::<PyList>() {
        for (i, item) in list.iter().enumerate() {
            each(i, &item)?;
        }
    } else {
        for (i, item) in texts.try_iter()?.enumerate() {
            each(i, &item?)?;
        }
    }
    Ok(())
}

/// Texts read from `list` per block of this many while the previous block
/// is being featurised.
const READ_BLOCK: usize = 16_384;

/// The texts of `list` featurised by `work` into `out` (`width` values a
/// text), reading the Python strs (which needs the GIL, so one thread)
/// while other threads featurise the block read before: the reading
/// overlaps the parallel work instead of preceding it. `work` runs
/// without the GIL; the blocks come back to be dropped with it.
fn read_while_working<W>(
    py: Python<'_>,
    list: &Bound<'_, PyList>,
    width: usize,
    out: &mut [f32],
    work: W,
) -> PyResult<()>
where
    W: Fn(&[PyText], &mut [f32]) -> embed_tl::Result<()> + Sync,
{
    use std::sync::mpsc::{channel, sync_channel};
    let (to_worker, blocks) = sync_channel::<Vec<PyText>>(2);
    let (give_back, done) = channel::<Vec<PyText>>();
    let work = &work;
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> embed_tl::Result<()> {
            let mut rest = out;
            for block in blocks {
                let n = block.len() * width;
                if n > rest.len() {
                    // The list grew while it was read: its length was
                    // taken for the output before.
                    return Err(Error::InvalidInput(
                        "the list of texts changed size while it was read".into(),
                    ));
                }
                let (rows, tail) = std::mem::take(&mut rest).split_at_mut(n);
                rest = tail;
                let result = work(&block, rows);
                // Dropping a str needs the GIL: the reading thread does it.
                let _ = give_back.send(block);
                result?;
            }
            if !rest.is_empty() {
                return Err(Error::InvalidInput(
                    "the list of texts changed size while it was read".into(),
                ));
            }
            Ok(())
        });
        let mut block = Vec::with_capacity(READ_BLOCK);
        let mut read = Ok(());
        for (i, item) in list.iter().enumerate() {
            match text_at(i, &item).and_then(|t| PyText::new(t)) {
                Ok(text) => block.push(text),
                Err(e) => {
                    read = Err(e);
                    break;
                }
            }
            if block.len() == READ_BLOCK {
                let full = std::mem::replace(&mut block, Vec::with_capacity(READ_BLOCK));
                if to_worker.send(full).is_err() {
                    break; // the worker stopped on an error: it says which
                }
            }
            // Drop the blocks already featurised as we go.
            done.try_iter().for_each(drop);
        }
        if read.is_ok() && !block.is_empty() {
            let _ = to_worker.send(block);
        }
        drop(to_worker);
        let worked = py.detach(|| worker.join());
        done.try_iter().for_each(drop);
        read?;
        match worked {
            Ok(result) => result.map_err(to_py),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// A fitted featurizer: tokenizer + word-vector lookup + pooling, texts
/// in, a float32 matrix out (one row per text).
#[pyclass(module = "embed_tl", name = "Featurizer", frozen)]
struct PyFeaturizer {
    inner: Featurizer,
}

#[pymethods]
impl PyFeaturizer {
    /// Fit on training texts: choose the tokenizer for the vectors, learn
    /// IDF weights (`pool="idf"`) or word frequencies and the principal
    /// component (`pool="sif"`); plain pools (mean, max, min, pmeans)
    /// learn nothing. `pool` takes the CLI's `--pool` values; `unit=True`
    /// pools unit-length word vectors, `normalize=True` L2-normalises each
    /// row.
    #[staticmethod]
    #[pyo3(signature = (texts, vectors, pool="pmeans", unit=false, normalize=false))]
    fn fit(
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        vectors: PyRef<'_, PyVectors>,
        pool: &str,
        unit: bool,
        normalize: bool,
    ) -> PyResult<Self> {
        let pool = parse::<PoolParams>(pool)?;
        let params = FeaturizerParams::default()
            .pool(pool.clone())
            .scale(if unit { Scale::Unit } else { Scale::Original })
            .normalize(normalize);
        // Plain pools learn nothing from the texts: checked, not read.
        let texts = if pool.learns() {
            texts_of(texts)?
        } else {
            check_texts(texts)?;
            Vec::new()
        };
        let v = &vectors.inner;
        let inner = py.detach(|| params.fit(v, &texts)).map_err(to_py)?;
        Ok(PyFeaturizer { inner })
    }

    /// Features of `texts`: a float32 array of shape (len(texts), width).
    fn transform<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        vectors: PyRef<'py, PyVectors>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let v = &vectors.inner;
        // Into a Rust allocation handed to numpy without a copy, not into
        // numpy's own: numpy asks the kernel for huge pages for large
        // arrays, and their compaction made the 600 MB pmeans output of
        // 1,000,000 texts take up to 1.7x longer on a busy machine.
        let x = match texts.cast::<PyList>() {
            Ok(list) => {
                let width = self.inner.width();
                let mut out = vec![0.0f32; list.len() * width];
                read_while_working(py, list, width, &mut out, |block, rows| {
                    self.inner.transform_into(v, block, rows)
                })?;
                ndarray::Array2::from_shape_vec((list.len(), width), out)
                    .expect("one row of width values per text")
            }
            Err(_) => {
                let texts = texts_of(texts)?;
                py.detach(|| self.inner.transform(v, &texts))
                    .map_err(to_py)?
            }
        };
        Ok(x.into_pyarray(py))
    }

    /// Features per text.
    #[getter]
    fn width(&self) -> usize {
        self.inner.width()
    }

    /// Dimensions of the vectors it pools.
    #[getter]
    fn dims(&self) -> usize {
        self.inner.dims()
    }

    /// The fitted featurizer as JSON bytes (for pickling).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let json =
            serde_json::to_vec(&self.inner).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &json))
    }

    /// A featurizer from `to_bytes()`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let inner = serde_json::from_slice(data)
            .map_err(|e| MalformedFileError::new_err(format!("not a saved featurizer: {e}")))?;
        Ok(PyFeaturizer { inner })
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from = py.get_type::<PyFeaturizer>().getattr("from_bytes")?;
        (from, (self.to_bytes(py)?,)).into_pyobject(py)
    }
}

/// A fitted classifier (features + logistic regression + class names + the
/// vectors' fingerprint), the object `embed-tl classify --save` writes.
/// Read one with `load_model(path)`, fit one with `fit(...)`.
#[pyclass(module = "embed_tl", name = "Model", frozen)]
struct PyModel {
    inner: Pipeline,
}

impl PyModel {
    fn vectors_of<'a>(vectors: &'a Option<PyRef<'_, PyVectors>>) -> Option<&'a embed_tl::Vectors> {
        vectors.as_ref().map(|v| &v.inner)
    }
}

#[pymethods]
impl PyModel {
    /// The class names, in the order of `predict_proba`'s columns.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.inner.classes().to_vec()
    }

    /// "vectors", "ngrams" or "both".
    #[getter]
    fn features(&self) -> String {
        self.inner.features().to_string()
    }

    /// How the inner cross-validation chose the L2 strength `c` and the
    /// vector channel's weight `beta`: a dict with both.
    #[getter]
    fn selection<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("c", self.inner.selection().c)?;
        d.set_item("beta", self.inner.selection().beta)?;
        Ok(d)
    }

    /// The fingerprint of the training vectors as JSON text, or None for
    /// an n-gram model.
    fn fingerprint(&self) -> PyResult<Option<String>> {
        self.inner
            .fingerprint()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Raise `ValueError` (saying what differs) unless `vectors` are the
    /// ones the model was trained with (None is fine for n-gram models).
    #[pyo3(signature = (vectors=None))]
    fn check_vectors(&self, vectors: Option<PyRef<'_, PyVectors>>) -> PyResult<()> {
        self.inner
            .check_vectors(Self::vectors_of(&vectors))
            .map_err(to_py)
    }

    /// Class probabilities: a float32 array (len(texts), len(classes)).
    /// `vectors` must be the training ones (checked; not needed by n-gram
    /// models).
    #[pyo3(signature = (texts, vectors=None))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        vectors: Option<PyRef<'py, PyVectors>>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let texts = texts_of(texts)?;
        let v = Self::vectors_of(&vectors);
        let p = py
            .detach(|| self.inner.predict_proba(v, &texts))
            .map_err(to_py)?;
        Ok(p.into_pyarray(py))
    }

    /// The most probable class name of each text.
    #[pyo3(signature = (texts, vectors=None))]
    fn predict(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        vectors: Option<PyRef<'_, PyVectors>>,
    ) -> PyResult<Vec<String>> {
        let indices = self.predict_indices(py, texts, vectors)?;
        let classes = self.inner.classes();
        Ok(indices.into_iter().map(|i| classes[i].clone()).collect())
    }

    /// The index (into `classes`) of each text's most probable class.
    #[pyo3(signature = (texts, vectors=None))]
    fn predict_indices(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        vectors: Option<PyRef<'_, PyVectors>>,
    ) -> PyResult<Vec<usize>> {
        let texts = texts_of(texts)?;
        let v = Self::vectors_of(&vectors);
        py.detach(|| self.inner.predict(v, &texts)).map_err(to_py)
    }

    /// For each text, whether it has nothing the model knows (no word with
    /// a vector, no n-gram of its training texts), so got the answer for an
    /// empty text: a bool array of len(texts). Many True values mean texts
    /// the model cannot read (another language, vectors that miss their
    /// domain); `embed-tl predict` warns how many.
    #[pyo3(signature = (texts, vectors=None))]
    fn blank_mask<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        vectors: Option<PyRef<'py, PyVectors>>,
    ) -> PyResult<Bound<'py, PyArray1<bool>>> {
        let texts = texts_of(texts)?;
        let v = Self::vectors_of(&vectors);
        let mask = py
            .detach(|| Scorer::new(&self.inner, v)?.blank_mask(&texts))
            .map_err(to_py)?;
        Ok(mask.into_pyarray(py))
    }

    /// Write the model to `path` (the file `embed-tl predict --model`
    /// reads): to a temporary file beside it, renamed when complete.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| save_atomically(&self.inner, &path))
            .map_err(|e| to_py(e.with_path(&path)))
    }

    /// The model file's bytes (JSON), as `save` writes them.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = Vec::new();
        self.inner.save(&mut out).map_err(to_py)?;
        Ok(PyBytes::new(py, &out))
    }

    /// A model from the bytes of a model file (checked as `load_model`
    /// checks a file).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| Pipeline::load(data)).map_err(to_py)?;
        Ok(PyModel { inner })
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from = py.get_type::<PyModel>().getattr("from_bytes")?;
        (from, (self.to_bytes(py)?,)).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(features={:?}, classes={:?})",
            self.inner.features().to_string(),
            self.inner.classes()
        )
    }
}

fn save_atomically(model: &Pipeline, path: &Path) -> embed_tl::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    model.save(std::io::BufWriter::new(tmp.as_file_mut()))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| Error::io(e.error))?;
    Ok(())
}

/// Read a model saved by `embed-tl classify --save` (or `Model.save`).
#[pyfunction]
fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<PyModel> {
    let inner = py
        .detach(|| {
            let file = File::open(&path).map_err(Error::io)?;
            Pipeline::load(BufReader::new(file))
        })
        .map_err(|e| to_py(e.with_path(&path)))?;
    Ok(PyModel { inner })
}

/// Fit a classifier as `embed-tl classify` does, with its defaults: the
/// same texts, labels, settings and seed give the same model, byte for
/// byte, as `classify --save`.
///
/// `labels` are class names, one per text; `classes` (default: the sorted
/// distinct labels, as the CLI takes them) fixes their order. `features`:
/// "vectors", "ngrams" or "both"; `pool`: the CLI's `--pool`; `cs` and
/// `betas`: the candidate L2 strengths and vector-channel weights
/// (defaults 0.01..100 and 0.03..1); `inner_folds`, `seed`, `max_iter`,
/// `class_weight` ("none" or "balanced") and `select_by` ("auto",
/// "accuracy", "log-loss" or "macro-f1") and `finetune` ("auto", the
/// default: a tuned layer blended in on fewer than 2,000 texts holding
/// fewer than 50,000 tokens; "on" or True; "off" or False) as the CLI's
/// flags. `vectors` may be None only with
/// `features="ngrams"`.
#[pyfunction]
#[pyo3(signature = (texts, labels, vectors=None, *, classes=None, features="both",
    pool="pmeans", unit=false, cs=None, betas=None, inner_folds=3, seed=42, max_iter=300,
    class_weight="none", select_by="auto", finetune=None))]
#[allow(clippy::too_many_arguments)]
fn fit(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    vectors: Option<PyRef<'_, PyVectors>>,
    classes: Option<Vec<String>>,
    features: &str,
    pool: &str,
    unit: bool,
    cs: Option<Vec<f64>>,
    betas: Option<Vec<f32>>,
    inner_folds: usize,
    seed: u64,
    max_iter: u64,
    class_weight: &str,
    select_by: &str,
    finetune: Option<Bound<'_, PyAny>>,
) -> PyResult<PyModel> {
    let finetune = finetune_of(finetune.as_ref())?;
    let texts = texts_of(texts)?;
    let labels: Vec<String> = texts_of(labels)?.iter().map(|l| l.to_string()).collect();
    if texts.len() != labels.len() {
        return Err(PyValueError::new_err(format!(
            "{} texts but {} labels",
            texts.len(),
            labels.len()
        )));
    }
    let classes = match classes {
        Some(c) => c,
        None => {
            let mut c = labels.clone();
            c.sort_unstable();
            c.dedup();
            c
        }
    };
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    if index.len() != classes.len() {
        return Err(PyValueError::new_err("class names must be unique"));
    }
    let ids = labels
        .iter()
        .enumerate()
        .map(|(row, l)| {
            index.get(l.as_str()).copied().ok_or_else(|| {
                PyValueError::new_err(format!(
                    "label {row} '{l}' is not one of the classes: {}",
                    classes.join(", ")
                ))
            })
        })
        .collect::<PyResult<Vec<usize>>>()?;
    let defaults = PipelineParams::default();
    let mut params = defaults
        .features(parse::<FeatureSet>(features)?)
        .featurizer(
            FeaturizerParams::default()
                .pool(parse::<PoolParams>(pool)?)
                .scale(if unit { Scale::Unit } else { Scale::Original }),
        )
        .inner_folds(inner_folds)
        .seed(seed)
        .select_by(parse::<SelectBy>(select_by)?)
        .finetune(finetune)
        .logistic(
            LogisticParams::default()
                .max_iterations(max_iter)
                .class_weight(parse::<ClassWeight>(class_weight)?),
        );
    if let Some(cs) = cs {
        params = params.cs(cs);
    }
    if let Some(betas) = betas {
        params = params.betas(betas);
    }
    let v = PyModel::vectors_of(&vectors);
    let inner = py
        .detach(|| params.fit(v, &texts, &ids, &classes))
        .map_err(to_py)?;
    Ok(PyModel { inner })
}

/// The folds of `embed-tl classify`'s cross-validation (and of its inner
/// selection): the library's `stratified_folds`. `labels` are class
/// indices, one per row, in the CLI's class order (the sorted distinct
/// label names); returns the held-out rows of each of the `k` folds,
/// sorted. The same labels, `k` and `seed` give the CLI's folds.
#[pyfunction]
#[pyo3(signature = (labels, k, seed=42))]
fn stratified_folds(labels: Vec<usize>, k: usize, seed: u64) -> PyResult<Vec<Vec<usize>>> {
    embed_tl::eval::stratified_folds(&labels, k, seed).map_err(to_py)
}

/// embed-tl: transfer learning with frozen pretrained word vectors.
#[pymodule]
fn _embed_tl(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyVectors>()?;
    m.add_class::<PyFeaturizer>()?;
    m.add_class::<PyModel>()?;
    m.add_function(wrap_pyfunction!(load_model, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(stratified_folds, m)?)?;
    m.add(
        "MalformedFileError",
        m.py().get_type::<MalformedFileError>(),
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
