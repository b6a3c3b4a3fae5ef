"""Scoring Arrow record batches with a saved model, for Spark's ``mapInArrow``.

A Spark executor runs Python workers that live for many tasks
(``spark.python.worker.reuse``, on by default). The model and the vectors
are loaded once per worker process and kept here, in a module-level cache:
a function defined in the driver's script would be pickled with a fresh
copy of its globals for every task, so the cache has to live in an
importable module. A ``.fifu`` file is memory-mapped, so the workers of a
machine share one copy of the matrix in the page cache::

    from pyspark import SparkFiles
    from embed_tl.spark import output_schema, score_batches

    spark.sparkContext.addFile("reviews.etl")
    spark.sparkContext.addFile("glove.6B.50d.top50k.fifu")
    schema = output_schema(embed_tl.load_model("reviews.etl").classes, df.schema["id"])
    scored = df.select("id", "text").mapInArrow(
        lambda batches: score_batches(
            batches, SparkFiles.get("reviews.etl"), SparkFiles.get("glove.6B.50d.top50k.fifu")
        ),
        schema,
    )

``examples/spark_score.py`` is the whole recipe, and ``docs/scale-out.md``
how to run it on a cluster.
"""

import os
import threading

import numpy as np

from . import Vectors, load_model

_LOCK = threading.Lock()
_LOADED = {}


def loaded(model_path, vectors_path=None):
    """(model, vectors) for these paths, read once per process.

    The vectors are checked against the model's fingerprint once, when
    they are first loaded; ``vectors_path`` may be None for an n-gram model.
    """
    key = (os.fspath(model_path), None if vectors_path is None else os.fspath(vectors_path))
    with _LOCK:
        if key not in _LOADED:
            model = load_model(key[0])
            vectors = None if key[1] is None else Vectors.open(key[1])
            model.check_vectors(vectors)
            _LOADED[key] = (model, vectors)
        return _LOADED[key]


def output_schema(classes, id_field, label="label", proba_prefix="p_"):
    """The Spark schema of :func:`score_batches`' output: the id field (a
    ``StructField`` of the input, kept as it is), the label, and one float
    column of probability per class."""
    from pyspark.sql.types import FloatType, StringType, StructField, StructType

    fields = [id_field, StructField(label, StringType(), False)]
    fields += [StructField(f"{proba_prefix}{c}", FloatType(), False) for c in classes]
    return StructType(fields)


def score_batches(
    batches,
    model_path,
    vectors_path=None,
    text_column="text",
    id_column="id",
    label="label",
    proba_prefix="p_",
):
    """Score an iterator of ``pyarrow.RecordBatch`` (``mapInArrow``'s input)
    and yield one batch per input batch: the id column unchanged, the most
    probable label, and every class probability (float32, as
    ``Model.predict_proba`` gives them).

    A null or non-string text is an error naming the id of its row.
    """
    import pyarrow as pa

    model, vectors = loaded(model_path, vectors_path)
    classes = model.classes
    names = np.array(classes, dtype=object)
    for batch in batches:
        if batch.num_rows == 0:
            continue
        texts = batch.column(batch.schema.get_field_index(text_column))
        ids = batch.column(batch.schema.get_field_index(id_column))
        if texts.null_count:
            row = texts.is_null().to_pylist().index(True)
            raise ValueError(
                f"column '{text_column}': null text in the row with {id_column} {ids[row].as_py()!r}"
            )
        if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
            raise TypeError(f"column '{text_column}' is {texts.type}, expected strings")
        proba = model.predict_proba(texts.to_pylist(), vectors)
        best = proba.argmax(axis=1)
        columns = [ids, pa.array(names[best], type=pa.string())]
        columns += [pa.array(proba[:, j], type=pa.float32()) for j in range(len(classes))]
        yield pa.RecordBatch.from_arrays(
            columns, names=[id_column, label] + [f"{proba_prefix}{c}" for c in classes]
        )
