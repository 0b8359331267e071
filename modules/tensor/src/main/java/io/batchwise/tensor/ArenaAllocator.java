package io.batchwise.tensor;

import java.util.Map;
import java.util.TreeMap;

/**
 * First-fit allocator over one fixed-size arena of elements (the device memory of a {@link Device}).
 *
 * <p>Why an arena: Aparapi's bound OpenCL interfaces keep one OpenCL buffer per kernel argument and
 * re-pin it whenever a different Java array is passed in that argument, leaking a JNI critical
 * section each time (the JVM then hangs at its next garbage collection). Passing the same arena array
 * to every kernel avoids that, and on a CPU device (PoCL) the buffer aliases the array
 * ({@code CL_MEM_USE_HOST_PTR}), so a kernel launch copies nothing however large the arena is.
 *
 * <p>Invariants:
 * <ol>
 *   <li>Every block starts at a multiple of {@link #alignment()} elements.</li>
 *   <li>Free blocks never overlap, never touch (neighbours are merged), and lie inside the arena.</li>
 *   <li>{@code used() + free() == capacity()} at all times.</li>
 * </ol>
 * Not thread-safe: a device belongs to one worker thread.
 */
public final class ArenaAllocator {
  private final String arenaName;
  private final int capacity;
  private final int alignment;
  /** Free blocks: start offset to length. */
  private final TreeMap<Integer, Integer> free = new TreeMap<>();
  /** Allocated blocks: start offset to length. */
  private final TreeMap<Integer, Integer> used = new TreeMap<>();
  private long usedElements;
  private long peakElements;

  /**
   * @param arenaName name used in error messages
   * @param capacity arena size in elements
   * @param alignment block alignment in elements (a power of two)
   */
  public ArenaAllocator(String arenaName, int capacity, int alignment) {
    if (capacity <= 0) {
      throw new IllegalArgumentException(arenaName + ": capacity must be positive, got " + capacity);
    }
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException(arenaName + ": alignment must be a power of two, got " + alignment);
    }
    this.arenaName = arenaName;
    this.capacity = capacity - capacity % alignment;
    this.alignment = alignment;
    free.put(0, this.capacity);
  }

  /** Allocates {@code length} elements and returns the start offset. Zero-length requests get a block too. */
  public int allocate(int length) {
    if (length < 0) {
      throw new IllegalArgumentException(arenaName + ": negative allocation " + length);
    }
    int rounded = roundUp(Math.max(length, 1));
    for (Map.Entry<Integer, Integer> e : free.entrySet()) {
      if (e.getValue() >= rounded) {
        int start = e.getKey();
        int remaining = e.getValue() - rounded;
        free.remove(start);
        if (remaining > 0) {
          free.put(start + rounded, remaining);
        }
        used.put(start, rounded);
        usedElements += rounded;
        peakElements = Math.max(peakElements, usedElements);
        return start;
      }
    }
    throw new DeviceMemoryException(String.format(
        "%s exhausted: cannot allocate %,d elements; %,d of %,d in use (largest free block %,d). "
            + "Raise the device memory (--device-memory MB) or lower the batch size.",
        arenaName, length, usedElements, capacity, largestFreeBlock()));
  }

  /** Returns the block that starts at {@code offset} to the free list. */
  public void release(int offset) {
    Integer length = used.remove(offset);
    if (length == null) {
      throw new IllegalStateException(arenaName + ": no block allocated at offset " + offset);
    }
    usedElements -= length;
    int start = offset;
    int len = length;
    Map.Entry<Integer, Integer> before = free.floorEntry(start);
    if (before != null && before.getKey() + before.getValue() == start) {
      start = before.getKey();
      len += before.getValue();
      free.remove(before.getKey());
    }
    Integer afterLen = free.get(offset + length);
    if (afterLen != null) {
      free.remove(offset + length);
      len += afterLen;
    }
    free.put(start, len);
  }

  private int roundUp(int n) {
    long r = ((long) n + alignment - 1) / alignment * alignment;
    if (r > Integer.MAX_VALUE) {
      throw new DeviceMemoryException(arenaName + ": allocation of " + n + " elements is too large");
    }
    return (int) r;
  }

  public int capacity() {
    return capacity;
  }

  public int alignment() {
    return alignment;
  }

  /** Elements in allocated blocks (after rounding to the alignment). */
  public long used() {
    return usedElements;
  }

  /** Elements not in any allocated block. */
  public long free() {
    return capacity - usedElements;
  }

  /** Largest {@link #used()} seen since creation. */
  public long peak() {
    return peakElements;
  }

  public int largestFreeBlock() {
    int best = 0;
    for (int len : free.values()) {
      best = Math.max(best, len);
    }
    return best;
  }

  /** Number of allocated blocks. */
  public int blocks() {
    return used.size();
  }
}
