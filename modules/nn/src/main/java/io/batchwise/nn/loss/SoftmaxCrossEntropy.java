package io.batchwise.nn.loss;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;

/**
 * Softmax cross-entropy over logits {@code [N, K]} and class labels {@code [N]}, on one device.
 *
 * <p>Per sample i: {@code loss[i] = logsumexp(logits[i]) − logits[i][label[i]]}, computed by
 * {@code Ops.softmaxCrossEntropyForward} with the row maximum subtracted first, so a huge logit does
 * not overflow. Labels are FLOAT class indices (the {@code Ops} convention), each an integer in
 * {@code [0, K)}; anything else is refused before any kernel runs.
 *
 * <p>Usage per step: {@link #forward} returns the <em>sum</em> of the per-sample losses of this
 * (local) batch and remembers the softmax probabilities; {@link #backward} then returns
 * {@code dlogits = scale · (prob − onehot(label))}. Scaling convention: the distributed job passes
 * {@code scale = 1 / globalBatch}, where {@code globalBatch} is the number of samples in the step
 * summed over every worker (not this worker's N), so the all-reduced sum of the workers' gradients is
 * the gradient of the mean loss over the global batch. A single worker passes {@code 1 / N}.
 *
 * <p>Ownership: the tensor returned by {@link #backward} belongs to this object and stays valid until
 * the next {@code forward}/{@code backward} or {@link #close()}. Buffers are reallocated only when
 * N changes. Not thread-safe, like its device.
 */
public final class SoftmaxCrossEntropy implements AutoCloseable {
  private final Device device;
  private Tensor prob;
  private Tensor loss;
  private Tensor dlogits;
  private Tensor labels;
  private int n = -1;
  private int k = -1;
  private boolean forwardDone;
  private double[] lossHost = new double[0];

  public SoftmaxCrossEntropy(Device device) {
    if (device == null) {
      throw new IllegalArgumentException("SoftmaxCrossEntropy needs a device");
    }
    this.device = device;
  }

  /**
   * Computes the per-sample losses and returns their sum (in double, read back to the host: N
   * values). {@code logits} and {@code labels} must stay valid until {@link #backward} returns.
   *
   * @param logits {@code [N, K]}, K ≥ 1, N ≥ 0, on this object's device
   * @param labels {@code [N]} FLOAT class indices in {@code [0, K)}
   * @return Σ_i loss[i]; 0 for N = 0
   * @throws IllegalArgumentException for wrong shapes, another device, or a label that is not an
   *     integer in {@code [0, K)} (the message names the sample and the value)
   */
  public double forward(Tensor logits, Tensor labels) {
    checkShapes(logits, labels);
    int rows = logits.dim(0);
    int classes = logits.dim(1);
    checkLabels(labels.toFloatArray(), classes);
    ensureBuffers(rows, classes);
    this.labels = labels;
    forwardDone = true;
    if (rows == 0) {
      return 0.0;
    }
    device.ops().softmaxCrossEntropyForward(logits, labels, rows, classes, prob, loss);
    // Summed in double on the host (read as double: exact on the reference device); N values per
    // step is a negligible transfer.
    loss.read(0, lossHost, 0, rows);
    double sum = 0;
    for (int i = 0; i < rows; i++) {
      sum += lossHost[i];
    }
    return sum;
  }

  /**
   * The gradient of {@code scale · Σ_i loss[i]} with respect to the logits of the last forward pass.
   *
   * @param scale {@code 1 / globalBatch} in the distributed job (see the class comment); finite, ≥ 0
   * @return dlogits {@code [N, K]}, owned by this object
   */
  public Tensor backward(double scale) {
    if (!forwardDone) {
      throw new IllegalStateException("SoftmaxCrossEntropy.backward called before forward");
    }
    if (!(scale >= 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("loss gradient scale must be finite and >= 0, got " + scale);
    }
    if (n > 0) {
      device.ops().softmaxCrossEntropyBackward(prob, labels, n, k, (float) scale, dlogits);
    }
    return dlogits;
  }

  /** The gradient for a global batch of {@code globalBatch} samples: {@code backward(1.0 / globalBatch)}. */
  public Tensor backwardForGlobalBatch(long globalBatch) {
    if (globalBatch <= 0) {
      throw new IllegalArgumentException("global batch size must be positive, got " + globalBatch);
    }
    if (globalBatch < n) {
      throw new IllegalArgumentException(
          "global batch size " + globalBatch + " is smaller than this worker's batch of " + n);
    }
    return backward(1.0 / globalBatch);
  }

  /** Softmax probabilities {@code [N, K]} of the last forward pass, owned by this object. */
  public Tensor probabilities() {
    if (!forwardDone) {
      throw new IllegalStateException("SoftmaxCrossEntropy.probabilities called before forward");
    }
    return prob;
  }

  private void checkShapes(Tensor logits, Tensor labels) {
    if (logits.rank() != 2) {
      throw new IllegalArgumentException(
          "softmax cross-entropy expects logits [N, K], got " + Arrays.toString(logits.shape()));
    }
    if (logits.dim(1) < 1) {
      throw new IllegalArgumentException("softmax cross-entropy needs at least one class, got K = 0");
    }
    if (labels.size() != logits.dim(0) || labels.rank() != 1) {
      throw new IllegalArgumentException("labels " + Arrays.toString(labels.shape())
          + " do not match logits " + Arrays.toString(logits.shape()) + ": expected [" + logits.dim(0) + "]");
    }
    if (logits.device() != device || labels.device() != device) {
      throw new IllegalArgumentException("logits and labels must live on " + device.name()
          + ", got " + logits.device().name() + " and " + labels.device().name());
    }
  }

  /** Refuses any label that is not an integer class id in [0, classes). */
  static void checkLabels(float[] labels, int classes) {
    for (int i = 0; i < labels.length; i++) {
      float y = labels[i];
      if (!(y >= 0 && y < classes) || y != Math.rint(y)) {
        throw new IllegalArgumentException("label of sample " + i + " is " + y
            + ": expected an integer class id in [0, " + classes + ")");
      }
    }
  }

  private void ensureBuffers(int rows, int classes) {
    if (rows == n && classes == k) {
      return;
    }
    closeBuffers();
    prob = device.allocate(rows, classes);
    loss = device.allocate(rows);
    dlogits = device.allocate(rows, classes);
    lossHost = new double[rows];
    n = rows;
    k = classes;
  }

  private void closeBuffers() {
    if (prob != null) {
      prob.close();
      loss.close();
      dlogits.close();
      prob = null;
      loss = null;
      dlogits = null;
    }
  }

  @Override
  public void close() {
    closeBuffers();
    forwardDone = false;
    n = -1;
    k = -1;
  }
}
