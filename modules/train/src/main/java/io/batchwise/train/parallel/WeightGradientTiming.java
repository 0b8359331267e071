package io.batchwise.train.parallel;

import io.batchwise.nn.DeferredGradients;

/**
 * When a worker computes its convolutions' weight gradients during backward, with SyncBN in a
 * group of more than one ({@link DataParallelStep}). The numbers are the same bit for bit under
 * every timing: the same kernels compute the same gradients from the same tensors; only the
 * moment they run differs.
 *
 * <p>Why it matters: in backward every SyncBN layer meets the other workers once (its reduction of
 * Σdy and Σdy·x̂), and a worker that arrives first waits. A weight gradient is not on that
 * critical path (only the optimizer reads it), so it is the one piece of backward that can fill
 * such a wait.
 */
public enum WeightGradientTiming {
  /** Each convolution computes its weight gradient in its own backward. */
  IN_BACKWARD,

  /**
   * Convolutions defer their weight gradients ({@link DeferredGradients}); the next SyncBN
   * reduction runs all of them between offering its sums and waiting for the others'. A worker
   * that arrives early computes instead of waiting, but one that arrives late computes just as
   * much before it catches up, so a lag carries into the next segment.
   */
  AT_NEXT_REDUCTION,

  /**
   * Convolutions defer their weight gradients; a SyncBN reduction runs them one at a time only
   * while some other worker has not yet offered its sums, and a worker that finds everyone there
   * goes straight on. The late worker catches up by leaving its own deferred work for a later
   * wait; what no wait took runs at the end of backward. Gradients are handed to the buckets at
   * the end of backward (once anything was deferred), since when a queue empties differs between
   * workers and the buckets' collectives must be issued in the same order everywhere.
   */
  WHILE_WAITING;

  /**
   * What {@link DataParallelStep}, the jobs and the scaling benchmarks use unless told otherwise:
   * {@code WHILE_WAITING}, the fastest of the three side by side (see the class comment of
   * {@code OverlapBench} and README's scaling section for the runs).
   */
  public static final WeightGradientTiming DEFAULT = WHILE_WAITING;

  /** Whether convolutions defer their weight gradients under this timing. */
  public boolean defers() {
    return this != IN_BACKWARD;
  }

  /** Parses the command-line spelling: {@code in-backward}, {@code at-next-reduction}, {@code while-waiting}. */
  public static WeightGradientTiming parse(String s) {
    for (WeightGradientTiming t : values()) {
      if (t.spelling().equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("weight-gradient timing must be in-backward, at-next-reduction or "
        + "while-waiting, got '" + s + "'");
  }

  /** The command-line spelling: the name in lower case with hyphens. */
  public String spelling() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
