package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.Parameter;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Parameter gradients grouped into buckets for the all-reduce, planned once per model.
 *
 * <p>Plan: the parameters are taken in reverse model order (the last layer's first, because
 * backward produces them first) and cut into buckets of consecutive parameters; a bucket closes
 * once it holds at least {@code bucketBytes} (so a parameter larger than that is a bucket of its
 * own, together with whatever came before it). Every replica builds the same plan from the same
 * model, so the buckets are issued in the same order everywhere, as the communicator requires.
 *
 * <p>Per step: {@link #begin}; then {@link #ready} with the parameters whose gradients backward has
 * just finished; a bucket whose gradients are all ready is copied to its host array and issued with
 * {@link Communicator#allReduceSumAsync}, buckets strictly in plan order; {@link #finish} issues
 * what is left, waits for every bucket and writes the sums back into the gradients.
 *
 * <p>Precision: gradients travel as floats, or as doubles when {@code wide} (the double-precision
 * reference device, whose tensors hold doubles; floats would round them).
 *
 * <p>Invariants:
 * <ol>
 *   <li>Each parameter is in exactly one bucket; bucket k is issued before bucket k+1.</li>
 *   <li>A bucket's host array is not touched between its issue and the completion of its future.</li>
 *   <li>Gradients are written back only on the calling (training) thread: devices are not
 *       thread-safe.</li>
 * </ol>
 */
public final class GradientBuckets {
  /** Default bucket size: 1 MiB of gradients. */
  public static final int DEFAULT_BUCKET_BYTES = 1 << 20;

  private final Communicator communicator;
  private final boolean wide;
  private final List<Bucket> buckets = new ArrayList<>();
  private final Map<Tensor, Bucket> bucketOfGrad = new IdentityHashMap<>();
  private int nextToIssue;
  private long waitNanos;

  private static final class Slot {
    final String name;
    final Tensor grad;
    final int offset;
    final int size;
    final double[] scratch;

    Slot(String name, Tensor grad, int offset, boolean wide) {
      this.name = name;
      this.grad = grad;
      this.offset = offset;
      this.size = grad.size();
      this.scratch = wide ? new double[size] : null;
    }
  }

  private static final class Bucket {
    final List<Slot> slots = new ArrayList<>();
    int elements;
    float[] floats;
    double[] doubles;
    int pending;
    CompletableFuture<Void> future;
    long issuedAt;
    volatile long completedAt;
  }

  /**
   * @param parameters the model's parameters in model order (as the optimizer holds them)
   * @param wide whether gradients travel as doubles
   * @param bucketBytes the size at which a bucket closes (bytes of its elements on the wire), ≥ 1
   */
  public GradientBuckets(Communicator communicator, List<Parameter> parameters, boolean wide, int bucketBytes) {
    if (communicator == null) {
      throw new IllegalArgumentException("GradientBuckets needs a communicator");
    }
    if (bucketBytes < 1) {
      throw new IllegalArgumentException("bucket size must be at least 1 byte, got " + bucketBytes);
    }
    this.communicator = communicator;
    this.wide = wide;
    int elementBytes = wide ? 8 : 4;
    Bucket current = null;
    for (int i = parameters.size() - 1; i >= 0; i--) {
      Tensor g = parameters.get(i).grad();
      if (bucketOfGrad.containsKey(g)) {
        throw new IllegalArgumentException("parameter " + parameters.get(i).name() + " appears twice");
      }
      if (current == null) {
        current = new Bucket();
        buckets.add(current);
      }
      current.slots.add(new Slot(parameters.get(i).name(), g, current.elements, wide));
      current.elements += g.size();
      bucketOfGrad.put(g, current);
      if ((long) current.elements * elementBytes >= bucketBytes) {
        current = null;
      }
    }
    for (Bucket b : buckets) {
      if (wide) {
        b.doubles = new double[b.elements];
      } else {
        b.floats = new float[b.elements];
      }
    }
  }

  /** Number of buckets of the plan. */
  public int count() {
    return buckets.size();
  }

  /** Elements per bucket, in issue order. */
  public int[] sizes() {
    return buckets.stream().mapToInt(b -> b.elements).toArray();
  }

  /** The parameter names of each bucket, in issue order (the plan). */
  public List<List<String>> plan() {
    List<List<String>> out = new ArrayList<>();
    for (Bucket b : buckets) {
      out.add(b.slots.stream().map(s -> s.name).toList());
    }
    return out;
  }

  /** How many buckets of the current step have been issued. */
  public int issued() {
    return nextToIssue;
  }

  /** Starts a step: nothing issued, nothing ready. */
  public void begin() {
    for (Bucket b : buckets) {
      if (b.future != null && !b.future.isDone()) {
        throw new IllegalStateException("a gradient bucket of the previous step is still in flight");
      }
      b.pending = b.slots.size();
      b.future = null;
      b.completedAt = 0;
    }
    nextToIssue = 0;
    waitNanos = 0;
  }

  /**
   * Marks the gradients of {@code finished} as final for this step and issues every bucket, in plan
   * order, whose gradients are all final. Parameters not in the plan are ignored (none, normally).
   */
  public void ready(List<Parameter> finished) {
    ready(finished, true);
  }

  /**
   * Marks the gradients of {@code finished} as final; issues the complete buckets only when {@code
   * issue} (held ones go out at the next call that issues, or in {@link #finish}).
   */
  public void ready(List<Parameter> finished, boolean issue) {
    for (Parameter p : finished) {
      Bucket b = bucketOfGrad.get(p.grad());
      if (b != null) {
        b.pending--;
      }
    }
    if (!issue) {
      return;
    }
    while (nextToIssue < buckets.size() && buckets.get(nextToIssue).pending <= 0) {
      issue(buckets.get(nextToIssue++));
    }
  }

  private void issue(Bucket b) {
    for (Slot s : b.slots) {
      if (wide) {
        s.grad.read(0, b.doubles, s.offset, s.size);
      } else {
        s.grad.read(0, b.floats, s.offset, s.size);
      }
    }
    b.issuedAt = System.nanoTime();
    CompletableFuture<Void> f = wide ? communicator.allReduceSumAsync(b.doubles)
        : communicator.allReduceSumAsync(b.floats);
    b.future = f.whenComplete((x, e) -> b.completedAt = System.nanoTime());
  }

  /**
   * Issues the buckets not yet issued, waits for all of them and writes the summed gradients back.
   *
   * @throws RuntimeException the communicator's failure (e.g. a lost peer or a timeout)
   */
  public void finish() {
    while (nextToIssue < buckets.size()) {
      issue(buckets.get(nextToIssue++));
    }
    long t = System.nanoTime();
    for (Bucket b : buckets) {
      try {
        b.future.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw e;
      }
      for (Slot s : b.slots) {
        if (wide) {
          System.arraycopy(b.doubles, s.offset, s.scratch, 0, s.size);
          s.grad.write(s.scratch);
        } else {
          s.grad.write(0, b.floats, s.offset, s.size);
        }
      }
    }
    waitNanos = System.nanoTime() - t;
  }

  /** Time {@link #finish} spent waiting and writing back, in the last step. */
  public long waitNanos() {
    return waitNanos;
  }

  /**
   * Estimated time the communicator spent on this step's buckets: it runs them one after another,
   * so bucket k ran from max(its issue, completion of bucket k−1) to its completion.
   */
  public long communicationNanos() {
    long total = 0;
    long prevDone = Long.MIN_VALUE;
    for (Bucket b : buckets) {
      if (b.future == null || b.completedAt == 0) {
        continue;
      }
      long start = Math.max(b.issuedAt, prevDone);
      total += Math.max(0, b.completedAt - start);
      prevDone = b.completedAt;
    }
    return total;
  }
}
