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
  void directExchangeAnySizeAnyLength() throws Exception {
    for (int size = 1; size <= 9; size++) {
      for (int n : LENGTHS) {
        long seed = size * 1000L + n;
        // The whole vector travels in one frame: chunk of 512 bytes holds 128 floats.
        List<float[]> out = run(size, n, Op.ALL_REDUCE_SUM, WireFormat.ALGORITHM_DIRECT, 512,
            seed, DirectAllReduce::allReduce);
        checkSum(out, size, n, seed);
        // Rank order, whatever the rank: rank 0's result is the sequential float sum.
        for (int i = 0; i < n; i++) {
          float seq = 0;
          for (int r = 0; r < size; r++) {
            seq = r == 0 ? input(0, n, seed)[i] : seq + input(r, n, seed)[i];
          }
          assertEquals(Float.floatToRawIntBits(seq), Float.floatToRawIntBits(out.get(0)[i]),
              "element " + i + " of size " + size);
        }
      }
    }
  }

  @Test
  void directExchangeRefusesAVectorLargerThanOneFrame() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> DirectAllReduce.plan(0, 4, 129, 128));
    assertTrue(e.getMessage().contains("one frame"), e.getMessage());
  }

  @Test
  void schedulesPipelineTheRing() {
    // Rank 1 of 3, 6 elements (segment j = [2j, 2j + 2)), 1 element per frame: its own segment 1
    // goes out first; each received chunk of segments 0 then 2 is added and forwarded before the
    // next is received (segment 2 ends fully reduced here); the all-gather copies segment 1 (owned
    // by rank 0) and forwards it, then copies segment 0, the last.
    Schedule s = Ring.plan(1, 3, 6, 1);
    assertEquals("Schedule[send 2 [2+1], send 2 [3+1], add< fwd 2 from 0 [0+1], "
        + "add< fwd 2 from 0 [1+1], add<! fwd 2 from 0 [4+1], add<! fwd 2 from 0 [5+1], "
        + "copy fwd 2 from 0 [2+1], copy fwd 2 from 0 [3+1], copy 0 [0+1], copy 0 [1+1]]",
        s.toString());
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
