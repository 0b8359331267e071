package io.batchwise.collective.algorithm;

import io.batchwise.collective.wire.Frame;

/**
 * Broadcast along a binomial tree rooted at {@code root} (ceil(log2 n) levels), chunked: a rank
 * forwards each chunk to its children as soon as it has it, so large messages pipeline down the
 * tree.
 */
public final class BinomialBroadcast {
  private BinomialBroadcast() {}

  public static void broadcast(Call c, Vec v, int root) {
    int n = c.size();
    if (n == 1) {
      return;
    }
    int vr = Math.floorMod(c.rank() - root, n);
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
    int len = v.length();
    int chunk = c.chunkElements();
    int k = c.chunks(len);
    for (int i = 0; i < k; i++) {
      int lo = (int) Math.min((long) i * chunk, len);
      int hi = (int) Math.min((long) (i + 1) * chunk, len);
      if (parent >= 0) {
        Frame f = c.receive(parent, hi - lo);
        try {
          v.copy(f.payload(), lo, hi - lo);
        } finally {
          f.release();
        }
      }
      for (int j = 0; j < nc; j++) {
        c.send(children[j], v, lo, hi - lo);
      }
    }
  }
}
