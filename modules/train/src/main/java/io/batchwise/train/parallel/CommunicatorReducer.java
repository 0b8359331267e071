package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.norm.StatisticsReducer;

/**
 * The {@link StatisticsReducer} of a data-parallel worker: sums SyncBN's per-channel statistics over
 * the whole group with one blocking {@link Communicator#allReduceSum(double[])}, in place.
 *
 * <p>The communicator's reduction order is fixed, so every rank gets bit-identical sums (the
 * contract SyncBN relies on). A call issued while gradient buckets are still in flight runs after
 * them (the communicator keeps issue order), and the time spent waiting for them counts here.
 *
 * <p>Keeps the nanoseconds spent inside {@link #sum} until {@link #takeNanos} reads and clears
 * them. Used only from the worker's training thread (the thread that issues all its collectives).
 */
public final class CommunicatorReducer implements StatisticsReducer {
  private final Communicator communicator;
  private long nanos;
  private long calls;

  public CommunicatorReducer(Communicator communicator) {
    if (communicator == null) {
      throw new IllegalArgumentException("CommunicatorReducer needs a communicator");
    }
    this.communicator = communicator;
  }

  @Override
  public void sum(double[] values) {
    long t = System.nanoTime();
    try {
      communicator.allReduceSum(values);
    } finally {
      nanos += System.nanoTime() - t;
      calls++;
    }
  }

  /** Nanoseconds spent in {@link #sum} since the last call; resets the count. */
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
