"""Packaged parameter sets and unit parsing."""

import pytest

from sselab.errors import SSELabError
from sselab.params import packaged_names
from sselab.params.ions import load_host, load_ion
from sselab.units import parse_quantity


def test_packaged_sets_carry_the_papers_values(llzo):
    assert (llzo.youngs_modulus, llzo.poisson_ratio, llzo.fracture_strength) == (150e9, 0.257, 150e6)
    assert (llzo.fracture_toughness, llzo.shape_factor) == (1e6, 1.12)
    assert load_ion("Na").chemical_expansion_coefficient == pytest.approx(2.38e-3 / 0.034)
    assert load_ion("ag").activation_volume == pytest.approx(27.13e-7)
    assert load_ion("Ag").saturation_concentration == pytest.approx(0.169)
    assert set(packaged_names("ions")) == {"na", "ag", "k"}


def test_potassium_is_kept_but_refused_for_the_continuum_model():
    potassium = load_ion("K")
    assert potassium.chemical_expansion_coefficient == pytest.approx(5.94e-3 / 0.034)
    with pytest.raises(SSELabError, match="clusters"):
        potassium.require_transport()


def test_a_users_ion_file_is_read_with_units(tmp_path):
    path = tmp_path / "li_rb.toml"
    path.write_text('name = "X"\nchemical_expansion_coefficient = 0.1\ndiffusion_prefactor = "1e-8 cm^2/s"\n'
                    'activation_volume = "2 cm^3/mol"\nsaturation_concentration = "12 %"\nfit_temperature = "927 degC"\n')
    ion = load_ion(path)
    assert ion.diffusion_prefactor == pytest.approx(1e-12)
    assert ion.activation_volume == pytest.approx(2e-6)
    assert ion.saturation_concentration == pytest.approx(0.12)
    assert ion.fit_temperature == pytest.approx(1200.15)


@pytest.mark.parametrize(
    "text, message",
    [
        ('name = "X"\nchemical_expansion_coefficient = 0.1\ntypo = 1\n', "unknown parameter"),
        ('name = "X"\n', "either chemical_expansion_coefficient"),
        ('name = "X"\nchemical_expansion_coefficient = "3 GPa"\n', "not a dimensionless"),
        ('name = "X\n', "not valid TOML"),
        ('name = "X"\nchemical_expansion_coefficient = 0.1\nactivation_volume = "nan m**3/mol"\n', "finite"),
        ('name = "X"\nchemical_expansion_coefficient = 0.1\ncontinuum_use = "false"\n', "true or false"),
        ('name = 3\nchemical_expansion_coefficient = 0.1\n', "must be a string"),
    ],
)
def test_bad_ion_files_are_refused(tmp_path, text, message):
    path = tmp_path / "ion.toml"
    path.write_text(text)
    with pytest.raises(SSELabError, match=message):
        load_ion(path)


def test_unknown_names_are_refused():
    with pytest.raises(SSELabError, match="unknown ion"):
        load_ion("Xe")
    with pytest.raises(SSELabError, match="unknown host"):
        load_host("glass")


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("0.5 mm", "length", 5e-4),
        ("20 um", "length", 2e-5),
        ("1 GPa", "pressure", 1e9),
        ("6 min", "time", 360.0),
        ("927 degC", "temperature", 1200.15),
        ("7 %", "dimensionless", 0.07),
        ("0.001", "length", 1e-3),
        (2.5, "time", 2.5),
        ("0.3 eV", "energy", 0.3),
        ("28.9 kJ/mol", "energy", 0.29953),
    ],
)
def test_quantities_are_converted_to_si(text, kind, expected):
    assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    "text, kind",
    [("1 GPa", "length"), ("three metres", "length"), ("1 mm", "time"), ("", "length"), ("nan", "length"), ("inf K", "temperature")],
)
def test_bad_quantities_are_refused(text, kind):
    with pytest.raises(SSELabError):
        parse_quantity(text, kind, "--x")
