"""MSD, diffusivity, trajectory reading and DiffusionAnalysis on synthetic trajectories with known D."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import Atoms
from ase.io import write
from matplotlib.figure import Figure
from scipy.constants import e, k

from sselab.analysis.diffusion import DiffusionAnalysis, exchange_fraction, formal_charge_number
from sselab.analysis.msd import A2_PER_FS_TO_M2_PER_S, estimate_diffusivity, msd_per_atom
from sselab.analysis.trajectory import trajectory_from_frames
from sselab.errors import SSELabError

SPACING, BOX = 2.0, 16.0


def brownian(rng, frames, atoms, d_a2_per_fs, dt_fs):
    steps = rng.normal(0.0, np.sqrt(2 * d_a2_per_fs * dt_fs), (frames, atoms, 3))
    steps[0] = 0.0
    return np.cumsum(steps, axis=0)


def lattice_walk(rng, frames, atoms, spacing, probability):
    """Each frame every atom hops to one of its 6 simple-cubic neighbours with ``probability``."""
    directions = np.vstack([np.eye(3), -np.eye(3)]) * spacing
    hops = directions[rng.integers(0, 6, (frames, atoms))] * (rng.random((frames, atoms)) < probability)[..., None]
    hops[0] = 0.0
    return np.cumsum(hops, axis=0)


def frames_from(positions, symbols, cell=None, dt_fs=None, wrap=True):
    for index, xyz in enumerate(positions):
        atoms = Atoms(symbols, positions=xyz, cell=cell, pbc=cell is not None)
        if cell is not None and wrap:
            atoms.wrap()
        if dt_fs is not None:
            atoms.info["time_fs"] = index * dt_fs
        yield atoms


def write_walk(path, probability, frames=800, walkers=40, dt=50.0, temperature=900.0, wrap=True, cell=True, seed=0, times=True, extra=None):
    """Li on a simple-cubic lattice hopping with ``probability`` per frame, among fixed O, as extended XYZ.

    Returns the hop diffusivity D = p a²/(6 dt) in m²/s.
    """
    rng = np.random.default_rng(seed)
    hops = lattice_walk(rng, frames, walkers, SPACING, probability)
    grid = np.stack(np.meshgrid(*[np.arange(8) * SPACING] * 3, indexing="ij"), -1).reshape(-1, 3)
    positions = grid[rng.choice(len(grid), walkers, replace=False)] + hops
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


def test_fft_msd_equals_the_direct_time_average_and_chunking_changes_nothing():
    positions = brownian(np.random.default_rng(0), 300, 7, 1e-3, 10.0)
    fast = msd_per_atom(positions)
    for lag in (1, 17, 150, 299):
        direct = np.mean(np.sum((positions[lag:] - positions[:-lag]) ** 2, axis=2), axis=0)
        np.testing.assert_allclose(fast[:, lag], direct, rtol=1e-9, atol=1e-12)
    assert np.all(fast[:, 0] == 0)
    np.testing.assert_allclose(msd_per_atom(positions, memory_budget=1), fast, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(msd_per_atom(positions, max_lag=40), fast[:, :41], rtol=1e-9, atol=1e-12)  # shorter FFT, no wrap-around


def test_brownian_d_is_recovered_within_its_stated_error():
    true_d = 1e-3  # Å²/fs = 1e-8 m²/s
    z_scores = []
    for seed in range(30):
        positions = brownian(np.random.default_rng(seed), 1000, 48, true_d, 10.0)
        estimate = estimate_diffusivity("X", msd_per_atom(positions), 10.0)
        assert estimate.diffusive
        z_scores.append((estimate.diffusivity - true_d * A2_PER_FS_TO_M2_PER_S) / estimate.diffusivity_stderr)
    z_scores = np.asarray(z_scores)
    # an honest standard error: about 95 % of runs within 2 sigma, and no bias beyond the noise
    assert np.mean(np.abs(z_scores) < 2) >= 0.8
    assert abs(z_scores.mean()) < 3 / np.sqrt(z_scores.size) * max(1.0, z_scores.std())


def test_wrapped_lattice_walk_is_unwrapped_and_gives_the_hop_diffusivity():
    rng = np.random.default_rng(3)
    spacing, probability, dt = 2.0, 0.05, 50.0
    walkers = lattice_walk(rng, 2000, 40, spacing, probability) + rng.random((1, 40, 3)) * 12.0
    host = np.tile(rng.random((1, 10, 3)) * 12.0, (2000, 1, 1))
    cell = np.eye(3) * 12.0
    frames = frames_from(np.concatenate([walkers, host], axis=1), ["Li"] * 40 + ["O"] * 10, cell=cell, dt_fs=dt)
    trajectory = trajectory_from_frames(frames, ["Li"])
    assert trajectory.frame_interval_fs == dt
    assert np.abs(trajectory.displacements["Li"]).max() > 12.0  # walkers left the box: unwrapped
    estimate = estimate_diffusivity("Li", msd_per_atom(trajectory.displacements["Li"]), dt)
    expected = probability * spacing**2 / (6 * dt) * A2_PER_FS_TO_M2_PER_S
    assert estimate.diffusive
    assert abs(estimate.diffusivity - expected) < 3 * estimate.diffusivity_stderr


def test_a_uniform_drift_of_the_whole_box_is_removed():
    rng = np.random.default_rng(5)
    walkers = brownian(rng, 800, 30, 1e-3, 10.0)
    host = np.zeros((800, 20, 3)) + rng.random((1, 20, 3)) * 10
    drift = np.linspace(0, 1, 800)[:, None, None] * np.array([30.0, 0.0, 0.0])
    still = trajectory_from_frames(frames_from(np.concatenate([walkers, host], 1), ["Na"] * 30 + ["O"] * 20, dt_fs=10.0), ["Na"])
    moving = trajectory_from_frames(frames_from(np.concatenate([walkers, host], 1) + drift, ["Na"] * 30 + ["O"] * 20, dt_fs=10.0), ["Na"])
    np.testing.assert_allclose(moving.displacements["Na"], still.displacements["Na"], atol=1e-9)


def test_agrees_with_pymatgen_analysis_diffusion_on_the_same_displacements():
    analyzer_module = pytest.importorskip("pymatgen.analysis.diffusion.analyzer")
    from pymatgen.core import Lattice, Structure

    rng = np.random.default_rng(11)
    dt = 10.0
    walkers = brownian(rng, 3000, 32, 5e-4, dt)
    host = np.zeros((3000, 16, 3))
    structure = Structure(Lattice.cubic(30.0), ["Li"] * 32 + ["O"] * 16, rng.random((48, 3)), coords_are_cartesian=False)
    displacements = np.concatenate([walkers, host], axis=1).transpose(1, 0, 2)
    peer = analyzer_module.DiffusionAnalyzer(structure, displacements, "Li", 300, dt, 1, smoothed="max")
    ours = estimate_diffusivity("Li", msd_per_atom(walkers), dt)
    peer_d = peer.diffusivity * 1e-4  # cm²/s → m²/s
    assert abs(ours.diffusivity - peer_d) < 2 * ours.diffusivity_stderr


def test_caged_ions_are_reported_not_diffusive():
    rng = np.random.default_rng(2)
    caged = rng.normal(0, 0.3, (2000, 20, 3))  # vibration about fixed sites, no hops
    estimate = estimate_diffusivity("Li", msd_per_atom(caged), 10.0)
    assert not estimate.diffusive and estimate.diffusivity is None
    assert "not linear" in estimate.reason or "not left" in estimate.reason


def test_slow_linear_growth_below_one_hop_is_not_claimed():
    positions = brownian(np.random.default_rng(4), 1000, 20, 1e-6, 10.0)  # MSD ~0.03 Å² at the end
    estimate = estimate_diffusivity("Li", msd_per_atom(positions), 10.0)
    assert not estimate.diffusive and "not left their sites" in estimate.reason


def test_too_short_run_is_reported():
    estimate = estimate_diffusivity("Li", msd_per_atom(brownian(np.random.default_rng(1), 10, 5, 1e-3, 1.0)), 1.0)
    assert not estimate.diffusive and "too short" in estimate.reason


def test_wrapped_positions_without_a_cell_are_refused():
    walkers = lattice_walk(np.random.default_rng(0), 400, 10, 2.0, 0.3) + 5.0
    wrapped = walkers % 10.0  # wrapped by hand into a 10 Å box, cell not written
    with pytest.raises(SSELabError, match="no cell"):
        trajectory_from_frames(frames_from(wrapped, ["Li"] * 10, dt_fs=10.0), ["Li"])


def test_frame_interval_errors():
    positions = brownian(np.random.default_rng(0), 20, 3, 1e-3, 1.0)
    with pytest.raises(SSELabError, match="disagrees"):
        trajectory_from_frames(frames_from(positions, ["Li"] * 3, dt_fs=10.0), ["Li"], frame_interval_fs=5.0)
    with pytest.raises(SSELabError, match="--frame-interval"):
        trajectory_from_frames(frames_from(positions, ["Li"] * 3), ["Li"])
    uneven = list(frames_from(positions, ["Li"] * 3, dt_fs=10.0))
    uneven[5].info["time_fs"] = 51.0
    with pytest.raises(SSELabError, match="evenly spaced"):
        trajectory_from_frames(uneven, ["Li"])
    with pytest.raises(SSELabError, match="Na not in the trajectory"):
        trajectory_from_frames(frames_from(positions, ["Li"] * 3, dt_fs=10.0), ["Na"])


def test_frames_too_far_apart_to_unwrap_are_refused():
    positions = np.zeros((3, 1, 3))
    positions[1, 0, 0] = 4.5  # 0.45 of a 10 Å cell in one frame
    with pytest.raises(SSELabError, match="too long to unwrap"):
        trajectory_from_frames(frames_from(positions, ["Li"], cell=np.eye(3) * 10.0, dt_fs=1.0, wrap=False), ["Li"])


def test_frames_marked_unwrapped_keep_long_jumps_and_are_not_mixed_with_unmarked_ones():
    positions = np.zeros((3, 2, 3))  # a Li and a resting O (the framework whose drift is removed)
    positions[1, 0, 0] = 4.5  # 0.45 of a 10 Å cell: a fast ion between frames of an unwrapped run
    positions[2, 0, 0] = 9.5
    frames = list(frames_from(positions, ["Li", "O"], cell=np.eye(3) * 10.0, dt_fs=1.0, wrap=False))
    for frame in frames:
        frame.info["unwrapped"] = True
    trajectory = trajectory_from_frames(frames, ["Li"])
    np.testing.assert_allclose(trajectory.displacements["Li"][:, 0, 0], [0.0, 4.5, 9.5])
    frames[2].info.pop("unwrapped")
    with pytest.raises(SSELabError, match="disagree on whether positions are unwrapped"):
        trajectory_from_frames(frames, ["Li"])


def test_arrays_and_frames_give_the_same_trajectory():
    from sselab.analysis.trajectory import trajectory_from_arrays

    rng = np.random.default_rng(9)
    walkers = lattice_walk(rng, 300, 12, 2.0, 0.2) + rng.random((1, 12, 3)) * 10
    host = np.tile(rng.random((1, 6, 3)) * 10, (300, 1, 1)) + rng.normal(0, 0.05, (300, 6, 3))
    positions = np.concatenate([walkers, host], axis=1)
    symbols = ["Li"] * 12 + ["O"] * 6
    cell = np.eye(3) * 10.0
    wrapped = positions % 10.0
    from_arrays = trajectory_from_arrays(symbols, wrapped, 25.0, ["Li"], cell=cell)
    from_frames = trajectory_from_frames(frames_from(positions, symbols, cell=cell, dt_fs=25.0), ["Li"])
    np.testing.assert_allclose(from_arrays.displacements["Li"], from_frames.displacements["Li"], atol=1e-9)
    assert from_arrays.volume_A3 == pytest.approx(1000.0) and from_arrays.counts == {"Li": 12, "O": 6}


def test_block_estimate_gives_an_honest_error_for_a_single_ion():
    from sselab.analysis.msd import block_estimate

    true_d = 1e-3 * A2_PER_FS_TO_M2_PER_S
    z_scores = []
    for seed in range(60):
        positions = brownian(np.random.default_rng(100 + seed), 4000, 1, 1e-3, 10.0)
        estimate = estimate_diffusivity("Na", msd_per_atom(positions), 10.0)
        assert estimate.diffusivity_stderr is None and estimate.warnings  # one atom: no spread over atoms
        mean, stderr = block_estimate(positions, 10.0, estimate)
        z_scores.append((mean - true_d) / stderr)
    z_scores = np.asarray(z_scores)
    assert np.mean(np.abs(z_scores) < 2) >= 0.8
    assert 0.7 < z_scores.std() < 1.5


def test_a_cage_offset_is_diffusive_and_sublinear_growth_is_not():
    lag = np.arange(20001) * 10.0  # fs
    caged_then_hopping = 2.0 * (1 - np.exp(-lag / 100.0)) + 6 * 1e-5 * lag  # plateau 2 Å² + 6Dt, D = 1e-10 m²/s
    estimate = estimate_diffusivity("Na", np.tile(caged_then_hopping, (20, 1)), 10.0)
    assert estimate.diffusive and estimate.diffusivity == pytest.approx(1e-10, rel=1e-3)
    assert estimate.loglog_slope < 0.85  # a pure log-log test would have called it sub-diffusive
    assert any("cage offset" in w for w in estimate.warnings)  # so the result says which test passed it
    brownian = 6 * 1e-5 * lag  # linear from the start: the log-log test passes and no such warning is given
    assert not any("cage offset" in w for w in estimate_diffusivity("Na", np.tile(brownian, (20, 1)), 10.0).warnings)
    subdiffusive = 0.5 * np.sqrt(lag)
    assert not estimate_diffusivity("Na", np.tile(subdiffusive, (20, 1)), 10.0).diffusive


# ------------------------------------------------------------------------------ DiffusionAnalysis


def test_analysis_recovers_d_and_the_nernst_einstein_conductivity(tmp_path):
    trajectory = tmp_path / "walk.extxyz"
    expected = write_walk(trajectory, 0.05)
    analysis = DiffusionAnalysis.from_file(trajectory, species="Li")
    assert analysis.diffusive and analysis.species == "Li" and analysis.atoms == 40
    assert abs(analysis.diffusivity_m2_per_s - expected) < 3 * analysis.diffusivity_stderr_m2_per_s
    density = 40 / (BOX * 1e-10) ** 3
    assert analysis.charge == 1  # Li+, the formal charge
    assert analysis.conductivity_S_per_m == pytest.approx(density * e**2 * analysis.diffusivity_m2_per_s / (k * 900.0), rel=1e-9)
    assert analysis.conductivity_stderr_S_per_m == pytest.approx(
        analysis.conductivity_S_per_m * analysis.diffusivity_stderr_m2_per_s / analysis.diffusivity_m2_per_s, rel=1e-12)
    assert analysis.frame_interval_fs == 50.0 and analysis.temperature_K == 900.0 and analysis.frames == 800
    assert analysis.error_method == "spread over atoms" and analysis.stress_Pa is None and analysis.concentration is None


def test_analysis_reports_frozen_ions_as_not_diffusive(tmp_path):
    trajectory = tmp_path / "frozen.extxyz"
    write_walk(trajectory, 0.0)
    analysis = DiffusionAnalysis.from_file(trajectory, species="Li")
    assert not analysis.diffusive and analysis.diffusivity_m2_per_s is None and analysis.conductivity_S_per_m is None
    assert analysis.reason and analysis.error_method is None


def test_given_temperature_charge_and_stress_replace_the_defaults(tmp_path):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=400)
    default = DiffusionAnalysis.from_file(trajectory, species="Li")
    given = DiffusionAnalysis.from_file(trajectory, species="Li", temperature_K=1800.0, charge=2, stress_Pa=1e9)
    assert given.diffusivity_m2_per_s == default.diffusivity_m2_per_s
    # σ ∝ z²/T: twice the charge at twice the temperature doubles it
    assert given.conductivity_S_per_m == pytest.approx(2 * default.conductivity_S_per_m, rel=1e-12)
    assert given.stress_Pa == 1e9 and given.stress_source == "--stress"


def test_stress_defaults_to_the_mean_pressure_of_the_thermo_log_beside_the_file(tmp_path):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=200)
    (tmp_path / "thermo.csv").write_text("time_fs,pressure_GPa\n0,1.0\n50,2.0\n100,\n")
    analysis = DiffusionAnalysis.from_file(trajectory, species="Li")
    assert analysis.stress_Pa == pytest.approx(1.5e9) and analysis.stress_source == "mean pressure in thermo.csv"


def test_few_atoms_take_d_and_its_error_from_blocks_of_the_run():
    rng = np.random.default_rng(21)
    walkers = brownian(rng, 4000, 3, 1e-3, 10.0) + 10.0
    host = np.tile(rng.random((1, 8, 3)) * 20.0, (4000, 1, 1))
    analysis = DiffusionAnalysis.from_arrays(["Na"] * 3 + ["O"] * 8, np.concatenate([walkers, host], axis=1), 10.0, "Na", temperature_K=1000.0)
    assert analysis.diffusive and analysis.error_method == "8 consecutive blocks x 3 atom(s)"
    assert abs(analysis.diffusivity_m2_per_s - 1e-3 * A2_PER_FS_TO_M2_PER_S) < 3 * analysis.diffusivity_stderr_m2_per_s
    assert analysis.conductivity_S_per_m is None and any("cell volume" in w for w in analysis.warnings)  # no cell: no density


def test_exchange_fraction_and_formal_charges():
    assert exchange_fraction({"Li": 54, "Na": 2, "O": 96}, "Na") == pytest.approx(2 / 56)
    assert exchange_fraction({"Li": 56}, "Li") is None
    assert formal_charge_number("La") == 3 and formal_charge_number("O") == -2 and formal_charge_number("Xe") is None


@pytest.mark.parametrize(
    ("options", "kwargs", "message"),
    [
        ({"species": "Na"}, {}, "Na not in the trajectory"),
        ({"species": "Li"}, {"cell": False}, "no cell"),
        ({"species": "Li", "frame_interval_fs": 20.0}, {}, "disagrees"),
        ({"species": "Li"}, {"times": False}, "--frame-interval"),
        ({"species": "Li", "frame_interval_fs": -3.0}, {"times": False}, "positive"),
        ({"species": "Li", "every": 0}, {}, "--every"),
    ],
)
def test_analysis_refuses_bad_input(tmp_path, options, kwargs, message):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.3, frames=60, **kwargs)
    with pytest.raises(SSELabError, match=message):
        DiffusionAnalysis.from_file(trajectory, **options)


def test_analysis_round_trips_through_its_dict_and_writes_its_run_directory(tmp_path):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=300)
    analysis = DiffusionAnalysis.from_file(trajectory, species="Li")
    assert DiffusionAnalysis.from_dict(analysis.to_dict()) == analysis
    assert DiffusionAnalysis.from_dict(json.loads(json.dumps(analysis.to_dict()))).to_dict() == analysis.to_dict()
    run = analysis.write(tmp_path / "run")
    assert {"msd.nc", "msd.png"} <= set(run.files) and (tmp_path / "run" / "msd.nc").is_file()
    summary = json.loads((tmp_path / "run" / "run.json").read_text())["summary"]
    assert summary == {**analysis.to_dict(), "run_directory": str(tmp_path / "run")}


def test_msd_figure_draws_on_given_axes(tmp_path):
    trajectory = tmp_path / "walk.extxyz"
    write_walk(trajectory, 0.05, frames=300)
    analysis = DiffusionAnalysis.from_file(trajectory, species="Li")
    figure = Figure()
    axes = figure.subplots(1, 2)
    assert analysis.plot(axes=axes) is figure
    assert len(axes[0].lines) == 2 and axes[1].get_xscale() == "log"  # MSD and the fitted D line; log-log panel
    figure.savefig(tmp_path / "msd.png")
    with pytest.raises(SSELabError, match="from_dict"):
        DiffusionAnalysis.from_dict(analysis.to_dict()).plot()
