package io.batchwise.nn.norm;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.AbstractLayer;
import io.batchwise.nn.layers.ChannelFusedInput;
import io.batchwise.nn.layers.TensorSlot;
import io.batchwise.tensor.BatchNormCoefficients;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Batch normalization (Ioffe &amp; Szegedy 2015) over NCHW input (statistics per channel over N, H,
 * W) or NC input (per feature over N): y = γ·(x − mean)·invstd + β, invstd = 1/√(var + eps).
 *
 * <p>Conventions (defaults follow PyTorch, {@link Options#PYTORCH}):
 * <ol>
 *   <li>TRAIN normalizes with the batch mean and the <em>biased</em> batch variance (divisor S0, the
 *       number of values per channel); EVAL with the running mean and running variance.</li>
 *   <li>Running statistics, momentum m = 0.1 the weight of the new batch value
 *       ({@link MomentumConvention#NEW_WEIGHT}): rm ← (1−m)·rm + m·mean,
 *       rv ← (1−m)·rv + m·var·S0/(S0−1) (the unbiased variance). {@link Options#KERAS} switches to
 *       m = 0.99 as the weight of the old value, eps = 1e-3 and the biased variance in rv.</li>
 *   <li>eps = 1e-5; γ starts at 1, β at 0, rm at 0, rv at 1.</li>
 *   <li>Statistics are shifted sums in double with the shift K = running mean
 *       (S1 = Σ(x−K), S2 = Σ(x−K)²; mean = K + S1/S0, var = max(S2/S0 − (S1/S0)², 0)), exact even when
 *       |mean| ≫ std. The per-channel host arithmetic is in double.</li>
 *   <li>S0 = 0 (an empty batch everywhere): no output, no running-stat update. S0 = 1 in TRAIN:
 *       {@link IllegalArgumentException} (the batch variance of one value is undefined).</li>
 *   <li>Backward (TRAIN): s1 = Σdy, s2 = Σdy·(x−mean); dβ = s1, dγ = s2·invstd from the local sums;
 *       then s1, s2 are summed over the group and dx = γ·invstd·(dy − s1/S0 − (x−mean)·invstd²·s2/S0).
 *       After an EVAL forward the statistics are constants and dx = γ·invstd·dy (FrozenBN's gradient).</li>
 * </ol>
 *
 * <p>The seam: the sums pass through {@link #reduceForward} (2C+1 values) and {@link #reduceBackward}
 * (2C values), which call the {@link StatisticsReducer} given at construction (identity by default).
 * SyncBatchNorm is this layer with an all-reducing reducer.
 *
 * <p>Right after a bias-free {@link io.batchwise.nn.layers.Conv2d} in a Sequential the two are
 * linked ({@link ChannelFusedInput}): the convolution's output permute computes S1 and S2, and its
 * gradient permute applies this layer's dx map, so each pass reads the activation once less and
 * launches one kernel less. The sums, the host arithmetic and so the results are those of the
 * unlinked layer.
 */
public class BatchNorm extends AbstractLayer implements RunningStatistics, ChannelFusedInput {

  /**
   * Hyperparameters.
   *
   * @param momentum the running-average momentum, meaning given by {@code convention}
   * @param eps added to the variance before the square root
   * @param convention whether momentum weights the new or the old value
   * @param unbiasedRunningVariance whether rv tracks var·S0/(S0−1) (PyTorch) or var (Keras)
   */
  public record Options(double momentum, double eps, MomentumConvention convention,
                        boolean unbiasedRunningVariance) {
    public static final Options PYTORCH = new Options(0.1, 1e-5, MomentumConvention.NEW_WEIGHT, true);
    public static final Options KERAS = new Options(0.99, 1e-3, MomentumConvention.OLD_WEIGHT, false);
    /** PyTorch's conventions with a cumulative average of the batch statistics (momentum = None). */
    public static final Options PYTORCH_CUMULATIVE = new Options(0, 1e-5, MomentumConvention.CUMULATIVE, true);

    public Options {
      if (!(momentum >= 0 && momentum <= 1)) {
        throw new IllegalArgumentException("BatchNorm momentum must be in [0, 1], got " + momentum);
      }
      if (!(eps > 0)) {
        throw new IllegalArgumentException("BatchNorm eps must be > 0, got " + eps);
      }
    }

    /** Weight of the new batch statistic in the running average. */
    public double newWeight() {
      if (convention == MomentumConvention.CUMULATIVE) {
        throw new IllegalStateException("a cumulative average has no fixed weight; use newWeight(t)");
      }
      return convention == MomentumConvention.NEW_WEIGHT ? momentum : 1 - momentum;
    }

    /** Weight of the t-th batch statistic (t ≥ 1): 1/t for a cumulative average, else {@link #newWeight()}. */
    public double newWeight(long t) {
      return convention == MomentumConvention.CUMULATIVE ? 1.0 / t : newWeight();
    }

    public Options withMomentum(double m) {
      return new Options(m, eps, convention, unbiasedRunningVariance);
    }

    public Options withEps(double e) {
      return new Options(momentum, e, convention, unbiasedRunningVariance);
    }
  }

  private final Options options;
  private final int expectedChannels;
  // Volatile: SyncBatchNorm rebinds it (from the trainer's thread) before training starts.
  private volatile StatisticsReducer reducer;
  protected int channels;
  protected int inner;
  private Parameter gamma;
  private Parameter beta;
  private Tensor runningMean;
  private Tensor runningVar;
  private Tensor moments;
  private Tensor coefA;
  private Tensor coefB;
  private Tensor coefD;
  private Tensor center;
  private Tensor invstdDevice;
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();
  // Saved by forward for backward (per channel, double).
  private double[] centerHost;
  private double[] invstd;
  private double[] gammaHost;
  private double count;
  private boolean batchStats;
  // Whether this step's forward ran Ops.batchNormTrainForward (local statistics, one launch); its
  // backward then runs Ops.batchNormTrainBackward, which reads center and invstdDevice.
  private boolean fusedStep;
  // Added by the norm family: a statistics freeze and a PreciseBN observer (see their setters).
  private boolean statisticsFrozen;
  private ForwardObserver observer;
  private Tensor batchesTracked;
  // Linked to the convolution before it (ChannelFusedInput): that layer's forward may leave this
  // layer's sums in moments for its output momentsFor; this layer's backward then leaves its input
  // gradient unwritten (pendingDx) for that convolution to write through pendingMap.
  private boolean producerLinked;
  private MomentsRequest momentsRequest;
  private Tensor momentsFor;
  private Tensor pendingDx;
  private AffineGradient pendingMap;

  /** Sees the local forward sums before they are reduced (PreciseBN accumulates them). */
  interface ForwardObserver {
    /** @param shift the shift K (running mean) of the sums; @param localSums 2C+1 values, not to be kept */
    void observe(double[] shift, double[] localSums);
  }

  /** PyTorch defaults, any channel count. */
  public BatchNorm() {
    this(-1, Options.PYTORCH);
  }

  /** PyTorch defaults; init checks that the input has {@code channels} channels. */
  public BatchNorm(int channels) {
    this(channels, Options.PYTORCH);
  }

  public BatchNorm(int channels, Options options) {
    this(channels, options, StatisticsReducer.LOCAL);
  }

  /** For subclasses that normalize over a group of workers. */
  protected BatchNorm(int channels, Options options, StatisticsReducer reducer) {
    if (channels == 0 || channels < -1) {
      throw new IllegalArgumentException("BatchNorm channel count must be positive, got " + channels);
    }
    this.expectedChannels = channels;
    this.options = options;
    this.reducer = reducer;
  }

  public Options options() {
    return options;
  }

  /** Per-sample input shape ([C] or [C, H, W]) given to init; null before init. */
  public int[] inputShape() {
    return inShape == null ? null : inShape.clone();
  }

  /**
   * Freezes the statistics: from now on TRAIN forwards normalize with the running statistics and
   * leave them alone (as EVAL does), while γ and β still get gradients. Used for the last epochs of
   * training ({@link NormFreeze}).
   */
  public void freezeStatistics(boolean frozen) {
    this.statisticsFrozen = frozen;
  }

  public boolean statisticsFrozen() {
    return statisticsFrozen;
  }

  /**
   * Installs (or with null removes) the PreciseBN observer of the local forward sums (its type is
   * package-private: only {@link PreciseBn} installs one).
   */
  @Override
  public void observeForward(ForwardObserver o) {
    this.observer = o;
  }

  @Override
  protected String describe() {
    return getClass().getSimpleName() + "(" + (expectedChannels > 0 ? expectedChannels : "?")
        + ", momentum=" + options.momentum() + ", eps=" + options.eps() + ")";
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
    moments = device.allocate(DType.DOUBLE, 2 * channels);
    coefA = device.allocate(channels);
    coefB = device.allocate(channels);
    coefD = device.allocate(channels);
    center = device.allocate(channels);
    invstdDevice = device.allocate(DType.DOUBLE, channels);
    momentsRequest = new MomentsRequest(runningMean, moments);
    if (options.convention() == MomentumConvention.CUMULATIVE) {
      batchesTracked = device.zeros(1); // FLOAT: exact up to 2^24 batches
    }
    centerHost = new double[channels];
    invstd = new double[channels];
    gammaHost = new double[channels];
    return s;
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  /** Running mean, FLOAT [C] (also the shift of the statistics). */
  public Tensor runningMean() {
    return runningMean;
  }

  /** Running variance, FLOAT [C]. */
  public Tensor runningVar() {
    return runningVar;
  }

  @Override
  public List<StateBuffer> state() {
    if (batchesTracked != null) {
      return List.of(new StateBuffer("running_mean", runningMean), new StateBuffer("running_var", runningVar),
          new StateBuffer("num_batches_tracked", batchesTracked));
    }
    return List.of(new StateBuffer("running_mean", runningMean), new StateBuffer("running_var", runningVar));
  }

  /**
   * Whether the statistics are this worker's alone (no reduction across workers), so forward and
   * backward can each run as one device pass ({@code Ops.batchNormTrainForward/Backward}) with no
   * host round trip in between.
   */
  private boolean statisticsAreLocal() {
    return reducer == StatisticsReducer.LOCAL;
  }

  /** The reducer the sums go through ({@link StatisticsReducer#LOCAL}: this worker's alone). */
  protected final StatisticsReducer statisticsReducer() {
    return reducer;
  }

  /** Replaces the reducer (SyncBatchNorm binds its group's); null is refused by the caller. */
  protected final void setStatisticsReducer(StatisticsReducer r) {
    this.reducer = r;
  }

  /** Sums the forward statistics {@code [Σ(x−K), Σ(x−K)²] per channel, then S0} over the group. */
  protected void reduceForward(double[] sums) {
    reducer.sum(sums);
  }

  /** Sums the backward statistics {@code [Σdy, Σdy·(x−mean)] per channel} over the group. */
  protected void reduceBackward(double[] sums) {
    reducer.sum(sums);
  }

  private double[] read(Tensor t) {
    double[] v = new double[t.size()];
    t.read(0, v, 0, v.length);
    return v;
  }

  @Override
  public void linkProducer(boolean linked) {
    this.producerLinked = linked;
    this.momentsFor = null;
    this.pendingDx = null;
    this.pendingMap = null;
  }

  /**
   * With a linked convolution in training mode: the sums about the running mean that this
   * forward would otherwise compute itself. Linked, even local statistics take this path rather
   * than the one-launch kernel: the sums come with the permute, leaving one launch (the affine map)
   * as the one-launch kernel does, over one fewer read of the activation.
   */
  @Override
  public MomentsRequest momentsRequest(Mode mode) {
    return producerLinked && mode == Mode.TRAIN && !statisticsFrozen ? momentsRequest : null;
  }

  @Override
  public void momentsWritten(Tensor y) {
    this.momentsFor = y;
  }

  @Override
  public AffineGradient takeGradient(Tensor dxT) {
    if (pendingDx == null || dxT != pendingDx) {
      return null;
    }
    AffineGradient map = pendingMap;
    pendingDx = null;
    pendingMap = null;
    return map;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, inShape));
    int c = channels;
    pendingDx = null;
    pendingMap = null;
    boolean summed = x == momentsFor;
    momentsFor = null;
    batchStats = mode == Mode.TRAIN && !statisticsFrozen;
    fusedStep = batchStats && n > 0 && observer == null && statisticsAreLocal() && !summed;
    if (fusedStep) {
      forwardLocal(x, n, y);
      return y;
    }
    double[] g = read(gamma.value());
    double[] b = read(beta.value());
    System.arraycopy(g, 0, gammaHost, 0, c);
    double[] a = new double[c];
    double[] shift = new double[c];
    if (batchStats) {
      double[] k = read(runningMean);
      double[] sums = new double[2 * c + 1];
      if (n > 0) {
        if (!summed) {
          ops.channelMoments(x, n, c, inner, runningMean, moments);
        }
        moments.read(0, sums, 0, 2 * c);
      }
      sums[2 * c] = (double) n * inner;
      if (observer != null) {
        observer.observe(k, sums);
      }
      reduceForward(sums);
      count = sums[2 * c];
      if (count == 0) {
        return y;
      }
      if (count == 1) {
        throw oneValuePerChannel();
      }
      double[] rm = k.clone();
      double[] rv = read(runningVar);
      double[] mean = new double[c];
      BatchNormCoefficients.forward(count, sums, k, g, b, options.eps(), nextWeight(),
          bessel(count), rm, rv, mean, invstd, a, shift);
      // The backward center is the mean as the device stores it, read back so host and kernels agree.
      center.write(mean);
      center.read(0, centerHost, 0, c);
      runningMean.write(rm);
      runningVar.write(rv);
    } else {
      double[] rm = read(runningMean);
      double[] rv = read(runningVar);
      for (int ch = 0; ch < c; ch++) {
        invstd[ch] = 1.0 / Math.sqrt(rv[ch] + options.eps());
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

  /** TRAIN forward with this worker's statistics, n &gt; 0: one device pass, no host round trip. */
  private void forwardLocal(Tensor x, int n, Tensor y) {
    count = (double) n * inner;
    if (count == 1) {
      throw oneValuePerChannel();
    }
    ops.batchNormTrainForward(x, n, channels, inner, gamma.value(), beta.value(), options.eps(),
        nextWeight(), bessel(count), runningMean, runningVar, center, invstdDevice, y);
  }

  private IllegalArgumentException oneValuePerChannel() {
    return new IllegalArgumentException(describe() + ": one value per channel in training "
        + "(batch of 1, spatial size 1×1); the batch variance is undefined. "
        + "Use a larger batch, or EVAL mode.");
  }

  /** The weight of this batch in the running statistics (counts the batch for a cumulative average). */
  private double nextWeight() {
    if (batchesTracked == null) {
      return options.newWeight();
    }
    long t = (long) batchesTracked.toFloatArray()[0] + 1;
    batchesTracked.write(new float[] {t});
    return options.newWeight(t);
  }

  private double bessel(double s0) {
    return options.unbiasedRunningVariance() ? s0 / (s0 - 1) : 1.0;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    int c = channels;
    Tensor dxT = dx.get(device, withBatch(n, inShape));
    if (fusedStep) {
      ops.batchNormTrainBackward(dy, input, n, c, inner, gamma.value(), center, invstdDevice,
          gamma.grad(), beta.grad(), dxT);
      return dxT;
    }
    double[] t = new double[2 * c];
    if (n > 0) {
      ops.channelGradMoments(dy, input, n, c, inner, center, moments);
      moments.read(0, t, 0, 2 * c);
    }
    // dγ, dβ from the local sums: they travel with the other parameter gradients.
    double[] dg = new double[c];
    double[] db = new double[c];
    for (int ch = 0; ch < c; ch++) {
      db[ch] = t[2 * ch];
      dg[ch] = t[2 * ch + 1] * invstd[ch];
    }
    gamma.grad().write(dg);
    beta.grad().write(db);
    double[] a = new double[c];
    double[] b = new double[c];
    double[] d = new double[c];
    if (batchStats) {
      reduceBackward(t);
      if (count == 0) {
        return dxT;
      }
      BatchNormCoefficients.backward(count, t, gammaHost, invstd, centerHost, a, b, d);
    } else {
      for (int ch = 0; ch < c; ch++) {
        a[ch] = gammaHost[ch] * invstd[ch];
      }
    }
    if (n > 0) {
      coefA.write(a);
      coefB.write(b);
      coefD.write(d);
      if (producerLinked) {
        // The linked convolution writes dx, permuted, in its own backward (takeGradient).
        pendingDx = dxT;
        pendingMap = new AffineGradient(dy, input, coefA, coefB, coefD);
        return dxT;
      }
      ops.channelAffine2(dy, input, n, c, inner, coefA, coefB, coefD, dxT);
    }
    return dxT;
  }

  @Override
  public void close() {
    super.close();
    for (Tensor t : new Tensor[] {runningMean, runningVar, moments, coefA, coefB, coefD, center, invstdDevice,
        batchesTracked}) {
      if (t != null) {
        t.close();
      }
    }
  }
}
