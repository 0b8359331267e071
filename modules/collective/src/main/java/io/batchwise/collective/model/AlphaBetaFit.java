package io.batchwise.collective.model;

import java.util.List;

/**
 * Least-squares fit of (alpha, beta) to measured times of one algorithm.
 *
 * <p>Minimizes the sum of squared <em>relative</em> residuals, Σ((alpha·A_i + beta·B_i − T_i)/T_i)²:
 * the samples span 8 bytes to megabytes (times from tens of microseconds to hundreds of
 * milliseconds), and plain residuals would let the largest messages decide alpha alone. The 2×2
 * normal equations are solved directly; when the unconstrained optimum has a negative component
 * (noise on a term too small to resolve), that component is set to 0 and the other refitted
 * alone, which is the non-negative least-squares optimum for two unknowns.
 */
public final class AlphaBetaFit {
  private AlphaBetaFit() {
  }

  /** One measurement: median seconds of {@code algorithm} on {@code ranks} ranks, {@code bytes} bytes. */
  public record Sample(Algorithm algorithm, int ranks, long bytes, double seconds) {
    public Sample {
      if (ranks < 2 || bytes < 0 || !(seconds > 0)) {
        throw new IllegalArgumentException("a sample needs ranks >= 2, bytes >= 0 and seconds > 0; got "
            + ranks + ", " + bytes + ", " + seconds);
      }
    }
  }

  /**
   * Fits {@code algorithm}'s samples (others in the list are ignored).
   *
   * @throws IllegalArgumentException with fewer than 2 samples of the algorithm, or when they
   *     cannot separate alpha from beta (all at the same ratio B/A)
   */
  public static AlphaBeta fit(Algorithm algorithm, List<Sample> samples, int chunkBytes) {
    double saa = 0;
    double sab = 0;
    double sbb = 0;
    double sat = 0;
    double sbt = 0;
    int n = 0;
    for (Sample s : samples) {
      if (s.algorithm() != algorithm) {
        continue;
      }
      double[] c = algorithm.coefficients(s.ranks(), s.bytes(), chunkBytes);
      // Weighted rows: divide A, B and T by T (relative residuals), so the target is 1.
      double a = c[0] / s.seconds();
      double b = c[1] / s.seconds();
      saa += a * a;
      sab += a * b;
      sbb += b * b;
      sat += a;
      sbt += b;
      n++;
    }
    if (n < 2) {
      throw new IllegalArgumentException("fitting " + algorithm.shortName() + " needs at least 2 samples, got " + n);
    }
    double det = saa * sbb - sab * sab;
    if (!(Math.abs(det) > 1e-12 * saa * sbb)) {
      throw new IllegalArgumentException("the " + algorithm.shortName() + " samples cannot separate alpha from"
          + " beta: use several message sizes, including small (< 1 KB) and large (> 100 KB) ones");
    }
    double alpha = (sat * sbb - sbt * sab) / det;
    double beta = (saa * sbt - sab * sat) / det;
    if (alpha < 0) {
      alpha = 0;
      beta = sbt / sbb;
    } else if (beta < 0) {
      beta = 0;
      alpha = sat / saa;
    }
    double sq = 0;
    for (Sample s : samples) {
      if (s.algorithm() == algorithm) {
        double[] c = algorithm.coefficients(s.ranks(), s.bytes(), chunkBytes);
        double r = (alpha * c[0] + beta * c[1] - s.seconds()) / s.seconds();
        sq += r * r;
      }
    }
    return new AlphaBeta(alpha, beta, Math.sqrt(sq / n), n);
  }
}
