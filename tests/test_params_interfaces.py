"""Seed 001 interface parameter files: write_interface and load_interface round-trip, and a hand-written file reads in SI."""

import pytest

from sselab.errors import InputError
from sselab.params.interfaces import INTERFACE_FIELDS, load_interface, write_interface


def test_write_then_load_gives_back_the_same_values(tmp_path):
    values = {"surface_energy_J_per_m2": 0.3427182371, "work_of_adhesion_J_per_m2": 0.41911, "surface_density_per_m2": 8.61234e18}
    path = write_interface(tmp_path / "sub" / "interface.toml", **values, metal="li-bcc", substrate="licl", calculator="chgnet")
    loaded = load_interface(path)
    assert set(loaded) == set(INTERFACE_FIELDS)
    assert loaded["surface_energy"] == pytest.approx(values["surface_energy_J_per_m2"], rel=1e-14)
    assert loaded["work_of_adhesion"] == pytest.approx(values["work_of_adhesion_J_per_m2"], rel=1e-14)
    assert loaded["surface_density"] == pytest.approx(values["surface_density_per_m2"], rel=1e-14)
    text = path.read_text()
    assert 'metal = "li-bcc"' in text and 'calculator = "chgnet"' in text and text.startswith("#")


def test_optional_labels_are_left_out_when_empty(tmp_path):
    path = write_interface(tmp_path / "i.toml", surface_energy_J_per_m2=0.4, work_of_adhesion_J_per_m2=-0.1,
                           surface_density_per_m2=1e19)
    assert "metal =" not in path.read_text() and "calculator =" not in path.read_text()
    assert load_interface(path)["work_of_adhesion"] == pytest.approx(-0.1)  # a negative W_ad (repulsive) is kept as written


def test_hand_written_file_with_units_and_bare_si_numbers(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('surface_energy = "463 mJ/m^2"\nwork_of_adhesion = 0.6\nsurface_density = "8.5 1/nm^2"\nnote = "by hand"\n')
    loaded = load_interface(path)
    assert loaded == pytest.approx({"surface_energy": 0.463, "work_of_adhesion": 0.6, "surface_density": 8.5e18})


def test_partial_files_and_bad_files(tmp_path):
    partial = tmp_path / "partial.toml"
    partial.write_text('surface_energy = "0.4 J/m^2"\n')
    assert set(load_interface(partial)) == {"surface_energy"}  # the rest may come from the caller
    typo = tmp_path / "typo.toml"
    typo.write_text('surface_energie = "0.4 J/m^2"\n')
    with pytest.raises(InputError, match="unknown parameter"):
        load_interface(typo)
    wrong_units = tmp_path / "units.toml"
    wrong_units.write_text('surface_energy = "0.4 J"\n')
    with pytest.raises(InputError):
        load_interface(wrong_units)
    with pytest.raises(InputError, match="does not exist"):
        load_interface(tmp_path / "missing.toml")
