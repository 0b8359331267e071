package io.batchwise.bench;

import io.batchwise.data.Dataset;
import io.batchwise.data.FashionMnist;
import io.batchwise.data.TrainTestSplit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The Deeplearning4j baseline: LeNet-BN (conv5×5×20 → BN → ReLU → maxpool2 → conv5×5×50 → BN →
 * ReLU → maxpool2 → dense500 → ReLU → softmax10) trained with SGD momentum 0.9 on Fashion-MNIST,
 * the same net and data as Batchwise's {@code lenet-bn}.
 *
 * <p>DL4J's only momentum SGD is {@link Nesterovs}; it costs the same as classical momentum.
 * Batches are built once from shuffled training images (normalized by the data module, as
 * Batchwise trains on them) and cycled, so the timing holds training steps only.
 *
 * <p>Run in a JVM of its own (nd4j's thread count is fixed at start-up from
 * {@code OMP_NUM_THREADS}); {@link ComputeBench} does that and reads the {@code DL4J_RESULT}
 * lines this prints. Options: {@code --batch 64,8 --warmup 20 --rounds 5 --steps 30
 * --data DIR --epochs N} (with {@code --epochs}, trains N full epochs at the first batch size
 * and prints the test accuracy instead of timing).
 */
public final class Dl4jLeNetBench {
  static final String RESULT_PREFIX = "DL4J_RESULT ";

  private Dl4jLeNetBench() {}

  /** The LeNet-BN configuration for {@code channels×28×28} inputs and {@code classes} outputs. */
  static MultiLayerConfiguration leNetBn(long seed, double learningRate, int classes) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .updater(new Nesterovs(learningRate, 0.9))
        .weightInit(WeightInit.RELU)
        .list()
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1)
            .activation(Activation.IDENTITY).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1)
            .activation(Activation.IDENTITY).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
            .nOut(classes).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(28, 28, 1))
        .build();
  }

  /** Minibatches of {@code batch} samples taken from {@code order[from ..]}, NCHW features. */
  static List<DataSet> batches(Dataset data, int[] order, int batch, int count) {
    int sample = data.sampleSize();
    int[] shape = data.sampleShape();
    List<DataSet> out = new ArrayList<>(count);
    int pos = 0;
    for (int b = 0; b < count; b++) {
      if (pos + batch > order.length) {
        pos = 0;
      }
      float[] x = new float[batch * sample];
      data.copyImages(order, pos, batch, x, 0);
      INDArray features = Nd4j.create(x, new long[] {batch, shape[0], shape[1], shape[2]}, 'c');
      INDArray labels = Nd4j.zeros(batch, data.numClasses());
      for (int i = 0; i < batch; i++) {
        labels.putScalar(i, data.label(order[pos + i]), 1.0);
      }
      out.add(new DataSet(features, labels));
      pos += batch;
    }
    return out;
  }

  static int[] shuffled(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random rng = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    TrainTestSplit split = FashionMnist.load(o.data);
    Dataset train = split.train();
    int[] order = shuffled(train.size(), 42);
    String threads = System.getenv().getOrDefault("OMP_NUM_THREADS", "default");
    System.out.printf(Locale.ROOT, "Deeplearning4j LeNet-BN on %s (%d images), OMP_NUM_THREADS=%s%n",
        train.name(), train.size(), threads);

    if (o.epochs > 0) {
      trainEpochs(o, split, order);
      return;
    }
    for (int batch : o.batches) {
      MultiLayerNetwork net = new MultiLayerNetwork(leNetBn(42, 0.01, train.numClasses()));
      net.init();
      List<DataSet> data = batches(train, order, batch, o.warmup + o.rounds * o.steps);
      int[] next = {0};
      Throughput t = Throughput.measure(batch, o.warmup, o.rounds, o.steps,
          () -> net.fit(data.get(next[0]++ % data.size())));
      System.out.println("  dl4j " + t);
      StringBuilder rounds = new StringBuilder();
      for (double v : t.roundImagesPerSecond()) {
        rounds.append(rounds.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.2f", v));
      }
      System.out.printf(Locale.ROOT,
          RESULT_PREFIX + "{\"batch\":%d,\"threads\":\"%s\",\"median\":%.2f,"
              + "\"per_cpu_second\":%.2f,\"rounds\":[%s]}%n",
          batch, threads, t.median(), t.medianPerCpuSecond(), rounds);
    }
  }

  private static void trainEpochs(Options o, TrainTestSplit split, int[] order) {
    int batch = o.batches[0];
    Dataset train = split.train();
    MultiLayerNetwork net = new MultiLayerNetwork(leNetBn(42, 0.01, train.numClasses()));
    net.init();
    int steps = train.size() / batch;
    for (int e = 0; e < o.epochs; e++) {
      int[] epochOrder = shuffled(train.size(), 1000 + e);
      long t0 = System.nanoTime();
      for (int s = 0; s < steps; s++) {
        net.fit(batches(train, sliceOf(epochOrder, s * batch, batch), batch, 1).get(0));
      }
      double seconds = (System.nanoTime() - t0) * 1e-9;
      Dataset test = split.test();
      int correct = 0;
      int[] all = shuffled(test.size(), 0);
      for (int from = 0; from + batch <= test.size(); from += batch) {
        DataSet ds = batches(test, sliceOf(all, from, batch), batch, 1).get(0);
        INDArray predicted = net.output(ds.getFeatures(), false).argMax(1);
        INDArray truth = ds.getLabels().argMax(1);
        for (int i = 0; i < batch; i++) {
          if (predicted.getInt(i) == truth.getInt(i)) {
            correct++;
          }
        }
      }
      int evaluated = test.size() / batch * batch;
      System.out.printf(Locale.ROOT, "epoch %d: %.1f s, %.1f images/s, test accuracy %.2f%% (%d images)%n",
          e + 1, seconds, steps * batch / seconds, 100.0 * correct / evaluated, evaluated);
    }
  }

  private static int[] sliceOf(int[] a, int from, int n) {
    int[] out = new int[n];
    System.arraycopy(a, from, out, 0, n);
    return out;
  }

  /** Command-line options; see the class comment. */
  static final class Options {
    int[] batches = {64, 8};
    int warmup = 20;
    int rounds = 5;
    int steps = 30;
    int epochs = 0;
    Path data = FashionMnist.DEFAULT_DIR;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--batch" -> o.batches = java.util.Arrays.stream(v.split(","))
              .mapToInt(s -> positive(a, s)).toArray();
          case "--warmup" -> o.warmup = Integer.parseInt(v);
          case "--rounds" -> o.rounds = positive(a, v);
          case "--steps" -> o.steps = positive(a, v);
          case "--epochs" -> o.epochs = Integer.parseInt(v);
          case "--data" -> o.data = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a
              + " (known: --batch --warmup --rounds --steps --epochs --data)");
        }
      }
      return o;
    }

    static int positive(String option, String value) {
      int n = Integer.parseInt(value.trim());
      if (n <= 0) {
        throw new IllegalArgumentException(option + " must be positive, got " + value);
      }
      return n;
    }
  }
}
