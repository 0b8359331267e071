#!/usr/bin/env bash
# A local Spark standalone cluster on 127.0.0.1: one Master and N Workers, each a JVM started
# directly (no Spark shell scripts needed), logs and pids under cluster/work/.
#
#   cluster.sh start --workers N [--cores C] [--memory M] [--port P] [--webui-port U]
#                    [--timeout S] [--pin]
#       N workers (default 2) of C cores (default 1) and M memory for executors (default 1g);
#       --pin holds worker i (and the executors it starts, which inherit it) to C cores of its
#       own with taskset: cores (i-1)*C .. i*C-1, modulo the machine's core count;
#       master on spark://127.0.0.1:P (default 7077), web UI on U (default 8080). Returns once
#       the master reports N alive workers (or fails after S seconds, default 120, and stops
#       whatever it started).
#   cluster.sh stop     stops the master and every worker (idempotent)
#   cluster.sh status   master URL, web UI, workers and pids; exit 0 when running, 3 when not
#   cluster.sh url      prints the master URL of the running cluster (exit 3 when none)
#
# The Spark runtime comes from cluster/spark-home (assembled by spark-home.sh when missing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$CLUSTER_WORK/cluster.state"
DAEMON_HEAP="${BATCHWISE_DAEMON_HEAP:-384m}"
# Master and workers only book-keep: a small serial heap and the client compiler start them
# fastest and leave the cores to the executors.
DAEMON_JVM_OPTS="${BATCHWISE_DAEMON_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

# Processes are recorded as "pid:start-time" (field 22 of /proc/PID/stat, which survives exec):
# a recorded process counts as alive only while that same process exists, so a pid reused by an
# unrelated process after a crash or reboot is never signalled.
start_time() {
  [[ -r "/proc/$1/stat" ]] || { echo "-"; return; }
  sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
}
ident() { echo "$1:$(start_time "$1")"; }
pid_of() { echo "${1%%:*}"; }
alive() {
  [[ -n "${1:-}" ]] || return 1
  local p="${1%%:*}" t="${1#*:}"
  kill -0 "$p" 2>/dev/null || return 1
  [[ "$t" == "$1" || "$t" == "-" || "$(start_time "$p")" == "$t" ]]
}

read_state() {
  MASTER_URL="" WEBUI_PORT="" MASTER_PID="" WORKER_PIDS=""
  if [[ -f "$STATE" ]]; then
    # shellcheck disable=SC1090
    source "$STATE"
  fi
}

# Prints the number of ALIVE workers the master reports (its web UI's JSON), or -1 when the UI
# does not answer yet.
alive_workers() {
  local json
  json=$(curl -s --max-time 3 "http://127.0.0.1:$1/json/" 2>/dev/null) || { echo -1; return; }
  [[ -n "$json" ]] || { echo -1; return; }
  local n
  n=$(printf '%s' "$json" | tr -d ' \n' | sed -n 's/.*"aliveworkers":\([0-9]*\).*/\1/p')
  echo "${n:--1}"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_cluster() {
  read_state
  local pids="$WORKER_PIDS $MASTER_PID" stopped=0
  for p in $pids; do
    if alive "$p"; then kill "$(pid_of "$p")" 2>/dev/null || true; stopped=$((stopped + 1)); fi
  done
  # Workers stop their executors on SIGTERM; give everybody a few seconds, then insist.
  for _ in $(seq 1 50); do
    local any=0
    for p in $pids; do alive "$p" && any=1; done
    [[ $any == 0 ]] && break
    sleep 0.2
  done
  for p in $pids; do
    if alive "$p"; then cluster_say "pid $(pid_of "$p") did not stop on SIGTERM; killing it"; kill -9 "$(pid_of "$p")" 2>/dev/null || true; fi
  done
  rm -f "$STATE"
  if [[ $stopped == 0 ]]; then cluster_say "no cluster running"; else cluster_say "stopped $stopped JVM(s)"; fi
}

start_cluster() {
  local workers=2 cores=1 memory=1g port=7077 webui=8080 timeout=120 pin=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --workers) workers="${2:?--workers needs a number}"; shift 2 ;;
      --cores) cores="${2:?--cores needs a number}"; shift 2 ;;
      --memory) memory="${2:?--memory needs a size such as 1g}"; shift 2 ;;
      --port) port="${2:?--port needs a number}"; shift 2 ;;
      --webui-port) webui="${2:?--webui-port needs a number}"; shift 2 ;;
      --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
      --pin) pin=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) cluster_die "unknown start option '$1' (try: cluster.sh --help)" ;;
    esac
  done
  [[ "$workers" =~ ^[1-9][0-9]*$ ]] || cluster_die "--workers must be a positive integer: '$workers'"
  [[ "$cores" =~ ^[1-9][0-9]*$ ]] || cluster_die "--cores must be a positive integer: '$cores'"
  [[ "$memory" =~ ^[1-9][0-9]*[mMgG]$ ]] || cluster_die "--memory must look like 512m or 2g: '$memory'"
  if [[ $pin == 1 ]] && ! command -v taskset >/dev/null 2>&1; then
    cluster_die "--pin needs taskset (Debian package util-linux)"
  fi
  [[ "$port" =~ ^[0-9]+$ && "$webui" =~ ^[0-9]+$ ]] || cluster_die "ports must be numbers"

  read_state
  if alive "$MASTER_PID"; then
    cluster_die "a cluster is already running ($MASTER_URL, master pid $(pid_of "$MASTER_PID")); stop it first"
  fi
  port_busy "$port" && cluster_die "port $port on 127.0.0.1 is in use (choose --port)"
  port_busy "$webui" && cluster_die "port $webui on 127.0.0.1 is in use (choose --webui-port)"
  command -v curl >/dev/null 2>&1 || cluster_die "curl is needed to watch the master's web UI"

  "$CLUSTER_DIR/spark-home.sh" --quiet
  require_spark_home
  spark_env
  mkdir -p "$CLUSTER_WORK/logs"
  local url="spark://127.0.0.1:$port" cp
  cp="$(spark_classpath)"

  # shellcheck disable=SC2086
  nohup "$JAVA" -Xmx"$DAEMON_HEAP" $DAEMON_JVM_OPTS $SPARK_JAVA_OPENS -cp "$cp" \
    org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$webui" \
    > "$CLUSTER_WORK/logs/master.log" 2>&1 < /dev/null &
  local mpid
  mpid=$(ident $!)
  printf 'MASTER_URL=%s\nWEBUI_PORT=%s\nMASTER_PID=%s\nWORKER_PIDS=""\n' "$url" "$webui" "$mpid" > "$STATE"

  local deadline=$((SECONDS + timeout)) n
  while :; do
    alive "$mpid" || { tail -20 "$CLUSTER_WORK/logs/master.log" >&2; stop_cluster; cluster_die "the master exited (log: $CLUSTER_WORK/logs/master.log)"; }
    n=$(alive_workers "$webui")
    [[ "$n" -ge 0 ]] && break
    [[ $SECONDS -lt $deadline ]] || { stop_cluster; cluster_die "the master did not answer on its web UI (port $webui) within ${timeout}s"; }
    sleep 1
  done
  cluster_say "master up at $url (web UI http://127.0.0.1:$webui, pid $(pid_of "$mpid"))"

  local wpids="" ncpu pinned=()
  ncpu=$(nproc 2>/dev/null || echo 1)
  for i in $(seq 1 "$workers"); do
    mkdir -p "$CLUSTER_WORK/worker-$i"
    local pinning=()
    if [[ $pin == 1 ]]; then
      local first=$(( (i - 1) * cores )) list="" k
      for (( k = 0; k < cores; k++ )); do list="$list${list:+,}$(( (first + k) % ncpu ))"; done
      pinning=(taskset -c "$list")
      pinned+=("worker $i: cores $list")
    fi
    # shellcheck disable=SC2086
    nohup "${pinning[@]}" "$JAVA" -Xmx"$DAEMON_HEAP" $DAEMON_JVM_OPTS $SPARK_JAVA_OPENS -cp "$cp" \
      org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores "$cores" --memory "$memory" --work-dir "$CLUSTER_WORK/worker-$i" "$url" \
      > "$CLUSTER_WORK/logs/worker-$i.log" 2>&1 < /dev/null &
    wpids="$wpids $(ident $!)"
  done
  wpids="${wpids# }"
  if [[ $pin == 1 ]]; then cluster_say "pinned with taskset: $(IFS=';'; echo "${pinned[*]}")"; fi
  printf 'MASTER_URL=%s\nWEBUI_PORT=%s\nMASTER_PID=%s\nWORKER_PIDS="%s"\n' "$url" "$webui" "$mpid" "$wpids" > "$STATE"

  while :; do
    n=$(alive_workers "$webui")
    [[ "$n" -ge "$workers" ]] && break
    local i=0
    for p in $wpids; do
      i=$((i + 1))
      if ! alive "$p"; then
        tail -20 "$CLUSTER_WORK/logs/worker-$i.log" >&2
        stop_cluster
        cluster_die "worker $i exited (log: $CLUSTER_WORK/logs/worker-$i.log)"
      fi
    done
    if [[ $SECONDS -ge $deadline ]]; then
      stop_cluster
      cluster_die "only $n of $workers workers registered within ${timeout}s (logs: $CLUSTER_WORK/logs)"
    fi
    sleep 1
  done
  cluster_say "$workers worker(s) registered ($cores core(s), $memory each); submit to $url"
  echo "$url"
}

status_cluster() {
  read_state
  if ! alive "$MASTER_PID"; then
    echo "no cluster running"
    return 3
  fi
  echo "master   $MASTER_URL  (pid $(pid_of "$MASTER_PID"), web UI http://127.0.0.1:$WEBUI_PORT)"
  echo "workers  $(alive_workers "$WEBUI_PORT") alive according to the master"
  local i=0
  for p in $WORKER_PIDS; do
    i=$((i + 1))
    if alive "$p"; then s=running; else s=exited; fi
    echo "worker-$i pid $(pid_of "$p") $s  (log $CLUSTER_WORK/logs/worker-$i.log)"
  done
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  start) start_cluster "$@" ;;
  stop) stop_cluster ;;
  status) status_cluster ;;
  url) read_state; alive "$MASTER_PID" || exit 3; echo "$MASTER_URL" ;;
  -h|--help|help) usage ;;
  "") usage; exit 2 ;;
  *) cluster_die "unknown command '$cmd' (start | stop | status | url)" ;;
esac
