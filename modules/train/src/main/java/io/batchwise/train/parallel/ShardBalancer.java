package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.Layer;
import io.batchwise.nn.norm.BatchNorm;
import io.batchwise.nn.norm.GhostBatchNorm;
import io.batchwise.nn.norm.ModelWalk;
import io.batchwise.nn.norm.SyncBatchNorm;
import java.util.Arrays;

/**
 * Splits every global batch over the workers in proportion to how fast each has been computing,
 * so that workers that wait for each other (at every SyncBN reduction and at the gradient buckets)
 * arrive together instead of at the slower one's pace.
 *
 * <p>Why: workers of one job rarely compute equally fast. On the 2-core VM of the scaling
 * benchmarks each vCPU's speed drifts on its own by ±25% within a minute (one worker alone, held to
 * one core, took 146.9, 129.9, 117.7 and 178.9 ms per step in four consecutive runs on alternating
 * cores, 2026-12-01), and a group in lock step goes at the slower one's pace. Shares in proportion
 * to speed put the group at the mean pace instead.
 *
 * <p>Why only where the split does not matter: with SyncBN (and synchronized Batch Renorm) every
 * BatchNorm layer normalizes with the statistics of the whole global batch, the loss is divided
 * by the global batch, and the gradients are summed, so which worker computes which sample changes
 * nothing but the order of floating-point sums; the same holds for per-sample norms (GroupNorm,
 * LayerNorm, InstanceNorm, FrozenBN, none). Per-worker BatchNorm (and Ghost BN) would normalize
 * different sub-batches: {@link #requireSplitIndependent} refuses those. The price: the split
 * depends on timing, so two runs of the same job are not bit-identical, and their difference
 * grows over many steps as with any change of summation order (replicas within one run still agree
 * bit for bit: they apply the same summed gradients).
 *
 * <p>Lifecycle, per step, on every rank: {@link #sizes} gives the shard sizes of this step's global
 * batch (the same on every rank), {@link #shard} this rank's contiguous slice of it; after the step
 * {@link #exchange} all-reduces each rank's compute time (W numbers) and {@link #observe}s them.
 * {@link #forRun} gives a trainer one object for both cases: with balancing off it always splits
 * evenly and its exchange communicates nothing, so the training loop has a single path.
 *
 * <p>Invariants (tested as properties in {@code ShardBalancerTest}):
 * <ol>
 *   <li>The sizes sum to the global batch n.</li>
 *   <li>When W ≤ n ≤ W·cap every size is in [1, cap]; otherwise the split is the even one (some
 *       shards may then be empty).</li>
 *   <li>The split is the even one of {@link io.batchwise.data.BatchSampler#shard} (⌊n/W⌋ each,
 *       the first n mod W ranks one more) until every rank has been measured, and whenever the
 *       balanced split would not shorten the predicted step (the slowest rank's samples × its
 *       seconds per sample) by at least {@code margin} against the even split; in particular when
 *       all ranks are measured equally fast.</li>
 *   <li>When the split is not the even one, a rank measured faster (fewer seconds per sample)
 *       never gets fewer samples than a slower one.</li>
 *   <li>The split is a function of the observations alone (no clock, no randomness, Java's exact
 *       double arithmetic), so every rank that observed the same all-reduced times computes the same
 *       split without further communication.</li>
 *   <li>Fixed point: if a rank's compute time is a + s_r·n_r (a fixed per-step cost, s_r its
 *       seconds per sample), proportional shares of the measured rates n_r / t_r equalize the
 *       t_r; the simulation in the test converges to within one sample of that.</li>
 * </ol>
 *
 * <p>Speed estimate: seconds per sample of each rank's compute time (the step minus the time
 * inside SyncBN reductions minus the exposed wait for gradient buckets: what is the rank's own
 * work), the median of its last {@code window} steps, so one stalled step (a host pause, a GC)
 * moves nothing while a lasting change of speed shows within ⌈window/2⌉ steps.
 *
 * <p>Why the margin: noise that does not last cannot be balanced. In three runs of two resnet20
 * workers on the 2-core VM (SyncBN, even shards, 80 steps each, 2026-12-01,
 * bench/results/scaling-trace-1912/, the "Workers' speed" table of its scaling.md) each rank's
 * compute per sample stayed within 0.3% of the pair's mean on average, with 2.7% noise from step
 * to step and a lag-1 autocorrelation of 0.15: nothing lasting to follow. Moving samples on such
 * noise made steps slower (side by side, 6 rounds: 1.087× the even split's median step without the
 * margin; bench/results/balanced-shards/w2-without-margin/). A worker that stays slower, as two
 * workers sharing a core are beside one alone, passes the margin at once.
 */
public final class ShardBalancer {
  /** Steps in the median of each rank's seconds per sample. */
  public static final int DEFAULT_WINDOW = 5;
  /** Least predicted gain of the balanced split over the even one (a fraction of the step). */
  public static final double DEFAULT_MARGIN = 0.05;

  private final int workers;
  private final int cap;
  private final int window;
  private final double margin;
  /** False for the even-only instance of {@link #forRun}: no measuring, no exchange. */
  private final boolean balancing;
  /** history[r][k]: rank r's nanoseconds per sample in its k-th recorded step, ring of window. */
  private final double[][] history;
  private final int[] recorded;

  /** {@link #ShardBalancer(int, int, int, double)} with {@link #DEFAULT_WINDOW} and {@link #DEFAULT_MARGIN}. */
  public ShardBalancer(int workers, int cap) {
    this(workers, cap, DEFAULT_WINDOW, DEFAULT_MARGIN);
  }

  /**
   * @param workers W ≥ 1
   * @param cap the most samples any one worker can take in a step (its step's buffers), ≥ 1
   * @param window steps in the median of each rank's speed, ≥ 1
   * @param margin least predicted gain (fraction of the step, in [0, 1)) for leaving the even split
   */
  public ShardBalancer(int workers, int cap, int window, double margin) {
    this(workers, cap, window, margin, true);
  }

  private ShardBalancer(int workers, int cap, int window, double margin, boolean balancing) {
    if (workers < 1 || cap < 1 || window < 1 || !(margin >= 0 && margin < 1)) {
      throw new IllegalArgumentException("need workers >= 1, cap >= 1, window >= 1 and margin in [0, 1), got "
          + workers + ", " + cap + ", " + window + ", " + margin);
    }
    this.workers = workers;
    this.cap = cap;
    this.window = window;
    this.margin = margin;
    this.balancing = balancing;
    this.history = new double[workers][window];
    this.recorded = new int[workers];
  }

  /**
   * The shards of a run of {@code workers} with global batch {@code globalBatch}: balanced ({@link
   * #capFor} samples at most per worker) when {@code balance} and there is more than one worker,
   * else always the even split (⌈B/W⌉ at most per worker) with an {@link #exchange} that does
   * nothing.
   */
  public static ShardBalancer forRun(boolean balance, int workers, int globalBatch) {
    if (balance && workers > 1) {
      return new ShardBalancer(workers, capFor(globalBatch, workers));
    }
    int even = Math.max(1, (globalBatch + workers - 1) / workers);
    return new ShardBalancer(workers, even, DEFAULT_WINDOW, DEFAULT_MARGIN, false);
  }

  /** The most samples this split gives one worker (the size its step's buffers need). */
  public int cap() {
    return cap;
  }

  /** Whether the split follows the workers' speeds (else it is always the even one). */
  public boolean balancing() {
    return balancing;
  }

  /** {@link #requireSplitIndependent} when balancing; nothing to check for the even split. */
  public void checkModel(Layer model) {
    if (balancing) {
      requireSplitIndependent(model);
    }
  }

  /**
   * The most samples one worker takes of a global batch of {@code globalBatch} when balancing: twice
   * its even share (a worker twice as fast as the others), at most the global batch. The step's
   * buffers are sized for it.
   */
  public static int capFor(int globalBatch, int workers) {
    int even = Math.max(1, (globalBatch + workers - 1) / workers);
    return Math.min(Math.max(globalBatch, 1), 2 * even);
  }

  /**
   * Throws when {@code model} has a layer whose output depends on how the global batch is split:
   * per-worker BatchNorm or Ghost BatchNorm (see the class comment).
   *
   * @throws IllegalArgumentException naming the layer
   */
  public static void requireSplitIndependent(Layer model) {
    for (Layer l : ModelWalk.leaves(model)) {
      boolean perWorker = (l instanceof BatchNorm && !(l instanceof SyncBatchNorm))
          || l instanceof GhostBatchNorm;
      if (perWorker) {
        throw new IllegalArgumentException("balanced shards need a model whose output does not depend "
            + "on how the global batch is split over the workers, but it has " + l.getClass().getSimpleName()
            + ", which normalizes each worker's shard by itself; use syncbn (or brn, gn, ln, in, frozenbn)");
      }
    }
  }

  /** Shard sizes of a global batch of {@code n} samples, rank by rank (invariants 1-5). */
  public int[] sizes(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("global batch must be >= 0, got " + n);
    }
    if (!balancing) {
      return even(n, workers);
    }
    double[] rate = new double[workers];
    boolean measured = n >= workers && n <= (long) workers * cap;
    for (int r = 0; r < workers && measured; r++) {
      if (recorded[r] == 0) {
        measured = false;
      } else {
        rate[r] = 1.0 / median(r);
      }
    }
    if (!measured) {
      return even(n, workers);
    }
    double total = 0;
    for (double v : rate) {
      total += v;
    }
    double[] ideal = new double[workers];
    for (int r = 0; r < workers; r++) {
      ideal[r] = n * (rate[r] / total);
    }
    int[] c = largestRemainder(ideal, n);
    // Bounds, one sample at a time: an excess goes to the rank furthest below its ideal, a deficit
    // comes from the one furthest above it (ties: the lower rank gets, the higher gives), which
    // keeps a faster rank at or above a slower one (invariant 4).
    for (int r = 0; r < workers; r++) {
      while (c[r] > cap) {
        c[r]--;
        c[pick(ideal, c, true)]++;
      }
      while (c[r] < 1) {
        c[r]++;
        c[pick(ideal, c, false)]--;
      }
    }
    int[] even = even(n, workers);
    return predictedStep(c, rate) <= (1 - margin) * predictedStep(even, rate) ? c : even;
  }

  /** The slowest rank's samples over its rate: the step a split predicts, fixed costs aside. */
  private static double predictedStep(int[] c, double[] rate) {
    double t = 0;
    for (int r = 0; r < c.length; r++) {
      t = Math.max(t, c[r] / rate[r]);
    }
    return t;
  }

  /** The rank with the largest (receive) or smallest (give) ideal − count among those that can. */
  private int pick(double[] ideal, int[] c, boolean receive) {
    int best = -1;
    for (int j = 0; j < workers; j++) {
      if (receive ? c[j] >= cap : c[j] <= 1) {
        continue;
      }
      if (best < 0) {
        best = j;
        continue;
      }
      double dj = ideal[j] - c[j];
      double db = ideal[best] - c[best];
      if (receive ? dj > db : dj <= db) {
        best = j;
      }
    }
    return best;
  }

  /** ⌊ideal⌋ each, then one more for the largest remainders (ties: lower rank first). */
  private static int[] largestRemainder(double[] ideal, int n) {
    int w = ideal.length;
    int[] c = new int[w];
    int given = 0;
    for (int r = 0; r < w; r++) {
      c[r] = (int) Math.floor(ideal[r]);
      given += c[r];
    }
    Integer[] byRemainder = new Integer[w];
    for (int r = 0; r < w; r++) {
      byRemainder[r] = r;
    }
    Arrays.sort(byRemainder, (a, b) -> {
      int cmp = Double.compare(ideal[b] - Math.floor(ideal[b]), ideal[a] - Math.floor(ideal[a]));
      return cmp != 0 ? cmp : Integer.compare(a, b);
    });
    for (int k = 0; given < n; k = (k + 1) % w) {
      c[byRemainder[k]]++;
      given++;
    }
    return c;
  }

  /** The even split: ⌊n/W⌋ each, the first n mod W ranks one more. */
  static int[] even(int n, int workers) {
    int[] c = new int[workers];
    for (int r = 0; r < workers; r++) {
      c[r] = n / workers + (r < n % workers ? 1 : 0);
    }
    return c;
  }

  /**
   * Records one step: {@code samples[r]} samples took rank r {@code computeNanos[r]} of its own
   * compute. Ranks with no samples or no positive time teach nothing and are skipped.
   */
  public void observe(int[] samples, double[] computeNanos) {
    if (samples.length != workers || computeNanos.length != workers) {
      throw new IllegalArgumentException("need one entry per worker (" + workers + "), got "
          + samples.length + " and " + computeNanos.length);
    }
    for (int r = 0; r < workers; r++) {
      double t = computeNanos[r];
      if (samples[r] <= 0 || !(t > 0) || Double.isInfinite(t)) {
        continue;
      }
      history[r][recorded[r] % window] = t / samples[r];
      recorded[r]++;
    }
  }

  /**
   * Shares this rank's compute time of the step just run with every rank (one all-reduce of W
   * numbers, issued by every rank in the same place) and {@link #observe}s all of them.
   *
   * @param sizes the shard sizes the step used (from {@link #sizes})
   */
  public void exchange(Communicator comm, int[] sizes, long computeNanos) {
    exchangeNanos(comm, sizes, computeNanos);
  }

  /**
   * {@link #exchange} after a step that took {@code step} on this rank: returns the step's times
   * with the exchange counted as {@code wait} (it is a collective every rank waits in).
   */
  public StepTimes exchange(Communicator comm, int[] sizes, StepTimes step) {
    if (!balancing) {
      return step;
    }
    long t = exchangeNanos(comm, sizes, computeNanos(step));
    return step.plus(new StepTimes(0, 0, 0, 0, 0, t, 0));
  }

  private long exchangeNanos(Communicator comm, int[] sizes, long computeNanos) {
    long t0 = System.nanoTime();
    if (comm.size() != workers) {
      throw new IllegalArgumentException("balancer for " + workers + " workers, group of " + comm.size());
    }
    double[] t = new double[workers];
    t[comm.rank()] = Math.max(0, computeNanos);
    // Every slot has one non-zero addend: the sum is exact and the same on every rank.
    comm.allReduceSum(t);
    observe(sizes, t);
    return System.nanoTime() - t0;
  }

  /** A rank's own compute in a step: the step minus SyncBN reductions and the wait for buckets. */
  public static long computeNanos(StepTimes t) {
    return t.totalNanos() - t.syncBnNanos() - t.waitNanos();
  }

  /** Rank {@code rank}'s contiguous slice of {@code globalBatch} under {@code sizes}. */
  public static int[] shard(int[] globalBatch, int[] sizes, int rank) {
    int from = 0;
    int total = 0;
    for (int r = 0; r < sizes.length; r++) {
      if (r < rank) {
        from += sizes[r];
      }
      total += sizes[r];
    }
    if (total != globalBatch.length) {
      throw new IllegalArgumentException("shard sizes sum to " + total + ", the global batch has "
          + globalBatch.length);
    }
    return Arrays.copyOfRange(globalBatch, from, from + sizes[rank]);
  }

  private double median(int r) {
    int k = Math.min(recorded[r], window);
    double[] v = Arrays.copyOf(history[r], k);
    Arrays.sort(v);
    return k % 2 == 1 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
  }
}
