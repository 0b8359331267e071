package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.Communicator;
import io.batchwise.data.BatchSampler;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.train.TrainStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Input checks of the step, the float path end to end, the non-overlapping {@link
 * CommunicatorGradientSync} for {@link TrainStep}, and failure of one worker in the harness.
 */
class DataParallelStepTest {

  @Test
  void badBatchSizesAreClearErrors() throws Exception {
    SyntheticDataset data = SyntheticDataset.mnistLike(32, 5);
    try (Communicator one = GradientBucketsTest.group(1).get(0);
        Device device = Devices.open("reference", new DeviceOptions(8, 1));
        Sequential net = GradientBucketsTest.smallNet(device);
        DataParallelStep step = new DataParallelStep(device, net, data.sampleShape(), 10, 8,
            SgdConfig.DEFAULT, one, GradientBuckets.DEFAULT_BUCKET_BYTES)) {
      int[] nine = {0, 1, 2, 3, 4, 5, 6, 7, 8};
      IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
          () -> step.run(data, nine, 9, 0.1));
      assertTrue(tooBig.getMessage().contains("local batch of 9"), tooBig.getMessage());
      IllegalArgumentException global = assertThrows(IllegalArgumentException.class,
          () -> step.run(data, new int[] {0, 1, 2}, 2, 0.1));
      assertTrue(global.getMessage().contains("global batch 2"), global.getMessage());
      assertThrows(IllegalArgumentException.class, () -> step.run(data, new int[0], 0, 0.1));
      // A valid step still runs after the rejected ones.
      DataParallelStep.Result r = step.run(data, new int[] {0, 1, 2, 3}, 4, 0.1);
      assertEquals(4, r.samples());
      assertTrue(Double.isFinite(r.lossSum()));
    }
  }

  @Test
  void floatDeviceReplicasStayBitIdentical() throws Exception {
    // The java (float) device: gradients travel as floats; 2 workers × 8 vs 1 × 16 agree to float
    // rounding, and the replicas agree bit for bit.
    LocalCluster.Spec spec = LocalCluster.Spec.of(2, "java", DataParallelEquivalenceTest.SMALL_NET, "syncbn",
        SyntheticDataset.mnistLike(64, 9), 16, 5).withDeviceOptions(new DeviceOptions(16, 1));
    List<LocalCluster.WorkerResult> two = LocalCluster.run(spec);
    Compare.assertBitIdentical(two);
    LocalCluster.WorkerResult one = LocalCluster.run(spec.withWorkers(1)).get(0);
    double rel = Compare.worstRelative(two.get(0), one);
    System.out.printf(Locale.ROOT, "java device syncbn 2x8 vs 1x16, 5 steps: worst relative difference %.3e%n", rel);
    assertTrue(rel < 1e-3, "float replicas drifted from one device by " + rel);
  }

  @Test
  void trainStepWithCommunicatorSyncEqualsTheOverlappingStep() throws Exception {
    // Two ranks, each running TrainStep (whole backward, then CommunicatorGradientSync) with its
    // SyncBN bound to a CommunicatorReducer, end with the bits of LocalCluster's DataParallelStep.
    SyntheticDataset data = SyntheticDataset.mnistLike(64, 13);
    LocalCluster.Spec spec = LocalCluster.Spec.of(2, "reference", DataParallelEquivalenceTest.SMALL_NET,
        "syncbn", data, 16, 4).withBucketBytes(4096);
    LocalCluster.WorkerResult expected = LocalCluster.run(spec).get(0);
    List<Communicator> comms = GradientBucketsTest.group(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Map<String, double[]>>> fs = new ArrayList<>();
      for (Communicator c : comms) {
        fs.add(pool.submit(() -> {
          try (Device device = Devices.open("reference", spec.deviceOptions());
              Sequential net = spec.model().apply(NormFactory.byName("syncbn"))) {
            net.init(device, data.sampleShape(), new Random(spec.seed()));
            NormConversion.bindReducer(net, new CommunicatorReducer(c));
            BatchSampler sampler = new BatchSampler(data.size(), 16, true, true, spec.seed());
            try (TrainStep step = new TrainStep(device, net, data.sampleShape(), 10, 16, spec.sgd(),
                new CommunicatorGradientSync(c, true, 4096))) {
              int perEpoch = sampler.batchesPerEpoch();
              for (int s = 0; s < spec.steps(); s++) {
                int[] global = sampler.globalBatch(sampler.order(s / perEpoch), s % perEpoch);
                step.run(data, BatchSampler.shard(global, c.rank(), 2), global.length, spec.lr());
              }
            }
            Map<String, double[]> w = new LinkedHashMap<>();
            for (Parameter p : net.parameters()) {
              w.put(p.name(), p.value().toDoubleArray());
            }
            for (StateBuffer b : net.state()) {
              w.put(b.name(), b.value().toDoubleArray());
            }
            return w;
          }
        }));
      }
      Map<String, double[]> want = new LinkedHashMap<>(expected.weights());
      want.putAll(expected.state());
      for (Future<Map<String, double[]>> f : fs) {
        Compare.assertSameBits(want, f.get(), "TrainStep + CommunicatorGradientSync vs DataParallelStep");
      }
    } finally {
      pool.shutdownNow();
      comms.forEach(Communicator::close);
    }
  }

  @Test
  void aFailingWorkerFailsTheClusterInsteadOfHanging() {
    AtomicInteger shardsOfRank2 = new AtomicInteger();
    LocalCluster.Sharding failing = (global, rank, workers) -> {
      if (rank == 2 && shardsOfRank2.incrementAndGet() == 3) {
        throw new IllegalStateException("rank 2 lost its data");
      }
      return LocalCluster.Sharding.EVEN.shard(global, rank, workers);
    };
    LocalCluster.Spec spec = LocalCluster.Spec.of(3, "reference", DataParallelEquivalenceTest.SMALL_NET,
        "syncbn", SyntheticDataset.mnistLike(64, 3), 12, 5).withSharding(failing)
        .withTimeout(Duration.ofSeconds(20));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalCluster.run(spec));
    String all = e.getMessage() + " " + e.getCause();
    assertTrue(all.contains("rank 2 lost its data"), all);
  }
}
