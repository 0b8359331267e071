package io.batchwise.collective.algorithm;

/**
 * All-reduce in one round for tiny messages: every rank sends its whole vector to every other
 * rank, then each rank sums the n vectors in rank order, ((x_0 + x_1) + x_2) + ... Latency is one
 * hop (recursive doubling needs ceil(log2 n) hops in sequence, and at 4 ranks on loopback each hop
 * costs a thread wake-up on the receiving side); the price is n - 1 frames per rank instead of
 * log2(n), which only pays while the vector is small and the group too.
 *
 * <p>Bit-identity: every rank evaluates the same expression on the same operands in the same
 * order.
 */
public final class DirectAllReduce {
  private DirectAllReduce() {}

  /** Runs the all-reduce on this thread (see {@link Schedule#run}). */
  public static void allReduce(Call c, Vec v) {
    plan(c.rank(), c.size(), v.length(), c.chunkElements()).run(c, v);
  }

  /**
   * Rank {@code r}'s steps of an all-reduce of {@code len} elements among {@code n} ranks: the
   * vector must fit one frame ({@code len <= chunkElements}).
   */
  public static Schedule plan(int r, int n, int len, int chunkElements) {
    if (len > chunkElements) {
      throw new IllegalArgumentException("direct all-reduce sends the vector in one frame: "
          + len + " elements > " + chunkElements + " per frame");
    }
    Schedule s = new Schedule(chunkElements);
    if (n == 1) {
      return s;
    }
    // Sends in the order r+1, r+2, ... so that not every rank writes to rank 0 first.
    for (int k = 1; k < n; k++) {
      s.send((r + k) % n, 0, len);
    }
    s.receiveAllSum(len);
    return s;
  }
}
