package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.batchwise.collective.model.Algorithm;
import io.batchwise.collective.model.AlphaBeta;
import io.batchwise.collective.model.CollectiveModel;
import io.batchwise.train.scaling.StepProfile.Event;
import io.batchwise.train.scaling.StepProfile.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepSimulatorTest {
  // alpha 10 us, beta 1 ns/B for every algorithm; switch at 32 KB, 256 KB chunks.
  private static final CollectiveModel MODEL = new CollectiveModel(Map.of(
      Algorithm.RECURSIVE_DOUBLING, AlphaBeta.of(10e-6, 1e-9), Algorithm.RING, AlphaBeta.of(10e-6, 1e-9),
      Algorithm.BINOMIAL_BROADCAST, AlphaBeta.of(10e-6, 1e-9)), 32 << 10, 256 << 10);

  private static Event c(double ms) {
    return new Event(Kind.COMPUTE, ms * 1e-3, 0);
  }

  /** forward: 1 ms, SyncBN(2C+1 = 33 doubles), 1 ms; backward: 1 ms, bucket 4 MB, 2 ms, SyncBN(32), 1 ms. */
  private static final StepProfile PROFILE = new StepProfile("toy", 8, "test", List.of(
      c(1), new Event(Kind.SYNCBN_FORWARD, 0, 264), c(1),
      c(1), new Event(Kind.BUCKET, 0, 4 << 20), c(2), new Event(Kind.SYNCBN_BACKWARD, 0, 256), c(1)),
      0.5e-3, new long[] {4 << 20});

  @Test
  void oneNodeIsPureCompute() {
    StepSimulator.Result r = StepSimulator.simulate(PROFILE, MODEL, 1, true);
    assertEquals(6.5e-3, r.total(), 1e-12);
    assertEquals(6.5e-3, PROFILE.computeSeconds(), 1e-12);
    assertEquals(0, r.syncBn() + r.gradientComm() + r.exposedWait(), 0);
  }

  @Test
  void syncBnBlocksAndQueuesBehindTheBucket() {
    int n = 16;
    double fwd = 4 * (10e-6 + 264e-9);                   // recursive doubling, log2 16 = 4 steps
    // Ring on 16 nodes, 4 MB: segments of 256 KB = 1 chunk each, so A = 2(n-1) = 30, B = 30 * 4 MB / 16.
    double bucket = 30 * 10e-6 + 30.0 * (4 << 20) / 16 * 1e-9;
    double bwd = 4 * (10e-6 + 256e-9);
    StepSimulator.Result r = StepSimulator.simulate(PROFILE, MODEL, n, true);
    // The bucket starts at 1 + fwd + 1 + 1 ms and lasts ~8.2 ms; the backward SyncBN, issued 2 ms later,
    // waits for it and then runs its own reduction; the last 1 ms of compute follows.
    double bucketStart = 3e-3 + fwd;
    double syncBwdEnd = bucketStart + bucket + bwd;
    assertEquals(syncBwdEnd + 1e-3 + 0.5e-3, r.total(), 1e-12);
    assertEquals(fwd + (syncBwdEnd - (bucketStart + 2e-3)), r.syncBn(), 1e-12);
    assertEquals(bucket, r.gradientComm(), 1e-12);
    assertEquals(0, r.exposedWait(), 1e-15);
    assertEquals(6.5e-3, r.compute(), 1e-12);
  }

  @Test
  void perWorkerBnOnlyWaitsForTheBucketAfterBackward() {
    int n = 16;
    double bucket = 30 * 10e-6 + 30.0 * (4 << 20) / 16 * 1e-9;
    StepSimulator.Result r = StepSimulator.simulate(PROFILE, MODEL, n, false);
    // Issued at 3 ms, done at 3 ms + bucket; backward ends at 6 ms, so the rest is exposed.
    assertEquals(3e-3 + bucket - 6e-3, r.exposedWait(), 1e-12);
    assertEquals(3e-3 + bucket + 0.5e-3, r.total(), 1e-12);
    assertEquals(0, r.syncBn(), 0);
  }
}
