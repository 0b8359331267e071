package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.Communicator;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Input checks of the step, the float path end to end, and failure of one worker in the harness. */
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
