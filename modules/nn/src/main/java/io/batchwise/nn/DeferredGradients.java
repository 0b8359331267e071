package io.batchwise.nn;

import java.util.ArrayDeque;

/**
 * Weight-gradient computations that layers put off during one backward pass, to be run while a
 * synchronized BatchNorm waits for the other workers' statistics.
 *
 * <p>Why: in backward, the input gradient of a layer is on the critical path (the layer below
 * needs it, and a SyncBN layer below reduces over it), the weight gradient is not (only the
 * optimizer needs it). A convolution bound to a queue computes its input gradient, returns it, and
 * puts its weight gradient here; the next statistics reduction offers this worker's sums, runs the
 * queue, and only then waits for the group. Time another worker takes to arrive then passes in
 * useful work instead of in a wait.
 *
 * <p>Invariants:
 * <ol>
 *   <li>Work runs in the order it was deferred, on the thread that runs backward, and computes the
 *       same numbers with the same kernels as without deferral: gradients are bit-identical.</li>
 *   <li>Deferred work reads only tensors that stay valid until the next step's forward (a layer's
 *       kept input and the output gradient it was given) and the per-device scratch, which no
 *       layer keeps across calls.</li>
 *   <li>The queue is empty when backward has been {@linkplain #runAll() drained}; the owner of the
 *       step drains it before a layer's parameters are read (gradient buckets, the optimizer).</li>
 * </ol>
 *
 * <p>Not thread-safe: one training thread per worker.
 */
public final class DeferredGradients {
  private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

  /** Puts {@code work} off until the next {@link #runAll}. */
  public void defer(Runnable work) {
    pending.add(work);
  }

  public boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Works deferred and not yet run. */
  public int size() {
    return pending.size();
  }

  /**
   * Runs every deferred work, oldest first. If one throws, the rest are dropped (the step that
   * deferred them has failed) and the exception propagates.
   */
  public void runAll() {
    try {
      for (Runnable r; (r = pending.poll()) != null; ) {
        r.run();
      }
    } finally {
      pending.clear();
    }
  }
}
