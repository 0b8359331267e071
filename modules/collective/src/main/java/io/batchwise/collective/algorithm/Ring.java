package io.batchwise.collective.algorithm;

import io.batchwise.collective.wire.Frame;

/**
 * All-reduce by ring reduce-scatter then all-gather, bandwidth-optimal for large messages: each
 * rank sends and receives 2(n-1)/n of the vector. The vector is cut into n segments (segment j is
 * [j*len/n, (j+1)*len/n)), each segment into chunks of {@link Call#chunkElements()}; a chunk is
 * forwarded as soon as it has been received and added, so the n-1 steps overlap (pipelining).
 *
 * <p>Reduce-scatter step s (0..n-2): rank r sends segment (r-s) mod n to r+1 and receives segment
 * (r-s-1) mod n from r-1, adding its own. After n-1 steps rank r holds the full sum of segment
 * (r+1) mod n, accumulated in the fixed order owner+1, owner+2, ... around the ring. The all-gather
 * then circulates copies of these sums, so every rank ends with the same bits.
 */
public final class Ring {
  private Ring() {}

  static int segmentStart(int segment, int n, int len) {
    return (int) ((long) segment * len / n);
  }

  public static void allReduce(Call c, Vec v) {
    int n = c.size();
    int r = c.rank();
    int len = v.length();
    if (n == 1) {
      return;
    }
    int right = (r + 1) % n;
    int left = (r + n - 1) % n;
    int chunk = c.chunkElements();
    int first = r;
    c.sendRange(right, v, segmentStart(first, n, len), segmentStart(first + 1, n, len)
        - segmentStart(first, n, len));
    for (int s = 0; s < n - 1; s++) {
      int seg = Math.floorMod(r - s - 1, n);
      int from = segmentStart(seg, n, len);
      int segLen = segmentStart(seg + 1, n, len) - from;
      int k = c.chunks(segLen);
      for (int i = 0; i < k; i++) {
        int lo = (int) Math.min((long) i * chunk, segLen);
        int hi = (int) Math.min((long) (i + 1) * chunk, segLen);
        Frame f = c.receive(left, hi - lo);
        try {
          v.add(f.payload(), from + lo, hi - lo, true);
        } finally {
          f.release();
        }
        // Next reduce-scatter step sends exactly this chunk; at the last step it is the fully
        // reduced chunk this rank owns, i.e. the first all-gather step.
        c.send(right, v, from + lo, hi - lo);
      }
    }
    for (int t = 0; t < n - 1; t++) {
      int seg = Math.floorMod(r - t, n);
      int from = segmentStart(seg, n, len);
      int segLen = segmentStart(seg + 1, n, len) - from;
      int k = c.chunks(segLen);
      for (int i = 0; i < k; i++) {
        int lo = (int) Math.min((long) i * chunk, segLen);
        int hi = (int) Math.min((long) (i + 1) * chunk, segLen);
        Frame f = c.receive(left, hi - lo);
        try {
          v.copy(f.payload(), from + lo, hi - lo);
        } finally {
          f.release();
        }
        if (t < n - 2) {
          c.send(right, v, from + lo, hi - lo);
        }
      }
    }
  }
}
