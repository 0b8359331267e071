package io.batchwise.train.study;

import io.batchwise.data.BatchSampler;
import io.batchwise.data.Dataset;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.loss.Accuracy;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.nn.schedule.ConstantSchedule;
import io.batchwise.nn.schedule.CosineSchedule;
import io.batchwise.nn.schedule.LearningRateSchedule;
import io.batchwise.nn.schedule.WarmupSchedule;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Data-parallel SGD of W workers with b samples each, simulated on one device (see the package
 * comment for why this is exact for the normalizations the study compares).
 *
 * <p>Each step takes W per-worker index arrays from a {@link Composer}. With {@code oneForward}, the
 * W·b samples go through one forward/backward (SyncBN = BatchNorm over the global batch, GhostBN =
 * per-worker BN, GroupNorm). Otherwise each worker's part goes through its own forward/backward and
 * the parameter gradients are summed before the optimizer step (gradient accumulation): per-worker
 * statistics for any layer. Either way the loss gradient is that of the mean loss over the W·b
 * samples, as data-parallel SGD applies it.
 *
 * <p>Learning rate: linear warm-up over {@code warmupFraction} of the steps, then cosine to 0, or
 * constant when {@code cosine} is false.
 */
final class SimulatedWorkers implements AutoCloseable {

  /** Supplies the per-worker parts of every step. */
  interface Composer {
    int stepsPerEpoch();

    /** W arrays of training-set indices for step {@code step} of epoch {@code epoch}. */
    int[][] parts(int epoch, int step);
  }

  /** Called after every optimizer step (global step counted from 1) and after every epoch. */
  interface Listener {
    default void afterStep(long step, double lr, int[] indices) {}

    default void afterEpoch(int epoch) {}
  }

  /** How a run trains. */
  record Settings(int workers, int perWorkerBatch, boolean oneForward, int epochs, double lr, double warmupFraction,
      boolean cosine, SgdConfig sgd, long seed) {
    int globalBatch() {
      return workers * perWorkerBatch;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workers", workers);
      m.put("per_worker_batch", perWorkerBatch);
      m.put("global_batch", globalBatch());
      m.put("simulation", oneForward ? "one forward over the global batch" : "one forward per worker, gradients summed");
      m.put("epochs", epochs);
      m.put("peak_lr", lr);
      m.put("warmup_fraction", warmupFraction);
      m.put("lr_schedule", cosine ? "warmup+cosine" : "warmup+constant");
      m.put("sgd", sgd.toString());
      m.put("seed", seed);
      return m;
    }
  }

  /** What a run measured. */
  record Outcome(double finalTrainLoss, double finalTrainAccuracy, long steps, boolean diverged, double seconds,
      List<Double> epochTrainLoss) {}

  private final Device device;
  private final Layer model;
  private final Dataset train;
  private final Settings settings;
  private final SoftmaxCrossEntropy loss;
  private final Sgd sgd;
  private final List<Tensor> accumulators = new ArrayList<>();
  private final Tensor xBuf;
  private final Tensor yBuf;
  private final float[] xHost;
  private final float[] yHost;
  private final int sampleSize;

  SimulatedWorkers(Device device, Layer model, Dataset train, Settings settings) {
    this.device = device;
    this.model = model;
    this.train = train;
    this.settings = settings;
    this.loss = new SoftmaxCrossEntropy(device);
    this.sgd = new Sgd(model.parameters(), settings.sgd());
    int g = settings.globalBatch();
    int[] shape = train.sampleShape();
    this.sampleSize = train.sampleSize();
    this.xBuf = device.allocate(g, shape[0], shape[1], shape[2]);
    this.yBuf = device.allocate(g);
    this.xHost = new float[g * sampleSize];
    this.yHost = new float[g];
    if (!settings.oneForward()) {
      for (Parameter p : model.parameters()) {
        accumulators.add(device.allocate(p.grad().shape()));
      }
    }
  }

  /** An i.i.d. composer: each epoch a fresh permutation cut into global batches, each cut into W parts. */
  static Composer iid(int datasetSize, int workers, int perWorker, long seed) {
    BatchSampler sampler = new BatchSampler(datasetSize, workers * perWorker, true, true, seed);
    return new Composer() {
      private int cachedEpoch = -1;
      private List<int[]> batches;

      @Override
      public int stepsPerEpoch() {
        return sampler.batchesPerEpoch();
      }

      @Override
      public int[][] parts(int epoch, int step) {
        if (epoch != cachedEpoch) {
          batches = sampler.epoch(epoch);
          cachedEpoch = epoch;
        }
        int[] global = batches.get(step);
        int[][] out = new int[workers][];
        for (int w = 0; w < workers; w++) {
          out[w] = java.util.Arrays.copyOfRange(global, w * perWorker, (w + 1) * perWorker);
        }
        return out;
      }
    };
  }

  /**
   * A non-i.i.d. composer: every worker's part of every step holds samples of only 2 classes
   * (drawn at random per worker and step), half from each; samples of a class are taken in a
   * per-epoch shuffled order, cycling. Steps per epoch: datasetSize / (W·b).
   */
  static Composer twoClassesPerWorker(Dataset data, int workers, int perWorker, long seed) {
    int classes = data.numClasses();
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < data.size(); i++) {
      byClass.get(data.label(i)).add(i);
    }
    int steps = data.size() / (workers * perWorker);
    return new Composer() {
      private int cachedEpoch = -1;
      private int[][] pools;
      private int[] next;
      private Random rng;

      @Override
      public int stepsPerEpoch() {
        return steps;
      }

      @Override
      public int[][] parts(int epoch, int step) {
        if (epoch != cachedEpoch) {
          rng = new Random(seed * 1_000_003L + epoch);
          pools = new int[classes][];
          next = new int[classes];
          for (int c = 0; c < classes; c++) {
            List<Integer> l = new ArrayList<>(byClass.get(c));
            java.util.Collections.shuffle(l, rng);
            pools[c] = l.stream().mapToInt(Integer::intValue).toArray();
          }
          cachedEpoch = epoch;
        }
        int[][] out = new int[workers][perWorker];
        for (int w = 0; w < workers; w++) {
          int a = rng.nextInt(classes);
          int b = rng.nextInt(classes - 1);
          if (b >= a) {
            b++;
          }
          for (int i = 0; i < perWorker; i++) {
            int c = i < (perWorker + 1) / 2 ? a : b;
            int[] pool = pools[c];
            out[w][i] = pool[next[c]++ % pool.length];
          }
        }
        return out;
      }
    };
  }

  /** Trains for {@code settings.epochs()} epochs. A NaN or infinite loss stops the run (diverged). */
  Outcome run(Composer composer, Listener listener) {
    long t0 = System.nanoTime();
    int steps = composer.stepsPerEpoch();
    if (steps <= 0) {
      throw new IllegalArgumentException("the training set (" + train.size() + " samples) holds no global batch of "
          + settings.globalBatch());
    }
    long total = (long) steps * settings.epochs();
    long warm = Math.round(total * settings.warmupFraction());
    LearningRateSchedule base = settings.cosine()
        ? new CosineSchedule(settings.lr(), 0, Math.max(1, total)) : new ConstantSchedule(settings.lr());
    LearningRateSchedule schedule = warm > 0 ? new WarmupSchedule(base, warm) : base;
    long global = 0;
    double lastLoss = Double.NaN;
    double lastAcc = Double.NaN;
    List<Double> perEpoch = new ArrayList<>();
    int g = settings.globalBatch();
    for (int e = 0; e < settings.epochs(); e++) {
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      for (int s = 0; s < steps; s++) {
        double lr = schedule.lr(global);
        int[][] parts = composer.parts(e, s);
        double[] lc = settings.oneForward() ? stepOne(parts, g) : stepAccumulate(parts, g);
        global++;
        if (!Double.isFinite(lc[0])) {
          return new Outcome(Double.NaN, Double.NaN, global, true, (System.nanoTime() - t0) * 1e-9, perEpoch);
        }
        sgd.step(lr);
        lossSum += lc[0];
        correct += (long) lc[1];
        seen += g;
        listener.afterStep(global, lr, concat(parts));
      }
      lastLoss = lossSum / seen;
      lastAcc = (double) correct / seen;
      perEpoch.add(lastLoss);
      listener.afterEpoch(e + 1);
    }
    return new Outcome(lastLoss, lastAcc, global, false, (System.nanoTime() - t0) * 1e-9, perEpoch);
  }

  static int[] concat(int[][] parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** Forward/backward of the given samples with gradient scale 1/globalBatch; {loss sum, correct}. */
  private double[] forwardBackward(int[] idx, long globalBatch) {
    int n = idx.length;
    train.copyImages(idx, 0, n, xHost, 0);
    train.copyLabels(idx, 0, n, yHost, 0);
    int[] shape = train.sampleShape();
    Tensor x = xBuf.slice(0, n, shape[0], shape[1], shape[2]);
    Tensor y = yBuf.slice(0, n);
    x.write(0, xHost, 0, n * sampleSize);
    y.write(0, yHost, 0, n);
    Tensor logits = model.forward(x, Mode.TRAIN);
    double l = loss.forward(logits, y);
    int[] pred = Accuracy.argmax(logits.toFloatArray(), n, logits.dim(1));
    int correct = 0;
    for (int i = 0; i < n; i++) {
      if (pred[i] == (int) yHost[i]) {
        correct++;
      }
    }
    if (Double.isFinite(l)) {
      model.backward(loss.backward(1.0 / globalBatch));
    }
    return new double[] {l, correct};
  }

  private double[] stepOne(int[][] parts, int g) {
    return forwardBackward(concat(parts), g);
  }

  private double[] stepAccumulate(int[][] parts, int g) {
    List<Parameter> ps = sgd.parameters();
    for (Tensor a : accumulators) {
      device.ops().fill(a, 0f);
    }
    double l = 0;
    double c = 0;
    for (int[] part : parts) {
      double[] r = forwardBackward(part, g);
      l += r[0];
      c += r[1];
      if (!Double.isFinite(r[0])) {
        return new double[] {r[0], c};
      }
      for (int i = 0; i < ps.size(); i++) {
        device.ops().axpy(1f, ps.get(i).grad(), accumulators.get(i));
      }
    }
    for (int i = 0; i < ps.size(); i++) {
      device.ops().copy(accumulators.get(i), ps.get(i).grad());
    }
    return new double[] {l, c};
  }

  @Override
  public void close() {
    sgd.close();
    loss.close();
    xBuf.close();
    yBuf.close();
    accumulators.forEach(Tensor::close);
  }
}
