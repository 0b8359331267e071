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
 * Ghost Batch Normalization (Hoffer et al. 2017): in TRAIN, the batch is cut into consecutive
 * virtual batches of {@code virtualBatch} samples and each is normalized with its own statistics,
 * exactly as {@link BatchNorm} would normalize that slice alone (same γ, β). This keeps the noise
 * of small-batch statistics when the real batch is large. EVAL is BatchNorm's.
 *
 * <p>Conventions:
 * <ol>
 *   <li>Virtual batches are consecutive slices [0, v), [v, 2v), …; a last slice with fewer than 2
 *       samples joins the slice before it (a one-sample slice of NC input has no variance).</li>
 *   <li>Running statistics are updated once per virtual batch, in order, with BatchNorm's rule
 *       ({@link BatchNorm.Options}, PyTorch defaults) — what applying BatchNorm to each slice in
 *       turn does. All slices of one forward share the shift K = running mean at its start.</li>
 *   <li>γ, β gradients are summed over the virtual batches. Statistics are local (ghost batches
 *       are by definition per device).</li>
 * </ol>
 */
public class GhostBatchNorm extends AbstractLayer implements RunningStatistics {
  /** Virtual batch size of the {@code ghostbn} name. */
  public static final int DEFAULT_VIRTUAL_BATCH = 16;

  private final int expectedChannels;
  private final int virtualBatch;
  private final BatchNorm.Options options;
  private int channels;
  private int inner;
  private Parameter gamma;
  private Parameter beta;
  private Tensor runningMean;
  private Tensor runningVar;
  private Tensor shift;
  private Tensor moments;
  private final TensorSlot centers = slot();
  private final TensorSlot coefA = slot();
  private final TensorSlot coefB = slot();
  private final TensorSlot coefD = slot();
  private final TensorSlot out = slot();
  private final TensorSlot dx = slot();
  private int[] starts;
  private double[][] invstd;
  private double[][] centerHost;
  private double[] gammaHost;
  private boolean batchStats;
  private boolean statisticsFrozen;
  private BatchNorm.ForwardObserver observer;

  public GhostBatchNorm(int channels) {
    this(channels, DEFAULT_VIRTUAL_BATCH, BatchNorm.Options.PYTORCH);
  }

  public GhostBatchNorm(int channels, int virtualBatch) {
    this(channels, virtualBatch, BatchNorm.Options.PYTORCH);
  }

  public GhostBatchNorm(int channels, int virtualBatch, BatchNorm.Options options) {
    if (channels == 0 || channels < -1) {
      throw new IllegalArgumentException("GhostBatchNorm channel count must be positive, got " + channels);
    }
    if (virtualBatch < 2) {
      throw new IllegalArgumentException("GhostBatchNorm virtual batch must be ≥ 2, got " + virtualBatch);
    }
    if (options.convention() == MomentumConvention.CUMULATIVE) {
      throw new IllegalArgumentException("GhostBatchNorm supports EMA running statistics only, not a cumulative "
          + "average (use PreciseBn for exact population statistics)");
    }
    this.expectedChannels = channels;
    this.virtualBatch = virtualBatch;
    this.options = options;
  }

  public int virtualBatch() {
    return virtualBatch;
  }

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

  @Override
  public BatchNorm.Options options() {
    return options;
  }

  /** Start of each virtual batch of a batch of n, plus n at the end. */
  public static int[] slices(int n, int v) {
    if (n == 0) {
      return new int[] {0, 0};
    }
    int k = n / v;
    int rem = n % v;
    if (k == 0 || rem >= 2) {
      k++; // n < v: one slice; a remainder of ≥ 2 samples: a slice of its own
    } // a remainder of 1 joins the last full slice
    int[] s = new int[k + 1];
    for (int i = 0; i < k; i++) {
      s[i] = i * v;
    }
    s[k] = n;
    return s;
  }

  @Override
  protected String describe() {
    return "GhostBatchNorm(" + (expectedChannels > 0 ? expectedChannels : "?") + ", virtual=" + virtualBatch + ")";
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
    shift = device.allocate(channels);
    moments = device.allocate(DType.DOUBLE, 2 * channels);
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
    return List.of(new StateBuffer("running_mean", runningMean), new StateBuffer("running_var", runningVar));
  }

  private Tensor rows(Tensor t, int from, int to) {
    int per = channels * inner;
    int[] shape = withBatch(to - from, inShape);
    return t.slice(from * per, shape);
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, inShape));
    int c = channels;
    double[] g = gamma.value().toDoubleArray();
    double[] b = beta.value().toDoubleArray();
    gammaHost = g;
    double[] rm = runningMean.toDoubleArray();
    double[] rv = runningVar.toDoubleArray();
    batchStats = mode == Mode.TRAIN && !statisticsFrozen;
    starts = batchStats ? slices(n, virtualBatch) : new int[] {0, n};
    int k = starts.length - 1;
    invstd = new double[k][c];
    centerHost = new double[k][c];
    double[] a = new double[k * c];
    double[] sh = new double[k * c];
    if (n == 0) {
      return y;
    }
    if (batchStats) {
      if (n * inner < 2) {
        throw new IllegalArgumentException(describe() + ": one value per channel in training; the batch "
            + "variance is undefined. Use a larger batch, or EVAL mode.");
      }
      ops.copy(runningMean, shift);
      double[] kk = rm.clone();
      double w = options.newWeight();
      for (int j = 0; j < k; j++) {
        int nj = starts[j + 1] - starts[j];
        ops.channelMoments(rows(x, starts[j], starts[j + 1]), nj, c, inner, shift, moments);
        double[] sums = moments.toDoubleArray();
        double count = (double) nj * inner;
        if (observer != null) {
          double[] local = Arrays.copyOf(sums, 2 * c + 1);
          local[2 * c] = count;
          observer.observe(kk, local);
        }
        double bessel = options.unbiasedRunningVariance() ? count / (count - 1) : 1.0;
        for (int ch = 0; ch < c; ch++) {
          double m1 = sums[2 * ch] / count;
          double mean = kk[ch] + m1;
          double var = Math.max(sums[2 * ch + 1] / count - m1 * m1, 0.0);
          invstd[j][ch] = 1.0 / Math.sqrt(var + options.eps());
          centerHost[j][ch] = mean;
          a[j * c + ch] = g[ch] * invstd[j][ch];
          sh[j * c + ch] = b[ch] - mean * a[j * c + ch];
          rm[ch] = (1 - w) * rm[ch] + w * mean;
          rv[ch] = (1 - w) * rv[ch] + w * var * bessel;
        }
      }
      runningMean.write(rm);
      runningVar.write(rv);
    } else {
      for (int ch = 0; ch < c; ch++) {
        invstd[0][ch] = 1.0 / Math.sqrt(rv[ch] + options.eps());
        centerHost[0][ch] = rm[ch];
        a[ch] = g[ch] * invstd[0][ch];
        sh[ch] = b[ch] - rm[ch] * a[ch];
      }
    }
    Tensor ctr = centers.get(device, k, c);
    double[] flat = new double[k * c];
    for (int j = 0; j < k; j++) {
      System.arraycopy(centerHost[j], 0, flat, j * c, c);
    }
    ctr.write(flat);
    // The backward center is the mean as the device stores it.
    double[] stored = ctr.toDoubleArray();
    for (int j = 0; j < k; j++) {
      System.arraycopy(stored, j * c, centerHost[j], 0, c);
    }
    Tensor ta = coefA.get(device, k, c).write(a);
    Tensor tb = coefB.get(device, k, c).write(sh);
    for (int j = 0; j < k; j++) {
      int nj = starts[j + 1] - starts[j];
      ops.channelAffine(rows(x, starts[j], starts[j + 1]), nj, c, inner, ta.slice(j * c, c), tb.slice(j * c, c),
          rows(y, starts[j], starts[j + 1]));
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    int c = channels;
    Tensor dxT = dx.get(device, withBatch(n, inShape));
    double[] dg = new double[c];
    double[] db = new double[c];
    if (n == 0) {
      gamma.grad().write(dg);
      beta.grad().write(db);
      return dxT;
    }
    int k = starts.length - 1;
    double[] a = new double[k * c];
    double[] b = new double[k * c];
    double[] d = new double[k * c];
    Tensor ctr = centers.current();
    for (int j = 0; j < k; j++) {
      int nj = starts[j + 1] - starts[j];
      ops.channelGradMoments(rows(dy, starts[j], starts[j + 1]), rows(input, starts[j], starts[j + 1]), nj, c,
          inner, ctr.slice(j * c, c), moments);
      double[] t = moments.toDoubleArray();
      double count = (double) nj * inner;
      for (int ch = 0; ch < c; ch++) {
        double is = invstd[j][ch];
        db[ch] += t[2 * ch];
        dg[ch] += t[2 * ch + 1] * is;
        double gi = gammaHost[ch] * is;
        a[j * c + ch] = gi;
        if (batchStats) {
          b[j * c + ch] = -gi * is * is * t[2 * ch + 1] / count;
          d[j * c + ch] = -gi * t[2 * ch] / count - b[j * c + ch] * centerHost[j][ch];
        }
      }
    }
    gamma.grad().write(dg);
    beta.grad().write(db);
    Tensor ta = coefA.get(device, k, c).write(a);
    Tensor tb = coefB.get(device, k, c).write(b);
    Tensor td = coefD.get(device, k, c).write(d);
    for (int j = 0; j < k; j++) {
      int nj = starts[j + 1] - starts[j];
      ops.channelAffine2(rows(dy, starts[j], starts[j + 1]), rows(input, starts[j], starts[j + 1]), nj, c, inner,
          ta.slice(j * c, c), tb.slice(j * c, c), td.slice(j * c, c), rows(dxT, starts[j], starts[j + 1]));
    }
    return dxT;
  }

  @Override
  public void close() {
    super.close();
    for (Tensor t : new Tensor[] {runningMean, runningVar, shift, moments}) {
      if (t != null) {
        t.close();
      }
    }
  }
}
