package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {

  @Test
  void sameSeedSameOrderAndEpochsDiffer() {
    BatchSampler a = new BatchSampler(100, 8, true, false, 42);
    BatchSampler b = new BatchSampler(100, 8, true, false, 42);
    assertArrayEquals(a.order(0), b.order(0));
    assertArrayEquals(a.order(3), b.order(3));
    assertFalse(Arrays.equals(a.order(0), a.order(1)));
    assertFalse(Arrays.equals(a.order(0), new BatchSampler(100, 8, true, false, 43).order(0)));
    int[] sorted = a.order(5).clone();
    Arrays.sort(sorted);
    assertArrayEquals(IntStream.range(0, 100).toArray(), sorted, "an order is a permutation");
    assertArrayEquals(IntStream.range(0, 100).toArray(), new BatchSampler(100, 8, false, false, 1).order(2));
  }

  @Test
  void lastBatchKeptOrDropped() {
    BatchSampler keep = new BatchSampler(10, 4, true, false, 1);
    List<int[]> batches = keep.epoch(0);
    assertEquals(3, keep.batchesPerEpoch());
    assertEquals(List.of(4, 4, 2), batches.stream().map(x -> x.length).toList());
    int[] all = batches.stream().flatMapToInt(Arrays::stream).toArray();
    assertArrayEquals(keep.order(0), all);

    BatchSampler drop = new BatchSampler(10, 4, true, true, 1);
    assertEquals(2, drop.batchesPerEpoch());
    assertEquals(8, drop.samplesPerEpoch());
    assertEquals(List.of(4, 4), drop.epoch(0).stream().map(x -> x.length).toList());
    assertEquals(0, new BatchSampler(3, 4, true, true, 1).batchesPerEpoch());
  }

  @Test
  void shardsAreDisjointCoverTheBatchAndDifferByAtMostOne() {
    int[] global = IntStream.range(100, 110).toArray();
    int workers = 4;
    int[] joined = new int[0];
    for (int r = 0; r < workers; r++) {
      int[] s = BatchSampler.shard(global, r, workers);
      assertEquals(r < 2 ? 3 : 2, s.length, "10 over 4 workers: 3, 3, 2, 2");
      int[] next = Arrays.copyOf(joined, joined.length + s.length);
      System.arraycopy(s, 0, next, joined.length, s.length);
      joined = next;
    }
    assertArrayEquals(global, joined, "concatenated shards are the global batch in order");
    // Fewer samples than workers: some shards are empty.
    assertEquals(1, BatchSampler.shard(new int[] {5, 6}, 1, 3).length);
    assertEquals(0, BatchSampler.shard(new int[] {5, 6}, 2, 3).length);
    assertThrows(IllegalArgumentException.class, () -> BatchSampler.shard(global, 4, 4));
  }

  @Test
  void workersTogetherSeeWhatOneWorkerSees() {
    BatchSampler s = new BatchSampler(37, 8, true, false, 9);
    List<int[]> single = s.epoch(2);
    List<int[]> r0 = s.epoch(2, 0, 3);
    List<int[]> r1 = s.epoch(2, 1, 3);
    List<int[]> r2 = s.epoch(2, 2, 3);
    for (int b = 0; b < single.size(); b++) {
      int[] joined = IntStream.concat(IntStream.concat(Arrays.stream(r0.get(b)), Arrays.stream(r1.get(b))),
          Arrays.stream(r2.get(b))).toArray();
      assertArrayEquals(single.get(b), joined);
      assertTrue(Math.abs(r0.get(b).length - r2.get(b).length) <= 1);
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(10, 0, true, false, 1));
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(-1, 2, true, false, 1));
  }
}
