"""CHGNet CI-NEB of the shortest Li vacancy hop in the GPU-relaxed LLZO cell, with sselab's ``bulk_vacancy_hop``.

Run by benchmarks/chgnet_reference_gpu.sh: ``python benchmarks/chgnet_reference_neb.py CELL`` with OUT set; writes
$OUT/neb_chgnet.json and the band ($TMPDIR_REFMD/neb_band.extxyz). Environment: DEVICE (default cuda), THREADS
(torch threads, default 2), NEB_STEPS (default 400).
"""

from __future__ import annotations

import json
import os
import sys
import time
import types
import warnings


def main(cell_path: str) -> None:
    warnings.filterwarnings("ignore")
    try:
        import nvidia_smi  # noqa: F401  (chgnet imports it; only used with check_cuda_mem)
    except ImportError:
        sys.modules["nvidia_smi"] = types.ModuleType("nvidia_smi")
    import torch
    from ase.io import read, write

    from sselab.atomistic.properties.migration import bulk_vacancy_hop, vacancy_hop_pairs

    torch.set_num_threads(int(os.environ.get("THREADS", 2)))
    start = time.time()
    cell = read(cell_path)
    cell.calc = None
    pairs = vacancy_hop_pairs(cell, "Li")
    print("[neb] shortest pairs", [(p.i, p.j, round(p.distance_A, 3)) for p in pairs[:4]], flush=True)
    result = bulk_vacancy_hop(cell, "chgnet", device=os.environ.get("DEVICE", "cuda"), species="Li", images=5,
                              neb_fmax=0.05, fmax=0.02, neb_steps=int(os.environ.get("NEB_STEPS", 400)))
    with open(os.path.join(os.environ["OUT"], "neb_chgnet.json"), "w") as handle:
        json.dump({**result.to_dict(), "wall_s": time.time() - start}, handle, indent=1, default=str)
    if result.band_images:
        write(os.path.join(os.environ.get("TMPDIR_REFMD", "/tmp/refmd"), "neb_band.extxyz"), result.band_images)
    print(f"[neb] barrier {result.barrier_eV:.4f} eV reverse {result.reverse_barrier_eV:.4f} converged {result.converged} "
          f"steps {result.band_steps} hop {result.hop_indices} {result.hop_sites} {result.hop_distance_A:.3f} A "
          f"minima {result.intermediate_minima} in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
