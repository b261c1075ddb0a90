import pytest

from sselab.params.ions import load_host, load_ion


@pytest.fixture(scope="session")
def llzo():
    return load_host("llzo")


@pytest.fixture(scope="session")
def sodium():
    return load_ion("Na")


@pytest.fixture(scope="session")
def silver():
    return load_ion("Ag")


def run_cli(argv, capsys):
    """Run ``sselab argv`` in-process: (exit status, stdout, stderr)."""
    from sselab.cli import main

    try:
        main(argv)
        code = 0
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err
