package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.nn.layers.Sequential;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Experiment 2 (Wu &amp; Johnson 2021, "Rethinking 'Batch' in BatchNorm", §3): at a large global
 * batch, test error after every epoch with the EMA running statistics and with PreciseBN population
 * statistics from 10², 10³ and 10⁴ training samples (weights frozen, TRAIN-mode forwards).
 */
final class PreciseBnStudy {
  static final String CLAIM = "Wu & Johnson 2021: with large batches (few, large updates) the EMA running statistics "
      + "lag the weights, so EMA evaluation is noisier and worse, most visibly early in training; PreciseBN fixes it, "
      + "and 10^3-10^4 samples suffice for a stable estimate.";

  private PreciseBnStudy() {}

  static ExperimentResult run(StudyContext ctx) {
    ExperimentResult r = new ExperimentResult("2", "EMA vs PreciseBN at a large global batch", CLAIM);
    int global = ctx.pick(64, 512, 512);
    int epochs = ctx.pick(2, 4, 8);
    Dataset train = ctx.trainHead(ctx.pick(256, 6000, 12000));
    Dataset test = ctx.testHead(ctx.pick(200, 2000, 5000));
    List<Integer> samples = ctx.size() == StudyContext.Size.SMOKE ? List.of(100, 200) : List.of(100, 1000, 10000);
    long seed = Runs.seed(ctx, 2, 0);
    double lr = 0.4;
    SimulatedWorkers.Settings s = new SimulatedWorkers.Settings(1, global, true, epochs, lr, 0.1, true, Runs.SGD, seed);
    r.setup.put("model", "lenet-bn, BatchNorm over the global batch (= SyncBN)");
    r.setup.put("global_batch", global);
    r.setup.put("train_samples", train.size());
    r.setup.put("test_samples", test.size());
    r.setup.put("epochs", epochs);
    r.setup.put("lr", lr + " (warm-up 10%, cosine), momentum 0.9, weight decay 5e-4; EMA momentum 0.1");
    r.setup.put("precise_bn", "TRAIN-mode forwards in batches of min(K, 200) over K training samples drawn afresh "
        + "(seeded) at each evaluation; K > training set size uses the whole set");
    r.run("2/bn/global" + global, seed, s.toMap());
    Table t = new Table("study-2-precise-bn", "epoch", "estimator", "samples", "test_error", "seed");
    try (Sequential net = Runs.lenet(ctx, "syncbn", global, 0, seed);
        SimulatedWorkers sim = new SimulatedWorkers(ctx.device(), net, train, s)) {
      SimulatedWorkers.Outcome o = sim.run(SimulatedWorkers.iid(train.size(), 1, global, seed),
          new SimulatedWorkers.Listener() {
            @Override
            public void afterEpoch(int epoch) {
              t.add(epoch, "EMA", 0, 1 - ModelProbes.accuracy(ctx.device(), net, test), seed);
              List<double[]> ema = ModelProbes.snapshot(net);
              for (int k : samples) {
                int[] perm = ModelProbes.permutation(train.size(), seed * 31 + epoch * 7L + k);
                int[] idx = Arrays.copyOf(perm, Math.min(k, perm.length));
                ModelProbes.preciseBn(ctx.device(), net, train, idx, Math.min(k, 200));
                t.add(epoch, "PreciseBN-" + k, idx.length, 1 - ModelProbes.accuracy(ctx.device(), net, test), seed);
                ModelProbes.restore(net, ema);
              }
              ctx.say("2: epoch %d  EMA %.4f  PreciseBN %s", epoch, t.rows().get(t.rows().size() - 1 - samples.size())
                  .get("test_error"), t.rows().subList(t.rows().size() - samples.size(), t.rows().size()).stream()
                  .map(m -> String.format(Locale.ROOT, "%.4f", (Double) m.get("test_error"))).toList());
            }
          });
      r.setup.put("diverged", o.diverged());
    }
    r.table(t);
    r.plot(new ExperimentResult.Plot("study-2-precise-bn.png", "Test error per epoch: EMA vs PreciseBN (global batch "
        + global + ")", t, "epoch", "test_error", "estimator", false, "epoch", "test error"));
    int kMax = samples.get(samples.size() - 1);
    int kMid = samples.get(samples.size() - 2);
    String big = "PreciseBN-" + kMax;
    double earlyGap = 0;
    double allGap = 0;
    double emaJitter = 0;
    double preciseJitter = 0;
    double midGap = 0;
    int early = Math.max(1, epochs / 2);
    for (int e = 1; e <= epochs; e++) {
      double d = t.get("test_error", "epoch", e, "estimator", "EMA") - t.get("test_error", "epoch", e, "estimator", big);
      allGap += d / epochs;
      if (e <= early) {
        earlyGap += d / early;
      }
      midGap = Math.max(midGap, Math.abs(t.get("test_error", "epoch", e, "estimator", "PreciseBN-" + kMid)
          - t.get("test_error", "epoch", e, "estimator", big)));
      if (e > 1) {
        emaJitter += Math.abs(t.get("test_error", "epoch", e, "estimator", "EMA")
            - t.get("test_error", "epoch", e - 1, "estimator", "EMA")) / (epochs - 1);
        preciseJitter += Math.abs(t.get("test_error", "epoch", e, "estimator", big)
            - t.get("test_error", "epoch", e - 1, "estimator", big)) / (epochs - 1);
      }
    }
    boolean worse = earlyGap > 0;
    boolean noisier = emaJitter > preciseJitter;
    boolean suffice = midGap < 0.01;
    int ok = (worse ? 1 : 0) + (noisier ? 1 : 0) + (suffice ? 1 : 0);
    r.verdict(ok == 3 ? "yes" : ok == 0 ? "no" : "partly", String.format(Locale.ROOT,
        "EMA minus PreciseBN-%d error: %+.2f points over the first %d epochs, %+.2f over all (claim: positive); mean "
            + "epoch-to-epoch change of the error (learning trend included) %.2f points for EMA vs %.2f for PreciseBN "
            + "(claim: EMA noisier); "
            + "PreciseBN with %d samples is within %.2f points of %d at every epoch (claim: 10^3 suffices).",
        kMax, 100 * earlyGap, early, 100 * allGap, 100 * emaJitter, 100 * preciseJitter, kMid, 100 * midGap, kMax));
    return r;
  }
}
