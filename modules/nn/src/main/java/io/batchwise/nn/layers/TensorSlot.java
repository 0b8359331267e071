package io.batchwise.nn.layers;

import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;

/**
 * A reusable buffer: {@link #get} returns the same tensor while the requested shape stays the same
 * and reallocates it when the shape changes (in practice: when the batch size changes).
 */
public final class TensorSlot implements AutoCloseable {
  private final DType dtype;
  private Tensor tensor;

  public TensorSlot() {
    this(DType.FLOAT);
  }

  public TensorSlot(DType dtype) {
    this.dtype = dtype;
  }

  /** The buffer of exactly {@code shape}; its contents are undefined after a reallocation. */
  public Tensor get(Device device, int... shape) {
    if (tensor != null && !tensor.isClosed() && tensor.device() == device
        && Arrays.equals(tensor.shape(), shape)) {
      return tensor;
    }
    close();
    tensor = device.allocate(dtype, shape);
    return tensor;
  }

  /** The current buffer, or null before the first {@link #get}. */
  public Tensor current() {
    return tensor;
  }

  @Override
  public void close() {
    if (tensor != null) {
      tensor.close();
      tensor = null;
    }
  }
}
