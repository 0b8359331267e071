package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The ways of executing a collective put the same bytes on the wire and give the same bits: epoll
 * or NIO transport, steps run on the event-loop thread or on the calling thread; the direct
 * exchange, recursive doubling and the pipelined ring all match a double-precision reference,
 * at lengths 1 (fewer elements than ranks) and 2^20 + 3 (4 MB, segments not divisible by the
 * ranks, 16 chunks of 256 KB and a ragged one).
 */
class ExecutionModesTest {
  private static final byte[] SECRET = CollectiveConfig.newSecret();
  private static final int BIG = (1 << 20) + 3;

  /**
   * Every rank's results for lengths 1 and 129 (direct exchange, on here up to 600 bytes), 4000
   * (recursive doubling), BIG (ring).
   */
  private static List<float[]> sums(int size, Consumer<CollectiveConfig.Builder> mode)
      throws Exception {
    int[] lengths = {1, 129, 4000, BIG};
    try (LocalGroup g = new LocalGroup(size, SECRET, b -> {
      b.timeout(Duration.ofSeconds(60)).directMaxBytes(600);
      mode.accept(b);
    })) {
      List<float[]> all = new ArrayList<>();
      for (int n : lengths) {
        List<Object> out = g.run(c -> {
          float[] a = LocalGroupTest.input(c.rank(), n);
          c.allReduceSum(a);
          return a;
        });
        LocalGroupTest.checkFloatSums(out, size, n);
        all.add((float[]) out.get(0));
      }
      return all;
    }
  }

  @Test
  void eventLoopOrCallerThreadEpollOrNioGiveTheSameBits() throws Exception {
    boolean epoll = Epoll.isAvailable();
    List<float[]> reference = sums(3, b -> b.transport("nio").onEventLoop(false));
    List<List<float[]>> others = new ArrayList<>();
    // Everything on the event loop, the ring included (by default only up to 64 KB).
    others.add(sums(3, b -> b.transport("nio").onEventLoop(true)
        .eventLoopMaxBytes(Integer.MAX_VALUE)));
    if (epoll) {
      others.add(sums(3, b -> b.transport("epoll").onEventLoop(true)));
      others.add(sums(3, b -> b.transport("epoll").onEventLoop(true)
          .eventLoopMaxBytes(Integer.MAX_VALUE)));
      others.add(sums(3, b -> b.transport("epoll").onEventLoop(false)));
    }
    for (List<float[]> o : others) {
      for (int k = 0; k < reference.size(); k++) {
        assertArrayEquals(reference.get(k), o.get(k), "length #" + k + ": same algorithm, "
            + "same bits, whatever thread or transport ran it");
      }
    }
  }

  @Test
  void ranksDisagreeingOnTheDirectExchangeGetAMismatchNamingBoth() throws Exception {
    try (LocalGroup g = new LocalGroup(2, r -> LocalGroup.config(2, SECRET).rank(r)
        .directMaxBytes(r == 0 ? 0 : 8192).build())) {
      List<Object> out = g.run(c -> {
        try {
          c.allReduceSum(new double[129]);
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      for (Object o : out) {
        CollectiveMismatchException e = assertInstanceOf(CollectiveMismatchException.class, o);
        assertTrue(e.getMessage().contains("direct exchange")
            && e.getMessage().contains("recursive doubling"), e.getMessage());
      }
    }
  }

  @Test
  void lostPeerDuringTheDirectExchangeOnTheEventLoop() throws Exception {
    try (LocalGroup g = new LocalGroup(4, SECRET, b -> b.directMaxBytes(8192))) {
      // A first collective so that every connection is in use, then rank 3 leaves.
      g.run(c -> {
        c.allReduceSum(new double[129]);
        return null;
      });
      g.ranks.get(3).close();
      List<Object> out = g.run(c -> {
        if (c.rank() == 3) {
          return null;
        }
        try {
          c.allReduceSum(new double[129]);
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      for (int r = 0; r < 3; r++) {
        PeerLostException e = assertInstanceOf(PeerLostException.class, out.get(r));
        assertEquals(3, e.lostRank(), e.getMessage());
      }
    }
  }
}
