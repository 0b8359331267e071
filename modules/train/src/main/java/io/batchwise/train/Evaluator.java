package io.batchwise.train;

import io.batchwise.data.Dataset;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.loss.Accuracy;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;

/**
 * Evaluates a model in {@link Mode#EVAL} (population statistics, no dropout) over the first
 * {@code limit} samples of a data set, in index order, {@code batchSize} at a time. Accuracy and
 * mean loss do not depend on the batch size because EVAL mode treats samples independently.
 */
public final class Evaluator implements AutoCloseable {
  private final Device device;
  private final Layer model;
  private final int[] sampleShape;
  private final int batchSize;
  private final SoftmaxCrossEntropy loss;
  private final Tensor xBuf;
  private final Tensor yBuf;
  private final float[] xHost;
  private final float[] yHost;

  /** Loss and accuracy over {@code samples} samples. */
  public record Result(int samples, double lossSum, int correct) {
    public double meanLoss() {
      return samples == 0 ? Double.NaN : lossSum / samples;
    }

    public double accuracy() {
      return samples == 0 ? Double.NaN : (double) correct / samples;
    }
  }

  public Evaluator(Device device, Layer model, int[] sampleShape, int batchSize) {
    this.device = device;
    this.model = model;
    this.sampleShape = sampleShape.clone();
    this.batchSize = batchSize;
    this.loss = new SoftmaxCrossEntropy(device);
    this.xBuf = device.allocate(shape(batchSize));
    this.yBuf = device.allocate(batchSize);
    this.xHost = new float[xBuf.size()];
    this.yHost = new float[batchSize];
  }

  private int[] shape(int n) {
    int[] s = new int[sampleShape.length + 1];
    s[0] = n;
    System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
    return s;
  }

  /** Evaluates the first {@code limit} samples (all when {@code limit} is 0 or too large). */
  public Result evaluate(Dataset data, int limit) {
    return evaluate(data, 0, limit <= 0 ? data.size() : Math.min(limit, data.size()));
  }

  /**
   * Evaluates the samples {@code [start, end)} in index order (a worker's shard of the test set in
   * the data-parallel job; the shards' results add up to the whole set's).
   */
  public Result evaluate(Dataset data, int start, int end) {
    if (start < 0 || end > data.size() || start > end) {
      throw new IllegalArgumentException("sample range [" + start + ", " + end + ") outside [0, "
          + data.size() + "]");
    }
    int total = end - start;
    int[] idx = new int[batchSize];
    double lossSum = 0;
    int correct = 0;
    for (int from = 0; from < total; from += batchSize) {
      int n = Math.min(batchSize, total - from);
      for (int i = 0; i < n; i++) {
        idx[i] = start + from + i;
      }
      data.copyImages(idx, 0, n, xHost, 0);
      data.copyLabels(idx, 0, n, yHost, 0);
      Tensor x = xBuf.slice(0, shape(n));
      Tensor y = yBuf.slice(0, n);
      x.write(0, xHost, 0, x.size());
      y.write(0, yHost, 0, n);
      Tensor logits = model.forward(x, Mode.EVAL);
      lossSum += loss.forward(logits, y);
      int[] predicted = Accuracy.argmax(logits.toFloatArray(), n, logits.dim(1));
      for (int i = 0; i < n; i++) {
        if (predicted[i] == (int) yHost[i]) {
          correct++;
        }
      }
    }
    return new Result(total, lossSum, correct);
  }

  public Device device() {
    return device;
  }

  @Override
  public void close() {
    loss.close();
    xBuf.close();
    yBuf.close();
  }
}
