package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Flatten;
import io.batchwise.nn.layers.Linear;
import io.batchwise.nn.layers.MaxPool2d;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The property of the data-parallel worker: W workers × B/W samples with SyncBN train like one
 * device with batch B; with per-worker BN they do not; replicas stay bit-identical.
 *
 * <p>Runs on the double-precision reference device, so the only differences between the W-worker
 * and the one-device runs are the order of floating-point sums (far below the 1e-4 bound). The
 * model is a small conv + BN + conv + BN + linear net on 1×28×28 synthetic images (LeNet-BN works
 * too but takes several times longer on the single-threaded reference device).
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
    List<LocalCluster.WorkerResult> r = LocalCluster.run(spec(1, "syncbn"));
    single = r.get(0);
  }

  /** max |a − b| / max |b| over one tensor. */
  static double relative(double[] a, double[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  /** The largest per-tensor relative difference over weights and state buffers. */
  static double worstRelative(LocalCluster.WorkerResult a, LocalCluster.WorkerResult b) {
    assertEquals(b.weights().keySet(), a.weights().keySet());
    assertEquals(b.state().keySet(), a.state().keySet());
    double worst = 0;
    for (Map.Entry<String, double[]> e : b.weights().entrySet()) {
      worst = Math.max(worst, relative(a.weights().get(e.getKey()), e.getValue()));
    }
    for (Map.Entry<String, double[]> e : b.state().entrySet()) {
      worst = Math.max(worst, relative(a.state().get(e.getKey()), e.getValue()));
    }
    return worst;
  }

  static void assertBitIdentical(List<LocalCluster.WorkerResult> workers) {
    LocalCluster.WorkerResult first = workers.get(0);
    for (LocalCluster.WorkerResult w : workers) {
      for (Map.Entry<String, double[]> e : first.weights().entrySet()) {
        assertArrayEquals(bits(e.getValue()), bits(w.weights().get(e.getKey())),
            "weights " + e.getKey() + " of rank " + w.rank() + " differ from rank 0");
      }
      for (Map.Entry<String, double[]> e : first.state().entrySet()) {
        assertArrayEquals(bits(e.getValue()), bits(w.state().get(e.getKey())),
            "state " + e.getKey() + " of rank " + w.rank() + " differs from rank 0");
      }
    }
  }

  static long[] bits(double[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Double.doubleToRawLongBits(v[i]);
    }
    return out;
  }

  @Test
  void syncBnOnFourWorkersMatchesOneDevice() throws Exception {
    // Small buckets (4 KB) so the gradients travel in several buckets issued during backward.
    List<LocalCluster.WorkerResult> four = LocalCluster.run(spec(4, "syncbn").withBucketBytes(4096));
    assertTrue(four.get(0).buckets() > 1, "expected several gradient buckets");
    for (LocalCluster.WorkerResult w : four) {
      assertEquals(STEPS, w.steps().size());
      assertEquals(GLOBAL_BATCH / 4, w.steps().get(0).samples());
    }
    assertBitIdentical(four);
    double rel = worstRelative(four.get(0), single);
    System.out.printf(Locale.ROOT, "syncbn 4x16 vs 1x64 after %d steps: worst relative difference %.3e%n",
        STEPS, rel);
    assertTrue(rel < 1e-4, "4 workers with SyncBN differ from one device by " + rel);
    // Training moved the weights (the comparison is not of two untouched initializations).
    assertTrue(lossOfStep(four, STEPS - 1) < lossOfStep(four, 0), "loss did not fall");
  }

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
