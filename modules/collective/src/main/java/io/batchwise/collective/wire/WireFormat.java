package io.batchwise.collective.wire;

import io.netty.buffer.ByteBuf;

/**
 * The collective's frame format, version 1. Every message between two ranks, handshake included, is
 * one frame: a fixed 32-byte header followed by {@code payloadLength} bytes of payload.
 *
 * <pre>
 * offset size field           meaning
 * ------ ---- --------------- --------------------------------------------------------------------
 *      0    4 magic           0x42574331, ASCII "BWC1" (big-endian, like every header field)
 *      4    1 version         1
 *      5    1 type            {@link Type}: 1 HELLO, 2 CHALLENGE, 3 RESPONSE, 4 WELCOME (handshake,
 *                             Kryo payload), 16 DATA (elements), 17 ABORT (Kryo payload)
 *      6    1 op              {@link Op} of the collective: 0 none, 1 allReduceSum, 2 broadcast,
 *                             3 barrier
 *      7    1 dtype           {@link DType} of the elements: 0 none, 1 float32, 2 float64
 *      8    8 sequence        collective sequence number: the n-th collective of the group (from 1)
 *     16    4 chunk           index of this frame among the frames of this collective sent on this
 *                             connection, from 0 (detects loss, duplication and reordering)
 *     20    4 count           number of elements of the whole collective call (not of this frame)
 *     24    4 aux             op-specific: algorithm id for allReduceSum (1 recursive doubling,
 *                             2 ring, 3 direct exchange), root rank for broadcast
 *     28    4 payloadLength   bytes that follow the header; bounded before anything is allocated:
 *                             at most {@link #CONTROL_MAX_PAYLOAD} for handshake and abort frames,
 *                             at most the configured data bound (never above {@link
 *                             #HARD_MAX_PAYLOAD}) for DATA frames, and DATA only after the handshake
 *     32    n payload         DATA: elements in little-endian IEEE 754 (the native order of x86 and
 *                             ARM, so arrays go to the wire with one bulk copy); others: Kryo
 * </pre>
 *
 * <p>Op, dtype, count and aux travel in every DATA frame so that a rank can tell, on the first
 * frame, that its peer called a different collective or a different size, and say both.
 */
public final class WireFormat {
  public static final int MAGIC = 0x42574331;
  public static final byte VERSION = 1;
  public static final int HEADER_BYTES = 32;
  /** Upper bound of a handshake or abort payload (before authentication nothing larger is read). */
  public static final int CONTROL_MAX_PAYLOAD = 4096;
  /** Upper bound of any DATA payload whatever the configuration says. */
  public static final int HARD_MAX_PAYLOAD = 64 << 20;

  static final int OFF_MAGIC = 0;
  static final int OFF_VERSION = 4;
  static final int OFF_TYPE = 5;
  static final int OFF_OP = 6;
  static final int OFF_DTYPE = 7;
  static final int OFF_SEQUENCE = 8;
  static final int OFF_CHUNK = 16;
  static final int OFF_COUNT = 20;
  static final int OFF_AUX = 24;
  static final int OFF_LENGTH = 28;

  private WireFormat() {}

  /** Frame types. Handshake types and ABORT carry Kryo payloads, DATA carries elements. */
  public enum Type {
    HELLO(1), CHALLENGE(2), RESPONSE(3), WELCOME(4), DATA(16), ABORT(17);

    public final int code;

    Type(int code) {
      this.code = code;
    }

    /** Whether the payload is a small Kryo control message bounded by CONTROL_MAX_PAYLOAD. */
    public boolean isControl() {
      return this != DATA;
    }

    /** The type with this code, or null when there is none. */
    public static Type of(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /** The collective a DATA frame belongs to. */
  public enum Op {
    NONE(0, "none"), ALL_REDUCE_SUM(1, "allReduceSum"), BROADCAST(2, "broadcast"),
    BARRIER(3, "barrier");

    public final int code;
    public final String label;

    Op(int code, String label) {
      this.code = code;
      this.label = label;
    }

    public static Op of(int code) {
      for (Op o : values()) {
        if (o.code == code) {
          return o;
        }
      }
      return null;
    }
  }

  /** Element type of a DATA frame. */
  public enum DType {
    NONE(0, 0, "none"), F32(1, 4, "float"), F64(2, 8, "double");

    public final int code;
    public final int bytes;
    public final String label;

    DType(int code, int bytes, String label) {
      this.code = code;
      this.bytes = bytes;
      this.label = label;
    }

    public static DType of(int code) {
      for (DType d : values()) {
        if (d.code == code) {
          return d;
        }
      }
      return null;
    }
  }

  /** A decoded header. {@code payloadLength} is the number of bytes after the header. */
  public record Header(Type type, Op op, DType dtype, long sequence, int chunk, int count, int aux,
      int payloadLength) {

    /** A header of a control frame (no collective attached). */
    public static Header control(Type type, int payloadLength) {
      return new Header(type, Op.NONE, DType.NONE, 0, 0, 0, 0, payloadLength);
    }

    /** What a human needs to compare two calls: "allReduceSum(float[1000]) #5 [aux 2]". */
    public String describeCall() {
      return describe(op, dtype, count, sequence, aux);
    }
  }

  /** Human form of a collective call, used in mismatch errors. */
  public static String describe(Op op, DType dtype, int count, long sequence, int aux) {
    String what = switch (op) {
      case BARRIER -> "barrier()";
      case BROADCAST -> "broadcast(" + dtype.label + "[" + count + "], root " + aux + ")";
      case ALL_REDUCE_SUM -> "allReduceSum(" + dtype.label + "[" + count + "]) by "
          + algorithmName(aux);
      default -> op.label;
    };
    return what + " as collective #" + sequence;
  }

  /** Algorithm ids carried in {@code aux} of allReduceSum frames. */
  public static final int ALGORITHM_RECURSIVE_DOUBLING = 1;
  public static final int ALGORITHM_RING = 2;
  public static final int ALGORITHM_DIRECT = 3;
  /** Through the shared-memory segment of a group on one host (no frames on the wire). */
  public static final int ALGORITHM_SHARED_MEMORY = 4;

  static String algorithmName(int aux) {
    return switch (aux) {
      case ALGORITHM_RECURSIVE_DOUBLING -> "recursive doubling";
      case ALGORITHM_RING -> "ring";
      case ALGORITHM_DIRECT -> "direct exchange";
      case ALGORITHM_SHARED_MEMORY -> "shared memory";
      default -> "algorithm " + aux;
    };
  }

  /** Writes a header at the writer index of {@code out}. */
  public static void writeHeader(ByteBuf out, Header h) {
    out.writeInt(MAGIC);
    out.writeByte(VERSION);
    out.writeByte(h.type().code);
    out.writeByte(h.op().code);
    out.writeByte(h.dtype().code);
    out.writeLong(h.sequence());
    out.writeInt(h.chunk());
    out.writeInt(h.count());
    out.writeInt(h.aux());
    out.writeInt(h.payloadLength());
  }

  /**
   * Reads the header starting at {@code at} without moving any index. The caller has checked that
   * HEADER_BYTES are readable and that {@link #firstViolation} found nothing.
   */
  static Header readHeader(ByteBuf in, int at) {
    return new Header(
        Type.of(in.getUnsignedByte(at + OFF_TYPE)),
        Op.of(in.getUnsignedByte(at + OFF_OP)),
        DType.of(in.getUnsignedByte(at + OFF_DTYPE)),
        in.getLong(at + OFF_SEQUENCE),
        in.getInt(at + OFF_CHUNK),
        in.getInt(at + OFF_COUNT),
        in.getInt(at + OFF_AUX),
        in.getInt(at + OFF_LENGTH));
  }

  /**
   * Checks as much of the header as is readable at {@code at} (so that garbage is refused on its
   * first bytes, not after a 32-byte wait) and returns a description of the first violation, or
   * null. {@code maxDataPayload} is the bound for DATA frames; a negative value means DATA frames
   * are not allowed yet (handshake not done).
   */
  static String firstViolation(ByteBuf in, int at, int readable, int maxDataPayload) {
    for (int i = 0; i < Math.min(4, readable); i++) {
      int expected = (MAGIC >>> (24 - 8 * i)) & 0xff;
      int got = in.getUnsignedByte(at + i);
      if (got != expected) {
        return String.format("bad magic byte %d: 0x%02x, expected 0x%02x (not a Batchwise "
            + "collective peer)", i, got, expected);
      }
    }
    if (readable > OFF_VERSION && in.getByte(at + OFF_VERSION) != VERSION) {
      return "unsupported protocol version " + in.getUnsignedByte(at + OFF_VERSION)
          + ", this side speaks " + VERSION;
    }
    Type type = null;
    if (readable > OFF_TYPE) {
      type = Type.of(in.getUnsignedByte(at + OFF_TYPE));
      if (type == null) {
        return "unknown frame type " + in.getUnsignedByte(at + OFF_TYPE);
      }
      if (type == Type.DATA && maxDataPayload < 0) {
        return "DATA frame before the handshake completed";
      }
    }
    if (readable > OFF_OP && Op.of(in.getUnsignedByte(at + OFF_OP)) == null) {
      return "unknown collective op " + in.getUnsignedByte(at + OFF_OP);
    }
    if (readable > OFF_DTYPE && DType.of(in.getUnsignedByte(at + OFF_DTYPE)) == null) {
      return "unknown element type " + in.getUnsignedByte(at + OFF_DTYPE);
    }
    if (readable >= OFF_CHUNK + 4 && in.getInt(at + OFF_CHUNK) < 0) {
      return "negative chunk index " + in.getInt(at + OFF_CHUNK);
    }
    if (readable >= OFF_COUNT + 4 && in.getInt(at + OFF_COUNT) < 0) {
      return "negative element count " + in.getInt(at + OFF_COUNT);
    }
    if (readable >= OFF_LENGTH + 4) {
      int length = in.getInt(at + OFF_LENGTH);
      int bound = type.isControl() ? CONTROL_MAX_PAYLOAD : maxDataPayload;
      if (length < 0 || length > bound) {
        return "payload length " + (length & 0xffffffffL) + " of a " + type
            + " frame is outside [0, " + bound + "]";
      }
    }
    return null;
  }
}
