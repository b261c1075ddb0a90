"""Seed 002 separator files: every packaged case round-trips through write_separator, and bad files are refused."""

import pytest

from sselab.continuum.li0_potential import Bottleneck, Layer, Separator
from sselab.errors import InputError, SSELabError
from sselab.params import packaged_names
from sselab.params.separators import load_separator, write_separator

VALID = 'temperature = 298\nthickness = 1e-4\ncurrent_density = 10\nmu_cathode = -3\nmu_anode = 0\n'
LAYER = '[[layers]]\nfraction = 1\nsigma_ion = 0.1\nA = 1e-17\nB = -1\n'


def test_every_packaged_case_is_listed():
    names = packaged_names("li0")
    assert len(names) == 20 and {"fig3", "fig4b", "fig8d", "figS2"} <= set(names)


@pytest.mark.parametrize("name", packaged_names("li0"))
def test_packaged_case_round_trips_through_write_separator(tmp_path, name):
    separator, info = load_separator(name)
    path = write_separator(tmp_path / f"{name}.toml", separator, name=info["name"], source=info["source"], header="round trip")
    again, again_info = load_separator(path)
    assert again == separator
    assert (again_info["name"], again_info["source"], again_info["origin"]) == (info["name"], info["source"], str(path))
    assert path.read_text().startswith("# round trip\n")


def test_units_are_read_and_written_in_si(tmp_path):
    separator, _ = load_separator("fig4b")
    assert (separator.temperature, separator.current_density, separator.mu_cathode) == (298.0, 10.0, -3.0)  # "1 mA/cm^2"
    assert separator.thickness == pytest.approx(100e-6, rel=1e-15)  # "100 um"
    assert separator.layers[0].sigma_ion == pytest.approx(0.1)  # "1 mS/cm"
    assert separator.bottlenecks[0] == Bottleneck(0.25, 0.001, 1e-4)
    text = write_separator(tmp_path / "s.toml", separator).read_text()
    assert 'current_density = "10.0 A/m**2"' in text and 'sigma_ion = "0.1 S/m"' in text
    assert "name" not in text.split("[[layers]]")[0]  # no name given: none written


def test_a_hand_made_stack_round_trips(tmp_path):
    layers = (Layer(0.3, 0.05, 1e-18, -2.0, "cathodic"), Layer(0.7, 1.0, 3e-17, -0.4))
    separator = Separator(300.0, 20e-6, -5.0, -2.5, 0.1, layers, (Bottleneck(0.5, 0.01, 0.1),))
    assert load_separator(write_separator(tmp_path / "hand.toml", separator))[0] == separator


def test_the_paper_table_is_returned_unparsed():
    _, info = load_separator("fig3")
    assert info["paper"] == {"figure": "3d", "calibrate_A": True, "t_li": 0.9812}


@pytest.mark.parametrize(
    "text, fragment",
    [
        (VALID + LAYER.replace("fraction = 1", "fraction = 0.6"), "sum to 1"),
        (VALID + LAYER.replace("sigma_ion = 0.1", "sigma_ion = -0.1"), "sigma_ion must be positive"),
        (VALID.replace("temperature = 298", "temperature = 0") + LAYER, "temperature must be positive"),
        (VALID.replace("thickness = 1e-4", 'thickness = "-1 um"') + LAYER, "thickness must be positive"),
        (VALID.replace("mu_anode = 0\n", "") + LAYER, "missing mu_anode"),
        (VALID, "at least one [[layers]]"),
        (VALID + LAYER + "colour = 1\n", "unknown parameter(s) colour"),
        (VALID + LAYER.replace("B = -1\n", ""), "layer 1 lacks B"),
        (VALID + LAYER + "[[bottlenecks]]\nposition = 0.5\nwidth = 0.1\n", "bottleneck 1 lacks sigma_ion_factor"),
        (VALID.replace("thickness = 1e-4", 'thickness = "1 eV"') + LAYER, "is not a length"),
    ],
)
def test_bad_files_are_refused_with_one_line(tmp_path, text, fragment):
    path = tmp_path / "stack.toml"
    path.write_text(text)
    with pytest.raises(SSELabError) as error:
        load_separator(path)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_unknown_case_and_missing_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="unknown separator case 'fig99'"):
        load_separator("fig99")
    with pytest.raises(InputError, match="does not exist"):
        load_separator(tmp_path / "absent.toml")
