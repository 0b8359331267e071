package io.batchwise.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits the sample indices {@code 0 .. size-1} of a data set into batches, epoch by epoch, and
 * shards every global batch across W workers.
 *
 * <p>Invariants:
 * <ol>
 *   <li>The order of epoch e is a permutation of all indices drawn by a Fisher–Yates shuffle from a
 *       generator seeded by {@code (seed, e)} alone: the same seed gives the same order in every run
 *       and on every worker, without communication; different epochs get different orders. With
 *       shuffling off the order is {@code 0, 1, 2, …}.</li>
 *   <li>Global batch b of an epoch is {@code order[b·B .. min((b+1)·B, size))}. The last, short batch
 *       is kept unless drop-last is on (then every batch has exactly B samples).</li>
 *   <li>Sharding: of a global batch of n samples, rank r of W takes the contiguous slice
 *       {@code [start(r), start(r+1))} with {@code start(r) = r·⌊n/W⌋ + min(r, n mod W)}: the first
 *       {@code n mod W} ranks get one sample more. The shards are disjoint and their union is the
 *       global batch, in order; a shard may be empty when n &lt; W. So W workers with their shards see
 *       exactly the samples one worker sees with the global batch, which is what SyncBN needs.</li>
 * </ol>
 */
public final class BatchSampler {
  private final int size;
  private final int batchSize;
  private final boolean dropLast;
  private final boolean shuffle;
  private final long seed;

  /**
   * @param size number of samples in the data set
   * @param batchSize global batch size B (≥ 1)
   * @param shuffle shuffle every epoch (training) or keep index order (evaluation)
   * @param dropLast drop the last batch when it is shorter than B
   * @param seed the shuffle seed
   */
  public BatchSampler(int size, int batchSize, boolean shuffle, boolean dropLast, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("data set size must be >= 0, got " + size);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    this.size = size;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed;
  }

  public int batchSize() {
    return batchSize;
  }

  public int datasetSize() {
    return size;
  }

  /** Global batches per epoch. */
  public int batchesPerEpoch() {
    return dropLast ? size / batchSize : (size + batchSize - 1) / batchSize;
  }

  /** Samples used per epoch (all of them unless drop-last cuts the tail). */
  public int samplesPerEpoch() {
    return dropLast ? batchesPerEpoch() * batchSize : size;
  }

  /** The order of epoch {@code epoch} (invariant 1). */
  public int[] order(int epoch) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom r = new SplittableRandom(mix(seed, epoch));
      for (int i = size - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Global batch {@code b} of an epoch's order (invariant 2). */
  public int[] globalBatch(int[] order, int b) {
    if (b < 0 || b >= batchesPerEpoch()) {
      throw new IndexOutOfBoundsException("batch " + b + " of " + batchesPerEpoch());
    }
    int from = b * batchSize;
    int to = Math.min(from + batchSize, size);
    int[] out = new int[to - from];
    System.arraycopy(order, from, out, 0, out.length);
    return out;
  }

  /** First index of rank {@code rank}'s shard in a global batch of {@code n} (invariant 3). */
  public static int shardStart(int n, int rank, int workers) {
    return rank * (n / workers) + Math.min(rank, n % workers);
  }

  /** Rank {@code rank}'s shard of a global batch (invariant 3). */
  public static int[] shard(int[] globalBatch, int rank, int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, got " + workers);
    }
    if (rank < 0 || rank >= workers) {
      throw new IllegalArgumentException("rank " + rank + " outside 0.." + (workers - 1));
    }
    int n = globalBatch.length;
    int from = shardStart(n, rank, workers);
    int to = shardStart(n, rank + 1, workers);
    int[] out = new int[to - from];
    System.arraycopy(globalBatch, from, out, 0, out.length);
    return out;
  }

  /** All of rank {@code rank}'s shards of epoch {@code epoch}, one per global batch. */
  public List<int[]> epoch(int epoch, int rank, int workers) {
    int[] order = order(epoch);
    List<int[]> out = new ArrayList<>(batchesPerEpoch());
    for (int b = 0; b < batchesPerEpoch(); b++) {
      out.add(shard(globalBatch(order, b), rank, workers));
    }
    return out;
  }

  /** All global batches of an epoch (single worker). */
  public List<int[]> epoch(int epoch) {
    return epoch(epoch, 0, 1);
  }

  /** SplitMix64 finalizer of (seed, epoch): nearby seeds and epochs give unrelated streams. */
  private static long mix(long seed, int epoch) {
    long z = seed * 0x9E3779B97F4A7C15L + epoch + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
