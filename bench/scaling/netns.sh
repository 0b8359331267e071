#!/usr/bin/env bash
# Validation of the collective's alpha-beta model on "test hosts" in network namespaces.
#
#   bench/scaling/netns.sh --classpath CP [--out DIR] [--ranks 2,4] [--rates 1000,300,100]
#                          [--delays 0,200] [--sizes 8,512,...]
#
# Builds one namespace per rank (bw-ns1..bw-nsN, addresses 10.77.0.1..N/24 on a veth) and a bridge
# namespace (bw-br) joining them; no address or route is added outside those namespaces. Then:
#   1. baseline: every rank's JVM runs in its own namespace (ip netns exec), no shaping; the model
#      is fitted from these times (netns-model.csv);
#   2. for every (delay, rate) setting: shape each rank's egress (tc netem delay+rate where the
#      kernel has netem, otherwise tbf rate only), measure again, and compare with the model moved
#      onto that network (alpha + delay, beta + 1/rate): netns-validation.csv.
#   3. without netem, delays come from relays instead (DelayRelay: every rank puts one in front of
#      its listening sockets, inside its namespace, holding each message for the delay): a model is
#      fitted on relays of delay 0 (what the relay itself costs; netns-model-relay.csv), and every
#      (delay, rate) setting, rate unlimited included, is compared with that model moved onto the
#      network; labels end in "-relay".
# The namespaces are deleted on exit (also on error or Ctrl-C).
set -euo pipefail

die() { printf '[netns] error: %s\n' "$*" >&2; exit 1; }
say() { printf '[netns] %s\n' "$*" >&2; }

CP=""; OUT="bench/results"; RANKS="2,4"; RATES="1000,300,100"; DELAYS="0,200"
SIZES="8,512,4096,32768,262144,1048576"
while (( $# )); do
  case "$1" in
    --classpath) CP="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    --rates) RATES="$2"; shift 2 ;;
    --delays) DELAYS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -n "$CP" ]] || die "--classpath is required (the launcher passes the build's class path)"
[[ "$(id -u)" -eq 0 ]] || die "network namespaces need root: run as root (or with sudo)"
command -v ip >/dev/null 2>&1 || die "'ip' is missing: apt-get install -y iproute2"
command -v tc >/dev/null 2>&1 || die "'tc' is missing: apt-get install -y iproute2"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$OUT"
MAXN=$(tr , '\n' <<<"$RANKS" | sort -n | tail -1)
(( MAXN >= 2 && MAXN <= 250 )) || die "--ranks must be between 2 and 250"

CREATED=()
cleanup() {
  local ns
  for ns in "${CREATED[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

# Left over from an interrupted run: ours by name, so safe to delete.
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^bw-(ns[0-9]+|br)$' || true); do
  ip netns del "$ns"
done

ip netns add bw-br; CREATED+=(bw-br)
ip -n bw-br link add br0 type bridge
ip -n bw-br link set br0 up
for n in $(seq 1 "$MAXN"); do
  ip netns add "bw-ns$n"; CREATED+=("bw-ns$n")
  ip -n "bw-ns$n" link set lo up
  ip link add "bw-v$n" netns "bw-ns$n" type veth peer name "bw-p$n" netns bw-br
  ip -n bw-br link set "bw-p$n" master br0
  ip -n bw-br link set "bw-p$n" up
  ip -n "bw-ns$n" addr add "10.77.0.$n/24" dev "bw-v$n"
  ip -n "bw-ns$n" link set "bw-v$n" up
done
ip -n bw-ns1 route get "10.77.0.$MAXN" >/dev/null || die "namespaces set up but 10.77.0.1 has no route to 10.77.0.$MAXN"
say "namespaces bw-ns1..bw-ns$MAXN on bridge bw-br (10.77.0.0/24)"

HAVE_NETEM=1
if ! tc -n bw-ns1 qdisc replace dev bw-v1 root netem delay 1us 2>/dev/null; then
  HAVE_NETEM=0
  say "this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM off): delays cannot be added; rates use tbf"
fi
tc -n bw-ns1 qdisc del dev bw-v1 root 2>/dev/null || true

timings() {
  "$JAVA" -Xmx512m -cp "$CP" io.batchwise.collective.model.CollectiveTimings --ranks "$RANKS" \
    --sizes "$SIZES" --host-template '10.77.0.{n}' --prefix-template 'ip netns exec bw-ns{n}' "$@"
}
# validate ARGS...: timings with ARGS, their comparison with the model appended to netns-validation.csv.
validate() {
  timings "$@" --compare-out "$OUT/netns-compare.tmp"
  tail -n +2 "$OUT/netns-compare.tmp" >>"$OUT/netns-validation.csv"
}

# shape DELAY_US RATE_MBIT: every rank's egress (rate 0 = unlimited).
shape() {
  local d="$1" r="$2" n burst
  for n in $(seq 1 "$MAXN"); do
    tc -n "bw-ns$n" qdisc del dev "bw-v$n" root 2>/dev/null || true
    if (( HAVE_NETEM )); then
      local spec="netem delay ${d}us limit 100000"
      (( r > 0 )) && spec+=" rate ${r}mbit"
      tc -n "bw-ns$n" qdisc add dev "bw-v$n" root $spec
    elif (( r > 0 )); then
      # burst: at least one GSO super-packet (64 KB) and one timer tick of traffic.
      burst=$(( r * 1000000 / 8 / 250 )); (( burst < 131072 )) && burst=131072
      tc -n "bw-ns$n" qdisc add dev "bw-v$n" root tbf rate "${r}mbit" burst "$burst" latency 200ms
    fi
  done
}

say "baseline (no shaping): measuring ranks $RANKS and fitting the model"
echo "label,latency_us,rate_mbit,algorithm,ranks,bytes,measured_us,predicted_us,rel_err,predicted_max_us,rel_err_max" >"$OUT/netns-validation.csv"
# Fitted on 2-rank groups only: larger groups share this machine's 2 cores (see CollectiveTimings).
validate --csv "$OUT/netns-baseline-samples.csv" --fit-out "$OUT/netns-model.csv" --fit-ranks 2 \
  --predict "$OUT/netns-model.csv" --label "d0us-unshaped"
for d in ${DELAYS//,/ }; do
  for r in ${RATES//,/ }; do
    if (( d > 0 && ! HAVE_NETEM )); then
      say "skipping delay ${d}us, rate ${r}mbit: no netem in this kernel"; continue
    fi
    say "setting: one-way delay ${d}us, rate ${r} Mbit/s per rank"
    shape "$d" "$r"
    validate --predict "$OUT/netns-model.csv" --latency-us "$d" --rate-mbit "$r" --label "d${d}us-r${r}mbit"
  done
done
if (( ! HAVE_NETEM )) && tr , '\n' <<<"$DELAYS" | grep -qv '^0$'; then
  say "relays for the delays: fitting the model on relays of delay 0 (what a relay costs by itself)"
  shape 0 0
  validate --relay-delay-us 0 --csv "$OUT/netns-relay-samples.csv" --fit-out "$OUT/netns-model-relay.csv" \
    --fit-ranks 2 --predict "$OUT/netns-model-relay.csv" --label "d0us-unshaped-relay"
  for d in ${DELAYS//,/ }; do
    (( d > 0 )) || continue
    for r in 0 ${RATES//,/ }; do
      rate=(); label=inf; shown=unlimited
      (( r > 0 )) && { rate=(--rate-mbit "$r"); label="${r}mbit"; shown="${r} Mbit/s"; }
      say "setting: one-way delay ${d}us by relay, rate $shown per rank"
      shape 0 "$r"
      # --latency-us is what was asked; CollectiveTimings predicts with what the relays held.
      validate --relay-delay-us "$d" --predict "$OUT/netns-model-relay.csv" --latency-us "$d" "${rate[@]}" \
        --label "d${d}us-r${label}-relay"
    done
  done
fi
rm -f "$OUT/netns-compare.tmp"
shape 0 0
say "wrote $OUT/netns-model.csv, $OUT/netns-baseline-samples.csv, $OUT/netns-validation.csv (netem: $HAVE_NETEM)"
