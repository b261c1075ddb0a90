"""Every Python example in docs/python.md runs, in a fresh namespace and an empty working directory.

Blocks are the fenced ``python`` blocks; each runs on its own (its imports included), so that a
reader can paste any one of them into a notebook.
"""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i + 1}" for i in range(len(BLOCKS))])
def test_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{DOC.name} example", "exec"), {"__name__": "__docs__"})
