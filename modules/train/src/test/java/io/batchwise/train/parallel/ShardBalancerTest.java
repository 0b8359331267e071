package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.BatchSampler;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The numbered invariants of {@link ShardBalancer}, as properties over random speeds. */
class ShardBalancerTest {

  private static int sum(int[] a) {
    return Arrays.stream(a).sum();
  }

  /** A balancer without margin that has seen one step per rank at the given nanoseconds per sample. */
  private static ShardBalancer measured(int cap, double... nanosPerSample) {
    int w = nanosPerSample.length;
    ShardBalancer b = new ShardBalancer(w, cap, 1, 0.0);
    int[] samples = new int[w];
    double[] t = new double[w];
    for (int r = 0; r < w; r++) {
      samples[r] = 10;
      t[r] = 10 * nanosPerSample[r];
    }
    b.observe(samples, t);
    return b;
  }

  @Test
  void sizesSumToTheBatchStayInBoundsAndFollowSpeed() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 5000; trial++) {
      int w = 1 + rnd.nextInt(9);
      int n = rnd.nextInt(8 * w + 4);
      int cap = ShardBalancer.capFor(Math.max(n, 1), w);
      double[] speed = new double[w];
      for (int r = 0; r < w; r++) {
        // Speeds from equal to 20x apart, with exact ties now and then.
        speed[r] = rnd.nextInt(4) == 0 ? 1.0 : Math.exp(rnd.nextDouble() * 3);
      }
      int[] c = measured(cap, speed).sizes(n);
      String where = "W " + w + ", n " + n + ", cap " + cap + ", speeds " + Arrays.toString(speed)
          + " -> " + Arrays.toString(c);
      assertEquals(n, sum(c), "invariant 1: " + where);
      if (n >= w && n <= w * cap) {
        for (int v : c) {
          assertTrue(v >= 1 && v <= cap, "invariant 2: " + where);
        }
      } else {
        assertArrayEquals(ShardBalancer.even(n, w), c, "invariant 2 (outside the bounds): " + where);
        continue;
      }
      if (Arrays.equals(c, ShardBalancer.even(n, w))) {
        continue; // invariant 4 is about balanced splits
      }
      for (int a = 0; a < w; a++) {
        for (int b = 0; b < w; b++) {
          if (speed[a] < speed[b]) {
            assertTrue(c[a] >= c[b], "invariant 4, rank " + a + " is faster than " + b + ": " + where);
          }
        }
      }
    }
  }

  @Test
  void unmeasuredOrEquallyFastRanksGetTheSamplersEvenSplit() {
    for (int w = 1; w <= 8; w++) {
      for (int n = 0; n <= 5 * w + 3; n++) {
        int[] expected = new int[w];
        for (int r = 0; r < w; r++) {
          expected[r] = BatchSampler.shardStart(n, r + 1, w) - BatchSampler.shardStart(n, r, w);
        }
        int cap = ShardBalancer.capFor(Math.max(n, 1), w);
        assertArrayEquals(expected, new ShardBalancer(w, cap).sizes(n), "unmeasured, W " + w + ", n " + n);
        double[] same = new double[w];
        Arrays.fill(same, 3.7e6);
        assertArrayEquals(expected, measured(cap, same).sizes(n), "equally fast, W " + w + ", n " + n);
      }
    }
    // One rank not yet measured: still the even split.
    ShardBalancer b = new ShardBalancer(2, 32);
    b.observe(new int[] {16, 0}, new double[] {1e8, 0});
    assertArrayEquals(new int[] {16, 16}, b.sizes(32));
  }

  @Test
  void sameObservationsGiveTheSameSplitOnEveryRank() {
    Random rnd = new Random(11);
    ShardBalancer a = new ShardBalancer(4, 16);
    ShardBalancer b = new ShardBalancer(4, 16);
    for (int step = 0; step < 50; step++) {
      int[] sizes = a.sizes(32);
      assertArrayEquals(sizes, b.sizes(32), "invariant 5 at step " + step);
      double[] t = new double[4];
      for (int r = 0; r < 4; r++) {
        t[r] = sizes[r] * (5e6 + rnd.nextGaussian() * 1e6) + 2e6;
      }
      a.observe(sizes, t);
      b.observe(sizes, t.clone());
    }
  }

  /** Invariant 6: ranks with a fixed cost per step and different speeds end within one sample of equal time. */
  @Test
  void proportionalSharesConvergeToEqualComputeTimes() {
    double fixed = 8e6;
    double[] perSample = {6e6, 9e6, 7.5e6};
    ShardBalancer b = new ShardBalancer(3, 64);
    int[] sizes = null;
    for (int step = 0; step < 40; step++) {
      sizes = b.sizes(96);
      double[] t = new double[3];
      for (int r = 0; r < 3; r++) {
        t[r] = fixed + perSample[r] * sizes[r];
      }
      b.observe(sizes, t);
    }
    double slowest = 0;
    double fastest = Double.MAX_VALUE;
    for (int r = 0; r < 3; r++) {
      double t = fixed + perSample[r] * sizes[r];
      slowest = Math.max(slowest, t);
      fastest = Math.min(fastest, t);
    }
    // Continuous optimum: n_r = (T - a) / s_r with sum 96.
    double inv = 0;
    for (double s : perSample) {
      inv += 1 / s;
    }
    double optimum = fixed + 96 / inv;
    assertTrue(slowest <= optimum + perSample[1], "slowest rank " + slowest / 1e6 + " ms, the balanced optimum "
        + optimum / 1e6 + " ms (sizes " + Arrays.toString(sizes) + ")");
    assertTrue(slowest - fastest <= perSample[1] + perSample[0], "ranks within about a sample of each other: "
        + Arrays.toString(sizes));
    // The even split would leave the slow rank at fixed + 9e6 * 32.
    assertTrue(slowest < fixed + perSample[1] * 32 * 0.93, "balancing gains at least 7% here");
  }

  @Test
  void oneStalledStepMovesNothingButALastingChangeShowsWithinThreeSteps() {
    ShardBalancer b = new ShardBalancer(2, 32);
    for (int i = 0; i < 5; i++) {
      b.observe(new int[] {16, 16}, new double[] {16 * 5e6, 16 * 5e6});
    }
    b.observe(new int[] {16, 16}, new double[] {16 * 5e6, 16 * 50e6});
    assertArrayEquals(new int[] {16, 16}, b.sizes(32), "one stalled step is outvoted by the median");
    b.observe(new int[] {16, 16}, new double[] {16 * 5e6, 16 * 7.5e6});
    b.observe(new int[] {16, 16}, new double[] {16 * 5e6, 16 * 7.5e6});
    int[] c = b.sizes(32);
    assertTrue(c[0] > c[1], "rank 1 slower for three of the last five steps gets fewer: " + Arrays.toString(c));
    assertEquals(new int[] {19, 13}[0], c[0], "ideal 19.2 / 12.8 at 1.5x");
  }

  /** Steps of 2000 in which two equally fast ranks with 5% noise per step did not get 16/16. */
  private static int stepsAwayFromEven(ShardBalancer b) {
    Random rnd = new Random(3);
    int moved = 0;
    for (int step = 0; step < 2000; step++) {
      int[] sizes = b.sizes(32);
      if (sizes[0] != 16) {
        moved++;
      }
      double[] t = new double[2];
      for (int r = 0; r < 2; r++) {
        t[r] = sizes[r] * 7e6 * Math.exp(0.05 * rnd.nextGaussian());
      }
      b.observe(sizes, t);
    }
    return moved;
  }

  /** Invariant 3's margin: noise without memory keeps the even split; without a margin it does not. */
  @Test
  void noiseWithoutMemoryKeepsTheEvenSplit() {
    int moved = stepsAwayFromEven(new ShardBalancer(2, 32));
    int eager = stepsAwayFromEven(new ShardBalancer(2, 32, 5, 0.0));
    assertTrue(moved <= 60, "moved away from 16/16 in " + moved + " of 2000 steps");
    assertTrue(eager > 5 * Math.max(1, moved), "without a margin: " + eager + ", with: " + moved);
  }

  @Test
  void shardsAreContiguousAndCoverTheBatch() {
    int[] global = IntStream.range(100, 132).toArray();
    int[] sizes = {11, 0, 13, 8};
    int[] all = new int[0];
    for (int r = 0; r < 4; r++) {
      int[] s = ShardBalancer.shard(global, sizes, r);
      assertEquals(sizes[r], s.length);
      int[] joined = Arrays.copyOf(all, all.length + s.length);
      System.arraycopy(s, 0, joined, all.length, s.length);
      all = joined;
    }
    assertArrayEquals(global, all);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ShardBalancer.shard(global, new int[] {16, 15}, 0));
    assertTrue(e.getMessage().contains("sum to 31"), e.getMessage());
  }

  @Test
  void refusesModelsThatNormalizeEachShardByItself() {
    for (String norm : List.of("bn", "ghostbn")) {
      try (Sequential m = Models.create("lenet-bn", NormFactory.byName(norm))) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ShardBalancer.requireSplitIndependent(m), norm);
        assertTrue(e.getMessage().contains("syncbn"), e.getMessage());
      }
    }
    for (String norm : List.of("syncbn", "brn", "gn", "frozenbn", "none")) {
      try (Sequential m = Models.create("lenet-bn", NormFactory.byName(norm))) {
        ShardBalancer.requireSplitIndependent(m);
      }
    }
  }

  /** The even-only instance a trainer gets with balancing off: one code path, no measuring, no collective. */
  @Test
  void forRunWithoutBalancingAlwaysSplitsEvenlyAndExchangesNothing() {
    ShardBalancer even = ShardBalancer.forRun(false, 3, 50);
    assertEquals(17, even.cap());
    assertTrue(!even.balancing());
    even.observe(new int[] {17, 17, 16}, new double[] {1e6, 9e6, 1e6});
    assertArrayEquals(ShardBalancer.even(50, 3), even.sizes(50), "observations change nothing");
    StepTimes t = new StepTimes(1, 2, 3, 0, 0, 4, 5);
    assertEquals(t, even.exchange(null, even.sizes(50), t), "no communicator is touched");
    try (Sequential bn = Models.create("lenet-bn", NormFactory.byName("bn"))) {
      even.checkModel(bn); // per-worker BN with an even split is the usual data-parallel run
      ShardBalancer balanced = ShardBalancer.forRun(true, 3, 50);
      assertTrue(balanced.balancing());
      assertEquals(ShardBalancer.capFor(50, 3), balanced.cap());
      assertThrows(IllegalArgumentException.class, () -> balanced.checkModel(bn));
    }
    // One worker has nothing to balance.
    assertTrue(!ShardBalancer.forRun(true, 1, 16).balancing());
    assertEquals(16, ShardBalancer.forRun(true, 1, 16).cap());
  }

  @Test
  void refusesBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(0, 4));
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(2, 0));
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(2, 4, 0, 0.05));
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(2, 4, 5, 1.0));
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(2, 4, 5, -0.1));
    assertThrows(IllegalArgumentException.class, () -> new ShardBalancer(2, 4).sizes(-1));
    assertThrows(IllegalArgumentException.class,
        () -> new ShardBalancer(2, 4).observe(new int[] {1}, new double[] {1, 2}));
    assertEquals(32, ShardBalancer.capFor(32, 2));
    assertEquals(16, ShardBalancer.capFor(32, 4));
    assertEquals(2, ShardBalancer.capFor(3, 4));
  }

  /** Every rank of a real group computes the same split from the all-reduced times. */
  @Test
  void exchangeGivesEveryRankTheSameSplit() throws Exception {
    List<int[]> splits = LocalCluster.runRanks(3, Duration.ofSeconds(60), (rank, comm) -> {
      ShardBalancer b = new ShardBalancer(3, 24, 3, ShardBalancer.DEFAULT_MARGIN);
      int[] sizes = b.sizes(36);
      for (int step = 0; step < 4; step++) {
        // Rank 2 is half as fast as the others.
        b.exchange(comm, sizes, (long) (sizes[rank] * (rank == 2 ? 10e6 : 5e6)));
        sizes = b.sizes(36);
      }
      return sizes;
    });
    assertArrayEquals(splits.get(0), splits.get(1));
    assertArrayEquals(splits.get(0), splits.get(2));
    assertArrayEquals(new int[] {15, 14, 7}, splits.get(0), "shares 2:2:1 of 36 = 14.4/14.4/7.2");
  }
}
