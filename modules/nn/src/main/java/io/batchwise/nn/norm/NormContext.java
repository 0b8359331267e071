package io.batchwise.nn.norm;

/**
 * What some normalization names need beyond the channel count ({@link NormFactory#byName(String,
 * NormContext)}).
 *
 * @param reducer the sync group's reducer for {@code syncbn} and {@code brn}; {@link
 *     StatisticsReducer#LOCAL} (the default) means local statistics until a trainer binds one
 *     ({@link NormConversion#bindReducer})
 * @param groups preferred group count for {@code gn} (default 32); a layer with C channels uses
 *     the largest divisor of C not above it ({@link GroupNorm#groupsFor})
 * @param virtualBatch virtual batch size of {@code ghostbn} (default 16)
 * @param renormSchedule rmax/dmax schedule of {@code brn} (default {@link RenormSchedule#DEFAULT})
 */
public record NormContext(StatisticsReducer reducer, int groups, int virtualBatch, RenormSchedule renormSchedule) {
  public static final NormContext DEFAULT = new NormContext(StatisticsReducer.LOCAL, GroupNorm.DEFAULT_GROUPS,
      GhostBatchNorm.DEFAULT_VIRTUAL_BATCH, RenormSchedule.DEFAULT);

  public NormContext {
    if (reducer == null || renormSchedule == null) {
      throw new IllegalArgumentException("NormContext needs a reducer and a Batch Renorm schedule");
    }
    if (groups <= 0) {
      throw new IllegalArgumentException("NormContext group count must be positive, got " + groups);
    }
    if (virtualBatch < 2) {
      throw new IllegalArgumentException("NormContext virtual batch must be ≥ 2, got " + virtualBatch);
    }
  }

  public NormContext withReducer(StatisticsReducer r) {
    return new NormContext(r, groups, virtualBatch, renormSchedule);
  }

  public NormContext withGroups(int g) {
    return new NormContext(reducer, g, virtualBatch, renormSchedule);
  }

  public NormContext withVirtualBatch(int v) {
    return new NormContext(reducer, groups, v, renormSchedule);
  }

  public NormContext withRenormSchedule(RenormSchedule s) {
    return new NormContext(reducer, groups, virtualBatch, s);
  }
}
