"""Shared fixtures: the repository's shipped data and the `embed-tl` binary.

The CLI is the reference for the interchange tests; it is found through
EMBED_TL_BIN, else in $CARGO_TARGET_DIR (or the repository's target/)
under release/ then debug/. Build it with `cargo build --release`.
"""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "embeddings" / "glove.6B.50d.top50k.fifu"
REVIEWS = ROOT / "corpora" / "reviews.csv"
DATA = ROOT / "tests" / "data"


def _find_binary():
    if os.environ.get("EMBED_TL_BIN"):
        return Path(os.environ["EMBED_TL_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        candidate = target / profile / "embed-tl"
        if candidate.exists():
            return candidate
    found = shutil.which("embed-tl")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def cli():
    """Run the embed-tl binary; returns the CompletedProcess (text mode)."""
    binary = _find_binary()
    if binary is None:
        pytest.fail("no embed-tl binary: run `cargo build --release` or set EMBED_TL_BIN")

    def run(*args, check=True, cwd=None):
        done = subprocess.run(
            [str(binary), "-q", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd or ROOT,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"embed-tl {' '.join(map(str, args))}: {done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def vectors():
    import embed_tl

    return embed_tl.Vectors.open(VECTORS)


@pytest.fixture(scope="session")
def reviews():
    """(texts, labels) of corpora/reviews.csv, as the CLI reads them."""
    with open(REVIEWS, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"].strip() for r in rows]


@pytest.fixture(scope="session")
def cli_model(cli, tmp_path_factory):
    """`embed-tl classify --save` on the shipped reviews, default settings
    (--test skips the cross-validation; the saved model is the same)."""
    path = tmp_path_factory.mktemp("cli") / "reviews.etl"
    cli("classify", "--vectors", VECTORS, "--train", REVIEWS, "--test", REVIEWS, "--save", path)
    return path


def cli_json(done):
    return json.loads(done.stdout)
