"""Every Python example in docs/python.md runs, in a fresh namespace and an empty working directory.

Blocks are the fenced ``python`` blocks; each runs on its own (its imports included), so that a
reader can paste any one of them into a notebook. A block whose first line is ``# mlip`` needs minutes
of the default machine-learned potential and runs in the opt-in ``mlip`` tier; one whose first line is
``# slow`` (about a minute of DFT) runs in the ``slow`` tier, where tests/test_electronic_gpaw.py covers the
same studies in the default tier.
"""

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 10


TIER_MARKS = {"# mlip": pytest.mark.mlip, "# slow": pytest.mark.slow}


def tier_marks(code: str) -> list:
    """The marker of a block's first-line tag, if it has one."""
    first_line = code.split("\n", 1)[0]
    return [mark for tag, mark in TIER_MARKS.items() if first_line.startswith(tag)]


CASES = [pytest.param(code, id=f"block{i + 1}", marks=tier_marks(code)) for i, code in enumerate(BLOCKS)]


@pytest.mark.parametrize("code", CASES)
def test_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{DOC.name} example", "exec"), {"__name__": "__docs__"})
