package io.batchwise.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.LocalCheckpointStorage;
import io.batchwise.train.RunFolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job end to end on an embedded Spark master (local mode, real barrier stages and
 * Netty collectives), LeNet-BN with SyncBN on small synthetic data on the plain-Java device; and
 * its answers to bad input, through the main entry's exit codes.
 */
class TrainJobTest {
  @TempDir Path dir;

  /** Output of one run of the job. */
  record Run(int code, String out, String err) {
    String all() {
      return out + "\n" + err;
    }
  }

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A small, fast job: 256 synthetic samples, 2 workers × 16, 8 steps per epoch. */
  static String[] small(Path runDir, String... more) {
    List<String> a = new ArrayList<>(List.of("--data", "synthetic", "--synthetic-train", "256",
        "--synthetic-test", "64", "--per-worker-batch", "16", "--device", "java",
        "--device-memory-mb", "64", "--eval-batch-size", "32", "--lr", "0.02", "--lr-schedule",
        "warmup:2+cosine", "--precise-bn-samples", "64", "--no-progress", "--collective-timeout-s",
        "60", "--run-dir", runDir.toString()));
    a.addAll(Arrays.asList(more));
    return a.toArray(new String[0]);
  }

  static String summary(Path runDir) throws IOException {
    return Files.readString(runDir.resolve(RunFolder.SUMMARY));
  }

  static List<String> metricRows(Path runDir) throws IOException {
    return Files.readAllLines(runDir.resolve(RunFolder.METRICS_JSONL));
  }

  static double trainLoss(String jsonLine) {
    String key = "\"train_loss\":";
    int at = jsonLine.indexOf(key) + key.length();
    int end = jsonLine.indexOf(',', at);
    return Double.parseDouble(jsonLine.substring(at, end).trim());
  }

  @Test
  void trainsCheckpointsEvaluatesAndResumes() throws IOException {
    Path runDir = dir.resolve("run");
    Run r = run(small(runDir, "--epochs", "2"));
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("epoch 1/2") && r.out().contains("epoch 2/2"), r.out());
    assertTrue(r.out().contains("with PreciseBN statistics"), r.out());
    String s = summary(runDir);
    for (String key : List.of("test_accuracy", "test_accuracy_ema", "test_accuracy_precise_bn",
        "norm", "workers", "attempts_per_epoch", "step_time_shares", "train_phase_seconds",
        "images_per_second", "final_train_loss", "wall_seconds", "config")) {
      assertTrue(s.contains("\"" + key + "\": "), key + " in " + s);
    }
    assertTrue(s.contains("\"norm\": \"syncbn\""), s);
    assertTrue(s.contains("\"workers\": 2"), s);
    assertTrue(s.replaceAll("\\s", "").contains("\"attempts_per_epoch\":[1,1]"), s);
    List<String> rows = metricRows(runDir);
    assertEquals(2, rows.size());
    assertTrue(trainLoss(rows.get(1)) < trainLoss(rows.get(0)), "loss falls: " + rows);
    CheckpointDirectory ckpts = new CheckpointDirectory(new LocalCheckpointStorage(),
        runDir.resolve(RunFolder.CHECKPOINTS).toString());
    assertEquals(List.of(2L, 1L), ckpts.epochs());
    // The final model with PreciseBN statistics, under a name --resume does not take.
    assertTrue(Files.exists(runDir.resolve(RunFolder.CHECKPOINTS).resolve("precise-bn-epoch-2.ckpt")));
    assertTrue(s.contains("precise-bn-epoch-2.ckpt"), s);

    // --resume with one more epoch continues from epoch 2's checkpoint, appending to the metrics.
    Run resumed = run(small(runDir, "--epochs", "3", "--resume"));
    assertEquals(0, resumed.code(), resumed.all());
    assertTrue(resumed.out().contains("resuming from") && resumed.out().contains("epoch-2.ckpt"),
        resumed.out());
    assertFalse(resumed.out().contains("epoch 1/3"), "epochs 1-2 are not trained again");
    assertTrue(resumed.out().contains("epoch 3/3"), resumed.out());
    assertTrue(summary(runDir).replaceAll("\\s", "").contains("\"attempts_per_epoch\":[0,0,1]"));
    assertEquals(3, metricRows(runDir).size());
    assertEquals(List.of(3L, 2L, 1L), ckpts.epochs());
  }

  @Test
  void balancedShardsTrainEverySampleAndReportTheSplit() throws IOException {
    Path runDir = dir.resolve("balanced");
    Run r = run(small(runDir, "--epochs", "1", "--balance-shards", "--precise-bn-samples", "0"));
    assertEquals(0, r.code(), r.all());
    assertTrue(r.out().contains("balanced shards: samples per rank ["), r.out());
    String s = summary(runDir).replaceAll("\\s", "");
    assertTrue(s.contains("\"balance_shards\":\"on\""), s);
    String row = metricRows(runDir).get(0).replaceAll("\\s", "");
    int at = row.indexOf("\"rank_samples\":[");
    assertTrue(at >= 0, row);
    String[] counts = row.substring(at + 16, row.indexOf(']', at)).split(",");
    assertEquals(2, counts.length, row);
    assertEquals(256, Long.parseLong(counts[0]) + Long.parseLong(counts[1]), "every sample once: " + row);
    // The CSV keeps one field per column: the per-rank counts are joined by ';'.
    List<String> csv = Files.readAllLines(runDir.resolve(RunFolder.METRICS_CSV));
    List<String> header = List.of(csv.get(0).split(","));
    String[] fields = csv.get(1).split(",", -1);
    assertEquals(header.size(), fields.length, csv.toString());
    assertEquals(counts[0] + ";" + counts[1], fields[header.indexOf("rank_samples")], csv.toString());
  }

  /** An epoch report of a rank that computed {@code samples} samples in {@code computeMs}. */
  private static io.batchwise.train.distributed.EpochReport report(int rank, long samples, long computeMs) {
    io.batchwise.train.parallel.StepTimes t = new io.batchwise.train.parallel.StepTimes(0, computeMs * 1_000_000,
        0, 0, 0, 0, 0);
    return new io.batchwise.train.distributed.EpochReport(rank, 1, 8, 8, 0.1, 0, 0, 256, 0, 0, 64, samples, t,
        0, 0, null, 0, "java");
  }

  @Test
  void aLastinglySlowerWorkerGetsAHintTowardsBalancedShards() {
    String hint = TrainJob.imbalanceHint(List.of(report(0, 128, 1000), report(1, 128, 1250)), "syncbn");
    assertTrue(hint != null && hint.contains("rank 1 computed 25% slower") && hint.contains("--balance-shards"),
        String.valueOf(hint));
    // Within 10%: no hint; per-worker BN cannot balance; compute per sample, not per rank, counts.
    assertEquals(null, TrainJob.imbalanceHint(List.of(report(0, 128, 1000), report(1, 128, 1080)), "syncbn"));
    assertEquals(null, TrainJob.imbalanceHint(List.of(report(0, 128, 1000), report(1, 128, 1250)), "bn"));
    assertEquals(null, TrainJob.imbalanceHint(List.of(report(0, 160, 1250), report(1, 96, 750)), "syncbn"));
    assertTrue(TrainJob.imbalanceHint(List.of(report(0, 128, 1000), report(1, 128, 1250)), "gn") != null);
  }

  @Test
  void aFailedEpochIsRetriedFromTheCheckpoint() throws IOException {
    Path runDir = dir.resolve("fault");
    // Rank 1 throws before step 3 of epoch 2 in that epoch's first attempt.
    Run r = run(small(runDir, "--epochs", "2", "--fail-once-at", "2:3:1"));
    assertEquals(0, r.code(), r.all());
    // Spark reports the first task failure it hears of: rank 1's own (the usual case: it keeps
    // its connections open 0.5 s for that) or, on a very loaded machine, rank 0 losing rank 1.
    assertTrue(r.out().contains("epoch 2, attempt 1/3 failed") && (r.out().contains("injected fault")
        || r.out().contains("lost its connection to rank 1")), r.out());
    assertTrue(r.out().contains("epoch 2: retrying from ") && r.out().contains("epoch-1.ckpt"),
        r.out());
    assertTrue(summary(runDir).replaceAll("\\s", "").contains("\"attempts_per_epoch\":[1,2]"));
    assertEquals(2, metricRows(runDir).size(), "one metrics row per epoch, not per attempt");
  }

  @Test
  void aFailureOnEveryAttemptEndsTheJobWithExitCode1() {
    Path runDir = dir.resolve("fails");
    // A checkpoint directory that is a file: rank 0 cannot write the epoch's checkpoint.
    Path notADir = dir.resolve("file");
    Run r;
    try {
      Files.writeString(notADir, "x");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    r = run(small(runDir, "--epochs", "1", "--max-attempts", "2", "--checkpoint-dir",
        notADir.resolve("sub").toString()));
    assertEquals(TrainJob.FAILURE, r.code(), r.all());
    assertTrue(r.err().contains("epoch 1 failed 2 times (--max-attempts 2)"), r.all());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void aDivergedLossEndsTheJobWithoutRetries() {
    Run r = run(small(dir.resolve("diverged"), "--epochs", "1", "--lr", "1e30", "--lr-schedule",
        "constant"));
    assertEquals(TrainJob.FAILURE, r.code(), r.all());
    assertTrue(r.err().contains("training diverged: loss is"), r.all());
    assertFalse(r.out().contains("attempt 1/3 failed"), "a diverged loss is not retried: " + r.out());
  }

  @Test
  void tooFewTaskSlotsIsAClearErrorBeforeTraining() {
    Run r = run(small(dir.resolve("slots"), "--workers", "3", "--per-worker-batch", "8",
        "--master", "local[2]"));
    assertEquals(TrainJob.NO_SLOTS, r.code(), r.all());
    assertTrue(r.err().contains("3 barrier tasks") && r.err().contains("local[3]"), r.err());
    assertFalse(r.out().contains("epoch 1/"), "nothing trained: " + r.out());
  }

  @Test
  void badInputGetsAMessageAndExitCode2() throws Exception {
    Path runDir = dir.resolve("bad");
    Run missing = run("--data-dir", dir.resolve("nowhere").toString(), "--run-dir",
        runDir.toString());
    assertEquals(TrainJob.USAGE, missing.code(), missing.all());
    assertTrue(missing.err().contains("nowhere") && missing.err().contains("does not exist"),
        missing.err());

    Run model = run(small(runDir, "--model", "lenet-9000"));
    assertEquals(TrainJob.USAGE, model.code(), model.all());
    assertTrue(model.err().contains("unknown model 'lenet-9000'"), model.err());

    Run norm = run(small(runDir, "--norm", "superbn"));
    assertEquals(TrainJob.USAGE, norm.code(), norm.all());
    assertTrue(norm.err().contains("unknown norm 'superbn'"), norm.err());

    Run tiny = run("--data", "synthetic", "--norm", "bn", "--per-worker-batch", "1",
        "--run-dir", runDir.toString());
    assertEquals(TrainJob.USAGE, tiny.code(), tiny.all());
    assertTrue(tiny.err().contains("per-worker batch 1 cannot train with norm 'bn'"), tiny.err());
    // SyncBN normalizes with the global batch: 1 per worker is fine there.
    assertTrue(JobOptions.parse(new String[] {"--per-worker-batch", "1"}).config().batchSize() == 2);
    assertEquals(java.time.Duration.ofSeconds(JobOptions.DEFAULT_HANDSHAKE_TIMEOUT_S),
        JobOptions.parse(new String[0]).handshakeTimeout());
    assertEquals(java.time.Duration.ofSeconds(45),
        JobOptions.parse(new String[] {"--handshake-timeout-s", "45"}).handshakeTimeout());
    assertTrue(JobOptions.parse(new String[0]).sharedMemory());
    assertTrue(!JobOptions.parse(new String[] {"--shared-memory", "off"}).sharedMemory());
    Run shm = run("--shared-memory", "maybe");
    assertEquals(TrainJob.USAGE, shm.code());
    assertTrue(shm.err().contains("--shared-memory must be on or off, got 'maybe'"), shm.err());
    Run handshake = run("--handshake-timeout-s", "0");
    assertEquals(TrainJob.USAGE, handshake.code());
    assertTrue(handshake.err().contains("--handshake-timeout-s"), handshake.err());

    assertFalse(JobOptions.parse(new String[0]).balanceShards());
    assertTrue(JobOptions.parse(new String[] {"--balance-shards"}).balanceShards());
    Run balanceBn = run(small(runDir, "--norm", "bn", "--balance-shards"));
    assertEquals(TrainJob.USAGE, balanceBn.code(), balanceBn.all());
    assertTrue(balanceBn.err().contains("--balance-shards cannot be used with norm 'bn'"), balanceBn.err());

    Run both = run("--batch-size", "64", "--per-worker-batch", "32");
    assertEquals(TrainJob.USAGE, both.code());
    assertTrue(both.err().contains("not both"), both.err());

    Run unknown = run("--epochz", "3");
    assertEquals(TrainJob.USAGE, unknown.code());
    assertTrue(unknown.err().contains("did you mean --epochs?"), unknown.err());

    assertFalse(Files.exists(runDir.resolve(RunFolder.SUMMARY)));
    for (Run x : List.of(missing, model, norm, tiny, balanceBn, both, unknown)) {
      assertFalse(x.err().contains("\tat "), "no stack trace: " + x.err());
    }
  }

  @Test
  void resumeRefusesACorruptOrMissingCheckpoint() throws IOException {
    Path runDir = dir.resolve("corrupt");
    Path ckpt = runDir.resolve(RunFolder.CHECKPOINTS);
    Run none = run(small(runDir, "--resume"));
    assertEquals(TrainJob.USAGE, none.code(), none.all());
    assertTrue(none.err().contains("no checkpoint"), none.err());

    Files.createDirectories(ckpt);
    Files.write(ckpt.resolve("epoch-1.ckpt"), "not a checkpoint at all".getBytes());
    Run corrupt = run(small(runDir, "--resume"));
    assertEquals(TrainJob.FAILURE, corrupt.code(), corrupt.all());
    assertTrue(corrupt.err().contains("none of the 1 checkpoints")
        && corrupt.err().contains("is not a Batchwise checkpoint"), corrupt.err());
    assertFalse(corrupt.err().contains("\tat "), "no stack trace: " + corrupt.err());
  }

  @Test
  void stageFailuresAreReportedByTheTasksException() {
    String barrier = "Could not recover from a failed barrier ResultStage. Most recent failure "
        + "reason: Stage failed because barrier task ResultTask(1, 1) finished unsuccessfully.\n"
        + "java.lang.IllegalStateException: disk full\n\tat a.b.C.d(C.java:1)\n";
    assertEquals("java.lang.IllegalStateException: disk full [Spark: Could not recover from a "
        + "failed barrier ResultStage. Most recent failure reason: Stage failed because barrier "
        + "task ResultTask(1, 1) finished unsuccessfully.]",
        TrainJob.firstLine(new RuntimeException(barrier)));
    String normal = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most "
        + "recent failure: Lost task 0.0 in stage 1.0 (TID 1) (host executor 0): "
        + "java.io.IOException: gone\n\tat x.Y.z(Y.java:2)\nDriver stacktrace:\n";
    assertEquals("Lost task 0.0 in stage 1.0 (TID 1) (host executor 0): java.io.IOException: gone",
        TrainJob.firstLine(new RuntimeException(normal)));
  }

  @Test
  void withAClusterMasterButNoSparkSubmitTheBatchwiseJarsAreShipped() {
    String cp = String.join(java.io.File.pathSeparator, "/m/batchwise-train-0.1.jar",
        "/r/spark-core_2.13-4.0.1.jar", "/r/aparapi-3.0.2.jar", "/r/bcel-6.5.0.jar",
        "/m/classes");
    assertEquals("/m/batchwise-train-0.1.jar,/r/aparapi-3.0.2.jar,/r/bcel-6.5.0.jar",
        EmbeddedSpark.shippedJars(cp));
  }

  @Test
  void helpListsTheJobOptions() {
    Run r = run("--help");
    assertEquals(0, r.code());
    for (String o : List.of("--model", "--norm", "--workers", "--per-worker-batch",
        "--precise-bn-samples", "--checkpoint-dir", "--resume", "--max-attempts", "--master",
        "--lr-schedule", "--seed", "--device", "--collective-timeout-s", "--handshake-timeout-s",
        "--shared-memory")) {
      assertTrue(r.out().contains(o), o + " in " + r.out());
    }
    assertTrue(r.out().contains("[default: syncbn]"), r.out());
  }
}
