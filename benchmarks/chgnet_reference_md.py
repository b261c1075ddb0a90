#!/usr/bin/env python3
"""CHGNet reference MD of cubic LLZO (Li56La24Zr16O96) on one GPU: several independent NVT runs at once.

The reference trajectories of docs/potentials.md ("The CHGNet reference") were made with this script on a borrowed
H200 (2026-12-04), driven by ``benchmarks/chgnet_reference_gpu.sh`` (which relaxes the cell first, with this script's
``--relax``, and runs A, B, C and E with ``TIMESTEP_FS=2``). It needs only ase and chgnet. On a machine with sselab,
``sselab md run STRUCTURE --calculator chgnet --device cuda --thermostat langevin`` runs the same physics;
``benchmarks/compare_dli.py`` analyses the output.

Standalone (ase + chgnet only). The parent launches one Python process per run (each with its own
CHGNetCalculator on the same GPU and a few CPU threads), waits for them, and writes a combined JSON.

Each worker:
  - reads the relaxed cell (.gpu/llzo_relaxed.extxyz, next to this script), fixed cell (NVT);
  - Maxwell-Boltzmann velocities at T with its own seed (momentum zeroed);
  - Bussi stochastic velocity rescaling (taut 100 fs) if ase has it, else Langevin (friction 0.01/fs); dt = 1 fs
    (TIMESTEP_FS);
  - a frame (positions, cell, energy, T) every FRAME_EVERY steps appended to $OUT/<name>.extxyz, flushed;
  - stops at the wall-clock deadline (T0 + DEADLINE_S) or at MAX_PS.

Environment: OUT (output folder), T0 (epoch seconds when the run began; default: now),
DEADLINE_S (default 470), MAX_PS (default 20; MAX_PS_<name> overrides it for one run), RUNS (comma list of names, default A,B,C,D;
E and F are two more 1200 K runs), TIMESTEP_FS (default 1),
THREADS (torch threads per worker, default 3), DEVICE (default cuda), TMPDIR_REFMD (worker JSONs).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STRUCTURE = os.environ.get("STRUCTURE") or os.path.join(HERE, "llzo_relaxed.extxyz")
RUNS = {  # name: (temperature K, seed)
    "A": (1200.0, 11),
    "B": (1200.0, 22),
    "C": (1200.0, 33),
    "D": (3000.0, 44),
    "E": (1200.0, 55),
    "F": (1200.0, 66),
}
TIMESTEP_FS = float(os.environ.get("TIMESTEP_FS") or 1.0)
FRAME_EVERY = int(os.environ.get("FRAME_EVERY", 20))  # steps (= fs at dt 1 fs)
PROGRESS_EVERY = int(os.environ.get("PROGRESS_EVERY", 500))  # steps
TAUT_FS = 100.0
LANGEVIN_FRICTION_PER_FS = 0.01


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _stat(values):
    import numpy as np

    a = np.asarray(values, dtype=float)
    if a.size == 0:
        return None
    return {"n": int(a.size), "mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()), "max": float(a.max())}


def worker(name: str) -> int:
    threads = int(_env_float("THREADS", 3))
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    try:
        import nvidia_smi  # noqa: F401  (chgnet imports it; only used with check_cuda_mem)
    except ImportError:
        import types

        sys.modules["nvidia_smi"] = types.ModuleType("nvidia_smi")
    from ase import units
    from ase.io import read, write
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
    from chgnet.model.dynamics import CHGNetCalculator

    class EFCalculator(CHGNetCalculator):
        """CHGNet energies and forces only (no stress/magmom heads: fixed-cell MD needs neither)."""

        def calculate(self, atoms=None, properties=None, system_changes=None, task="ef"):
            super().calculate(atoms=atoms, properties=properties, system_changes=system_changes, task="ef")

    t_start = time.time()
    t0 = _env_float("T0", t_start)
    deadline = t0 + _env_float("DEADLINE_S", 470.0)
    max_ps = _env_float(f"MAX_PS_{name}", _env_float("MAX_PS", 20.0))  # per-run cap (MAX_PS_D: the hot run needs less)
    max_steps = int(round(max_ps * 1000.0 / TIMESTEP_FS))
    out = os.environ.get("OUT", ".")
    tmp = os.environ.get("TMPDIR_REFMD", "/tmp/refmd")
    os.makedirs(tmp, exist_ok=True)
    temperature, seed = RUNS[name]
    seed = int(os.environ.get(f"SEED_{name}", seed))
    device = os.environ.get("DEVICE", "cuda")
    log = lambda msg: print(f"[{name} {time.time() - t0:7.1f}s] {msg}", flush=True)  # noqa: E731

    atoms = read(os.environ.get(f"STRUCTURE_{name}") or STRUCTURE)
    for key in list(atoms.arrays):
        if key not in ("numbers", "positions"):
            del atoms.arrays[key]
    atoms.info = {}
    atoms.calc = None
    calc = EFCalculator(use_device=device)
    atoms.calc = calc
    log(f"model loaded on {calc.device} in {time.time() - t_start:.1f}s; torch {torch.__version__}, threads {threads}, "
        f"T={temperature} K, seed={seed}, {len(atoms)} atoms, cell {atoms.cell.cellpar().round(4).tolist()}")

    rng = np.random.default_rng(seed)
    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature, rng=rng)
    Stationary(atoms)
    try:
        from ase.md.bussi import Bussi

        dyn = Bussi(atoms, TIMESTEP_FS * units.fs, temperature_K=temperature, taut=TAUT_FS * units.fs, rng=rng)
        thermostat = f"Bussi(taut={TAUT_FS} fs)"
    except ImportError:
        from ase.md.langevin import Langevin

        dyn = Langevin(atoms, TIMESTEP_FS * units.fs, temperature_K=temperature,
                       friction=LANGEVIN_FRICTION_PER_FS / units.fs, rng=rng)
        thermostat = f"Langevin(friction={LANGEVIN_FRICTION_PER_FS}/fs)"

    summary = {"name": name, "temperature_K": temperature, "seed": seed, "thermostat": thermostat,
               "timestep_fs": TIMESTEP_FS, "frame_every_steps": FRAME_EVERY, "max_ps": max_ps, "device": str(calc.device),
               "n_atoms": len(atoms), "formula": atoms.get_chemical_formula(),
               "cell": atoms.cell.array.tolist(), "status": "starting", "error": None}
    summary_path = os.path.join(tmp, f"{name}.json")

    def save_summary():
        with open(summary_path + ".part", "w") as fh:
            json.dump(summary, fh)
        os.replace(summary_path + ".part", summary_path)

    traj_path = os.path.join(out, f"llzo_{name}_{int(temperature)}K.extxyz")
    traj = open(traj_path, "w")
    frame_T: list[float] = []
    frame_E: list[float] = []

    def write_frame(step: int):
        energy = float(atoms.get_potential_energy())
        t_inst = float(atoms.get_temperature())
        frame = atoms.copy()
        frame.calc = None
        frame.info = {"step": step, "time_fs": step * TIMESTEP_FS, "energy": energy, "temperature_K": t_inst,
                      "ekin": float(atoms.get_kinetic_energy())}
        write(traj, frame, format="extxyz", columns=["symbols", "positions"])
        traj.flush()
        frame_T.append(t_inst)
        frame_E.append(energy)

    # Quick timing: first force call (CUDA/graph warm-up), then single steps.
    try:
        tw = time.time()
        atoms.get_forces()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        first_call = time.time() - tw
        write_frame(0)
        single = []
        for _ in range(3):
            ts = time.time()
            dyn.run(1)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            single.append(time.time() - ts)
        summary["first_force_call_s"] = first_call
        summary["single_step_ms"] = [1000 * s for s in single]
        log(f"first force call {first_call:.2f}s; single steps ms: {[round(1000 * s, 1) for s in single]}; thermostat {thermostat}")
    except Exception as exc:  # noqa: BLE001
        summary.update(status="failed during timing", error=repr(exc))
        save_summary()
        log(f"FAILED: {exc!r}")
        raise

    steps = dyn.nsteps
    loop_start = time.time()
    loop_steps0 = steps
    summary["status"] = "running"
    try:
        while steps < max_steps and time.time() < deadline:
            chunk = FRAME_EVERY - (steps % FRAME_EVERY)
            chunk = min(chunk, max_steps - steps)
            dyn.run(chunk)
            steps = dyn.nsteps
            if steps % FRAME_EVERY == 0:
                write_frame(steps)
                if not np.isfinite(frame_E[-1]) or frame_T[-1] > 10 * temperature:
                    raise RuntimeError(f"unstable: E={frame_E[-1]} T={frame_T[-1]} at step {steps}")
            if steps % PROGRESS_EVERY == 0:
                elapsed = time.time() - loop_start
                ms = 1000 * elapsed / max(steps - loop_steps0, 1)
                recent = frame_T[-25:]
                log(f"step {steps} ({steps * TIMESTEP_FS / 1000:.2f} ps) {ms:.1f} ms/step, "
                    f"T(last 0.5 ps) {np.mean(recent):.0f} K, E {frame_E[-1]:.3f} eV")
                summary.update(steps=steps, ms_per_step=ms)
                save_summary()
        summary["status"] = "done (max_ps)" if steps >= max_steps else "done (deadline)"
    except Exception as exc:  # noqa: BLE001
        summary.update(status="failed", error=repr(exc))
        log(f"FAILED at step {steps}: {exc!r}")
    finally:
        traj.close()
    elapsed = time.time() - loop_start
    n = len(frame_T)
    summary.update(
        steps=int(steps), simulated_ps=steps * TIMESTEP_FS / 1000.0, frames=n, trajectory=os.path.basename(traj_path),
        loop_wall_s=elapsed, ms_per_step=(1000 * elapsed / (steps - loop_steps0)) if steps > loop_steps0 else None,
        temperature_all=_stat(frame_T), temperature_after_1ps=_stat(frame_T[int(1000 / (FRAME_EVERY * TIMESTEP_FS)):]),
        temperature_second_half=_stat(frame_T[n // 2:]), energy_second_half=_stat(frame_E[n // 2:]),
        temperature_per_frame=[round(t, 1) for t in frame_T], energy_per_frame=[round(e, 4) for e in frame_E],
        wall_total_s=time.time() - t_start,
    )
    if device.startswith("cuda"):
        summary["max_gpu_mem_MiB"] = torch.cuda.max_memory_allocated() / 2**20
    save_summary()
    log(f"{summary['status']}: {steps} steps = {summary['simulated_ps']:.2f} ps, {summary['ms_per_step']} ms/step, "
        f"T after 1 ps {summary['temperature_after_1ps']}")
    return 0 if summary["error"] is None else 1


def relax(src: str, dst: str) -> int:
    """FrechetCellFilter + LBFGS to fmax 0.05 eV/A (exp_cell_factor = N), as sselab's Engine.relax(cell=True) does."""
    import warnings

    warnings.filterwarnings("ignore")
    try:
        import nvidia_smi  # noqa: F401
    except ImportError:
        import types

        sys.modules["nvidia_smi"] = types.ModuleType("nvidia_smi")
    from ase.filters import FrechetCellFilter
    from ase.io import read, write
    from ase.optimize import LBFGS
    from chgnet.model.dynamics import CHGNetCalculator

    t = time.time()
    atoms = read(src)
    atoms.calc = CHGNetCalculator(use_device=os.environ.get("DEVICE", "cuda"))
    opt = LBFGS(FrechetCellFilter(atoms), logfile="-")
    converged = opt.run(fmax=float(os.environ.get("RELAX_FMAX", 0.05)), steps=int(os.environ.get("RELAX_STEPS", 1000)))
    atoms.info["relax_converged"] = bool(converged)
    atoms.info["relax_steps"] = int(opt.nsteps)
    atoms.get_potential_energy()
    write(dst, atoms, format="extxyz")
    print(f"[relax] converged={converged} steps={opt.nsteps} in {time.time() - t:.1f}s; cellpar "
          f"{atoms.cell.cellpar().round(5).tolist()} V={atoms.get_volume():.3f} E={atoms.get_potential_energy():.4f}", flush=True)
    return 0


def main() -> int:
    t0 = _env_float("T0", time.time())
    os.environ["T0"] = repr(t0)
    out = os.environ.setdefault("OUT", os.path.join(HERE, "out"))
    os.makedirs(out, exist_ok=True)
    tmp = os.environ.setdefault("TMPDIR_REFMD", "/tmp/refmd")
    os.makedirs(tmp, exist_ok=True)
    names = [n for n in os.environ.get("RUNS", "A,B,C,D").split(",") if n]
    if not os.path.exists(STRUCTURE):  # fallback: relax the unrelaxed cell here first, on the GPU
        unrelaxed = os.environ.get("UNRELAXED") or os.path.join(HERE, "llzo_unrelaxed.extxyz")
        relaxed_path = os.path.join(out, "llzo_relaxed_gpu.extxyz")
        code = subprocess.call([sys.executable, os.path.abspath(__file__), "--relax", unrelaxed, relaxed_path],
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
        if code != 0:
            print("[main] relaxation failed", flush=True)
            return 2
        os.environ["STRUCTURE"] = relaxed_path
    threads = str(int(_env_float("THREADS", 3)))
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
               OPENBLAS_NUM_THREADS=threads)
    print(f"[main] python {sys.version.split()[0]}; runs {names}; deadline {os.environ.get('DEADLINE_S', '470')} s after T0; "
          f"{time.time() - t0:.1f}s since T0", flush=True)
    procs = {n: subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", n], env=env) for n in names}
    codes = {n: p.wait() for n, p in procs.items()}
    combined = {"runs": {}, "exit_codes": codes, "wall_s_since_T0": time.time() - t0,
                "structure": os.environ.get("STRUCTURE", STRUCTURE), "script": "ref_md.py"}
    for n in names:
        path = os.path.join(tmp, f"{n}.json")
        if os.path.exists(path):
            with open(path) as fh:
                combined["runs"][n] = json.load(fh)
        else:
            combined["runs"][n] = {"status": "no summary written"}
    with open(os.path.join(out, "ref_md_summary.json"), "w") as fh:
        json.dump(combined, fh, indent=1)
    for n, r in combined["runs"].items():
        print(f"[main] {n}: {r.get('status')} steps={r.get('steps')} ps={r.get('simulated_ps')} "
              f"ms/step={r.get('ms_per_step')} exit={codes[n]}", flush=True)
    return 0 if all(c == 0 for c in codes.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--relax":
        sys.exit(relax(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 3 and sys.argv[1] == "--worker":
        sys.exit(worker(sys.argv[2]))
    sys.exit(main())
