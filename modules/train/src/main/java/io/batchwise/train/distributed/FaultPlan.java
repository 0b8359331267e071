package io.batchwise.train.distributed;

import java.io.Serializable;

/**
 * A deliberate failure for fault-tolerance tests: rank {@code rank} throws {@link InjectedFault}
 * just before global batch {@code step} (0-based) of epoch {@code epoch} (1-based, as users count),
 * in the first attempt of that epoch only, so the retry succeeds.
 */
public record FaultPlan(int epoch, int step, int rank) implements Serializable {
  public FaultPlan {
    if (epoch < 1 || step < 0 || rank < 0) {
      throw new IllegalArgumentException("fault plan needs epoch >= 1, step >= 0, rank >= 0; got "
          + epoch + ":" + step + ":" + rank);
    }
  }

  /** Parses {@code EPOCH:STEP:RANK}, e.g. {@code 1:3:1}. */
  public static FaultPlan parse(String spec) {
    String[] p = spec.trim().split(":");
    if (p.length != 3) {
      throw new IllegalArgumentException("fault plan must be EPOCH:STEP:RANK, got '" + spec + "'");
    }
    try {
      return new FaultPlan(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("fault plan must be EPOCH:STEP:RANK of integers, got '"
          + spec + "'");
    }
  }

  /** Throws when this is the planned place (0-based {@code epochIndex}) and the first attempt. */
  void check(int epochIndex, int step, int rank, int attempt) {
    if (attempt == 1 && epochIndex + 1 == epoch && step == this.step && rank == this.rank) {
      throw new InjectedFault("injected fault (test): rank " + rank + " fails before step " + step
          + " of epoch " + epoch + ", attempt " + attempt);
    }
  }

  /** The failure a {@link FaultPlan} injects. */
  public static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return epoch + ":" + step + ":" + rank;
  }
}
