package io.batchwise.nn.loss;

import io.batchwise.tensor.Tensor;
import java.util.Arrays;

/**
 * Host-side classification metrics: the predicted class of each row of logits and the number of
 * rows whose prediction equals the label. Reads {@code N·K} logits back to the host, so it is meant
 * for evaluation and per-step logging, not for the inner training loop of large K.
 */
public final class Accuracy {
  private Accuracy() {
  }

  /**
   * Index of the largest value in each row of {@code logits [n, k]}; ties go to the lowest index,
   * and a NaN never wins over a number (a row of only NaN predicts 0).
   */
  public static int[] argmax(float[] logits, int n, int k) {
    if (n < 0 || k < 1 || (long) n * k != logits.length) {
      throw new IllegalArgumentException(
          "argmax over " + n + " x " + k + " needs " + (long) n * k + " values, got " + logits.length);
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int base = i * k;
      int best = 0;
      float bestValue = logits[base];
      for (int j = 1; j < k; j++) {
        float v = logits[base + j];
        if (v > bestValue || (Float.isNaN(bestValue) && !Float.isNaN(v))) {
          best = j;
          bestValue = v;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /** {@link #argmax(float[], int, int)} of a {@code [N, K]} tensor. */
  public static int[] argmax(Tensor logits) {
    if (logits.rank() != 2) {
      throw new IllegalArgumentException("argmax expects logits [N, K], got " + Arrays.toString(logits.shape()));
    }
    return argmax(logits.toFloatArray(), logits.dim(0), logits.dim(1));
  }

  /** Number of rows of {@code logits [N, K]} whose argmax equals the label in {@code labels [N]}. */
  public static int correct(Tensor logits, Tensor labels) {
    int[] predicted = argmax(logits);
    if (labels.size() != predicted.length) {
      throw new IllegalArgumentException("labels " + Arrays.toString(labels.shape())
          + " do not match logits " + Arrays.toString(logits.shape()));
    }
    float[] y = labels.toFloatArray();
    SoftmaxCrossEntropy.checkLabels(y, logits.dim(1));
    int hits = 0;
    for (int i = 0; i < y.length; i++) {
      if (predicted[i] == (int) y[i]) {
        hits++;
      }
    }
    return hits;
  }
}
