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
      // Loopback on a shared machine: between a microsecond and a second.
      assertTrue(x.seconds() > 1e-7 && x.seconds() < 1, x.toString());
    }
    double rd8 = s.stream().filter(x -> x.algorithm() == Algorithm.RECURSIVE_DOUBLING && x.bytes() == 8)
        .findFirst().orElseThrow().seconds();
    double rd64k = s.stream().filter(x -> x.algorithm() == Algorithm.RECURSIVE_DOUBLING && x.bytes() == 65536)
        .findFirst().orElseThrow().seconds();
    assertTrue(rd64k > rd8, "64 KB should take longer than 8 bytes: " + rd64k + " vs " + rd8);
  }
}
