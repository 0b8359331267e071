package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.DeferredGradients;
import io.batchwise.nn.norm.StatisticsReducer;

/**
 * The {@link StatisticsReducer} of a data-parallel worker: sums SyncBN's per-channel statistics over
 * the whole group with one {@link Communicator} all-reduce, in place.
 *
 * <p>With a {@link DeferredGradients} queue that holds work (weight gradients a convolution put off
 * in backward), a reduction is split: this worker's sums are offered ({@link
 * Communicator#startAllReduceSum}), queued work runs, and only then does the worker wait for the
 * others. A worker that arrives early computes instead of waiting. How much runs is the {@link
 * WeightGradientTiming}: {@code AT_NEXT_REDUCTION} runs the whole queue; {@code WHILE_WAITING}
 * runs one piece at a time while some rank has not yet offered its sums and none of those shares
 * this worker's core ({@link Communicator.Reduction#waitWouldIdle}) and leaves the rest, so a
 * worker that arrives last goes straight on, and one that waits for its core-mate lends it the core.
 *
 * <p>The communicator's reduction order is fixed, so every rank gets bit-identical sums (the
 * contract SyncBN relies on). A call issued while gradient buckets are still in flight runs after
 * them (the communicator keeps issue order), and the time spent waiting for them counts here.
 *
 * <p>Keeps the nanoseconds spent inside {@link #sum}, less the deferred work run there, until
 * {@link #takeNanos} reads and clears them, and the clock at entry (moved on by the deferred work
 * run inside) and exit of every call until {@link #takeTimeline} reads and clears those (the
 * compute between reductions, per rank, deferred work included). Used only from the worker's
 * training thread (the thread that issues all its collectives).
 */
public final class CommunicatorReducer implements StatisticsReducer {
  private final Communicator communicator;
  private final DeferredGradients deferred;
  private final boolean onlyWhileWaiting;
  private long nanos;
  private long calls;
  /** Entry and exit nanoTime of each call since the last {@link #takeTimeline}, in pairs. */
  private long[] timeline = new long[128];
  private int marks;

  public CommunicatorReducer(Communicator communicator) {
    this(communicator, null);
  }

  /** @param deferred work to run, all of it, between offering the sums and waiting for them; may be null */
  public CommunicatorReducer(Communicator communicator, DeferredGradients deferred) {
    this(communicator, deferred, WeightGradientTiming.AT_NEXT_REDUCTION);
  }

  /**
   * @param deferred work to run between offering the sums and waiting for them; may be null
   * @param timing how much of it a reduction runs: {@code AT_NEXT_REDUCTION} all, {@code
   *     WHILE_WAITING} only while another rank has not arrived ({@code IN_BACKWARD} is refused
   *     with a queue: nothing would be deferred)
   */
  public CommunicatorReducer(Communicator communicator, DeferredGradients deferred, WeightGradientTiming timing) {
    if (communicator == null) {
      throw new IllegalArgumentException("CommunicatorReducer needs a communicator");
    }
    if (deferred != null && !timing.defers()) {
      throw new IllegalArgumentException("a deferred-work queue needs a deferring timing, got " + timing);
    }
    this.communicator = communicator;
    this.deferred = deferred;
    this.onlyWhileWaiting = timing == WeightGradientTiming.WHILE_WAITING;
  }

  @Override
  public void sum(double[] values) {
    long t = System.nanoTime();
    long work = 0;
    try {
      if (deferred == null || deferred.isEmpty()) {
        communicator.allReduceSum(values);
      } else {
        Communicator.Reduction r = communicator.startAllReduceSum(values);
        long w = System.nanoTime();
        RuntimeException failed = null;
        try {
          if (onlyWhileWaiting) {
            while (r.waitWouldIdle() && deferred.runOne()) {
              // one piece at a time: a worker that is no longer early stops at the next piece
            }
          } else {
            deferred.runAll();
          }
        } catch (RuntimeException e) {
          failed = e;
        }
        work = System.nanoTime() - w;
        try {
          r.finish(); // also after a failure: the others wait for nothing more from this rank
        } catch (RuntimeException e) {
          if (failed == null) {
            throw e;
          }
          failed.addSuppressed(e);
        }
        if (failed != null) {
          throw failed;
        }
      }
    } finally {
      long end = System.nanoTime();
      nanos += end - t - work;
      calls++;
      if (marks + 2 > timeline.length) {
        timeline = java.util.Arrays.copyOf(timeline, 2 * timeline.length);
      }
      // Deferred work run here is compute: the segment before this call takes it in (it runs
      // right after the offer, before the wait), so segments stay comparable between ranks that
      // ran different amounts of it.
      timeline[marks++] = t + work;
      timeline[marks++] = end;
    }
  }

  /**
   * The {@code System.nanoTime()} at entry and exit of every {@link #sum} since the last call, as
   * {@code [entry0, exit0, entry1, exit1, ...]}; clears them. An entry is moved on by the deferred
   * work the call ran, which counts as compute before it.
   */
  public long[] takeTimeline() {
    long[] out = java.util.Arrays.copyOf(timeline, marks);
    marks = 0;
    return out;
  }

  /** Nanoseconds spent waiting in {@link #sum} since the last call; resets the count. */
  public long takeNanos() {
    long n = nanos;
    nanos = 0;
    return n;
  }

  /** Number of reductions since construction. */
  public long calls() {
    return calls;
  }

  public Communicator communicator() {
    return communicator;
  }
}
