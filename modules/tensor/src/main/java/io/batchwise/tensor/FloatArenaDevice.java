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

  /**
   * Smallest arena array in bytes. G1 never moves an object larger than half a heap region
   * ("humongous"), and regions are at most 32 MiB, so an array above 16 MiB stays where it is for
   * its whole life. That matters: when Aparapi sees a kernel argument's array at a new address it
   * re-pins it without releasing the old pin (Aparapi 3.0.2), and the JVM then hangs at its next
   * garbage collection. Collectors that compact large objects (Serial, Parallel) can still move
   * it; {@link #checkCollector()} warns about them.
   */
  public static final long MIN_ARENA_BYTES = (16L << 20) + 4096;

  protected FloatArenaDevice(String name, DeviceOptions options) {
    this.floats = new float[(int) Math.max(options.floatElements(), MIN_ARENA_BYTES / 4)];
    this.doubles = new double[(int) Math.max(options.doubleElements(), MIN_ARENA_BYTES / 8)];
    // The allocators hand out what the options asked for; the arrays may be larger (see above).
    this.floatAllocator =
        new ArenaAllocator(name + " float arena", options.floatElements(), FLOAT_ALIGNMENT);
    this.doubleAllocator =
        new ArenaAllocator(name + " double arena", options.doubleElements(), DOUBLE_ALIGNMENT);
  }

  /**
   * Warns on stderr when the JVM runs a collector that may move the arenas (anything but G1, ZGC
   * or Shenandoah); OpenCL devices call it when they open.
   */
  public static void checkCollector() {
    for (java.lang.management.GarbageCollectorMXBean gc
        : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      String n = gc.getName();
      if (n.startsWith("G1") || n.startsWith("ZGC") || n.startsWith("Shenandoah")) {
        return;
      }
    }
    System.err.println("WARNING: Batchwise OpenCL devices need a collector that never moves large"
        + " arrays (G1, the default, or ZGC/Shenandoah); run the JVM with -XX:+UseG1GC, otherwise"
        + " Aparapi may hang the JVM at a garbage collection.");
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
