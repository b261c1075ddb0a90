"""Start-up stays light: the CLI and ``import sselab`` load no heavy library until a command needs it."""

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "ase", "pymatgen", "xarray", "dask", "matplotlib", "pint", "torch", "sselab.units")


def _loaded_after(statement: str) -> list[str]:
    probe = f"import sys, json; {statement}; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    return json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("statement", ["import sselab", "import sselab.cli", "from sselab.cli import app"])
def test_no_heavy_import_at_start_up(statement):
    assert _loaded_after(statement) == []


def test_a_public_name_loads_its_module_on_first_use():
    assert "pint" in _loaded_after("import sselab; sselab.parse_quantity")


def test_the_version_is_the_installed_distribution_s():
    from importlib import metadata

    import sselab

    assert sselab.__version__ == metadata.version("sselab")


def test_every_public_name_resolves_to_the_object_its_module_defines():
    import importlib

    import sselab

    for name in sselab.__all__:
        value = getattr(sselab, name)
        assert getattr(importlib.import_module(value.__module__), name) is value, name
