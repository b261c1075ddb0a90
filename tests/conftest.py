import pytest

from sselab.params import load_host, load_ion


@pytest.fixture(scope="session")
def llzo():
    return load_host("llzo")


@pytest.fixture(scope="session")
def sodium():
    return load_ion("Na")


@pytest.fixture(scope="session")
def silver():
    return load_ion("Ag")
