package io.batchwise.collective.algorithm;

import io.batchwise.collective.CollectiveMismatchException;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.WireFormat;
import io.batchwise.collective.wire.WireFormat.DType;
import io.batchwise.collective.wire.WireFormat.Header;
import io.batchwise.collective.wire.WireFormat.Op;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One collective call as the algorithms see it: sends elements to peers in DATA frames stamped with
 * this call's identity (op, dtype, count, sequence, aux) and a per-peer frame counter, and checks
 * every received frame against the same identity. The first disagreement becomes a {@link
 * CollectiveMismatchException} naming both calls.
 */
public final class Call {
  private final Links links;
  private final Op op;
  private final DType dtype;
  private final long sequence;
  private final int count;
  private final int aux;
  private final long deadlineNanos;
  private final int[] sent;
  private final int[] received;
  private final int chunkElements;

  public Call(Links links, Op op, DType dtype, long sequence, int count, int aux, int chunkBytes,
      long deadlineNanos) {
    this.links = links;
    this.op = op;
    this.dtype = dtype;
    this.sequence = sequence;
    this.count = count;
    this.aux = aux;
    this.deadlineNanos = deadlineNanos;
    this.sent = new int[links.size()];
    this.received = new int[links.size()];
    this.chunkElements = dtype.bytes == 0 ? Integer.MAX_VALUE : Math.max(1, chunkBytes / dtype.bytes);
  }

  public int rank() {
    return links.rank();
  }

  public int size() {
    return links.size();
  }

  /** Elements per DATA frame when a range is split into chunks. */
  public int chunkElements() {
    return chunkElements;
  }

  /** Number of frames a range of {@code n} elements travels in (at least one, even when empty). */
  public int chunks(int n) {
    return n == 0 ? 1 : (int) (((long) n + chunkElements - 1) / chunkElements);
  }

  /** Human form of this call. */
  public String describe() {
    return WireFormat.describe(op, dtype, count, sequence, aux);
  }

  /** Sends elements [from, from + n) of {@code v} to {@code peer} in one frame. */
  public void send(int peer, Vec v, int from, int n) {
    int bytes = n * dtype.bytes;
    ByteBuf buf = links.alloc().directBuffer(WireFormat.HEADER_BYTES + bytes);
    WireFormat.writeHeader(buf,
        new Header(WireFormat.Type.DATA, op, dtype, sequence, sent[peer]++, count, aux, bytes));
    if (n > 0) {
      v.write(buf, from, n);
    }
    links.send(peer, buf);
  }

  /**
   * Sends {@code payload} (n elements, little-endian; ownership passes to the transport) to
   * {@code peer} behind a fresh header of this call: the header and the payload go out as one
   * composite buffer, so a received payload is forwarded without copying it.
   */
  public void forward(int peer, ByteBuf payload, int n) {
    int bytes = n * dtype.bytes;
    if (payload.readableBytes() != bytes) {
      payload.release();
      throw new IllegalArgumentException("forwarded payload has " + payload.readableBytes()
          + " bytes, " + n + " elements need " + bytes);
    }
    ByteBuf header = links.alloc().directBuffer(WireFormat.HEADER_BYTES);
    WireFormat.writeHeader(header,
        new Header(WireFormat.Type.DATA, op, dtype, sequence, sent[peer]++, count, aux, bytes));
    links.send(peer, Unpooled.wrappedBuffer(header, payload));
  }

  /**
   * Receives the next frame from {@code peer}, which must carry {@code n} elements of this call.
   * The caller releases it.
   */
  public Frame receive(int peer, int n) {
    return check(peer, receiveRaw(peer), n);
  }

  /** The next frame from {@code peer}, unchecked (blocking until the call's deadline). */
  Frame receiveRaw(int peer) {
    return links.receive(peer, deadlineNanos, this);
  }

  /**
   * Checks that {@code f}, the next frame from {@code peer}, belongs to this call and carries
   * {@code n} elements, and counts it. On a mismatch releases it, breaks the group (through
   * {@link Links#fail}) and throws {@link CollectiveMismatchException} naming both calls.
   */
  public Frame check(int peer, Frame f, int n) {
    Header h = f.header();
    int expectedChunk = received[peer]++;
    String problem = null;
    if (h.sequence() != sequence || h.op() != op || h.dtype() != dtype || h.count() != count
        || h.aux() != aux) {
      problem = "rank " + links.rank() + " called " + describe() + " but rank " + peer
          + " sent " + h.describeCall();
    } else if (h.chunk() != expectedChunk || h.payloadLength() != n * dtype.bytes) {
      problem = "rank " + links.rank() + " and rank " + peer + " split " + describe()
          + " differently: expected frame " + expectedChunk + " with " + n * dtype.bytes
          + " bytes, got frame " + h.chunk() + " with " + h.payloadLength()
          + " bytes (do chunkBytes and smallMessageMaxBytes agree on every rank?)";
    }
    if (problem != null) {
      f.release();
      throw links.fail(new CollectiveMismatchException(problem));
    }
    return f;
  }

  /** The sequence number of this call (the n-th collective of the group). */
  public long sequence() {
    return sequence;
  }

  /** The deadline of this call on the System.nanoTime scale. */
  public long deadlineNanos() {
    return deadlineNanos;
  }
}
