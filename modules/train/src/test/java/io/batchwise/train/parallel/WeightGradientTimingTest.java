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
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timings' spellings, and AUTO resolved by whether the group's ranks have cores of their own. */
class WeightGradientTimingTest {

  @Test
  void spellingsRoundTripAndNonsenseIsNamed() {
    for (WeightGradientTiming t : WeightGradientTiming.values()) {
      assertEquals(t, WeightGradientTiming.parse(t.spelling()));
    }
    assertEquals("while-waiting", WeightGradientTiming.WHILE_WAITING.spelling());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WeightGradientTiming.parse("sometimes"));
    assertTrue(e.getMessage().contains("'sometimes'") && e.getMessage().contains("auto"), e.getMessage());
  }

  @Test
  void autoIsWhileWaitingOnlyWhereRanksHaveCoresOfTheirOwn() {
    assertEquals(WeightGradientTiming.WHILE_WAITING, WeightGradientTiming.AUTO.resolve(true));
    assertEquals(WeightGradientTiming.IN_BACKWARD, WeightGradientTiming.AUTO.resolve(false));
    for (WeightGradientTiming t : WeightGradientTiming.values()) {
      if (t != WeightGradientTiming.AUTO) {
        assertEquals(t, t.resolve(false));
        assertEquals(t, t.resolve(true));
      }
    }
    assertThrows(IllegalStateException.class, WeightGradientTiming.AUTO::defers, "AUTO must be resolved first");
    assertEquals(WeightGradientTiming.AUTO, WeightGradientTiming.DEFAULT);
  }

  @Test
  void aStepResolvesAutoForItsGroup() throws Exception {
    // Two ranks as threads of this JVM through shared memory: they may run on the JVM's CPUs, so
    // each has one of its own exactly when there are two or more.
    List<Communicator> two = GradientBucketsTest.group(2);
    try (Device device = Devices.open("reference", new DeviceOptions(8, 1));
        Sequential net = GradientBucketsTest.smallNet(device)) {
      Communicator c = two.get(0);
      assertTrue(c.usesSharedMemory());
      assertEquals(Runtime.getRuntime().availableProcessors() >= 2, c.ranksHaveCoresOfTheirOwn());
      try (DataParallelStep step = new DataParallelStep(device, net, SyntheticDataset.mnistLike(8, 1).sampleShape(),
          10, 4, SgdConfig.DEFAULT, c, GradientBuckets.DEFAULT_BUCKET_BYTES)) {
        assertEquals(c.ranksHaveCoresOfTheirOwn() ? WeightGradientTiming.WHILE_WAITING
            : WeightGradientTiming.IN_BACKWARD, step.weightGradients());
      }
      try (DataParallelStep step = new DataParallelStep(device, net, SyntheticDataset.mnistLike(8, 1).sampleShape(),
          10, 4, SgdConfig.DEFAULT, c, GradientBuckets.DEFAULT_BUCKET_BYTES, BucketIssue.EAGER,
          WeightGradientTiming.AT_NEXT_REDUCTION)) {
        assertEquals(WeightGradientTiming.AT_NEXT_REDUCTION, step.weightGradients(), "a named timing stays");
      }
    } finally {
      two.forEach(Communicator::close);
    }
  }
}
