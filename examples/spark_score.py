#!/usr/bin/env python3
"""Score a table of texts on Spark with a model saved by `embed-tl classify --save`.

    python examples/spark_score.py --model reviews.etl \
        --vectors embeddings/glove.6B.50d.top50k.fifu \
        --input texts.parquet --output scored.parquet [--mode pipe|arrow] [--workers N]

The model file and the vectors are shipped to the executors with
`SparkContext.addFile` (what `spark-submit --files` does) and each
partition is scored where it lives:

- `--mode pipe` (default): `RDD.pipe()` through the `embed-tl` binary, one
  `embed-tl predict` process per partition reading JSON lines (id and text)
  on stdin and writing JSON lines (id, label, probabilities) on stdout. Needs
  the binary (`--binary`, shipped too) and nothing else on the executors.
- `--mode arrow`: `DataFrame.mapInArrow` with the Python package
  (`pip install ./python` on every executor): Arrow batches go to
  `embed_tl.spark.score_batches`, which loads the model and the memory-mapped
  vectors once per Python worker process.

The input is read by Spark from its extension: `.parquet`, `.csv` (with a
header), `.json`/`.jsonl` (JSON lines), a directory of these, or any URL
Spark reads (`hdfs://`, `s3a://`). It needs an id column (`--id-column`,
default `id`; its values come back unchanged, each exactly once) and a text
column (`--text-column`, default `text`). The output is a Spark output
directory: Parquet, or CSV / JSON lines when its name ends in `.csv` /
`.jsonl`, with the id, `label` and one `p_<class>` column per class
(float: exact in arrow mode, 6 decimals in pipe mode, as `embed-tl
predict --proba` writes them).

Run as a plain script it starts Spark in local mode with `--workers` cores
(`local[N]`); under `spark-submit` the master and resources come from
spark-submit. An input with fewer partitions than the cores Spark has
(`defaultParallelism`) is repartitioned over them, or over `--partitions`. docs/scale-out.md has the cluster recipe and
the measured throughput.
"""

import argparse
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python examples/spark_score.py --model reviews.etl "
        "--vectors embeddings/glove.6B.50d.top50k.fifu --input texts.parquet "
        "--output scored.parquet --mode arrow --workers 2",
    )
    p.add_argument("--model", required=True, help="model file written by `embed-tl classify --save`")
    p.add_argument("--vectors", help="the vectors the model was trained with (e.g. a .fifu)")
    p.add_argument("--input", required=True, help=".parquet, .csv, .json/.jsonl, or a directory of them")
    p.add_argument("--output", required=True, help="output directory (.parquet, .csv or .jsonl)")
    p.add_argument("--mode", choices=["pipe", "arrow"], default="pipe")
    p.add_argument("--workers", type=int, default=2, help="local[N] cores (plain script) [default 2]")
    p.add_argument("--partitions", type=int, help="repartition the input into N parts first")
    p.add_argument("--master", help="Spark master URL [default: spark-submit's, else local[WORKERS]]")
    p.add_argument("--id-column", default="id")
    p.add_argument("--text-column", default="text")
    p.add_argument(
        "--binary",
        help="pipe mode: the embed-tl binary to ship [default: EMBED_TL_BIN, target/release/embed-tl, PATH]",
    )
    p.add_argument("--threads", type=int, default=1, help="pipe mode: threads of each embed-tl process")
    p.add_argument(
        "--shipped",
        action="store_true",
        help="the files were shipped by `spark-submit --files`: --model, --vectors and --binary "
        "are their base names, resolved on each executor",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    return p.parse_args(argv)


def find_binary(given):
    if given:
        return Path(given).resolve()
    if os.environ.get("EMBED_TL_BIN"):
        return Path(os.environ["EMBED_TL_BIN"]).resolve()
    repo = Path(__file__).resolve().parents[1]
    target = Path(os.environ.get("CARGO_TARGET_DIR", repo / "target"))
    if (target / "release" / "embed-tl").exists():
        return (target / "release" / "embed-tl").resolve()
    found = shutil.which("embed-tl")
    if found:
        return Path(found).resolve()
    sys.exit("no embed-tl binary: give --binary, set EMBED_TL_BIN, or `cargo build --release`")


def model_classes(path):
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    if model.get("format") != "embed-tl-model":
        sys.exit(f"{path}: not an embed-tl model file")
    return model["classes"]


def read_table(spark, path):
    lower = path.rstrip("/").lower()
    if lower.endswith(".csv"):
        return spark.read.option("header", True).option("multiLine", True).option("escape", '"').csv(path)
    if lower.endswith((".json", ".jsonl", ".ndjson")):
        return spark.read.json(path)
    return spark.read.parquet(path)


def write_table(df, path, overwrite):
    writer = df.write.mode("overwrite" if overwrite else "errorifexists")
    lower = path.rstrip("/").lower()
    if lower.endswith(".csv"):
        writer.option("header", True).csv(path)
    elif lower.endswith((".json", ".jsonl", ".ndjson")):
        writer.json(path)
    else:
        writer.parquet(path)


def pipe_mode(df, args, classes, files, local):
    """RDD.pipe through `embed-tl predict`: JSON lines in and out."""
    from pyspark.sql.types import FloatType, StringType, StructField, StructType

    def on_executor(name):
        # Local mode: the driver's SparkFiles directory, which the executors
        # share. On a cluster: the base name, which `addFile`/`--files`
        # put in each executor's working directory (the cwd of the piped
        # process).
        if local:
            from pyspark import SparkFiles

            return SparkFiles.get(name)
        return "./" + name

    command = [on_executor(files["binary"]), "-q", "predict", "--model", on_executor(files["model"])]
    if files.get("vectors"):
        command += ["--vectors", on_executor(files["vectors"])]
    command += [
        "--input", "-", "--input-format", "jsonl",
        "--output", "-", "--output-format", "jsonl",
        "--text-column", "text", "--keep", "id", "--proba",
        "--threads", str(args.threads),
    ]  # fmt: skip
    id_column, text_column = args.id_column, args.text_column

    def to_json(row):
        return json.dumps({"id": row[id_column], "text": row[text_column]}, ensure_ascii=False)

    def from_json(line):
        out = json.loads(line)
        proba = out["proba"]
        return (out["id"], out["label"], *[float(proba[c]) for c in classes])

    # checkCode: a failed embed-tl (a null text, a bad row) fails the task
    # with its exit code; its message is on the executor's stderr.
    lines = df.select(id_column, text_column).rdd.map(to_json).pipe(shlex.join(command), checkCode=True)
    schema = StructType(
        [df.schema[id_column], StructField("label", StringType(), False)]
        + [StructField(f"p_{c}", FloatType(), False) for c in classes]
    )
    return df.sparkSession.createDataFrame(lines.map(from_json), schema)


def arrow_mode(df, args, classes, files, local):
    """mapInArrow with the Python package, model and vectors loaded once per worker."""
    from pyspark import SparkFiles

    from embed_tl.spark import output_schema, score_batches

    model_name, vectors_name = files["model"], files.get("vectors")
    id_column, text_column = args.id_column, args.text_column

    def score(batches):
        return score_batches(
            batches,
            SparkFiles.get(model_name),
            SparkFiles.get(vectors_name) if vectors_name else None,
            text_column=text_column,
            id_column=id_column,
        )

    schema = output_schema(classes, df.schema[id_column])
    return df.select(id_column, text_column).mapInArrow(score, schema)


def main(argv=None):
    args = parse_args(argv)
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("embed-tl score")
    under_submit = SparkConf().contains("spark.master")
    if not under_submit:
        # Local Python workers run the driver's interpreter (PySpark's default
        # is whatever `python3` is on PATH, which may lack the package).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if args.master:
        builder = builder.master(args.master)
    elif not under_submit:
        builder = builder.master(f"local[{args.workers}]")
    # Arrow batches of 10,000 rows (Spark's default): a few MB of text each.
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
    started = time.perf_counter()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    sc = spark.sparkContext
    local = sc.master.startswith("local")

    # The model's classes, read on the driver (the model file is JSON; pipe
    # mode needs no Python package).
    classes = model_classes(args.model) if not args.shipped else None
    files = {}
    for key, path in (("model", args.model), ("vectors", args.vectors)):
        if path:
            if not args.shipped:
                sc.addFile(str(Path(path).resolve()) if "://" not in path else path)
            files[key] = os.path.basename(path)
    if args.mode == "pipe":
        if args.shipped:
            files["binary"] = os.path.basename(args.binary or "embed-tl")
        else:
            binary = find_binary(args.binary)
            sc.addFile(str(binary))
            files["binary"] = binary.name
    if classes is None:
        from pyspark import SparkFiles

        classes = model_classes(SparkFiles.get(files["model"]))

    df = read_table(spark, args.input)
    for column in (args.id_column, args.text_column):
        if column not in df.columns:
            sys.exit(f"{args.input}: no column '{column}'; columns found: {', '.join(df.columns)}")
    # A small file is one partition: spread it over the cores (a shuffle),
    # or over --partitions.
    partitions = args.partitions or sc.defaultParallelism
    if args.partitions or df.rdd.getNumPartitions() < partitions:
        df = df.repartition(partitions)
    score = pipe_mode if args.mode == "pipe" else arrow_mode
    scored = score(df, args, classes, files, local)
    ready = time.perf_counter()
    write_table(scored, args.output, args.overwrite)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "mode": args.mode,
                "master": sc.master,
                "partitions": df.rdd.getNumPartitions(),
                "startup_s": round(ready - started, 3),
                "score_and_write_s": round(done - ready, 3),
            }
        )
    )
    spark.stop()


if __name__ == "__main__":
    main()
