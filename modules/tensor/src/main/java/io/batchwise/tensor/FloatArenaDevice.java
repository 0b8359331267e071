package io.batchwise.tensor;

/**
 * Base of the float-precision devices: one {@code float[]} arena for FLOAT tensors and one
 * {@code double[]} arena for DOUBLE tensors. Both arrays are allocated once and never replaced, so
 * kernels can be handed the same arrays on every launch (see {@link ArenaAllocator} for why).
 */
public abstract class FloatArenaDevice extends Device {
  /** Blocks start on 64-byte boundaries relative to the arena start (16 floats, 8 doubles). */
  public static final int FLOAT_ALIGNMENT = 16;
  public static final int DOUBLE_ALIGNMENT = 8;

  protected final float[] floats;
  protected final double[] doubles;
  private final ArenaAllocator floatAllocator;
  private final ArenaAllocator doubleAllocator;

  protected FloatArenaDevice(String name, DeviceOptions options) {
    this.floats = new float[options.floatElements()];
    this.doubles = new double[options.doubleElements()];
    this.floatAllocator = new ArenaAllocator(name + " float arena", floats.length, FLOAT_ALIGNMENT);
    this.doubleAllocator = new ArenaAllocator(name + " double arena", doubles.length, DOUBLE_ALIGNMENT);
  }

  /** The FLOAT arena; a tensor's elements are {@code floats()[t.offset() .. t.offset() + t.size())}. */
  public final float[] floats() {
    return floats;
  }

  /** The DOUBLE arena. */
  public final double[] doubles() {
    return doubles;
  }

  @Override
  protected final ArenaAllocator allocator(DType dtype) {
    return dtype == DType.FLOAT ? floatAllocator : doubleAllocator;
  }

  @Override
  protected void write(Tensor t, int pos, float[] src, int srcPos, int len) {
    if (t.dtype() == DType.FLOAT) {
      System.arraycopy(src, srcPos, floats, t.offset() + pos, len);
    } else {
      int base = t.offset() + pos;
      for (int i = 0; i < len; i++) {
        doubles[base + i] = src[srcPos + i];
      }
    }
  }

  @Override
  protected void write(Tensor t, int pos, double[] src, int srcPos, int len) {
    if (t.dtype() == DType.DOUBLE) {
      System.arraycopy(src, srcPos, doubles, t.offset() + pos, len);
    } else {
      int base = t.offset() + pos;
      for (int i = 0; i < len; i++) {
        floats[base + i] = (float) src[srcPos + i];
      }
    }
  }

  @Override
  protected void read(Tensor t, int pos, float[] dst, int dstPos, int len) {
    if (t.dtype() == DType.FLOAT) {
      System.arraycopy(floats, t.offset() + pos, dst, dstPos, len);
    } else {
      int base = t.offset() + pos;
      for (int i = 0; i < len; i++) {
        dst[dstPos + i] = (float) doubles[base + i];
      }
    }
  }

  @Override
  protected void read(Tensor t, int pos, double[] dst, int dstPos, int len) {
    if (t.dtype() == DType.DOUBLE) {
      System.arraycopy(doubles, t.offset() + pos, dst, dstPos, len);
    } else {
      int base = t.offset() + pos;
      for (int i = 0; i < len; i++) {
        dst[dstPos + i] = floats[base + i];
      }
    }
  }
}
