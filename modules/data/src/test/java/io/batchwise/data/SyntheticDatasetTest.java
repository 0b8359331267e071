package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

  @Test
  void sameSeedSameData() {
    SyntheticDataset a = new SyntheticDataset("a", 50, new int[] {2, 6, 5}, 4, 0.5f, 7);
    SyntheticDataset b = new SyntheticDataset("b", 50, new int[] {2, 6, 5}, 4, 0.5f, 7);
    SyntheticDataset c = new SyntheticDataset("c", 50, new int[] {2, 6, 5}, 4, 0.5f, 8);
    int[] idx = IntStream.range(0, 50).toArray();
    assertArrayEquals(a.images(idx), b.images(idx));
    assertArrayEquals(a.labels(idx), b.labels(idx));
    assertFalse(Arrays.equals(a.images(idx), c.images(idx)));
    // Order of copying does not matter: a sample is a function of its index.
    float[] one = a.images(new int[] {17});
    float[] pair = a.images(new int[] {3, 17});
    assertArrayEquals(one, Arrays.copyOfRange(pair, 60, 120));
  }

  @Test
  void labelsCoverAllClasses() {
    SyntheticDataset d = SyntheticDataset.mnistLike(2000, 1);
    int[] counts = new int[10];
    for (int i = 0; i < d.size(); i++) {
      counts[d.label(i)]++;
    }
    for (int c : counts) {
      assertTrue(c > 120 && c < 280, "roughly balanced classes: " + Arrays.toString(counts));
    }
  }

  /** Learnable: a nearest-class-mean classifier fit on one split classifies another split well. */
  @Test
  void classesAreSeparable() {
    SyntheticDataset train = new SyntheticDataset("t", 500, new int[] {1, 12, 12}, 5, 1f, 3);
    SyntheticDataset test = train.split("test", 200, 1);
    int n = train.sampleSize();
    double[][] means = new double[5][n];
    int[] counts = new int[5];
    float[] x = train.images(IntStream.range(0, 500).toArray());
    for (int i = 0; i < 500; i++) {
      int c = train.label(i);
      counts[c]++;
      for (int p = 0; p < n; p++) {
        means[c][p] += x[i * n + p];
      }
    }
    float[] tx = test.images(IntStream.range(0, 200).toArray());
    assertFalse(Arrays.equals(Arrays.copyOf(x, n), Arrays.copyOf(tx, n)), "test split draws other samples");
    int correct = 0;
    for (int i = 0; i < 200; i++) {
      int best = -1;
      double bestD = Double.MAX_VALUE;
      for (int c = 0; c < 5; c++) {
        double dist = 0;
        for (int p = 0; p < n; p++) {
          double diff = tx[i * n + p] - means[c][p] / counts[c];
          dist += diff * diff;
        }
        if (dist < bestD) {
          bestD = dist;
          best = c;
        }
      }
      if (best == test.label(i)) {
        correct++;
      }
    }
    assertTrue(correct > 180, "nearest class mean gets " + correct + "/200");
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new SyntheticDataset("x", -1, new int[] {1, 2, 2}, 2, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticDataset("x", 1, new int[] {2, 2}, 2, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticDataset("x", 1, new int[] {1, 2, 2}, 1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticDataset("x", 1, new int[] {1, 2, 2}, 2, Float.NaN, 0));
    assertEquals(10, SyntheticDataset.mnistLike(1, 0).numClasses());
  }
}
