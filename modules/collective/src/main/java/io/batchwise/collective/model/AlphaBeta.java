package io.batchwise.collective.model;

/**
 * One algorithm's fitted costs: {@code alpha} seconds per message, {@code beta} seconds per byte,
 * with the fit's root-mean-square relative residual and its number of samples (0 and 0 for a pair
 * not fitted but derived, e.g. by {@link #onNetwork}).
 */
public record AlphaBeta(double alpha, double beta, double rmsRelativeError, int samples) {
  public AlphaBeta {
    if (!(alpha >= 0) || !(beta >= 0)) {
      throw new IllegalArgumentException("alpha and beta must be finite and >= 0, got " + alpha
          + ", " + beta);
    }
  }

  public static AlphaBeta of(double alpha, double beta) {
    return new AlphaBeta(alpha, beta, 0, 0);
  }

  /** Predicted seconds of {@code algorithm} on {@code p} ranks for {@code bytes} bytes. */
  public double seconds(Algorithm algorithm, int p, double bytes, int chunkBytes) {
    double[] ab = algorithm.coefficients(p, bytes, chunkBytes);
    return alpha * ab[0] + beta * ab[1];
  }

  /**
   * These software costs on a network with one-way latency {@code latencySeconds} and link rate
   * {@code bytesPerSecond} (per direction, per rank): alpha + L, beta + 1/R (see the package doc).
   */
  public AlphaBeta onNetwork(double latencySeconds, double bytesPerSecond) {
    if (latencySeconds < 0 || !(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("latency must be >= 0 and rate > 0, got " + latencySeconds
          + " s, " + bytesPerSecond + " B/s");
    }
    return new AlphaBeta(alpha + latencySeconds, beta + 1.0 / bytesPerSecond, 0, 0);
  }

  /**
   * The optimistic composition: the copy and add overlap the wire perfectly, so the slower of the
   * two sets the per-byte cost: alpha + L, max(beta, 1/R).
   */
  public AlphaBeta onNetworkPipelined(double latencySeconds, double bytesPerSecond) {
    if (latencySeconds < 0 || !(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("latency must be >= 0 and rate > 0, got " + latencySeconds
          + " s, " + bytesPerSecond + " B/s");
    }
    return new AlphaBeta(alpha + latencySeconds, Math.max(beta, 1.0 / bytesPerSecond), 0, 0);
  }
}
