package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collectives through shared memory among ranks that are threads of this JVM (the segment is a
 * real file in a memory file system, mapped once per rank; the TCP mesh beside it is real too).
 * The separate-process tests, kill -9 included, are in {@link ProcessGroupTest}.
 */
class SharedMemoryGroupTest {
  private static final byte[] SECRET = CollectiveConfig.newSecret();

  @TempDir
  Path dir;

  private static CollectiveConfig.Builder shared(CollectiveConfig.Builder b) {
    return b.sharedMemory(true);
  }

  /** Rank-order float sum, the expression every rank must evaluate. */
  private static float[] rankOrderSum(int size, int n) {
    float[] acc = LocalGroupTest.input(0, n);
    for (int r = 1; r < size; r++) {
      float[] x = LocalGroupTest.input(r, n);
      for (int i = 0; i < n; i++) {
        acc[i] = acc[i] + x[i];
      }
    }
    return acc;
  }

  /**
   * Groups of 1 to 8 ranks, lengths 0 to 1000 with 256-byte slots (so up to 16 rounds alternate
   * between the two sets of slots), every rank summing whole (direct) and reduce-scatter: the
   * result equals the rank-order sum bit for bit on every rank, and sits within float tolerance
   * of the exact sum.
   */
  @Test
  void allReduceIsTheRankOrderSumForAnyGroupSizeLengthAndVariant() throws Exception {
    for (int size : new int[] {1, 2, 3, 4, 5, 8}) {
      for (int direct : new int[] {1 << 20, 0}) {
        try (LocalGroup g = new LocalGroup(size, SECRET, b -> shared(b)
            .sharedMemoryDir(dir.toString()).sharedSlotBytes(256).sharedDirectMaxBytes(direct))) {
          for (Communicator c : g.ranks) {
            assertEquals(size > 1, c.usesSharedMemory(), "size " + size);
          }
          for (int n : new int[] {0, 1, 7, 63, 64, 65, 1000}) {
            List<Object> out = g.run(c -> {
              float[] a = LocalGroupTest.input(c.rank(), n);
              c.allReduceSum(a);
              return a;
            });
            LocalGroupTest.checkFloatSums(out, size, n);
            assertArrayEquals(rankOrderSum(size, n), (float[]) out.get(0),
                "size " + size + ", n " + n + ", direct " + direct);
          }
        }
      }
    }
  }

  /** As over TCP, with 128-byte slots: the 40-double broadcast takes three rounds. */
  @Test
  void doublesDirectBuffersAsyncBroadcastAndBarrier() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b).sharedMemoryDir(dir.toString())
        .sharedSlotBytes(128).sharedDirectMaxBytes(64))) {
      LocalGroupTest.checkMixedCollectives(g, 40);
    }
  }

  /**
   * Many collectives of changing sizes back to back, ranks delayed at random: the two sets of slots
   * are reused round after round while some ranks still read the previous round; every result is
   * checked.
   */
  @Test
  void slotsAreReusedSafelyWhenRanksRunAtDifferentSpeeds() throws Exception {
    int size = 4;
    try (LocalGroup g = new LocalGroup(size, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()).sharedSlotBytes(512).sharedDirectMaxBytes(128))) {
      List<Object> out = g.run(c -> {
        Random delays = new Random(c.rank());
        Random sizes = new Random(42); // the same sequence of lengths on every rank
        for (int it = 0; it < 300; it++) {
          int n = sizes.nextInt(400);
          float[] a = new float[n];
          for (int i = 0; i < n; i++) {
            a[i] = (c.rank() + 1) * (i + it);
          }
          if (delays.nextInt(8) == 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(delays.nextInt(200_000));
          }
          c.allReduceSum(a);
          for (int i = 0; i < n; i++) {
            if (a[i] != 10f * (i + it)) {
              return "iteration " + it + ", n " + n + ", element " + i + ": " + a[i];
            }
          }
        }
        return null;
      });
      for (Object o : out) {
        assertNull(o);
      }
    }
  }

  /**
   * Split all-reduces (start, the rank's own work, finish) through shared memory: every result is
   * bit for bit the blocking all-reduce of the same data, whether the vector fits one round (split
   * on the calling thread) or not (run on the communicator's thread), with ranks delayed at random
   * between the halves and blocking and asynchronous collectives in between.
   */
  @Test
  void splitAllReduceEqualsTheBlockingOne() throws Exception {
    for (int size : new int[] {1, 2, 3, 5}) {
      try (LocalGroup g = new LocalGroup(size, SECRET, b -> shared(b)
          .sharedMemoryDir(dir.toString()).sharedSlotBytes(256).sharedDirectMaxBytes(128))) {
        List<Object> out = g.run(c -> CommunicatorChecks.splitMatchesBlocking(c, 200));
        for (Object o : out) {
          assertNull(o, "size " + size);
        }
      }
    }
  }

  /** Misuse is refused with an error that says what: a collective inside an open split, finish twice. */
  @Test
  void anOpenSplitAllReduceRefusesOtherCollectives() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> shared(b).sharedMemoryDir(dir.toString()))) {
      List<Object> out = g.run(CommunicatorChecks::splitMisuse);
      for (Object o : out) {
        assertNull(o);
      }
    }
  }

  @Test
  void theSegmentFileIsGoneOnceTheGroupIsUp() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()))) {
      assertTrue(g.ranks.get(0).usesSharedMemory());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(List.of(), files.toList(), "nothing may be left in " + dir);
      }
    }
  }

  /** One rank that will not (or cannot) map the segment keeps the whole group on TCP. */
  @Test
  void anyRankWithoutSharedMemoryKeepsTheGroupOnTcp() throws Exception {
    Path missing = dir.resolve("no-such-dir");
    for (int odd = 0; odd < 3; odd++) {
      final int oddRank = odd;
      for (boolean disable : new boolean[] {true, false}) {
        try (LocalGroup g = new LocalGroup(3, r -> {
          CollectiveConfig.Builder b = LocalGroup.config(3, SECRET).rank(r).sharedMemory(true)
              .sharedMemoryDir(dir.toString());
          if (r == oddRank) {
            if (disable) {
              b.sharedMemory(false);
            } else {
              b.sharedMemoryDir(missing.toString());
            }
          }
          return b.build();
        })) {
          for (Communicator c : g.ranks) {
            assertFalse(c.usesSharedMemory(), "rank " + oddRank + " disabled=" + disable);
          }
          List<Object> out = g.run(c -> {
            float[] a = LocalGroupTest.input(c.rank(), 100);
            c.allReduceSum(a);
            return a;
          });
          LocalGroupTest.checkFloatSums(out, 3, 100);
        }
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "nothing may be left in " + dir);
    }
  }

  @Test
  void differentSizesFailWithBothCallsNamed() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()))) {
      LocalGroupTest.checkSizeMismatchNamesBoth(g);
    }
  }

  @Test
  void differentCollectivesFailWithBothNamed() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()))) {
      List<Object> out = g.run(c -> {
        try {
          if (c.rank() == 0) {
            c.broadcast(new double[4], 0);
          } else {
            c.allReduceSum(new double[4]);
          }
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      for (Object o : out) {
        CollectiveMismatchException e = assertInstanceOf(CollectiveMismatchException.class, o);
        assertTrue(e.getMessage().contains("allReduceSum(double[4])")
            && e.getMessage().contains("broadcast(double[4], root 0)"), e.getMessage());
      }
      // The group is broken for good: the next call throws the same failure.
      Object again = g.run(c -> {
        try {
          c.barrier();
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      }).get(0);
      assertInstanceOf(CollectiveMismatchException.class, again);
    }
  }

  @Test
  void stalledPeerTimesOutNamingIt() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b).sharedMemoryDir(dir.toString())
        .timeout(Duration.ofMillis(800)))) {
      long t0 = System.nanoTime();
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
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertNull(out.get(1));
      for (int r : new int[] {0, 2}) {
        CollectiveTimeoutException e = assertInstanceOf(CollectiveTimeoutException.class,
            out.get(r));
        assertArrayEquals(new int[] {1}, e.silentRanks(), e.getMessage());
        assertTrue(e.getMessage().contains("waiting for rank 1"), e.getMessage());
      }
      assertTrue(ms < 5000, "timed out after " + ms + " ms, timeout 800 ms");
    }
  }

  @Test
  void closedPeerGivesPeerLostNamingIt() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()))) {
      LocalGroupTest.checkClosedPeerIsNamed(g);
    }
  }

  /** A rank that leaves mid-collective (it had arrived, others wait for its slice) is noticed. */
  @Test
  void peerClosingWhileOthersWaitGivesPeerLostWithinASecond() throws Exception {
    try (LocalGroup g = new LocalGroup(3, SECRET, b -> shared(b)
        .sharedMemoryDir(dir.toString()).timeout(Duration.ofSeconds(30)))) {
      List<Object> out = g.run(c -> {
        if (c.rank() == 2) {
          java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
          c.close();
          return System.nanoTime();
        }
        try {
          c.allReduceSum(new float[10]);
          return null;
        } catch (CollectiveException e) {
          return new Object[] {e, System.nanoTime()};
        }
      });
      long closedAt = (Long) out.get(2);
      for (int r : new int[] {0, 1}) {
        Object[] f = (Object[]) out.get(r);
        PeerLostException e = assertInstanceOf(PeerLostException.class, f[0]);
        assertEquals(2, e.lostRank(), e.getMessage());
        long ms = ((Long) f[1] - closedAt) / 1_000_000;
        assertTrue(ms < 1000, "rank " + r + " noticed after " + ms + " ms");
      }
    }
  }

  /** Lines of this process's memory map that are segments of this test's directory. */
  private long mappedSegments() throws java.io.IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(dir.toString())).count();
  }

  /**
   * Closing a rank ends the collective it waits in (with an exception, not a hang) and releases
   * its mapping at once: a job that forms a group per stage must not pile up /dev/shm memory until
   * a garbage collection.
   */
  @Test
  void closingEndsAWaitingCollectiveAndReleasesTheMapping() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> shared(b).sharedMemoryDir(dir.toString())
        .timeout(Duration.ofSeconds(30)))) {
      assertTrue(mappedSegments() > 0, "both ranks map the segment");
      java.util.concurrent.Future<Object> waiting = pool.submit(() -> {
        try {
          g.ranks.get(0).allReduceSum(new float[10]); // rank 1 never joins
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      Thread.sleep(300);
      long t0 = System.nanoTime();
      g.ranks.get(0).close();
      Object r = waiting.get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertInstanceOf(CollectiveException.class, r);
      assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "close took too long");
      g.ranks.get(1).close();
      assertEquals(0, mappedSegments(), "closed ranks keep no mapping");
    } finally {
      pool.shutdownNow();
    }
  }
}
