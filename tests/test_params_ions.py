"""Host, ion and Li-law parameter files: each writer's file reads back to the same object."""

from dataclasses import replace

import pytest

from sselab.continuum.ion_exchange import ExchangeIon
from sselab.continuum.li_penalty import LiDiffusionLaw
from sselab.errors import InputError
from sselab.params import packaged_names
from sselab.params.ions import load_host, load_ion, load_li_law, write_host, write_ion, write_li_law


@pytest.mark.parametrize("name", packaged_names("hosts"))
def test_a_written_host_reads_back_unchanged(tmp_path, name):
    host = load_host(name)
    assert load_host(write_host(tmp_path / "host.toml", host, "a comment")) == host


def test_a_host_without_a_source_reads_back_unchanged(tmp_path, llzo):
    host = replace(llzo, name="thin film", youngs_modulus=1.234567891234e11, source="")
    assert load_host(write_host(tmp_path / "host.toml", host)) == host


@pytest.mark.parametrize("name", packaged_names("ions"))
def test_a_written_ion_reads_back_unchanged(tmp_path, name):
    ion = load_ion(name)
    path = write_ion(tmp_path / "ion.toml", ion, "fitted\nby hand")
    assert path.read_text().startswith("# fitted\n# by hand\n")
    assert load_ion(path) == ion


def test_an_ion_with_every_optional_field_reads_back_unchanged(tmp_path):
    ion = ExchangeIon("Rb", 0.2, 1.1e-12, 3.3e-6, 0.15, 1100.0, activation_energy_eV=0.91, continuum_use=False,
                      caveat="clusters at 2 %", source="made up for the test")
    assert load_ion(write_ion(tmp_path / "rb.toml", ion)) == ion
    bare = ExchangeIon("Cs", 0.25)
    assert load_ion(write_ion(tmp_path / "cs.toml", bare)) == bare


def test_the_strain_route_gives_gamma_as_strain_over_concentration(tmp_path):
    path = tmp_path / "na.toml"
    path.write_text('name = "Na"\nchemical_strain = 2.38e-3\nchemical_strain_concentration = 0.034\n')
    assert load_ion(path).chemical_expansion_coefficient == pytest.approx(2.38e-3 / 0.034, rel=1e-15)


def test_a_written_li_law_reads_back_to_its_parameters(tmp_path):
    law = LiDiffusionLaw(prefactor=2.345678e-7, activation_volume=6.8e-7, activation_energy_eV=0.3123456789)
    path = write_li_law(tmp_path / "law.toml", law, "two-step fit of md.csv")
    assert load_li_law(path) == law
    with_errors = replace(law, activation_energy_stderr_eV=0.01)
    assert load_li_law(write_li_law(tmp_path / "again.toml", with_errors, "x")) == law  # errors are not kept


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('prefactor = 1e-7\nactivation_volume = 5e-6\n', "missing activation_energy_eV"),
        ('prefactor = 1e-7\nactivation_volume = 5e-6\nactivation_energy_eV = 0.3\ntypo = 1\n', "unknown parameter(s) typo"),
        ('prefactor = "1e-7 m"\nactivation_volume = 5e-6\nactivation_energy_eV = 0.3\n', "is not a diffusivity"),
    ],
)
def test_bad_li_law_files_are_refused(tmp_path, text, fragment):
    path = tmp_path / "law.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_li_law(path)
    with pytest.raises(InputError, match="does not exist"):
        load_li_law(tmp_path / "none.toml")
