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
      if (incomingFirst) {
        for (int i = 0; i < n; i++) {
          a[from + i] = src.get(i) + a[from + i];
        }
      } else {
        for (int i = 0; i < n; i++) {
          a[from + i] = a[from + i] + src.get(i);
        }
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      readable(in, n * 4).asFloatBuffer().get(a, from, n);
    }
  }

  private static final class DoubleArrayVec extends Vec {
    private final double[] a;

    DoubleArrayVec(double[] a) {
      this.a = a;
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
      if (incomingFirst) {
        for (int i = 0; i < n; i++) {
          a[from + i] = src.get(i) + a[from + i];
        }
      } else {
        for (int i = 0; i < n; i++) {
          a[from + i] = a[from + i] + src.get(i);
        }
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      readable(in, n * 8).asDoubleBuffer().get(a, from, n);
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
      int o = base + from;
      if (incomingFirst) {
        for (int i = 0; i < n; i++) {
          b.put(o + i, src.get(i) + b.get(o + i));
        }
      } else {
        for (int i = 0; i < n; i++) {
          b.put(o + i, b.get(o + i) + src.get(i));
        }
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      FloatBuffer dst = b.duplicate();
      dst.limit(base + from + n).position(base + from);
      dst.put(readable(in, n * 4).asFloatBuffer());
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
      int o = base + from;
      if (incomingFirst) {
        for (int i = 0; i < n; i++) {
          b.put(o + i, src.get(i) + b.get(o + i));
        }
      } else {
        for (int i = 0; i < n; i++) {
          b.put(o + i, b.get(o + i) + src.get(i));
        }
      }
    }

    @Override
    public void copy(ByteBuf in, int from, int n) {
      DoubleBuffer dst = b.duplicate();
      dst.limit(base + from + n).position(base + from);
      dst.put(readable(in, n * 8).asDoubleBuffer());
    }
  }
}
