#!/usr/bin/env bash
# ./batchwise bench scaling: the scaling benchmark of issue 6, in four parts.
#
#   bench/scaling/scaling.sh --classpath CP [--out DIR] [--quick] [--no-netns] [--no-projection]
#                            [--no-spark] [--no-runs] [--target-repeats 3]
#                            [-- ScalingBench options...]
#
#   1. collective model: time all-reduces (recursive doubling, ring) and broadcasts of 8 B..4 MB on
#      groups of 2 and 4 rank JVMs on 127.0.0.1, fit alpha-beta on the 2-rank groups
#      (collective-samples.csv, collective-model.csv);
#   2. validation on test hosts in network namespaces with rate limits (netns.sh; root only, skipped
#      with the reason otherwise): netns-model.csv, netns-validation.csv;
#   3. projection to 16-1024 nodes at 10/25/100 Gbit/s and 5-50 us (ScalingProjection):
#      scaling-projection.{csv,md}, scaling-projection-<model>.png, step-profile-<model>.csv;
#   4. real runs, weak and strong scaling, SyncBN and per-worker BN, at 1, 2, 4, 8 workers:
#      a. the Spark job (TrainJob) on a local standalone cluster of W one-core workers
#         (spark-runs.sh; needs modules/spark's job jar; skipped with --quick or --no-spark):
#         spark-runs/, scaling-spark.{csv,json,md};
#      b. worker processes running DataParallelStep directly (ScalingBench): scaling-runs.csv,
#         scaling.json, scaling.md (which takes in 2, 3, 4a and 4c), PNGs;
#      c. the points the targets are judged on (resnet20 at 1, 2, 4 workers, weak and strong),
#         each measured --target-repeats times (default 3; 0 skips it) with 30 steps, the norms
#         alternating: scaling-repeats/ (one run decides little on a machine whose speed drifts).
# --quick: small settings for a check in a few minutes (writes DIR/scaling-quick/ instead; no 4c).
# Environment: JAVA_HOME, BATCHWISE_JVM_OPTS (the launcher's JVM options).
set -euo pipefail
say() { printf '[scaling] %s\n' "$*" >&2; }
die() { printf '[scaling] error: %s\n' "$*" >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CP=""; OUT="bench/results"; QUICK=0; NETNS=1; PROJECTION=1; RUNS=1; SPARK=1; REPEATS=3
while (( $# )); do
  case "$1" in
    --classpath) CP="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --no-netns) NETNS=0; shift ;;
    --no-projection) PROJECTION=0; shift ;;
    --no-runs) RUNS=0; shift ;;
    --no-spark) SPARK=0; shift ;;
    --target-repeats) REPEATS="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -n "$CP" ]] || die "--classpath is required (./batchwise bench scaling passes it)"
[[ "$REPEATS" =~ ^[0-9]+$ ]] || die "--target-repeats takes a whole number (0 skips the repeated runs), got '$REPEATS'"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JSIG="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/lib/libjsig.so"
[[ -f "$JSIG" ]] || die "$JSIG not found; it is needed to run OpenCL (PoCL) inside the JVM"
read -r -a JOPTS <<<"${BATCHWISE_JVM_OPTS:--Xmx2g -XX:+UseG1GC -Djava.awt.headless=true}"
(( QUICK )) && OUT="$OUT/scaling-quick"
mkdir -p "$OUT"
jrun() { LD_PRELOAD="$JSIG${LD_PRELOAD:+:$LD_PRELOAD}" "$JAVA" "${JOPTS[@]}" -cp "$CP" "$@"; }

SIZES="8,512,4096,32768,262144,1048576,4194304"; RANKS="2,4"
(( QUICK )) && { SIZES="8,4096,262144"; RANKS="2"; }
say "1/4 collective model: ranks $RANKS on 127.0.0.1, fitted on 2-rank groups (uptime: $(uptime | sed 's/.*load/load/'))"
jrun io.batchwise.collective.model.CollectiveTimings --ranks "$RANKS" --sizes "$SIZES" --fit-ranks 2 \
  --csv "$OUT/collective-samples.csv" --fit-out "$OUT/collective-model.csv"

if (( NETNS )); then
  if [[ "$(id -u)" -ne 0 ]]; then
    say "2/4 network-namespace validation skipped: needs root (run as root, or pass --no-netns)"
  elif ! command -v ip >/dev/null 2>&1 || ! command -v tc >/dev/null 2>&1; then
    say "2/4 network-namespace validation skipped: 'ip'/'tc' missing (apt-get install -y iproute2; ./batchwise setup does it as root)"
  else
    say "2/4 validation on test hosts in network namespaces"
    if (( QUICK )); then
      JAVA_HOME="${JAVA_HOME:-}" "$HERE/netns.sh" --classpath "$CP" --out "$OUT" --ranks 2 --rates 300 --sizes 8,262144
    else
      JAVA_HOME="${JAVA_HOME:-}" "$HERE/netns.sh" --classpath "$CP" --out "$OUT"
    fi
  fi
else
  say "2/4 network-namespace validation: not asked for (--no-netns)"
fi

if (( PROJECTION )); then
  say "3/4 projection to 16-1024 nodes"
  if (( QUICK )); then
    POCL_MAX_PTHREAD_COUNT=1 jrun io.batchwise.train.scaling.ScalingProjection --collective-model "$OUT/collective-model.csv" \
      --models lenet-bn --steps 3 --warmup 1 --out "$OUT"
  else
    POCL_MAX_PTHREAD_COUNT=1 jrun io.batchwise.train.scaling.ScalingProjection --collective-model "$OUT/collective-model.csv" --out "$OUT"
  fi
fi

if (( RUNS && SPARK && ! QUICK )); then
  JOB_JAR="$(ls "$HERE"/../../modules/spark/target/batchwise-spark-*-job.jar 2>/dev/null | head -n 1 || true)"
  # unzip's status is ignored: grep -q stops reading at the first match, unzip then dies of SIGPIPE,
  # and under pipefail that failed the test although the class was there.
  if [[ -n "$JOB_JAR" ]] && { unzip -l "$JOB_JAR" 2>/dev/null || true; } | grep -q 'io/batchwise/spark/job/TrainJob.class'; then
    say "4a/4 the Spark job on a local standalone cluster (1, 2, 4, 8 one-core workers)"
    "$HERE/spark-runs.sh" --job-jar "$JOB_JAR" --out "$OUT" \
      && jrun io.batchwise.train.scaling.ScalingBench --spark-runs "$OUT/spark-runs" --out "$OUT" \
      || say "the Spark runs failed; continuing with the worker-process runs"
  else
    say "4a/4 Spark runs skipped: no job jar with io.batchwise.spark.job.TrainJob under modules/spark/target"
  fi
fi

if (( RUNS )); then
  say "4b/4 real runs (worker processes, one core each)"
  if (( QUICK )); then
    jrun io.batchwise.train.scaling.ScalingBench --models lenet-bn --workers 1,2 --modes weak --steps 4 --warmup 1 \
      --memory-mb 64 --out "$OUT" "$@"
  else
    jrun io.batchwise.train.scaling.ScalingBench --out "$OUT" "$@"
    if (( REPEATS > 0 )); then
      say "4c/4 the target points, each measured $REPEATS time(s), norms alternating (scaling-repeats/)"
      jrun io.batchwise.train.scaling.ScalingBench --models resnet20 --workers 1,2,4 --modes weak,strong \
        --repeats "$REPEATS" --steps 30 --warmup 10 --out "$OUT/scaling-repeats" \
        && jrun io.batchwise.train.scaling.ScalingBench --report-only true --out "$OUT" >/dev/null
    fi
  fi
fi
say "done: $OUT/scaling.md"
