package io.batchwise.collective.algorithm;

import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.CollectiveTimeoutException;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.FrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * In-memory links among n ranks (threads): every frame still goes through the real encoder
 * layout and {@link FrameDecoder}, so algorithms are tested on the exact bytes they would send.
 */
final class MemoryLinks {
  private final int size;
  private final BlockingQueue<Frame>[][] queues;
  private final EmbeddedChannel[][] decoders;

  @SuppressWarnings({"unchecked", "rawtypes"})
  MemoryLinks(int size) {
    this.size = size;
    queues = new BlockingQueue[size][size];
    decoders = new EmbeddedChannel[size][size];
    for (int s = 0; s < size; s++) {
      for (int d = 0; d < size; d++) {
        queues[s][d] = new LinkedBlockingQueue<>();
        FrameDecoder dec = new FrameDecoder();
        dec.allowData(1 << 20);
        decoders[s][d] = new EmbeddedChannel(dec);
      }
    }
  }

  Links of(int rank) {
    return new Links() {
      @Override
      public int rank() {
        return rank;
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public ByteBufAllocator alloc() {
        return UnpooledByteBufAllocator.DEFAULT;
      }

      @Override
      public void send(int peer, ByteBuf frame) {
        EmbeddedChannel ch = decoders[rank][peer];
        ch.writeInbound(frame);
        for (Frame f; (f = ch.readInbound()) != null; ) {
          queues[rank][peer].add(f);
        }
      }

      @Override
      public Frame receive(int peer, long deadlineNanos, Call call) {
        try {
          Frame f = queues[peer][rank].poll(Math.max(0, deadlineNanos - System.nanoTime()),
              TimeUnit.NANOSECONDS);
          if (f == null) {
            throw new CollectiveTimeoutException(new int[] {peer}, "rank " + rank
                + " waited for rank " + peer + " in " + call.describe());
          }
          return f;
        } catch (InterruptedException e) {
          throw new CollectiveException("interrupted", e);
        }
      }

      @Override
      public CollectiveException fail(CollectiveException failure) {
        return failure;
      }
    };
  }
}
