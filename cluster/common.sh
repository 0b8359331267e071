# Sourced by the cluster scripts: paths and JVM flags shared by all of them. Not executable.
#
#   BATCHWISE_SPARK_HOME  where the assembled Spark runtime lives (default cluster/spark-home)
#   BATCHWISE_CLUSTER_WORK  logs, pids and worker directories (default cluster/work)
#   JAVA_HOME             a Java 17 (default /usr/lib/jvm/java-17-openjdk-amd64, else java on PATH)

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SPARK_VERSION="4.0.1"
SCALA_BINARY_VERSION="2.13"
SPARK_HOME="${BATCHWISE_SPARK_HOME:-$CLUSTER_DIR/spark-home}"
CLUSTER_WORK="${BATCHWISE_CLUSTER_WORK:-$CLUSTER_DIR/work}"

if [[ -z "${JAVA_HOME:-}" ]]; then
  if [[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]]; then
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
  elif command -v java >/dev/null 2>&1; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Spark on Java 17 reflects into JDK internals (direct buffers, Netty, Kryo, serialization); these
# are the module openings Spark's own launcher adds (org.apache.spark.launcher.JavaModuleOptions).
# Every JVM we start directly (master, workers, spark-submit's driver) gets them; executors get
# them from spark.executor.extraJavaOptions in spark-defaults.conf.
SPARK_JAVA_OPENS="-XX:+IgnoreUnrecognizedVMOptions \
--add-modules=jdk.incubator.vector \
--add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED \
--add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
-Djdk.reflect.useDirectMethodHandle=false \
-Dio.netty.tryReflectionSetAccessible=true"

# PoCL (loaded through Aparapi by the training code) replaces the JVM's signal handlers unless
# libjsig is preloaded: every JVM that may run Batchwise kernels gets it.
JSIG="${JAVA_HOME:+$JAVA_HOME/lib/libjsig.so}"

cluster_say() { printf '[cluster] %s\n' "$*" >&2; }
cluster_die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# The class path of a JVM running Spark from the assembled home: conf first, then every jar.
spark_classpath() { printf '%s' "$SPARK_HOME/conf:$SPARK_HOME/jars/*"; }

# The environment Spark's own scripts would set up (spark-env.sh is what users edit).
spark_env() {
  export SPARK_HOME JAVA_HOME
  export SPARK_CONF_DIR="$SPARK_HOME/conf"
  export SPARK_SCALA_VERSION="$SCALA_BINARY_VERSION"
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  if [[ -f "$SPARK_HOME/conf/spark-env.sh" ]]; then
    # shellcheck disable=SC1091
    source "$SPARK_HOME/conf/spark-env.sh"
  fi
  if [[ -n "$JSIG" && -f "$JSIG" ]]; then
    export LD_PRELOAD="$JSIG"
  fi
}

require_spark_home() {
  [[ -f "$SPARK_HOME/RELEASE" && -f "$SPARK_HOME/.assembled" ]] \
    || cluster_die "no Spark runtime at $SPARK_HOME; run cluster/spark-home.sh first"
}
