package io.batchwise.collective.algorithm;

/**
 * All-reduce by recursive doubling: log2(p) exchanges of the whole vector, latency-optimal for
 * small messages. Any group size: with p the largest power of two not above n and rem = n - p,
 * ranks 0..2rem-1 first pair up (even rank sends to the odd one above it, which adds), the p
 * remaining ranks run the doubling, and the odd ranks finally copy the result back to their even
 * partner.
 *
 * <p>Bit-identity: in every exchange both partners add the same two vectors with the lower rank's
 * operand first; IEEE 754 addition of two operands is commutative, so both get the same bits; the
 * folded-out ranks receive copies.
 */
public final class RecursiveDoubling {
  private RecursiveDoubling() {}

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
    int p = Integer.highestOneBit(n);
    int rem = n - p;
    int newRank;
    if (r < 2 * rem) {
      if (r % 2 == 0) {
        s.sendRange(r + 1, 0, len);
        newRank = -1;
      } else {
        s.receiveAddRange(r - 1, 0, len, true);
        newRank = r / 2;
      }
    } else {
      newRank = r - rem;
    }
    if (newRank >= 0) {
      for (int mask = 1; mask < p; mask <<= 1) {
        int partnerNew = newRank ^ mask;
        int partner = partnerNew < rem ? partnerNew * 2 + 1 : partnerNew + rem;
        // Send first (a copy goes out), then add: both sides compute lower + higher.
        s.sendRange(partner, 0, len);
        s.receiveAddRange(partner, 0, len, partner < r);
      }
    }
    if (r < 2 * rem) {
      if (r % 2 == 1) {
        s.sendRange(r - 1, 0, len);
      } else {
        s.receiveCopyRange(r + 1, 0, len);
      }
    }
    return s;
  }
}
