package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.tensor.DeviceOptions;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The property of the data-parallel worker on the default model: LeNet-BN with SyncBN on 4 workers
 * × 16 samples for 20 steps ends within 1e-4 relative of 1 worker × 64 samples (weights and running
 * statistics), and the 4 replicas are bit-identical. On the double-precision reference device, so
 * the only difference between the two runs is the order of floating-point sums. (About 30 s per
 * run on this loaded machine; the other properties are tested on a smaller net.)
 */
class LenetSyncBnPropertyTest {
  static final int STEPS = 20;

  @Test
  void fourWorkersBySixteenMatchOneBySixtyFour() throws Exception {
    LocalCluster.Spec one = LocalCluster.Spec.of(1, "reference", LocalCluster.Spec.zoo("lenet-bn"),
            "syncbn", SyntheticDataset.mnistLike(256, 11), 64, STEPS)
        .withDeviceOptions(new DeviceOptions(64, 1));
    LocalCluster.WorkerResult single = LocalCluster.run(one).get(0);
    List<LocalCluster.WorkerResult> four = LocalCluster.run(one.withWorkers(4));
    for (LocalCluster.WorkerResult w : four) {
      assertEquals(16, w.steps().get(STEPS - 1).samples());
    }
    Compare.assertBitIdentical(four);
    double rel = Compare.worstRelative(four.get(0), single);
    System.out.printf(Locale.ROOT,
        "lenet-bn syncbn 4x16 vs 1x64, %d steps: worst relative difference %.3e (%d buckets)%n",
        STEPS, rel, four.get(0).buckets());
    assertTrue(rel < 1e-4, "4 workers with SyncBN differ from one device by " + rel);
    assertTrue(Compare.lossOfStep(four, STEPS - 1) < Compare.lossOfStep(four, 0), "loss did not fall");
  }
}
