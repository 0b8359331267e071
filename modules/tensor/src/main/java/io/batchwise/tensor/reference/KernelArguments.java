package io.batchwise.tensor.reference;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import java.util.Arrays;

/**
 * Argument checks shared by the plain-Java kernel sets: each failure names the kernel, the argument
 * and the sizes involved, so a wrong call fails with a message instead of writing out of bounds
 * (the arena is one array, so an unchecked overrun silently corrupts a neighbouring tensor).
 */
public final class KernelArguments {
  private KernelArguments() {
  }

  /**
   * Checks that {@code t} is open, lives on {@code device}, has type {@code dtype} and holds at least
   * {@code elements} elements. Returns the tensor's arena offset.
   */
  public static int check(Device device, String op, String name, Tensor t, DType dtype, long elements) {
    if (t == null) {
      throw new NullPointerException(op + ": " + name + " is null");
    }
    if (t.isClosed()) {
      throw new IllegalStateException(op + ": " + name + " " + Arrays.toString(t.shape()) + " used after close");
    }
    if (t.device() != device) {
      throw new IllegalArgumentException(
          op + ": " + name + " lives on " + t.device().name() + ", not on " + device.name());
    }
    if (t.dtype() != dtype) {
      throw new IllegalArgumentException(op + ": " + name + " must be " + dtype + ", got " + t.dtype());
    }
    if (elements < 0) {
      throw new IllegalArgumentException(op + ": negative size " + elements + " for " + name);
    }
    if (t.size() < elements) {
      throw new IllegalArgumentException(op + ": " + name + " " + Arrays.toString(t.shape()) + " has "
          + t.size() + " elements, needs " + elements);
    }
    return t.offset();
  }

  /** {@link #check} for a FLOAT tensor. */
  public static int floats(Device device, String op, String name, Tensor t, long elements) {
    return check(device, op, name, t, DType.FLOAT, elements);
  }

  /** {@link #check} for a DOUBLE tensor. */
  public static int doubles(Device device, String op, String name, Tensor t, long elements) {
    return check(device, op, name, t, DType.DOUBLE, elements);
  }

  /** Elementwise operands must have exactly the same number of elements. */
  public static void sameSize(String op, String aName, Tensor a, String bName, Tensor b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException(op + ": " + aName + " " + Arrays.toString(a.shape()) + " and "
          + bName + " " + Arrays.toString(b.shape()) + " differ in size");
    }
  }

  /** Dimensions must be non-negative; returns their product as a long. */
  public static long dims(String op, String names, int... dims) {
    long p = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(op + ": negative dimension in (" + names + ") = "
            + Arrays.toString(dims));
      }
      p *= d;
    }
    return p;
  }

  /** Input elements of a window geometry: n·c·h·w. */
  public static long inputSize(Window2d g) {
    return (long) g.n() * g.c() * g.h() * g.w();
  }

  /** Output elements of a window geometry: n·c·oh·ow. */
  public static long outputSize(Window2d g) {
    return (long) g.n() * g.c() * g.oh() * g.ow();
  }

  /** Elements of the im2col matrix: (c·kh·kw)·(n·oh·ow). */
  public static long colSize(Window2d g) {
    return (long) g.colRows() * g.colCols();
  }

  /** Dropout keep probability must lie in (0, 1]. */
  public static void keepProbability(String op, float keep) {
    if (!(keep > 0f && keep <= 1f)) {
      throw new IllegalArgumentException(op + ": keep probability must be in (0, 1], got " + keep);
    }
  }

  /** A class label stored as a float must be an integer in [0, k). */
  public static int label(String op, int row, double label, int k) {
    int l = (int) label;
    if (l != label || l < 0 || l >= k) {
      throw new IllegalArgumentException(op + ": label of row " + row + " is " + label
          + ", not a class index in [0, " + k + ")");
    }
    return l;
  }
}
