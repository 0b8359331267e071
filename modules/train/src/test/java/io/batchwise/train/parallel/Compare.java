package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

/** Comparisons of trained replicas shared by the tests of this package. */
final class Compare {
  private Compare() {
  }

  /** max |a − b| / max |b| over one tensor. */
  static double relative(double[] a, double[] b) {
    assertEquals(b.length, a.length);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  static double worst(Map<String, double[]> a, Map<String, double[]> b) {
    assertEquals(b.keySet(), a.keySet());
    double worst = 0;
    for (Map.Entry<String, double[]> e : b.entrySet()) {
      worst = Math.max(worst, relative(a.get(e.getKey()), e.getValue()));
    }
    return worst;
  }

  /** The largest per-tensor relative difference over weights and state buffers. */
  static double worstRelative(LocalCluster.WorkerResult a, LocalCluster.WorkerResult b) {
    return Math.max(worst(a.weights(), b.weights()), worst(a.state(), b.state()));
  }

  static void assertSameBits(Map<String, double[]> expected, Map<String, double[]> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, double[]> e : expected.entrySet()) {
      assertArrayEquals(bits(e.getValue()), bits(actual.get(e.getKey())), what + " " + e.getKey());
    }
  }

  /** Every replica's weights and state have the raw bits of rank 0's. */
  static void assertBitIdentical(List<LocalCluster.WorkerResult> workers) {
    LocalCluster.WorkerResult first = workers.get(0);
    for (LocalCluster.WorkerResult w : workers) {
      assertSameBits(first.weights(), w.weights(), "rank " + w.rank() + " vs rank 0: weights");
      assertSameBits(first.state(), w.state(), "rank " + w.rank() + " vs rank 0: state");
    }
  }

  static long[] bits(double[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Double.doubleToRawLongBits(v[i]);
    }
    return out;
  }

  /** Mean loss of step s over all workers' samples. */
  static double lossOfStep(List<LocalCluster.WorkerResult> workers, int s) {
    double sum = 0;
    long n = 0;
    for (LocalCluster.WorkerResult w : workers) {
      sum += w.steps().get(s).lossSum();
      n += w.steps().get(s).samples();
    }
    return sum / n;
  }
}
