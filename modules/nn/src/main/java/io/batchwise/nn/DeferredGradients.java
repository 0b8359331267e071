package io.batchwise.nn;

import java.util.ArrayDeque;

/**
 * Weight-gradient computations that layers put off during one backward pass, to be run while a
 * synchronized BatchNorm waits for the other workers' statistics.
 *
 * <p>Why: in backward, the input gradient of a layer is on the critical path (the layer below
 * needs it, and a SyncBN layer below reduces over it), the weight gradient is not (only the
 * optimizer needs it). A convolution bound to a queue computes its input gradient, returns it, and
 * puts its weight gradient here; a statistics reduction offers this worker's sums, runs queued work
 * (all of it, or only while another worker has yet to arrive: the caller's schedule), and only then
 * waits for the group. Time another worker takes to arrive then passes in useful work instead of in
 * a wait.
 *
 * <p>Invariants:
 * <ol>
 *   <li>Work runs in the order it was deferred, on the thread that runs backward, and computes the
 *       same numbers with the same kernels as without deferral: gradients are bit-identical.</li>
 *   <li>Deferred work reads only tensors that stay valid until the next step's forward (a layer's
 *       kept input, the output gradient it was given, and buffers the layer owns, such as its
 *       output gradient permuted for the weight-gradient product) and the per-device scratch,
 *       which no layer keeps across calls.</li>
 *   <li>The queue is empty when backward has been {@linkplain #runAll() drained}; the owner of the
 *       step drains it before a layer's parameters are read (gradient buckets, the optimizer).</li>
 * </ol>
 *
 * <p>Not thread-safe: one training thread per worker.
 */
public final class DeferredGradients {
  private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
  private long deferredCount;

  /** Puts {@code work} off until the next {@link #runAll} (or {@link #runOne} reaches it). */
  public void defer(Runnable work) {
    pending.add(work);
    deferredCount++;
  }

  /**
   * Works deferred since construction, run or not. Unlike {@link #size} it does not depend on when
   * the queue was run, so a caller can base decisions that every worker must take alike on it.
   */
  public long deferredCount() {
    return deferredCount;
  }

  public boolean isEmpty() {
    return pending.isEmpty();
  }

  /** Works deferred and not yet run. */
  public int size() {
    return pending.size();
  }

  /**
   * Runs the oldest deferred work, if any; returns whether there was one. If it throws, the rest
   * is dropped as in {@link #runAll}.
   */
  public boolean runOne() {
    Runnable r = pending.poll();
    if (r == null) {
      return false;
    }
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      pending.clear();
      throw e;
    }
    return true;
  }

  /**
   * Runs every deferred work, oldest first. If one throws, the rest are dropped (the step that
   * deferred them has failed) and the exception propagates.
   */
  public void runAll() {
    while (runOne()) {
      // oldest first; runOne drops the rest if one throws
    }
  }
}
