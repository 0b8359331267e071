package io.batchwise.collective.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Control messages (handshake and abort) and their Kryo 4 encoding.
 *
 * <p>Every message has a hand-written Kryo serializer rather than Kryo's field serializer: the
 * bytes come from unauthenticated peers, and Kryo's own string and array readers allocate whatever
 * length the input claims. Here every length is checked against what is left of the (already
 * bounded, at most CONTROL_MAX_PAYLOAD) payload and against a per-field maximum before reading.
 * Registration is required, so no class name is ever read from the wire.
 */
public final class ControlCodec {
  /** Fixed size of handshake nonces, in bytes. */
  public static final int NONCE_BYTES = 32;
  /** Size of an HMAC-SHA256 tag, in bytes. */
  public static final int MAC_BYTES = 32;
  static final int MAX_JOB_ID_BYTES = 256;
  static final int MAX_MESSAGE_BYTES = 2048;
  static final int MAX_RANKS_LISTED = 256;

  /** Client to server: who I am and my fresh nonce. */
  public record Hello(int protocol, String jobId, int rank, int size, byte[] nonce) {}

  /** Server to client: who I am, my fresh nonce, and my proof over both nonces. */
  public record Challenge(String jobId, int rank, int size, byte[] nonce, byte[] mac) {}

  /** Client to server: the client's proof over both nonces. */
  public record Response(byte[] mac) {}

  /** Server to client: proof accepted, data may flow. */
  public record Welcome(int rank) {}

  /**
   * Any rank to every peer: the group is broken. {@code kind} is one of the constants below,
   * {@code ranks} the ranks the failure is about (lost, not heard from, mismatched).
   */
  public record Abort(int kind, int[] ranks, String message) {
    public static final int PEER_LOST = 1;
    public static final int TIMEOUT = 2;
    public static final int MISMATCH = 3;
    public static final int OTHER = 4;
  }

  private static final ThreadLocal<Kryo> KRYO = ThreadLocal.withInitial(ControlCodec::newKryo);

  private ControlCodec() {}

  private static Kryo newKryo() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.register(Hello.class, new HelloSerializer(), 20);
    kryo.register(Challenge.class, new ChallengeSerializer(), 21);
    kryo.register(Response.class, new ResponseSerializer(), 22);
    kryo.register(Welcome.class, new WelcomeSerializer(), 23);
    kryo.register(Abort.class, new AbortSerializer(), 24);
    return kryo;
  }

  /** The frame type that carries a message of this class. */
  public static WireFormat.Type typeOf(Object message) {
    if (message instanceof Hello) {
      return WireFormat.Type.HELLO;
    } else if (message instanceof Challenge) {
      return WireFormat.Type.CHALLENGE;
    } else if (message instanceof Response) {
      return WireFormat.Type.RESPONSE;
    } else if (message instanceof Welcome) {
      return WireFormat.Type.WELCOME;
    } else if (message instanceof Abort) {
      return WireFormat.Type.ABORT;
    }
    throw new IllegalArgumentException("not a control message: " + message);
  }

  /** Encodes a control message into a control frame. */
  public static Frame encode(Object message) {
    Output out = new Output(256, WireFormat.CONTROL_MAX_PAYLOAD);
    try {
      KRYO.get().writeObject(out, message);
    } catch (KryoException e) {
      throw new IllegalArgumentException("control message larger than "
          + WireFormat.CONTROL_MAX_PAYLOAD + " bytes: " + message, e);
    }
    return Frame.control(typeOf(message), out.toBytes());
  }

  /**
   * Decodes the payload of a control frame; the payload must be consumed exactly.
   *
   * @throws IllegalArgumentException naming the problem when the bytes are not a valid message
   */
  public static Object decode(Frame frame) {
    Class<?> type = switch (frame.header().type()) {
      case HELLO -> Hello.class;
      case CHALLENGE -> Challenge.class;
      case RESPONSE -> Response.class;
      case WELCOME -> Welcome.class;
      case ABORT -> Abort.class;
      default -> throw new IllegalArgumentException("not a control frame: " + frame.header());
    };
    byte[] bytes = ByteBufUtil.getBytes(frame.payload());
    Input in = new Input(bytes);
    Object message;
    try {
      message = KRYO.get().readObject(in, type);
    } catch (KryoException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("malformed " + frame.header().type() + " message: "
          + e.getMessage(), e);
    }
    if (in.position() != bytes.length) {
      throw new IllegalArgumentException("malformed " + frame.header().type() + " message: "
          + (bytes.length - in.position()) + " trailing bytes");
    }
    return message;
  }

  static void writeBytes(Output out, byte[] b) {
    out.writeVarInt(b.length, true);
    out.writeBytes(b);
  }

  /** Reads a length-prefixed byte array, refusing lengths above {@code max} or the input left. */
  static byte[] readBytes(Input in, int max, String what) {
    int n = in.readVarInt(true);
    int left = in.limit() - in.position();
    if (n < 0 || n > max || n > left) {
      throw new KryoException(what + " length " + n + " outside [0, " + Math.min(max, left) + "]");
    }
    return in.readBytes(n);
  }

  static void writeString(Output out, String s) {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  static String readString(Input in, int maxBytes, String what) {
    return new String(readBytes(in, maxBytes, what), StandardCharsets.UTF_8);
  }

  static byte[] readFixed(Input in, int size, String what) {
    byte[] b = readBytes(in, size, what);
    if (b.length != size) {
      throw new KryoException(what + " has " + b.length + " bytes, expected " + size);
    }
    return b;
  }

  private static final class HelloSerializer extends Serializer<Hello> {
    @Override
    public void write(Kryo kryo, Output out, Hello m) {
      out.writeVarInt(m.protocol(), true);
      writeString(out, m.jobId());
      out.writeVarInt(m.rank(), true);
      out.writeVarInt(m.size(), true);
      writeBytes(out, m.nonce());
    }

    @Override
    public Hello read(Kryo kryo, Input in, Class<Hello> type) {
      return new Hello(in.readVarInt(true), readString(in, MAX_JOB_ID_BYTES, "job id"),
          in.readVarInt(true), in.readVarInt(true), readFixed(in, NONCE_BYTES, "nonce"));
    }
  }

  private static final class ChallengeSerializer extends Serializer<Challenge> {
    @Override
    public void write(Kryo kryo, Output out, Challenge m) {
      writeString(out, m.jobId());
      out.writeVarInt(m.rank(), true);
      out.writeVarInt(m.size(), true);
      writeBytes(out, m.nonce());
      writeBytes(out, m.mac());
    }

    @Override
    public Challenge read(Kryo kryo, Input in, Class<Challenge> type) {
      return new Challenge(readString(in, MAX_JOB_ID_BYTES, "job id"), in.readVarInt(true),
          in.readVarInt(true), readFixed(in, NONCE_BYTES, "nonce"), readFixed(in, MAC_BYTES, "mac"));
    }
  }

  private static final class ResponseSerializer extends Serializer<Response> {
    @Override
    public void write(Kryo kryo, Output out, Response m) {
      writeBytes(out, m.mac());
    }

    @Override
    public Response read(Kryo kryo, Input in, Class<Response> type) {
      return new Response(readFixed(in, MAC_BYTES, "mac"));
    }
  }

  private static final class WelcomeSerializer extends Serializer<Welcome> {
    @Override
    public void write(Kryo kryo, Output out, Welcome m) {
      out.writeVarInt(m.rank(), true);
    }

    @Override
    public Welcome read(Kryo kryo, Input in, Class<Welcome> type) {
      return new Welcome(in.readVarInt(true));
    }
  }

  private static final class AbortSerializer extends Serializer<Abort> {
    @Override
    public void write(Kryo kryo, Output out, Abort m) {
      out.writeVarInt(m.kind(), true);
      int listed = Math.min(m.ranks().length, MAX_RANKS_LISTED);
      out.writeVarInt(listed, true);
      for (int i = 0; i < listed; i++) {
        out.writeVarInt(m.ranks()[i], true);
      }
      byte[] text = m.message().getBytes(StandardCharsets.UTF_8);
      if (text.length > MAX_MESSAGE_BYTES) {
        text = java.util.Arrays.copyOf(text, MAX_MESSAGE_BYTES);
      }
      writeBytes(out, text);
    }

    @Override
    public Abort read(Kryo kryo, Input in, Class<Abort> type) {
      int kind = in.readVarInt(true);
      int n = in.readVarInt(true);
      if (n < 0 || n > MAX_RANKS_LISTED) {
        throw new KryoException("abort lists " + n + " ranks, at most " + MAX_RANKS_LISTED);
      }
      int[] ranks = new int[n];
      for (int i = 0; i < n; i++) {
        ranks[i] = in.readVarInt(true);
      }
      return new Abort(kind, ranks, readString(in, MAX_MESSAGE_BYTES, "message"));
    }
  }
}
