package io.batchwise.collective.algorithm;

/**
 * Broadcast along a binomial tree rooted at {@code root} (ceil(log2 n) levels), chunked: a rank
 * forwards each chunk to its children as soon as it has it, so large messages pipeline down the
 * tree.
 */
public final class BinomialBroadcast {
  private BinomialBroadcast() {}

  /** Runs the broadcast on this thread (see {@link Schedule#run}). */
  public static void broadcast(Call c, Vec v, int root) {
    plan(c.rank(), c.size(), v.length(), c.chunkElements(), root).run(c, v);
  }

  /** Rank {@code r}'s steps of a broadcast of {@code len} elements from {@code root}. */
  public static Schedule plan(int r, int n, int len, int chunkElements, int root) {
    Schedule s = new Schedule(chunkElements);
    if (n == 1) {
      return s;
    }
    int vr = Math.floorMod(r - root, n);
    int parent = -1;
    int mask = 1;
    while (mask < n) {
      if ((vr & mask) != 0) {
        parent = (vr - mask + root) % n;
        break;
      }
      mask <<= 1;
    }
    // Children: vr + m for every m below the bit that links this rank to its parent.
    int top = parent < 0 ? Integer.highestOneBit(n - 1) << 1 : mask;
    int[] children = new int[32];
    int nc = 0;
    for (int m = top >> 1; m > 0; m >>= 1) {
      if (vr + m < n) {
        children[nc++] = (vr + m + root) % n;
      }
    }
    int from = parent;
    int count = nc;
    s.forEachChunk(0, len, (f, m) -> {
      if (from >= 0) {
        s.receiveCopy(from, f, m);
      }
      for (int j = 0; j < count; j++) {
        s.send(children[j], f, m);
      }
    });
    return s;
  }
}
