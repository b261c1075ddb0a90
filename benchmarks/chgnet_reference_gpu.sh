#!/bin/bash
# The CHGNet reference of docs/potentials.md ("The CHGNet reference") in one GPU call: relax the ordered LLZO cell
# with CHGNet, then four NVT runs at 1200 K (2 fs, Bussi) and the CI-NEB of the shortest Li vacancy hop at once.
#
# Needs: python3 with torch (CUDA), ase, chgnet and sselab's dependencies importable (sselab itself from ./src);
# the unrelaxed cell, made beforehand with sselab:
#   python -c "from sselab.studies.exchange_sites import ordered_cubic_llzo; ordered_cubic_llzo(seed=0, samples=200)[0].write('UNRELAXED.extxyz')"
# Run from the repository root: UNRELAXED=UNRELAXED.extxyz OUT=runs/ref-md-gpu2 bash benchmarks/chgnet_reference_gpu.sh
# Output in $OUT: llzo_chgnet_relaxed.extxyz, neb_chgnet.json, ref_md_summary.json, refmd.tar.xz (trajectories,
# per-run JSON, the NEB band). benchmarks/compare_dli.py reads the unpacked trajectories.
set -u
export T0=$(date +%s.%N) OUT=${OUT:-/tmp/out} TMPDIR_REFMD=/tmp/refmd DEVICE=${DEVICE:-cuda} PYTHONUNBUFFERED=1
export PYTHONPATH=$PWD/src:${PYTHONPATH:-}
PY=${PY:-python3}
mkdir -p $TMPDIR_REFMD /tmp/md $OUT
CELL=$OUT/llzo_chgnet_relaxed.extxyz
(nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv || true) 2>&1
OMP_NUM_THREADS=8 $PY benchmarks/chgnet_reference_md.py --relax ${UNRELAXED:-.gpu/llzo_unrelaxed.extxyz} $CELL || exit 3
echo "[run] relaxed at $(( $(date +%s) - ${T0%.*} )) s"
OMP_NUM_THREADS=2 THREADS=2 $PY benchmarks/chgnet_reference_neb.py $CELL > $TMPDIR_REFMD/neb.log 2>&1 &
NEB=$!
OUT=/tmp/md STRUCTURE=$CELL RUNS=${RUNS:-A,B,C,E} THREADS=3 TIMESTEP_FS=2 FRAME_EVERY=10 \
  PROGRESS_EVERY=250 DEADLINE_S=${DEADLINE_S:-530} MAX_PS=${MAX_PS:-10} $PY benchmarks/chgnet_reference_md.py
cp /tmp/md/ref_md_summary.json $OUT/ 2>/dev/null
for i in $(seq 1 ${NEB_WAIT:-20}); do kill -0 $NEB 2>/dev/null || break; sleep 1; done
kill $NEB 2>/dev/null
grep -v Warning $TMPDIR_REFMD/neb.log | tail -40
cp $TMPDIR_REFMD/neb.log $OUT/ 2>/dev/null
tar cJf $OUT/refmd.tar.xz -C /tmp/md . -C $TMPDIR_REFMD . 2>/dev/null
ls -la $OUT
echo "[run] done at $(( $(date +%s) - ${T0%.*} )) s"
