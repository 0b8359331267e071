package io.batchwise.nn.norm;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.AbstractLayer;
import io.batchwise.nn.layers.TensorSlot;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Batch Renormalization (Ioffe 2017) over NCHW or NC input: in TRAIN,
 * y = γ·(x̂·r + d) + β with x̂ = (x − μ_B)/σ_B, σ_B = √(var_B + eps), σ = √(rv + eps),
 * r = clip(σ_B/σ, 1/rmax, rmax), d = clip((μ_B − rm)/σ, −dmax, dmax). EVAL is BatchNorm's
 * y = γ·(x − rm)/σ + β; unclipped, x̂·r + d equals exactly that, so training sees the inference
 * transform (removing the train/test gap of small or non-i.i.d. batches).
 *
 * <p>Conventions:
 * <ol>
 *   <li>r and d are computed from the running statistics <em>before</em> this step's update and are
 *       constants in backward (the paper's stop-gradient): dx is BatchNorm's with γ replaced by γ·r,
 *       dγ = Σdy·(x̂·r + d), dβ = Σdy.</li>
 *   <li>Statistics, running averages, momentum, eps and the errors for 0/1 values per channel are
 *       {@link BatchNorm}'s ({@link BatchNorm.Options}, PyTorch defaults: momentum 0.1 of the new
 *       value, unbiased rv, eps 1e-5); sums are shifted by rm and pass through a
 *       {@link StatisticsReducer} (local by default, or a sync group's: synchronized Batch Renorm).</li>
 *   <li>rmax/dmax follow a {@link RenormSchedule} of the step count, kept as the state buffer
 *       {@code steps} (FLOAT, exact up to 2<sup>24</sup> steps) so checkpoints resume the ramp.</li>
 *   <li>rmax = 1, dmax = 0 is exactly BatchNorm.</li>
 * </ol>
 */
public class BatchRenorm extends AbstractLayer implements RunningStatistics {
  private final int expectedChannels;
  private final BatchNorm.Options options;
  private final RenormSchedule schedule;
  private volatile StatisticsReducer reducer;
  private int channels;
  private int inner;
  private Parameter gamma;
  private Parameter beta;
  private Tensor runningMean;
  private Tensor runningVar;
  private Tensor steps;
  private Tensor moments;
  private Tensor coefA;
  private Tensor coefB;
  private Tensor coefD;
  private Tensor center;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();
  private double[] centerHost;
  private double[] invstd;
  private double[] gammaHost;
  private double[] r;
  private double[] d;
  private double count;
  private boolean batchStats;
  private boolean statisticsFrozen;
  private BatchNorm.ForwardObserver observer;
  private double[][] pinned;

  /** Default schedule and options, local statistics. */
  public BatchRenorm(int channels) {
    this(channels, BatchNorm.Options.PYTORCH, RenormSchedule.DEFAULT, StatisticsReducer.LOCAL);
  }

  public BatchRenorm(int channels, RenormSchedule schedule) {
    this(channels, BatchNorm.Options.PYTORCH, schedule, StatisticsReducer.LOCAL);
  }

  public BatchRenorm(int channels, BatchNorm.Options options, RenormSchedule schedule,
                     StatisticsReducer reducer) {
    if (channels == 0 || channels < -1) {
      throw new IllegalArgumentException("BatchRenorm channel count must be positive, got " + channels);
    }
    if (options == null || schedule == null) {
      throw new IllegalArgumentException("BatchRenorm needs options and a schedule");
    }
    if (options.convention() == MomentumConvention.CUMULATIVE) {
      throw new IllegalArgumentException("BatchRenorm supports EMA running statistics only, not a cumulative "
          + "average (use PreciseBn for exact population statistics)");
    }
    this.expectedChannels = channels;
    this.options = options;
    this.schedule = schedule;
    bindReducer(reducer);
  }

  public final void bindReducer(StatisticsReducer red) {
    if (red == null) {
      throw new IllegalArgumentException("BatchRenorm needs a reducer (StatisticsReducer.LOCAL for none)");
    }
    this.reducer = red;
  }

  public BatchNorm.Options options() {
    return options;
  }

  public RenormSchedule schedule() {
    return schedule;
  }

  /** Steps taken so far (the schedule's clock). */
  public long step() {
    return (long) steps.toFloatArray()[0];
  }

  /** Sets the schedule's clock (e.g. when converting a model mid-training). */
  public void setStep(long s) {
    if (s < 0 || s > (1 << 24)) {
      throw new IllegalArgumentException("BatchRenorm step must be in [0, 2^24], got " + s);
    }
    steps.write(new float[] {s});
  }

  /** As {@link BatchNorm#freezeStatistics}: TRAIN uses the running statistics and leaves them alone. */
  @Override
  public void freezeStatistics(boolean frozen) {
    this.statisticsFrozen = frozen;
  }

  @Override
  public boolean statisticsFrozen() {
    return statisticsFrozen;
  }

  /** PreciseBN's hook (see {@link RunningStatistics}); only {@link PreciseBn} installs one. */
  @Override
  public void observeForward(BatchNorm.ForwardObserver o) {
    this.observer = o;
  }

  /** The r and d of the last TRAIN forward (per channel), for inspection and tests. */
  public double[][] lastCorrection() {
    return new double[][] {r.clone(), d.clone()};
  }

  /**
   * Test hook: TRAIN forwards use these r and d instead of computing them, so a finite-difference
   * check sees the function whose gradient backward computes (r, d constant). null unpins.
   */
  void pinCorrection(double[] rr, double[] dd) {
    pinned = rr == null ? null : new double[][] {rr.clone(), dd.clone()};
  }

  @Override
  protected String describe() {
    return "BatchRenorm(" + (expectedChannels > 0 ? expectedChannels : "?") + ", " + schedule + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    if (s.length != 1 && s.length != 3) {
      throw new IllegalArgumentException(describe() + " expects [C] or [C, H, W] per sample, got "
          + Arrays.toString(s));
    }
    channels = s[0];
    inner = s.length == 3 ? s[1] * s[2] : 1;
    if (expectedChannels > 0 && expectedChannels != channels) {
      throw new IllegalArgumentException(describe() + " built for " + expectedChannels
          + " channels got input " + Arrays.toString(s));
    }
    gamma = parameter("weight", Parameter.Kind.NORM, channels);
    beta = parameter("bias", Parameter.Kind.NORM, channels);
    ops.fill(gamma.value(), 1f);
    ops.fill(beta.value(), 0f);
    runningMean = device.zeros(channels);
    runningVar = device.allocate(channels);
    ops.fill(runningVar, 1f);
    steps = device.zeros(1);
    moments = device.allocate(DType.DOUBLE, 2 * channels);
    coefA = device.allocate(channels);
    coefB = device.allocate(channels);
    coefD = device.allocate(channels);
    center = device.allocate(channels);
    centerHost = new double[channels];
    invstd = new double[channels];
    gammaHost = new double[channels];
    r = new double[channels];
    d = new double[channels];
    return s;
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  public Tensor runningMean() {
    return runningMean;
  }

  public Tensor runningVar() {
    return runningVar;
  }

  @Override
  public List<StateBuffer> state() {
    return List.of(new StateBuffer("running_mean", runningMean), new StateBuffer("running_var", runningVar),
        new StateBuffer("steps", steps));
  }

  private static double[] read(Tensor t) {
    return t.toDoubleArray();
  }

  private static double clip(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, inShape));
    int c = channels;
    double[] g = read(gamma.value());
    double[] b = read(beta.value());
    System.arraycopy(g, 0, gammaHost, 0, c);
    double[] rm = read(runningMean);
    double[] rv = read(runningVar);
    double[] a = new double[c];
    double[] shift = new double[c];
    batchStats = mode == Mode.TRAIN && !statisticsFrozen;
    if (batchStats) {
      double[] sums = new double[2 * c + 1];
      if (n > 0) {
        ops.channelMoments(x, n, c, inner, runningMean, moments);
        moments.read(0, sums, 0, 2 * c);
      }
      sums[2 * c] = (double) n * inner;
      if (observer != null) {
        observer.observe(rm, sums);
      }
      reducer.sum(sums);
      count = sums[2 * c];
      if (count == 0) {
        return y;
      }
      if (count == 1) {
        throw new IllegalArgumentException(describe() + ": one value per channel in training; the batch "
            + "variance is undefined. Use a larger batch, or EVAL mode.");
      }
      long step = step();
      double rmax = schedule.rmax(step);
      double dmax = schedule.dmax(step);
      double w = options.newWeight();
      double bessel = options.unbiasedRunningVariance() ? count / (count - 1) : 1.0;
      double[] mean = new double[c];
      double[] newRm = new double[c];
      double[] newRv = new double[c];
      for (int ch = 0; ch < c; ch++) {
        double m1 = sums[2 * ch] / count;
        mean[ch] = rm[ch] + m1;
        double var = Math.max(sums[2 * ch + 1] / count - m1 * m1, 0.0);
        double sigmaB = Math.sqrt(var + options.eps());
        double sigma = Math.sqrt(rv[ch] + options.eps());
        invstd[ch] = 1.0 / sigmaB;
        r[ch] = clip(sigmaB / sigma, 1 / rmax, rmax);
        d[ch] = clip((mean[ch] - rm[ch]) / sigma, -dmax, dmax);
        if (pinned != null) {
          r[ch] = pinned[0][ch];
          d[ch] = pinned[1][ch];
        }
        a[ch] = g[ch] * r[ch] * invstd[ch];
        shift[ch] = b[ch] + g[ch] * d[ch] - mean[ch] * a[ch];
        newRm[ch] = (1 - w) * rm[ch] + w * mean[ch];
        newRv[ch] = (1 - w) * rv[ch] + w * var * bessel;
      }
      center.write(mean);
      center.read(0, centerHost, 0, c);
      runningMean.write(newRm);
      runningVar.write(newRv);
      steps.write(new float[] {step + 1});
    } else {
      for (int ch = 0; ch < c; ch++) {
        invstd[ch] = 1.0 / Math.sqrt(rv[ch] + options.eps());
        r[ch] = 1;
        d[ch] = 0;
        a[ch] = g[ch] * invstd[ch];
        shift[ch] = b[ch] - rm[ch] * a[ch];
      }
      ops.copy(runningMean, center);
      System.arraycopy(rm, 0, centerHost, 0, c);
      count = (double) n * inner;
    }
    if (n > 0) {
      coefA.write(a);
      coefB.write(shift);
      ops.channelAffine(x, n, c, inner, coefA, coefB, y);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    int c = channels;
    Tensor dxT = dx.get(device, withBatch(n, inShape));
    double[] t = new double[2 * c];
    if (n > 0) {
      ops.channelGradMoments(dy, input, n, c, inner, center, moments);
      moments.read(0, t, 0, 2 * c);
    }
    double[] dg = new double[c];
    double[] db = new double[c];
    for (int ch = 0; ch < c; ch++) {
      db[ch] = t[2 * ch];
      // Σdy·(x̂·r + d) with x̂ = (x − center)·invstd.
      dg[ch] = r[ch] * t[2 * ch + 1] * invstd[ch] + d[ch] * t[2 * ch];
    }
    gamma.grad().write(dg);
    beta.grad().write(db);
    double[] a = new double[c];
    double[] b = new double[c];
    double[] dd = new double[c];
    if (batchStats) {
      reducer.sum(t);
      if (count == 0) {
        return dxT;
      }
      for (int ch = 0; ch < c; ch++) {
        double gi = gammaHost[ch] * r[ch] * invstd[ch];
        double s1 = t[2 * ch] / count;
        double s2 = t[2 * ch + 1] / count;
        a[ch] = gi;
        b[ch] = -gi * invstd[ch] * invstd[ch] * s2;
        dd[ch] = -gi * s1 - b[ch] * centerHost[ch];
      }
    } else {
      for (int ch = 0; ch < c; ch++) {
        a[ch] = gammaHost[ch] * invstd[ch];
      }
    }
    if (n > 0) {
      coefA.write(a);
      coefB.write(b);
      coefD.write(dd);
      ops.channelAffine2(dy, input, n, c, inner, coefA, coefB, coefD, dxT);
    }
    return dxT;
  }

  @Override
  public void close() {
    super.close();
    for (Tensor tt : new Tensor[] {runningMean, runningVar, steps, moments, coefA, coefB, coefD, center}) {
      if (tt != null) {
        tt.close();
      }
    }
  }
}
