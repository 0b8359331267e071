package io.batchwise.spark;

import static io.batchwise.spark.ClusterTestProcesses.deleteTree;
import static io.batchwise.spark.ClusterTestProcesses.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.spark.ClusterTestProcesses.Run;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The acceptance tests of the spark-submit job on a real standalone cluster: a master and 2
 * workers on 127.0.0.1 started by cluster/cluster.sh, and a real SparkSubmit process per job
 * (cluster/submit.sh, client mode) running {@code io.batchwise.spark.job.TrainJob} from a job jar.
 *
 * <ul>
 *   <li>A short job trains (the loss falls from the first epoch to the last), writes a checkpoint
 *       per epoch and evaluates with the EMA and with PreciseBN statistics.</li>
 *   <li>Fault tolerance: in the second epoch one executor JVM is killed with SIGKILL (found by its
 *       {@code CoarseGrainedExecutorBackend} command line with the application id); the barrier
 *       stage fails, the standalone worker starts a new executor, the driver runs the epoch again
 *       from the first epoch's checkpoint, and the job ends with exit 0 and
 *       {@code attempts_per_epoch [1, 2]}. The executors pause after each step
 *       ({@link StepPause}, set through {@code spark.executorEnv}) so the kill lands mid-epoch.</li>
 * </ul>
 * Small synthetic data on the plain-Java device keeps each job under a minute on 2 cores. Skipped,
 * loudly, when the Spark jars cannot be assembled (no network and an empty Maven cache).
 */
class SubmittedTrainJobTest {
  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent().getParent();
  private static final Path CLUSTER = ROOT.resolve("cluster");
  private static final Path WORK = MODULE.resolve(
      "target" + System.getProperty("batchwise.buildSuffix", "") + "/submitted-job-test");
  private static final String TRAIN_JOB = "io.batchwise.spark.job.TrainJob";

  private static Map<String, String> env;
  private static Path jar;
  private static int port;
  private static boolean started;

  @BeforeAll
  static void startCluster() throws Exception {
    deleteTree(WORK);
    Files.createDirectories(WORK);
    env = Map.of("BATCHWISE_CLUSTER_WORK", WORK.resolve("cluster").toString(),
        "BATCHWISE_DRIVER_HEAP", "512m");
    Run assemble = run(List.of(CLUSTER.resolve("spark-home.sh").toString()), "spark-home", 600);
    if (assemble.status() != 0) {
      String msg = "\n*** SKIPPED SubmittedTrainJobTest: could not assemble the Spark runtime "
          + "(cluster/spark-home.sh exit " + assemble.status() + "):\n" + assemble.output()
          + "\n*** Needs the Spark 4.0.1 jars in ~/.m2 or network access to Maven Central.\n";
      System.err.println(msg);
      Assumptions.abort(msg);
    }
    jar = buildJobJar(WORK.resolve("batchwise-job.jar"));
    port = freePort();
    Run start = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "start", "--workers", "2",
        "--cores", "1", "--memory", "1g", "--port", String.valueOf(port), "--webui-port",
        String.valueOf(freePort()), "--timeout", "150"), "cluster-start", 200);
    started = true;
    assertEquals(0, start.status(), "cluster.sh start failed:\n" + start.output());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (started) {
      Run stop = run(List.of(CLUSTER.resolve("cluster.sh").toString(), "stop"), "cluster-stop",
          60);
      System.err.println(stop.output());
    }
  }

  /** spark-submit of TrainJob (2 workers × 16 of 256 synthetic samples: 8 steps per epoch). */
  private static List<String> submit(Path runDir, List<String> sparkConf, String... jobArgs) {
    List<String> cmd = new ArrayList<>(List.of(CLUSTER.resolve("submit.sh").toString(),
        "--conf", "spark.executor.memory=512m"));
    cmd.addAll(sparkConf);
    cmd.addAll(List.of("--class", TRAIN_JOB, jar.toString(), "--",
        "--data", "synthetic", "--synthetic-train", "256", "--synthetic-test", "64",
        "--workers", "2", "--per-worker-batch", "16", "--device", "java",
        "--device-memory-mb", "64", "--eval-batch-size", "32", "--lr", "0.02",
        "--lr-schedule", "warmup:2+cosine", "--precise-bn-samples", "64", "--no-progress",
        "--collective-timeout-s", "60", "--run-dir", runDir.toString()));
    cmd.addAll(List.of(jobArgs));
    return cmd;
  }

  @Test
  void aSubmittedJobTrainsCheckpointsAndEvaluatesOnTwoWorkers() throws Exception {
    Path runDir = WORK.resolve("run-train");
    Run job = run(submit(runDir, List.of(), "--epochs", "2"), "submit-train", 240);
    assertEquals(0, job.status(), "spark-submit of TrainJob failed:\n" + job.output());
    assertTrue(job.output().contains("master spark://127.0.0.1:" + port), job.output());
    assertTrue(job.output().contains("epoch 1/2") && job.output().contains("epoch 2/2"), job.output());

    List<String> rows = Files.readAllLines(runDir.resolve("metrics.jsonl"));
    assertEquals(2, rows.size(), "one metrics row per epoch");
    double first = number(rows.get(0), "train_loss");
    double last = number(rows.get(1), "train_loss");
    assertTrue(last < first, "the training loss falls: epoch 1 " + first + ", epoch 2 " + last);

    assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/epoch-1.ckpt")));
    assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/epoch-2.ckpt")));
    String summary = Files.readString(runDir.resolve("summary.json"));
    double ema = number(summary, "test_accuracy_ema");
    double precise = number(summary, "test_accuracy_precise_bn");
    // 16 steps are too few to promise an accuracy; the evaluation ran with both statistics.
    assertTrue(ema >= 0 && ema <= 1 && precise >= 0 && precise <= 1, summary);
    assertTrue(compact(summary).contains("\"attempts_per_epoch\":[1,1]"), summary);
    assertTrue(summary.contains("\"spark_master\": \"spark://127.0.0.1:" + port + "\""), summary);
    assertTrue(Files.isRegularFile(runDir.resolve("loss.png")), "loss plot in the run folder");
  }

  @Test
  void killingAnExecutorMidEpochRetriesTheEpochFromTheCheckpoint() throws Exception {
    Path runDir = WORK.resolve("run-kill");
    Path log = WORK.resolve("submit-kill.log");
    ProcessBuilder pb = new ProcessBuilder(submit(runDir,
        List.of("--conf", "spark.executorEnv." + StepPause.ENV + "=500"), "--epochs", "2",
        // The lost executor's replacement starts in seconds, or in a minute on a busy machine.
        "--slot-wait-s", "180"))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process driver = pb.start();
    try {
      // Wait for step 1 of epoch 2's first attempt (8 steps of >= 500 ms: 3.5 s left in it).
      Path executorDir = waitForStepLine("epoch 2 attempt 1 step 1/", driver, 300);
      ProcessHandle executor = executorProcess(executorDir);
      String cmdline = Files.readString(Path.of("/proc", "" + executor.pid(), "cmdline"))
          .replace('\0', ' ');
      String environ = Files.readString(Path.of("/proc", "" + executor.pid(), "environ"))
          .replace('\0', '\n');
      assertTrue(environ.contains("LD_PRELOAD=") && environ.contains("libjsig.so"),
          "the executor runs with libjsig preloaded (spark.executorEnv.LD_PRELOAD)");
      assertTrue(cmdline.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"),
          "the executor has Java 17's openings: " + cmdline);

      Process kill = new ProcessBuilder("kill", "-9", "" + executor.pid()).inheritIO().start();
      assertEquals(0, kill.waitFor(), "kill -9 " + executor.pid());
      assertTrue(executor.onExit().get(10, TimeUnit.SECONDS) != null);
      assertFalse(executor.isAlive());

      assertTrue(driver.waitFor(300, TimeUnit.SECONDS), "the job ends after the retry:\n"
          + Files.readString(log));
    } finally {
      if (driver.isAlive()) {
        driver.descendants().forEach(ProcessHandle::destroyForcibly);
        driver.destroyForcibly();
      }
    }
    String out = Files.readString(log);
    assertEquals(0, driver.exitValue(), "the job finishes despite the lost executor:\n" + out);
    assertTrue(out.contains("epoch 2, attempt 1/3 failed"), out);
    assertTrue(out.contains("epoch 2: retrying from ") && out.contains("epoch-1.ckpt"), out);
    String summary = Files.readString(runDir.resolve("summary.json"));
    assertTrue(compact(summary).contains("\"attempts_per_epoch\":[1,2]"), summary);
    assertEquals(2, Files.readAllLines(runDir.resolve("metrics.jsonl")).size(),
        "one metrics row per epoch, not per attempt");
    assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/epoch-2.ckpt")));
    number(summary, "test_accuracy_precise_bn");
  }

  /**
   * Polls the executors' stderr files (worker-i/app-*&#47;N/stderr) for a {@link StepPause} line
   * ending in {@code what}; returns the executor's directory.
   */
  private static Path waitForStepLine(String what, Process driver, long seconds)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Path workers = WORK.resolve("cluster");
    while (System.nanoTime() < deadline) {
      if (!driver.isAlive()) {
        throw new AssertionError("the job ended before " + what + " (exit " + driver.exitValue()
            + ")");
      }
      try (Stream<Path> files = Files.walk(workers, 4)) {
        for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString()
            .equals("stderr"))::iterator) {
          for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith(StepPause.LINE) && line.contains(what)) {
              return f.getParent();
            }
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no executor logged '" + what + "' within " + seconds + " s");
  }

  /**
   * The executor JVM of {@code executorDir} (worker-i/app-ID/N): the process whose command line
   * runs CoarseGrainedExecutorBackend with {@code --app-id app-ID --executor-id N}.
   */
  private static ProcessHandle executorProcess(Path executorDir) {
    String appId = executorDir.getParent().getFileName().toString();
    String execId = executorDir.getFileName().toString();
    Optional<ProcessHandle> found = ProcessHandle.allProcesses().filter(p -> {
      try {
        String cmd = Files.readString(Path.of("/proc", "" + p.pid(), "cmdline"))
            .replace('\0', ' ');
        return cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains("--app-id " + appId)
            && cmd.contains("--executor-id " + execId + " ");
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }).findFirst();
    assertTrue(found.isPresent(), "executor " + execId + " of " + appId + " is running");
    return found.get();
  }

  private static String compact(String json) {
    return json.replaceAll("\\s", "");
  }

  /** The number after {@code "key":} in a JSON text (fails when absent or null). */
  private static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*([-0-9.eE+]+)")
        .matcher(json);
    assertTrue(m.find(), key + " is a number in " + json);
    String v = m.group(1);
    assertNotNull(v);
    return Double.parseDouble(v);
  }

  /**
   * A job jar like the shaded one (classifier {@code job}): the Batchwise classes of this build
   * (class directories of the test class path, test classes left out) and Aparapi with BCEL;
   * Spark, Netty, Kryo and Scala come from the cluster's jars.
   */
  private static Path buildJobJar(Path out) throws IOException {
    Set<String> seen = new HashSet<>();
    try (JarOutputStream jarOut = new JarOutputStream(Files.newOutputStream(out))) {
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        String unix = entry.replace(File.separatorChar, '/');
        boolean classes = Files.isDirectory(Path.of(entry)) && !unix.endsWith("test-classes");
        boolean bundled = unix.endsWith(".jar") && (unix.contains("/com/aparapi/")
            || unix.contains("/org/apache/bcel/") || unix.contains("/batchwise-"))
            && !unix.endsWith("-tests.jar");
        if (classes || bundled) {
          ClusterTestProcesses.addToJar(jarOut, Path.of(entry), seen);
        }
      }
    }
    return out;
  }

  /** Runs a command with the cluster environment and a time limit (its process tree is killed). */
  private static Run run(List<String> command, String name, long timeoutSeconds)
      throws IOException, InterruptedException {
    return ClusterTestProcesses.run(command, env, WORK.resolve(name + ".log"), timeoutSeconds);
  }
}
