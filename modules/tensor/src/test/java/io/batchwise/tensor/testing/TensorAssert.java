package io.batchwise.tensor.testing;

import io.batchwise.tensor.Tensor;
import java.util.Arrays;

/**
 * Closeness assertions for kernel results. An element passes when
 * {@code |actual − expected| ≤ abs + rel·|expected|} (a combined absolute/relative tolerance: the
 * absolute part covers values near zero, the relative part large ones). NaN passes only against
 * NaN, and infinities only against the same infinity. A failure reports how many elements failed and
 * the worst one: its index, both values, the error and the allowed error.
 */
public final class TensorAssert {
  private TensorAssert() {
  }

  /** A combined tolerance {@code abs + rel·|expected|}. */
  public record Tolerance(double abs, double rel) {
    public Tolerance {
      if (!(abs >= 0) || !(rel >= 0)) {
        throw new IllegalArgumentException("tolerances must be non-negative: abs=" + abs + " rel=" + rel);
      }
    }

    /** Exact equality. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    public double allowed(double expected) {
      return abs + rel * Math.abs(expected);
    }

    /** The same tolerance with both parts multiplied by {@code factor}. */
    public Tolerance times(double factor) {
      return new Tolerance(abs * factor, rel * factor);
    }
  }

  public static void assertClose(String what, double[] expected, double[] actual, Tolerance tol) {
    if (expected.length != actual.length) {
      throw new AssertionError(what + ": expected " + expected.length + " elements, got " + actual.length);
    }
    int failures = 0;
    int worst = -1;
    double worstRatio = -1;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      double ratio; // error over allowed error: > 1 fails
      if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
        ratio = Double.compare(e, a) == 0 ? 0 : Double.POSITIVE_INFINITY;
      } else {
        double err = Math.abs(a - e);
        double allowed = tol.allowed(e);
        ratio = err == 0 ? 0 : allowed == 0 ? Double.POSITIVE_INFINITY : err / allowed;
      }
      if (ratio > 1.0) {
        failures++;
      }
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = i;
      }
    }
    if (failures > 0) {
      double e = expected[worst];
      double a = actual[worst];
      throw new AssertionError(String.format(
          "%s: %d of %d elements differ; worst at index %d: expected %s, actual %s, error %.3e, allowed %.3e"
              + " (abs %.1e + rel %.1e·|expected|)",
          what, failures, expected.length, worst, e, a, Math.abs(a - e), tol.allowed(e), tol.abs(), tol.rel()));
    }
  }

  public static void assertClose(String what, float[] expected, float[] actual, Tolerance tol) {
    assertClose(what, widen(expected), widen(actual), tol);
  }

  public static void assertClose(String what, double[] expected, float[] actual, Tolerance tol) {
    assertClose(what, expected, widen(actual), tol);
  }

  /** Compares two tensors (possibly on different devices) element by element. */
  public static void assertClose(String what, Tensor expected, Tensor actual, Tolerance tol) {
    if (!Arrays.equals(expected.shape(), actual.shape()) && expected.size() != actual.size()) {
      throw new AssertionError(what + ": shapes " + Arrays.toString(expected.shape()) + " and "
          + Arrays.toString(actual.shape()) + " differ");
    }
    assertClose(what, expected.toDoubleArray(), actual.toDoubleArray(), tol);
  }

  /** Compares the first {@code n} elements of two tensors. */
  public static void assertClosePrefix(String what, Tensor expected, Tensor actual, int n, Tolerance tol) {
    double[] e = new double[n];
    double[] a = new double[n];
    expected.read(0, e, 0, n);
    actual.read(0, a, 0, n);
    assertClose(what, e, a, tol);
  }

  /** Absolute-tolerance shorthand for hand-computed expectations. */
  public static void assertClose(String what, double[] expected, Tensor actual, double abs) {
    assertClose(what, expected, actual.toDoubleArray(), new Tolerance(abs, 0));
  }

  static double[] widen(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
