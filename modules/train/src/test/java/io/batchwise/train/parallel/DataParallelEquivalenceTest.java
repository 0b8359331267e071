package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.BatchSampler;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Flatten;
import io.batchwise.nn.layers.Linear;
import io.batchwise.nn.layers.MaxPool2d;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Residual;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Devices;
import io.batchwise.train.GradientSync;
import io.batchwise.train.TrainStep;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel properties on a small conv + BN + conv + BN + linear net (fast on the single-threaded
 * reference device): SyncBN on 4 workers equals one device, also with several gradient buckets and
 * with an empty shard; per-worker BN does not; one worker equals the single-machine {@link TrainStep}.
 */
class DataParallelEquivalenceTest {
  static final int STEPS = 20;
  static final int GLOBAL_BATCH = 64;
  static final SyntheticDataset DATA = SyntheticDataset.mnistLike(256, 7);

  /** conv3×3×8 → norm → ReLU → pool2 → conv3×3×12 → norm → ReLU → pool2 → linear 10. */
  static final Function<NormFactory, Sequential> SMALL_NET = norm -> new Sequential()
      .add("conv1", new Conv2d(8, 3, 1, 1, false))
      .add("bn1", norm.create(8))
      .add("relu1", new ReLU())
      .add("pool1", new MaxPool2d(2))
      .add("conv2", new Conv2d(12, 3, 1, 1, false))
      .add("bn2", norm.create(12))
      .add("relu2", new ReLU())
      .add("pool2", new MaxPool2d(2))
      .add("flatten", new Flatten())
      .add("fc", new Linear(10));

  static LocalCluster.WorkerResult single;

  static LocalCluster.Spec spec(int workers, String norm) {
    return LocalCluster.Spec.of(workers, "reference", SMALL_NET, norm, DATA, GLOBAL_BATCH, STEPS);
  }

  @BeforeAll
  static void trainOnOneDevice() throws Exception {
    // With one worker syncbn and bn are the same computation: the baseline of every test here.
    single = LocalCluster.run(spec(1, "syncbn")).get(0);
  }

  @Test
  void syncBnOnFourWorkersWithSmallBucketsMatchesOneDevice() throws Exception {
    // 4 KB buckets: the gradients travel in several buckets issued while backward runs.
    List<LocalCluster.WorkerResult> four = LocalCluster.run(spec(4, "syncbn").withBucketBytes(4096));
    assertTrue(four.get(0).buckets() > 2, "expected several gradient buckets, got " + four.get(0).buckets());
    for (LocalCluster.WorkerResult w : four) {
      assertEquals(STEPS, w.steps().size());
      assertEquals(GLOBAL_BATCH / 4, w.steps().get(0).samples());
      assertEquals(GLOBAL_BATCH, w.steps().get(0).globalBatch());
      // SyncBN reduced through the communicator in every step.
      assertTrue(w.totalTimes().syncBnNanos() > 0);
    }
    Compare.assertBitIdentical(four);
    double rel = Compare.worstRelative(four.get(0), single);
    System.out.printf(Locale.ROOT, "small net syncbn 4x16 vs 1x64, %d steps, %d buckets: worst relative "
        + "difference %.3e%n", STEPS, four.get(0).buckets(), rel);
    assertTrue(rel < 1e-4, "4 workers with SyncBN differ from one device by " + rel);
    assertTrue(Compare.lossOfStep(four, STEPS - 1) < Compare.lossOfStep(four, 0), "loss did not fall");
    // Holding buckets past the next SyncBN changes when they travel, not what they sum to.
    List<LocalCluster.WorkerResult> held = LocalCluster.run(spec(4, "syncbn").withBucketBytes(4096)
        .withIssue(BucketIssue.AFTER_SYNCBN));
    Compare.assertSameBits(four.get(0).weights(), held.get(0).weights(), "AFTER_SYNCBN vs EAGER weights");
    Compare.assertSameBits(four.get(0).state(), held.get(0).state(), "AFTER_SYNCBN vs EAGER state");
  }

  @Test
  void perWorkerBatchNormDiffersFromOneDevice() throws Exception {
    List<LocalCluster.WorkerResult> four = LocalCluster.run(spec(4, "bn"));
    // Gradients are still summed, so the weights stay identical across replicas...
    for (LocalCluster.WorkerResult w : four) {
      Compare.assertSameBits(four.get(0).weights(), w.weights(), "rank " + w.rank() + " weights");
      assertEquals(0, w.totalTimes().syncBnNanos(), "plain BN must not communicate");
    }
    // ...but each worker normalized with its own 16 samples: running statistics differ across
    // workers, and the weights differ from the one-device run.
    assertNotEquals(0.0, Compare.worst(four.get(1).state(), four.get(0).state()));
    double weights = Compare.worst(four.get(0).weights(), single.weights());
    double state = Compare.worst(four.get(0).state(), single.state());
    System.out.printf(Locale.ROOT, "small net per-worker bn 4x16 vs 1x64: weights %.3e, running stats %.3e%n",
        weights, state);
    assertTrue(weights > 1e-3, "per-worker BN weights should differ clearly, differ by " + weights);
    assertTrue(state > 1e-3, "per-worker BN running statistics should differ clearly, differ by " + state);
  }

  @Test
  void emptyShardStillMatchesOneDevice() throws Exception {
    // Ranks get 24, 0, 20, 20 samples: rank 1 joins every collective with zeros.
    LocalCluster.Sharding uneven = (global, rank, workers) -> {
      int[] bounds = {0, 24, 24, 44, global.length};
      return java.util.Arrays.copyOfRange(global, bounds[rank], bounds[rank + 1]);
    };
    List<LocalCluster.WorkerResult> four = LocalCluster.run(spec(4, "syncbn").withSharding(uneven));
    assertEquals(0, four.get(1).steps().get(0).samples());
    assertEquals(24, four.get(0).steps().get(0).samples());
    Compare.assertBitIdentical(four);
    double rel = Compare.worstRelative(four.get(1), single);
    System.out.printf(Locale.ROOT, "small net syncbn shards 24/0/20/20 vs 1x64: worst relative difference %.3e%n",
        rel);
    assertTrue(rel < 1e-4, "uneven shards with SyncBN differ from one device by " + rel);
  }

  /** conv → norm → ReLU → pool → residual block (conv, norm, ReLU, conv, norm; identity) → pool → linear. */
  static final Function<NormFactory, Sequential> RESIDUAL_NET = norm -> new Sequential()
      .add("conv1", new Conv2d(6, 3, 1, 1, false))
      .add("bn1", norm.create(6))
      .add("relu1", new ReLU())
      .add("pool1", new MaxPool2d(2))
      .add("block", new Residual(new Sequential()
          .add("conv1", new Conv2d(6, 3, 1, 1, false))
          .add("bn1", norm.create(6))
          .add("relu1", new ReLU())
          .add("conv2", new Conv2d(6, 3, 1, 1, false))
          .add("bn2", norm.create(6)), null, true))
      .add("pool2", new MaxPool2d(2))
      .add("flatten", new Flatten())
      .add("fc", new Linear(10));

  @Test
  void syncBnInsideAResidualBlockMatchesOneDevice() throws Exception {
    // A Residual is one backward unit: its buckets are issued after the whole block's backward.
    LocalCluster.Spec one = LocalCluster.Spec.of(1, "reference", RESIDUAL_NET, "syncbn", DATA, 24, 8)
        .withBucketBytes(2048);
    LocalCluster.WorkerResult single = LocalCluster.run(one).get(0);
    List<LocalCluster.WorkerResult> three = LocalCluster.run(one.withWorkers(3));
    Compare.assertBitIdentical(three);
    double rel = Compare.worstRelative(three.get(0), single);
    System.out.printf(Locale.ROOT, "residual net syncbn 3x8 vs 1x24, 8 steps: worst relative difference %.3e%n", rel);
    assertTrue(rel < 1e-4, "3 workers with SyncBN in a residual block differ from one device by " + rel);
  }

  /**
   * conv → norm → ReLU → residual block with a strided 1×1 convolution on the shortcut → pool →
   * linear: convolutions in and out of a block, one in a shortcut, and the stem convolution, whose
   * deferred weight gradient is left for the end of backward.
   */
  static final Function<NormFactory, Sequential> SHORTCUT_NET = norm -> new Sequential()
      .add("conv1", new Conv2d(4, 3, 1, 1, false))
      .add("bn1", norm.create(4))
      .add("relu1", new ReLU())
      .add("block", new Residual(new Sequential()
          .add("conv1", new Conv2d(8, 3, 2, 1, false))
          .add("bn1", norm.create(8))
          .add("relu1", new ReLU())
          .add("conv2", new Conv2d(8, 3, 1, 1, true))
          .add("bn2", norm.create(8)), new Sequential()
          .add("conv", new Conv2d(8, 1, 2, 0, false))
          .add("bn", norm.create(8)), true))
      .add("pool", new MaxPool2d(2))
      .add("flatten", new Flatten())
      .add("fc", new Linear(10));

  /**
   * Deferring the convolutions' weight gradients to the SyncBN reductions changes when they are
   * computed, not what: 2 and 3 workers (shared memory: the reductions split on the calling thread)
   * end with the bits of the same training without deferral, on the double reference device and on
   * the float device; every step's loss is the same too.
   */
  @Test
  void deferredWeightGradientsChangeNoBit() throws Exception {
    for (String device : new String[] {"reference", "java"}) {
      for (int workers : new int[] {2, 3}) {
        for (WeightGradientTiming timing : new WeightGradientTiming[] {
            WeightGradientTiming.AT_NEXT_REDUCTION, WeightGradientTiming.WHILE_WAITING}) {
          LocalCluster.Spec on = LocalCluster.Spec.of(workers, device, SHORTCUT_NET, "syncbn", DATA, 24, 5)
              .withBucketBytes(1024).withDeviceOptions(new io.batchwise.tensor.DeviceOptions(32, 1))
              .withWeightGradients(timing);
          List<LocalCluster.WorkerResult> deferred = LocalCluster.run(on);
          List<LocalCluster.WorkerResult> atOnce = LocalCluster.run(on.withWeightGradients(WeightGradientTiming.IN_BACKWARD));
          Compare.assertBitIdentical(deferred);
          String what = device + ", " + workers + " workers, " + timing + " vs in backward";
          Compare.assertSameBits(atOnce.get(0).weights(), deferred.get(0).weights(), what + ": weights");
          Compare.assertSameBits(atOnce.get(0).state(), deferred.get(0).state(), what + ": state");
          for (int i = 0; i < atOnce.get(0).steps().size(); i++) {
            assertEquals(atOnce.get(0).steps().get(i).lossSum(), deferred.get(0).steps().get(i).lossSum(),
                what + ": loss of step " + i);
          }
        }
      }
    }
  }

  @Test
  void oneWorkerEqualsTheSingleMachineStepBitForBit() throws Exception {
    // The same training with io.batchwise.train.TrainStep (whole-model backward, no communicator).
    LocalCluster.Spec s = spec(1, "syncbn");
    Map<String, double[]> weights = new LinkedHashMap<>();
    Map<String, double[]> state = new LinkedHashMap<>();
    try (Device device = Devices.open("reference", s.deviceOptions());
        Sequential model = SMALL_NET.apply(NormFactory.byName("syncbn"))) {
      model.init(device, DATA.sampleShape(), new Random(s.seed()));
      BatchSampler sampler = new BatchSampler(DATA.size(), GLOBAL_BATCH, true, true, s.seed());
      try (TrainStep step = new TrainStep(device, model, DATA.sampleShape(), DATA.numClasses(), GLOBAL_BATCH,
          s.sgd(), GradientSync.LOCAL)) {
        int perEpoch = sampler.batchesPerEpoch();
        for (int i = 0; i < STEPS; i++) {
          int[] batch = sampler.globalBatch(sampler.order(i / perEpoch), i % perEpoch);
          step.run(DATA, batch, batch.length, s.lr());
        }
      }
      for (Parameter p : model.parameters()) {
        weights.put(p.name(), p.value().toDoubleArray());
      }
      for (StateBuffer b : model.state()) {
        state.put(b.name(), b.value().toDoubleArray());
      }
    }
    Compare.assertSameBits(weights, single.weights(), "weights");
    Compare.assertSameBits(state, single.state(), "state");
  }
}
