"""Spark in local mode scores 200,000 rows as one `embed-tl predict` does.

Runs the documented recipe, `examples/spark_score.py`, as a user would (a
subprocess, `local[2]`), in both modes, and checks that every input id comes
back exactly once with the label and probabilities that a single
`embed-tl predict` process gives for the same rows. Spark that cannot start
(no pyspark, no Java) fails this test with the reason: it is not skipped.
"""

import csv
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REVIEWS, ROOT, VECTORS, _find_binary

ROWS = 200_000
SCRIPT = ROOT / "examples" / "spark_score.py"


def _spark_ready():
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        pytest.fail(f"Spark cannot start: {e} (pip install pyspark pyarrow 'pandas<3')")


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """200,000 rows resampled (seeded) from the shipped reviews, with unique
    ids in shuffled order, as Parquet (Spark's input) and CSV (the single
    process's input)."""
    _spark_ready()
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(REVIEWS, newline="", encoding="utf-8") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    rng = random.Random(17)
    ids = rng.sample(range(10 * ROWS), ROWS)
    picked = [texts[rng.randrange(len(texts))] for _ in range(ROWS)]
    # A few texts the CSV/JSON round trips must keep intact.
    picked[:4] = ['He said "great", then left.', "line one\nline two", "tab\there", "  "]
    dir = tmp_path_factory.mktemp("spark")
    table = pa.table({"id": pa.array(ids, pa.int64()), "text": pa.array(picked, pa.string())})
    pq.write_table(table, dir / "rows.parquet", row_group_size=20_000)
    with open(dir / "rows.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows(zip(ids, picked))
    return dir


@pytest.fixture(scope="module")
def reference(rows, cli_model, cli):
    """One `embed-tl predict --proba` process over the same rows: id -> (label, p_neg, p_pos)."""
    out = rows / "reference.csv"
    cli("predict", "--model", cli_model, "--vectors", VECTORS, "--input", rows / "rows.csv",
        "--output", out, "--proba")  # fmt: skip
    with open(out, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["id", "label", "p_neg", "p_pos"]
        ref = {int(r["id"]): (r["label"], float(r["p_neg"]), float(r["p_pos"])) for r in reader}
    assert len(ref) == ROWS
    return ref


def run_recipe(rows, cli_model, mode, workers=2):
    output = rows / f"scored-{mode}.parquet"
    env = dict(os.environ, EMBED_TL_BIN=str(_find_binary()), PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--model", str(cli_model), "--vectors", str(VECTORS),
         "--input", str(rows / "rows.parquet"), "--output", str(output),
         "--mode", mode, "--workers", str(workers), "--overwrite"],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert done.returncode == 0, f"Spark run failed ({mode}):\n{done.stderr[-5000:]}"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n{mode}: {ROWS} rows in {seconds:.1f} s all told; {summary}")
    return output, summary


def check_against(reference, output):
    import pyarrow.parquet as pq

    table = pq.read_table(output)
    assert table.column_names == ["id", "label", "p_neg", "p_pos"]
    ids = table.column("id").to_numpy()
    assert len(ids) == ROWS, f"{len(ids)} rows came back, not {ROWS}"
    assert len(np.unique(ids)) == ROWS, "an id came back more than once"
    assert set(ids.tolist()) == set(reference), "ids differ from the input's"
    labels = table.column("label").to_pylist()
    p = np.stack([table.column("p_neg").to_numpy(), table.column("p_pos").to_numpy()], axis=1)
    expected = np.array([reference[i][1:] for i in ids.tolist()])
    wrong = [i for i, l in zip(ids.tolist(), labels) if reference[i][0] != l]
    assert not wrong, f"{len(wrong)} labels differ, e.g. id {wrong[0]}"
    # The reference CLI prints 6 decimals, pipe mode rounds to 6 decimals too
    # (arrow mode keeps the float32): one unit of the 6th decimal, plus
    # float32 rounding, covers both roundings of the same value.
    np.testing.assert_allclose(p, expected, rtol=0, atol=1.1e-6)
    # ...and the values are not all alike (a constant answer would not pass).
    assert len(np.unique(np.round(p[:, 1], 4))) > 100


@pytest.mark.parametrize("mode", ["pipe", "arrow"])
def test_spark_local_scores_every_id_once_as_embed_tl_predict(rows, reference, cli_model, mode):
    output, summary = run_recipe(rows, cli_model, mode)
    assert summary["master"] == "local[2]" and summary["mode"] == mode
    check_against(reference, output)
