package io.batchwise.train.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.nn.checkpoint.Checkpoint;
import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.LocalCheckpointStorage;
import io.batchwise.nn.checkpoint.SavedTensor;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.parallel.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed job's per-stage units on an in-process cluster (real Netty on 127.0.0.1, the
 * plain-Java float device, LeNet-BN with SyncBN on small synthetic data).
 */
class RankWorkerTest {
  static final SyntheticDataset TRAIN = SyntheticDataset.mnistLike(256, 3);
  static final TrainTestSplit DATA = new TrainTestSplit(TRAIN, TRAIN.split("synthetic/test", 96, 1));
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final LocalCheckpointStorage STORAGE = new LocalCheckpointStorage();

  @TempDir Path dir;

  /** Constant lr 0.05, momentum 0.9, no weight decay, seed 1: what LocalCluster.Spec.of trains. */
  static TrainConfig config(int workers, int epochs) {
    return TrainConfig.builder().model("lenet-bn").norm("syncbn").epochs(epochs).batchSize(32)
        .lr(0.05).momentum(0.9).weightDecay(0).schedule("constant").seed(1).device("java")
        .deviceMemoryMb(64).data(TrainConfig.DATA_SYNTHETIC).workers(workers).evalBatchSize(48)
        .build();
  }

  static Device open() {
    return Devices.open("java", new DeviceOptions(64, 1));
  }

  static EpochReport epoch(TrainConfig c, int e, String from, String ckptDir, FaultPlan fault,
      int attempt) throws InterruptedException {
    List<EpochReport> r = LocalCluster.runRanks(c.workers(), TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c, DATA, STORAGE)
            .trainEpoch(e, attempt, from, ckptDir, fault, StepListener.NONE);
      }
    });
    for (EpochReport x : r) {
      assertEquals(r.get(0).parameterChecksum(), x.parameterChecksum(), "replicas agree");
      assertEquals(r.get(0).trainLossSum(), x.trainLossSum(), "reduced sums agree");
    }
    assertNotNull(r.get(0).checkpoint(), "rank 0 wrote the checkpoint");
    if (r.size() > 1) {
      assertNull(r.get(1).checkpoint(), "only rank 0 writes checkpoints");
    }
    return r.get(0);
  }

  @Test
  void epochsChainedThroughCheckpointsEqualUninterruptedTrainingAndLossFalls() throws Exception {
    TrainConfig c = config(2, 2);
    String ckpt = dir.resolve("ckpt").toString();
    EpochReport e1 = epoch(c, 0, null, ckpt, null, 1);
    // A new "job": resume from the newest valid checkpoint in the directory.
    CheckpointDirectory cd = new CheckpointDirectory(STORAGE, ckpt);
    Checkpoint newest = cd.newestValid().orElseThrow().checkpoint();
    assertEquals(1, newest.epoch());
    assertEquals(8, newest.globalStep());
    EpochReport e2 = epoch(c, 1, newest.location(), ckpt, null, 1);
    assertEquals(256, e1.trainSamples());
    assertEquals(96, e2.testSamples());
    assertTrue(e2.trainLoss() < e1.trainLoss(), "loss falls: " + e1.trainLoss() + " -> "
        + e2.trainLoss());

    // The same 16 steps in one go, without checkpoints in between.
    LocalCluster.Spec spec = LocalCluster.Spec.of(2, "java", LocalCluster.Spec.zoo("lenet-bn"),
        "syncbn", TRAIN, 32, 16);
    LocalCluster.WorkerResult straight = LocalCluster.run(spec).get(0);
    Checkpoint last = Checkpoint.read(STORAGE, e2.checkpoint());
    for (Map.Entry<String, double[]> w : straight.weights().entrySet()) {
      SavedTensor saved = last.parameters().get(w.getKey());
      float[] f = saved.floats();
      double[] asDouble = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        asDouble[i] = f[i];
      }
      assertArrayEquals(w.getValue(), asDouble, w.getKey() + " bit for bit");
    }
    for (Map.Entry<String, double[]> s : straight.state().entrySet()) {
      float[] f = last.state().get(s.getKey()).floats();
      for (int i = 0; i < f.length; i++) {
        assertEquals(s.getValue()[i], f[i], 0.0, s.getKey() + "[" + i + "]");
      }
    }
  }

  @Test
  void injectedFaultFailsOnlyTheFirstAttempt() throws Exception {
    TrainConfig c = config(2, 1);
    String ckpt = dir.resolve("ckpt").toString();
    FaultPlan fault = FaultPlan.parse("1:2:1");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> epoch(c, 0, null, ckpt, fault, 1));
    assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
    assertTrue(new CheckpointDirectory(STORAGE, ckpt).epochs().isEmpty(), "no checkpoint written");
    EpochReport ok = epoch(c, 0, null, ckpt, fault, 2);
    assertEquals(1, ok.epoch());
  }

  @Test
  void preciseBnOnTwoWorkersEqualsOneWorkerAndEvaluates() throws Exception {
    TrainConfig c2 = config(2, 1);
    TrainConfig c1 = config(1, 1);
    String ckpt = dir.resolve("ckpt").toString();
    String from = epoch(c2, 0, null, ckpt, null, 1).checkpoint();

    List<PreciseBnReport> two = LocalCluster.runRanks(2, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c2, DATA, STORAGE).preciseBn(from, 1, 100);
      }
    });
    List<PreciseBnReport> one = LocalCluster.runRanks(1, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c1, DATA, STORAGE).preciseBn(from, 1, 100);
      }
    });
    assertEquals(two.get(0).stateChecksum(), two.get(1).stateChecksum(), "ranks agree");
    assertEquals(96, two.get(0).samples(), "3 whole global batches of 32");
    assertArrayEquals(one.get(0).countsPerLayer(), two.get(0).countsPerLayer());
    Checkpoint trained = Checkpoint.read(STORAGE, from);
    boolean changed = false;
    for (Map.Entry<String, float[]> s : one.get(0).state().entrySet()) {
      float[] a = s.getValue();
      float[] b = two.get(0).state().get(s.getKey());
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 1e-4 * Math.max(1, Math.abs(a[i])), s.getKey() + "[" + i + "]");
      }
      changed |= !java.util.Arrays.equals(a, trained.state().get(s.getKey()).floats());
    }
    assertTrue(changed, "PreciseBN replaced the EMA statistics");

    Map<String, float[]> stats = two.get(0).state();
    List<EvalReport> ev = LocalCluster.runRanks(2, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c2, DATA, STORAGE).evaluate(from, 1, stats);
      }
    });
    EvalReport one1 = LocalCluster.runRanks(1, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c1, DATA, STORAGE).evaluate(from, 1, stats);
      }
    }).get(0);
    assertEquals(96, ev.get(0).samples());
    assertTrue(ev.get(0).hasPrecise());
    assertEquals(one1.emaCorrect(), ev.get(0).emaCorrect(), 1, "EMA accuracy does not depend on W");
    assertEquals(one1.preciseCorrect(), ev.get(0).preciseCorrect(), 1,
        "PreciseBN accuracy does not depend on W");
    assertTrue(ev.get(0).preciseAccuracy() > 0.2, "better than chance: " + ev.get(0));
  }

  @Test
  void aCheckpointOfAnotherEpochIsRefused() throws Exception {
    TrainConfig c = config(1, 2);
    String ckpt = dir.resolve("ckpt").toString();
    String after1 = epoch(c, 0, null, ckpt, null, 1).checkpoint();
    // Epoch 1 (0-based 0) must start from the state after 0 epochs, not after 1.
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> epoch(c, 0, after1, ckpt, null, 1));
    assertTrue(e.getMessage().contains("holds epoch 1, step 8; expected epoch 0, step 0"),
        e.getMessage());
    assertEquals(List.of(1L), new CheckpointDirectory(STORAGE, ckpt).epochs());
  }
  /** A view of {@link #TRAIN} that takes 2 ms per sample to read: a slow worker. */
  static final class SlowReads implements io.batchwise.data.Dataset {
    @Override
    public String name() {
      return "slow " + TRAIN.name();
    }

    @Override
    public int size() {
      return TRAIN.size();
    }

    @Override
    public int[] sampleShape() {
      return TRAIN.sampleShape();
    }

    @Override
    public int numClasses() {
      return TRAIN.numClasses();
    }

    @Override
    public int label(int index) {
      return TRAIN.label(index);
    }

    @Override
    public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
      try {
        Thread.sleep(2L * count);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TRAIN.copyImages(indices, from, count, dst, dstOffset);
    }
  }

  @Test
  void balancedShardsGiveTheSlowRankFewerSamplesAndTrainTheSameModel() throws Exception {
    TrainConfig c = config(2, 1);
    TrainTestSplit slow = new TrainTestSplit(new SlowReads(), DATA.test());
    String evenDir = dir.resolve("even").toString();
    String balancedDir = dir.resolve("balanced").toString();
    List<EpochReport> even = LocalCluster.runRanks(2, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c, rank == 1 ? slow : DATA, STORAGE)
            .trainEpoch(0, 1, null, evenDir, null, StepListener.NONE);
      }
    });
    List<EpochReport> balanced = LocalCluster.runRanks(2, TIMEOUT, (rank, comm) -> {
      try (Device d = open()) {
        return new RankWorker(comm, d, c, rank == 1 ? slow : DATA, STORAGE, true)
            .trainEpoch(0, 1, null, balancedDir, null, StepListener.NONE);
      }
    });
    assertEquals(128, even.get(1).localSamples(), "even: half of 8 steps x 32");
    long fast = balanced.get(0).localSamples();
    long slowRank = balanced.get(1).localSamples();
    assertEquals(256, fast + slowRank, "every sample trained once");
    // Step 1 is even (nothing measured yet); from step 2 on rank 1, slower by 32 ms a step, takes less.
    assertTrue(slowRank < 128 - 4, "the slow rank took " + slowRank + " of 256 samples");
    assertEquals(balanced.get(0).parameterChecksum(), balanced.get(1).parameterChecksum(),
        "replicas agree bit for bit");
    EpochReport e = even.get(0);
    EpochReport b = balanced.get(0);
    assertEquals(e.trainLossSum(), b.trainLossSum(), 1e-4 * Math.abs(e.trainLossSum()), "same loss");
    assertEquals(e.testLossSum(), b.testLossSum(), 1e-4 * Math.abs(e.testLossSum()), "same test loss");
    Checkpoint ce = Checkpoint.read(STORAGE, e.checkpoint());
    Checkpoint cb = Checkpoint.read(STORAGE, b.checkpoint());
    for (Map.Entry<String, SavedTensor> p : ce.parameters().entrySet()) {
      float[] x = p.getValue().floats();
      float[] y = cb.parameters().get(p.getKey()).floats();
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i], y[i], 1e-4 * Math.max(1, Math.abs(x[i])), p.getKey() + "[" + i + "]");
      }
    }
  }

  @Test
  void balancedShardsRefusePerWorkerBatchNorm() throws Exception {
    TrainConfig c = config(2, 1).toBuilder().norm("bn").build();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LocalCluster.runRanks(2, TIMEOUT, (rank, comm) -> {
          try (Device d = open()) {
            return new RankWorker(comm, d, c, DATA, STORAGE, true)
                .trainEpoch(0, 1, null, null, null, StepListener.NONE);
          }
        }));
    String why = e.getMessage() + " / " + e.getCause();
    assertTrue(why.contains("balanced shards need"), why);
  }
}
