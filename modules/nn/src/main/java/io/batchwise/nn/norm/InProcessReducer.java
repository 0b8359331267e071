package io.batchwise.nn.norm;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A group of W workers that are threads of one JVM, summing statistics through shared memory: the
 * {@link StatisticsReducer} of tests and of an in-process data-parallel harness (no network).
 *
 * <p>Invariants:
 * <ol>
 *   <li>Every member calls {@link StatisticsReducer#sum} the same number of times with arrays of the
 *       same length (a member with an empty batch passes zeros); a length mismatch is an error on
 *       every member.</li>
 *   <li>The sum is taken in rank order 0, 1, …, W−1 by every member over the same inputs, so all
 *       members get bit-identical results.</li>
 *   <li>A member that does not arrive within the timeout breaks the group: the others get an
 *       {@link IllegalStateException} rather than hanging.</li>
 * </ol>
 */
public final class InProcessReducer {
  private final int size;
  private final double[][] slots;
  private final CyclicBarrier barrier;
  private final long timeoutMillis;

  /** A group of {@code size} members with a 60 s arrival timeout. */
  public InProcessReducer(int size) {
    this(size, 60_000);
  }

  public InProcessReducer(int size, long timeoutMillis) {
    if (size <= 0) {
      throw new IllegalArgumentException("InProcessReducer group size must be positive, got " + size);
    }
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("InProcessReducer timeout must be positive, got " + timeoutMillis);
    }
    this.size = size;
    this.slots = new double[size][];
    this.barrier = new CyclicBarrier(size);
    this.timeoutMillis = timeoutMillis;
  }

  public int size() {
    return size;
  }

  /** The reducer of member {@code rank}; each member must use its own from its own thread. */
  public StatisticsReducer member(int rank) {
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " outside group of " + size);
    }
    return values -> sum(rank, values);
  }

  /**
   * Reducers for a world of {@code worldSize} ranks split into sync groups of {@code groupSize}
   * consecutive ranks (see {@link SyncGroups}): element r is rank r's reducer, which sums over its
   * group only.
   */
  public static StatisticsReducer[] partition(int worldSize, int groupSize) {
    SyncGroups g = new SyncGroups(worldSize, groupSize);
    InProcessReducer[] groups = new InProcessReducer[g.groupCount()];
    for (int i = 0; i < groups.length; i++) {
      groups[i] = new InProcessReducer(groupSize);
    }
    StatisticsReducer[] out = new StatisticsReducer[worldSize];
    for (int r = 0; r < worldSize; r++) {
      out[r] = groups[g.groupOf(r)].member(g.rankInGroup(r));
    }
    return out;
  }

  private void sum(int rank, double[] values) {
    if (size == 1) {
      return;
    }
    slots[rank] = values.clone();
    await();
    // Every member reads all slots (nobody writes between the two barriers) and sums in rank order.
    double[] total = new double[values.length];
    boolean mismatch = false;
    for (int r = 0; r < size; r++) {
      double[] v = slots[r];
      if (v.length != values.length) {
        mismatch = true;
        continue;
      }
      for (int i = 0; i < total.length; i++) {
        total[i] += v[i];
      }
    }
    String lengths = mismatch ? lengths() : null;
    await();
    if (mismatch) {
      throw new IllegalStateException("InProcessReducer: members passed different lengths " + lengths
          + " (every member must reduce the same statistics in the same order)");
    }
    System.arraycopy(total, 0, values, 0, total.length);
  }

  private String lengths() {
    StringBuilder sb = new StringBuilder("[");
    for (int r = 0; r < size; r++) {
      sb.append(r == 0 ? "" : ", ").append(slots[r].length);
    }
    return sb.append(']').toString();
  }

  private void await() {
    try {
      barrier.await(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      barrier.reset();
      throw new IllegalStateException("InProcessReducer: interrupted while waiting for the group", e);
    } catch (BrokenBarrierException | TimeoutException e) {
      throw new IllegalStateException("InProcessReducer: a group member failed or did not arrive within "
          + timeoutMillis + " ms", e);
    }
  }
}
