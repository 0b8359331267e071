package io.batchwise.nn.norm;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.AbstractLayer;
import io.batchwise.nn.layers.TensorSlot;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;

/**
 * Group Normalization (Wu &amp; He 2018) over NCHW or NC input: the C channels are split into G groups
 * of C/G consecutive channels; each (sample, group) is normalized by its own mean and biased variance
 * over its (C/G)·H·W values, then every channel gets its own affine γ, β:
 * y = γ_c·(x − μ_{n,g})/√(σ²_{n,g} + eps) + β_c.
 *
 * <p>Conventions:
 * <ol>
 *   <li>No batch statistics, no running statistics: TRAIN and EVAL compute the same thing, and a
 *       sample's output does not depend on its batch mates (nothing to synchronize across workers).</li>
 *   <li>G = 1 is {@link LayerNorm} (over C·H·W, per-channel affine), G = C is {@link InstanceNorm}.</li>
 *   <li>eps = 1e-5; γ starts at 1, β at 0.</li>
 *   <li>Numerics: the (sample, group) statistics are computed as [outer = 1, c = N·G, inner =
 *       (C/G)·H·W] rows by the channel kernels: a float sum gives a shift near the mean, then shifted
 *       sums in double (exact when |mean| ≫ std). Normalization and affine are one per-(sample,
 *       channel) affine kernel; backward is one reduction over (sample, channel) planes and one
 *       affine kernel (4 + 2 launches per step).</li>
 * </ol>
 */
public class GroupNorm extends AbstractLayer {
  /** The default group count of the {@code gn} factory name (Wu &amp; He's 32). */
  public static final int DEFAULT_GROUPS = 32;

  private final int requestedGroups;
  private final double eps;
  private int groups;
  private int channels;
  private int spatial;
  private int groupSize;
  private Parameter gamma;
  private Parameter beta;
  private final TensorSlot out = slot();
  private final TensorSlot center = slot();
  private final TensorSlot dx = slot();
  private final TensorSlot shift = slot();
  private final TensorSlot coefA = slot();
  private final TensorSlot coefB = slot();
  private final TensorSlot coefD = slot();
  private final TensorSlot moments = new TensorSlot(DType.DOUBLE);
  private double[] invstd;
  private double[] gammaHost;
  private double[] centerHost;

  /** G groups (must divide the channel count given at init), eps 1e-5. */
  public GroupNorm(int groups) {
    this(groups, 1e-5);
  }

  /**
   * @param groups G ≥ 1, or 0 for one group per channel (instance norm)
   * @param eps added to the variance
   */
  public GroupNorm(int groups, double eps) {
    if (groups < 0) {
      throw new IllegalArgumentException("GroupNorm group count must be ≥ 1 (or 0 for one per channel), got "
          + groups);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("GroupNorm eps must be > 0, got " + eps);
    }
    this.requestedGroups = groups;
    this.eps = eps;
  }

  /**
   * The group count the {@code gn} name uses for C channels: the largest divisor of C that is at most
   * {@code preferred} (so 32 for C = 64, 16 for C = 16, 20 for C = 20, 25 for C = 50, 16 for C = 48).
   */
  public static int groupsFor(int channels, int preferred) {
    if (channels <= 0 || preferred <= 0) {
      throw new IllegalArgumentException("groupsFor needs positive channels and groups, got " + channels
          + ", " + preferred);
    }
    for (int g = Math.min(channels, preferred); g > 1; g--) {
      if (channels % g == 0) {
        return g;
      }
    }
    return 1;
  }

  /** G after init. */
  public int groups() {
    return groups;
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  @Override
  protected String describe() {
    return getClass().getSimpleName() + "(groups=" + (requestedGroups == 0 ? "C" : requestedGroups) + ")";
  }

  @Override
  protected int[] setUp(int[] s, Random rng) {
    if (s.length != 1 && s.length != 3) {
      throw new IllegalArgumentException(describe() + " expects [C] or [C, H, W] per sample, got "
          + Arrays.toString(s));
    }
    channels = s[0];
    spatial = s.length == 3 ? s[1] * s[2] : 1;
    groups = requestedGroups == 0 ? channels : requestedGroups;
    if (channels % groups != 0) {
      throw new IllegalArgumentException(describe() + ": " + groups + " groups do not divide " + channels
          + " channels");
    }
    groupSize = channels / groups * spatial;
    gamma = parameter("weight", Parameter.Kind.NORM, channels);
    beta = parameter("bias", Parameter.Kind.NORM, channels);
    ops.fill(gamma.value(), 1f);
    ops.fill(beta.value(), 0f);
    return s;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    int n = beginForward(x, mode);
    Tensor y = out.get(device, withBatch(n, inShape));
    if (n == 0) {
      return y;
    }
    int rows = n * groups;
    int m = groupSize;
    int per = channels / groups;
    Tensor k = shift.get(device, rows);
    Tensor mom = moments.get(device, 2 * rows);
    // 1. Per (sample, group) row: a float sum gives a shift near the mean, then shifted sums in double.
    ops.channelSum(x, 1, rows, m, 0f, k);
    ops.scale(k, (float) (1.0 / m));
    ops.channelMoments(x, 1, rows, m, k, mom);
    double[] kh = k.toDoubleArray();
    double[] sums = mom.toDoubleArray();
    invstd = new double[rows];
    double[] mean = new double[rows];
    for (int r = 0; r < rows; r++) {
      double m1 = sums[2 * r] / m;
      mean[r] = kh[r] + m1;
      double var = Math.max(sums[2 * r + 1] / m - m1 * m1, 0.0);
      invstd[r] = 1.0 / Math.sqrt(var + eps);
    }
    // 2. One affine over (sample, channel) planes: y = x·γ_c·invstd_r + (β_c − γ_c·mean_r·invstd_r).
    double[] g = gamma.value().toDoubleArray();
    double[] b = beta.value().toDoubleArray();
    int planes = n * channels;
    double[] a = new double[planes];
    double[] sh = new double[planes];
    double[] ctr = new double[planes];
    for (int p = 0; p < planes; p++) {
      int c = p % channels;
      int r = (p / channels) * groups + c / per;
      a[p] = g[c] * invstd[r];
      sh[p] = b[c] - g[c] * mean[r] * invstd[r];
      ctr[p] = mean[r];
    }
    gammaHost = g;
    Tensor ta = coefA.get(device, planes).write(a);
    Tensor tb = coefB.get(device, planes).write(sh);
    // The backward center is the mean as the device stores it, read back so host and kernels agree.
    centerHost = center.get(device, planes).write(ctr).toDoubleArray();
    ops.channelAffine(x, 1, planes, spatial, ta, tb, y);
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    beginBackward(dy);
    int n = batch;
    Tensor dxT = dx.get(device, withBatch(n, inShape));
    if (n == 0) {
      ops.fill(gamma.grad(), 0f);
      ops.fill(beta.grad(), 0f);
      return dxT;
    }
    int planes = n * channels;
    int per = channels / groups;
    int rows = n * groups;
    int m = groupSize;
    // Per (sample, channel) plane: u = Σdy, v = Σdy·(x − mean_r) (= Σdy·x̂ / invstd_r).
    Tensor mom = moments.get(device, 2 * planes);
    ops.channelGradMoments(dy, input, 1, planes, spatial, center.current(), mom);
    double[] t = mom.toDoubleArray();
    double[] dg = new double[channels];
    double[] db = new double[channels];
    double[] s1 = new double[rows];
    double[] s2 = new double[rows];
    for (int p = 0; p < planes; p++) {
      int c = p % channels;
      int r = (p / channels) * groups + c / per;
      db[c] += t[2 * p];
      dg[c] += t[2 * p + 1] * invstd[r];
      // Row sums of dx̂ = γ·dy and of dx̂·x̂.
      s1[r] += gammaHost[c] * t[2 * p];
      s2[r] += gammaHost[c] * t[2 * p + 1] * invstd[r];
    }
    gamma.grad().write(dg);
    beta.grad().write(db);
    // dx = invstd·(dx̂ − S1/m − x̂·S2/m) = a·dy + b·x + d per plane.
    double[] a = new double[planes];
    double[] b = new double[planes];
    double[] d = new double[planes];
    for (int p = 0; p < planes; p++) {
      int c = p % channels;
      int r = (p / channels) * groups + c / per;
      a[p] = invstd[r] * gammaHost[c];
      b[p] = -invstd[r] * invstd[r] * s2[r] / m;
      d[p] = -invstd[r] * s1[r] / m - b[p] * centerHost[p];
    }
    Tensor ta = coefA.get(device, planes).write(a);
    Tensor tb = coefB.get(device, planes).write(b);
    Tensor td = coefD.get(device, planes).write(d);
    ops.channelAffine2(dy, input, 1, planes, spatial, ta, tb, td, dxT);
    return dxT;
  }

  @Override
  public void close() {
    super.close();
    moments.close();
  }
}
