package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Collectives among ranks that are threads of this JVM (real sockets on 127.0.0.1). */
class LocalGroupTest {
  private static final byte[] SECRET = CollectiveConfig.newSecret();

  static float[] input(int rank, int n) {
    Random rnd = new Random(1000 + rank);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian() * (1 + rank);
    }
    return a;
  }

  static void checkFloatSums(List<Object> results, int size, int n) {
    double[] exact = new double[n];
    for (int r = 0; r < size; r++) {
      float[] in = input(r, n);
      for (int i = 0; i < n; i++) {
        exact[i] += in[i];
      }
    }
    float[] first = (float[]) results.get(0);
    for (int i = 0; i < n; i++) {
      assertEquals(exact[i], first[i], 1e-5 * size * (1 + Math.abs(exact[i])), "element " + i);
    }
    for (Object o : results) {
      assertArrayEquals(first, (float[]) o, "ranks must agree bit for bit");
    }
  }

  @Test
  void allReduceFloatsBothAlgorithmsAnyGroupSize() throws Exception {
    for (int size : new int[] {1, 3, 4}) {
      for (int small : new int[] {1 << 20, 0}) { // recursive doubling, then ring
        try (LocalGroup g = new LocalGroup(size, SECRET,
            b -> b.smallMessageMaxBytes(small).chunkBytes(256))) {
          for (int n : new int[] {0, 1, 7, 1000}) {
            List<Object> out = g.run(c -> {
              float[] a = input(c.rank(), n);
              c.allReduceSum(a);
              return a;
            });
            checkFloatSums(out, size, n);
          }
        }
      }
    }
  }

  @Test
  void doublesDirectBuffersAsyncBroadcastAndBarrier() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> b.smallMessageMaxBytes(64)
        .chunkBytes(128))) {
      checkMixedCollectives(g, 2);
    }
  }

  /**
   * On a group of 3: doubles, a direct FloatBuffer with a non-zero position (only position..limit
   * is reduced), a direct DoubleBuffer and a float array through the async calls, a broadcast of
   * {@code broadcastLength} doubles from rank 2, and a barrier; every rank's results are checked.
   */
  static void checkMixedCollectives(LocalGroup g, int broadcastLength) throws Exception {
    List<Object> out = g.run(c -> {
      double[] d = {c.rank(), 1, -c.rank() * 0.5};
      c.allReduceSum(d);
      FloatBuffer fb = ByteBuffer.allocateDirect(4 * 100).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      for (int i = 0; i < 100; i++) {
        fb.put(i, c.rank() + i);
      }
      fb.position(10);
      c.allReduceSum(fb);
      DoubleBuffer db = ByteBuffer.allocateDirect(8 * 50).order(ByteOrder.nativeOrder())
          .asDoubleBuffer();
      for (int i = 0; i < 50; i++) {
        db.put(i, c.rank() * 1000.0 + i);
      }
      float[] async = {1, 2, 3};
      c.allReduceSumAsync(db).join();
      c.allReduceSumAsync(async).join();
      double[] bc = new double[broadcastLength];
      for (int i = 0; i < bc.length; i++) {
        bc[i] = c.rank() * 100 + i + 0.25;
      }
      c.broadcast(bc, 2);
      c.barrier();
      return new Object[] {d, fb, db, async, bc};
    });
    for (int rank = 0; rank < 3; rank++) {
      Object[] r = (Object[]) out.get(rank);
      assertArrayEquals(new double[] {3, 3, -1.5}, (double[]) r[0]);
      FloatBuffer fb = (FloatBuffer) r[1];
      assertEquals(10, fb.position());
      assertEquals(rank + 5f, fb.get(5), "before position: untouched");
      assertEquals(3f * 10 + 3, fb.get(10));
      assertEquals(3f * 99 + 3, fb.get(99));
      DoubleBuffer db = (DoubleBuffer) r[2];
      assertEquals(3000.0 + 3 * 49, db.get(49));
      assertArrayEquals(new float[] {3, 6, 9}, (float[]) r[3]);
      double[] bc = (double[]) r[4];
      for (int i = 0; i < bc.length; i++) {
        assertEquals(200 + i + 0.25, bc[i], "broadcast element " + i);
      }
    }
  }

  /**
   * Over TCP a split all-reduce runs on the communicator's thread: still bit for bit the blocking
   * one, with work between the halves and asynchronous collectives before it.
   */
  @Test
  void splitAllReduceEqualsTheBlockingOne() throws Exception {
    for (int size : new int[] {1, 2, 4}) {
      try (LocalGroup g = new LocalGroup(size, SECRET, b -> b.smallMessageMaxBytes(128).chunkBytes(128))) {
        for (Object o : g.run(c -> CommunicatorChecks.splitMatchesBlocking(c, 60))) {
          assertNull(o, "size " + size);
        }
      }
    }
  }

  @Test
  void connectFromAStaticEndpointListRetriesUntilThePeerListens() throws Exception {
    int[] ports = new int[2];
    for (int i = 0; i < 2; i++) {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        ports[i] = s.getLocalPort();
      }
    }
    List<java.net.InetSocketAddress> endpoints = List.of(
        new java.net.InetSocketAddress("127.0.0.1", ports[0]),
        new java.net.InetSocketAddress("127.0.0.1", ports[1]));
    java.util.function.IntFunction<CollectiveConfig> cfg = r -> LocalGroup.config(2, SECRET)
        .rank(r).endpoints(endpoints).build();
    // Rank 1 starts first and must keep trying until rank 0 listens.
    java.util.concurrent.CompletableFuture<Communicator> one =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> Communicator.connect(cfg.apply(1)));
    Thread.sleep(300);
    try (Communicator zero = Communicator.connect(cfg.apply(0)); Communicator c1 = one.get()) {
      assertEquals(0, zero.rank());
      assertEquals(1, c1.rank());
      assertEquals(2, c1.size());
      java.util.concurrent.CompletableFuture<Void> f =
          java.util.concurrent.CompletableFuture.runAsync(c1::barrier);
      zero.barrier();
      f.get();
    }
  }

  @Test
  void epollWhereItLoadsAndNioOnRequest() throws Exception {
    assertEquals(io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio",
        io.batchwise.collective.transport.NettyTransport.choose("auto").name());
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> b.transport("nio"))) {
      assertTrue(g.ranks.get(0).toString().contains("nio"), g.ranks.get(0).toString());
      List<Object> out = g.run(c -> {
        float[] a = input(c.rank(), 7);
        c.allReduceSum(a);
        return a;
      });
      checkFloatSums(out, 2, 7);
    }
  }

  @Test
  void differentSizesFailWithBothCallsNamed() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> { })) {
      checkSizeMismatchNamesBoth(g);
    }
  }

  /** Rank 0 sums 5 floats, rank 1 six: both end with a mismatch that names both calls. */
  static void checkSizeMismatchNamesBoth(LocalGroup g) throws Exception {
    List<Object> out = g.run(c -> {
      try {
        c.allReduceSum(new float[c.rank() == 0 ? 5 : 6]);
        return null;
      } catch (CollectiveException e) {
        return e;
      }
    });
    for (Object o : out) {
      CollectiveMismatchException e = assertInstanceOf(CollectiveMismatchException.class, o);
      assertTrue(e.getMessage().contains("float[5]") && e.getMessage().contains("float[6]"),
          e.getMessage());
    }
  }

  @Test
  void differentCollectivesFailWithBothNamed() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> { })) {
      List<Object> out = g.run(c -> {
        try {
          if (c.rank() == 0) {
            c.broadcast(new double[4], 0);
          } else {
            c.allReduceSum(new double[4]);
          }
          c.barrier();
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      // Which rank notices first is a race (rank 1 on rank 0's broadcast frame, or rank 0 on rank
      // 1's all-reduce frame during its barrier); either way both end with a mismatch that names
      // rank 1's call and the call of rank 0 it met.
      for (Object o : out) {
        CollectiveMismatchException e = assertInstanceOf(CollectiveMismatchException.class, o);
        assertTrue(e.getMessage().contains("allReduceSum(double[4])")
            && (e.getMessage().contains("broadcast(double[4], root 0)")
            || e.getMessage().contains("barrier()")), e.getMessage());
      }
    }
  }

  @Test
  void stalledPeerTimesOutNamingIt() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> b.timeout(Duration.ofMillis(800)))) {
      List<Object> out = g.run(c -> {
        if (c.rank() == 1) {
          return null; // never calls
        }
        try {
          c.allReduceSum(new double[3]);
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      assertNull(out.get(1));
      for (int r : new int[] {0, 2}) {
        CollectiveTimeoutException e = assertInstanceOf(CollectiveTimeoutException.class,
            out.get(r));
        assertTrue(e.getMessage().contains("rank 1") || e.getMessage().contains("[1"),
            e.getMessage());
      }
    }
  }

  @Test
  void closedPeerGivesPeerLostNamingIt() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> { })) {
      checkClosedPeerIsNamed(g);
    }
  }

  /** Rank 2 of a group of 3 closes; the others' next all-reduce ends with PeerLost naming it. */
  static void checkClosedPeerIsNamed(LocalGroup g) throws Exception {
    g.ranks.get(2).close();
    List<Object> out = g.run(c -> {
      if (c.rank() == 2) {
        return null;
      }
      try {
        c.allReduceSum(new float[1000]);
        return null;
      } catch (CollectiveException e) {
        return e;
      }
    });
    for (int r : new int[] {0, 1}) {
      PeerLostException e = assertInstanceOf(PeerLostException.class, out.get(r));
      assertEquals(2, e.lostRank(), e.getMessage());
    }
  }
}
