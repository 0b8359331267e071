package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.StateBuffer;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * PreciseBN (Wu &amp; Johnson 2021): exact population statistics for every layer of a model that
 * keeps running statistics ({@link BatchNorm}, {@link SyncBatchNorm}, {@link BatchRenorm},
 * {@link GhostBatchNorm}: the {@link RunningStatistics} layers), with frozen weights, replacing the
 * EMA running statistics, which lag the weights. For Ghost BN the population is the same set of
 * samples (each virtual batch contributes its sums); for Batch Renorm the inputs of later layers
 * are the TRAIN-mode outputs with the r, d correction, as in training.
 *
 * <p>Method: TRAIN-mode forwards over K samples; each layer accumulates the shifted sums of its
 * input — per channel S1 = Σ(x − K), S2 = Σ(x − K)², S0 = count, in double, with K its running mean
 * at the start of the pass — over all batches; {@link #finish} sums them over the workers (one
 * reduction of Σ(2C+1) doubles through a {@link StatisticsReducer}) and sets
 * μ = K + S1/S0, σ² = S2/S0 − (S1/S0)² (= E[x²] − E[x]² over all samples).
 *
 * <p>Invariants:
 * <ol>
 *   <li>A layer's result depends only on the multiset of its inputs, not on how they were split into
 *       batches or workers. (Its inputs themselves come from TRAIN-mode forwards, so a layer behind
 *       another batch-statistics layer sees inputs normalized with that layer's batch statistics, as
 *       in training; that dependence on the batch composition is the method's, not the estimate's.)</li>
 *   <li>The running statistics are untouched by the pass (restored after every forward, so the shift
 *       K stays fixed) and set only by {@link #finish}; {@link #close} without finish restores them.</li>
 *   <li>The stored variance follows the layer's own running-variance convention: unbiased
 *       σ²·S0/(S0−1) for {@link BatchNorm.Options#PYTORCH} (as running_var under PyTorch), biased σ²
 *       for {@link BatchNorm.Options#KERAS}, so EVAL reads it exactly as it reads an EMA value.</li>
 *   <li>A layer that saw no values (S0 = 0 over all workers) keeps its running statistics.</li>
 *   <li>Statistics freezes ({@link NormFreeze}) are lifted during the pass and restored by
 *       {@link #finish} / {@link #close}.</li>
 * </ol>
 *
 * <p>Use, on every worker (same model, same number of {@link #forward} calls where SyncBN layers
 * reduce per forward; any number otherwise):
 * <pre>{@code
 * try (PreciseBn pass = PreciseBn.begin(model)) {
 *   for (Tensor x : batches) pass.forward(x);   // K samples over all workers
 *   pass.finish(reducerOverAllWorkers);          // StatisticsReducer.LOCAL on one worker
 * }
 * }</pre>
 * Re-estimation on another, unlabeled data set (adapting a trained model to a shifted domain) is
 * the same call with that data's batches: no labels, no gradients, no optimizer are involved.
 */
public final class PreciseBn implements AutoCloseable {
  private final Layer model;
  private final List<RunningStatistics> layers;
  private final List<double[]> shifts = new ArrayList<>();
  private final List<double[]> savedVar = new ArrayList<>();
  // Every other state buffer (e.g. num_batches_tracked of a cumulative average), restored as well.
  private final List<List<double[]>> savedOther = new ArrayList<>();
  private final List<double[]> sums = new ArrayList<>();
  private final List<Boolean> frozen = new ArrayList<>();
  private boolean done;

  private PreciseBn(Layer model) {
    this.model = model;
    this.layers = ModelWalk.leaves(model, RunningStatistics.class);
    for (RunningStatistics bn : layers) {
      if (bn.runningMean() == null) {
        throw new IllegalStateException("PreciseBn: " + bn + " is not initialized");
      }
      int c = bn.runningMean().size();
      double[] k = bn.runningMean().toDoubleArray();
      double[] acc = new double[2 * c + 1];
      shifts.add(k);
      savedVar.add(bn.runningVar().toDoubleArray());
      List<double[]> other = new ArrayList<>();
      for (StateBuffer sb : bn.state()) {
        other.add(sb.value().toDoubleArray());
      }
      savedOther.add(other);
      sums.add(acc);
      frozen.add(bn.statisticsFrozen());
      bn.freezeStatistics(false);
      bn.observeForward((shift, local) -> {
        for (int ch = 0; ch < c; ch++) {
          if (shift[ch] != k[ch]) {
            throw new IllegalStateException("PreciseBn: the running mean of " + bn
                + " changed during the pass (shift " + shift[ch] + " != " + k[ch] + ")");
          }
        }
        for (int i = 0; i < acc.length; i++) {
          acc[i] += local[i];
        }
      });
    }
  }

  /** Starts a pass over {@code model}'s BatchNorm layers (weights must stay fixed until finish). */
  public static PreciseBn begin(Layer model) {
    return new PreciseBn(model);
  }

  /** One-call form: forwards every batch, then {@link #finish}. Returns the per-layer counts. */
  public static long[] estimate(Layer model, Iterable<Tensor> batches, StatisticsReducer acrossWorkers) {
    try (PreciseBn p = begin(model)) {
      for (Tensor x : batches) {
        p.forward(x);
      }
      return p.finish(acrossWorkers);
    }
  }

  /** The layers being estimated, in model order. */
  public List<Layer> layers() {
    return List.copyOf(layers);
  }

  /** A TRAIN-mode forward of {@code x} whose only lasting effect is on the accumulated sums. */
  public Tensor forward(Tensor x) {
    if (done) {
      throw new IllegalStateException("PreciseBn: forward after finish/close");
    }
    try {
      return model.forward(x, Mode.TRAIN);
    } finally {
      restore();
    }
  }

  private void restore() {
    for (int i = 0; i < layers.size(); i++) {
      List<StateBuffer> st = layers.get(i).state();
      for (int j = 0; j < st.size(); j++) {
        st.get(j).value().write(savedOther.get(i).get(j));
      }
      layers.get(i).runningMean().write(shifts.get(i));
      layers.get(i).runningVar().write(savedVar.get(i));
    }
  }

  /**
   * Sums the accumulated statistics over the workers and sets every layer's running mean and
   * variance. Every worker calls it once (a worker that saw no samples passes zeros).
   *
   * @return per layer, the number of values per channel S0 its statistics came from
   */
  public long[] finish(StatisticsReducer acrossWorkers) {
    if (done) {
      throw new IllegalStateException("PreciseBn: finish called twice");
    }
    int total = sums.stream().mapToInt(a -> a.length).sum();
    double[] msg = new double[total];
    int at = 0;
    for (double[] a : sums) {
      System.arraycopy(a, 0, msg, at, a.length);
      at += a.length;
    }
    acrossWorkers.sum(msg);
    long[] counts = new long[layers.size()];
    at = 0;
    for (int i = 0; i < layers.size(); i++) {
      RunningStatistics bn = layers.get(i);
      int c = shifts.get(i).length;
      double s0 = msg[at + 2 * c];
      counts[i] = (long) s0;
      if (s0 > 0) {
        double[] k = shifts.get(i);
        double[] mean = new double[c];
        double[] var = new double[c];
        double bessel = bn.options().unbiasedRunningVariance() && s0 > 1 ? s0 / (s0 - 1) : 1.0;
        for (int ch = 0; ch < c; ch++) {
          double m1 = msg[at + 2 * ch] / s0;
          mean[ch] = k[ch] + m1;
          var[ch] = Math.max(msg[at + 2 * ch + 1] / s0 - m1 * m1, 0.0) * bessel;
        }
        shifts.set(i, mean);
        savedVar.set(i, var);
      }
      at += 2 * c + 1;
    }
    end();
    return counts;
  }

  private void end() {
    restore();
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).observeForward(null);
      layers.get(i).freezeStatistics(frozen.get(i));
    }
    done = true;
  }

  /** Without {@link #finish}: restores the running statistics as they were. */
  @Override
  public void close() {
    if (!done) {
      end();
    }
  }
}
