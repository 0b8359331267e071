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
   * while some other worker has not yet offered its sums and none of those shares this worker's
   * core ({@code Communicator.Reduction#waitWouldIdle}: waiting for a core-mate lends it the core,
   * computing would take it away), and a worker that finds everyone there goes straight on. The late worker catches up by leaving its own deferred work for a later
   * wait; what no wait took runs at the end of backward. Gradients are handed to the buckets at
   * the end of backward (once anything was deferred), since when a queue empties differs between
   * workers and the buckets' collectives must be issued in the same order everywhere.
   */
  WHILE_WAITING,

  /**
   * {@code WHILE_WAITING} where the group's ranks talk through shared memory and each has a core
   * of its own ({@code Communicator#ranksHaveCoresOfTheirOwn}), else {@code IN_BACKWARD}: the
   * timing that measured fastest in each case. Resolved when a {@link DataParallelStep} is made
   * ({@link #resolve}). Side by side on the 2-core VM (resnet20 weak, SyncBN, README's scaling
   * section): while waiting took 0.970× and 0.944× the in-backward step at 2 workers with a core
   * each (10 rounds each); at 4 workers, two to a core, in backward was the faster in two runs of
   * three (0.949×, 0.963× the while-waiting step; 0.978× the other way in the first): a rank that
   * waits for its core-mate lends it the core anyway, and holding the gradient buckets to the end
   * of backward exposes their all-reduce.
   * Across hosts it is untested, so the safe timing.
   */
  AUTO;

  /** What {@link DataParallelStep}, the jobs and the scaling benchmarks use unless told otherwise. */
  public static final WeightGradientTiming DEFAULT = AUTO;

  /**
   * This timing for a group whose ranks do or do not each have a core of their own (on shared
   * memory); only {@code AUTO} depends on it.
   */
  public WeightGradientTiming resolve(boolean ranksHaveCoresOfTheirOwn) {
    if (this != AUTO) {
      return this;
    }
    return ranksHaveCoresOfTheirOwn ? WHILE_WAITING : IN_BACKWARD;
  }

  /** Whether convolutions defer their weight gradients under this timing ({@code AUTO}: resolve it first). */
  public boolean defers() {
    if (this == AUTO) {
      throw new IllegalStateException("AUTO depends on the group: resolve it first");
    }
    return this != IN_BACKWARD;
  }

  /**
   * Parses the command-line spelling: {@code in-backward}, {@code at-next-reduction}, {@code
   * while-waiting}, {@code auto}.
   */
  public static WeightGradientTiming parse(String s) {
    for (WeightGradientTiming t : values()) {
      if (t.spelling().equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("weight-gradient timing must be in-backward, at-next-reduction, "
        + "while-waiting or auto, got '" + s + "'");
  }

  /** The command-line spelling: the name in lower case with hyphens. */
  public String spelling() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
