#!/usr/bin/env bash
# Follow-up measurements to explain the gaps seen by run_side_by_side.sh (see benchmarks/NOTES.md).
# Writes under OUTDIR (default benchmarks/results/raw/<date>/diag):
#   torch-omp2-blas1.*   peers train+cov: torch.set_num_threads(2), OPENBLAS_NUM_THREADS=1
#   torch-omp1-blas2.*   peers train+cov: torch.set_num_threads(1), OpenBLAS default (2)
#   svd-layout-blas2.* / svd-layout-blas1.*   tall vs wide sgesdd path (svd_layout.py)
#   jmh-1t-shared-svd.*  JMH SharedLayerBench (batch 256) + SvdBench with OPENBLAS_NUM_THREADS=1
#   peers-1t-shared-svd.* the same points in numpy/torch, 1 thread
#   jmh-train-gc.*       JMH TrainEpochBench -prof gc (allocation per epoch)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUTDIR=${OUTDIR:-benchmarks/results/raw/$(date -u +%Y-%m-%d)/diag}
PY=/usr/bin/python3
JAR=benchmarks/target/benchmarks.jar
JMH_OPTS=${JMH_OPTS:--f 1 -wi 3 -i 5}
mkdir -p "$OUTDIR"
log() { echo "$1: $(date -u +%T) load $(cat /proc/loadavg)" | tee -a "$OUTDIR/load.txt"; }

log torch-omp2-blas1
OPENBLAS_NUM_THREADS=1 $PY benchmarks/peers/cpu_peers.py --threads 2 --only cov,train \
    --json "$OUTDIR/torch-omp2-blas1.json" > "$OUTDIR/torch-omp2-blas1.log" 2>&1
log torch-omp1-blas2
$PY benchmarks/peers/cpu_peers.py --threads 1 --only cov,train \
    --json "$OUTDIR/torch-omp1-blas2.json" > "$OUTDIR/torch-omp1-blas2.log" 2>&1
log svd-layout-blas2
$PY benchmarks/peers/svd_layout.py --threads 2 --json "$OUTDIR/svd-layout-blas2.json" > "$OUTDIR/svd-layout-blas2.log" 2>&1
log svd-layout-blas1
OPENBLAS_NUM_THREADS=1 $PY benchmarks/peers/svd_layout.py --threads 1 --json "$OUTDIR/svd-layout-blas1.json" \
    > "$OUTDIR/svd-layout-blas1.log" 2>&1
log jmh-1t-shared-svd
OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -p batch=256 -rf json \
    -rff "$OUTDIR/jmh-1t-shared-svd.json" SharedLayerBench SvdBench > "$OUTDIR/jmh-1t-shared-svd.log" 2>&1
log peers-1t-shared-svd
OPENBLAS_NUM_THREADS=1 $PY benchmarks/peers/cpu_peers.py --threads 1 --only shared,svd \
    --json "$OUTDIR/peers-1t-shared-svd.json" > "$OUTDIR/peers-1t-shared-svd.log" 2>&1
log jmh-train-gc
java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -prof gc -rf json \
    -rff "$OUTDIR/jmh-train-gc.json" TrainEpochBench > "$OUTDIR/jmh-train-gc.log" 2>&1
log done
