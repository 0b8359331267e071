package io.batchwise.tensor.reference;

import io.batchwise.tensor.ArenaAllocator;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;

/**
 * The double-precision reference device: every FLOAT tensor is stored as doubles and every kernel
 * is the plain, single-threaded Java definition of its {@link Ops} contract ({@link ReferenceOps}).
 * Kernel tests compare the OpenCL and Java devices against it; layer gradient checks run on it.
 *
 * <p>Memory: two {@code double[]} arenas, one for FLOAT tensors ({@link #values()}) and one for DOUBLE
 * tensors ({@link #doubles()}), sized by the element counts of the {@link DeviceOptions} (so a
 * reference device takes twice the bytes of a float device with the same options). Writing floats
 * stores their exact double values; reading into a {@code float[]} rounds to nearest.
 */
public final class ReferenceDevice extends Device {
  /** Blocks start on multiples of 8 elements, like the double arena of the float devices. */
  public static final int ALIGNMENT = 8;

  /** The options of {@link #ReferenceDevice()}: 8 Mi elements (64 MiB of doubles) for FLOAT tensors. */
  public static final DeviceOptions SMALL = new DeviceOptions(32, 1);

  private final double[] values;
  private final double[] doubles;
  private final ArenaAllocator valueAllocator;
  private final ArenaAllocator doubleAllocator;
  private final ReferenceOps ops;
  private volatile boolean closed;

  public ReferenceDevice(DeviceOptions options) {
    this.values = new double[options.floatElements()];
    this.doubles = new double[options.doubleElements()];
    this.valueAllocator = new ArenaAllocator("reference float arena", values.length, ALIGNMENT);
    this.doubleAllocator = new ArenaAllocator("reference double arena", doubles.length, ALIGNMENT);
    this.ops = new ReferenceOps(this);
  }

  /** A reference device with {@link #SMALL} arenas, enough for tests and gradient checks. */
  public ReferenceDevice() {
    this(SMALL);
  }

  @Override
  public String name() {
    return "reference";
  }

  @Override
  public String description() {
    return "plain Java, double precision, single thread";
  }

  @Override
  public Kind kind() {
    return Kind.REFERENCE;
  }

  @Override
  public Ops ops() {
    checkOpen();
    return ops;
  }

  /** The arena of FLOAT tensors, held as doubles: elements {@code [t.offset(), t.offset() + t.size())}. */
  public double[] values() {
    return values;
  }

  /** The arena of DOUBLE tensors. */
  public double[] doubles() {
    return doubles;
  }

  /** The arena holding tensors of {@code dtype}. */
  double[] arena(DType dtype) {
    return dtype == DType.FLOAT ? values : doubles;
  }

  @Override
  protected ArenaAllocator allocator(DType dtype) {
    checkOpen();
    return dtype == DType.FLOAT ? valueAllocator : doubleAllocator;
  }

  @Override
  protected void write(Tensor t, int pos, float[] src, int srcPos, int len) {
    double[] a = arena(t.dtype());
    int base = t.offset() + pos;
    for (int i = 0; i < len; i++) {
      a[base + i] = src[srcPos + i];
    }
  }

  @Override
  protected void write(Tensor t, int pos, double[] src, int srcPos, int len) {
    System.arraycopy(src, srcPos, arena(t.dtype()), t.offset() + pos, len);
  }

  @Override
  protected void read(Tensor t, int pos, float[] dst, int dstPos, int len) {
    double[] a = arena(t.dtype());
    int base = t.offset() + pos;
    for (int i = 0; i < len; i++) {
      dst[dstPos + i] = (float) a[base + i];
    }
  }

  @Override
  protected void read(Tensor t, int pos, double[] dst, int dstPos, int len) {
    System.arraycopy(arena(t.dtype()), t.offset() + pos, dst, dstPos, len);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("reference device used after close");
    }
  }

  /** Marks the device closed; the arenas are left to the garbage collector. */
  @Override
  public void close() {
    closed = true;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }
}
