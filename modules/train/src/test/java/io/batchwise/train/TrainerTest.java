package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end runs of LeNet-BN on small synthetic data on the multithreaded plain-Java float device
 * (no OpenCL needed, fast enough for the test suite).
 */
class TrainerTest {
  @TempDir Path dir;

  @Test
  void cliSmokeRunLearnsAndWritesTheRunFolder() throws IOException {
    Path run = dir.resolve("smoke");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainMain.run(new String[] {"--data", "synthetic", "--synthetic-train", "320",
        "--synthetic-test", "128", "--batch-size", "16", "--epochs", "2", "--device", "java",
        "--device-memory-mb", "64", "--eval-batch-size", "64", "--run-dir", run.toString(),
        // Pinned, not the defaults (tuned for Fashion-MNIST): 40 steps of batch 16 need a gentler rate.
        "--lr", "0.02", "--lr-schedule", "warmup:2+cosine"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String stdout = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, "stderr: " + err.toString(StandardCharsets.UTF_8));
    assertTrue(stdout.contains("device: java"), stdout);
    assertTrue(stdout.contains("epoch 2/2"), stdout);
    assertTrue(stdout.contains("run folder: " + run.toAbsolutePath()), stdout);

    String summary = Files.readString(run.resolve(RunFolder.SUMMARY));
    for (String key : new String[] {"test_accuracy", "images_per_second", "epochs", "workers",
        "wall_seconds", "model", "norm", "device", "batch_size", "seed", "final_train_loss"}) {
      assertTrue(summary.contains("\"" + key + "\": "), "summary.json has " + key + ": " + summary);
    }
    assertTrue(summary.contains("\"workers\": 1"));
    assertTrue(summary.contains("\"model\": \"lenet-bn\""));

    List<String> csv = Files.readAllLines(run.resolve(RunFolder.METRICS_CSV));
    assertEquals(3, csv.size(), "header and one row per epoch: " + csv);
    assertEquals(String.join(",", EpochMetrics.COLUMNS), csv.get(0));
    String[] e1 = csv.get(1).split(",");
    String[] e2 = csv.get(2).split(",");
    double loss1 = Double.parseDouble(e1[1]);
    double loss2 = Double.parseDouble(e2[1]);
    double testAcc = Double.parseDouble(e2[4]);
    assertTrue(loss2 < 0.7 * loss1, "training loss falls: " + loss1 + " -> " + loss2);
    assertTrue(testAcc > 0.6, "test accuracy " + testAcc + " beats chance (0.1) clearly");
    assertEquals(2, Files.readAllLines(run.resolve(RunFolder.METRICS_JSONL)).size());
    try (var files = Files.list(run.resolve("checkpoints"))) {
      assertEquals(2, files.count(), "a checkpoint per epoch");
    }
  }

  @Test
  void sameSeedGivesIdenticalWeights() throws IOException {
    TrainConfig c = TrainConfig.builder().data(TrainConfig.DATA_SYNTHETIC).batchSize(8).epochs(2)
        .trainLimit(48).testLimit(16).evalBatchSize(16).checkpoints(false).progress(false)
        .device("java").build();
    Map<String, float[]> a = train(c.toBuilder().runDir(dir.resolve("a")).build());
    Map<String, float[]> b = train(c.toBuilder().runDir(dir.resolve("b")).build());
    Map<String, float[]> other = train(c.toBuilder().runDir(dir.resolve("c")).seed(7).build());
    assertEquals(a.keySet(), b.keySet());
    boolean differs = false;
    for (String name : a.keySet()) {
      assertArrayEquals(a.get(name), b.get(name), "parameter " + name);
      differs |= !java.util.Arrays.equals(a.get(name), other.get(name));
    }
    assertTrue(differs, "another seed trains other weights");
  }

  private static Map<String, float[]> train(TrainConfig c) throws IOException {
    SyntheticDataset train = SyntheticDataset.mnistLike(48, c.seed());
    TrainTestSplit data = new TrainTestSplit(train, train.split("test", 16, 1));
    // The multithreaded float device: determinism must hold on the production path, where work is
    // split across threads (fixed partitions and reduction order), not only single-threaded.
    try (Device device = Devices.open("java", new DeviceOptions(64, 1))) {
      Trainer.Result r = new Trainer(c, new PrintStream(new ByteArrayOutputStream(), true,
          StandardCharsets.UTF_8)).run(device, data);
      assertEquals(2, r.epochs().size());
      return r.weights();
    }
  }
}
