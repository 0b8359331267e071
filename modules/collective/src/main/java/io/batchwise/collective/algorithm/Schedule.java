package io.batchwise.collective.algorithm;

import io.batchwise.collective.wire.Frame;
import io.netty.buffer.ByteBuf;

/**
 * One rank's part of a collective as a fixed sequence of steps, each moving one frame: send
 * elements [from, from + n) to a peer, or take the next frame from a peer and add it into (or copy
 * it over) [from, from + n). The algorithms ({@link RecursiveDoubling}, {@link Ring}, {@link
 * BinomialBroadcast}) only plan; who executes is the transport's choice:
 * <ul>
 *   <li>{@link #run(Call, Vec)} executes the steps in order on the calling thread, blocking on
 *       each receive (in-memory links in tests, and the communicator's caller-thread mode);</li>
 *   <li>the communicator's event-loop mode executes them on its Netty event-loop thread, resuming
 *       at the next step whenever a frame arrives: no thread hand-off per hop, and sends go to
 *       the socket from the thread that read the frame that allowed them.</li>
 * </ul>
 * Both execute the same steps in the same order, so they put the same bytes on the wire and get
 * the same bits.
 *
 * <p>Layout: {@value #STRIDE} ints per step: kind, peer (-1 for {@link #RECV_ALL_SUM}), from, n,
 * flags (1: the incoming operand goes first in additions; 2: a forwarding add also stores the
 * sums), to (the rank a forwarding step sends to, else -1).
 */
public final class Schedule {
  public static final int SEND = 1;
  public static final int RECV_ADD = 2;
  public static final int RECV_COPY = 3;
  /**
   * One frame from every other rank, then every element becomes the sum of all ranks' elements in
   * rank order ({@link Vec#sumInRankOrder}); the whole vector travels in each frame.
   */
  public static final int RECV_ALL_SUM = 4;
  /**
   * One frame from {@code peer}: [from, from + n) is added into its payload in place (and, with
   * the store flag, the sums are also written to [from, from + n)), and the payload goes on to
   * {@code to} as it is: the ring's receive-add-send of one chunk without copying it out and
   * back in.
   */
  public static final int RECV_ADD_FORWARD = 5;
  /** One frame from {@code peer}, copied over [from, from + n) and forwarded as it is to {@code to}. */
  public static final int RECV_COPY_FORWARD = 6;
  static final int STRIDE = 6;
  private static final int INCOMING_FIRST = 1;
  private static final int STORE = 2;

  private int[] steps = new int[STRIDE * 8];
  private int count;
  private final int chunkElements;

  /** An empty schedule whose ranges are cut into frames of at most {@code chunkElements}. */
  public Schedule(int chunkElements) {
    if (chunkElements < 1) {
      throw new IllegalArgumentException("chunkElements must be >= 1: " + chunkElements);
    }
    this.chunkElements = chunkElements;
  }

  /** Number of steps. */
  public int size() {
    return count;
  }

  public int kind(int step) {
    return steps[step * STRIDE];
  }

  public int peer(int step) {
    return steps[step * STRIDE + 1];
  }

  public int from(int step) {
    return steps[step * STRIDE + 2];
  }

  public int length(int step) {
    return steps[step * STRIDE + 3];
  }

  public boolean incomingFirst(int step) {
    return (steps[step * STRIDE + 4] & INCOMING_FIRST) != 0;
  }

  /** Whether a {@link #RECV_ADD_FORWARD} also writes the sums to the vector. */
  public boolean store(int step) {
    return (steps[step * STRIDE + 4] & STORE) != 0;
  }

  /** The rank a forwarding step sends to (-1 for other steps). */
  public int to(int step) {
    return steps[step * STRIDE + 5];
  }

  public int chunkElements() {
    return chunkElements;
  }

  /** Number of frames a range of {@code n} elements travels in (at least one, even when empty). */
  int chunks(int n) {
    return n == 0 ? 1 : (int) (((long) n + chunkElements - 1) / chunkElements);
  }

  private void add(int kind, int peer, int from, int n, boolean flag) {
    add(kind, peer, from, n, flag ? INCOMING_FIRST : 0, -1);
  }

  private void add(int kind, int peer, int from, int n, int flags, int to) {
    if (count * STRIDE == steps.length) {
      steps = java.util.Arrays.copyOf(steps, steps.length * 2);
    }
    int o = count * STRIDE;
    steps[o] = kind;
    steps[o + 1] = peer;
    steps[o + 2] = from;
    steps[o + 3] = n;
    steps[o + 4] = flags;
    steps[o + 5] = to;
    count++;
  }

  /** See {@link #RECV_ADD_FORWARD}. */
  void receiveAddForward(int peer, int from, int n, boolean incomingFirst, boolean store,
      int to) {
    add(RECV_ADD_FORWARD, peer, from, n, (incomingFirst ? INCOMING_FIRST : 0)
        | (store ? STORE : 0), to);
  }

  /** See {@link #RECV_COPY_FORWARD}. */
  void receiveCopyForward(int peer, int from, int n, int to) {
    add(RECV_COPY_FORWARD, peer, from, n, 0, to);
  }

  /** One frame: elements [from, from + n) to {@code peer}. */
  void send(int peer, int from, int n) {
    add(SEND, peer, from, n, false);
  }

  /** One frame from {@code peer}, added into [from, from + n). */
  void receiveAdd(int peer, int from, int n, boolean incomingFirst) {
    add(RECV_ADD, peer, from, n, incomingFirst);
  }

  /** One frame from {@code peer}, copied over [from, from + n). */
  void receiveCopy(int peer, int from, int n) {
    add(RECV_COPY, peer, from, n, false);
  }

  /** One frame from every other rank, summed in rank order over the whole vector of n. */
  void receiveAllSum(int n) {
    add(RECV_ALL_SUM, -1, 0, n, false);
  }

  /** Calls {@code step.accept(lo, hi)} for each chunk of [from, from + n), in order. */
  void forEachChunk(int from, int n, ChunkStep step) {
    int k = chunks(n);
    for (int i = 0; i < k; i++) {
      int lo = (int) Math.min((long) i * chunkElements, n);
      int hi = (int) Math.min((long) (i + 1) * chunkElements, n);
      step.accept(from + lo, hi - lo);
    }
  }

  void sendRange(int peer, int from, int n) {
    forEachChunk(from, n, (f, m) -> send(peer, f, m));
  }

  void receiveAddRange(int peer, int from, int n, boolean incomingFirst) {
    forEachChunk(from, n, (f, m) -> receiveAdd(peer, f, m, incomingFirst));
  }

  void receiveCopyRange(int peer, int from, int n) {
    forEachChunk(from, n, (f, m) -> receiveCopy(peer, f, m));
  }

  /** A chunk of a range: {@code n} elements from {@code from}. */
  @FunctionalInterface
  interface ChunkStep {
    void accept(int from, int n);
  }

  /** Executes a {@link #SEND} step. */
  public void send(Call c, Vec v, int step) {
    c.send(peer(step), v, from(step), length(step));
  }

  /**
   * Executes a receive step with the frame that arrived from its peer: checks it against the call
   * ({@link Call#check}), adds or copies it, and releases it.
   */
  public void receive(Call c, Vec v, int step, Frame f) {
    int n = length(step);
    c.check(peer(step), f, n);
    int kind = kind(step);
    if (kind == RECV_ADD_FORWARD || kind == RECV_COPY_FORWARD) {
      ByteBuf out = f.payload();
      if (out.nioBufferCount() != 1 || out.isReadOnly()) {
        // Not one shared NIO buffer (e.g. a composite): sum into a copy instead.
        ByteBuf copy = out.alloc().directBuffer(out.readableBytes());
        copy.writeBytes(out, out.readerIndex(), out.readableBytes());
        f.release();
        out = copy;
      }
      try {
        if (kind == RECV_ADD_FORWARD) {
          v.addIntoPayload(out, from(step), n, incomingFirst(step), store(step));
        } else {
          v.copy(out, from(step), n);
        }
      } catch (RuntimeException e) {
        out.release();
        throw e;
      }
      c.forward(to(step), out, n);
      return;
    }
    try {
      if (kind == RECV_ADD) {
        v.add(f.payload(), from(step), n, incomingFirst(step));
      } else {
        v.copy(f.payload(), from(step), n);
      }
    } finally {
      f.release();
    }
  }

  /**
   * Executes a {@link #RECV_ALL_SUM} step with {@code frames[j]}, the frame from rank j (null at
   * {@code self}): checks each, sums, and releases them all whatever happens.
   */
  public void receiveAll(Call c, Vec v, int step, Frame[] frames) {
    int self = c.rank();
    try {
      io.netty.buffer.ByteBuf[] payloads = new io.netty.buffer.ByteBuf[frames.length];
      for (int j = 0; j < frames.length; j++) {
        if (j != self) {
          Frame f = frames[j];
          frames[j] = null; // check() releases it on a mismatch
          c.check(j, f, length(step));
          frames[j] = f;
          payloads[j] = f.payload();
        }
      }
      v.sumInRankOrder(payloads, self);
    } finally {
      for (int j = 0; j < frames.length; j++) {
        if (frames[j] != null) {
          frames[j].release();
          frames[j] = null;
        }
      }
    }
  }

  /** Executes every step in order on this thread, blocking on each receive. */
  public void run(Call c, Vec v) {
    if (c.chunkElements() != chunkElements) {
      throw new IllegalArgumentException("schedule planned for " + chunkElements
          + " elements per frame, call sends " + c.chunkElements());
    }
    for (int i = 0; i < count; i++) {
      if (kind(i) == SEND) {
        send(c, v, i);
      } else if (kind(i) == RECV_ALL_SUM) {
        Frame[] frames = new Frame[c.size()];
        try {
          for (int j = 0; j < frames.length; j++) {
            if (j != c.rank()) {
              frames[j] = c.receiveRaw(j);
            }
          }
        } catch (RuntimeException e) {
          for (Frame f : frames) {
            if (f != null) {
              f.release();
            }
          }
          throw e;
        }
        receiveAll(c, v, i, frames);
      } else {
        receive(c, v, i, c.receiveRaw(peer(i)));
      }
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Schedule[");
    for (int i = 0; i < count; i++) {
      s.append(i > 0 ? ", " : "").append(switch (kind(i)) {
        case SEND -> "send";
        case RECV_ADD -> incomingFirst(i) ? "add<" : "add>";
        case RECV_ALL_SUM -> "sum all";
        case RECV_ADD_FORWARD -> (incomingFirst(i) ? "add<" : "add>") + (store(i) ? "!" : "")
            + " fwd " + to(i) + " from";
        case RECV_COPY_FORWARD -> "copy fwd " + to(i) + " from";
        default -> "copy";
      }).append(' ').append(peer(i)).append(" [").append(from(i)).append('+').append(length(i))
          .append(']');
    }
    return s.append(']').toString();
  }
}
