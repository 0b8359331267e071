package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.NoisyShift;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.models.SmallVgg;
import io.batchwise.nn.norm.BatchNorm;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Experiment 5 (Santurkar, Tsipras, Ilyas &amp; Madry 2018, "How Does Batch Normalization Help
 * Optimization?", Fig. 2 and 4): a VGG-style net ({@link SmallVgg}) trained with plain SGD with and
 * without BatchNorm, and with BatchNorm followed by a {@link NoisyShift} (a distribution shift that
 * changes every step).
 *
 * <p>Every {@code probeEvery} steps, at the current weights w and on the current batch: the gradient
 * g = ∇L(w), then for each step size η ∈ {0.05, 0.1, 0.2, 0.4} the loss L(w − ηg) and gradient
 * ∇L(w − ηg). Reported per probe: the loss range max − min over η (with η = 0) — "variation of the
 * loss"; the largest ‖∇L(w − ηg) − g‖ — "gradient predictiveness" (smaller is more predictive); and
 * the largest ‖∇L(w − ηg) − g‖ / ‖ηg‖ — "effective β-smoothness". BatchNorm layers use the probe
 * batch's statistics (TRAIN mode), as during training; weights and running statistics are restored.
 */
final class LossLandscapeStudy {
  static final String CLAIM = "Santurkar et al. 2018: BatchNorm makes the loss landscape smoother: along the gradient "
      + "the loss varies over a smaller range, the gradient changes less (more predictive) and the effective "
      + "beta-smoothness is lower; and BN's benefit does not come from reducing internal covariate shift: injecting a "
      + "shifting noise after each BN layer barely hurts (noisy BN still trains better than no BN).";
  static final double[] ETAS = {0.05, 0.1, 0.2, 0.4};

  private LossLandscapeStudy() {}

  static ExperimentResult run(StudyContext ctx) {
    ExperimentResult r = new ExperimentResult("5", "Loss landscape with and without BatchNorm (Santurkar et al.)",
        CLAIM);
    int width = ctx.pick(4, 8, 16);
    int batch = 64;
    int epochs = ctx.pick(1, 1, 2);
    Dataset train = ctx.trainHead(ctx.pick(256, 2500, 6000));
    Dataset test = ctx.testHead(ctx.pick(200, 2000, 5000));
    int probeEvery = ctx.pick(2, 8, 10);
    double lr = 0.1;
    double noiseShift = 0.5;
    double noiseScale = 2.0;
    SgdConfig sgd = new SgdConfig(0, false, 0, false);
    r.setup.put("model", "SmallVgg width " + width + " (conv " + width + "," + width + ",pool," + 2 * width + ","
        + 2 * width + ",pool, fc128, fc10)");
    r.setup.put("batch", batch);
    r.setup.put("train_samples", train.size());
    r.setup.put("test_samples", test.size());
    r.setup.put("epochs", epochs);
    r.setup.put("optimizer", "plain SGD, constant lr " + lr + ", no momentum, no weight decay (same for every variant)");
    r.setup.put("probe", "every " + probeEvery + " steps on the current batch, step sizes " + java.util.Arrays
        .toString(ETAS));
    r.setup.put("noise", "NoisyShift after each BN: per channel and step, scale log-uniform in [1/" + noiseScale + ", "
        + noiseScale + "], shift uniform in [-" + noiseShift + ", " + noiseShift + "]");
    Table probes = new Table("study-5-landscape-probes", "model", "step", "loss", "loss_range", "grad_change",
        "beta_smoothness");
    Table summary = new Table("study-5-landscape", "model", "test_error", "final_train_loss", "mean_loss_range",
        "mean_grad_change", "mean_beta_smoothness", "max_beta_smoothness", "diverged", "seed");
    long seed = Runs.seed(ctx, 5, 0);
    for (String variant : List.of("bn", "none", "bn+noise")) {
      NormFactory f = switch (variant) {
        case "bn" -> NormFactory.byName("bn");
        case "none" -> NormFactory.byName("none");
        default -> {
          long[] salt = {0};
          yield c -> new Sequential().add("bn", new BatchNorm(c)).add("noise", new NoisyShift(noiseShift, noiseScale,
              seed + 17 * ++salt[0]));
        }
      };
      SimulatedWorkers.Settings s = new SimulatedWorkers.Settings(1, batch, true, epochs, lr, 0, false, sgd, seed);
      boolean probe = !variant.equals("bn+noise");
      try (Sequential net = SmallVgg.create(f, width, variant.equals("none"));
          SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(ctx.device())) {
        net.init(ctx.device(), Models.inputShape(), new Random(seed));
        try (SimulatedWorkers sim = new SimulatedWorkers(ctx.device(), net, train, s)) {
          List<double[]> measured = new ArrayList<>();
          SimulatedWorkers.Outcome o = sim.run(SimulatedWorkers.iid(train.size(), 1, batch, seed),
              new SimulatedWorkers.Listener() {
                @Override
                public void afterStep(long step, double rate, int[] indices) {
                  if (probe && step % probeEvery == 0) {
                    double[] m = probe(ctx.device(), net, loss, train, indices);
                    measured.add(m);
                    probes.add(variant, step, m[0], m[1], m[2], m[3]);
                  }
                }
              });
          double acc = o.diverged() ? Double.NaN : ModelProbes.accuracy(ctx.device(), net, test);
          double[] mean = new double[4];
          double maxBeta = Double.NaN;
          for (double[] m : measured) {
            for (int i = 1; i < 4; i++) {
              mean[i] += m[i] / measured.size();
            }
            maxBeta = Double.isNaN(maxBeta) ? m[3] : Math.max(maxBeta, m[3]);
          }
          if (measured.isEmpty()) {
            mean = new double[] {0, Double.NaN, Double.NaN, Double.NaN};
          }
          summary.add(variant, 1 - acc, o.finalTrainLoss(), mean[1], mean[2], mean[3], maxBeta, o.diverged(), seed);
          ctx.say("5: %-8s test error %.4f  loss range %.4f  grad change %.4f  beta %.3f  (%.0f s)", variant, 1 - acc,
              mean[1], mean[2], mean[3], o.seconds());
          Map<String, Object> settings = new LinkedHashMap<>(s.toMap());
          settings.put("model", "SmallVgg/" + variant);
          r.run("5/" + variant, seed, settings);
        }
      }
    }
    r.table(summary).table(probes, "model", "step", "loss_range", "grad_change", "beta_smoothness");
    r.summaryColumns.put(probes.name(), null); // too long for the summary: CSV and plot only
    r.plot(new ExperimentResult.Plot("study-5-loss-range.png", "Loss range along the gradient (step sizes 0.05-0.4)",
        probes, "step", "loss_range", "model", false, "training step", "max - min loss"));
    r.plot(new ExperimentResult.Plot("study-5-grad-change.png", "Gradient predictiveness: max ||grad(w - eta g) - g||",
        probes, "step", "grad_change", "model", false, "training step", "l2 change of the gradient"));
    r.plot(new ExperimentResult.Plot("study-5-beta-smoothness.png", "Effective beta-smoothness along the gradient",
        probes, "step", "beta_smoothness", "model", false, "training step", "max ||dg|| / ||eta g||"));
    double bnRange = summary.get("mean_loss_range", "model", "bn");
    double noRange = summary.get("mean_loss_range", "model", "none");
    double bnGrad = summary.get("mean_grad_change", "model", "bn");
    double noGrad = summary.get("mean_grad_change", "model", "none");
    double bnBeta = summary.get("mean_beta_smoothness", "model", "bn");
    double noBeta = summary.get("mean_beta_smoothness", "model", "none");
    double bnErr = summary.get("test_error", "model", "bn");
    double noisyErr = summary.get("test_error", "model", "bn+noise");
    double noErr = summary.get("test_error", "model", "none");
    int ok = (bnRange < noRange ? 1 : 0) + (bnGrad < noGrad ? 1 : 0) + (bnBeta < noBeta ? 1 : 0)
        + (noisyErr < noErr ? 1 : 0);
    r.verdict(ok == 4 ? "yes" : ok == 0 ? "no" : "partly", String.format(Locale.ROOT,
        "Mean over probes, BN vs no BN: loss range %.4g vs %.4g, gradient change %.4g vs %.4g, beta-smoothness %.4g vs "
            + "%.4g (claim: BN lower on all three). Test error: BN %.2f%%, BN + shifting noise %.2f%%, no BN %.2f%% "
            + "(claim: noisy BN close to BN and better than no BN). Note the gradients of the two nets are measured in "
            + "different parameterizations; the paper compares them the same way.",
        bnRange, noRange, bnGrad, noGrad, bnBeta, noBeta, 100 * bnErr, 100 * noisyErr, 100 * noErr));
    return r;
  }

  /** {current loss, loss range, max gradient change, max effective beta} at the current weights. */
  static double[] probe(Device device, Sequential net, SoftmaxCrossEntropy loss, Dataset data, int[] idx) {
    List<double[]> state = ModelProbes.snapshot(net);
    List<Parameter> ps = net.parameters();
    List<float[]> w0 = new ArrayList<>();
    for (Parameter p : ps) {
      w0.add(p.value().toFloatArray());
    }
    int n = idx.length;
    int[] shape = data.sampleShape();
    try (Tensor x = device.upload(data.images(idx), n, shape[0], shape[1], shape[2]);
        Tensor y = device.upload(data.labels(idx), n)) {
      double l0 = ModelProbes.lossAndGradient(device, net, loss, x, y, n) / n;
      ModelProbes.restore(net, state);
      List<float[]> g0 = grads(ps);
      double gnorm = Math.sqrt(dot(g0, g0));
      double lmin = l0;
      double lmax = l0;
      double change = 0;
      double beta = 0;
      for (double eta : ETAS) {
        for (int i = 0; i < ps.size(); i++) {
          float[] w = w0.get(i).clone();
          float[] g = g0.get(i);
          for (int j = 0; j < w.length; j++) {
            w[j] -= (float) (eta * g[j]);
          }
          ps.get(i).value().write(w);
        }
        double l = ModelProbes.lossAndGradient(device, net, loss, x, y, n) / n;
        ModelProbes.restore(net, state);
        if (!Double.isFinite(l)) {
          lmax = Double.POSITIVE_INFINITY;
          continue;
        }
        List<float[]> g = grads(ps);
        double d2 = 0;
        for (int i = 0; i < g.size(); i++) {
          float[] a = g.get(i);
          float[] b = g0.get(i);
          for (int j = 0; j < a.length; j++) {
            double d = a[j] - b[j];
            d2 += d * d;
          }
        }
        double d = Math.sqrt(d2);
        lmin = Math.min(lmin, l);
        lmax = Math.max(lmax, l);
        change = Math.max(change, d);
        beta = Math.max(beta, gnorm > 0 ? d / (eta * gnorm) : 0);
      }
      for (int i = 0; i < ps.size(); i++) {
        ps.get(i).value().write(w0.get(i));
      }
      return new double[] {l0, lmax - lmin, change, beta};
    }
  }

  private static List<float[]> grads(List<Parameter> ps) {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : ps) {
      out.add(p.grad().toFloatArray());
    }
    return out;
  }

  private static double dot(List<float[]> a, List<float[]> b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      float[] x = a.get(i);
      float[] y = b.get(i);
      for (int j = 0; j < x.length; j++) {
        s += (double) x[j] * y[j];
      }
    }
    return s;
  }
}
