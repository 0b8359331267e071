package io.batchwise.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random allocate/release sequences checked against a model of the arena after every operation:
 * the allocator must place each block exactly where first fit over merged free blocks puts it, and
 * the invariants of its Javadoc (alignment, no overlap, used + free = capacity) must hold.
 */
class ArenaAllocatorTest {

  /** The model: allocated blocks (start → rounded length); free space is the gaps between them. */
  private static final class Model {
    final int capacity;
    final int alignment;
    final TreeMap<Integer, Integer> used = new TreeMap<>();

    Model(int capacity, int alignment) {
      this.capacity = capacity;
      this.alignment = alignment;
    }

    int rounded(int length) {
      int n = Math.max(length, 1);
      return (n + alignment - 1) / alignment * alignment;
    }

    /** Gaps between used blocks, in address order: {start, length}. */
    List<int[]> gaps() {
      List<int[]> gaps = new ArrayList<>();
      int cursor = 0;
      for (Map.Entry<Integer, Integer> e : used.entrySet()) {
        if (e.getKey() > cursor) {
          gaps.add(new int[] {cursor, e.getKey() - cursor});
        }
        cursor = e.getKey() + e.getValue();
      }
      if (cursor < capacity) {
        gaps.add(new int[] {cursor, capacity - cursor});
      }
      return gaps;
    }

    /** Where first fit places a block, or −1 if nothing fits. */
    int firstFit(int length) {
      int need = rounded(length);
      for (int[] gap : gaps()) {
        if (gap[1] >= need) {
          return gap[0];
        }
      }
      return -1;
    }

    long usedElements() {
      long sum = 0;
      for (int len : used.values()) {
        sum += len;
      }
      return sum;
    }
  }

  private static void checkInvariants(ArenaAllocator a, Model m) {
    // 1. alignment; 2. no overlap, inside the arena (the model's blocks are what the allocator returned)
    int end = 0;
    for (Map.Entry<Integer, Integer> e : m.used.entrySet()) {
      assertEquals(0, e.getKey() % a.alignment(), "block start aligned");
      assertTrue(e.getKey() >= end, "blocks do not overlap");
      end = e.getKey() + e.getValue();
      assertTrue(end <= a.capacity(), "block inside the arena");
    }
    // 3. accounting
    assertEquals(m.usedElements(), a.used());
    assertEquals(a.capacity(), a.used() + a.free());
    assertEquals(m.used.size(), a.blocks());
    // merged free blocks: the largest free block is the largest gap between allocated blocks
    int largestGap = 0;
    for (int[] gap : m.gaps()) {
      largestGap = Math.max(largestGap, gap[1]);
    }
    assertEquals(largestGap, a.largestFreeBlock(), "free neighbours are merged");
    assertTrue(a.peak() >= a.used());
  }

  @Test
  void randomSequencesKeepTheInvariantsAndPlaceBlocksFirstFit() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 20; round++) {
      int alignment = 1 << random.nextInt(5);
      int capacity = 200 + random.nextInt(2000);
      ArenaAllocator a = new ArenaAllocator("test arena", capacity, alignment);
      Model m = new Model(a.capacity(), alignment);
      assertEquals(capacity - capacity % alignment, a.capacity());
      for (int step = 0; step < 400; step++) {
        if (m.used.isEmpty() || random.nextInt(100) < 55) {
          int length = random.nextInt(100) < 10 ? 0 : random.nextInt(1, 120);
          int expected = m.firstFit(length);
          if (expected < 0) {
            assertThrows(DeviceMemoryException.class, () -> a.allocate(length));
          } else {
            int offset = a.allocate(length);
            assertEquals(expected, offset, "first fit for " + length + " elements");
            m.used.put(offset, m.rounded(length));
          }
        } else {
          List<Integer> starts = new ArrayList<>(m.used.keySet());
          int victim = starts.get(random.nextInt(starts.size()));
          a.release(victim);
          m.used.remove(victim);
        }
        checkInvariants(a, m);
      }
      for (int start : new ArrayList<>(m.used.keySet())) {
        a.release(start);
        m.used.remove(start);
        checkInvariants(a, m);
      }
      assertEquals(a.capacity(), a.largestFreeBlock(), "everything released merges back into one block");
      assertEquals(0, a.allocate(a.capacity()));
    }
  }

  @Test
  void exhaustionNamesTheArenaAndTheSizes() {
    ArenaAllocator a = new ArenaAllocator("gpu float arena", 1000, 8);
    a.allocate(600);
    DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> a.allocate(500));
    String message = e.getMessage();
    assertTrue(message.contains("gpu float arena"), message);
    assertTrue(message.contains("500"), message);
    assertTrue(message.contains("600") && message.contains("1,000"), message);
  }

  @Test
  void releasingAnUnknownOffsetFails() {
    ArenaAllocator a = new ArenaAllocator("arena", 256, 16);
    int first = a.allocate(10);
    a.allocate(10);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.release(first + 1));
    assertTrue(e.getMessage().contains("offset " + (first + 1)), e.getMessage());
    a.release(first);
    assertThrows(IllegalStateException.class, () -> a.release(first), "double release");
    assertEquals(16, a.used());
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new ArenaAllocator("a", 0, 8));
    assertThrows(IllegalArgumentException.class, () -> new ArenaAllocator("a", 100, 12));
    ArenaAllocator a = new ArenaAllocator("a", 100, 4);
    assertThrows(IllegalArgumentException.class, () -> a.allocate(-1));
  }

  @Test
  void zeroLengthBlocksAreDistinct() {
    ArenaAllocator a = new ArenaAllocator("a", 64, 8);
    int x = a.allocate(0);
    int y = a.allocate(0);
    assertTrue(x != y);
    assertEquals(16, a.used());
    assertEquals(16, a.peak());
    a.release(x);
    a.release(y);
    assertEquals(16, a.peak(), "peak remembers the high-water mark");
  }
}
