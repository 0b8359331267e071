package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.Accuracy;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.norm.BatchNorm;
import io.batchwise.nn.norm.GhostBatchNorm;
import io.batchwise.nn.norm.PreciseBn;
import io.batchwise.nn.norm.StatisticsReducer;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import io.batchwise.train.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Measurements on a model that leave it as they found it: accuracy with population statistics
 * (EVAL), accuracy with batch statistics (TRAIN-mode forwards, running statistics restored),
 * PreciseBN re-estimation, and snapshots of the normalization state.
 */
final class ModelProbes {
  private ModelProbes() {}

  /** Accuracy and mean loss in EVAL mode over the whole of {@code data}. */
  static Evaluator.Result evaluate(Device device, Layer model, Dataset data) {
    try (Evaluator ev = new Evaluator(device, model, data.sampleShape(), Math.min(500, Math.max(1, data.size())))) {
      return ev.evaluate(data, 0);
    }
  }

  static double accuracy(Device device, Layer model, Dataset data) {
    return evaluate(device, model, data).accuracy();
  }

  /** The values of every state buffer (running statistics, renorm clocks). */
  static List<double[]> snapshot(Layer model) {
    List<double[]> out = new ArrayList<>();
    for (StateBuffer s : model.state()) {
      out.add(s.value().toDoubleArray());
    }
    return out;
  }

  static void restore(Layer model, List<double[]> saved) {
    List<StateBuffer> st = model.state();
    for (int i = 0; i < st.size(); i++) {
      st.get(i).value().write(saved.get(i));
    }
  }

  /** A fixed random order of {@code data}'s indices (test sets may be sorted by anything). */
  static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * Accuracy with batch statistics: TRAIN-mode forwards of {@code batch} samples at a time (in the
   * order {@code order}; a tail shorter than the batch is dropped), as training normalizes. The
   * model's state is restored afterwards.
   */
  static double batchStatisticsAccuracy(Device device, Layer model, Dataset data, int[] order, int batch) {
    List<double[]> saved = snapshot(model);
    int[] shape = data.sampleShape();
    int size = data.sampleSize();
    float[] xh = new float[batch * size];
    float[] yh = new float[batch];
    long correct = 0;
    long seen = 0;
    try (Tensor x = device.allocate(batch, shape[0], shape[1], shape[2])) {
      for (int from = 0; from + batch <= order.length; from += batch) {
        data.copyImages(order, from, batch, xh, 0);
        data.copyLabels(order, from, batch, yh, 0);
        x.write(xh);
        Tensor logits = model.forward(x, Mode.TRAIN);
        int[] pred = Accuracy.argmax(logits.toFloatArray(), batch, logits.dim(1));
        for (int i = 0; i < batch; i++) {
          if (pred[i] == (int) yh[i]) {
            correct++;
          }
        }
        seen += batch;
      }
    } finally {
      restore(model, saved);
    }
    return seen == 0 ? Double.NaN : (double) correct / seen;
  }

  /**
   * PreciseBN: sets every BatchNorm's population statistics from TRAIN-mode forwards over the
   * samples {@code indices} of {@code data}, {@code batch} at a time (no labels used).
   */
  static void preciseBn(Device device, Layer model, Dataset data, int[] indices, int batch) {
    int[] shape = data.sampleShape();
    int size = data.sampleSize();
    float[] xh = new float[batch * size];
    try (Tensor x = device.allocate(batch, shape[0], shape[1], shape[2]); PreciseBn pass = PreciseBn.begin(model)) {
      for (int from = 0; from < indices.length; from += batch) {
        int n = Math.min(batch, indices.length - from);
        if (n < 2) {
          break; // a one-sample batch has no variance in the fully connected case; skip it
        }
        data.copyImages(indices, from, n, xh, 0);
        Tensor xs = x.slice(0, n, shape[0], shape[1], shape[2]);
        xs.write(0, xh, 0, n * size);
        pass.forward(xs);
      }
      pass.finish(StatisticsReducer.LOCAL);
    }
  }

  /**
   * Replaces every {@link GhostBatchNorm} child of {@code model} (a flat Sequential, as lenet-bn)
   * by a {@link BatchNorm} with the same γ, β and running statistics, so PreciseBN (which knows
   * BatchNorm layers) can re-estimate them. A TRAIN forward of b samples through the result
   * normalizes exactly as a ghost batch of b did.
   */
  static Sequential ghostToBatchNorm(Device device, Sequential model, int[] sampleShape) {
    int[] shape = sampleShape.clone();
    float[] one = new float[1 * sizeOf(shape)];
    Tensor h;
    try (Tensor x = device.upload(one, withBatch(1, shape))) {
      h = x;
      for (Map.Entry<String, Layer> e : List.copyOf(model.children().entrySet())) {
        Layer l = e.getValue();
        int[] in = dropBatch(h.shape());
        if (l instanceof GhostBatchNorm g) {
          BatchNorm bn = new BatchNorm(in[0]);
          bn.init(device, in, new Random(0));
          device.ops().copy(g.gamma().value(), bn.gamma().value());
          device.ops().copy(g.beta().value(), bn.beta().value());
          device.ops().copy(g.runningMean(), bn.runningMean());
          device.ops().copy(g.runningVar(), bn.runningVar());
          model.replace(e.getKey(), bn);
          g.close();
          l = bn;
        }
        h = l.forward(h, Mode.EVAL);
      }
    }
    return model;
  }

  private static int sizeOf(int[] s) {
    int n = 1;
    for (int d : s) {
      n *= d;
    }
    return n;
  }

  private static int[] withBatch(int n, int[] s) {
    int[] out = new int[s.length + 1];
    out[0] = n;
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }

  private static int[] dropBatch(int[] s) {
    return java.util.Arrays.copyOfRange(s, 1, s.length);
  }

  /** Loss sum of a TRAIN forward + backward of {@code n} host samples (gradient scale 1/n). */
  static double lossAndGradient(Device device, Layer model, SoftmaxCrossEntropy loss, Tensor x, Tensor y, int n) {
    Tensor logits = model.forward(x, Mode.TRAIN);
    double l = loss.forward(logits, y);
    if (Double.isFinite(l)) {
      model.backward(loss.backward(1.0 / n));
    }
    return l;
  }
}
