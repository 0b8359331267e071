package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Flatten;
import io.batchwise.nn.layers.Linear;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Test 5 of the BatchNorm issue. */
class PreciseBnTest {
  static final int[] SAMPLE = {2, 4, 4};
  static final int PER = 32;
  static final int[] SPLIT = {2, 2, 4, 8, 16, 32, 64};
  static final int TOTAL = 128;
  static final double[] ALL = data(77, TOTAL * PER, 0.5, 1.5);

  static Sequential model(BatchNorm.Options o) {
    return new Sequential()
        .add("conv", new Conv2d(3, 3, 1, 1, false))
        .add("bn", new BatchNorm(3, o))
        .add("relu", new ReLU())
        .add("flatten", new Flatten())
        .add("fc", new Linear(2));
  }

  /** A model on its own device, same weights (same seed), arbitrary starting running statistics. */
  static Sequential built(Device d, BatchNorm.Options o) {
    Sequential m = model(o);
    m.init(d, SAMPLE.clone(), new Random(3));
    BatchNorm bn = (BatchNorm) m.get("bn");
    bn.runningMean().write(new double[] {0.3, -1, 2});
    bn.runningVar().write(new double[] {2, 0.5, 1});
    return m;
  }

  static List<Tensor> batches(Device d, int from, int[] sizes) {
    List<Tensor> out = new ArrayList<>();
    int at = from;
    for (int s : sizes) {
      out.add(d.allocate(s, 2, 4, 4).write(Arrays.copyOfRange(ALL, at * PER, (at + s) * PER)));
      at += s;
    }
    return out;
  }

  static double[] stats(Sequential m) {
    BatchNorm bn = (BatchNorm) m.get("bn");
    double[] a = bn.runningMean().toDoubleArray();
    double[] b = bn.runningVar().toDoubleArray();
    double[] out = Arrays.copyOf(a, 6);
    System.arraycopy(b, 0, out, 3, 3);
    return out;
  }

  /** Two-pass double reference: the conv output of all samples (EVAL, batch-independent). */
  static double[] reference(BatchNorm.Options o) {
    try (Device d = SyncBatchNormTest.smallDevice(); Sequential m = built(d, o)) {
      Tensor x = d.allocate(TOTAL, 2, 4, 4).write(ALL);
      double[] h = m.get("conv").forward(x, Mode.EVAL).toDoubleArray();
      int inner = 16;
      double[] out = new double[6];
      long count = (long) TOTAL * inner;
      for (int c = 0; c < 3; c++) {
        double s = 0;
        for (int n = 0; n < TOTAL; n++) {
          for (int i = 0; i < inner; i++) {
            s += h[(n * 3 + c) * inner + i];
          }
        }
        double mean = s / count;
        double q = 0;
        for (int n = 0; n < TOTAL; n++) {
          for (int i = 0; i < inner; i++) {
            double dd = h[(n * 3 + c) * inner + i] - mean;
            q += dd * dd;
          }
        }
        out[c] = mean;
        out[3 + c] = o.unbiasedRunningVariance() ? q / (count - 1) : q / count;
      }
      return out;
    }
  }

  static void close(double[] want, double[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-6 * (1 + Math.abs(want[i])), what + "[" + i + "]");
    }
  }

  double[] single(int[] sizes, BatchNorm.Options o) {
    try (Device d = SyncBatchNormTest.smallDevice(); Sequential m = built(d, o)) {
      long[] counts = PreciseBn.estimate(m, batches(d, 0, sizes), StatisticsReducer.LOCAL);
      assertArrayEquals(new long[] {TOTAL * 16L}, counts);
      return stats(m);
    }
  }

  @Test
  void sameStatisticsForAnySplitAndMatchesTheTwoPassReference() {
    for (BatchNorm.Options o : new BatchNorm.Options[] {BatchNorm.Options.PYTORCH, BatchNorm.Options.KERAS}) {
      double[] ref = reference(o);
      double[] split = single(SPLIT, o);
      double[] one = single(new int[] {TOTAL}, o);
      close(ref, split, o + " batches " + Arrays.toString(SPLIT));
      close(ref, one, o + " one batch");
      // The float running stats of the two splits agree to float rounding.
      close(one, split, o + " split vs one");
      // Workers: 3 of them with disjoint shares of the samples and different batch counts.
      int[][] shares = {{2, 2, 4}, {8, 16}, {32, 64}};
      int[] from = {0, 8, 32};
      StatisticsReducer[] red = InProcessReducer.partition(3, 3);
      List<double[]> per = Workers.run(3, r -> {
        try (Device d = SyncBatchNormTest.smallDevice(); Sequential m = built(d, o)) {
          PreciseBn.estimate(m, batches(d, from[r], shares[r]), red[r]);
          return stats(m);
        }
      });
      for (double[] s : per) {
        close(ref, s, o + " over workers");
        assertArrayEquals(per.get(0), s, "bit-identical on every worker");
      }
    }
  }

  @Test
  void syncBnWorkersGetTheSameStatistics() {
    double[] ref = reference(BatchNorm.Options.PYTORCH);
    int[][] shares = {{2, 2, 4, 8}, {16, 32, 64, 0}};
    int[] from = {0, 16};
    StatisticsReducer[] red = InProcessReducer.partition(2, 2);
    List<double[]> per = Workers.run(2, r -> {
      try (Device d = SyncBatchNormTest.smallDevice(); Sequential m = built(d, BatchNorm.Options.PYTORCH)) {
        // Convert the model's BatchNorm to SyncBatchNorm over the two workers, keeping its state.
        NormConversion.convert(m, "syncbn", NormContext.DEFAULT.withReducer(red[r]));
        PreciseBn.estimate(m, batches(d, from[r], shares[r]), red[r]);
        return stats(m);
      }
    });
    for (double[] s : per) {
      close(ref, s, "syncbn workers");
      assertArrayEquals(per.get(0), s, "bit-identical on every worker");
    }
  }

  @Test
  void runningStatisticsAreUndisturbedUntilFinish() {
    try (Device d = SyncBatchNormTest.smallDevice(); Sequential m = built(d, BatchNorm.Options.PYTORCH)) {
      double[] before = stats(m);
      BatchNorm bn = (BatchNorm) m.get("bn");
      bn.freezeStatistics(true);
      try (PreciseBn p = PreciseBn.begin(m)) {
        assertEquals(1, p.layers().size());
        for (Tensor x : batches(d, 0, new int[] {4, 8})) {
          p.forward(x);
          assertArrayEquals(before, stats(m));
        }
      } // closed without finish: restored
      assertArrayEquals(before, stats(m));
      assertTrue(bn.statisticsFrozen(), "freeze restored");
      // An empty world (no samples anywhere) changes nothing.
      try (PreciseBn p = PreciseBn.begin(m)) {
        assertArrayEquals(new long[] {0}, p.finish(StatisticsReducer.LOCAL));
      }
      assertArrayEquals(before, stats(m));
    }
  }

  /**
   * Batch Renorm and Ghost BN keep running statistics too: PreciseBN sets them to the same exact
   * population statistics (their input is the conv output, which does not depend on the norm).
   */
  @Test
  void coversBatchRenormAndGhostBatchNorm() {
    double[] want = reference(BatchNorm.Options.PYTORCH);
    for (String kind : new String[] {"brn", "ghostbn"}) {
      try (Device d = SyncBatchNormTest.smallDevice()) {
        RunningStatistics norm = kind.equals("brn") ? new BatchRenorm(3) : new GhostBatchNorm(3, 4);
        Sequential m = new Sequential()
            .add("conv", new Conv2d(3, 3, 1, 1, false))
            .add("bn", norm)
            .add("relu", new ReLU())
            .add("flatten", new Flatten())
            .add("fc", new Linear(2));
        m.init(d, SAMPLE.clone(), new Random(3));
        norm.runningMean().write(new double[] {0.3, -1, 2});
        norm.runningVar().write(new double[] {2, 0.5, 1});
        try (PreciseBn p = PreciseBn.begin(m)) {
          assertEquals(List.of(norm), p.layers(), kind);
          for (Tensor x : batches(d, 0, SPLIT)) {
            p.forward(x);
          }
          assertArrayEquals(new long[] {TOTAL * 16L}, p.finish(StatisticsReducer.LOCAL), kind);
        }
        double[] got = Arrays.copyOf(norm.runningMean().toDoubleArray(), 6);
        System.arraycopy(norm.runningVar().toDoubleArray(), 0, got, 3, 3);
        close(want, got, kind);
        m.close();
      }
    }
  }
}
