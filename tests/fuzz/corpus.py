"""The hostile-but-ordinary case corpus of issue 13: argument lists for every command group.

A :class:`Case` is an argument list for ``sselab``, what must happen (``refuse``: exit 2 with one
line on stderr; ``accept``: exit 0 and, with ``--json``, exactly one JSON object on stdout;
``either``: one of the two), a class label (what kind of hostility it is) and the names of the
files it needs. Files are built by the functions in :data:`FIXTURES` into the case's own working
folder (nothing binary is committed); paths in an argument list are relative to that folder.

The cases are cheap on purpose: the EMT calculator on small library metals (cu-fcc, ni-fcc),
few planes and images, and mostly inputs refused before any work. An accepted case that computes
stays within a few seconds; a case that would legitimately compute for long is not a fuzz case.

The reproductions listed in issue 13 are all here (look for the ``issue13`` tag in a case's name).
"""

from __future__ import annotations

import functools
import io
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

GROUPS = ("ion-exchange", "li0", "segregation", "diffusion", "md", "defects", "stability", "interface", "potential",
          "electronic")
TOP_LEVEL = ("surface-energy", "surface-terminations", "adhesion", "vacancy-profile", "neb", "expansion")
EXPECTATIONS = ("refuse", "accept", "either")
MARKER = "INJECTED"  # the file a shell command smuggled into a data file would create
LONG = "x" * 100_000


@dataclass(frozen=True)
class Case:
    """One invocation: ``argv`` for ``sselab``; ``expect`` one of :data:`EXPECTATIONS`; ``label`` its class.

    ``files``: names of :data:`FIXTURES` to build in the working folder first; ``setup``: argument lists
    run before (in the same folder, each must exit 0), e.g. the earlier run a resume continues;
    ``marker``: a file that must NOT exist afterwards; ``env``: extra environment variables.
    """

    name: str
    argv: tuple[str, ...]
    expect: str
    label: str
    files: tuple[str, ...] = ()
    setup: tuple[tuple[str, ...], ...] = ()
    marker: str = ""
    env: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        if self.expect not in EXPECTATIONS:
            raise ValueError(f"{self.name}: expect must be one of {EXPECTATIONS}")

    @property
    def command(self) -> str:
        """The command the case calls, e.g. 'li0 solve' or 'neb'."""
        if self.group in GROUPS and len(self.argv) > 1 and not self.argv[1].startswith("-") and len(self.argv[1]) < 40:
            return f"{self.argv[0]} {self.argv[1]}"
        return self.group

    @property
    def group(self) -> str:
        """The command group (or top-level command) of the case; 'root' for arguments no command owns."""
        return self.argv[0] if self.argv and self.argv[0] in (*GROUPS, *TOP_LEVEL) else "root"


# --- fixtures: name -> {relative path: bytes}, built on demand ------------------------------------------------

FIXTURES: dict[str, Callable[[], dict[str, bytes]]] = {}


def fixture(function: Callable[[], dict[str, bytes]]) -> Callable[[], dict[str, bytes]]:
    """Register ``function`` (its name with '_' as '-') as a fixture; its files are built once per process."""
    FIXTURES[function.__name__.replace("_", "-")] = functools.cache(function)
    return function


def materialize(case: Case, folder: Path) -> None:
    """Write the files ``case`` needs into ``folder``."""
    for name in case.files:
        for relative, content in FIXTURES[name]().items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _text(value: str) -> bytes:
    return value.encode("utf-8")


def _library_cif(name: str) -> str:
    from importlib import resources

    return (resources.files("sselab.atomistic.build.structures") / "data" / f"{name}.cif").read_text(encoding="utf-8")


@fixture
def cifs() -> dict[str, bytes]:
    """Cu fcc as a valid CIF and as every kind of broken CIF."""
    good = _library_cif("cu-fcc")
    lines = good.splitlines()
    nan_cell = "\n".join("_cell_length_a nan" if line.startswith("_cell_length_a") else line for line in lines)
    zero_cell = "\n".join("_cell_length_a 0" if line.startswith("_cell_length_a") else line for line in lines)
    huge_cell = "\n".join("_cell_length_a 1e300" if line.startswith("_cell_length_a") else line for line in lines)
    # ASE's CIF reader merges sites within ~1e-4 (fractional) of each other: an exact duplicate is one site, not an
    # overlap; atoms 0.29 A and 0.36 A from an existing one (a = 3.6 A) are what a real overlap looks like
    overlap = good.rstrip("\n") + "\nCu2 Cu 0.1000 0.0000 0.0000 1\n"
    overlapping = good.rstrip("\n") + "\n" + "\n".join(f"Cu{9 + k} Cu 0.0800 0.{k}000 0.0000 1" for k in range(3)) + "\n"
    return {
        "good.cif": _text(good),
        "empty.cif": b"",
        "binary.cif": bytes(range(256)) * 64,
        "truncated.cif": _text(good[: len(good) // 3]),
        "latin1.cif": "# caf\u00e9 \u00e9t\u00e9\n".encode("latin-1") + _text(good),
        "nan-cell.cif": _text(nan_cell),
        "zero-cell.cif": _text(zero_cell),
        "huge-cell.cif": _text(huge_cell),
        "overlap.cif": _text(overlap),
        "overlapping.cif": _text(overlapping),
        "huge.cif": _text(good + ("# padding line of a huge but bounded file\n" * 120_000)),
        "notacif.cif": _text("this is not a crystallographic information file\n"),
        "structure.xyz": _text("2\ncomment\nCu 0 0 0\nCu 0 0 0\n"),
        "cu3au.extxyz": _text('4\nLattice="3.75 0 0 0 3.75 0 0 0 3.75" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                              "Cu 0 1.875 1.875\nCu 1.875 0 1.875\nCu 1.875 1.875 0\nAu 0 0 0\n"),
        "folder.cif/readme": b"a folder named like a file\n",
    }


def _walk_frames(frames: int = 120, walkers: int = 8, nan_frame: int | None = None, seed: int = 0):
    import numpy as np
    from ase import Atoms

    rng = np.random.default_rng(seed)
    directions = np.vstack([np.eye(3), -np.eye(3)]) * 2.0
    hops = directions[rng.integers(0, 6, (frames, walkers))] * (rng.random((frames, walkers)) < 0.1)[..., None]
    hops[0] = 0.0
    start = np.stack(np.meshgrid(*[np.arange(2) * 4.0] * 3, indexing="ij"), -1).reshape(-1, 3)[:walkers] + 1.0
    path = start + np.cumsum(hops, axis=0)
    host = rng.random((4, 3)) * 10.0
    images = []
    for index in range(frames):
        positions = np.vstack([path[index], host])
        if nan_frame is not None and index >= nan_frame:
            positions[0] = np.nan
        atoms = Atoms(["Li"] * walkers + ["O"] * 4, positions=positions, cell=[10.0] * 3, pbc=True)
        atoms.info["time_fs"] = index * 50.0
        atoms.info["target_temperature_K"] = 900.0
        images.append(atoms)
    return images


def _extxyz(images) -> bytes:
    from ase.io import write

    buffer = io.StringIO()
    write(buffer, images, format="extxyz")
    return _text(buffer.getvalue())


@fixture
def trajectories() -> dict[str, bytes]:
    """A tiny random-walk trajectory (8 Li, 4 O, 120 frames of 50 fs) and broken variants."""
    good = _extxyz(_walk_frames())
    text = good.decode()
    return {
        "walk.extxyz": good,
        "nan.extxyz": _extxyz(_walk_frames(nan_frame=60)),
        "one-frame.extxyz": _extxyz(_walk_frames(frames=1)),
        "two-frames.extxyz": _extxyz(_walk_frames(frames=2)),
        "empty.extxyz": b"",
        "binary.extxyz": bytes(range(256)) * 64,
        "truncated.extxyz": _text(text[: len(text) // 2 + 17]),
        "latin1.extxyz": b"\xe9\xe9\xe9\n" + good,
        "garbage.extxyz": _text("12\nnot a comment line at all\n" + "Li a b c\n" * 12),
        "walk.txt": good,
    }


def _run_json(command: str, summary, **extra) -> bytes:
    record = {"command": command, "inputs": {}, "summary": summary, **extra}
    return _text(json.dumps(record))


@fixture
def run_dirs() -> dict[str, bytes]:
    """Fake earlier run directories: right command with a wrong-schema summary, other commands, broken run.json."""
    analyze = {"D_m2_per_s": 1e-10, "D_stderr_m2_per_s": 1e-12, "temperature_K": 900.0, "species": "Li"}
    return {
        "other-run/run.json": _run_json("li0 solve", {"t_li": 0.9}),
        "other-run/profile.nc": b"precious earlier result\n",
        "no-record/readme.txt": b"not a run directory\n",
        "empty-record/run.json": b"",
        "binary-record/run.json": bytes(range(256)) * 8,
        "truncated-record/run.json": _run_json("diffusion analyze", analyze)[:40],
        "list-record/run.json": _text("[1, 2, 3]"),
        "latin1-record/run.json": '{"command": "diffusion analyze", "note": "\u00e9"}'.encode("latin-1"),
        "nan-d/run.json": _text(json.dumps({"command": "diffusion analyze", "summary": {**analyze, "D_m2_per_s": float("nan")}})),
        "string-d/run.json": _run_json("diffusion analyze", {**analyze, "D_m2_per_s": "fast"}),
        "list-d/run.json": _run_json("diffusion analyze", {**analyze, "D_m2_per_s": [1e-10, 2e-10]}),
        "no-temperature/run.json": _run_json("diffusion analyze", {"D_m2_per_s": 1e-10}),
        "summary-list/run.json": _run_json("diffusion analyze", [1, 2]),
        "analyze-900/run.json": _run_json("diffusion analyze", analyze),
        "analyze-1000/run.json": _run_json("diffusion analyze", {**analyze, "temperature_K": 1000.0, "D_m2_per_s": 3e-10}),
        "negative-d/run.json": _run_json("diffusion analyze", {**analyze, "D_m2_per_s": -1e-10}),
        "seg-empty/run.json": _run_json("segregation study", {}),
        "seg-list/run.json": _run_json("segregation study", ["a"]),
        "seg-strings/run.json": _run_json("segregation study", {"metal": "li-bcc", "substrate": "licl",
                                                                "surface_energy_J_per_m2": "high", "profile": "x"}),
        "seg-nosummary/run.json": _text(json.dumps({"command": "segregation study"})),
        "sites-empty/run.json": _run_json("defects sites", {}),
        "sites-strings/run.json": _run_json("defects sites", {"calculator": "emt", "host_energy_eV": "low",
                                                              "li_sites_in_host": "many", "ions": "Na"}),
        "sites-nan/run.json": _text(json.dumps({"command": "defects sites", "summary": {
            "calculator": "emt", "host_energy_eV": float("nan"), "li_sites_in_host": 56, "ions": {}}})),
        "search-empty/run.json": _run_json("interface search", {}),
        "search-noextxyz/run.json": _run_json("interface search", {"best": {"energy_eV": 1.0}, "calculator": "emt"}),
    }


@fixture
def csvs() -> dict[str, bytes]:
    """D(T) and D(stress) tables for arrhenius, fit-stress and li-penalty, valid and broken."""
    k_b, r = 8.617333262e-5, 8.314462618
    arrhenius = ["temperature_K,D_m2_per_s"] + [f"{t},{1e-7 * math.exp(-0.3 / (k_b * t))}" for t in (900, 1000, 1100, 1200)]
    eq10 = ["temperature_K,stress_Pa,D_m2_per_s"] + [
        f"{t},{s},{1e-7 * math.exp(-s * 7e-7 / (r * t)) * math.exp(-0.3 / (k_b * t))}"
        for t in (900.0, 1000.0, 1100.0, 1200.0) for s in (-1e9, 0.0, 1e9, 2e9)]
    eq8 = ["stress_Pa,concentration,D_m2_per_s"] + [
        f"{s},{c},{5e-12 * math.exp(-s * 2.6e-6 / (r * 1200)) * (1 - c / 0.09)}"
        for s in (0.0, 5e8, 1e9) for c in (0.01, 0.03, 0.05)]
    return {
        "arrhenius.csv": _text("\n".join(arrhenius) + "\n"),
        "eq10.csv": _text("\n".join(eq10) + "\n"),
        "eq8.csv": _text("\n".join(eq8) + "\n"),
        "nan.csv": _text("temperature_K,D_m2_per_s\n900,nan\n1000,2e-10\n1100,inf\n"),
        "negative.csv": _text("temperature_K,D_m2_per_s\n-900,1e-10\n1000,-2e-10\n1100,3e-10\n"),
        "one-row.csv": _text("temperature_K,D_m2_per_s\n900,1e-10\n"),
        "same-t.csv": _text("temperature_K,D_m2_per_s\n900,1e-10\n900,2e-10\n900,3e-10\n"),
        "wrong-columns.csv": _text("T,D\n900,1e-10\n1000,2e-10\n"),
        "header-only.csv": _text("temperature_K,D_m2_per_s\n"),
        "ragged.csv": _text("temperature_K,D_m2_per_s\n900\n1000,2e-10,5,6\n"),
        "words.csv": _text("temperature_K,D_m2_per_s\nhot,fast\ncold,slow\n"),
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 16,
        "latin1.csv": "temperature_K,D_m2_per_s\n900,1e-10\n# \u00e9\n".encode("latin-1"),
        "eq10-nan.csv": _text("temperature_K,stress_Pa,D_m2_per_s\n900,0,1e-10\n900,nan,1e-10\n1000,0,2e-10\n1000,1e9,1e-10\n"),
        "eq8-words.csv": _text("stress_Pa,concentration,D_m2_per_s\nhigh,some,1e-12\n"),
        "huge-values.csv": _text("temperature_K,D_m2_per_s\n1e308,1e-10\n1e307,1e308\n900,1e-10\n"),
        "existing.toml": _text('name = "kept"\n'),
    }


def _toml_escape(value: str) -> str:
    return json.dumps(value)


@fixture
def ion_tomls() -> dict[str, bytes]:
    """Ion and host parameter files: valid, and with every kind of wrong value."""
    good = ('name = "Xx"\nchemical_strain = 2.38e-3\nchemical_strain_concentration = 0.034\n'
            'diffusion_prefactor = "6.73e-12 m**2/s"\nactivation_volume = "26.49e-7 m**3/mol"\n'
            'saturation_concentration = 0.0925\nfit_temperature = "1200 K"\n')

    def variant(key: str, value: str) -> bytes:
        lines = [f"{key} = {value}" if line.startswith(f"{key} =") else line for line in good.splitlines()]
        return _text("\n".join(lines) + "\n")

    host = 'name = "H"\nyoungs_modulus = "150 GPa"\npoisson_ratio = 0.257\nfracture_strength = "150 MPa"\n' \
           'fracture_toughness = "1 MPa*m**0.5"\nshape_factor = 1.12\n'
    return {
        "ion.toml": _text(good),
        "ion-list.toml": variant("saturation_concentration", "[1, 2]"),
        "ion-nan.toml": variant("chemical_strain", "nan"),
        "ion-inf.toml": variant("chemical_strain", "inf"),
        "ion-tower.toml": variant("diffusion_prefactor", '"9**9**9 m**2/s"'),
        "ion-paren.toml": variant("diffusion_prefactor", '"(1+2) m**2/s"'),
        "ion-negative.toml": variant("diffusion_prefactor", '"-6.73e-12 m**2/s"'),
        "ion-saturation-2.toml": variant("saturation_concentration", "2.0"),
        "ion-wrong-unit.toml": variant("fit_temperature", '"1200 m"'),
        "ion-string-number.toml": variant("chemical_strain", '"lots"'),
        "ion-table.toml": variant("chemical_strain", "{ a = 1 }"),
        "ion-bool.toml": variant("chemical_strain", "true"),
        "ion-missing.toml": _text('name = "Xx"\n'),
        "ion-unknown-key.toml": _text(good + "colour = 'blue'\n"),
        "ion-quote.toml": variant("name", _toml_escape('Na"\nevil = 1')),
        "ion-newline.toml": variant("name", _toml_escape("Na\n[injected]\nkey = 1")),
        "ion-syntax.toml": _text(good + "this is = = not toml\n"),
        "ion-empty.toml": b"",
        "ion-binary.toml": bytes(range(256)) * 8,
        "ion-latin1.toml": _text(good) + "# \u00e9\n".encode("latin-1"),
        "host.toml": _text(host),
        "host-nan.toml": _text(host.replace("0.257", "nan")),
        "host-poisson.toml": _text(host.replace("0.257", "0.7")),
        "host-tower.toml": _text(host.replace('"150 GPa"', '"9**9**9 GPa"')),
        "host-list.toml": _text(host.replace("1.12", "[1, 2]")),
        "host-negative.toml": _text(host.replace('"150 GPa"', '"-150 GPa"')),
        "bulk-law.toml": _text('prefactor = "1e-7 m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n'),
        "bulk-law-nan.toml": _text('prefactor = "nan m^2/s"\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n'),
        "bulk-law-list.toml": _text('prefactor = [1, 2]\nactivation_volume = "5 cm^3/mol"\nactivation_energy_eV = "0.29 eV"\n'),
        "bulk-law-tower.toml": _text('prefactor = "9**9**9 m^2/s"\nactivation_volume = "5 cm^3/mol"\n'
                                     'activation_energy_eV = "0.29 eV"\n'),
    }


@fixture
def li0_tomls() -> dict[str, bytes]:
    """Separator files for li0 solve/sweep: a valid bilayer and broken ones."""
    head = ('name = "user"\ntemperature = "298 K"\nthickness = "100 um"\ncurrent_density = "1 mA/cm^2"\n'
            'mu_cathode = "-3 eV"\nmu_anode = "0 eV"\n')
    layer = '\n[[layers]]\nname = "{name}"\nfraction = {fraction}\nsigma_ion = "{sigma}"\nA = "{a}"\nB = "{b}"\n'

    def separator(*layers: dict[str, str], top: str = head) -> bytes:
        defaults = {"name": "L", "fraction": "0.5", "sigma": "1 mS/cm", "a": "4.25e-17 S/m", "b": "-2.3 eV"}
        return _text(top + "".join(layer.format(**{**defaults, **given}) for given in layers))

    ok = ({}, {"b": "-0.7 eV"})
    return {
        "sep.toml": separator(*ok),
        "sep-no-layers.toml": _text(head),
        "sep-fraction-negative.toml": separator({"fraction": "-0.5"}, {"fraction": "1.5"}),
        "sep-fraction-nan.toml": separator({"fraction": "nan"}, {"b": "-0.7 eV"}),
        "sep-fraction-list.toml": separator({"fraction": "[0.5, 0.5]"}, {"b": "-0.7 eV"}),
        "sep-sigma-zero.toml": separator({"sigma": "0 mS/cm"}, {"b": "-0.7 eV"}),
        "sep-sigma-tower.toml": separator({"sigma": "9**9**9 mS/cm"}, {"b": "-0.7 eV"}),
        "sep-b-paren.toml": separator({"b": "(1+2) eV"}, {"b": "-0.7 eV"}),
        "sep-a-negative.toml": separator({"a": "-4e-17 S/m"}, {"b": "-0.7 eV"}),
        "sep-wrong-unit.toml": separator({"sigma": "1 K"}, {"b": "-0.7 eV"}),
        "sep-temperature-zero.toml": separator(*ok, top=head.replace("298 K", "0 K")),
        "sep-thickness-huge.toml": separator(*ok, top=head.replace("100 um", "1e308 m")),
        "sep-thickness-list.toml": separator(*ok, top=head.replace('"100 um"', "[1, 2]")),
        "sep-many-layers.toml": separator(*([{"fraction": "0.0001"}] * 10_000)),
        "sep-missing-key.toml": _text(head.replace('mu_anode = "0 eV"\n', "") + layer.format(
            name="L", fraction="1", sigma="1 mS/cm", a="4.25e-17 S/m", b="-0.7 eV")),
        "sep-syntax.toml": _text(head + "[[layers]\n"),
        "sep-empty.toml": b"",
        "sep-binary.toml": bytes(range(256)) * 8,
        "sep-latin1.toml": _text(head) + "# caf\u00e9\n".encode("latin-1"),
        "sep-quote.toml": separator({"name": 'a"b\nc'}, {"b": "-0.7 eV"}),
    }


@fixture
def interface_tomls() -> dict[str, bytes]:
    """Interface parameter files for segregation model --params."""
    good = 'surface_energy = "0.46 J/m^2"\nwork_of_adhesion = "0.6 J/m^2"\nsurface_density = "8.5 1/nm^2"\n'  # as write_interface writes it
    return {
        "interface.toml": _text(good),
        "interface-nan.toml": _text(good.replace('"0.46 J/m^2"', '"nan J/m^2"')),
        "interface-list.toml": _text(good.replace('"0.46 J/m^2"', "[1, 2]")),
        "interface-tower.toml": _text(good.replace('"0.6 J/m^2"', '"9**9**9 J/m^2"')),
        "interface-wrong-unit.toml": _text(good.replace('"0.6 J/m^2"', '"0.6 K"')),
        "interface-negative-density.toml": _text(good.replace('"8.5 1/nm^2"', '"-8.5 1/nm^2"')),
        "interface-empty.toml": b"",
        "interface-binary.toml": bytes(range(256)) * 8,
        "interface-latin1.toml": _text(good) + "# \u00e9\n".encode("latin-1"),
        "interface-table.toml": _text('surface_energy = { value = 1 }\n'),
    }


@fixture
def entries() -> dict[str, bytes]:
    """Hull entries files (JSON list of {composition, energy_eV}) and formation-energy energies files."""
    good = [{"composition": "Li", "energy_eV": -1.9}, {"composition": "O2", "energy_eV": -9.8},
            {"composition": "Li2O", "energy_eV": -14.3}, {"composition": "Co", "energy_eV": -7.1},
            {"composition": "CoO", "energy_eV": -14.0}, {"composition": "LiCoO2", "energy_eV": -22.9}]
    energies = {"host_energy_eV": -500.0, "exchanged_energy_eV": -499.0, "n_exchanged": 1,
                "precursors": {"Na": -1.3, "Li": -1.9, "Na2O": -10.0, "Li2O": -14.3, "NaF": -8.0, "LiF": -9.5,
                               "NaCl": -6.7, "LiCl": -7.0, "NaBr": -6.0, "LiBr": -6.3}}

    def dumps(value) -> bytes:
        return _text(json.dumps(value))

    return {
        "entries.json": dumps(good),
        "entries-nan.json": _text(json.dumps(good[:-1] + [{"composition": "LiCoO2", "energy_eV": float("nan")}])),
        "entries-string-energy.json": dumps(good[:-1] + [{"composition": "LiCoO2", "energy_eV": "low"}]),
        "entries-bad-formula.json": dumps(good + [{"composition": "Qq9Zz", "energy_eV": -1.0}]),
        "entries-empty-formula.json": dumps(good + [{"composition": "", "energy_eV": -1.0}]),
        "entries-missing-key.json": dumps(good + [{"composition": "Li2O2"}]),
        "entries-object.json": dumps({"composition": "Li", "energy_eV": -1.9}),
        "entries-empty-list.json": dumps([]),
        "entries-numbers.json": dumps([1, 2, 3]),
        "entries-huge.json": dumps(good[:-1] + [{"composition": "LiCoO2", "energy_eV": 1e308}]),
        "entries-big-formula.json": dumps(good + [{"composition": "Li1000000000O1000000000", "energy_eV": -1.0}]),
        "entries-truncated.json": dumps(good)[:50],
        "entries-empty.json": b"",
        "entries-binary.json": bytes(range(256)) * 8,
        "entries-latin1.json": '[{"composition": "Li", "energy_eV": -1.9, "name": "\u00e9"}]'.encode("latin-1"),
        "entries-deep.json": _text("[" * 100_000 + "]" * 100_000),
        "energies.json": dumps(energies),
        "energies-nan.json": _text(json.dumps({**energies, "host_energy_eV": float("nan")})),
        "energies-zero-n.json": dumps({**energies, "n_exchanged": 0}),
        "energies-huge-n.json": dumps({**energies, "n_exchanged": 10**30}),
        "energies-list-precursors.json": dumps({**energies, "precursors": [1, 2]}),
        "energies-string-precursor.json": dumps({**energies, "precursors": {**energies["precursors"], "NaF": "low"}}),
        "energies-missing.json": dumps({"host_energy_eV": -500.0}),
        "energies-series-bad.json": dumps({**energies, "series": [[1, 5.0, -499.0]]}),
        "energies-series-shape.json": dumps({**energies, "series": "abc"}),
        "energies-empty.json": b"",
        "energies-binary.json": bytes(range(256)) * 8,
    }


def _potential(*lines: str, style: str = "eam/alloy", elements: str = '["Al", "Cu"]') -> bytes:
    coefficients = ", ".join(json.dumps(line) for line in lines)
    return _text(f'elements = {elements}\npair_style = "{style}"\npair_coeff = [{coefficients}]\n')


@fixture
def potentials() -> dict[str, bytes]:
    """LAMMPS potential TOMLs: the packaged EAM, and copies that smuggle LAMMPS commands in (issue 13's shell hole)."""
    good = "pair_coeff * * {potentials}/AlCu.eam.alloy Al Cu"
    return {
        "eam.toml": _potential(good),
        "shell.toml": _potential(good, f"shell touch {MARKER}"),
        "shell-only.toml": _potential(f"shell touch {MARKER}"),
        "python.toml": _potential(good, f"python evil here \"\"\"\nopen('{MARKER}', 'w')\n\"\"\""),
        "include.toml": _potential(good, "include /etc/hostname"),
        "print-file.toml": _potential(good, f"print 'x' file {MARKER}"),
        "semicolon.toml": _potential(f"{good} ; shell touch {MARKER}"),
        "newline.toml": _potential(f"{good}\nshell touch {MARKER}"),
        "style-shell.toml": _potential(good, style=f"eam/alloy\nshell touch {MARKER}"),
        "style-unknown.toml": _potential(good, style="no/such/style"),
        "elements-string.toml": _potential(good, elements='"AlCu"'),
        "elements-bad.toml": _potential(good, elements='["Xx"]'),
        "coeff-string.toml": _text('elements = ["Cu"]\npair_style = "eam/alloy"\npair_coeff = "pair_coeff * * x Cu"\n'),
        "coeff-outside.toml": _potential("pair_coeff * * /etc/passwd Al Cu"),
        "coeff-format.toml": _potential("pair_coeff * * {potentials.__class__} Al Cu"),
        "potential-missing.toml": _text('elements = ["Cu"]\n'),
        "potential-binary.toml": bytes(range(256)) * 8,
    }


@fixture
def forcefields() -> dict[str, bytes]:
    """Core-shell force-field TOMLs for md run --forcefield: broken ones (they must be refused before LAMMPS starts)."""
    return {
        "ff-empty.toml": b"",
        "ff-junk.toml": _text('name = "x"\nspecies = 3\n'),
        "ff-binary.toml": bytes(range(256)) * 8,
        "ff-shell.toml": _text(f'name = "x"\nextra_commands = ["shell touch {MARKER}"]\n'),
    }


def _labelled_li2o(count: int, *, forces: bool = True, drop_li: bool = False):
    """Li2O cells with made-up labels (energy, forces, stress): the fitters' input checks see real frames."""
    import numpy as np
    from ase.build import bulk
    from ase.calculators.singlepoint import SinglePointCalculator

    rng = np.random.default_rng(3)
    frames = []
    for k in range(count):
        atoms = bulk("Li2O", "fluorite", a=4.61, cubic=True)
        if drop_li:
            del atoms[0]
        atoms.rattle(0.05, seed=k)
        labels = {"energy": float(-4.0 * len(atoms) + rng.normal()), "stress": rng.normal(0, 1e-3, 6)}
        if forces:
            labels["forces"] = rng.normal(0, 0.3, (len(atoms), 3))
        atoms.calc = SinglePointCalculator(atoms, **labels)
        atoms.info["config_type"] = "rattle"
        frames.append(atoms)
    return frames


@fixture
def training_sets() -> dict[str, bytes]:
    """Labelled extxyz training sets for potential fit/validate/learn: a usable one and broken variants."""
    good = _extxyz(_labelled_li2o(6))
    return {
        "train.extxyz": good,
        "train-no-forces.extxyz": _extxyz(_labelled_li2o(3, forces=False)),
        "train-charged.extxyz": _extxyz(_labelled_li2o(3, drop_li=True)),
        "train-duplicates.extxyz": _extxyz(_labelled_li2o(1) * 4),
        "train-empty.extxyz": b"",
        "train-binary.extxyz": bytes(range(256)) * 64,
        "train-truncated.extxyz": good[: len(good) // 2 + 11],
        "ff-rigid.toml": _text('name = "li2o"\ncutoff_A = 8.0\nkspace = "ewald 1e-6"\nreference_formulas = ["Li2O"]\n'
                               '[species.Li]\ncharge = 0.8\n[species.O]\ncharge = -1.6\n'
                               '[pairs."Li-O"]\nA_eV = 426.48\nrho_A = 0.3\nC_eVA6 = 0.0\nD_eVA8 = 40.0\n'
                               '[pairs."O-O"]\nA_eV = 22764.0\nrho_A = 0.149\nC_eVA6 = 27.879\nD_eVA8 = 100.0\n'),
        "ff-charged.toml": _text('name = "bad"\ncutoff_A = 8.0\nkspace = "ewald 1e-6"\nreference_formulas = ["Li2O"]\n'
                                 '[species.Li]\ncharge = 0.8\n[species.O]\ncharge = -1.5\n'
                                 '[pairs."Li-O"]\nA_eV = 426.48\nrho_A = 0.3\nC_eVA6 = 0.0\n'
                                 '[pairs."O-O"]\nA_eV = 22764.0\nrho_A = 0.149\nC_eVA6 = 27.879\n'),
        "ff-negative-D.toml": _text('name = "bad"\ncutoff_A = 8.0\nkspace = "ewald 1e-6"\n[species.Li]\ncharge = 0.8\n'
                                    '[species.O]\ncharge = -1.6\n[pairs."Li-O"]\nA_eV = 1.0\nrho_A = 0.3\nC_eVA6 = 0.0\n'
                                    'D_eVA8 = -1.0\n[pairs."O-O"]\nA_eV = 1.0\nrho_A = 0.3\nC_eVA6 = 0.0\n'),
    }


@fixture
def prior_out() -> dict[str, bytes]:
    """A folder holding another command's finished run (its run.json and a result file)."""
    return {"taken/run.json": _run_json("li0 solve", {"t_li": 0.9}), "taken/result.nc": b"earlier result\n"}


# --- cases ------------------------------------------------------------------------------------------------------

CASES: list[Case] = []


def add(name: str, argv: Iterable[str], expect: str, label: str, **options) -> None:
    """Append a case to :data:`CASES` (names are unique)."""
    CASES.append(Case(name, tuple(argv), expect, label, **options))


def sweep(prefix: str, base: list[str], option: str, values: dict[str, str], label: str, **options) -> None:
    """One case per (value -> expectation) of ``values`` for ``option`` appended to ``base``."""
    for value, expect in values.items():
        shown = value if len(value) <= 24 else f"{value[:12]}..{len(value)}"
        add(f"{prefix} {option}={shown!r}", [*base, option, value], expect, label, **options)


# expectations for the common kinds of value
BAD_FLOATS = {"nan": "refuse", "inf": "refuse", "-inf": "refuse", "1e999": "refuse", "abc": "refuse", "": "refuse"}
POSITIVE = {**BAD_FLOATS, "-1": "refuse", "0": "refuse"}
COUNT = {"0": "refuse", "-1": "refuse", "1.5": "refuse", "nan": "refuse", "99999999999999999999": "refuse",
         "1000000000": "refuse", "": "refuse"}


def unit_values(good_unit: str, *, positive: bool = True, huge: str = "either") -> dict[str, str]:
    """Unit strings for an option measured in ``good_unit``: the issue's towers and expressions, NaN, wrong dimension."""
    values = {f"nan {good_unit}": "refuse", f"inf {good_unit}": "refuse", f"-inf {good_unit}": "refuse",
              f"9**9**9 {good_unit}": "refuse", f"(1+2) {good_unit}": "refuse", f"2**1000 {good_unit}": "refuse",
              f"1 {good_unit}**99": "refuse", f"__import__('os') {good_unit}": "refuse", "": "refuse", "   ": "refuse",
              "1 kg": "refuse", f"1e999 {good_unit}": "refuse", f"1e308 {good_unit}": huge}
    if positive:
        values.update({f"-1 {good_unit}": "refuse", f"0 {good_unit}": "refuse"})
    return values


def _ion_exchange() -> None:
    design = ["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "5 %", "--json"]
    add("design baseline", design, "accept", "baseline")
    sweep("design", design, "--thickness", unit_values("mm", huge="refuse"), "unit-string")
    add("design --thickness 1e308 issue13", [*design, "--thickness", "1e308"], "refuse", "number")
    add("design --thickness 1e308 m issue13", [*design, "--thickness", "1e308 m"], "refuse", "number")
    sweep("design", design, "--temperature", unit_values("K", huge="refuse"), "unit-string")
    add("design --temperature 9**9**9 K issue13", [*design, "--temperature", "9**9**9 K"], "refuse", "unit-string")
    sweep("design", design, "--flaw-size", unit_values("um", huge="refuse"), "unit-string")
    sweep("design", design, "--reference-diffusivity", {"nan m^2/s": "refuse", "0 m^2/s": "refuse", "-1 m^2/s": "refuse",
                                                        "9**9**9 m^2/s": "refuse", "5e-12 K": "refuse"}, "unit-string")
    sweep("design", design, "--rtol", {**POSITIVE, "1e308": "refuse", "1e-300": "refuse"}, "number")
    sweep("design", design, "--safety-factor", POSITIVE, "number")
    sweep("design", design, "--minimum-gain", BAD_FLOATS, "number")
    sweep("design", design, "--time-ratio", POSITIVE, "number")
    sweep("design", ["ion-exchange", "design", "--ion", "Na", "--json"], "--surface-concentration",
          {"nan": "refuse", "-5 %": "refuse", "150 %": "refuse", "5 K": "refuse", "9**9**9 %": "refuse", "inf": "refuse",
           "0": "refuse"}, "unit-string")
    sweep("design", ["ion-exchange", "design", "--ion", "Na", "--json"], "--target-surface-stress",
          {"nan GPa": "refuse", "inf GPa": "refuse", "1e308 GPa": "refuse", "1 K": "refuse"}, "unit-string")
    sweep("design", ["ion-exchange", "design", "--ion", "Na", "--json"], "--formation-energy",
          {"nan eV": "refuse", "inf eV": "refuse", "1 K": "refuse", "(1+2) eV": "refuse"}, "unit-string")
    sweep("design", design, "--time", {"nan min": "refuse", "-6 min": "refuse", "1e308 min": "refuse", "6 K": "refuse"},
          "unit-string")
    sweep("design", design, "--fracture-form", {"bogus": "refuse", "": "refuse", LONG: "refuse"}, "text")
    add("design --ion long", ["ion-exchange", "design", "--ion", LONG, "--surface-concentration", "5 %", "--json"],
        "refuse", "long-arg")
    add("design --host long", [*design, "--host", LONG], "refuse", "long-arg")
    add("design --ion unknown", ["ion-exchange", "design", "--ion", "Zz", "--surface-concentration", "5 %"], "refuse", "text")
    add("design --ion ''", ["ion-exchange", "design", "--ion", "", "--surface-concentration", "5 %"], "refuse", "text")
    # d = 2 stays allowed: d -> infinity is eq. 8's no-saturation limit and the paper's printed eq. 6 reads d in percent
    for name, expect in (("ion.toml", "accept"), ("ion-list.toml", "refuse"), ("ion-nan.toml", "refuse"),
                         ("ion-inf.toml", "refuse"), ("ion-tower.toml", "refuse"), ("ion-paren.toml", "refuse"),
                         ("ion-negative.toml", "refuse"), ("ion-saturation-2.toml", "either"),
                         ("ion-wrong-unit.toml", "refuse"), ("ion-string-number.toml", "refuse"),
                         ("ion-table.toml", "refuse"), ("ion-bool.toml", "refuse"), ("ion-missing.toml", "refuse"),
                         ("ion-unknown-key.toml", "refuse"), ("ion-syntax.toml", "refuse"), ("ion-empty.toml", "refuse"),
                         ("ion-binary.toml", "refuse"), ("ion-latin1.toml", "refuse"), ("missing.toml", "refuse")):
        label = "toml-list" if "list" in name else "file"
        add(f"design --ion {name}" + (" issue13" if name == "ion-list.toml" else ""),
            ["ion-exchange", "design", "--ion", name, "--surface-concentration", "5 %", "--json"], expect, label,
            files=("ion-tomls",))
    for name, expect in (("host.toml", "accept"), ("host-nan.toml", "refuse"), ("host-poisson.toml", "refuse"),
                         ("host-tower.toml", "refuse"), ("host-list.toml", "refuse"), ("host-negative.toml", "refuse"),
                         ("ion-binary.toml", "refuse")):
        add(f"design --host {name}", [*design, "--host", name], expect, "file", files=("ion-tomls",))
    add("design out taken issue13", [*design, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))
    add("design out taken --overwrite", [*design, "--out", "taken", "--overwrite"], "accept", "overwrite", files=("prior-out",))
    add("design out is a file", [*design, "--out", "ion.toml"], "refuse", "run-dir", files=("ion-tomls",))
    add("design out long", [*design, "--out", LONG], "refuse", "long-arg")
    add("design out newline", [*design, "--out", "a\nb"], "either", "run-dir")

    mapping = ["ion-exchange", "map", "--ion", "Na", "--cs-count", "3", "--ratio-count", "3", "--workers", "1",
               "--rtol", "0.05", "--json"]
    add("map small", mapping, "accept", "baseline")
    for option in ("--cs-count", "--ratio-count"):
        sweep("map", mapping, option, COUNT, "count-bound")
    add("map --cs-count 10**9 issue13", [*mapping, "--cs-count", "1000000000"], "refuse", "count-bound")
    sweep("map", mapping, "--workers", {"0": "refuse", "-1": "refuse", "100000": "refuse", "nan": "refuse"}, "count-bound")
    sweep("map", mapping, "--ratio-min", {**POSITIVE, "1e308": "refuse"}, "number")
    sweep("map", mapping, "--ratio-max", {"nan": "refuse", "inf": "refuse", "1e-9": "refuse"}, "number")
    sweep("map", mapping, "--cs-min", {"nan %": "refuse", "-1 %": "refuse", "9**9**9 %": "refuse", "200 %": "refuse"},
          "unit-string")
    sweep("map", mapping, "--cs-max", {"nan %": "refuse", "0 %": "refuse", "(1+2) %": "refuse"}, "unit-string")
    sweep("map", mapping, "--rtol", {"nan": "refuse", "0": "refuse", "-1": "refuse", "1e-300": "refuse"}, "number")
    sweep("map", mapping, "--scheduler", {"not a url": "refuse", "tcp://": "refuse", "tcp://256.0.0.1:99999": "refuse",
                                          LONG: "refuse"}, "text")
    add("map --scheduler 'not a url' issue13", [*mapping, "--scheduler", "not a url"], "refuse", "text")

    penalty = ["ion-exchange", "li-penalty", "--exchanged", "eq10.csv", "--bulk", "bulk-law.toml", "--json"]
    files = ("csvs", "ion-tomls")
    add("li-penalty baseline", penalty, "accept", "baseline", files=files)
    sweep("li-penalty", penalty, "--temperature", unit_values("K", huge="refuse"), "unit-string", files=files)
    sweep("li-penalty", penalty, "--stress", {"1e308 Pa": "refuse", "nan GPa": "refuse", "inf Pa": "refuse",
                                              "9**9**9 GPa": "refuse", "1 K": "refuse", "1e308": "refuse"},
          "unit-string", files=files)
    add("li-penalty --stress 1e308 issue13", [*penalty, "--stress", "1e308 Pa"], "refuse", "number", files=files)
    for exchanged, expect in (("eq10-nan.csv", "refuse"), ("wrong-columns.csv", "refuse"), ("empty.csv", "refuse"),
                              ("binary.csv", "refuse"), ("latin1.csv", "refuse"), ("header-only.csv", "refuse"),
                              ("ragged.csv", "refuse"), ("words.csv", "refuse"), ("missing.csv", "refuse"),
                              ("bulk-law-nan.toml", "refuse"), ("bulk-law-list.toml", "refuse"),
                              ("bulk-law-tower.toml", "refuse"), ("ion-binary.toml", "refuse")):
        add(f"li-penalty --exchanged {exchanged}", ["ion-exchange", "li-penalty", "--exchanged", exchanged, "--bulk",
                                                    "bulk-law.toml", "--json"], expect, "file", files=files)
    for bulk in ("bulk-law-nan.toml", "bulk-law-list.toml", "ion-empty.toml", "ion-latin1.toml", "eq10-nan.csv"):
        add(f"li-penalty --bulk {bulk}", ["ion-exchange", "li-penalty", "--exchanged", "eq10.csv", "--bulk", bulk, "--json"],
            "refuse", "toml-list" if "list" in bulk else "file", files=files)
    add("reproduce bad form", ["ion-exchange", "reproduce", "--fracture-form", "nope"], "refuse", "text")
    add("reproduce out taken", ["ion-exchange", "reproduce", "--out", "taken", "--json"], "refuse", "overwrite",
        files=("prior-out",))


def _li0() -> None:
    solve = ["li0", "solve", "fig3", "--json"]
    add("li0 solve baseline", solve, "accept", "baseline")
    sweep("li0 solve", solve, "--temperature", unit_values("K", huge="refuse"), "unit-string")
    sweep("li0 solve", solve, "--thickness", unit_values("um", huge="refuse"), "unit-string")
    sweep("li0 solve", solve, "--current-density", {"nan mA/cm^2": "refuse", "inf mA/cm^2": "refuse", "1 K": "refuse",
                                                    "9**9**9 mA/cm^2": "refuse", "1e308 mA/cm^2": "refuse"}, "unit-string")
    sweep("li0 solve", solve, "--mu-cathode", {"nan eV": "refuse", "inf eV": "refuse", "1e308 eV": "refuse",
                                               "1 K": "refuse", "(1+2) eV": "refuse"}, "unit-string")
    sweep("li0 solve", solve, "--mu-anode", {"nan eV": "refuse", "-inf eV": "refuse", "1e308 eV": "refuse",
                                             "9**9**9 eV": "refuse"}, "unit-string")
    sweep("li0 solve", solve, "--band", {"nan eV": "refuse", "-1 eV": "refuse", "inf eV": "refuse", "1 m": "refuse"},
          "unit-string")
    add("li0 solve unknown case", ["li0", "solve", "fig99", "--json"], "refuse", "text")
    add("li0 solve long config", ["li0", "solve", LONG, "--json"], "refuse", "long-arg")
    add("li0 solve empty config", ["li0", "solve", "", "--json"], "refuse", "text")
    for name, expect in (("sep.toml", "accept"), ("sep-no-layers.toml", "refuse"), ("sep-fraction-negative.toml", "refuse"),
                         ("sep-fraction-nan.toml", "refuse"), ("sep-fraction-list.toml", "refuse"),
                         ("sep-sigma-zero.toml", "refuse"), ("sep-sigma-tower.toml", "refuse"), ("sep-b-paren.toml", "refuse"),
                         ("sep-a-negative.toml", "refuse"), ("sep-wrong-unit.toml", "refuse"),
                         ("sep-temperature-zero.toml", "refuse"), ("sep-thickness-huge.toml", "refuse"),
                         ("sep-thickness-list.toml", "refuse"), ("sep-many-layers.toml", "either"),
                         ("sep-missing-key.toml", "refuse"), ("sep-syntax.toml", "refuse"), ("sep-empty.toml", "refuse"),
                         ("sep-binary.toml", "refuse"), ("sep-latin1.toml", "refuse"), ("sep-quote.toml", "either"),
                         ("missing.toml", "refuse")):
        label = "toml-list" if "list" in name else ("name" if "quote" in name else "file")
        add(f"li0 solve {name}", ["li0", "solve", name, "--json"], expect, label, files=("li0-tomls",))
    add("li0 solve out taken", [*solve, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))
    add("li0 reproduce out taken", ["li0", "reproduce", "--out", "taken", "--json"], "refuse", "overwrite",
        files=("prior-out",))

    sweep_ = ["li0", "sweep", "fig3", "--anode-count", "3", "--b-count", "3", "--workers", "1", "--json"]
    add("li0 sweep small", sweep_, "accept", "baseline")
    for option in ("--anode-count", "--b-count"):
        sweep("li0 sweep", sweep_, option, COUNT, "count-bound")
    sweep("li0 sweep", sweep_, "--layer", {"5": "refuse", "-3": "refuse", "99999999999999999999": "refuse"}, "number")
    sweep("li0 sweep", sweep_, "--anode-min", {"nan eV": "refuse", "inf eV": "refuse", "9**9**9 eV": "refuse",
                                               "1 K": "refuse"}, "unit-string")
    sweep("li0 sweep", sweep_, "--b-max", {"nan eV": "refuse", "-1e308 eV": "refuse", "(1+2) eV": "refuse"}, "unit-string")
    add("li0 sweep reversed range", [*sweep_, "--anode-min", "1 eV", "--anode-max", "-1 eV"], "refuse", "number")
    sweep("li0 sweep", sweep_, "--scheduler", {"not a url": "refuse", "tcp://nohost.invalid:1": "refuse"}, "text")
    sweep("li0 sweep", sweep_, "--workers", {"0": "refuse", "-4": "refuse", "100000": "refuse"}, "count-bound")


def _segregation() -> None:
    model = ["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion", "0.6 J/m^2",
             "--surface-density", "8.5 nm^-2", "--json"]
    add("seg model baseline", model, "accept", "baseline")
    add("seg model help example", ["segregation", "model", "--surface-energy", "0.46 J/m^2", "--work-of-adhesion",
                                   "0.6 J/m^2", "--surface-density", "8.5 1/nm^2", "--json"], "accept", "unit-string")
    for option, unit in (("--surface-energy", "J/m^2"), ("--work-of-adhesion", "J/m^2"), ("--surface-density", "nm^-2")):
        values = unit_values(unit, positive=option != "--work-of-adhesion", huge="refuse")
        sweep("seg model", _without(model, option), option, values, "unit-string")
    add("seg model nothing", ["segregation", "model", "--json"], "refuse", "number")
    add("seg model long", [*model, "--surface-energy", LONG], "refuse", "long-arg")
    for name, expect in (("interface.toml", "accept"), ("interface-nan.toml", "refuse"), ("interface-list.toml", "refuse"),
                         ("interface-tower.toml", "refuse"), ("interface-wrong-unit.toml", "refuse"),
                         ("interface-negative-density.toml", "refuse"), ("interface-empty.toml", "refuse"),
                         ("interface-binary.toml", "refuse"), ("interface-latin1.toml", "refuse"),
                         ("interface-table.toml", "refuse"), ("missing.toml", "refuse")):
        add(f"seg model --params {name}", ["segregation", "model", "--params", name, "--json"], expect,
            "toml-list" if "list" in name else "file", files=("interface-tomls",))

    study = ["segregation", "study", "cu-fcc", "ni-fcc", "--metal-planes", "5", "--substrate-planes", "2", "--fm-planes",
             "3,5", "--layers", "1", "--calculator", "emt", "--db", "c.db", "--json"]
    sweep("seg study", study, "--metal-planes", {"0": "refuse", "-1": "refuse", "1000000": "refuse", "nan": "refuse"},
          "count-bound")
    sweep("seg study", study, "--substrate-planes", {"0": "refuse", "100000000": "refuse"}, "count-bound")
    sweep("seg study", study, "--fm-planes", {"3,5,1000000": "refuse", "0": "refuse", "a,b": "refuse", "": "refuse",
                                              "5,-3": "refuse", "nan": "refuse"}, "count-bound")
    sweep("seg study", study, "--max-strain", {"nan": "refuse", "-1": "refuse", "inf": "refuse", "5": "refuse"}, "number")
    sweep("seg study", study, "--min-image", {"nan": "refuse", "inf": "refuse", "1e308": "refuse", "-1": "refuse"},
          "number")
    sweep("seg study", study, "--fmax", {"inf": "refuse", "nan": "refuse", "0": "refuse", "-1": "refuse"}, "number")
    sweep("seg study", study, "--registry", {"bogus": "refuse", "": "refuse"}, "text")
    sweep("seg study", study, "--layers", {"0": "refuse", "99": "refuse", "a": "refuse", "1,1000000000": "refuse"}, "count-bound")
    sweep("seg study", study, "--calculator", {"nope": "refuse", "lammps:": "refuse", "lammps:nope": "refuse",
                                               LONG: "refuse"}, "text")
    sweep("seg study", study, "--db", {"postgresql://user:secret@nohost.invalid:1/x": "refuse",
                                       "folder.cif": "refuse", "binary.cif": "refuse"}, "file", files=("cifs",))
    sweep("seg study", study, "--fix-substrate-planes", {"-1": "refuse", "100": "refuse"}, "count-bound")
    sweep("seg study", study, "--max-area", {"0": "refuse", "nan": "refuse", "1e308": "refuse"}, "number")
    sweep("seg study", study, "--substrate-cut", {"-1": "refuse", "99": "refuse"}, "count-bound")
    sweep("seg study", study, "--metal-miller", {"0": "refuse"}, "number")
    add("seg study miller 0 0 0", [*_without(study, "--metal-miller"), "--metal-miller", "0", "0", "0"], "refuse", "number")
    add("seg study miller huge", [*study, "--substrate-miller", "1000000", "1", "1"], "refuse", "count-bound")
    add("seg study unknown metal", ["segregation", "study", "unobtainium", "ni-fcc", "--calculator", "emt"], "refuse", "text")
    add("seg study metal binary", [*_replace(study, "cu-fcc", "binary.cif")], "refuse", "file", files=("cifs",))
    add("seg study metal nan cell", [*_replace(study, "cu-fcc", "nan-cell.cif")], "refuse", "file", files=("cifs",))
    add("seg study out taken", [*study, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))

    for run in ("no-record", "empty-record", "binary-record", "truncated-record", "list-record", "latin1-record",
                "seg-empty", "seg-list", "seg-strings", "seg-nosummary", "other-run", "missing-dir"):
        add(f"seg table {run}" + (" issue13" if run == "seg-empty" else ""),
            ["segregation", "table", run, "--json"], "refuse", "run-dir", files=("run-dirs",))
    add("seg table a file", ["segregation", "table", "good.cif", "--json"], "refuse", "run-dir", files=("cifs",))


def _without(argv: list[str], option: str) -> list[str]:
    """``argv`` without ``option`` and the value(s) that follow it (up to the next option)."""
    out, skipping = [], False
    for item in argv:
        if item == option:
            skipping = True
            continue
        if skipping and not item.startswith("--"):
            continue
        skipping = False
        out.append(item)
    return out


def _replace(argv: list[str], old: str, new: str) -> list[str]:
    return [new if item == old else item for item in argv]


def _diffusion() -> None:
    files = ("trajectories",)
    analyze = ["diffusion", "analyze", "walk.extxyz", "--species", "Li", "--json"]
    add("analyze baseline", analyze, "accept", "baseline", files=files)
    # two frames are analysed and reported "not diffusive: the run is too short" with D null: an answer, not a number
    for name, expect in (("nan.extxyz", "refuse"), ("one-frame.extxyz", "refuse"), ("two-frames.extxyz", "either"),
                         ("empty.extxyz", "refuse"), ("binary.extxyz", "refuse"), ("truncated.extxyz", "either"),
                         ("latin1.extxyz", "refuse"), ("garbage.extxyz", "refuse"), ("walk.txt", "either"),
                         ("missing.extxyz", "refuse")):
        add(f"analyze {name}" + (" issue13" if name == "nan.extxyz" else ""),
            ["diffusion", "analyze", name, "--species", "Li", "--json"], expect, "file", files=files)
    add("analyze a folder", ["diffusion", "analyze", ".", "--species", "Li"], "refuse", "file")
    add("analyze long path", ["diffusion", "analyze", LONG, "--species", "Li"], "refuse", "long-arg")
    sweep("analyze", analyze, "--species", {"Xx": "refuse", "": "refuse", "li li": "refuse", LONG: "refuse",
                                            'Li"': "refuse"}, "text", files=files)
    sweep("analyze", analyze, "--frame-interval", {"nan fs": "refuse", "0 fs": "refuse", "-50 fs": "refuse",
                                                   "9**9**9 fs": "refuse", "50 K": "refuse"}, "unit-string", files=files)
    sweep("analyze", analyze, "--temperature", unit_values("K", huge="refuse"), "unit-string", files=files)
    sweep("analyze", analyze, "--stress", {"nan GPa": "refuse", "1e308 GPa": "refuse", "(1+2) GPa": "refuse",
                                           "1 K": "refuse"}, "unit-string", files=files)
    sweep("analyze", analyze, "--charge", {"0": "refuse", "1000": "refuse", "nan": "refuse", "-1": "either"}, "number",
          files=files)
    sweep("analyze", analyze, "--window", {"nan ps, 1 ps": "refuse", "5 ps, 1 ps": "refuse", "1 ps": "refuse",
                                           "9**9**9 ps, 1 ps": "refuse", "1 ps, 1e308 ps": "refuse", ",": "refuse"},
          "unit-string", files=files)
    sweep("analyze", analyze, "--max-lag-fraction", {"nan": "refuse", "0": "refuse", "2": "refuse", "-0.5": "refuse",
                                                     "inf": "refuse"}, "number", files=files)
    sweep("analyze", analyze, "--min-msd", {"nan": "refuse", "inf": "refuse", "-1": "refuse"}, "number", files=files)
    sweep("analyze", analyze, "--every", {"0": "refuse", "-1": "refuse", "1000000000": "refuse", "nan": "refuse"},
          "count-bound", files=files)
    add("analyze out taken", [*analyze, "--out", "taken"], "refuse", "overwrite", files=(*files, "prior-out"))

    arrhenius = ["diffusion", "arrhenius", "arrhenius.csv", "--json"]
    add("arrhenius baseline", arrhenius, "accept", "baseline", files=("csvs",))
    add("arrhenius two runs", ["diffusion", "arrhenius", "analyze-900", "analyze-1000", "--json"], "either", "run-dir",
        files=("run-dirs",))
    for name in ("nan.csv", "negative.csv", "one-row.csv", "same-t.csv", "wrong-columns.csv", "header-only.csv",
                 "ragged.csv", "words.csv", "empty.csv", "binary.csv", "latin1.csv", "huge-values.csv", "missing.csv"):
        add(f"arrhenius {name}", ["diffusion", "arrhenius", name, "--json"], "refuse", "file", files=("csvs",))
    for run in ("no-record", "empty-record", "binary-record", "truncated-record", "list-record", "latin1-record",
                "nan-d", "string-d", "list-d", "no-temperature", "summary-list", "negative-d", "other-run"):
        add(f"arrhenius {run} + analyze-900" + (" issue13" if run == "truncated-record" else ""),
            ["diffusion", "arrhenius", run, "analyze-900", "analyze-1000", "--json"], "refuse", "run-dir", files=("run-dirs",))
    sweep("arrhenius", arrhenius, "--extrapolate-to", unit_values("K", huge="refuse"), "unit-string", files=("csvs",))

    fit = ["diffusion", "fit-stress", "eq8.csv", "--model", "eq8", "--ion", "Xx", "--chemical-expansion", "0.07", "--json"]
    add("fit-stress eq8", fit, "either", "baseline", files=("csvs",))
    add("fit-stress eq10", ["diffusion", "fit-stress", "eq10.csv", "--model", "eq10", "--json"], "accept", "baseline",
        files=("csvs",))
    sweep("fit-stress", fit, "--chemical-expansion", {"nan": "refuse", "inf": "refuse", "-inf": "refuse",
                                                      "1e308": "refuse"}, "number", files=("csvs",))
    add("fit-stress gamma nan issue13", [*_without(fit, "--chemical-expansion"), "--chemical-expansion", "nan"], "refuse",
        "number", files=("csvs",))
    sweep("fit-stress", fit, "--model", {"eq9": "refuse", "": "refuse"}, "text", files=("csvs",))
    sweep("fit-stress", fit, "--ion", {'Na"\nevil = 1': "either", "a\nb": "either", LONG: "refuse", "": "refuse"}, "name",
          files=("csvs",))
    sweep("fit-stress", fit, "--chemical-expansion-from", {"ion-nan.toml": "refuse", "ion-binary.toml": "refuse",
                                                           "Zz": "refuse"}, "file", files=("csvs", "ion-tomls"))
    add("fit-stress --write existing issue13", [*fit, "--write", "existing.toml"], "refuse", "overwrite", files=("csvs",))
    add("fit-stress --write existing --overwrite", [*fit, "--write", "existing.toml", "--overwrite"], "either", "overwrite",
        files=("csvs",))
    add("fit-stress --write into a folder", [*fit, "--write", "nofolder/sub/ion.toml"], "either", "file", files=("csvs",))
    for name in ("eq8-words.csv", "nan.csv", "empty.csv", "binary.csv", "latin1.csv", "wrong-columns.csv"):
        add(f"fit-stress {name}", ["diffusion", "fit-stress", name, "--model", "eq8", "--chemical-expansion", "0.07",
                                   "--json"], "refuse", "file", files=("csvs",))
    for run in ("nan-d", "string-d", "summary-list", "binary-record", "other-run"):
        add(f"fit-stress {run}", ["diffusion", "fit-stress", run, "analyze-900", "--model", "eq10", "--json"], "refuse",
            "run-dir", files=("run-dirs",))

    vanhove = ["diffusion", "vanhove", "walk.extxyz", "--species", "Li", "--origins", "5", "--r-max", "4", "--json"]
    add("vanhove baseline", vanhove, "accept", "baseline", files=files)
    sweep("vanhove", vanhove, "--cluster-cutoff", {"nan": "refuse", "inf": "refuse", "-1": "refuse", "0": "refuse",
                                                   "1e308": "refuse"}, "number", files=files)
    add("vanhove --cluster-cutoff nan issue13", [*vanhove, "--cluster-species", "O", "--cluster-cutoff", "nan"], "refuse",
        "number", files=files)
    sweep("vanhove", vanhove, "--r-max", {"nan": "refuse", "inf": "either", "-1": "refuse", "0": "refuse", "1e308": "either"},
          "number", files=files)
    sweep("vanhove", vanhove, "--origins", {"0": "refuse", "-1": "refuse", "1000000000": "either", "nan": "refuse"},
          "count-bound", files=files)
    sweep("vanhove", vanhove, "--every", {"0": "refuse", "1000000000": "refuse"}, "count-bound", files=files)
    sweep("vanhove", vanhove, "--cluster-species", {"Xx": "refuse", "": "refuse"}, "text", files=files)
    for name in ("nan.extxyz", "empty.extxyz", "binary.extxyz", "one-frame.extxyz", "latin1.extxyz"):
        add(f"vanhove {name}", ["diffusion", "vanhove", name, "--json"], "refuse", "file", files=files)

    pathways = ["diffusion", "pathways", "walk.extxyz", "--every", "20", "--json"]
    add("pathways baseline", pathways, "accept", "baseline", files=files)
    sweep("pathways", pathways, "--radius", {"O=nan": "refuse", "O=inf": "refuse", "O=-1": "refuse", "O=0": "refuse",
                                             "O=1e308": "refuse", "O": "refuse", "=1": "refuse", "Xx=1": "refuse"},
          "text", files=files)
    sweep("pathways", pathways, "--mobile", {"Xx": "refuse", "": "refuse"}, "text", files=files)
    sweep("pathways", pathways, "--accuracy", {"ULTRA": "refuse", "": "refuse"}, "text", files=files)
    sweep("pathways", pathways, "--every", {"0": "refuse", "-1": "refuse", "1000000000": "either"}, "count-bound", files=files)
    for name in ("nan.extxyz", "empty.extxyz", "binary.extxyz", "latin1.extxyz", "garbage.extxyz"):
        add(f"pathways {name}", ["diffusion", "pathways", name, "--json"], "refuse", "file", files=files)


def _md() -> None:
    run = ["md", "run", "cu-fcc", "--calculator", "emt", "--temperature", "300K", "--time", "40 fs", "--equilibration",
           "0 fs", "--timestep", "5 fs", "--dump-interval", "20 fs", "--json"]
    add("md run small", [*run, "--out", "md"], "accept", "baseline")
    sweep("md", run, "--timestep", {"0 fs": "refuse", "0": "refuse", "-1 fs": "refuse", "nan fs": "refuse", "inf fs": "refuse",
                                    "1e308 fs": "refuse", "1e-30 fs": "refuse", "9**9**9 fs": "refuse"}, "unit-string")
    add("md --timestep 0 issue13", [*_without(run, "--timestep"), "--timestep", "0 fs"], "refuse", "number")
    sweep("md", run, "--time", {"1e308 ps": "refuse", "nan ps": "refuse", "-1 ps": "refuse", "1 K": "refuse",
                                "(1+2) ps": "refuse"}, "unit-string")
    sweep("md", run, "--dump-interval", {"0 fs": "refuse", "nan fs": "refuse", "-5 fs": "refuse", "3 fs": "refuse"},
          "unit-string")
    sweep("md", run, "--equilibration", {"-1 ps": "refuse", "nan ps": "refuse", "1e308 ps": "refuse"}, "unit-string")
    sweep("md", _without(run, "--temperature"), "--temperature", {"0K": "refuse", "-300K": "refuse", "nanK": "refuse",
                                                                  "1e308 K": "refuse", "300 m": "refuse", "": "refuse",
                                                                  "9**9**9 K": "refuse"}, "unit-string")
    sweep("md", run, "--strain", {"5": "refuse", "nan": "refuse", "inf": "refuse", "-5": "refuse", "1": "refuse"}, "number")
    add("md --strain 5 issue13", [*run, "--strain", "5"], "refuse", "number")
    add("md --strain nan issue13", [*run, "--strain", "nan"], "refuse", "number")
    sweep("md", run, "--repeat", {"1000x1000x1000": "refuse", "0x1x1": "refuse", "-1x1x1": "refuse", "axbxc": "refuse",
                                  "1x1": "refuse", "": "refuse", "99999999999999999999x1x1": "refuse"}, "count-bound")
    sweep("md", run, "--ensemble", {"nvq": "refuse", "": "refuse"}, "text")
    sweep("md", run, "--thermostat", {"berendsen-ish": "refuse"}, "text")
    sweep("md", run, "--barostat", {"isotropic": "refuse", "": "refuse", "tri": "refuse"}, "text")  # tri with nvt: refused
    add("md npt --barostat aniso ase", [*run, "--ensemble", "npt", "--barostat", "aniso"], "refuse", "text")
    sweep("md", run, "--damping", {"0 fs": "refuse", "nan fs": "refuse", "-1 fs": "refuse", "9**9**9 fs": "refuse"},
          "unit-string")
    sweep("md", run, "--seed", {"-1": "either", "99999999999999999999999": "refuse", "nan": "refuse"}, "number")
    sweep("md", run, "--exchange-count", {"-1": "refuse", "1000000": "refuse"}, "count-bound")
    add("md exchange ion without count", [*run, "--exchange-ion", "Ni"], "refuse", "text")
    add("md exchange concentration nan", [*run, "--exchange-ion", "Ni", "--exchange-concentration", "nan %"], "refuse",
        "unit-string")
    add("md exchange concentration 500 %", [*run, "--exchange-ion", "Ni", "--exchange-concentration", "500 %"], "refuse",
        "number")
    sweep("md", run, "--device", {"cuda:99": "refuse", "tpu": "refuse"}, "text")
    for name, expect in (("good.cif", "accept"), ("nan-cell.cif", "refuse"), ("zero-cell.cif", "refuse"),
                         ("overlap.cif", "refuse"), ("binary.cif", "refuse"), ("empty.cif", "refuse"),
                         ("truncated.cif", "refuse"), ("latin1.cif", "either"), ("notacif.cif", "refuse"),
                         ("structure.xyz", "refuse"), ("folder.cif", "refuse"), ("missing.cif", "refuse")):
        add(f"md structure {name}", [*_replace(run, "cu-fcc", name), "--out", "md"], expect, "file", files=("cifs",))
    add("md structure long", _replace(run, "cu-fcc", LONG), "refuse", "long-arg")
    add("md out taken issue13", [*run, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))
    add("md out with # issue13", [*run, "--out", "a#b"], "either", "run-dir")
    first = (*run, "--out", "md")
    add("md resume other repeat issue13", [*run, "--out", "md", "--resume", "--repeat", "2x1x1"], "refuse", "resume",
        setup=(first,))
    add("md resume other calculator issue13", [*_replace(run, "emt", "lammps:AlCu_eam"), "--out", "md", "--resume"], "refuse",
        "resume", setup=(first,))
    add("md resume other ensemble issue13", [*run, "--out", "md", "--resume", "--ensemble", "nve"], "refuse", "resume",
        setup=(first,))
    add("md resume other structure issue13", [*_replace(run, "cu-fcc", "ni-fcc"), "--out", "md", "--resume"], "refuse",
        "resume", setup=(first,))
    add("md resume other timestep", [*_replace(run, "5 fs", "2 fs"), "--out", "md", "--resume"], "refuse", "resume",
        setup=(first,))
    add("md resume same", [*run, "--out", "md", "--resume"], "accept", "resume", setup=(first,))
    add("md rerun without resume", [*run, "--out", "md"], "refuse", "overwrite", setup=(first,))
    add("md resume a foreign run", [*run, "--out", "taken", "--resume"], "refuse", "resume", files=("prior-out",))
    for name in ("ff-empty.toml", "ff-junk.toml", "ff-binary.toml", "ff-shell.toml", "missing.toml"):
        add(f"md --forcefield {name}", ["md", "run", "llzo", "--forcefield", name, "--temperature", "300K", "--time", "10 fs",
                                        "--json"], "refuse", "security" if "shell" in name else "file",
            files=("forcefields",), marker=MARKER)
    add("md --forcefield unknown", ["md", "run", "llzo", "--forcefield", "nope", "--temperature", "300K"], "refuse", "text")


def _lammps_calculator_cases() -> None:
    """The issue's security hole: pair_coeff lines of a user's potential file reach LAMMPS verbatim."""
    for name in ("shell.toml", "shell-only.toml", "python.toml", "include.toml", "print-file.toml", "semicolon.toml",
                 "newline.toml", "style-shell.toml", "coeff-outside.toml", "coeff-format.toml"):
        tag = " issue13" if name == "shell.toml" else ""
        add(f"stability entries lammps:{name}{tag}", ["stability", "entries", "cu-fcc", "--output", "e.json", "--calculator",
                                                      f"lammps:{name}", "--json"], "refuse", "security",
            files=("potentials",), marker=MARKER)
        add(f"surface-energy lammps:{name}", ["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--planes", "3,5",
                                              "--as-cleaved", "--calculator", f"lammps:{name}", "--db", "c.db", "--json"],
            "refuse", "security", files=("potentials",), marker=MARKER)
    add("md lammps:shell.toml", ["md", "run", "cu-fcc", "--calculator", "lammps:shell.toml", "--temperature", "300K", "--time",
                                 "10 fs", "--equilibration", "0 fs", "--timestep", "5 fs", "--dump-interval", "10 fs",
                                 "--json"], "refuse", "security", files=("potentials",), marker=MARKER)
    for name, expect in (("style-unknown.toml", "refuse"), ("elements-string.toml", "refuse"), ("elements-bad.toml", "refuse"),
                         ("coeff-string.toml", "refuse"), ("potential-missing.toml", "refuse"),
                         ("potential-binary.toml", "refuse"), ("eam.toml", "accept")):
        add(f"stability entries lammps:{name}", ["stability", "entries", "cu-fcc", "--output", "e.json", "--calculator",
                                                 f"lammps:{name}", "--json"], expect, "file", files=("potentials",))


def _defects() -> None:
    sites = ["defects", "sites", "--ion", "Na", "--calculator", "emt", "--db", "c.db", "--json"]
    for option, values in (("--octahedral", COUNT), ("--tetrahedral", {"-1": "refuse", "1000000000": "refuse"}),
                           ("--max-count", {"0": "refuse", "1000000": "refuse", "-2": "refuse"}),
                           ("--candidates", {"0": "refuse", "1000000000": "refuse"}),
                           ("--fmax", {"inf": "refuse", "nan": "refuse", "0": "refuse", "-1": "refuse"})):
        sweep("sites", sites, option, values, "count-bound" if option != "--fmax" else "number")
    sweep("sites", _without(sites, "--ion"), "--ion", {"Zz": "refuse", "": "refuse", LONG: "refuse", "Li": "refuse"}, "text")
    for name in ("binary.cif", "empty.cif", "nan-cell.cif", "missing.extxyz"):
        add(f"sites --host {name}", [*sites, "--host", name], "refuse", "file", files=("cifs",))
    add("sites out taken", [*sites, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))

    formation = ["defects", "formation-energy", "--ion", "Na", "--temperature", "1200 K", "--energies", "energies.json",
                 "--json"]
    add("formation energies file", formation, "accept", "baseline", files=("entries",))
    sweep("formation", formation, "--temperature", unit_values("K", huge="refuse"), "unit-string", files=("entries",))
    for name in ("energies-nan.json", "energies-zero-n.json", "energies-huge-n.json", "energies-list-precursors.json",
                 "energies-string-precursor.json", "energies-missing.json", "energies-series-bad.json",
                 "energies-series-shape.json", "energies-empty.json", "energies-binary.json", "entries.json",
                 "missing.json"):
        add(f"formation {name}", _replace(formation, "energies.json", name), "refuse", "file", files=("entries",))
    add("formation no source", ["defects", "formation-energy", "--ion", "Na", "--temperature", "1200 K"], "refuse", "text")
    add("formation ion unknown", _replace(formation, "Na", "Zz"), "refuse", "text", files=("entries",))
    for run in ("sites-empty", "sites-strings", "sites-nan", "no-record", "other-run"):
        add(f"formation --sites {run}", ["defects", "formation-energy", "--ion", "Na", "--temperature", "1200 K",
                                         "--calculator", "emt", "--sites", run, "--db", "c.db", "--json"], "refuse",
            "run-dir", files=("run-dirs",))

    configs = ["defects", "configurations", "cu-fcc", "--supercell", "2", "2", "2", "--replace", "Cu:Ni:2", "--samples", "5",
               "--keep", "1", "--charges", "Cu=0,Ni=0", "--calculator", "emt", "--db", "c.db", "--fixed-cell", "--json"]
    add("configurations small", configs, "accept", "baseline")
    sweep("configurations", configs, "--samples", {**COUNT, "100000000": "refuse"}, "count-bound")
    add("configurations --samples 10**9 issue13", [*configs, "--samples", "1000000000"], "refuse", "count-bound")
    sweep("configurations", configs, "--keep", {"0": "refuse", "-1": "refuse", "1000000000": "refuse"}, "count-bound")
    for supercell, expect in (("1000 1000 1000", "refuse"), ("0 1 1", "refuse"), ("-1 1 1", "refuse"),
                              ("100000 1 1", "refuse")):
        add(f"configurations --supercell {supercell}" + (" issue13" if supercell.startswith("1000 ") else ""),
            [*_without(configs, "--supercell"), "--supercell", *supercell.split()], expect, "count-bound")
    # ":all" replaces every atom of an element on purpose (a substituted host, one configuration): a request, not an error
    sweep("configurations", _without(configs, "--replace"), "--replace",
          {"Cu:Ni:all": "either", "Cu:Ni:0": "either", "Cu:Ni:-1": "refuse", "Cu:Ni:1000": "refuse", "Cu:Xx:1": "refuse",
           "Zr:Ni:1": "refuse", "Cu:Ni": "refuse", "Cu:Ni:nan": "refuse", ":::": "refuse", LONG: "refuse"}, "text")
    add("configurations remove every atom issue13", [*_without(configs, "--replace"), "--remove", "Cu:all"], "refuse", "number")
    sweep("configurations", configs, "--remove", {"Cu:32": "refuse", "Cu:-1": "refuse", "Xx:1": "refuse", "Cu": "refuse"},
          "text")
    sweep("configurations", configs, "--interstitial", {"Cu:1000000": "refuse", "Cu:-1": "refuse", "Cu:x": "refuse"},
          "count-bound")
    sweep("configurations", configs, "--charges", {"Cu=nan": "refuse", "Cu=": "refuse", "=1": "refuse", "Cu=1e308": "refuse",
                                                   LONG: "refuse"}, "text")
    sweep("configurations", configs, "--fmax", {"inf": "refuse", "nan": "refuse", "-1": "refuse"}, "number")
    for name, expect in (("overlapping.cif", "refuse"), ("nan-cell.cif", "refuse"), ("binary.cif", "refuse"),
                         ("huge-cell.cif", "refuse"), ("truncated.cif", "refuse"), ("huge.cif", "either")):
        add(f"configurations {name}" + (" issue13" if name == "overlapping.cif" else ""),
            _replace(configs, "cu-fcc", name), expect, "file", files=("cifs",))
    add("configurations out taken", [*configs, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))


def _stability() -> None:
    entries_ = ["stability", "entries", "cu-fcc", "ni-fcc", "--output", "e.json", "--calculator", "emt", "--db", "c.db",
                "--json"]
    add("entries small", entries_, "accept", "baseline")
    sweep("entries", entries_, "--fmax", {"inf": "refuse", "nan": "refuse", "0": "refuse", "-1": "refuse", "1e308": "refuse"},
          "number")
    add("entries --fmax inf issue13", [*entries_, "--fmax", "inf"], "refuse", "number")
    for name, expect in (("overlapping.cif", "refuse"), ("nan-cell.cif", "refuse"), ("zero-cell.cif", "refuse"),
                         ("binary.cif", "refuse"), ("empty.cif", "refuse"), ("latin1.cif", "either"),
                         ("huge-cell.cif", "refuse"), ("good.cif", "accept"), ("huge.cif", "either")):
        add(f"entries {name}", _replace(entries_, "ni-fcc", name), expect, "file", files=("cifs",))
    for name in ("molecule:Xx", "molecule:", "molecule:" + "O" * 5000, "unobtainium", LONG):
        add(f"entries {name[:20]}", _replace(entries_, "ni-fcc", name), "refuse", "text")
    add("entries output existing", [*_replace(entries_, "e.json", "good.cif")], "refuse", "overwrite", files=("cifs",))
    add("entries output folder", [*_replace(entries_, "e.json", "folder.cif")], "refuse", "file", files=("cifs",))
    add("entries --db postgres password", [*_replace(entries_, "c.db", "postgresql://me:hunter2@nohost.invalid:1/db")],
        "refuse", "security")
    add("entries --db binary file", [*_replace(entries_, "c.db", "binary.cif")], "refuse", "file", files=("cifs",))
    add("entries --db a folder", [*_replace(entries_, "c.db", ".")], "refuse", "file")

    for system in ("Li-Zr-O-N", "Xx-Yy", "", "Li--O", LONG):
        add(f"materials-project {system[:12]!r}", ["stability", "materials-project", system, "--output", "mp.json", "--json"],
            "refuse", "text")

    hull = ["stability", "hull", "--entries", "entries.json", "--json"]
    add("hull baseline", hull, "accept", "baseline", files=("entries",))
    sweep("hull", hull, "--target", {"LiCoO2=nan": "refuse", "LiCoO2=inf": "refuse", "LiCoO2=": "refuse",
                                     "=1": "refuse", "Qq=1": "refuse", "LiCoO2=-1e308": "refuse",
                                     "Li1000000000O=1": "refuse", LONG: "refuse", "LiCoO2=-20": "accept"},
          "text", files=("entries",))
    for name in ("entries-nan.json", "entries-string-energy.json", "entries-bad-formula.json", "entries-empty-formula.json",
                 "entries-missing-key.json", "entries-object.json", "entries-empty-list.json", "entries-numbers.json",
                 "entries-huge.json", "entries-big-formula.json", "entries-truncated.json", "entries-empty.json",
                 "entries-binary.json", "entries-latin1.json", "entries-deep.json", "missing.json"):
        add(f"hull {name}", _replace(hull, "entries.json", name), "refuse", "file", files=("entries",))
        add(f"reactivity {name}", ["stability", "reactivity", "--entries", name, "--cathode", "LiCoO2", "--coating", "Li2O",
                                   "--json"], "refuse", "file", files=("entries",))
    reactivity = ["stability", "reactivity", "--entries", "entries.json", "--cathode", "LiCoO2", "--coating", "Li2O", "--json"]
    add("reactivity baseline", reactivity, "accept", "baseline", files=("entries",))
    for option, value in (("--cathode", "Qq2"), ("--cathode", ""), ("--coating", "Li9999999999O"), ("--coating", LONG),
                          ("--cathode", "Li(O")):
        add(f"reactivity {option} {value[:16]!r}", [*_without(reactivity, option), option, value], "refuse", "text",
            files=("entries",))
    add("hull out taken", [*hull, "--out", "taken"], "refuse", "overwrite", files=("entries", "prior-out"))


def _interface() -> None:
    build = ["interface", "build", "cu-fcc", "ni-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
             "--max-area", "30", "--json"]
    add("interface build small", build, "accept", "baseline")
    matches = ["interface", "matches", "cu-fcc", "ni-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
               "--max-area", "30", "--json"]
    add("interface matches small", matches, "accept", "baseline")
    sweep("matches", matches, "--show", {"0": "refuse", "-1": "refuse", "x": "refuse", "1": "accept"}, "number")
    sweep("matches", matches, "--max-area", {"0": "refuse", "nan": "refuse", "1e308": "refuse"}, "count-bound")
    sweep("build", build, "--max-area", {"1e308": "refuse", "inf": "refuse", "nan": "refuse", "-1": "refuse", "0": "refuse",
                                         "1000000000": "refuse"}, "count-bound")
    add("build --max-area 1e308 issue13", [*build, "--max-area", "1e308"], "refuse", "count-bound")
    sweep("build", build, "--film-layers", {"0": "refuse", "-1": "refuse", "1000000": "refuse", "nan": "refuse"},
          "count-bound")
    add("build --film-layers 10**6 issue13", [*build, "--film-layers", "1000000"], "refuse", "count-bound")
    sweep("build", build, "--substrate-layers", {"0": "refuse", "100000000": "refuse"}, "count-bound")
    sweep("build", build, "--max-length-tol", {"nan": "refuse", "-1": "refuse", "inf": "refuse", "1e308": "refuse"}, "number")
    sweep("build", build, "--max-angle-tol", {"nan": "refuse", "-0.1": "refuse"}, "number")
    sweep("build", build, "--max-strain", {"nan": "refuse", "-1": "refuse", "inf": "refuse"}, "number")
    sweep("build", build, "--max-shear", {"nan": "refuse", "-1": "refuse", "1e308": "refuse"}, "number")
    sweep("build", build, "--gap", {"nan": "refuse", "-5": "refuse", "1e308": "refuse", "inf": "refuse"}, "number")
    sweep("build", build, "--vacuum", {"nan": "refuse", "-1": "refuse", "1e308": "refuse"}, "number")
    sweep("build", build, "--termination", {"-1": "refuse", "1000": "refuse", "nan": "refuse"}, "number")
    add("build miller 0 0 0", [*_without(build, "--film-miller"), "--film-miller", "0", "0", "0"], "refuse", "number")
    add("build miller huge", [*_without(build, "--film-miller"), "--film-miller", "1000", "999", "998"], "refuse",
        "count-bound")
    add("build substrate overlapping", _replace(build, "cu-fcc", "overlapping.cif"), "refuse", "file", files=("cifs",))
    add("build film nan cell", _replace(build, "ni-fcc", "nan-cell.cif"), "refuse", "file", files=("cifs",))
    add("build film binary", _replace(build, "ni-fcc", "binary.cif"), "refuse", "file", files=("cifs",))
    add("build out taken", [*build, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))

    search = ["interface", "search", "cu-fcc", "ni-fcc", "--substrate-miller", "1", "0", "0", "--film-miller", "1", "0", "0",
              "--max-area", "30", "--calculator", "emt", "--db", "c.db", "--method", "grid", "--objective", "single-point",
              "--lateral-max", "0.5", "--lateral-step", "0.5", "--vertical-max", "0", "--no-adhesion", "--json"]
    sweep("search", search, "--lateral-step", {"0": "refuse", "-0.25": "refuse", "nan": "refuse", "1e-300": "refuse"},
          "count-bound")
    sweep("search", search, "--lateral-max", {"1e308": "refuse", "inf": "refuse", "nan": "refuse", "-1": "refuse"},
          "count-bound")
    sweep("search", search, "--vertical-step", {"0": "refuse", "nan": "refuse", "1e-300": "refuse"}, "count-bound")
    sweep("search", search, "--vertical-max", {"1e308": "refuse", "nan": "refuse"}, "count-bound")
    sweep("search", search, "--initial", {"-1": "refuse", "1000000000": "refuse"}, "count-bound")
    sweep("search", search, "--patience", {"-1": "refuse", "1000000000": "either"}, "count-bound")
    sweep("search", search, "--method", {"annealing": "refuse"}, "text")
    sweep("search", search, "--objective", {"vibes": "refuse"}, "text")
    sweep("search", search, "--fmax", {"inf": "refuse", "nan": "refuse", "-1": "refuse"}, "number")
    sweep("search", search, "--max-area", {"1e308": "refuse"}, "count-bound")
    add("search out taken", [*search, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))

    neb = ["interface", "neb", "search-empty", "--calculator", "emt", "--db", "c.db", "--json"]
    for run in ("search-empty", "search-noextxyz", "no-record", "binary-record", "truncated-record", "other-run",
                "missing-dir"):
        add(f"interface neb {run}" + (" issue13" if run == "search-empty" else ""), _replace(neb, "search-empty", run),
            "refuse", "run-dir", files=("run-dirs",))
    for option, value in (("--images", "0"), ("--images", "1000000"), ("--neb-fmax", "inf"), ("--neb-fmax", "nan"),
                          ("--min-image", "1e308"), ("--from", "-5"), ("--to", "99999999"), ("--species", "Xx")):
        add(f"interface neb {option} {value}", [*neb, option, value], "refuse", "number", files=("run-dirs",))


def _atomistic() -> None:
    surface = ["surface-energy", "cu-fcc", "--miller", "1", "0", "0", "--planes", "3,5", "--calculator", "emt", "--db", "c.db",
               "--json"]
    add("surface-energy small", surface, "accept", "baseline")
    sweep("surface-energy", surface, "--strain", {"5": "refuse", "nan": "refuse", "inf": "refuse", "-1": "refuse",
                                                  "-0.99": "refuse", "0.02": "accept"}, "number")
    add("surface-energy --strain 5 issue13", [*surface, "--strain", "5"], "refuse", "number")
    add("surface-energy --strain nan issue13", [*surface, "--strain", "nan"], "refuse", "number")
    sweep("surface-energy", surface, "--fmax", {"inf": "refuse", "nan": "refuse", "0": "refuse", "-1": "refuse",
                                                "1e308": "refuse"}, "number")
    add("surface-energy --fmax inf issue13", [*surface, "--fmax", "inf"], "refuse", "number")
    sweep("surface-energy", surface, "--planes", {"3,5,100000": "refuse", "1000000000": "refuse", "0,1": "refuse",
                                                  "": "refuse", "a": "refuse", "5": "refuse", "3,,5": "refuse",
                                                  "-3,5": "refuse", ",".join(["5"] * 20000): "refuse"}, "count-bound")
    add("surface-energy --planes huge issue13", [*surface, "--planes", "3,5,1000000"], "refuse", "count-bound")
    sweep("surface-energy", surface, "--termination", {"-1": "refuse", "1000": "refuse"}, "number")
    sweep("surface-energy", surface, "--device", {"cuda": "refuse", "": "refuse"}, "text")
    sweep("surface-energy", surface, "--calculator", {"": "refuse", "lammps:": "refuse", "lammps:../../etc/passwd": "refuse",
                                                      "EMT ": "either", LONG: "refuse"}, "text")
    for miller, expect in (("0 0 0", "refuse"), ("1000000 0 0", "refuse"), ("-1 0 0", "either"), ("99 98 97", "refuse")):
        add(f"surface-energy --miller {miller}", [*_without(surface, "--miller"), "--miller", *miller.split()], expect,
            "number")
    for name, expect in (("nan-cell.cif", "refuse"), ("overlapping.cif", "refuse"), ("zero-cell.cif", "refuse"),
                         ("binary.cif", "refuse"), ("empty.cif", "refuse"), ("truncated.cif", "refuse"),
                         ("latin1.cif", "either"), ("good.cif", "accept"), ("huge-cell.cif", "refuse"),
                         ("huge.cif", "either"), ("folder.cif", "refuse"), ("notacif.cif", "refuse")):
        add(f"surface-energy {name}" + (" issue13" if name in ("nan-cell.cif", "overlapping.cif") else ""),
            _replace(surface, "cu-fcc", name), expect, "file", files=("cifs",))
    terminations = ["surface-terminations", "cu3au.extxyz", "--miller", "1,0,0", "--cells", "1,2", "--as-cleaved", "--calculator",
                    "emt", "--db", "c.db", "--json"]
    add("surface-terminations small", terminations, "accept", "baseline", files=("cifs",))
    sweep("surface-terminations", _without(terminations, "--miller"), "--miller",
          {"1,0": "refuse", "0,0,0": "refuse", "1000000,0,0": "refuse", "a,b,c": "refuse", "": "refuse", "-1,0,0": "accept",
           "1,,0": "refuse", LONG: "refuse"}, "number", files=("cifs",))
    sweep("surface-terminations", terminations, "--cells", {"2": "refuse", "2,2": "refuse", "0,1": "refuse", "1,1000000000": "refuse",
                                                            "": "refuse", "x": "refuse"}, "count-bound", files=("cifs",))
    sweep("surface-terminations", terminations, "--termination", {"-1": "refuse", "5": "refuse", "0": "accept"}, "number",
          files=("cifs",))
    add("surface-terminations a facet twice", [*terminations, "--miller", "-1,0,0"], "refuse", "number", files=("cifs",))
    add("surface-terminations an element", _replace(terminations, "cu3au.extxyz", "cu-fcc"), "refuse", "number")
    add("surface-terminations oxide on emt", _replace(terminations, "cu3au.extxyz", "lif"), "refuse", "number")
    add("surface-terminations --compensate on an alloy", [*terminations, "--compensate"], "refuse", "number", files=("cifs",))
    for value, extra in (("O", []), ("Xx", ["--compensate"]), ("O", ["--compensate"]), ("", ["--compensate"])):
        add(f"surface-terminations --compensate-with {value!r} {' '.join(extra)}", [*terminations, *extra, "--compensate-with", value],
            "refuse", "number", files=("cifs",))
    add("surface-energy out taken issue13", [*surface, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))
    add("surface-energy out taken --overwrite", [*surface, "--out", "taken", "--overwrite"], "accept", "overwrite",
        files=("prior-out",))
    add("surface-energy out unwritable", [*surface, "--out", "/proc/sselab-fuzz"], "refuse", "run-dir")
    add("surface-energy out under a file", [*surface, "--out", "good.cif/run"], "refuse", "run-dir", files=("cifs",))
    add("surface-energy db unwritable", [*_replace(surface, "c.db", "/proc/sselab-fuzz.db")], "refuse", "file")
    add("surface-energy db corrupt", [*_replace(surface, "c.db", "binary.cif")], "refuse", "file", files=("cifs",))
    add("surface-energy db wrong suffix", [*_replace(surface, "c.db", "cache.txt")], "either", "file")
    add("surface-energy db mysql url", [*_replace(surface, "c.db", "mysql://u:pw@h/db")], "refuse", "security")

    adhesion = ["adhesion", "cu-fcc", "ni-fcc", "--metal-planes", "3", "--substrate-planes", "2", "--calculator", "emt", "--db",
                "c.db", "--json"]
    add("adhesion small", adhesion, "either", "baseline")
    sweep("adhesion", adhesion, "--metal-planes", {"0": "refuse", "-1": "refuse", "10000000": "refuse"}, "count-bound")
    sweep("adhesion", adhesion, "--substrate-planes", {"0": "refuse", "10000000": "refuse"}, "count-bound")
    sweep("adhesion", adhesion, "--max-strain", {"nan": "refuse", "inf": "refuse", "-1": "refuse", "5": "refuse"}, "number")
    sweep("adhesion", adhesion, "--min-image", {"nan": "refuse", "1e308": "refuse", "inf": "refuse", "-1": "refuse"},
          "count-bound")
    sweep("adhesion", adhesion, "--fmax", {"inf": "refuse", "nan": "refuse"}, "number")
    sweep("adhesion", adhesion, "--registry", {"diagonal": "refuse"}, "text")
    sweep("adhesion", adhesion, "--substrate-termination", {"Xx": "refuse", "": "refuse"}, "text")
    sweep("adhesion", adhesion, "--fix-substrate-planes", {"-1": "refuse", "99": "refuse"}, "count-bound")
    sweep("adhesion", adhesion, "--max-area", {"-1": "refuse", "inf": "refuse", "1e308": "refuse"}, "number")
    sweep("adhesion", adhesion, "--substrate-cut", {"-1": "refuse", "99": "refuse"}, "count-bound")
    add("adhesion metal binary", _replace(adhesion, "cu-fcc", "binary.cif"), "refuse", "file", files=("cifs",))
    add("adhesion substrate overlapping", _replace(adhesion, "ni-fcc", "overlapping.cif"), "refuse", "file", files=("cifs",))

    profile = ["vacancy-profile", "cu-fcc", "--metal-planes", "5", "--planes", "3,5", "--modes", "as-cleaved", "--calculator",
               "emt", "--db", "c.db", "--json"]
    add("vacancy-profile small", profile, "accept", "baseline")
    sweep("vacancy-profile", profile, "--metal-planes", {"0": "refuse", "1": "refuse", "100000000": "refuse"}, "count-bound")
    sweep("vacancy-profile", profile, "--planes", {"3,5,100000000": "refuse", "": "refuse", "x": "refuse"}, "count-bound")
    sweep("vacancy-profile", profile, "--layers", {"0": "refuse", "99": "refuse", "-1": "refuse", "a": "refuse",
                                                   "1," * 10000 + "1": "refuse"}, "count-bound")
    sweep("vacancy-profile", profile, "--modes", {"melted": "refuse", "": "refuse", "as-cleaved,as-cleaved": "either"}, "text")
    sweep("vacancy-profile", profile, "--min-image", {"nan": "refuse", "1e308": "refuse", "inf": "refuse"}, "count-bound")
    sweep("vacancy-profile", profile, "--fmax", {"inf": "refuse", "nan": "refuse"}, "number")
    sweep("vacancy-profile", profile, "--termination", {"-1": "refuse", "1000": "refuse", "nan": "refuse"}, "number")
    add("vacancy-profile termination at an interface", [*profile, "--substrate", "ni-fcc", "--termination", "1"], "refuse", "number")
    add("vacancy-profile substrate unknown", [*profile, "--substrate", "unobtainium"], "refuse", "text")
    add("vacancy-profile substrate binary", [*profile, "--substrate", "binary.cif"], "refuse", "file", files=("cifs",))
    add("vacancy-profile nan cell", _replace(profile, "cu-fcc", "nan-cell.cif"), "refuse", "file", files=("cifs",))

    neb = ["neb", "cu-fcc", "--metal-planes", "5", "--images", "1", "--calculator", "emt", "--db", "c.db", "--json"]
    # no accepted neb case: the smallest EMT band still takes > 20 s on a loaded 2-core machine
    sweep("neb", neb, "--neb-fmax", {"inf": "refuse", "nan": "refuse", "0": "refuse", "-1": "refuse", "1e308": "refuse"},
          "number")
    add("neb --neb-fmax inf issue13", [*neb, "--neb-fmax", "inf"], "refuse", "number")
    sweep("neb", neb, "--fmax", {"inf": "refuse", "nan": "refuse"}, "number")
    sweep("neb", neb, "--images", {"0": "refuse", "-1": "refuse", "1000000": "refuse", "nan": "refuse"}, "count-bound")
    sweep("neb", neb, "--from-layer", {"0": "refuse", "-1": "refuse", "99": "refuse"}, "number")
    # from layer 1 (the default) to layer 1 is an in-plane hop, a path the NEB computes
    sweep("neb", neb, "--to-layer", {"5": "refuse", "1": "either", "99999999": "refuse"}, "number")
    sweep("neb", neb, "--metal-planes", {"0": "refuse", "10000000": "refuse"}, "count-bound")
    sweep("neb", neb, "--max-hop", {"0": "refuse", "-1": "refuse", "nan": "refuse", "inf": "refuse", "11": "refuse"}, "number")
    sweep("neb", neb, "--min-image", {"1e308": "refuse", "nan": "refuse"}, "count-bound")
    sweep("neb", neb, "--termination", {"-1": "refuse", "1000": "refuse"}, "number")
    add("neb binary structure", _replace(neb, "cu-fcc", "binary.cif"), "refuse", "file", files=("cifs",))
    add("neb out taken", [*neb, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))

    expansion = ["expansion", "sites-empty", "--calculator", "emt", "--db", "c.db", "--json"]
    for run in ("sites-empty", "sites-strings", "sites-nan", "no-record", "binary-record", "truncated-record", "list-record",
                "other-run", "missing-dir"):
        add(f"expansion {run}" + (" issue13" if run == "sites-empty" else ""), _replace(expansion, "sites-empty", run),
            "refuse", "run-dir", files=("run-dirs",))
    add("expansion --fmax inf", [*expansion, "--fmax", "inf"], "refuse", "number", files=("run-dirs",))
    add("expansion --base-ion nan", [*expansion, "--base-ion", "ion-nan.toml"], "refuse", "file",
        files=("run-dirs", "ion-tomls"))


def _potential_group() -> None:
    """sselab potential sample|fit|validate|learn: training data, fit settings and force-field files."""
    files = ("training-sets",)
    fit = ["potential", "fit", "train.extxyz", "--json"]
    add("potential fit baseline", [*fit, "--out", "fit"], "accept", "baseline", files=files)
    for name in ("train-no-forces.extxyz", "train-charged.extxyz", "train-duplicates.extxyz", "train-empty.extxyz",
                 "train-binary.extxyz", "train-truncated.extxyz", "missing.extxyz"):
        add(f"potential fit {name}", ["potential", "fit", name, "--json"], "refuse", "file", files=files)
    sweep("potential fit", fit, "--weights", {"energy=abc": "refuse", "energy=-1": "refuse", "forces=nan": "refuse",
                                              "bogus=1": "refuse", "energy=0,forces=0,stress=0": "refuse", "energy": "refuse",
                                              "energy=1e999": "refuse"}, "text", files=files)
    sweep("potential fit", fit, "--holdout", {"0.9": "refuse", "nan": "refuse", "-0.1": "refuse", "inf": "refuse"}, "number",
          files=files)
    sweep("potential fit", fit, "--cutoff", {"0": "refuse", "1e9": "refuse", "nan": "refuse", "-8": "refuse"}, "number",
          files=files)
    sweep("potential fit", fit, "--short-range-cutoff", {"50": "refuse", "0": "refuse", "nan": "refuse"}, "number", files=files)
    sweep("potential fit", fit, "--name", {"../x": "refuse", "": "refuse", "a b": "refuse", LONG: "refuse"}, "text", files=files)
    sweep("potential fit", fit, "--initial", {"no-such-set": "refuse", "ff-charged.toml": "refuse"}, "file", files=files)
    sample = ["potential", "sample", "li2o", "--calculator", "ff:ff-rigid.toml", "--db", "c.db", "--rattled", "2", "--json"]
    add("potential sample baseline", [*sample, "--out", "sample"], "accept", "baseline", files=files)
    add("potential sample emt cannot do Li", [*_replace(sample, "ff:ff-rigid.toml", "emt")], "refuse", "name", files=files)
    add("potential sample ff charged set", [*_replace(sample, "ff:ff-rigid.toml", "ff:ff-charged.toml")], "refuse", "file",
        files=files)
    add("potential sample ff negative D", [*_replace(sample, "ff:ff-rigid.toml", "ff:ff-negative-D.toml")], "refuse", "file",
        files=files)
    sweep("potential sample", sample, "--rattle", {"5": "refuse", "nan": "refuse", "-0.1": "refuse"}, "number", files=files)
    sweep("potential sample", sample, "--strains", {"abc": "refuse", "nan": "refuse", "0.9": "refuse", ",": "refuse"},
          "text", files=files)
    sweep("potential sample", _without(sample, "--rattled"), "--rattled", {**COUNT, "0": "either"}, "count-bound", files=files)
    sweep("potential sample", sample, "--exchange-ion", {"Xx": "refuse", "Li": "refuse", "": "refuse"}, "text", files=files)
    validate = ["potential", "validate", "ff-rigid.toml", "--data", "train.extxyz", "--json"]
    add("potential validate baseline", [*validate, "--out", "val"], "accept", "baseline", files=files)
    add("potential validate charged set", ["potential", "validate", "ff-charged.toml", "--json"], "refuse", "file", files=files)
    add("potential validate missing set", ["potential", "validate", "missing.toml", "--json"], "refuse", "file", files=files)
    add("potential validate structure without reference", [*validate, "--structure", "li2o"], "refuse", "usage", files=files)
    add("potential validate core-shell set", ["potential", "validate", "llzo_bush_coreshell", "--data", "train.extxyz", "--json"],
        "refuse", "file", files=files)
    learn = ["potential", "learn", "train.extxyz", "--structure", "li2o", "--calculator", "ff:ff-rigid.toml", "--db", "c.db",
             "--json"]
    sweep("potential learn", learn, "--temperature", {"5000K": "refuse", "0K": "refuse", "nanK": "refuse", "300 m": "refuse"},
          "unit-string", files=files)
    sweep("potential learn", learn, "--picked", {"20": "refuse", "0": "refuse"}, "count-bound", files=files)
    sweep("potential learn", learn, "--max-rounds", {"0": "refuse", "1000": "refuse"}, "count-bound", files=files)
    sweep("potential learn", learn, "--time", {"0 ps": "refuse", "1e308 ps": "refuse", "1 K": "refuse"}, "unit-string",
          files=files)


def _electronic() -> None:
    dos = ["electronic", "dos", "lif", "--kpts", "1x1x1", "--ecut", "200", "--db", "c.db", "--json"]
    add("electronic dos baseline", dos, "accept", "baseline")
    sweep("electronic dos", _without(dos, "--kpts"), "--kpts", {"0x1x1": "refuse", "abc": "refuse", "1x1": "refuse", "99": "refuse",
                                                               "-1": "refuse", "": "refuse"}, "count-bound")
    sweep("electronic dos", _without(dos, "--ecut"), "--ecut", {**BAD_FLOATS, "-1": "refuse", "0": "refuse", "1e308": "refuse"},
          "number")
    sweep("electronic dos", dos, "--width", {**BAD_FLOATS, "-1": "refuse", "0": "refuse"}, "number")
    sweep("electronic dos", dos, "--layers", {"c:0": "refuse", "q:3": "refuse", "c:": "refuse", "c:99999999999": "refuse"}, "text")
    sweep("electronic dos", dos, "--charge", {"1000": "refuse", "1.5": "refuse", "-999": "refuse"}, "count-bound")
    sweep("electronic dos", dos, "--hubbard", {"Co:d:nan": "refuse", "Xx:d:3": "refuse", "Li:x:3": "refuse", "Co:d:3": "refuse",
                                              LONG: "refuse"}, "text")
    sweep("electronic dos", dos, "--mode", {"fd": "refuse", "": "refuse"}, "name")
    sweep("electronic dos", _without(dos, "--calculator"), "--calculator", {"chgnet": "refuse", "gpaw:nbands=3": "refuse",
                                                                           "gpaw:ecut=nan": "refuse", "gpaw:u=": "refuse"}, "name")
    add("electronic dos odd electrons without spin", [*dos, "--charge", "-1", "--no-spin"], "refuse", "number")
    add("electronic dos missing reference", [*dos, "--reference", "missing-run"], "refuse", "file")
    for name, expect in (("overlapping.cif", "refuse"), ("nan-cell.cif", "refuse"), ("zero-cell.cif", "refuse"),
                         ("binary.cif", "refuse"), ("empty.cif", "refuse"), ("huge-cell.cif", "refuse")):
        add(f"electronic dos {name}", _replace(dos, "lif", name), expect, "file", files=("cifs",))
    add("electronic dos out taken", [*dos, "--out", "taken"], "refuse", "overwrite", files=("prior-out",))
    excess = ["electronic", "excess-charge", "lif", "--kpts", "1x1x1", "--ecut", "200", "--db", "c.db", "--json"]
    sweep("electronic excess-charge", excess, "--window", {"a:c=0:1e999": "refuse", "a:c=nan:1": "refuse", "a:c=-1:1": "refuse",
                                                          "x": "refuse", "a:c=3:1": "refuse", LONG: "refuse"}, "text")
    sweep("electronic excess-charge", excess, "--charge", {"0": "refuse", "5": "refuse", "1.5": "refuse"}, "count-bound")


def _cli_level() -> None:
    """Argument-parsing hostility common to every command."""
    for group in (*GROUPS, *TOP_LEVEL):
        add(f"{group} unknown option", [group, "--no-such-option"], "refuse", "usage")
    for group in GROUPS:
        add(f"{group} unknown subcommand", [group, "no-such-command"], "refuse", "usage")
        add(f"{group} long subcommand", [group, LONG], "refuse", "long-arg")
    add("root unknown command", ["no-such-command"], "refuse", "usage")
    add("root long option", ["--" + LONG], "refuse", "long-arg")
    add("root escape sequence", ["li0", "solve", "fig3\x1b[2J\x07"], "refuse", "text")
    add("root non-utf8 surrogate", ["li0", "solve", "fig3\udcff"], "refuse", "text")


def build() -> list[Case]:
    """Every case of the corpus, in a stable order."""
    CASES.clear()
    for section in (_ion_exchange, _li0, _segregation, _diffusion, _md, _lammps_calculator_cases, _defects, _stability,
                    _interface, _atomistic, _potential_group, _electronic, _cli_level):
        section()
    names = [case.name for case in CASES]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate case names: {sorted(duplicates)[:5]}")
    return list(CASES)


@functools.cache
def corpus() -> tuple[Case, ...]:
    """The corpus (built once per process)."""
    return tuple(build())
