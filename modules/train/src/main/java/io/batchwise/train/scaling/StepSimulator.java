package io.batchwise.train.scaling;

import io.batchwise.collective.model.CollectiveModel;

/**
 * Replays a {@link StepProfile} on N nodes against a collective cost model, the way
 * {@link io.batchwise.train.parallel.DataParallelStep} and the communicator behave:
 *
 * <ul>
 *   <li>The communicator is one lane: collectives run one at a time in issue order.</li>
 *   <li>A gradient bucket is issued asynchronously when backward completes it; it starts when the
 *       lane is free and occupies it for its all-reduce time (recursive doubling up to the
 *       communicator's switch size, the ring above).</li>
 *   <li>A SyncBN reduction (2C+1 doubles in forward, 2C in backward) blocks the training thread: it
 *       waits for the lane (so in backward it queues behind buckets issued before it, as the
 *       implementation does), then for its own recursive-doubling time. This is the latency-bound
 *       part on the critical path.</li>
 *   <li>After backward the thread waits for the lane to drain (the exposed gradient communication),
 *       then writes the sums back and steps the optimizer.</li>
 * </ul>
 * Compute does not slow down while the communicator works: each node is assumed to have a core (or
 * NIC offload) for communication, unlike the 2-core machine the profile came from. With {@code
 * syncBn == false} (per-worker BN) the SyncBN reductions are skipped and the compute is unchanged.
 */
public final class StepSimulator {
  private StepSimulator() {
  }

  /**
   * Seconds of one simulated step: {@code compute} (sum of compute segments), {@code syncBn}
   * (blocked in SyncBN reductions, including queueing behind buckets), {@code gradientComm} (lane
   * time of the buckets, partly hidden), {@code exposedWait} (blocked on buckets after backward), {@code
   * total} (wall time of the step).
   */
  public record Result(double compute, double syncBn, double gradientComm, double exposedWait, double total) {}

  public static Result simulate(StepProfile profile, CollectiveModel model, int nodes, boolean syncBn) {
    if (nodes < 1) {
      throw new IllegalArgumentException("nodes must be >= 1, got " + nodes);
    }
    double t = 0;
    double laneFree = 0;
    double compute = 0;
    double sync = 0;
    double grad = 0;
    for (StepProfile.Event e : profile.events()) {
      switch (e.kind()) {
        case COMPUTE -> {
          t += e.seconds();
          compute += e.seconds();
        }
        case SYNCBN_FORWARD, SYNCBN_BACKWARD -> {
          if (syncBn && nodes > 1) {
            double start = Math.max(t, laneFree);
            double end = start + model.allReduceSeconds(e.bytes(), nodes);
            sync += end - t;
            t = end;
            laneFree = end;
          }
        }
        case BUCKET -> {
          if (nodes > 1) {
            double d = model.allReduceSeconds(e.bytes(), nodes);
            laneFree = Math.max(t, laneFree) + d;
            grad += d;
          }
        }
        default -> throw new AssertionError(e.kind());
      }
    }
    double wait = Math.max(0, laneFree - t);
    t += wait + profile.tailSeconds();
    compute += profile.tailSeconds();
    return new Result(compute, sync, grad, wait, t);
  }
}
