package io.batchwise.nn.norm;

/**
 * Sync groups: a world of W ranks split into W/k groups of k consecutive ranks that normalize
 * together ({0..k−1}, {k..2k−1}, …), so the normalization batch (k × the per-worker batch) can be
 * chosen independently of the worker count. k = W is ordinary SyncBN over all workers, k = 1 is
 * local BatchNorm. Whoever builds the reducers (the train module over a communicator, or
 * {@link InProcessReducer#partition}) hands each rank the reducer of its group.
 *
 * @param worldSize W, the number of ranks
 * @param groupSize k, ranks per group; must divide W
 */
public record SyncGroups(int worldSize, int groupSize) {
  public SyncGroups {
    if (worldSize <= 0) {
      throw new IllegalArgumentException("sync groups need a positive world size, got " + worldSize);
    }
    if (groupSize <= 0 || groupSize > worldSize || worldSize % groupSize != 0) {
      throw new IllegalArgumentException("sync group size " + groupSize + " must divide the world size "
          + worldSize);
    }
  }

  public int groupCount() {
    return worldSize / groupSize;
  }

  public int groupOf(int rank) {
    check(rank);
    return rank / groupSize;
  }

  public int rankInGroup(int rank) {
    check(rank);
    return rank % groupSize;
  }

  /** The world ranks of group {@code g}, ascending. */
  public int[] members(int g) {
    if (g < 0 || g >= groupCount()) {
      throw new IllegalArgumentException("group " + g + " outside 0.." + (groupCount() - 1));
    }
    int[] m = new int[groupSize];
    for (int i = 0; i < groupSize; i++) {
      m[i] = g * groupSize + i;
    }
    return m;
  }

  private void check(int rank) {
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " outside world of " + worldSize);
    }
  }
}
