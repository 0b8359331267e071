package io.batchwise.bench;

import java.util.Arrays;

/** The median of a sample: the middle value, or the mean of the two middle values. */
final class Median {
  private Median() {}

  static double of(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("median of no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
  }
}
