#!/usr/bin/env bash
# Assembles a Spark runtime (a SPARK_HOME) from Maven Central jars into cluster/spark-home/:
#   jars/     spark-core and spark-sql (Scala 2.13) with everything they need at run time
#   RELEASE   marks a binary distribution (Spark's launcher then looks for jars/ directly)
#   conf/     spark-defaults.conf, spark-env.sh, log4j2.properties from cluster/conf/*.template
# Idempotent: does nothing when the runtime is present and complete (the .assembled stamp records
# the Spark version and the jar count). --force rebuilds it; --quiet says nothing when present.
# Maven runs offline when BATCHWISE_OFFLINE=1, online when 0, and offline-then-online when unset.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

force=0 quiet=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) cluster_die "unknown option '$a' (spark-home.sh [--force] [--quiet])" ;;
  esac
done

# One assembler at a time (two test runs may start together): the second waits, then finds the
# runtime complete.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/batchwise-spark-home-$(id -u).lock"
  flock 9
fi

stamp="$SPARK_HOME/.assembled"
if [[ $force == 0 && -f "$stamp" ]]; then
  read -r v n < "$stamp" || true
  have=$(find "$SPARK_HOME/jars" -maxdepth 1 -name '*.jar' 2>/dev/null | wc -l)
  if [[ "$v" == "$SPARK_VERSION" && "$n" == "$have" && -f "$SPARK_HOME/RELEASE" ]]; then
    [[ $quiet == 1 ]] || cluster_say "Spark $SPARK_VERSION runtime present at $SPARK_HOME ($have jars)"
    exit 0
  fi
  cluster_say "Spark runtime at $SPARK_HOME is incomplete or stale; assembling again"
fi

command -v mvn >/dev/null 2>&1 || cluster_die "Maven (mvn) is needed to fetch the Spark jars"
[[ -x "$JAVA" ]] || command -v "$JAVA" >/dev/null 2>&1 || cluster_die "no java found (set JAVA_HOME)"

# Copy into a fresh directory first and move it in place only when complete: an interrupted run
# never leaves a half-filled jars/ that looks valid.
tmp="$SPARK_HOME.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/jars" "$tmp/conf"
trap 'rm -rf "$tmp"' EXIT

# Maven's output goes to a log, shown only when it fails.
fetch() {
  mvn -q -B -Dstyle.color=never "$@" -f "$CLUSTER_DIR/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/jars" -Dmdep.overWriteReleases=true \
    > "$tmp/mvn.log" 2>&1 || { sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" | tail -20 >&2; return 1; }
}
case "${BATCHWISE_OFFLINE:-}" in
  1) fetch -o || cluster_die "the Spark jars are not all in the local Maven repository (offline)" ;;
  0) fetch || cluster_die "could not download the Spark jars from Maven Central" ;;
  *) fetch -o 2>/dev/null || { rm -rf "$tmp/jars"; mkdir -p "$tmp/jars"; cluster_say "fetching Spark $SPARK_VERSION jars from Maven Central"; \
       fetch || cluster_die "could not download the Spark jars from Maven Central"; } ;;
esac
ls "$tmp/jars"/spark-core_"$SCALA_BINARY_VERSION"-"$SPARK_VERSION".jar >/dev/null 2>&1 \
  || cluster_die "spark-core_$SCALA_BINARY_VERSION-$SPARK_VERSION.jar missing after the copy"

hadoop=$(ls "$tmp/jars" | sed -n 's/^hadoop-client-api-\(.*\)\.jar$/\1/p' | head -1)
printf 'Spark %s built for Hadoop %s (assembled by Batchwise from Maven Central jars)\n' \
  "$SPARK_VERSION" "${hadoop:-unknown}" > "$tmp/RELEASE"

opens="$(echo $SPARK_JAVA_OPENS)"
for t in spark-defaults.conf spark-env.sh log4j2.properties; do
  sed -e "s|@JAVA_OPENS@|$opens|g" -e "s|@JAVA_HOME@|$JAVA_HOME|g" \
      -e "s|@SCALA_BINARY_VERSION@|$SCALA_BINARY_VERSION|g" \
      "$CLUSTER_DIR/conf/$t.template" > "$tmp/conf/$t"
done
chmod +x "$tmp/conf/spark-env.sh"

rm -f "$tmp/mvn.log"
n=$(find "$tmp/jars" -maxdepth 1 -name '*.jar' | wc -l)
echo "$SPARK_VERSION $n" > "$tmp/.assembled"
rm -rf "$SPARK_HOME"
mv "$tmp" "$SPARK_HOME"
trap - EXIT
cluster_say "Spark $SPARK_VERSION runtime assembled at $SPARK_HOME ($n jars)"
