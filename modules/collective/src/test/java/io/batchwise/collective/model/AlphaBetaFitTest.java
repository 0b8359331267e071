package io.batchwise.collective.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlphaBetaFitTest {
  private static final int CHUNK = 256 << 10;
  private static final long[] SIZES = {8, 512, 4096, 32768, 262144, 1 << 20, 4 << 20};

  private static List<AlphaBetaFit.Sample> synthetic(Algorithm a, double alpha, double beta, double noise,
      long seed) {
    Random rng = new Random(seed);
    List<AlphaBetaFit.Sample> out = new ArrayList<>();
    for (int p : new int[] {2, 3, 4, 8}) {
      for (long n : SIZES) {
        double t = AlphaBeta.of(alpha, beta).seconds(a, p, n, CHUNK);
        out.add(new AlphaBetaFit.Sample(a, p, n, t * (1 + noise * rng.nextGaussian())));
      }
    }
    return out;
  }

  @Test
  void coefficientsFollowTheAlgorithms() {
    // Recursive doubling: log2 p exchanges of n bytes; 2 more (fold-in, copy-back) off powers of two.
    assertArrayEquals(new double[] {3, 3000}, Algorithm.RECURSIVE_DOUBLING.coefficients(8, 1000, CHUNK));
    assertArrayEquals(new double[] {4, 4000}, Algorithm.RECURSIVE_DOUBLING.coefficients(6, 1000, CHUNK));
    // Ring: 2(p-1) steps of n/p bytes; a 4 MiB vector on 4 ranks is 1 MiB segments = 4 chunks each.
    assertArrayEquals(new double[] {6, 1500}, Algorithm.RING.coefficients(4, 1000, CHUNK));
    assertArrayEquals(new double[] {24, 6.0 * (1 << 20)}, Algorithm.RING.coefficients(4, 4 << 20, CHUNK));
    // Binomial broadcast: ceil(log2 p) levels.
    assertArrayEquals(new double[] {3, 3000}, Algorithm.BINOMIAL_BROADCAST.coefficients(5, 1000, CHUNK));
    assertArrayEquals(new double[] {0, 0}, Algorithm.RING.coefficients(1, 1000, CHUNK));
  }

  @Test
  void recoversKnownAlphaAndBetaFromExactTimes() {
    for (Algorithm a : Algorithm.values()) {
      AlphaBeta f = AlphaBetaFit.fit(a, synthetic(a, 42e-6, 0.8e-9, 0, 1), CHUNK);
      assertEquals(42e-6, f.alpha(), 42e-6 * 1e-9, a.name());
      assertEquals(0.8e-9, f.beta(), 0.8e-9 * 1e-9, a.name());
      assertEquals(0, f.rmsRelativeError(), 1e-9);
      assertEquals(28, f.samples());
    }
  }

  @Test
  void recoversThemWithinAFewPercentUnderFivePercentNoise() {
    AlphaBeta f = AlphaBetaFit.fit(Algorithm.RING, synthetic(Algorithm.RING, 120e-6, 2e-9, 0.05, 7), CHUNK);
    assertEquals(120e-6, f.alpha(), 120e-6 * 0.05);
    assertEquals(2e-9, f.beta(), 2e-9 * 0.05);
    assertTrue(f.rmsRelativeError() > 0.02 && f.rmsRelativeError() < 0.09, "rms " + f.rmsRelativeError());
  }

  @Test
  void clampsANegativeComponentToZero() {
    // Pure bandwidth data (alpha = 0) with noise would fit a slightly negative alpha; never report one.
    AlphaBeta f = AlphaBetaFit.fit(Algorithm.RECURSIVE_DOUBLING,
        synthetic(Algorithm.RECURSIVE_DOUBLING, 0, 1e-9, 0.03, 3), CHUNK);
    assertTrue(f.alpha() >= 0);
    assertEquals(1e-9, f.beta(), 0.05e-9);
  }

  @Test
  void refusesSamplesThatCannotSeparateAlphaFromBeta() {
    List<AlphaBetaFit.Sample> one = List.of(new AlphaBetaFit.Sample(Algorithm.RING, 2, 8, 1e-4));
    assertThrows(IllegalArgumentException.class, () -> AlphaBetaFit.fit(Algorithm.RING, one, CHUNK));
    // Recursive doubling at one rank count and one size only: B/A is the same for every sample.
    List<AlphaBetaFit.Sample> same = List.of(new AlphaBetaFit.Sample(Algorithm.RECURSIVE_DOUBLING, 4, 100, 1e-4),
        new AlphaBetaFit.Sample(Algorithm.RECURSIVE_DOUBLING, 8, 100, 1.6e-4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AlphaBetaFit.fit(Algorithm.RECURSIVE_DOUBLING, same, CHUNK));
    assertTrue(e.getMessage().contains("several message sizes"), e.getMessage());
  }

  @Test
  void modelChoosesTheCommunicatorsAlgorithmAndProjectsToANetwork(@TempDir Path dir) throws Exception {
    List<AlphaBetaFit.Sample> all = new ArrayList<>();
    all.addAll(synthetic(Algorithm.RECURSIVE_DOUBLING, 50e-6, 1e-9, 0, 1));
    all.addAll(synthetic(Algorithm.RING, 80e-6, 1.5e-9, 0, 1));
    all.addAll(synthetic(Algorithm.BINOMIAL_BROADCAST, 40e-6, 0.5e-9, 0, 1));
    CollectiveModel m = CollectiveModel.fit(all);
    assertEquals(Algorithm.RECURSIVE_DOUBLING, m.allReduceAlgorithm(32 << 10, 16));
    assertEquals(Algorithm.RING, m.allReduceAlgorithm((32 << 10) + 1, 16));
    // 16 ranks, 8 KB by recursive doubling: 4 * (50 us + 8192 ns).
    assertEquals(4 * (50e-6 + 8192e-9), m.allReduceSeconds(8192, 16), 1e-12);
    // On 10 Gbit/s with 20 us latency: alpha + 20 us, beta + 0.8 ns/B.
    CollectiveModel net = m.onNetwork(20e-6, 10e9 / 8);
    assertEquals(4 * (70e-6 + 8192 * 1.8e-9), net.allReduceSeconds(8192, 16), 1e-12);
    Path f = dir.resolve("model.csv");
    m.write(f);
    CollectiveModel back = CollectiveModel.read(f);
    for (Algorithm a : Algorithm.values()) {
      assertEquals(m.costs().get(a).alpha(), back.costs().get(a).alpha(), 1e-12);
      assertEquals(m.costs().get(a).beta(), back.costs().get(a).beta(), 1e-15);
    }
    Files.writeString(f, "algorithm,alpha_us\nring,abc\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CollectiveModel.read(f));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }
}
