package io.batchwise.collective.algorithm;

import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBuf;

/** What an algorithm needs from the transport: point-to-point frames to and from each peer. */
public interface Links {
  int rank();

  int size();

  /** Allocator for outgoing frames (pooled direct buffers over sockets). */
  ByteBufAllocator alloc();

  /** Sends a complete frame (header and payload) to {@code peer}; takes ownership of it. */
  void send(int peer, ByteBuf frame);

  /**
   * The next DATA frame from {@code peer}, in order. Waits until {@code deadlineNanos}
   * (System.nanoTime scale).
   *
   * @throws io.batchwise.collective.PeerLostException when that peer is gone
   * @throws io.batchwise.collective.CollectiveTimeoutException at the deadline, naming it
   * @throws CollectiveException when the group was aborted by any rank
   */
  Frame receive(int peer, long deadlineNanos, Call call);

  /** Breaks the group because of {@code failure}, tells the peers, and returns it for throwing. */
  CollectiveException fail(CollectiveException failure);
}
