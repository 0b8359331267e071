package io.batchwise.tensor;

/**
 * The kernel set of a {@link Device}. Every method is one kernel launch (or a short fixed sequence)
 * over tensors of that device; none copies data to the host.
 *
 * <p>Conventions shared by all methods:
 * <ol>
 *   <li>Tensors are dense and row-major; activations are NCHW. Where a method takes
 *       {@code (outer, c, inner)}, a tensor is viewed as {@code [outer][c][inner]}: NCHW is
 *       {@code (N, C, H·W)}, a dense layer's {@code [N, C]} is {@code (N, C, 1)}.</li>
 *   <li>Outputs are overwritten, never accumulated, unless a {@code beta} says otherwise. An output
 *       may not alias an input unless the method says so.</li>
 *   <li>Per-channel sums are accumulated in double and written to DOUBLE tensors; everything else is
 *       FLOAT (on the reference device every value is a double).</li>
 *   <li>Class labels are stored as FLOAT class indices (exact below 2<sup>24</sup>).</li>
 *   <li>Empty batches (n = 0) are legal and write nothing but zero sums.</li>
 * </ol>
 */
public interface Ops {

  // ---------------------------------------------------------------- memory

  /** x[i] = value. */
  void fill(Tensor x, float value);

  /** dst[i] = src[i]; sizes must match. */
  void copy(Tensor src, Tensor dst);

  // ---------------------------------------------------------------- GEMM

  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major, with op(A) of shape m×k and op(B) of shape k×n.
   * A is stored m×k (k×m when {@code transA}), B is stored k×n (n×k when {@code transB}), C is m×n;
   * leading dimensions are the stored row lengths. Offsets are element offsets inside each tensor.
   * With beta = 0, C is not read (NaN in C does not propagate).
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k,
            float alpha, Tensor a, int aOffset, Tensor b, int bOffset,
            float beta, Tensor c, int cOffset);

  // ---------------------------------------------------------------- layout

  /** y[c][n][i] = x[n][c][i] for x of shape [n, c, inner]. */
  void nchwToCnhw(Tensor x, int n, int c, int inner, Tensor y);

  /** y[n][c][i] = x[c][n][i] for x of shape [c, n, inner]. */
  void cnhwToNchw(Tensor x, int n, int c, int inner, Tensor y);

  // ---------------------------------------------------------------- convolution

  /**
   * Unfolds x [N, C, H, W] into col [C·KH·KW, N·OH·OW]: row (c, ky, kx), column (n, oy, ox) holds
   * x[n, c, oy·sh − ph + ky, ox·sw − pw + kx], or 0 outside the input. A convolution is then
   * W [Cout, C·KH·KW] × col, giving [Cout, N·OH·OW] (CNHW order).
   */
  void im2col(Tensor x, Window2d g, Tensor col);

  /** The adjoint of {@link #im2col}: dx [N, C, H, W] = sum of every col entry that read that cell. */
  void col2im(Tensor col, Window2d g, Tensor dx);

  // ---------------------------------------------------------------- pooling

  /**
   * Max pooling of x [N, C, H, W] into y [N, C, OH, OW]. Padded cells never win. {@code argmax}
   * [N, C, OH, OW] receives the winning cell's index {@code iy·W + ix} inside its (n, c) plane, as a
   * float; ties go to the first cell in row-major window order.
   */
  void maxPoolForward(Tensor x, Window2d g, Tensor y, Tensor argmax);

  /** dx [N, C, H, W] = scatter-add of dy into the cells named by {@code argmax}; dx is overwritten. */
  void maxPoolBackward(Tensor dy, Tensor argmax, Window2d g, Tensor dx);

  /** Average pooling; the divisor is kh·kw, padded cells counting as zeros (PyTorch's default). */
  void avgPoolForward(Tensor x, Window2d g, Tensor y);

  /** The gradient of {@link #avgPoolForward}; dx is overwritten. */
  void avgPoolBackward(Tensor dy, Window2d g, Tensor dx);

  /** y[n][c] = mean over i of x[n][c][i]. */
  void globalAvgPoolForward(Tensor x, int n, int c, int inner, Tensor y);

  /** dx[n][c][i] = dy[n][c] / inner. */
  void globalAvgPoolBackward(Tensor dy, int n, int c, int inner, Tensor dx);

  // ---------------------------------------------------------------- elementwise

  /** y = max(x, 0); y may alias x. */
  void reluForward(Tensor x, Tensor y);

  /** dx = y &gt; 0 ? dy : 0, where y is the ReLU output; dx may alias dy. */
  void reluBackward(Tensor y, Tensor dy, Tensor dx);

  /** out = a + b; out may alias a or b. */
  void add(Tensor a, Tensor b, Tensor out);

  /** y += alpha · x. */
  void axpy(float alpha, Tensor x, Tensor y);

  /** x *= alpha. */
  void scale(Tensor x, float alpha);

  /** out = a · b elementwise; out may alias a or b. */
  void mul(Tensor a, Tensor b, Tensor out);

  /**
   * Inverted-dropout mask: mask[i] = 1/keep when a counter-based hash of (seed, i) falls below
   * {@code keep}, else 0. The same seed gives the same mask on every device.
   */
  void dropoutMask(long seed, float keep, Tensor mask);

  // ---------------------------------------------------------------- channels

  /** y[o][c][i] += bias[c]. */
  void addChannelBias(Tensor y, int outer, int c, int inner, Tensor bias);

  /** out[c] = beta · out[c] + Σ over (o, i) of x[o][c][i], summed in double; out is FLOAT [c]. */
  void channelSum(Tensor x, int outer, int c, int inner, float beta, Tensor out);

  /**
   * Shifted moments per channel, accumulated in double: out[2c] = Σ (x − shift[c]) and
   * out[2c+1] = Σ (x − shift[c])² over (o, i). {@code shift} is FLOAT [c]; out is DOUBLE [2c].
   * A shift near the mean keeps the variance exact when |mean| ≫ std.
   */
  void channelMoments(Tensor x, int outer, int c, int inner, Tensor shift, Tensor out);

  /**
   * Backward moments per channel, in double: out[2c] = Σ dy and out[2c+1] = Σ dy · (x − center[c]).
   * {@code center} is FLOAT [c]; out is DOUBLE [2c].
   */
  void channelGradMoments(Tensor dy, Tensor x, int outer, int c, int inner, Tensor center, Tensor out);

  /** y[o][c][i] = x[o][c][i] · a[c] + b[c]; a, b FLOAT [c]; y may alias x. */
  void channelAffine(Tensor x, int outer, int c, int inner, Tensor a, Tensor b, Tensor y);

  /**
   * dx[o][c][i] = dy[o][c][i] · a[c] + x[o][c][i] · b[c] + d[c]: the BatchNorm input gradient once its
   * per-channel coefficients are known. dx may alias dy.
   */
  void channelAffine2(Tensor dy, Tensor x, int outer, int c, int inner,
                      Tensor a, Tensor b, Tensor d, Tensor dx);

  // ---------------------------------------------------------------- layout fused with a channel op

  /**
   * {@link #cnhwToNchw} of x [c, n, inner] into y [n, c, inner], then {@link #channelMoments} of y
   * about {@code shift} into out (DOUBLE [2c]): the end of a convolution whose output a BatchNorm
   * normalizes. A device may do both in one pass; its sums must equal this composition's (the
   * OpenCL device's are bit-identical). y may not alias x.
   */
  default void cnhwToNchwMoments(Tensor x, int n, int c, int inner, Tensor shift, Tensor y, Tensor out) {
    cnhwToNchw(x, n, c, inner, y);
    channelMoments(y, n, c, inner, shift, out);
  }

  /**
   * out[c][o][i] = dy[o][c][i] · a[c] + x[o][c][i] · b[c] + d[c]: {@link #channelAffine2} written in
   * CNHW order, as {@link #nchwToCnhw} would permute it (a BatchNorm's input gradient handed straight
   * to the convolution before it). out may not alias dy or x.
   */
  default void nchwToCnhwAffine2(Tensor dy, Tensor x, int n, int c, int inner, Tensor a, Tensor b,
      Tensor d, Tensor out) {
    if ((long) n * c * inner == 0) {
      return;
    }
    try (Tensor t = x.device().allocate(n, c, inner)) {
      channelAffine2(dy, x, n, c, inner, a, b, d, t);
      nchwToCnhw(t, n, c, inner, out);
    }
  }

  // ---------------------------------------------------------------- BatchNorm, local statistics

  /**
   * Training-mode BatchNorm forward over this device's batch alone (no reduction across workers):
   * per channel, with K = runningMean[c] before the update and S0 = outer·inner, the sums of
   * {@link #channelMoments} about K, then {@link BatchNormCoefficients#forward} (biased batch
   * variance, invstd = 1/√(var + eps), running statistics updated with weight {@code w} of the new
   * value and {@code bessel} on the variance), then y = x·a + b as {@link #channelAffine} computes it.
   * Writes center[c] = (float) mean (FLOAT [c]) and invstd[c] (DOUBLE [c]) for
   * {@link #batchNormTrainBackward}. S0 = 0 writes nothing; S0 = 1 is an error (the variance of one
   * value is undefined).
   *
   * <p>This default composes the separate kernels with the per-channel arithmetic on the host (one
   * read of 2C sums); a device may do it in one pass over each channel.
   */
  default void batchNormTrainForward(Tensor x, int outer, int c, int inner, Tensor gamma, Tensor beta,
      double eps, double w, double bessel, Tensor runningMean, Tensor runningVar, Tensor center,
      Tensor invstd, Tensor y) {
    double count = (double) outer * inner;
    if (count == 0) {
      return;
    }
    if (count == 1) {
      throw new IllegalArgumentException("batchNormTrainForward: one value per channel; the batch "
          + "variance is undefined");
    }
    Device device = x.device();
    try (Tensor moments = device.allocate(DType.DOUBLE, 2 * c);
         Tensor coefA = device.allocate(c);
         Tensor coefB = device.allocate(c)) {
      channelMoments(x, outer, c, inner, runningMean, moments);
      double[] sums = moments.toDoubleArray();
      double[] k = runningMean.toDoubleArray();
      double[] rm = k.clone();
      double[] rv = runningVar.toDoubleArray();
      double[] mean = new double[c];
      double[] is = new double[c];
      double[] a = new double[c];
      double[] b = new double[c];
      BatchNormCoefficients.forward(count, sums, k, gamma.toDoubleArray(), beta.toDoubleArray(), eps,
          w, bessel, rm, rv, mean, is, a, b);
      runningMean.write(rm);
      runningVar.write(rv);
      center.write(mean);
      invstd.write(is);
      coefA.write(a);
      coefB.write(b);
      channelAffine(x, outer, c, inner, coefA, coefB, y);
    }
  }

  /**
   * Training-mode BatchNorm backward over this device's batch alone, after
   * {@link #batchNormTrainForward} on the same x: per channel s1 = Σdy and s2 = Σdy·(x − center) (as
   * {@link #channelGradMoments}), dβ = s1, dγ = s2·invstd (FLOAT [c], overwritten), and
   * dx = dy·a + x·b + d with the coefficients of {@link BatchNormCoefficients#backward} (as
   * {@link #channelAffine2} computes it). S0 = outer·inner = 0 writes zero dγ and dβ only.
   */
  default void batchNormTrainBackward(Tensor dy, Tensor x, int outer, int c, int inner, Tensor gamma,
      Tensor center, Tensor invstd, Tensor dgamma, Tensor dbeta, Tensor dx) {
    double count = (double) outer * inner;
    Device device = x.device();
    try (Tensor moments = device.allocate(DType.DOUBLE, 2 * c);
         Tensor coefA = device.allocate(c);
         Tensor coefB = device.allocate(c);
         Tensor coefD = device.allocate(c)) {
      channelGradMoments(dy, x, outer, c, inner, center, moments);
      double[] sums = moments.toDoubleArray();
      double[] is = invstd.toDoubleArray();
      double[] dg = new double[c];
      double[] db = new double[c];
      for (int ch = 0; ch < c; ch++) {
        db[ch] = sums[2 * ch];
        dg[ch] = sums[2 * ch + 1] * is[ch];
      }
      dgamma.write(dg);
      dbeta.write(db);
      if (count == 0) {
        return;
      }
      double[] a = new double[c];
      double[] b = new double[c];
      double[] d = new double[c];
      BatchNormCoefficients.backward(count, sums, gamma.toDoubleArray(), is, center.toDoubleArray(),
          a, b, d);
      coefA.write(a);
      coefB.write(b);
      coefD.write(d);
      channelAffine2(dy, x, outer, c, inner, coefA, coefB, coefD, dx);
    }
  }

  // ---------------------------------------------------------------- loss

  /**
   * Softmax cross-entropy over logits [n, k] with labels [n]: prob [n, k] = softmax (max-subtracted),
   * loss[i] = −log prob[i][label[i]] (computed as logsumexp − logit, not from prob).
   */
  void softmaxCrossEntropyForward(Tensor logits, Tensor labels, int n, int k, Tensor prob, Tensor loss);

  /** dlogits[i][j] = scale · (prob[i][j] − [j == label[i]]). */
  void softmaxCrossEntropyBackward(Tensor prob, Tensor labels, int n, int k, float scale, Tensor dlogits);

  // ---------------------------------------------------------------- optimizer

  /**
   * SGD with momentum in PyTorch's form: g' = g + wd·w; v = μ·v + g';
   * w −= lr · (nesterov ? g' + μ·v : v). With μ = 0, v still receives g'.
   */
  void sgdMomentum(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay, boolean nesterov);
}
