package io.batchwise.tensor;

import java.util.Arrays;

/**
 * A dense row-major tensor living in the memory arena of one {@link Device}.
 *
 * <p>A tensor is a handle: the device, the element type, the offset of its first element in the
 * device arena of that type, and the shape. Activations use NCHW order (batch, channel, height,
 * width). Kernels receive the arena and the offset, so no host copy happens between the kernels of
 * a training step; {@link #write} and {@link #read} are the only host transfers.
 *
 * <p>Lifecycle: {@link Device#allocate} creates an owning tensor; {@link #close()} returns its memory
 * to the arena. {@link #view} creates non-owning views of the same memory (reshape or a contiguous
 * slice); closing a view does nothing, and using any tensor after its owner is closed is an error.
 * Not thread-safe, like its device.
 */
public final class Tensor implements AutoCloseable {
  private final Device device;
  private final DType dtype;
  private final int offset;
  private final int[] shape;
  private final int size;
  private final Tensor owner;
  private boolean closed;

  Tensor(Device device, DType dtype, int offset, int[] shape, Tensor owner) {
    this.device = device;
    this.dtype = dtype;
    this.offset = offset;
    this.shape = shape.clone();
    this.size = sizeOf(shape);
    this.owner = owner;
  }

  /** Number of elements of a shape; every dimension must be non-negative. */
  public static int sizeOf(int... shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("shape too large: " + Arrays.toString(shape));
      }
    }
    return (int) n;
  }

  public Device device() {
    return device;
  }

  public DType dtype() {
    return dtype;
  }

  /** Offset of element 0 in the device arena of this tensor's {@link DType}. */
  public int offset() {
    checkOpen();
    return offset;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int dim(int axis) {
    return shape[axis < 0 ? shape.length + axis : axis];
  }

  public int rank() {
    return shape.length;
  }

  public int size() {
    return size;
  }

  /** A non-owning view of the same elements with another shape of equal size. */
  public Tensor view(int... newShape) {
    checkOpen();
    if (sizeOf(newShape) != size) {
      throw new IllegalArgumentException(
          "cannot view " + Arrays.toString(shape) + " as " + Arrays.toString(newShape));
    }
    return new Tensor(device, dtype, offset, newShape, root());
  }

  /** A non-owning view of {@code sizeOf(newShape)} consecutive elements starting at {@code start}. */
  public Tensor slice(int start, int... newShape) {
    checkOpen();
    int n = sizeOf(newShape);
    if (start < 0 || start + (long) n > size) {
      throw new IndexOutOfBoundsException(
          "slice [" + start + ", " + (start + (long) n) + ") of tensor with " + size + " elements");
    }
    return new Tensor(device, dtype, offset + start, newShape, root());
  }

  private Tensor root() {
    return owner == null ? this : owner;
  }

  /** Whether this tensor owns its memory (false for views). */
  public boolean isOwner() {
    return owner == null;
  }

  public boolean isClosed() {
    return owner == null ? closed : owner.isClosed();
  }

  int offsetUnchecked() {
    return offset;
  }

  void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException("tensor " + Arrays.toString(shape) + " used after close");
    }
  }

  /** Copies {@code src} into this tensor (sizes must match). */
  public Tensor write(float[] src) {
    requireLength(src.length);
    device.write(this, 0, src, 0, src.length);
    return this;
  }

  /** Copies {@code src} into this tensor (sizes must match); FLOAT tensors round to float. */
  public Tensor write(double[] src) {
    requireLength(src.length);
    device.write(this, 0, src, 0, src.length);
    return this;
  }

  /** Copies {@code len} elements from {@code src[srcPos..]} to this tensor at {@code pos}. */
  public void write(int pos, float[] src, int srcPos, int len) {
    checkRange(pos, len);
    device.write(this, pos, src, srcPos, len);
  }

  /** Copies {@code len} elements of this tensor from {@code pos} to {@code dst[dstPos..]}. */
  public void read(int pos, float[] dst, int dstPos, int len) {
    checkRange(pos, len);
    device.read(this, pos, dst, dstPos, len);
  }

  public void read(int pos, double[] dst, int dstPos, int len) {
    checkRange(pos, len);
    device.read(this, pos, dst, dstPos, len);
  }

  public float[] toFloatArray() {
    float[] out = new float[size];
    device.read(this, 0, out, 0, size);
    return out;
  }

  public double[] toDoubleArray() {
    double[] out = new double[size];
    device.read(this, 0, out, 0, size);
    return out;
  }

  private void requireLength(int n) {
    if (n != size) {
      throw new IllegalArgumentException(
          "host array of " + n + " elements for tensor " + Arrays.toString(shape) + " of " + size);
    }
  }

  private void checkRange(int pos, int len) {
    if (pos < 0 || len < 0 || pos + (long) len > size) {
      throw new IndexOutOfBoundsException(
          "range [" + pos + ", " + (pos + (long) len) + ") of tensor with " + size + " elements");
    }
  }

  /** Returns the memory to the device arena; a no-op for views and for closed tensors. */
  @Override
  public void close() {
    if (owner == null && !closed) {
      closed = true;
      device.release(this);
    }
  }

  @Override
  public String toString() {
    return dtype + Arrays.toString(shape) + "@" + offset + " on " + device.name();
  }
}
