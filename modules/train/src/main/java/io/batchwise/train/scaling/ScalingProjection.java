package io.batchwise.train.scaling;

import io.batchwise.collective.model.CollectiveModel;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.train.BenchOptions;
import io.batchwise.train.parallel.GradientBuckets;
import io.batchwise.train.report.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Projects weak-scaling step time and efficiency of data-parallel training to many nodes: a measured
 * single-worker {@link StepProfile} per model, replayed by {@link StepSimulator} against the fitted
 * collective model moved onto each network (one-way latency L, link rate R: alpha + L, beta + 1/R).
 *
 * <p>Efficiency = compute time of one worker's step / projected step time on N nodes (weak scaling:
 * every node keeps the per-worker batch, so the ideal step time is the single-worker one).
 *
 * <p>Usage: {@code ScalingProjection --collective-model FILE [--models lenet-bn,resnet20]
 * [--batch 32] [--device opencl] [--nodes 16,32,64,128,256,512,1024] [--rates-gbit 10,25,100]
 * [--latencies-us 5,10,20,50] [--steps 8] [--warmup 3] [--bucket-kb 1024] [--out bench/results]}.
 * Writes {@code scaling-projection.csv}, {@code scaling-projection.md},
 * {@code scaling-projection-<model>.png} and {@code step-profile-<model>.csv}.
 */
public final class ScalingProjection {
  private ScalingProjection() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("collective-model", "");
    o.put("models", "lenet-bn,resnet20");
    o.put("batch", "32");
    o.put("device", "opencl");
    o.put("nodes", "16,32,64,128,256,512,1024");
    o.put("rates-gbit", "10,25,100");
    o.put("latencies-us", "5,10,20,50");
    o.put("steps", "8");
    o.put("warmup", "3");
    o.put("bucket-kb", String.valueOf(GradientBuckets.DEFAULT_BUCKET_BYTES >> 10));
    o.put("out", "bench/results");
    BenchOptions.applyOrExit("ScalingProjection", o, args);
    if (o.get("collective-model").isEmpty()) {
      System.err.println("ScalingProjection: --collective-model FILE is required (fit one with "
          + "io.batchwise.collective.model.CollectiveTimings --fit-out FILE)");
      System.exit(2);
    }
    CollectiveModel base;
    try {
      base = CollectiveModel.read(Path.of(o.get("collective-model")));
    } catch (IllegalArgumentException e) {
      System.err.println("ScalingProjection: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path out = Path.of(o.get("out"));
    Files.createDirectories(out);
    int batch = Integer.parseInt(o.get("batch"));
    List<StepProfile> profiles = new ArrayList<>();
    for (String m : o.get("models").split(",")) {
      System.err.printf("profiling %s at batch %d on %s%n", m, batch, o.get("device"));
      StepProfile p = StepProfile.measure(m, batch, o.get("device"),
          Integer.parseInt(o.get("bucket-kb")) << 10, Integer.parseInt(o.get("warmup")),
          Integer.parseInt(o.get("steps")), SyntheticDataset.mnistLike(Math.max(256, batch * 4), 1));
      writeProfile(out.resolve("step-profile-" + m + ".csv"), p);
      profiles.add(p);
    }
    int[] nodes = ints(o.get("nodes"));
    double[] rates = doubles(o.get("rates-gbit"));
    double[] lats = doubles(o.get("latencies-us"));
    String csv = project(profiles, base, nodes, rates, lats);
    Files.writeString(out.resolve("scaling-projection.csv"), csv);
    Files.writeString(out.resolve("scaling-projection.md"), markdown(profiles, base, nodes, rates, lats));
    for (StepProfile p : profiles) {
      plot(p, base, nodes, rates, lats).writePng(out.resolve("scaling-projection-" + p.model() + ".png"));
    }
    System.out.print(markdown(profiles, base, nodes, rates, lats));
    System.out.println("wrote " + out.resolve("scaling-projection.csv") + ", .md, .png");
  }

  /** The CSV of every (model, norm, nodes, rate, latency) point. */
  public static String project(List<StepProfile> profiles, CollectiveModel base, int[] nodes, double[] ratesGbit,
      double[] latenciesUs) {
    StringBuilder sb = new StringBuilder("model,batch_per_worker,software,norm,nodes,rate_gbit,latency_us,compute_ms,"
        + "syncbn_ms,gradient_comm_ms,wait_ms,step_ms,efficiency,images_per_s,syncbn_over_bn\n");
    for (StepProfile p : profiles) {
     for (String software : new String[] {"measured", "none"}) {
      CollectiveModel sw = software.equals("measured") ? base : networkOnly(base);
      for (double r : ratesGbit) {
        for (double l : latenciesUs) {
          CollectiveModel net = sw.onNetwork(l * 1e-6, r * 1e9 / 8);
          for (int n : nodes) {
            StepSimulator.Result bn = StepSimulator.simulate(p, net, n, false);
            for (boolean sync : new boolean[] {true, false}) {
              StepSimulator.Result s = sync ? StepSimulator.simulate(p, net, n, true) : bn;
              sb.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%d,%.0f,%.0f,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.1f,%.4f%n",
                  p.model(), p.batch(), software, sync ? "syncbn" : "bn", n, r, l, s.compute() * 1e3, s.syncBn() * 1e3,
                  s.gradientComm() * 1e3, s.exposedWait() * 1e3, s.total() * 1e3, p.computeSeconds() / s.total(),
                  n * p.batch() / s.total(), s.total() / bn.total()));
            }
          }
        }
      }
     }
    }
    return sb.toString();
  }

  /**
   * The same switch point and chunking with no software cost at all (alpha = beta = 0 before the
   * network's L and 1/R are added): what the network alone would cost, to separate it from this
   * implementation's per-message and per-byte overheads.
   */
  static CollectiveModel networkOnly(CollectiveModel base) {
    Map<io.batchwise.collective.model.Algorithm, io.batchwise.collective.model.AlphaBeta> zero = new LinkedHashMap<>();
    for (io.batchwise.collective.model.Algorithm a : io.batchwise.collective.model.Algorithm.values()) {
      zero.put(a, io.batchwise.collective.model.AlphaBeta.of(0, 0));
    }
    return new CollectiveModel(zero, base.smallMessageMaxBytes(), base.chunkBytes());
  }

  static String markdown(List<StepProfile> profiles, CollectiveModel base, int[] nodes, double[] rates,
      double[] lats) {
    StringBuilder sb = new StringBuilder();
    sb.append("Collective model (fitted on this machine; software costs, added to the network's):\n\n");
    sb.append("| algorithm | alpha (us) | beta (ns/B) | rms rel. error | samples |\n|---|---:|---:|---:|---:|\n");
    base.costs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> sb.append(String.format(
        Locale.ROOT, "| %s | %.1f | %.3f | %.2f | %d |%n", e.getKey().shortName(), e.getValue().alpha() * 1e6,
        e.getValue().beta() * 1e9, e.getValue().rmsRelativeError(), e.getValue().samples())));
    for (StepProfile p : profiles) {
      sb.append(String.format(Locale.ROOT, "%n**%s**, %d images per worker, compute %.1f ms per step on one core "
          + "(%s), %d SyncBN all-reduces per step, %d gradient buckets (%.2f MB).%n%n", p.model(), p.batch(),
          p.computeSeconds() * 1e3, p.device(), p.syncBnReductions(), p.bucketBytes().length,
          p.gradientBytes() / 1e6));
      sb.append("Weak-scaling efficiency with SyncBN (step time in ms; SyncBN step time / per-worker BN step time)\n\n");
      sb.append("| network |");
      for (int n : nodes) {
        sb.append(' ').append(n).append(" nodes |");
      }
      sb.append("\n|---|").append("---:|".repeat(nodes.length)).append('\n');
      for (double r : rates) {
        for (double l : lats) {
          CollectiveModel net = base.onNetwork(l * 1e-6, r * 1e9 / 8);
          sb.append(String.format(Locale.ROOT, "| %.0f Gbit/s, %.0f us |", r, l));
          for (int n : nodes) {
            StepSimulator.Result s = StepSimulator.simulate(p, net, n, true);
            StepSimulator.Result b = StepSimulator.simulate(p, net, n, false);
            sb.append(String.format(Locale.ROOT, " %.0f%% (%.0f ms; %.2fx) |", 100 * p.computeSeconds() / s.total(),
                s.total() * 1e3, s.total() / b.total()));
          }
          sb.append('\n');
        }
      }
      sb.append("\nThe same with no software cost (alpha = latency, beta = 1/rate): the network's share alone\n\n");
      sb.append("| network |");
      for (int n : nodes) {
        sb.append(' ').append(n).append(" nodes |");
      }
      sb.append("\n|---|").append("---:|".repeat(nodes.length)).append('\n');
      CollectiveModel none = networkOnly(base);
      for (double r : new double[] {rates[0], rates[rates.length - 1]}) {
        for (double l : new double[] {lats[0], lats[lats.length - 1]}) {
          CollectiveModel net = none.onNetwork(l * 1e-6, r * 1e9 / 8);
          sb.append(String.format(Locale.ROOT, "| %.0f Gbit/s, %.0f us |", r, l));
          for (int n : nodes) {
            StepSimulator.Result s = StepSimulator.simulate(p, net, n, true);
            StepSimulator.Result b = StepSimulator.simulate(p, net, n, false);
            sb.append(String.format(Locale.ROOT, " %.0f%% (%.0f ms; %.2fx) |", 100 * p.computeSeconds() / s.total(),
                s.total() * 1e3, s.total() / b.total()));
          }
          sb.append('\n');
        }
      }
    }
    return sb.toString();
  }

  static LineChart plot(StepProfile p, CollectiveModel base, int[] nodes, double[] rates, double[] lats) {
    LineChart c = new LineChart(String.format(Locale.ROOT, "%s, %d per worker: projected weak-scaling efficiency",
        p.model(), p.batch()), "nodes", "efficiency").logX();
    double[] x = Arrays.stream(nodes).asDoubleStream().toArray();
    double lo = rates[0];
    double hi = rates[rates.length - 1];
    double fast = lats[0];
    double slow = lats[lats.length - 1];
    addCurve(c, p, base.onNetwork(slow * 1e-6, lo * 1e9 / 8), nodes, x, true,
        String.format(Locale.ROOT, "SyncBN, %.0f Gbit/s, %.0f us", lo, slow));
    addCurve(c, p, base.onNetwork(slow * 1e-6, lo * 1e9 / 8), nodes, x, false,
        String.format(Locale.ROOT, "BN, %.0f Gbit/s, %.0f us", lo, slow));
    addCurve(c, p, base.onNetwork(fast * 1e-6, hi * 1e9 / 8), nodes, x, true,
        String.format(Locale.ROOT, "SyncBN, %.0f Gbit/s, %.0f us", hi, fast));
    addCurve(c, p, base.onNetwork(fast * 1e-6, hi * 1e9 / 8), nodes, x, false,
        String.format(Locale.ROOT, "BN, %.0f Gbit/s, %.0f us", hi, fast));
    addCurve(c, p, networkOnly(base).onNetwork(fast * 1e-6, hi * 1e9 / 8), nodes, x, true,
        String.format(Locale.ROOT, "SyncBN, %.0f Gbit/s, %.0f us, no software cost", hi, fast));
    return c;
  }

  private static void addCurve(LineChart c, StepProfile p, CollectiveModel net, int[] nodes, double[] x,
      boolean syncBn, String name) {
    double[] y = new double[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      y[i] = p.computeSeconds() / StepSimulator.simulate(p, net, nodes[i], syncBn).total();
    }
    c.series(name, x, y);
  }

  static void writeProfile(Path file, StepProfile p) throws IOException {
    StringBuilder sb = new StringBuilder("kind,seconds,bytes\n");
    for (StepProfile.Event e : p.events()) {
      sb.append(String.format(Locale.ROOT, "%s,%.9f,%d%n", e.kind(), e.seconds(), e.bytes()));
    }
    sb.append(String.format(Locale.ROOT, "TAIL,%.9f,0%n", p.tailSeconds()));
    Files.writeString(file, sb.toString());
  }

  private static int[] ints(String s) {
    return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static double[] doubles(String s) {
    return Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
  }
}
