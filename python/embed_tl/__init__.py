"""embed-tl: transfer learning with frozen pretrained word vectors.

The Rust core of the ``embed-tl`` command-line tool, from Python::

    import embed_tl

    v = embed_tl.Vectors.open("embeddings/glove.6B.50d.top50k.fifu")
    v["king"]                         # numpy float32 array of v.dims values
    v.vectors                         # (len(v), v.dims) float32, read-only: the mapped file, no copy
    v.similar("king", 5)              # [(word, cosine), ...]
    model = embed_tl.fit(["great phone", "it broke"], ["pos", "neg"], v, inner_folds=2)
    model.predict(["what a great phone"], v)
    model.save("model.etl")           # scored by `embed-tl predict --model model.etl`

scikit-learn estimators are in :mod:`embed_tl.sklearn`.
"""

from ._embed_tl import (
    Featurizer,
    MalformedFileError,
    Model,
    Vectors,
    __version__,
    fit,
    load_model,
    stratified_folds,
)

__all__ = [
    "Featurizer",
    "MalformedFileError",
    "Model",
    "Vectors",
    "__version__",
    "fit",
    "load_model",
    "stratified_folds",
]
