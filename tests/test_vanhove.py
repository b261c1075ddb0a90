"""Van Hove functions, g(r), correlation length and clustering against analytic cases, and the VanHoveAnalysis result."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from test_msd import SPACING, write_walk

from sselab.analysis.correlations import VanHoveAnalysis
from sselab.analysis.trajectory import Trajectory
from sselab.analysis.vanhove import characteristic_times, clustering, correlation_length, first_peak, van_hove
from sselab.errors import SSELabError
from sselab.plots.transport import clustering_figure, correlation_length_figure, density_map_figure, van_hove_figure


def make_trajectory(positions: np.ndarray, cell_length: float, dt_fs: float, species: str = "Li") -> Trajectory:
    frames = positions.shape[0]
    return Trajectory(
        displacements={species: positions - positions[0]},
        first_positions={species: positions[0].copy()},
        frame_interval_fs=dt_fs,
        counts={species: positions.shape[1]},
        volume_A3=cell_length**3,
        cells=np.tile(np.eye(3) * cell_length, (frames, 1, 1)),
    )


def test_self_part_of_brownian_motion_is_the_gaussian_propagator():
    rng = np.random.default_rng(0)
    d, dt = 2e-3, 10.0
    steps = rng.normal(0, np.sqrt(2 * d * dt), (400, 300, 3))
    steps[0] = 0
    trajectory = make_trajectory(np.cumsum(steps, axis=0) + rng.random((1, 300, 3)) * 20, 20.0, dt)
    result = van_hove(trajectory, "Li", lags=np.array([0, 50, 150]), r_max_A=12.0, bin_width_A=0.2, origins=60, distinct=False)
    for row, lag in enumerate(result.lag_fs[1:], start=1):
        r = result.r_A
        analytic = 4 * np.pi * r**2 * (4 * np.pi * d * lag) ** -1.5 * np.exp(-(r**2) / (4 * d * lag))
        assert np.sum(result.self_density[row]) * 0.2 == pytest.approx(1.0, abs=1e-3)
        assert np.abs(result.self_density[row] - analytic).max() < 0.1 * analytic.max()


def test_distinct_part_of_independent_ions_is_one_and_g_of_a_lattice_peaks_at_its_spacing():
    rng = np.random.default_rng(1)
    gas = rng.random((30, 400, 3)) * 20.0  # uncorrelated positions every frame
    result = van_hove(make_trajectory(gas, 20.0, 1.0), "Li", lags=np.array([0, 5]), r_max_A=8.0, bin_width_A=0.5, origins=30)
    assert np.abs(result.distinct[:, 4:].mean() - 1.0) < 0.03

    spacing = 2.5
    grid = np.stack(np.meshgrid(*[np.arange(8) * spacing] * 3, indexing="ij"), -1).reshape(-1, 3)
    lattice = np.tile(grid, (3, 1, 1)) + rng.normal(0, 0.05, (3, grid.shape[0], 3))
    crystal = van_hove(make_trajectory(lattice, 8 * spacing, 1.0), "Li", lags=np.array([0]), r_max_A=6.0, bin_width_A=0.05, origins=3)
    assert first_peak(crystal.r_A, crystal.distinct[0]) == pytest.approx(spacing, abs=0.1)


def test_characteristic_times_of_a_hopping_lattice_gas():
    """Ions hop between simple-cubic sites at rate k: the residence time is 1/k (1 − 1/e of ions have hopped)."""
    rng = np.random.default_rng(2)
    spacing, frames, ions = 2.5, 600, 200
    sites = np.stack(np.meshgrid(*[np.arange(8) * spacing] * 3, indexing="ij"), -1).reshape(-1, 3)
    start = sites[rng.choice(len(sites), ions, replace=False)]
    probability = 0.01  # per frame
    directions = np.vstack([np.eye(3), -np.eye(3)]) * spacing
    hops = directions[rng.integers(0, 6, (frames, ions))] * (rng.random((frames, ions)) < probability)[..., None]
    hops[0] = 0
    positions = start + np.cumsum(hops, axis=0) + rng.normal(0, 0.1, (frames, ions, 3))
    trajectory = make_trajectory(positions, 8 * spacing, 1.0)
    result = van_hove(trajectory, "Li", lags=np.arange(0, 300, 5), r_max_A=6.0, bin_width_A=0.1, origins=20)
    times = characteristic_times(result)
    assert times.nearest_neighbour_A == pytest.approx(spacing, abs=0.2)
    assert times.residence_time_fs == pytest.approx(1 / probability, rel=0.15)


def test_correlation_length_of_an_exponentially_damped_oscillation():
    r = np.arange(0.05, 10, 0.01)
    g = 1 + 2.0 * np.exp(-r / 3.2) * np.cos(2 * np.pi * r / 1.1)
    result = correlation_length(r, g)
    assert result.xi_A == pytest.approx(3.2, rel=0.02)
    flat = correlation_length(r, np.ones_like(r))
    assert flat.xi_A is None and flat.reason


def test_clustering_detects_ions_that_collapse_together_and_not_random_ones():
    rng = np.random.default_rng(3)
    frames, ions, box = 100, 36, 30.0
    scattered = rng.random((frames, ions, 3)) * box
    centre = np.array([15.0, 15.0, 15.0])
    weight = np.linspace(0, 1, frames)[:, None, None]
    collapsing = (1 - weight) * scattered + weight * (centre + rng.normal(0, 1.5, (1, ions, 3)))
    random_case = clustering(make_trajectory(scattered, box, 10.0, "K"), "K")
    clustered_case = clustering(make_trajectory(collapsing, box, 10.0, "K"), "K")
    assert not random_case.clustered and random_case.final_ratio == pytest.approx(1.0, abs=0.6)
    assert clustered_case.clustered and clustered_case.pair_ratio[-1] > clustered_case.pair_ratio[0]


def test_distinct_part_needs_a_cell():
    trajectory = make_trajectory(np.zeros((3, 2, 3)), 10.0, 1.0)
    no_cell = Trajectory(trajectory.displacements, trajectory.first_positions, 1.0, {"Li": 2}, None, None)
    with pytest.raises(SSELabError, match="need the cell"):
        van_hove(no_cell, "Li")


def test_distinct_part_of_three_independent_ions_is_one_and_xi_resists_noise():
    rng = np.random.default_rng(7)
    few = rng.random((1000, 3, 3)) * 20.0
    result = van_hove(make_trajectory(few, 20.0, 1.0), "Li", lags=np.array([0, 5]), r_max_A=9.5, bin_width_A=0.5, origins=1000)
    assert np.abs(result.distinct[:, 4:].mean() - 1.0) < 0.08  # (N−1)/V normalisation, not N/V (which gives 2/3)
    r = np.arange(0.05, 10, 0.05)
    noisy = [correlation_length(r, 1 + 2 * np.exp(-r / 3) * np.cos(2 * np.pi * r / 2.5) + rng.normal(0, 0.05, r.size)).xi_A for _ in range(30)]
    assert np.mean(noisy) == pytest.approx(3.0, rel=0.1)


# ------------------------------------------------------------------------------ VanHoveAnalysis


@pytest.fixture(scope="module")
def walk_with_potassium(tmp_path_factory):
    path = tmp_path_factory.mktemp("vanhove") / "walk.extxyz"
    write_walk(path, 0.05, frames=300, extra=["K"] * 4)
    return path


def test_analysis_of_a_lattice_walk_finds_the_spacing_the_residence_time_and_no_clustering(walk_with_potassium):
    analysis = VanHoveAnalysis.from_file(walk_with_potassium, species="Li", cluster_species="K")
    assert analysis.nearest_neighbour_A == pytest.approx(SPACING, abs=0.15)
    assert analysis.tau1_fs is not None and analysis.frames == 300 and analysis.duration_ps == pytest.approx(300 * 50 / 1000 - 0.05)
    assert analysis.clustering["species"] == "K" and analysis.clustering["clustered"] is False
    assert analysis.xi_fit_range_A == (2.7, 7.5)


def test_analysis_round_trips_and_writes_its_files(walk_with_potassium, tmp_path):
    analysis = VanHoveAnalysis.from_file(walk_with_potassium, species="Li", cluster_species="K", origins=5)
    assert VanHoveAnalysis.from_dict(analysis.to_dict()) == analysis
    run = analysis.write(tmp_path / "vh")
    assert set(run.files) == {"vanhove.nc", "vanhove.png", "correlation_length.png", "density_map.png", "clustering.png"}
    assert run.summary == {**analysis.to_dict(), "run_directory": str(tmp_path / "vh")}
    with pytest.raises(SSELabError, match="origins"):
        VanHoveAnalysis.from_file(walk_with_potassium, origins=0)


def test_every_correlation_figure_draws_on_given_axes(walk_with_potassium, tmp_path):
    analysis = VanHoveAnalysis.from_file(walk_with_potassium, species="Li", cluster_species="K", origins=5)
    figure = Figure(figsize=(12, 12))
    grid = figure.subplots(3, 2)
    assert van_hove_figure(analysis, axes=grid[0]) is figure
    assert correlation_length_figure(analysis, axes=grid[1]) is figure
    assert density_map_figure(analysis, ax=grid[2, 0]) is figure
    assert clustering_figure(analysis, ax=grid[2, 1]) is figure
    assert grid[0, 0].collections and grid[1, 0].lines and grid[2, 0].images and grid[2, 1].lines
    figure.savefig(tmp_path / "all.png")
    with pytest.raises(SSELabError, match="2 Axes"):
        van_hove_figure(analysis, axes=[grid[0, 0]])
