package io.batchwise.collective;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/** Checks run on every rank of a group (as {@link LocalGroup#run} bodies); null means passed. */
final class CommunicatorChecks {
  private CommunicatorChecks() {
  }

  /**
   * {@code iterations} split all-reduces of doubles of changing lengths (0 to 60: within and beyond
   * one 256-byte round), each compared with the blocking all-reduce of a copy; some ranks work for
   * up to 300 us between start and finish; an asynchronous float all-reduce is issued now and then
   * just before a split one (which must then queue behind it).
   */
  static Object splitMatchesBlocking(Communicator c, int iterations) {
    Random delays = new Random(c.rank());
    Random lengths = new Random(7); // the same on every rank
    for (int it = 0; it < iterations; it++) {
      int n = lengths.nextInt(61);
      boolean async = lengths.nextInt(5) == 0;
      double[] a = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = 0.1 * (c.rank() + 1) * (i + 1) + it / 3.0;
      }
      double[] b = a.clone();
      float[] f = {c.rank() + 1f};
      CompletableFuture<Void> pending = async ? c.allReduceSumAsync(f) : null;
      Communicator.Reduction r = c.startAllReduceSum(a);
      if (delays.nextInt(3) == 0) {
        LockSupport.parkNanos(delays.nextInt(300_000));
      }
      r.finish();
      if (pending != null) {
        pending.join();
        float want = c.size() * (c.size() + 1) / 2f;
        if (f[0] != want) {
          return "iteration " + it + ": async sum " + f[0] + ", want " + want;
        }
      }
      c.allReduceSum(b);
      if (!Arrays.equals(a, b)) {
        return "iteration " + it + ", n " + n + ": split " + Arrays.toString(a) + " but blocking "
            + Arrays.toString(b);
      }
    }
    return null;
  }

  /** A blocking all-reduce while a split one is open, and a second finish, are refused by name. */
  static Object splitMisuse(Communicator c) {
    double[] a = {c.rank()};
    Communicator.Reduction r = c.startAllReduceSum(a);
    String problem = null;
    try {
      c.allReduceSum(new double[1]);
      problem = "a blocking all-reduce inside an open split one was accepted";
    } catch (IllegalStateException e) {
      if (!e.getMessage().contains("still open")) {
        problem = "unclear message: " + e.getMessage();
      }
    }
    r.finish();
    if (problem == null && a[0] != c.size() * (c.size() - 1) / 2.0) {
      problem = "sum " + a[0];
    }
    if (problem == null) {
      try {
        r.finish();
        problem = "a second finish was accepted";
      } catch (IllegalStateException e) {
        if (!e.getMessage().contains("already finished")) {
          problem = "unclear message: " + e.getMessage();
        }
      }
    }
    return problem;
  }
}
