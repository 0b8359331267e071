package io.batchwise.collective.algorithm;

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

  /** Runs the all-reduce on this thread (see {@link Schedule#run}). */
  public static void allReduce(Call c, Vec v) {
    plan(c.rank(), c.size(), v.length(), c.chunkElements()).run(c, v);
  }

  /** Rank {@code r}'s steps of an all-reduce of {@code len} elements among {@code n} ranks. */
  public static Schedule plan(int r, int n, int len, int chunkElements) {
    Schedule s = new Schedule(chunkElements);
    if (n == 1) {
      return s;
    }
    int right = (r + 1) % n;
    int left = (r + n - 1) % n;
    s.sendRange(right, segmentStart(r, n, len), segmentStart(r + 1, n, len)
        - segmentStart(r, n, len));
    for (int step = 0; step < n - 1; step++) {
      int seg = Math.floorMod(r - step - 1, n);
      int from = segmentStart(seg, n, len);
      // Each chunk is forwarded as soon as it has been added: the next reduce-scatter step sends
      // exactly this chunk; at the last step it is the fully reduced chunk this rank owns, i.e.
      // the first all-gather step. The sum is made in the received buffer, which goes on as it
      // is; only the owned segment's sums are also stored (the others are overwritten by the
      // all-gather).
      boolean owned = step == n - 2;
      s.forEachChunk(from, segmentStart(seg + 1, n, len) - from,
          (f, m) -> s.receiveAddForward(left, f, m, true, owned, right));
    }
    for (int t = 0; t < n - 1; t++) {
      int seg = Math.floorMod(r - t, n);
      int from = segmentStart(seg, n, len);
      boolean forward = t < n - 2;
      s.forEachChunk(from, segmentStart(seg + 1, n, len) - from, (f, m) -> {
        if (forward) {
          s.receiveCopyForward(left, f, m, right);
        } else {
          s.receiveCopy(left, f, m);
        }
      });
    }
    return s;
  }
}
