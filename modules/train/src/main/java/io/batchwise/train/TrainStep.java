package io.batchwise.train;

import io.batchwise.data.Dataset;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.loss.Accuracy;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;

/**
 * One optimizer step of one worker, separate from any loop so that the single-machine
 * {@link Trainer} and the Spark job's workers run the same code:
 * host batch → upload → forward (TRAIN) → loss → backward → gradient sync → SGD step.
 *
 * <p>Scaling: the loss gradient is scaled by {@code 1/globalBatch}, where the global batch is the
 * number of samples of this step summed over all workers; with {@link GradientSync} summing the
 * workers' gradients, every replica applies the gradient of the mean loss over the global batch.
 * On one worker, globalBatch = n.
 *
 * <p>Buffers: the input and label tensors are allocated once for the largest batch and viewed at the
 * current n, so a short last batch does not fragment the device arena. Owns the loss and the
 * optimizer; the model belongs to the caller. Not thread-safe, like its device.
 */
public final class TrainStep implements AutoCloseable {
  private final Device device;
  private final Layer model;
  private final int[] sampleShape;
  private final int sampleSize;
  private final int numClasses;
  private final int maxBatch;
  private final SoftmaxCrossEntropy loss;
  private final Sgd sgd;
  private final GradientSync sync;
  private final Tensor xBuf;
  private final Tensor yBuf;
  private final float[] xHost;
  private final float[] yHost;

  /**
   * What one step measured on this worker: samples, the sum of their losses, how many the TRAIN-mode
   * forward classified correctly, and wall-clock nanoseconds per phase (upload includes copying the
   * batch out of the data set; forward includes the loss and reading the logits back for accuracy;
   * sync is the gradient all-reduce, zero on one worker).
   */
  public record Result(int samples, double lossSum, int correct, long uploadNanos, long forwardNanos,
      long backwardNanos, long syncNanos, long optimizerNanos) {}

  /**
   * @param model an initialized model on {@code device} for inputs of {@code sampleShape}
   * @param maxBatch the largest local batch this step will see
   */
  public TrainStep(Device device, Layer model, int[] sampleShape, int numClasses, int maxBatch,
      SgdConfig sgdConfig, GradientSync sync) {
    this.device = device;
    this.model = model;
    this.sampleShape = sampleShape.clone();
    int s = 1;
    for (int d : sampleShape) {
      s *= d;
    }
    this.sampleSize = s;
    this.numClasses = numClasses;
    this.maxBatch = maxBatch;
    this.sync = sync;
    this.loss = new SoftmaxCrossEntropy(device);
    this.sgd = new Sgd(model.parameters(), sgdConfig);
    this.xBuf = device.allocate(withBatch(maxBatch));
    this.yBuf = device.allocate(maxBatch);
    this.xHost = new float[maxBatch * sampleSize];
    this.yHost = new float[maxBatch];
  }

  private int[] withBatch(int n) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = n;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return shape;
  }

  /** The optimizer (its velocities go into checkpoints). */
  public Sgd optimizer() {
    return sgd;
  }

  /**
   * Trains on the samples {@code indices} of {@code data}.
   *
   * @param globalBatch samples of this step over all workers (= indices.length on one worker)
   * @param lr the learning rate of this step
   */
  public Result run(Dataset data, int[] indices, long globalBatch, double lr) {
    int n = indices.length;
    if (n > maxBatch) {
      throw new IllegalArgumentException("batch of " + n + " exceeds the step's maximum " + maxBatch);
    }
    long t0 = System.nanoTime();
    data.copyImages(indices, 0, n, xHost, 0);
    data.copyLabels(indices, 0, n, yHost, 0);
    return run(xHost, yHost, n, globalBatch, lr, System.nanoTime() - t0);
  }

  /**
   * Trains on {@code n} samples already in host arrays (NCHW images, float class ids).
   */
  public Result run(float[] images, float[] labels, int n, long globalBatch, double lr) {
    return run(images, labels, n, globalBatch, lr, 0L);
  }

  private Result run(float[] images, float[] labels, int n, long globalBatch, double lr, long prepNanos) {
    if (n > maxBatch) {
      throw new IllegalArgumentException("batch of " + n + " exceeds the step's maximum " + maxBatch);
    }
    long t0 = System.nanoTime();
    Tensor x = xBuf.slice(0, withBatch(n));
    Tensor y = yBuf.slice(0, n);
    if (n > 0) {
      x.write(0, images, 0, n * sampleSize);
      y.write(0, labels, 0, n);
    }
    long t1 = System.nanoTime();
    Tensor logits = model.forward(x, Mode.TRAIN);
    double lossSum = loss.forward(logits, y);
    int correct = 0;
    if (n > 0) {
      int[] predicted = Accuracy.argmax(logits.toFloatArray(), n, numClasses);
      for (int i = 0; i < n; i++) {
        if (predicted[i] == (int) labels[i]) {
          correct++;
        }
      }
    }
    long t2 = System.nanoTime();
    Tensor dlogits = loss.backward(globalBatch > 0 ? 1.0 / globalBatch : 0.0);
    model.backward(dlogits);
    long t3 = System.nanoTime();
    List<Parameter> params = sgd.parameters();
    sync.sum(params);
    long t4 = System.nanoTime();
    sgd.step(lr);
    long t5 = System.nanoTime();
    return new Result(n, lossSum, correct, prepNanos + (t1 - t0), t2 - t1, t3 - t2, t4 - t3, t5 - t4);
  }

  public Device device() {
    return device;
  }

  @Override
  public void close() {
    sgd.close();
    loss.close();
    xBuf.close();
    yBuf.close();
  }
}
