#!/usr/bin/env bash
# Submits a job with the assembled Spark runtime (org.apache.spark.deploy.SparkSubmit run with
# java directly, so no Spark shell scripts are needed).
#
#   submit.sh [spark-submit options] -- [job options]
#
# Everything before `--` goes to spark-submit (--class, --jars, --conf, --master, ..., and the
# application jar as the last one); everything after it goes to the job's main class. Without
# --master, the job goes to the local standalone cluster started by cluster.sh (its URL is read
# from cluster/work/cluster.state); with no cluster running, an explicit --master is required.
# With --properties-file (e.g. conf/spark-yarn.conf.template filled in) Spark reads that file
# instead of the local cluster's spark-defaults.conf.
# Examples:
#   submit.sh --class io.batchwise.spark.AllReduceCheckJob job.jar -- --workers 2
#   submit.sh --master local[2] --class io.batchwise.spark.AllReduceCheckJob job.jar -- --workers 2
#   submit.sh --master yarn --deploy-mode cluster --class ... job.jar -- ...
# The exit status is the job's (driver's) exit status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

submit_args=() job_args=() seen_sep=0 has_master=0
for a in "$@"; do
  if [[ $seen_sep == 0 && "$a" == "--" ]]; then seen_sep=1; continue; fi
  if [[ $seen_sep == 0 ]]; then
    case "$a" in -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
    # A master named any way Spark accepts it: --master, --conf spark.master=..., or a
    # properties file (the YARN and Kubernetes templates name theirs).
    case "$a" in --master|--master=*|spark.master=*|--properties-file|--properties-file=*) has_master=1 ;; esac
    submit_args+=("$a")
  else
    job_args+=("$a")
  fi
done
[[ ${#submit_args[@]} -gt 0 ]] || cluster_die "nothing to submit: give --class and the job jar (submit.sh --help)"

"$CLUSTER_DIR/spark-home.sh" --quiet
require_spark_home
spark_env

if [[ $has_master == 0 ]]; then
  url=$("$CLUSTER_DIR/cluster.sh" url 2>/dev/null) \
    || cluster_die "no local cluster running: start one (cluster.sh start --workers N) or pass --master URL"
  submit_args=(--master "$url" "${submit_args[@]}")
fi

# The driver JVM is this one (client mode): it needs the same openings as every Spark JVM.
# shellcheck disable=SC2086
exec "$JAVA" ${BATCHWISE_DRIVER_HEAP:+-Xmx$BATCHWISE_DRIVER_HEAP} $SPARK_JAVA_OPENS \
  -cp "$(spark_classpath)" org.apache.spark.deploy.SparkSubmit \
  "${submit_args[@]}" "${job_args[@]}"
