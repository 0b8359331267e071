package io.batchwise.collective.algorithm;

import io.batchwise.collective.wire.WireFormat.DType;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The elements of one collective call, seen as a vector of {@link #length()} floats or doubles.
 * Moves elements to and from wire payloads (little-endian) with bulk NIO copies: no boxing, no
 * per-element Java objects; the only per-element loop is the addition itself.
 */
public abstract class Vec {
  public abstract int length();

  public abstract DType dtype();

  /** Appends elements [from, from + n) to {@code out} as little-endian bytes. */
  public abstract void write(ByteBuf out, int from, int n);

  /**
   * Adds the n elements of {@code in} (readable bytes, little-endian) into [from, from + n).
   * {@code incomingFirst}: the incoming operand is the left one of each addition (the canonical
   * order puts the lower rank's operand first).
   */
  public abstract void add(ByteBuf in, int from, int n, boolean incomingFirst);

  /** Overwrites [from, from + n) with the n elements of {@code in}. */
  public abstract void copy(ByteBuf in, int from, int n);

  /**
   * The other way round from {@link #add}: adds [from, from + n) into the n elements of {@code
   * in}, in place, so that the payload can be forwarded as it is; with {@code store} the sums
   * are also written to [from, from + n). Same operands in the same order as {@link #add}, so the
   * same bits. {@code in} must expose its payload as one NIO buffer that shares its memory
   * ({@code nioBufferCount() == 1}, not read-only).
   */
  public abstract void addIntoPayload(ByteBuf in, int from, int n, boolean incomingFirst,
      boolean store);

  /** Element i (float vectors). */
  abstract float getFloat(int i);

  abstract void setFloat(int i, float x);

  /** Element i (double vectors). */
  abstract double getDouble(int i);

  abstract void setDouble(int i, double x);

  /**
   * Replaces every element with the sum of all ranks' elements taken in rank order,
   * ((x_0 + x_1) + x_2) + ..., where {@code in[j]} holds rank j's elements and this vector holds
   * rank {@code self}'s ({@code in[self]} is ignored). Every rank that evaluates this with the
   * same inputs gets the same bits.
   */
  public void sumInRankOrder(ByteBuf[] in, int self) {
    int n = length();
    int ranks = in.length;
    if (dtype() == DType.F32) {
      FloatBuffer[] src = new FloatBuffer[ranks];
      for (int j = 0; j < ranks; j++) {
        src[j] = j == self ? null : readable(in[j], n * 4).asFloatBuffer();
      }
      for (int i = 0; i < n; i++) {
        float acc = self == 0 ? getFloat(i) : src[0].get(i);
        for (int j = 1; j < ranks; j++) {
          acc = acc + (j == self ? getFloat(i) : src[j].get(i));
        }
        setFloat(i, acc);
      }
    } else {
      DoubleBuffer[] src = new DoubleBuffer[ranks];
      for (int j = 0; j < ranks; j++) {
        src[j] = j == self ? null : readable(in[j], n * 8).asDoubleBuffer();
      }
      for (int i = 0; i < n; i++) {
        double acc = self == 0 ? getDouble(i) : src[0].get(i);
        for (int j = 1; j < ranks; j++) {
          acc = acc + (j == self ? getDouble(i) : src[j].get(i));
        }
        setDouble(i, acc);
      }
    }
  }

  public static Vec of(float[] a) {
    return new FloatArrayVec(a);
  }

  public static Vec of(double[] a) {
    return new DoubleArrayVec(a);
  }

  public static Vec of(FloatBuffer b) {
    return new FloatBufferVec(b);
  }

  public static Vec of(DoubleBuffer b) {
    return new DoubleBufferVec(b);
  }

  /** An empty vector (barrier). */
  public static Vec empty() {
    return new FloatArrayVec(new float[0]);
  }

  /**
   * Elements per block of the additions: the incoming block is first copied out of the (direct)
   * payload into a small per-thread array with one bulk copy, then added with a plain array loop
   * the JIT vectorizes; 8192 floats (32 KB) stay in the L1/L2 cache. An element-wise loop over a
   * direct FloatBuffer is not vectorized and was the slowest part of a ring step.
   */
  static final int BLOCK = 8192;

  private static final ThreadLocal<float[][]> FLOAT_SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[BLOCK], new float[BLOCK]});
  private static final ThreadLocal<double[][]> DOUBLE_SCRATCH =
      ThreadLocal.withInitial(() -> new double[][] {new double[BLOCK], new double[BLOCK]});

  /** dst[o..o+n) = x[0..n) + dst[o..o+n) (incomingFirst) or dst + x; same bits either way. */
  static void addInto(float[] dst, int o, float[] x, int n, boolean incomingFirst) {
    if (incomingFirst) {
      for (int i = 0; i < n; i++) {
        dst[o + i] = x[i] + dst[o + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        dst[o + i] = dst[o + i] + x[i];
      }
    }
  }

  /** x[0..n) = x + a[o..o+n) (incomingFirst, x is the incoming operand) or a + x. */
  static void addFrom(float[] x, float[] a, int o, int n, boolean incomingFirst) {
    if (incomingFirst) {
      for (int i = 0; i < n; i++) {
        x[i] = x[i] + a[o + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        x[i] = a[o + i] + x[i];
      }
    }
  }

  static void addFrom(double[] x, double[] a, int o, int n, boolean incomingFirst) {
    if (incomingFirst) {
      for (int i = 0; i < n; i++) {
        x[i] = x[i] + a[o + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        x[i] = a[o + i] + x[i];
      }
    }
  }

  static void addInto(double[] dst, int o, double[] x, int n, boolean incomingFirst) {
    if (incomingFirst) {
      for (int i = 0; i < n; i++) {
        dst[o + i] = x[i] + dst[o + i];
      }
    } else {
      for (int i = 0; i < n; i++) {
        dst[o + i] = dst[o + i] + x[i];
      }
    }
  }

  /** Little-endian view of the next {@code bytes} writable bytes of {@code out}. */
  static ByteBuffer writable(ByteBuf out, int bytes) {
    out.ensureWritable(bytes);
    return out.nioBuffer(out.writerIndex(), bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Little-endian view of the first {@code bytes} readable bytes of {@code in}. */
  static ByteBuffer readable(ByteBuf in, int bytes) {
    if (in.readableBytes() < bytes) {
      throw new IllegalArgumentException("payload has " + in.readableBytes() + " bytes, need "
          + bytes);
    }
    return in.nioBuffer(in.readerIndex(), bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static final class FloatArrayVec extends Vec {
    private final float[] a;

    FloatArrayVec(float[] a) {
      this.a = a;
    }

    @Override
    float getFloat(int i) {
      return a[i];
    }

    @Override
    void setFloat(int i, float x) {
      a[i] = x;
    }

    @Override
    double getDouble(int i) {
      throw new UnsupportedOperationException("not a double vector");
    }

    @Override
    void setDouble(int i, double x) {
      throw new UnsupportedOperationException("not a double vector");
    }

    @Override
    public int length() {
      return a.length;
    }

    @Override
    public DType dtype() {
      return DType.F32;
    }

    @Override
    public void write(ByteBuf out, int from, int n) {
      writable(out, n * 4).asFloatBuffer().put(a, from, n);
      out.writerIndex(out.writerIndex() + n * 4);
    }

    @Override
    public void add(ByteBuf in, int from, int n, boolean incomingFirst) {
      FloatBuffer src = readable(in, n * 4).asFloatBuffer();
      float[] x = FLOAT_SCRATCH.get()[0];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        src.get(x, 0, m);
        addInto(a, from + done, x, m, incomingFirst);
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      readable(in, n * 4).asFloatBuffer().get(a, from, n);
    }

    @Override
    public void addIntoPayload(ByteBuf in, int from, int n, boolean incomingFirst,
        boolean store) {
      FloatBuffer p = readable(in, n * 4).asFloatBuffer();
      float[] x = FLOAT_SCRATCH.get()[0];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        p.get(done, x, 0, m);
        addFrom(x, a, from + done, m, incomingFirst);
        p.put(done, x, 0, m);
        if (store) {
          System.arraycopy(x, 0, a, from + done, m);
        }
      }
    }
  }

  private static final class DoubleArrayVec extends Vec {
    private final double[] a;

    DoubleArrayVec(double[] a) {
      this.a = a;
    }

    @Override
    float getFloat(int i) {
      throw new UnsupportedOperationException("not a float vector");
    }

    @Override
    void setFloat(int i, float x) {
      throw new UnsupportedOperationException("not a float vector");
    }

    @Override
    double getDouble(int i) {
      return a[i];
    }

    @Override
    void setDouble(int i, double x) {
      a[i] = x;
    }

    @Override
    public int length() {
      return a.length;
    }

    @Override
    public DType dtype() {
      return DType.F64;
    }

    @Override
    public void write(ByteBuf out, int from, int n) {
      writable(out, n * 8).asDoubleBuffer().put(a, from, n);
      out.writerIndex(out.writerIndex() + n * 8);
    }

    @Override
    public void add(ByteBuf in, int from, int n, boolean incomingFirst) {
      DoubleBuffer src = readable(in, n * 8).asDoubleBuffer();
      double[] x = DOUBLE_SCRATCH.get()[0];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        src.get(x, 0, m);
        addInto(a, from + done, x, m, incomingFirst);
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      readable(in, n * 8).asDoubleBuffer().get(a, from, n);
    }

    @Override
    public void addIntoPayload(ByteBuf in, int from, int n, boolean incomingFirst,
        boolean store) {
      DoubleBuffer p = readable(in, n * 8).asDoubleBuffer();
      double[] x = DOUBLE_SCRATCH.get()[0];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        p.get(done, x, 0, m);
        addFrom(x, a, from + done, m, incomingFirst);
        p.put(done, x, 0, m);
        if (store) {
          System.arraycopy(x, 0, a, from + done, m);
        }
      }
    }
  }

  /** Elements position..limit of a FloatBuffer; absolute accesses only, so position stays put. */
  private static final class FloatBufferVec extends Vec {
    private final FloatBuffer b;
    private final int base;
    private final int length;

    FloatBufferVec(FloatBuffer b) {
      this.b = b;
      this.base = b.position();
      this.length = b.remaining();
    }

    @Override
    float getFloat(int i) {
      return b.get(base + i);
    }

    @Override
    void setFloat(int i, float x) {
      b.put(base + i, x);
    }

    @Override
    double getDouble(int i) {
      throw new UnsupportedOperationException("not a double vector");
    }

    @Override
    void setDouble(int i, double x) {
      throw new UnsupportedOperationException("not a double vector");
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public DType dtype() {
      return DType.F32;
    }

    @Override
    public void write(ByteBuf out, int from, int n) {
      FloatBuffer src = b.duplicate();
      src.limit(base + from + n).position(base + from);
      writable(out, n * 4).asFloatBuffer().put(src);
      out.writerIndex(out.writerIndex() + n * 4);
    }

    @Override
    public void add(ByteBuf in, int from, int n, boolean incomingFirst) {
      FloatBuffer src = readable(in, n * 4).asFloatBuffer();
      float[][] scratch = FLOAT_SCRATCH.get();
      float[] x = scratch[0];
      float[] y = scratch[1];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        int o = base + from + done;
        src.get(x, 0, m);
        b.get(o, y, 0, m);
        addInto(y, 0, x, m, incomingFirst);
        b.put(o, y, 0, m);
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      FloatBuffer dst = b.duplicate();
      dst.limit(base + from + n).position(base + from);
      dst.put(readable(in, n * 4).asFloatBuffer());
    }

    @Override
    public void addIntoPayload(ByteBuf in, int from, int n, boolean incomingFirst,
        boolean store) {
      FloatBuffer p = readable(in, n * 4).asFloatBuffer();
      float[][] scratch = FLOAT_SCRATCH.get();
      float[] x = scratch[0];
      float[] y = scratch[1];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        int o = base + from + done;
        p.get(done, x, 0, m);
        b.get(o, y, 0, m);
        addFrom(x, y, 0, m, incomingFirst);
        p.put(done, x, 0, m);
        if (store) {
          b.put(o, x, 0, m);
        }
      }
    }
  }

  private static final class DoubleBufferVec extends Vec {
    private final DoubleBuffer b;
    private final int base;
    private final int length;

    DoubleBufferVec(DoubleBuffer b) {
      this.b = b;
      this.base = b.position();
      this.length = b.remaining();
    }

    @Override
    float getFloat(int i) {
      throw new UnsupportedOperationException("not a float vector");
    }

    @Override
    void setFloat(int i, float x) {
      throw new UnsupportedOperationException("not a float vector");
    }

    @Override
    double getDouble(int i) {
      return b.get(base + i);
    }

    @Override
    void setDouble(int i, double x) {
      b.put(base + i, x);
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public DType dtype() {
      return DType.F64;
    }

    @Override
    public void write(ByteBuf out, int from, int n) {
      DoubleBuffer src = b.duplicate();
      src.limit(base + from + n).position(base + from);
      writable(out, n * 8).asDoubleBuffer().put(src);
      out.writerIndex(out.writerIndex() + n * 8);
    }

    @Override
    public void add(ByteBuf in, int from, int n, boolean incomingFirst) {
      DoubleBuffer src = readable(in, n * 8).asDoubleBuffer();
      double[][] scratch = DOUBLE_SCRATCH.get();
      double[] x = scratch[0];
      double[] y = scratch[1];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        int o = base + from + done;
        src.get(x, 0, m);
        b.get(o, y, 0, m);
        addInto(y, 0, x, m, incomingFirst);
        b.put(o, y, 0, m);
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      DoubleBuffer dst = b.duplicate();
      dst.limit(base + from + n).position(base + from);
      dst.put(readable(in, n * 8).asDoubleBuffer());
    }

    @Override
    public void addIntoPayload(ByteBuf in, int from, int n, boolean incomingFirst,
        boolean store) {
      DoubleBuffer p = readable(in, n * 8).asDoubleBuffer();
      double[][] scratch = DOUBLE_SCRATCH.get();
      double[] x = scratch[0];
      double[] y = scratch[1];
      for (int done = 0; done < n; done += BLOCK) {
        int m = Math.min(BLOCK, n - done);
        int o = base + from + done;
        p.get(done, x, 0, m);
        b.get(o, y, 0, m);
        addFrom(x, y, 0, m, incomingFirst);
        p.put(done, x, 0, m);
        if (store) {
          b.put(o, x, 0, m);
        }
      }
    }
  }
}
