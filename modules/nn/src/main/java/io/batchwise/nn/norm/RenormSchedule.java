package io.batchwise.nn.norm;

/**
 * The rmax/dmax schedule of {@link BatchRenorm} (Ioffe 2017 §4): rmax ramps linearly from 1 to
 * {@code rmaxEnd} between steps {@code rStart} and {@code rEnd}; dmax from 0 to {@code dmaxEnd}
 * between {@code dStart} and {@code dEnd}. Before a ramp starts it is at its initial value (rmax 1,
 * dmax 0: plain BatchNorm), after it ends at its final one. A step is one TRAIN forward with a
 * non-empty global batch.
 */
public record RenormSchedule(double rmaxEnd, long rStart, long rEnd, double dmaxEnd, long dStart, long dEnd) {
  /** The paper's defaults: rmax 1 → 3 over steps 5k–40k, dmax 0 → 5 over 5k–25k. */
  public static final RenormSchedule DEFAULT = new RenormSchedule(3, 5_000, 40_000, 5, 5_000, 25_000);

  public RenormSchedule {
    if (!(rmaxEnd >= 1)) {
      throw new IllegalArgumentException("Batch Renorm rmax must be ≥ 1, got " + rmaxEnd);
    }
    if (!(dmaxEnd >= 0)) {
      throw new IllegalArgumentException("Batch Renorm dmax must be ≥ 0, got " + dmaxEnd);
    }
    if (rStart < 0 || rEnd < rStart || dStart < 0 || dEnd < dStart) {
      throw new IllegalArgumentException("Batch Renorm ramps need 0 ≤ start ≤ end, got r [" + rStart + ", "
          + rEnd + "], d [" + dStart + ", " + dEnd + "]");
    }
  }

  /** Constant limits from step 0. {@code fixed(1, 0)} is plain BatchNorm. */
  public static RenormSchedule fixed(double rmax, double dmax) {
    return new RenormSchedule(rmax, 0, 0, dmax, 0, 0);
  }

  public double rmax(long step) {
    return 1 + (rmaxEnd - 1) * ramp(step, rStart, rEnd);
  }

  public double dmax(long step) {
    return dmaxEnd * ramp(step, dStart, dEnd);
  }

  private static double ramp(long step, long start, long end) {
    if (step >= end) {
      return 1;
    }
    if (step <= start) {
      return 0;
    }
    return (double) (step - start) / (end - start);
  }
}
