package io.batchwise.train.scaling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What the step-to-step noise of one worker's compute costs W workers that wait for each other,
 * estimated from one worker's measured steps alone ({@link StepProfile#segmentSamples}: the compute
 * segments between its SyncBN reductions, step by step).
 *
 * <p>Model: W ranks whose steps are drawn independently, with replacement and a fixed seed, from
 * the measured steps. Per draw:
 * <ul>
 *   <li>own: the mean over ranks of a step's total compute (what each takes by itself);</li>
 *   <li>lock step: the sum over segments of the slowest rank's segment (SyncBN: every reduction
 *       waits for the last rank to arrive, so each segment lasts its slowest rank's time);</li>
 *   <li>once per step: the slowest rank's total (per-worker BN: only the gradient buckets at the
 *       end of backward wait).</li>
 * </ul>
 * The collective's own time is left out: only waiting caused by noise is estimated.
 *
 * <p>Invariants (tested as properties):
 * <ol>
 *   <li>For every draw, own ≤ once per step ≤ lock step.</li>
 *   <li>Steps that are all the same (no noise) give own = once per step = lock step.</li>
 *   <li>One worker gives own = once per step = lock step.</li>
 * </ol>
 *
 * <p>Stalls: a segment time more than a threshold over that segment's median across steps. On the
 * VM this project is developed on (a Firecracker guest), one worker alone showed about two stalls
 * of about 2 ms per resnet20 step at random places, which is where most of its noise was.
 */
public final class LockStepJitter {
  private LockStepJitter() {
  }

  /**
   * Mean seconds per step over the draws; {@code lockStep - own} and {@code oncePerStep - own}
   * are the waiting the noise causes.
   */
  public record Cost(int workers, int draws, double own, double lockStep, double oncePerStep) {
    public double lockStepExtra() {
      return lockStep - own;
    }

    public double oncePerStepExtra() {
      return oncePerStep - own;
    }
  }

  /**
   * The noise of the measured steps: the mean step, the sum of the segments' medians, the mean
   * excess over those medians per step, and the part of it in stalls (segment times more than
   * {@code thresholdSeconds} over their median): how many per step and their median excess; with
   * the segments' process CPU times, the process's CPU time over wall time in all segments and in
   * the stalls (NaN without them). A worker held to one core keeps it busy, so a share near 1 in
   * the stalls says the guest saw the process running throughout: the time went where the guest
   * cannot see it (a hypervisor running something else on that CPU).
   */
  public record Stalls(int steps, int segments, double meanStep, double sumOfMedians, double excessPerStep,
      double stallExcessPerStep, double stallsPerStep, double medianStall, double thresholdSeconds,
      double cpuShare, double cpuShareInStalls) {}

  /**
   * The mean cost over {@code draws} draws of {@code workers} steps each.
   *
   * @param samples {@code [step][segment]} seconds, every step with the same segments
   * @throws IllegalArgumentException on no steps, steps of different lengths, workers or draws &lt; 1
   */
  public static Cost cost(double[][] samples, int workers, int draws, long seed) {
    int segments = check(samples);
    if (workers < 1 || draws < 1) {
      throw new IllegalArgumentException("need workers >= 1 and draws >= 1, got " + workers + " and " + draws);
    }
    double[] totals = new double[samples.length];
    for (int i = 0; i < totals.length; i++) {
      totals[i] = sum(samples[i]);
    }
    SplittableRandom random = new SplittableRandom(seed);
    double own = 0;
    double lock = 0;
    double once = 0;
    double[][] ranks = new double[workers][];
    for (int d = 0; d < draws; d++) {
      double drawn = 0;
      double slowestTotal = 0;
      for (int r = 0; r < workers; r++) {
        int i = random.nextInt(samples.length);
        ranks[r] = samples[i];
        drawn += totals[i];
        slowestTotal = Math.max(slowestTotal, totals[i]);
      }
      double locked = 0;
      for (int j = 0; j < segments; j++) {
        double slowest = 0;
        for (double[] steps : ranks) {
          slowest = Math.max(slowest, steps[j]);
        }
        locked += slowest;
      }
      own += drawn / workers;
      once += slowestTotal;
      lock += locked;
    }
    return new Cost(workers, draws, own / draws, lock / draws, once / draws);
  }

  /** The stalls of {@code samples} (see {@link Stalls}), without CPU times. */
  public static Stalls stalls(double[][] samples, double thresholdSeconds) {
    return stalls(samples, null, thresholdSeconds);
  }

  /**
   * The stalls of {@code samples} (see {@link Stalls}); {@code cpu} holds the same segments' process
   * CPU seconds, or is null or empty.
   */
  public static Stalls stalls(double[][] samples, double[][] cpu, double thresholdSeconds) {
    int segments = check(samples);
    boolean withCpu = cpu != null && cpu.length > 0;
    if (withCpu && (cpu.length != samples.length || check(cpu) != segments)) {
      throw new IllegalArgumentException("CPU times of " + cpu.length + " steps for " + samples.length
          + " steps of wall times, or of other segments");
    }
    int steps = samples.length;
    double[] medians = new double[segments];
    double sumOfMedians = 0;
    for (int j = 0; j < segments; j++) {
      double[] v = new double[steps];
      for (int i = 0; i < steps; i++) {
        v[i] = samples[i][j];
      }
      medians[j] = median(v);
      sumOfMedians += medians[j];
    }
    double excess = 0;
    double stallExcess = 0;
    double total = 0;
    double[] stalls = new double[steps * segments];
    int count = 0;
    double cpuAll = 0;
    double cpuStalls = 0;
    double wallStalls = 0;
    for (int i = 0; i < steps; i++) {
      double[] step = samples[i];
      for (int j = 0; j < segments; j++) {
        double e = step[j] - medians[j];
        excess += e;
        total += step[j];
        cpuAll += withCpu ? cpu[i][j] : 0;
        if (e > thresholdSeconds) {
          stallExcess += e;
          stalls[count++] = e;
          wallStalls += step[j];
          cpuStalls += withCpu ? cpu[i][j] : 0;
        }
      }
    }
    return new Stalls(steps, segments, total / steps, sumOfMedians, excess / steps, stallExcess / steps,
        (double) count / steps, count == 0 ? 0 : median(Arrays.copyOf(stalls, count)), thresholdSeconds,
        withCpu ? cpuAll / total : Double.NaN, withCpu && count > 0 ? cpuStalls / wallStalls : Double.NaN);
  }

  private static int check(double[][] samples) {
    if (samples == null || samples.length == 0) {
      throw new IllegalArgumentException("no measured steps");
    }
    int segments = samples[0].length;
    for (double[] s : samples) {
      if (s.length != segments) {
        throw new IllegalArgumentException("steps with different numbers of segments: " + segments + " and "
            + s.length);
      }
    }
    return segments;
  }

  private static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : 0.5 * (c[c.length / 2 - 1] + c[c.length / 2]);
  }
}
