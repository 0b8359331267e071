package io.batchwise.nn.checkpoint;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;

/**
 * A named tensor copied to the host: FLOAT values in {@code floats}, DOUBLE values in {@code doubles}
 * (the other array is null). Values are kept bit for bit, NaN payloads included.
 */
public record SavedTensor(String name, DType dtype, int[] shape, float[] floats, double[] doubles) {

  public SavedTensor {
    shape = shape.clone();
    int size = Tensor.sizeOf(shape);
    int length = dtype == DType.FLOAT ? floats.length : doubles.length;
    if (length != size) {
      throw new IllegalArgumentException(name + ": " + length + " values for shape " + Arrays.toString(shape));
    }
  }

  /** Copies a device tensor to the host. */
  public static SavedTensor of(String name, Tensor t) {
    if (t.dtype() == DType.FLOAT) {
      return new SavedTensor(name, DType.FLOAT, t.shape(), t.toFloatArray(), null);
    }
    return new SavedTensor(name, DType.DOUBLE, t.shape(), null, t.toDoubleArray());
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return Tensor.sizeOf(shape);
  }

  /** Copies the values into {@code t}; dtype and shape must already have been checked. */
  void copyInto(Tensor t) {
    if (dtype == DType.FLOAT) {
      t.write(floats);
    } else {
      t.write(doubles);
    }
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
