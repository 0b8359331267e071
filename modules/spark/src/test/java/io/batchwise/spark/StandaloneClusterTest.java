package io.batchwise.spark;

import static io.batchwise.spark.ClusterTestProcesses.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.Communicator;
import io.batchwise.spark.ClusterTestProcesses.Run;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * End to end through the cluster scripts: assemble cluster/spark-home, start a standalone master
 * and 2 workers on 127.0.0.1 (cluster/cluster.sh), spark-submit AllReduceCheckJob with 2 ranks
 * (cluster/submit.sh) and expect its OK line and exit 0; the cluster is stopped in any case.
 * Skipped, loudly, when the Spark jars cannot be assembled (no network and an empty Maven cache).
 */
class StandaloneClusterTest {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent().getParent();
  private static final Path CLUSTER = ROOT.resolve("cluster");
  private static final Path WORK = MODULE.resolve(
      "target" + System.getProperty("batchwise.buildSuffix", "") + "/cluster-test");

  @Test
  void submitsTheAllReduceCheckToATwoWorkerStandaloneCluster() throws Exception {
    Files.createDirectories(WORK);
    Map<String, String> env = Map.of("BATCHWISE_CLUSTER_WORK", WORK.resolve("cluster").toString(),
        "BATCHWISE_DRIVER_HEAP", "512m");

    Run assemble = run(List.of(CLUSTER.resolve("spark-home.sh").toString()), env, "spark-home", 600);
    if (assemble.status() != 0) {
      String msg = "\n*** SKIPPED StandaloneClusterTest: could not assemble the Spark runtime "
          + "(cluster/spark-home.sh exit " + assemble.status() + "):\n" + assemble.output()
          + "\n*** Needs the Spark 4.0.1 jars in ~/.m2 or network access to Maven Central.\n";
      System.err.println(msg);
      Assumptions.abort(msg);
    }

    Path jar = buildJobJar(WORK.resolve("allreduce-check-job.jar"));
    int port = freePort();
    int webui = freePort();
    try {
      Run start = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "start", "--workers", "2",
          "--cores", "1", "--memory", "1g", "--port", String.valueOf(port), "--webui-port",
          String.valueOf(webui), "--timeout", "150"), env, "cluster-start", 200);
      assertEquals(0, start.status(), "cluster.sh start failed:\n" + start.output());
      assertTrue(start.output().contains("2 worker(s) registered"), start.output());

      Run status = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "status"), env,
          "cluster-status", 30);
      assertEquals(0, status.status(), status.output());
      assertTrue(status.output().contains("spark://127.0.0.1:" + port), status.output());
      assertTrue(status.output().contains("2 alive"), status.output());

      // No --master: submit.sh finds the running local cluster.
      Run submit = run(List.of(CLUSTER.resolve("submit.sh").toString(),
          "--conf", "spark.executor.memory=512m",
          "--class", AllReduceCheckJob.class.getName(), jar.toString(),
          "--", "--workers", "2", "--length", "100003"), env, "submit", 300);
      assertEquals(0, submit.status(), "spark-submit of AllReduceCheckJob failed:\n" + submit.output());
      assertTrue(submit.output().contains("OK: 2 ranks"), submit.output());
      assertEquals(2, submit.output().split("jsig=yes", -1).length - 1,
          "both executors run with libjsig preloaded (spark.executorEnv.LD_PRELOAD):\n"
          + submit.output());
    } finally {
      Run stop = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "stop"), env,
          "cluster-stop", 60);
      System.err.println(stop.output());
    }
    Run after = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "status"), env,
        "cluster-status-after", 30);
    assertEquals(3, after.status(), "status after stop: " + after.output());
  }

  /**
   * A thin job jar: this module's classes and the collective's (Spark's own jars provide Netty,
   * Kryo and Scala on the cluster). Works whether the reactor hands us class directories or jars.
   */
  private static Path buildJobJar(Path jar) throws IOException, URISyntaxException {
    Set<String> seen = new HashSet<>();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Class<?> c : List.of(AllReduceCheckJob.class, Communicator.class)) {
        ClusterTestProcesses.addToJar(out,
            Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()), seen);
      }
    }
    return jar;
  }

  /** Runs a script with a time limit (its whole process tree is killed past it). */
  private static Run run(List<String> command, Map<String, String> env, String name,
      long timeoutSeconds) throws IOException, InterruptedException {
    return ClusterTestProcesses.run(command, env, WORK.resolve(name + ".log"), timeoutSeconds);
  }
}
