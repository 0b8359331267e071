package io.batchwise.tensor;

/**
 * A compute device: a memory arena per {@link DType} and an {@link Ops} kernel set that works on it.
 *
 * <p>Implementations: an OpenCL device reached through Aparapi (PoCL on the CPU here, a GPU where
 * one exists), a multithreaded plain-Java fallback for machines without OpenCL, and a
 * double-precision reference device whose kernels are the plain-Java references of every OpenCL
 * kernel (tests compare against it, and gradient checks run on it).
 *
 * <p>Lifecycle: open through {@link Devices}; allocate tensors; run {@link #ops()}; close tensors;
 * {@link #close()} the device. A device and its tensors belong to one thread at a time (Aparapi
 * kernels are not thread-safe): every worker opens its own device.
 */
public abstract class Device implements AutoCloseable {

  /** What kind of implementation backs a device. */
  public enum Kind {
    /** OpenCL kernels through Aparapi (PoCL on a CPU, or a GPU). */
    OPENCL,
    /** Multithreaded plain Java, float precision; the fallback where no OpenCL device exists. */
    JAVA,
    /** Single-threaded plain Java in double precision: the reference every kernel is tested against. */
    REFERENCE
  }

  /** Short name, e.g. {@code opencl:0}, {@code java}, {@code reference}. */
  public abstract String name();

  /** One line naming the hardware and driver, for logs. */
  public abstract String description();

  public abstract Kind kind();

  /** The kernels of this device. */
  public abstract Ops ops();

  /** The allocator of the arena holding tensors of {@code dtype}. */
  protected abstract ArenaAllocator allocator(DType dtype);

  /** Allocates an uninitialized FLOAT tensor (contents are whatever the arena held). */
  public Tensor allocate(int... shape) {
    return allocate(DType.FLOAT, shape);
  }

  /** Allocates an uninitialized tensor. */
  public Tensor allocate(DType dtype, int... shape) {
    int offset = allocator(dtype).allocate(Tensor.sizeOf(shape));
    return new Tensor(this, dtype, offset, shape, null);
  }

  /** Allocates a FLOAT tensor set to zero. */
  public Tensor zeros(int... shape) {
    Tensor t = allocate(shape);
    ops().fill(t, 0f);
    return t;
  }

  /** Allocates a FLOAT tensor holding a copy of {@code values}. */
  public Tensor upload(float[] values, int... shape) {
    Tensor t = allocate(shape);
    return t.write(values);
  }

  void release(Tensor t) {
    allocator(t.dtype()).release(t.offsetUnchecked());
  }

  /** Host to device copy; bounds are checked by {@link Tensor}. */
  protected abstract void write(Tensor t, int pos, float[] src, int srcPos, int len);

  protected abstract void write(Tensor t, int pos, double[] src, int srcPos, int len);

  /** Device to host copy; bounds are checked by {@link Tensor}. */
  protected abstract void read(Tensor t, int pos, float[] dst, int dstPos, int len);

  protected abstract void read(Tensor t, int pos, double[] dst, int dstPos, int len);

  /** Elements in use in the FLOAT arena. */
  public long usedFloats() {
    return allocator(DType.FLOAT).used();
  }

  @Override
  public abstract void close();

  /** Whether {@link #close} has been called. */
  public abstract boolean isClosed();

  @Override
  public String toString() {
    return name() + " (" + description() + ")";
  }
}
