#!/usr/bin/env bash
# ./batchwise bench settings: worker settings compared side by side (ScalingBench options such as
# --yield-micros or --bucket-kb), on one point: a model (resnet20), weak scaling, SyncBN, W workers.
#
#   bench/scaling/settings.sh --classpath CP [--out DIR] [--rounds 6] [--workers 2] [--model resnet20]
#                             [--steps 30] [--warmup 10] SETTING [SETTING...]
#
# A SETTING is a quoted string of ScalingBench options ("--yield-micros 50", "--bucket-kb 65536");
# "" is the defaults. Every round measures every setting once (steps, of which warmup untimed), the order
# rotating from round to round, so a slow stretch of the machine falls on the settings alike.
# Writes DIR/settings-runs.csv (one row per run: round, setting, W-worker and 1-worker step ms) and
# DIR/settings.md: per setting the median step over the rounds and the median of its step over the
# first setting's step in the same round. Each run's own ScalingBench output is in DIR/runs/.
# Environment: JAVA_HOME, BATCHWISE_JVM_OPTS (the launcher's JVM options).
set -euo pipefail
say() { printf '[settings] %s\n' "$*" >&2; }
die() { printf '[settings] error: %s\n' "$*" >&2; exit 1; }

CP=""; OUT="bench/results/settings"; ROUNDS=6; W=2; MODEL=resnet20; STEPS=30; WARMUP=10
while (( $# )); do
  case "$1" in
    --classpath) CP="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --workers) W="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ -n "$CP" ]] || die "--classpath is required (./batchwise bench settings passes it)"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive whole number, got '$ROUNDS'"
[[ "$W" =~ ^[1-9][0-9]*$ ]] && (( W >= 2 )) || die "--workers takes a whole number >= 2, got '$W'"
(( $# >= 2 )) || die "give at least two settings to compare, e.g. \"\" \"--yield-micros 50\""
SETTINGS=("$@")
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JSIG="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/lib/libjsig.so"
[[ -f "$JSIG" ]] || die "$JSIG not found; it is needed to run OpenCL (PoCL) inside the JVM"
read -r -a JOPTS <<<"${BATCHWISE_JVM_OPTS:--Xmx2g -XX:+UseG1GC -Djava.awt.headless=true}"
jrun() { LD_PRELOAD="$JSIG${LD_PRELOAD:+:$LD_PRELOAD}" "$JAVA" "${JOPTS[@]}" -cp "$CP" "$@"; }

mkdir -p "$OUT/runs"
CSV="$OUT/settings-runs.csv"
echo "round,setting,step_ms_w$W,step_ms_w1,syncbn_comm_ms_w$W" >"$CSV"
START="$(date -u +%FT%TZ)"
N=${#SETTINGS[@]}
for (( r = 1; r <= ROUNDS; r++ )); do
  for (( k = 0; k < N; k++ )); do
    i=$(( (k + r - 1) % N ))
    s="${SETTINGS[$i]}"
    dir="$OUT/runs/s$i-r$r"
    rm -rf "$dir"
    say "round $r/$ROUNDS, setting $i: ${s:-defaults}"
    read -r -a extra <<<"$s"
    jrun io.batchwise.train.scaling.ScalingBench --models "$MODEL" --workers "1,$W" --modes weak --norms syncbn \
      --core-probe off --steps "$STEPS" --warmup "$WARMUP" "${extra[@]}" --out "$dir" >"$dir.log" 2>&1 \
      || die "run failed; see $dir.log"
    rm -f "$dir"/*.png # plots of two points each; the summary below is the result
    awk -F, -v r="$r" -v s="${s:-defaults}" -v w="$W" '
      $4 == w { sw = $7 * 1000; sync = $10 * 1000 } $4 == 1 { s1 = $7 * 1000 }
      END { printf "%d,%s,%.2f,%.2f,%.2f\n", r, s, sw, s1, sync }' "$dir/scaling-points.csv" >>"$CSV"
    tail -1 "$CSV" >&2
  done
done

# Medians per setting, and of each run's step over the first setting's run of the same round.
awk -F, -v first="${SETTINGS[0]:-defaults}" -v w="$W" -v model="$MODEL" -v start="$START" -v end="$(date -u +%FT%TZ)" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  NR > 1 { step[$2, $1] = $3; one[$2, $1] = $4; sync[$2, $1] = $5; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
           if ($1 > rounds) rounds = $1 }
  END {
    printf "# Worker settings side by side\n\n%s to %s; %s, weak scaling (16 per worker), SyncBN, %d workers, ", start, end, model, w
    printf "%d rounds, every setting once per round, the order rotating. Step ratio: each run over the ", rounds
    printf "run of `%s` in the same round.\n\n", first
    printf "| setting | step ms at %d workers, median (min-max) | SyncBN comm ms | 1-worker step ms | step / first setting, median |\n|---|---:|---:|---:|---:|\n", w
    for (k = 1; k <= n; k++) {
      s = order[k]; m = 0; lo = 1e18; hi = 0
      for (r = 1; r <= rounds; r++) if ((s, r) in step) {
        m++; a[m] = step[s, r]; b[m] = one[s, r]; c[m] = sync[s, r]; lo = (a[m] < lo ? a[m] : lo); hi = (a[m] > hi ? a[m] : hi)
        if ((first, r) in step) d[m] = step[s, r] / step[first, r] }
      printf "| `%s` | %.1f (%.1f-%.1f) | %.1f | %.1f | %.3f |\n", s, median(a, m), lo, hi, median(c, m), median(b, m), median(d, m)
      delete a; delete b; delete c; delete d
    }
  }' "$CSV" >"$OUT/settings.md"
cat "$OUT/settings.md"
