package io.batchwise.collective.model;

/**
 * The collectives of {@link io.batchwise.collective.algorithm} as cost formulas: {@link
 * #coefficients} returns (A, B) such that the predicted time is {@code alpha·A + beta·B}.
 *
 * <p>p ranks, n bytes, chunk c bytes (the pipelining unit of the ring and the broadcast):
 * <ul>
 *   <li>{@link #RECURSIVE_DOUBLING}: with q the largest power of two ≤ p, log2(q) exchanges of the
 *       whole vector, plus a fold-in and a copy-back (2 more) when p is not a power of two:
 *       A = steps, B = steps·n.</li>
 *   <li>{@link #RING}: reduce-scatter then all-gather, 2(p−1) steps of one segment (n/p bytes), each
 *       segment sent as k = ⌈n/(p·c)⌉ frames: A = 2(p−1)·k, B = 2(p−1)·n/p.</li>
 *   <li>{@link #BINOMIAL_BROADCAST}: ⌈log2 p⌉ levels; a rank forwards each of k = ⌈n/c⌉ chunks to
 *       each of its children in turn, so the root's sends bound the time: A = ⌈log2 p⌉·k,
 *       B = ⌈log2 p⌉·n.</li>
 * </ul>
 * p = 1 costs nothing (A = B = 0).
 */
public enum Algorithm {
  RECURSIVE_DOUBLING("rd"),
  RING("ring"),
  BINOMIAL_BROADCAST("bcast");

  private final String shortName;

  Algorithm(String shortName) {
    this.shortName = shortName;
  }

  /** The name used in CSV files and options: rd, ring, bcast. */
  public String shortName() {
    return shortName;
  }

  /** The algorithm with this short name. */
  public static Algorithm byShortName(String s) {
    for (Algorithm a : values()) {
      if (a.shortName.equals(s)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown algorithm '" + s + "'; valid: rd, ring, bcast");
  }

  /**
   * (A, B): messages and bytes on the critical path of this algorithm on {@code p} ranks for an
   * {@code bytes}-byte vector.
   */
  public double[] coefficients(int p, double bytes, int chunkBytes) {
    if (p < 1 || bytes < 0 || chunkBytes < 1) {
      throw new IllegalArgumentException("need p >= 1, bytes >= 0, chunk >= 1; got " + p + ", "
          + bytes + ", " + chunkBytes);
    }
    if (p == 1) {
      return new double[] {0, 0};
    }
    switch (this) {
      case RECURSIVE_DOUBLING -> {
        int q = Integer.highestOneBit(p);
        int steps = Integer.numberOfTrailingZeros(q) + (q == p ? 0 : 2);
        return new double[] {steps, steps * bytes};
      }
      case RING -> {
        double segment = bytes / p;
        double k = Math.max(1, Math.ceil(segment / chunkBytes));
        return new double[] {2.0 * (p - 1) * k, 2.0 * (p - 1) * segment};
      }
      case BINOMIAL_BROADCAST -> {
        int levels = 32 - Integer.numberOfLeadingZeros(p - 1);
        double k = Math.max(1, Math.ceil(bytes / chunkBytes));
        return new double[] {levels * k, levels * bytes};
      }
      default -> throw new AssertionError(this);
    }
  }
}
