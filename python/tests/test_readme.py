"""The README's Python example runs as written and prints what it says."""

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_the_readme_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 12
    # Run from a copy of the layout, so the model it saves lands in tmp_path.
    for name in ("embeddings", "corpora"):
        os.symlink(ROOT / name, tmp_path / name)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[('prince', 0.823")
    assert abs(float(lines[1]) - 0.85133) < 0.0001
    assert lines[2] == "['neg' 'pos']"
    assert (tmp_path / "reviews.etl").exists()
