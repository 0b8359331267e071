#!/usr/bin/env bash
# The scaling runs on Spark: the real training job (io.batchwise.spark.job.TrainJob) submitted to a
# local standalone cluster (cluster/cluster.sh) of W workers with one core each, W = 1, 2, 4, 8;
# weak scaling (fixed per-worker batch) and strong scaling (fixed global batch), SyncBN and
# per-worker BN. Executors get POCL_MAX_PTHREAD_COUNT=1 (one OpenCL thread each).
#
#   bench/scaling/spark-runs.sh --job-jar JAR --out DIR [--model resnet20] [--workers 1,2,4,8]
#                               [--per-worker-batch 16] [--global-batch 32] [--steps 12]
#
# Each run trains 2 epochs of --steps steps on synthetic 1x28x28 data; the second epoch (warm
# executors, JIT and kernels) is the measurement. After each cluster start, one short application
# runs unmeasured first (the first one on a fresh cluster runs slow throughout). Runs land in
# DIR/spark-runs/<model>-<mode>-<norm>-w<W>/ (metrics.csv, summary.json); ScalingBench
# --spark-runs DIR/spark-runs summarizes them.
# The cluster is stopped on exit.
set -euo pipefail
say() { printf '[spark-scaling] %s\n' "$*" >&2; }
die() { printf '[spark-scaling] error: %s\n' "$*" >&2; exit 1; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR=""; OUT=""; MODEL="resnet20"; WORKERS="1,2,4,8"; PWB=16; GB=32; STEPS=12
while (( $# )); do
  case "$1" in
    --job-jar) JAR="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --per-worker-batch) PWB="$2"; shift 2 ;;
    --global-batch) GB="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -f "$JAR" ]] || die "--job-jar: no job jar at '$JAR' (./batchwise setup builds modules/spark)"
[[ -n "$OUT" ]] || die "--out DIR is required"
mkdir -p "$OUT/spark-runs"
# cluster/work holds one cluster per work tree: never take over (or stop) one somebody else started.
if "$ROOT/cluster/cluster.sh" status >/dev/null 2>&1; then
  die "a local Spark cluster is already running (cluster/cluster.sh status); stop it first, this benchmark starts its own with 1, 2, 4 and 8 workers"
fi
trap '"$ROOT/cluster/cluster.sh" stop >/dev/null 2>&1 || true' EXIT INT TERM

for w in ${WORKERS//,/ }; do
  # --pin: each worker (and its executor) held to one core with taskset, worker i on core
  # (i-1) mod cores, so two workers never share a core while a free one idles.
  pin=(); command -v taskset >/dev/null 2>&1 && pin=(--pin)
  say "standalone cluster: $w workers x 1 core${pin:+, pinned}"
  "$ROOT/cluster/cluster.sh" start --workers "$w" --cores 1 --memory 1g --timeout 300 "${pin[@]}"
  # One unmeasured application first: the first one on a freshly started cluster ran slow from its
  # first step to its last (resnet20, 1 worker, 30 steps per epoch, 2026-12-01 12:56: 174 ms per step
  # against 113 for the next application), as the worker daemon, which shares the executor's core,
  # was still busy starting up.
  say "warm-up application (not measured)"
  "$ROOT/cluster/submit.sh" --conf spark.executorEnv.POCL_MAX_PTHREAD_COUNT=1 \
    --class io.batchwise.spark.job.TrainJob "$JAR" -- \
    --model "$MODEL" --norm bn --workers "$w" --per-worker-batch "$PWB" --epochs 1 \
    --data synthetic --synthetic-train $(( 4 * PWB * w )) --synthetic-test 64 \
    --precise-bn-samples $(( PWB * w )) --no-progress --run-dir "$OUT/spark-runs/.warm-up" --slot-wait-s 300 \
    >"$OUT/spark-runs/warm-up-w$w.log" 2>&1 || say "the warm-up application failed (log: $OUT/spark-runs/warm-up-w$w.log); measuring anyway"
  rm -rf "$OUT/spark-runs/.warm-up"
  for mode in weak strong; do
    if [[ $mode == weak ]]; then b=$PWB; else b=$(( GB / w )); fi
    (( b >= 2 )) || { say "skipping $mode at $w workers: fewer than 2 samples per worker"; continue; }
    for norm in syncbn bn; do
      dir="$OUT/spark-runs/$MODEL-$mode-$norm-w$w"
      rm -rf "$dir"
      say "$MODEL $mode $norm: $w workers x $b per worker, 2 epochs of $STEPS steps"
      "$ROOT/cluster/submit.sh" --conf spark.executorEnv.POCL_MAX_PTHREAD_COUNT=1 \
        --class io.batchwise.spark.job.TrainJob "$JAR" -- \
        --model "$MODEL" --norm "$norm" --workers "$w" --per-worker-batch "$b" --epochs 2 \
        --data synthetic --synthetic-train $(( STEPS * b * w )) --synthetic-test 64 \
        --precise-bn-samples $(( b * w )) --no-progress --run-dir "$dir" --slot-wait-s 300 \
        >"$OUT/spark-runs/$MODEL-$mode-$norm-w$w.log" 2>&1 \
        || { say "run failed (log: $OUT/spark-runs/$MODEL-$mode-$norm-w$w.log)"; tail -5 "$OUT/spark-runs/$MODEL-$mode-$norm-w$w.log" >&2; }
    done
  done
  "$ROOT/cluster/cluster.sh" stop >/dev/null
done
say "done: $OUT/spark-runs"
