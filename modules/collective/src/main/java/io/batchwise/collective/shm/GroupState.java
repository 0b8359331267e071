package io.batchwise.collective.shm;

import io.batchwise.collective.CollectiveException;

/**
 * What the shared-memory collectives need to know about the group while they wait: the TCP mesh
 * stays connected beside the segment and is what notices a rank that dies (its connections
 * close) or aborts (an ABORT frame).
 */
public interface GroupState {
  /** The failure that broke the group, or null. */
  CollectiveException brokenBy();

  /** Whether the connection to {@code rank} is lost. */
  boolean isLost(int rank);

  /** Breaks the group with {@code failure} (first failure wins, peers are told) and returns it. */
  CollectiveException fail(CollectiveException failure);
}
