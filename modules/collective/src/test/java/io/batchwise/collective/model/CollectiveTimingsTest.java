package io.batchwise.collective.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Two rank JVMs on 127.0.0.1 over real Netty: every algorithm reports a time for every size. */
class CollectiveTimingsTest {
  @Test
  void measuresEveryAlgorithmAndSizeOnTwoRankProcesses() throws Exception {
    List<AlphaBetaFit.Sample> s = CollectiveTimings.measure(2, new long[] {8, 65536}, "127.0.0.1", "");
    assertEquals(6, s.size());
    for (AlphaBetaFit.Sample x : s) {
      assertEquals(2, x.ranks());
      // Loopback on a shared machine: under a second. The broadcast is a difference of two timings
      // (broadcast + all-reduce, minus the all-reduce), floored at 1e-7 s: at 8 bytes it can sit
      // on the floor (CI measured exactly 1e-7 once); the all-reduces are timed directly.
      double floor = x.algorithm() == Algorithm.BINOMIAL_BROADCAST ? 1e-7 : 1e-6;
      assertTrue(x.seconds() >= floor && x.seconds() < 1, x.toString());
    }
    double rd8 = s.stream().filter(x -> x.algorithm() == Algorithm.RECURSIVE_DOUBLING && x.bytes() == 8)
        .findFirst().orElseThrow().seconds();
    double rd64k = s.stream().filter(x -> x.algorithm() == Algorithm.RECURSIVE_DOUBLING && x.bytes() == 65536)
        .findFirst().orElseThrow().seconds();
    assertTrue(rd64k > rd8, "64 KB should take longer than 8 bytes: " + rd64k + " vs " + rd8);
  }

  /**
   * Through relays of d = 3 ms: two consecutive all-reduces of 8 bytes between two ranks take at
   * least 2d on rank 0 (its second call needs a message the other rank sent after receiving its
   * first, d late), so the time per call, timed over pairs, is at least d. (A single call's median
   * is not: the ranks' offset flips from call to call, and rank 0's calls alternate d+x, d-x; the
   * CI machine once measured one under 3 ms.) The broadcast is timed as broadcast + all-reduce
   * minus the all-reduce alone (about 2d and d), so only about d is certain; half of it is asked.
   */
  @Test
  void relaysDelayEveryMessage() throws Exception {
    CollectiveTimings.Group g = CollectiveTimings.measure(2, new long[] {8}, "127.0.0.1", "", 3000);
    List<AlphaBetaFit.Sample> s = g.samples();
    assertEquals(3, s.size());
    // What the relays report having held: at least the delay, and not wildly more.
    assertTrue(g.holdNanos() >= 3e6 && g.holdNanos() < 100e6, "held " + g.holdNanos() + " ns");
    for (AlphaBetaFit.Sample x : s) {
      double floor = x.algorithm() == Algorithm.BINOMIAL_BROADCAST ? 1.5e-3 : 3e-3;
      assertTrue(x.seconds() >= floor, x.toString());
    }
  }
}
