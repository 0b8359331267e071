package io.batchwise.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SyncBatchNormTest {
  static final int STEPS = 2;

  static Device smallDevice() {
    return new ReferenceDevice(new DeviceOptions(2, 1));
  }

  /** What one worker (or the single reference device) saw, per step. */
  record Seen(List<double[]> y, List<double[]> dx, List<double[]> dgamma, List<double[]> dbeta,
              List<double[]> rm, List<double[]> rv) {
    Seen() {
      this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
          new ArrayList<>());
    }
  }

  static double[] data(long seed, int size, double mean, double std) {
    Random r = new Random(seed);
    double[] v = new double[size];
    for (int i = 0; i < size; i++) {
      v[i] = mean + std * r.nextGaussian();
    }
    return v;
  }

  /** Runs STEPS train steps of {@code bn} over samples [from, from+n) of each step's global batch. */
  static Seen runSteps(BatchNorm bn, Device d, int[] sample, int from, int n, int total) {
    int per = Tensor.sizeOf(sample);
    bn.init(d, sample, new Random(1));
    bn.gamma().value().write(data(11, sample[0], 1.0, 0.3));
    bn.beta().value().write(data(12, sample[0], 0.0, 0.5));
    Seen s = new Seen();
    for (int step = 0; step < STEPS; step++) {
      double[] xAll = data(100 + step, total * per, 3.0 + step, 2.0);
      double[] gAll = data(200 + step, total * per, 0.0, 1.0);
      int[] shape = new int[sample.length + 1];
      shape[0] = n;
      System.arraycopy(sample, 0, shape, 1, sample.length);
      Tensor x = d.allocate(shape).write(Arrays.copyOfRange(xAll, from * per, (from + n) * per));
      Tensor g = d.allocate(shape).write(Arrays.copyOfRange(gAll, from * per, (from + n) * per));
      s.y.add(bn.forward(x, Mode.TRAIN).toDoubleArray());
      s.dx.add(bn.backward(g).toDoubleArray());
      s.dgamma.add(bn.gamma().grad().toDoubleArray());
      s.dbeta.add(bn.beta().grad().toDoubleArray());
      s.rm.add(bn.runningMean().toDoubleArray());
      s.rv.add(bn.runningVar().toDoubleArray());
      x.close();
      g.close();
    }
    return s;
  }

  static void close(double[] want, double[] got, double tol, String what) {
    assertEquals(want.length, got.length, what + " length");
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), what + "[" + i + "]");
    }
  }

  static double[] concat(List<double[]> parts) {
    return parts.stream().flatMapToDouble(Arrays::stream).toArray();
  }

  static double[] sum(List<double[]> parts) {
    double[] s = new double[parts.get(0).length];
    for (double[] p : parts) {
      for (int i = 0; i < s.length; i++) {
        s[i] += p[i];
      }
    }
    return s;
  }

  /** Property 1 over worlds of W workers with uneven, sometimes empty batches. */
  void checkEqualsConcatenatedBatchNorm(int[] batches, int groupSize, int... sample) {
    int w = batches.length;
    StatisticsReducer[] reducers = InProcessReducer.partition(w, groupSize);
    int[] start = new int[w + 1];
    for (int r = 0; r < w; r++) {
      start[r + 1] = start[r] + batches[r];
    }
    List<Seen> workers = Workers.run(w, rank -> {
      int g = rank / groupSize;
      int from = start[rank] - start[g * groupSize];
      int total = start[(g + 1) * groupSize] - start[g * groupSize];
      try (Device d = smallDevice(); SyncBatchNorm bn = new SyncBatchNorm(sample[0], reducers[rank])) {
        return runSteps(bn, d, sample, from, batches[rank], total);
      }
    });
    String label = "batches " + Arrays.toString(batches) + " groups of " + groupSize;
    for (int g = 0; g < w / groupSize; g++) {
      int total = start[(g + 1) * groupSize] - start[g * groupSize];
      Seen ref;
      try (Device d = smallDevice(); BatchNorm bn = new BatchNorm(sample[0])) {
        ref = runSteps(bn, d, sample, 0, total, total);
      }
      List<Seen> members = workers.subList(g * groupSize, (g + 1) * groupSize);
      for (int step = 0; step < STEPS; step++) {
        int st = step;
        String at = label + " group " + g + " step " + step + ": ";
        close(ref.y.get(step), concat(members.stream().map(m -> m.y.get(st)).toList()), 1e-12, at + "y");
        close(ref.dx.get(step), concat(members.stream().map(m -> m.dx.get(st)).toList()), 1e-11, at + "dx");
        close(ref.dgamma.get(step), sum(members.stream().map(m -> m.dgamma.get(st)).toList()), 1e-11, at + "dγ");
        close(ref.dbeta.get(step), sum(members.stream().map(m -> m.dbeta.get(st)).toList()), 1e-11, at + "dβ");
        for (Seen m : members) {
          close(ref.rm.get(step), m.rm.get(step), 1e-12, at + "running mean");
          close(ref.rv.get(step), m.rv.get(step), 1e-12, at + "running var");
          // Bit-identical statistics on every member of the group.
          assertArrayEquals(members.get(0).rm.get(step), m.rm.get(step), at + "rm identical");
          assertArrayEquals(members.get(0).rv.get(step), m.rv.get(step), at + "rv identical");
        }
      }
    }
  }

  @Test
  void equalsBatchNormOnTheConcatenatedBatchNchw() {
    checkEqualsConcatenatedBatchNorm(new int[] {3, 0, 5, 1}, 4, 3, 2, 3);
  }

  @Test
  void equalsBatchNormOnTheConcatenatedBatchNc() {
    checkEqualsConcatenatedBatchNorm(new int[] {0, 2, 7}, 3, 4);
  }

  @Test
  void randomWorldsAndBatches() {
    Random r = new Random(7);
    for (int trial = 0; trial < 4; trial++) {
      int w = 2 + r.nextInt(4);
      int[] b = new int[w];
      int total = 0;
      for (int i = 0; i < w; i++) {
        b[i] = r.nextInt(3) == 0 ? 0 : r.nextInt(5);
        total += b[i];
      }
      if (total < 2) {
        b[0] += 2;
      }
      checkEqualsConcatenatedBatchNorm(b, w, 2, 1, 3);
    }
  }

  @Test
  void syncGroupsNormalizeOverTheirOwnMembersOnly() {
    checkEqualsConcatenatedBatchNorm(new int[] {2, 3, 0, 4, 1, 1}, 2, 2, 2, 2);
  }

  @Test
  void globalCountZeroUpdatesNothing() {
    StatisticsReducer[] red = InProcessReducer.partition(2, 2);
    List<double[]> rms = Workers.run(2, rank -> {
      try (Device d = smallDevice(); SyncBatchNorm bn = new SyncBatchNorm(2, red[rank])) {
        bn.init(d, new int[] {2, 2, 2}, new Random(1));
        Tensor x = d.allocate(0, 2, 2, 2);
        bn.forward(x, Mode.TRAIN);
        double[] dx = bn.backward(d.allocate(0, 2, 2, 2)).toDoubleArray();
        assertEquals(0, dx.length);
        return concat(List.of(bn.runningMean().toDoubleArray(), bn.runningVar().toDoubleArray()));
      }
    });
    for (double[] s : rms) {
      assertArrayEquals(new double[] {0, 0, 1, 1}, s);
    }
  }

  @Test
  void globalCountOneInTrainingIsAClearErrorOnEveryWorker() {
    StatisticsReducer[] red = InProcessReducer.partition(2, 2);
    List<String> messages = Workers.run(2, rank -> {
      try (Device d = smallDevice(); SyncBatchNorm bn = new SyncBatchNorm(3, red[rank])) {
        bn.init(d, new int[] {3}, new Random(1));
        Tensor x = d.allocate(rank == 0 ? 1 : 0, 3).write(rank == 0 ? new double[] {1, 2, 3} : new double[0]);
        return assertThrows(IllegalArgumentException.class, () -> bn.forward(x, Mode.TRAIN)).getMessage();
      }
    });
    for (String m : messages) {
      assertTrue(m.contains("one value per channel"), m);
    }
  }

  @Test
  void withoutAReducerItIsLocalBatchNorm() {
    try (Device d = smallDevice(); SyncBatchNorm s = new SyncBatchNorm(2); BatchNorm b = new BatchNorm(2)) {
      Seen a = runSteps(s, d, new int[] {2, 1, 3}, 0, 4, 4);
      Seen c = runSteps(b, d, new int[] {2, 1, 3}, 0, 4, 4);
      for (int i = 0; i < STEPS; i++) {
        assertArrayEquals(c.y.get(i), a.y.get(i));
        assertArrayEquals(c.dx.get(i), a.dx.get(i));
      }
    }
  }

  @Test
  void reducerMismatchAndBadArgumentsAreClearErrors() {
    InProcessReducer g = new InProcessReducer(2, 5_000);
    List<String> errs = Workers.run(2, rank -> assertThrows(IllegalStateException.class,
        () -> g.member(rank).sum(new double[rank + 1])).getMessage());
    assertTrue(errs.get(0).contains("different lengths [1, 2]"), errs.get(0));
    assertThrows(IllegalArgumentException.class, () -> new SyncGroups(6, 4));
    assertThrows(IllegalArgumentException.class, () -> g.member(2));
    assertThrows(IllegalArgumentException.class, () -> new SyncBatchNorm(2, null));
    assertArrayEquals(new int[] {2, 3}, new SyncGroups(6, 2).members(1));
  }

  @Test
  void gradientCheckLocal() {
    try (Device d = smallDevice()) {
      SyncBatchNorm bn = new SyncBatchNorm(3);
      Map<String, Double> err = GradientCheck.of(bn, d).input(4, 3, 2, 2)
          .afterInit(() -> {
            bn.gamma().value().write(data(3, 3, 1, 0.3));
            bn.beta().value().write(data(4, 3, 0, 0.3));
          })
          .beforeForward(() -> {
            bn.runningMean().write(new double[3]);
            bn.runningVar().write(new double[] {1, 1, 1});
          }).run();
      err.forEach((k, v) -> assertTrue(v < 1e-6, k + " gradient error " + v));
      bn.close();
    }
  }
}
