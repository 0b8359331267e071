package io.batchwise.train.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.Dataset;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormContext;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The simulation of W workers the study rests on. */
class SimulatedWorkersTest {

  private static List<float[]> train(Device d, NormFactory norm, boolean oneForward, Dataset data, int workers, int b) {
    try (Sequential net = Models.create("lenet-bn", norm)) {
      net.init(d, Models.inputShape(), new Random(5));
      SimulatedWorkers.Settings s = new SimulatedWorkers.Settings(workers, b, oneForward, 1, 0.05, 0, false,
          new SgdConfig(0.9, false, 5e-4, false), 3);
      try (SimulatedWorkers sim = new SimulatedWorkers(d, net, data, s)) {
        SimulatedWorkers.Outcome o = sim.run(SimulatedWorkers.iid(data.size(), workers, b, 3),
            new SimulatedWorkers.Listener() {});
        assertEquals(data.size() / (workers * b), o.steps());
      }
      return net.parameters().stream().map(p -> p.value().toFloatArray()).toList();
    }
  }

  /**
   * Per-worker BN two ways: GhostBatchNorm (ghost = b) over one forward of W·b samples, and
   * BatchNorm with one forward per worker and summed gradients (what W workers do). Same weights.
   */
  @Test
  void ghostBatchNormInOneForwardEqualsOneForwardPerWorker() {
    Dataset data = SyntheticDataset.mnistLike(48, 11);
    try (Device d = Devices.open("java", new DeviceOptions(256, 1))) {
      int workers = 3;
      int b = 4;
      List<float[]> ghost = train(d, NormFactory.byName("ghostbn", NormContext.DEFAULT.withVirtualBatch(b)), true,
          data, workers, b);
      List<float[]> perWorker = train(d, NormFactory.byName("bn"), false, data, workers, b);
      List<float[]> sync = train(d, NormFactory.byName("bn"), true, data, workers, b);
      double worst = 0;
      double syncDiff = 0;
      for (int i = 0; i < ghost.size(); i++) {
        for (int j = 0; j < ghost.get(i).length; j++) {
          worst = Math.max(worst, Math.abs(ghost.get(i)[j] - perWorker.get(i)[j]));
          syncDiff = Math.max(syncDiff, Math.abs(ghost.get(i)[j] - sync.get(i)[j]));
        }
      }
      assertTrue(worst < 1e-4, "ghost BN vs per-worker forwards: max weight difference " + worst);
      // Normalizing over all W·b samples (SyncBN) is a different model: the comparison has teeth.
      assertTrue(syncDiff > 100 * Math.max(worst, 1e-7), "SyncBN differs from per-worker BN: " + syncDiff);
    }
  }

  @Test
  void twoClassComposerGivesEveryWorkerTwoClassesHalfEach() {
    Dataset data = SyntheticDataset.mnistLike(400, 2);
    SimulatedWorkers.Composer c = SimulatedWorkers.twoClassesPerWorker(data, 5, 4, 9);
    assertEquals(400 / 20, c.stepsPerEpoch());
    for (int step = 0; step < c.stepsPerEpoch(); step++) {
      int[][] parts = c.parts(0, step);
      assertEquals(5, parts.length);
      for (int[] p : parts) {
        assertEquals(4, p.length);
        Set<Integer> classes = new HashSet<>();
        for (int i : p) {
          classes.add(data.label(i));
        }
        assertEquals(2, classes.size());
        assertEquals(data.label(p[0]), data.label(p[1]));
        assertEquals(data.label(p[2]), data.label(p[3]));
      }
    }
  }
}
