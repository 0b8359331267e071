package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Experiment 4 (Wu &amp; Johnson 2021, §5 "Batch in training and testing"): at a fixed global batch
 * of 64, the normalization batch v (the ghost / per-worker batch) varies over 2…64. For each trained
 * model: training error with batch statistics (TRAIN-mode forwards of v samples), validation error
 * with batch statistics (the same on the test set) and validation error with population statistics
 * (PreciseBN over 10⁴ training samples in batches of v, and the EMA).
 */
final class TrainTestInconsistencyStudy {
  static final String CLAIM = "Wu & Johnson 2021: BatchNorm normalizes differently in training (mini-batch statistics) "
      + "and at test time (population statistics). With small normalization batches this train-test inconsistency "
      + "dominates: validation error with population statistics is worse than validation error with batch statistics "
      + "of the same size; with larger batches population statistics win.";

  private TrainTestInconsistencyStudy() {}

  static ExperimentResult run(StudyContext ctx) {
    ExperimentResult r = new ExperimentResult("4", "Train/test inconsistency across normalization batch sizes", CLAIM);
    int global = 64;
    int epochs = ctx.pick(1, 1, 2);
    Dataset train = ctx.trainHead(ctx.pick(256, 3000, 10000));
    Dataset test = ctx.testHead(ctx.pick(200, 2000, 5000));
    int trainProbe = ctx.pick(128, 2000, 5000);
    int preciseSamples = ctx.pick(128, 3000, 8000);
    List<Integer> sizes = ctx.size() == StudyContext.Size.FULL ? List.of(2, 4, 8, 16, 32, 64) : List.of(2, 8, 64);
    double lr = Runs.BASE_LR;
    r.setup.put("model", "lenet-bn, BatchNorm over ghost batches of v samples (global batch 64)");
    r.setup.put("train_samples", train.size());
    r.setup.put("test_samples", test.size());
    r.setup.put("train_error_samples", Math.min(trainProbe, train.size()));
    r.setup.put("precise_bn_samples", Math.min(preciseSamples, train.size()));
    r.setup.put("epochs", epochs);
    r.setup.put("lr", lr + " (warm-up 10%, cosine), momentum 0.9, weight decay 5e-4");
    Table t = new Table("study-4-train-test", "norm_batch", "train_error_batch_stats", "val_error_batch_stats",
        "val_error_population_precise", "val_error_population_ema", "inconsistency", "seed");
    long seed = Runs.seed(ctx, 4, 0);
    for (int v : sizes) {
      int workers = global / v;
      SimulatedWorkers.Settings s = new SimulatedWorkers.Settings(workers, v, true, epochs, lr, 0.1, true, Runs.SGD,
          seed);
      try (Sequential net = Runs.lenet(ctx, "bn", v, 0, seed);
          SimulatedWorkers sim = new SimulatedWorkers(ctx.device(), net, train, s)) {
        SimulatedWorkers.Outcome o = sim.run(SimulatedWorkers.iid(train.size(), workers, v, seed),
            new SimulatedWorkers.Listener() {});
        if (o.diverged()) {
          t.add(v, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, seed);
          continue;
        }
        ModelProbes.ghostToBatchNorm(ctx.device(), net, Models.inputShape());
        int[] trainOrder = Arrays.copyOf(ModelProbes.permutation(train.size(), seed + 1), Math.min(trainProbe,
            train.size()));
        int[] testOrder = ModelProbes.permutation(test.size(), seed + 2);
        double trainBatch = 1 - ModelProbes.batchStatisticsAccuracy(ctx.device(), net, train, trainOrder, v);
        double valBatch = 1 - ModelProbes.batchStatisticsAccuracy(ctx.device(), net, test, testOrder, v);
        double valEma = 1 - ModelProbes.accuracy(ctx.device(), net, test);
        int[] precise = Arrays.copyOf(ModelProbes.permutation(train.size(), seed + 3), Math.min(preciseSamples,
            train.size()));
        ModelProbes.preciseBn(ctx.device(), net, train, precise, v);
        double valPop = 1 - ModelProbes.accuracy(ctx.device(), net, test);
        t.add(v, trainBatch, valBatch, valPop, valEma, valPop - valBatch, seed);
        ctx.say("4: v=%-2d train(batch) %.4f  val(batch) %.4f  val(pop) %.4f  val(ema) %.4f", v, trainBatch, valBatch,
            valPop, valEma);
        Map<String, Object> settings = new LinkedHashMap<>(s.toMap());
        settings.put("norm", "ghost BN, v = " + v);
        r.run("4/v" + v, seed, settings);
      }
    }
    r.table(t);
    Table plot = new Table("study-4-train-test-plot", "norm_batch", "measure", "error");
    for (Map<String, Object> row : t.rows()) {
      for (String m : List.of("train_error_batch_stats", "val_error_batch_stats", "val_error_population_precise")) {
        plot.add(row.get("norm_batch"), m, row.get(m));
      }
    }
    r.plot(new ExperimentResult.Plot("study-4-train-test.png", "Errors vs normalization batch (global batch 64)", plot,
        "norm_batch", "error", "measure", true, "normalization batch v", "error"));
    int lo = sizes.get(0);
    int hi = sizes.get(sizes.size() - 1);
    double incLo = t.get("inconsistency", "norm_batch", lo);
    double incHi = t.get("inconsistency", "norm_batch", hi);
    boolean smallBad = incLo > 0;
    boolean shrinks = incHi < incLo;
    r.verdict(smallBad && shrinks ? "yes" : smallBad || shrinks ? "partly" : "no", String.format(Locale.ROOT,
        "Validation error with population minus with batch statistics: %+.2f points at v=%d, %+.2f points at v=%d "
            + "(claim: positive at small v, shrinking or negative at large v). Training error with batch statistics "
            + "is %.2f%% at v=%d and %.2f%% at v=%d.",
        100 * incLo, lo, 100 * incHi, hi, 100 * t.get("train_error_batch_stats", "norm_batch", lo), lo,
        100 * t.get("train_error_batch_stats", "norm_batch", hi), hi));
    return r;
  }
}
