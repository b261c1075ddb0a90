"""Every Python example in docs/python.md runs, in a fresh namespace and an empty working directory.

Blocks are the fenced ``python`` blocks; each runs on its own (its imports included), so that a
reader can paste any one of them into a notebook. A block whose first line is ``# mlip`` needs minutes
of the default machine-learned potential and runs in the opt-in ``mlip`` tier.
"""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 10


CASES = [pytest.param(code, id=f"block{i + 1}", marks=[pytest.mark.mlip] if code.startswith("# mlip") else [])
         for i, code in enumerate(BLOCKS)]


@pytest.mark.parametrize("code", CASES)
def test_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{DOC.name} example", "exec"), {"__name__": "__docs__"})
