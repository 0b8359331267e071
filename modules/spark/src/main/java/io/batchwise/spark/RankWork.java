package io.batchwise.spark;

import java.io.Serializable;

/**
 * What each rank of a barrier stage does once its group is formed. Serializable: it is shipped to
 * the executors with the task, so it must capture only serializable state.
 *
 * @param <R> the per-rank result sent back to the driver (serializable)
 */
@FunctionalInterface
public interface RankWork<R extends Serializable> extends Serializable {
  R run(BarrierGroup group) throws Exception;
}
