package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.nn.layers.Sequential;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Experiment 3 (Ioffe 2017, "Batch Renormalization", §4.2–4.3): micro-batches of 4 per worker, i.i.d.
 * or non-i.i.d. (each worker's micro-batch drawn from only 2 classes), with per-worker BN, per-worker
 * Batch Renorm and SyncBN over all W workers.
 */
final class NonIidStudy {
  static final String CLAIM = "Ioffe 2017: with small micro-batches (4 per worker) and with non-i.i.d. micro-batches, "
      + "BatchNorm trains worse (its batch statistics differ from the population statistics used at inference); "
      + "Batch Renormalization recovers most of the gap. SyncBN, normalizing over all workers, also avoids it.";

  private NonIidStudy() {}

  static ExperimentResult run(StudyContext ctx) {
    ExperimentResult r = new ExperimentResult("3", "Non-i.i.d. micro-batches of 4: BN vs BatchRenorm vs SyncBN", CLAIM);
    int workers = 8;
    int b = 4;
    int g = workers * b;
    int epochs = ctx.pick(1, 1, 3);
    Dataset train = ctx.trainHead(ctx.pick(256, 3000, 10000));
    Dataset test = ctx.testHead(ctx.pick(200, 2000, 10000));
    double lr = Runs.scaledLr(g);
    r.setup.put("model", "lenet-bn");
    r.setup.put("workers", workers);
    r.setup.put("per_worker_batch", b);
    r.setup.put("train_samples", train.size());
    r.setup.put("test_samples", test.size());
    r.setup.put("epochs", epochs);
    r.setup.put("lr", lr + " (0.1 x 32/64; warm-up 10%, cosine), momentum 0.9, weight decay 5e-4");
    r.setup.put("non_iid", "each worker's 4 samples of a step come from 2 classes (2 + 2), the pair drawn at random "
        + "per worker and step");
    r.setup.put("batch_renorm", "rmax 1 -> 3 over 5%-50% of the training forwards, dmax 0 -> 5 over 5%-30%");
    Table t = new Table("study-3-non-iid", "batches", "norm", "test_error", "final_train_loss", "diverged", "seconds",
        "seed");
    long seed = Runs.seed(ctx, 3, 0);
    for (String batches : List.of("iid", "non-iid")) {
      for (String kind : List.of("bn", "brn", "syncbn")) {
        SimulatedWorkers.Settings s = new SimulatedWorkers.Settings(workers, b, !Runs.perWorkerForwards(kind), epochs,
            lr, 0.1, true, Runs.SGD, seed);
        long steps = (long) (train.size() / g) * epochs;
        SimulatedWorkers.Composer composer = batches.equals("iid")
            ? SimulatedWorkers.iid(train.size(), workers, b, seed)
            : SimulatedWorkers.twoClassesPerWorker(train, workers, b, seed);
        try (Sequential net = Runs.lenet(ctx, kind, b, steps * workers, seed);
            SimulatedWorkers sim = new SimulatedWorkers(ctx.device(), net, train, s)) {
          SimulatedWorkers.Outcome o = sim.run(composer, new SimulatedWorkers.Listener() {});
          double acc = o.diverged() ? Double.NaN : ModelProbes.accuracy(ctx.device(), net, test);
          t.add(batches, kind, 1 - acc, o.finalTrainLoss(), o.diverged(), o.seconds(), seed);
          ctx.say("3: %-7s %-6s test error %.4f (%.0f s)", batches, kind, 1 - acc, o.seconds());
          Map<String, Object> settings = new LinkedHashMap<>(s.toMap());
          settings.put("norm", Runs.describe(kind));
          settings.put("batches", batches);
          r.run("3/" + batches + "/" + kind, seed, settings);
        }
      }
    }
    r.table(t, "batches", "norm", "test_error", "final_train_loss");
    r.plot(new ExperimentResult.Plot("study-3-non-iid.png", "Test error, micro-batch 4 (i.i.d. = 0, non-i.i.d. = 1)",
        withX(t), "non_iid", "test_error", "norm", false, "batches (0 = i.i.d., 1 = 2 classes per worker)",
        "test error"));
    double bn = t.get("test_error", "batches", "non-iid", "norm", "bn");
    double brn = t.get("test_error", "batches", "non-iid", "norm", "brn");
    double sync = t.get("test_error", "batches", "non-iid", "norm", "syncbn");
    double bnIid = t.get("test_error", "batches", "iid", "norm", "bn");
    boolean hurts = bn > bnIid;
    boolean brnBetter = brn < bn;
    boolean syncBetter = sync < bn;
    int ok = (hurts ? 1 : 0) + (brnBetter ? 1 : 0) + (syncBetter ? 1 : 0);
    r.verdict(ok == 3 ? "yes" : (brnBetter ? "partly" : "no"), String.format(Locale.ROOT,
        "Non-i.i.d. micro-batches change per-worker BN's error by %+.2f points vs i.i.d. (claim: worse); there Batch "
            + "Renorm's error is %.2f points %s than BN's (claim: lower) and SyncBN's %.2f points %s.",
        100 * (bn - bnIid), 100 * Math.abs(brn - bn), brn < bn ? "lower" : "higher", 100 * Math.abs(sync - bn),
        sync < bn ? "lower" : "higher"));
    return r;
  }

  /** The table with a numeric x column for plotting (0 = i.i.d., 1 = non-i.i.d.). */
  private static Table withX(Table t) {
    Table p = new Table(t.name() + "-plot", "non_iid", "norm", "test_error");
    for (Map<String, Object> row : t.rows()) {
      p.add("iid".equals(row.get("batches")) ? 0 : 1, row.get("norm"), row.get("test_error"));
    }
    return p;
  }
}
