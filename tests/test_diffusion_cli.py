"""``sselab diffusion …`` end to end on synthetic trajectories, and the hand-offs to ion-exchange."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from ase import Atoms
from ase.io import write
from conftest import run_cli
from scipy.constants import e, k

SPACING, BOX = 2.0, 16.0


def write_walk(path, probability, frames=800, walkers=40, dt=50.0, temperature=900.0, wrap=True, cell=True, seed=0, times=True, extra=None):
    """Li on a simple-cubic lattice hopping with ``probability`` per frame, among fixed O; D = p a²/(6 dt)."""
    rng = np.random.default_rng(seed)
    directions = np.vstack([np.eye(3), -np.eye(3)]) * SPACING
    hops = directions[rng.integers(0, 6, (frames, walkers))] * (rng.random((frames, walkers)) < probability)[..., None]
    hops[0] = 0
    grid = np.stack(np.meshgrid(*[np.arange(8) * SPACING] * 3, indexing="ij"), -1).reshape(-1, 3)
    positions = grid[rng.choice(len(grid), walkers, replace=False)] + np.cumsum(hops, axis=0)
    host = rng.random((12, 3)) * BOX
    symbols = ["Li"] * walkers + ["O"] * 12 + (list(extra) if extra else [])
    extra_positions = rng.random((len(extra), 3)) * BOX if extra else np.zeros((0, 3))
    images = []
    for index in range(frames):
        atoms = Atoms(symbols, positions=np.vstack([positions[index], host, extra_positions]),
                      cell=[BOX] * 3 if cell else None, pbc=cell)
        if wrap and cell:
            atoms.wrap()
        elif wrap:
            atoms.positions[:] = atoms.positions % BOX
        if times:
            atoms.info["time_fs"] = index * dt
        atoms.info["target_temperature_K"] = temperature
        images.append(atoms)
    write(path, images, format="extxyz")
    return probability * SPACING**2 / (6 * dt) * 1e-5  # m²/s


def analyze(tmp_path, capsys, trajectory, *extra):
    code, out, err = run_cli(["diffusion", "analyze", str(trajectory), "--species", "Li", "--json", *extra], capsys)
    assert code == 0, err
    return json.loads(out)


def test_analyze_recovers_d_and_the_nernst_einstein_conductivity(tmp_path, capsys):
    trajectory = tmp_path / "walk.extxyz"
    expected = write_walk(trajectory, 0.05)
    summary = analyze(tmp_path, capsys, trajectory, "--out", str(tmp_path / "run"))
    assert summary["diffusive"] is True and summary["species"] == "Li"
    assert abs(summary["D_m2_per_s"] - expected) < 3 * summary["D_stderr_m2_per_s"]
    density = 40 / (BOX * 1e-10) ** 3
    assert summary["conductivity_S_per_m"] == pytest.approx(density * e**2 * summary["D_m2_per_s"] / (k * 900.0), rel=1e-9)
    assert summary["frame_interval_fs"] == 50.0 and summary["temperature_K"] == 900.0
    assert (tmp_path / "run" / "msd.png").is_file() and (tmp_path / "run" / "msd.nc").is_file()


def test_analyze_reports_frozen_ions_as_not_diffusive(tmp_path, capsys):
    trajectory = tmp_path / "frozen.extxyz"
    write_walk(trajectory, 0.0)
    summary = analyze(tmp_path, capsys, trajectory, "--out", str(tmp_path / "run"))
    assert summary["diffusive"] is False and summary["D_m2_per_s"] is None and summary["conductivity_S_per_m"] is None
    assert summary["reason"]


@pytest.mark.parametrize(
    ("options", "kwargs", "message"),
    [
        (["--species", "Na"], {}, "Na not in the trajectory"),
        (["--species", "Li"], {"cell": False}, "no cell"),
        (["--species", "Li", "--frame-interval", "20 fs"], {}, "disagrees"),
        (["--species", "Li"], {"times": False}, "--frame-interval"),
        (["--species", "Li", "--frame-interval", "-3 fs"], {"times": False}, "positive"),
    ],
)
def test_analyze_bad_input_is_one_line_and_exit_2(tmp_path, capsys, options, kwargs, message):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.3, frames=60, **kwargs)
    code, out, err = run_cli(["diffusion", "analyze", str(trajectory), *options, "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_arrhenius_from_analyze_runs_recovers_the_activation_energy(tmp_path, capsys):
    """Hop probabilities set by p = p0 exp(−E_a/k_BT) give runs whose Arrhenius fit returns E_a."""
    energy, k_ev = 0.3, 8.617333262e-5
    runs = []
    for index, temperature in enumerate((900.0, 1100.0, 1400.0)):
        probability = 2.0 * np.exp(-energy / (k_ev * temperature))
        trajectory = tmp_path / f"walk{index}.extxyz"
        write_walk(trajectory, probability, temperature=temperature, frames=1200, walkers=60, seed=index)
        analyze(tmp_path, capsys, trajectory, "--out", str(tmp_path / f"run{index}"))
        runs.append(str(tmp_path / f"run{index}"))
    code, out, err = run_cli(["diffusion", "arrhenius", *runs, "--json", "--out", str(tmp_path / "fit")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["weighted"] and summary["points"] == 3
    assert abs(summary["activation_energy_eV"] - energy) < 3 * summary["activation_energy_stderr_eV"]
    assert summary["activation_energy_stderr_eV"] < 0.05
    assert (tmp_path / "fit" / "arrhenius.png").is_file()


def test_arrhenius_needs_two_diffusive_runs(tmp_path, capsys):
    trajectory = tmp_path / "frozen.extxyz"
    write_walk(trajectory, 0.0, frames=100)
    analyze(tmp_path, capsys, trajectory, "--out", str(tmp_path / "frozen"))
    code, _, err = run_cli(["diffusion", "arrhenius", str(tmp_path / "frozen"), "--out", str(tmp_path / "fit")], capsys)
    assert code == 2 and "two or more diffusive runs" in err


def test_eq8_fit_writes_an_ion_file_that_ion_exchange_design_reads(tmp_path, capsys):
    from scipy.constants import R

    stress = np.array([-1.2e9, 0.0, 0.6e9, 1.3e9] * 2)
    concentration = np.repeat([1 / 56, 2 / 56], 4)
    truth = (6.73e-12, 26.49e-7, 0.0925)
    diffusivity = truth[0] * np.exp(-stress * truth[1] / (R * 1200)) * (1 - concentration / truth[2])
    table = tmp_path / "na.csv"
    table.write_text("temperature_K,stress_Pa,concentration,D_m2_per_s\n" + "".join(
        f"1200,{s},{c},{d}\n" for s, c, d in zip(stress, concentration, diffusivity, strict=True)))
    code, out, err = run_cli(["diffusion", "fit-stress", str(table), "--model", "eq8", "--ion", "Na", "--chemical-expansion-from", "Na",
                              "--json", "--out", str(tmp_path / "fit")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["D1_m2_per_s"] == pytest.approx(truth[0], rel=1e-5)
    assert summary["saturation_concentration"] == pytest.approx(truth[2], rel=1e-5)
    written = tomllib.loads((tmp_path / "fit" / "ion.toml").read_text())
    assert written["name"] == "Na" and written["saturation_concentration"] == pytest.approx(truth[2], rel=1e-5)
    code, out, err = run_cli(["ion-exchange", "design", "--ion", str(tmp_path / "fit" / "ion.toml"), "--surface-concentration", "5 %",
                              "--json", "--out", str(tmp_path / "design")], capsys)
    assert code == 0, err
    packaged_code, packaged_out, _ = run_cli(["ion-exchange", "design", "--ion", "Na", "--surface-concentration", "5 %", "--json",
                                              "--out", str(tmp_path / "design-packaged")], capsys)
    ours, packaged = json.loads(out), json.loads(packaged_out)
    assert packaged_code == 0
    assert ours["center_stress_Pa"] == pytest.approx(packaged["center_stress_Pa"], rel=1e-4)


def test_eq10_fit_writes_a_law_that_li_penalty_reads(tmp_path, capsys):
    from scipy.constants import R

    temperature = np.repeat([900.0, 1000.0, 1100.0, 1200.0], 3)
    stress = np.tile([-1e9, 0.0, 1e9], 4)
    diffusivity = 2e-8 * np.exp(-stress * 5e-7 / (R * temperature)) * np.exp(-0.28 / (8.617333262e-5 * temperature))
    table = tmp_path / "li.csv"
    table.write_text("temperature_K,stress_Pa,D_m2_per_s\n" + "".join(f"{t},{s},{d}\n" for t, s, d in zip(temperature, stress, diffusivity, strict=True)))
    code, out, err = run_cli(["diffusion", "fit-stress", str(table), "--model", "eq10", "--json", "--out", str(tmp_path / "fit")], capsys)
    assert code == 0, err
    assert json.loads(out)["activation_energy_eV"] == pytest.approx(0.28, rel=1e-6)
    law = str(tmp_path / "fit" / "li_law.toml")
    code, out, err = run_cli(["ion-exchange", "li-penalty", "--exchanged", law, "--bulk", law, "--stress", "1 GPa", "--json",
                              "--out", str(tmp_path / "penalty")], capsys)
    assert code == 0, err
    penalty = json.loads(out)
    assert penalty["ratio_to_bulk_zero_stress"] == pytest.approx(1.0)
    assert penalty["ratio_to_bulk_stressed"] == pytest.approx(np.exp(-1e9 * 5e-7 / (R * 300)), rel=1e-5)


def test_vanhove_command_writes_the_correlation_outputs_and_checks_clustering(tmp_path, capsys):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=300, extra=["K"] * 4)
    code, out, err = run_cli(["diffusion", "vanhove", str(trajectory), "--species", "Li", "--cluster-species", "K", "--json",
                              "--out", str(tmp_path / "vh")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["nearest_neighbour_A"] == pytest.approx(SPACING, abs=0.15)
    assert summary["tau1_fs"] is not None and summary["clustering"]["clustered"] is False
    for name in ("vanhove.png", "vanhove.nc", "correlation_length.png", "density_map.png", "clustering.png"):
        assert (tmp_path / "vh" / name).is_file()
