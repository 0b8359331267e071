package io.batchwise.collective.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.wire.WireFormat;
import io.batchwise.collective.wire.WireFormat.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The algorithms over in-memory links, for every group size 1..9 and awkward lengths (shorter
 * than the group, not divisible by it, several chunks of 4 elements). Inputs span 8 orders of
 * magnitude with both signs, so any difference in summation order between ranks would show.
 */
class AlgorithmTest {
  private static final ExecutorService POOL = Executors.newCachedThreadPool();
  private static final int[] LENGTHS = {0, 1, 2, 5, 8, 13, 101};

  @AfterAll
  static void stop() {
    POOL.shutdownNow();
  }

  static float[] input(int rank, int n, long seed) {
    Random rnd = new Random(seed * 31 + rank);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
    }
    return a;
  }

  /** Runs body(call, data) on every rank in its own thread; returns each rank's data after. */
  static List<float[]> run(int size, int n, Op op, int aux, int chunkBytes, long seed,
      BiConsumer<Call, Vec> body) throws Exception {
    MemoryLinks links = new MemoryLinks(size);
    List<float[]> data = new ArrayList<>();
    List<Future<?>> fs = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      float[] a = input(r, n, seed);
      data.add(a);
      Call c = new Call(links.of(r), op, WireFormat.DType.F32, 1, n, aux, chunkBytes,
          System.nanoTime() + 20_000_000_000L);
      fs.add(POOL.submit(() -> body.accept(c, Vec.of(a))));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    return data;
  }

  static void checkSum(List<float[]> out, int size, int n, long seed) {
    for (int i = 0; i < n; i++) {
      double exact = 0;
      double abs = 0;
      for (int r = 0; r < size; r++) {
        float x = input(r, n, seed)[i];
        exact += x;
        abs += Math.abs(x);
      }
      assertEquals(exact, out.get(0)[i], size * 0x1p-24 * abs + 1e-30, "element " + i);
    }
    for (float[] a : out) {
      assertArrayEquals(out.get(0), a, "all ranks must hold the same bits");
    }
  }

  @Test
  void recursiveDoublingAnySizeAnyLength() throws Exception {
    for (int size = 1; size <= 9; size++) {
      for (int n : LENGTHS) {
        List<float[]> out = run(size, n, Op.ALL_REDUCE_SUM, WireFormat.ALGORITHM_RECURSIVE_DOUBLING,
            16, size * 1000L + n, RecursiveDoubling::allReduce);
        checkSum(out, size, n, size * 1000L + n);
      }
    }
  }

  @Test
  void ringAnySizeAnyLengthAndRepeatable() throws Exception {
    for (int size = 1; size <= 9; size++) {
      for (int n : LENGTHS) {
        long seed = size * 1000L + n;
        List<float[]> out = run(size, n, Op.ALL_REDUCE_SUM, WireFormat.ALGORITHM_RING, 16, seed,
            Ring::allReduce);
        checkSum(out, size, n, seed);
        List<float[]> again = run(size, n, Op.ALL_REDUCE_SUM, WireFormat.ALGORITHM_RING, 16,
            seed, Ring::allReduce);
        assertArrayEquals(out.get(0), again.get(0), "same inputs, same bits, run after run");
      }
    }
  }

  @Test
  void broadcastFromEveryRoot() throws Exception {
    for (int size = 1; size <= 9; size++) {
      for (int root = 0; root < size; root++) {
        int n = 37;
        int theRoot = root;
        List<float[]> out = run(size, n, Op.BROADCAST, root, 16, 5,
            (c, v) -> BinomialBroadcast.broadcast(c, v, theRoot));
        float[] expected = input(root, n, 5);
        for (float[] a : out) {
          assertArrayEquals(expected, a);
        }
      }
    }
  }

  @Test
  void chunkCountsCoverEveryRange() throws Exception {
    Call c = new Call(new MemoryLinks(1).of(0), Op.ALL_REDUCE_SUM, WireFormat.DType.F64, 1, 0,
        1, 64, 0);
    assertEquals(8, c.chunkElements());
    assertEquals(1, c.chunks(0), "an empty range still travels as one (empty) frame");
    assertEquals(1, c.chunks(8));
    assertEquals(2, c.chunks(9));
    assertTrue(c.describe().contains("allReduceSum(double[0])"), c.describe());
  }
}
