package io.batchwise.train.scaling;

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
 * The figures of the scaling benchmark, computed from measured runs: one row per point (step-time
 * breakdown, images/s, efficiency, core sharing, communication share, SyncBN/BN), the spread of
 * repeats and their paired ratios, the 1-worker baseline each efficiency is relative to, the
 * targets of issue 6, and the ceilings that the controls (unconnected jobs at once) measure.
 * {@link ScalingBench} runs the points; {@link ScalingReport} writes these figures out as CSV, JSON,
 * markdown and PNG. Everything here is a pure function of the runs (no clock, no files but {@link
 * #readRows}), so the report can be rebuilt from the CSV alone.
 */
final class ScalingFigures {
  private ScalingFigures() {
  }

  static List<Map<String, Object>> readRows(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    String[] head = lines.get(0).split(",", -1);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] f = l.split(",", -1);
      Map<String, Object> r = new LinkedHashMap<>();
      for (int i = 0; i < head.length; i++) {
        if (f[i].isEmpty()) {
          continue;
        }
        switch (head[i]) {
          case "model", "mode", "norm" -> r.put(head[i], f[i]);
          case "workers", "global_batch" -> r.put(head[i], Integer.parseInt(f[i]));
          default -> r.put(head[i], Double.parseDouble(f[i]));
        }
      }
      rows.add(r);
    }
    return rows;
  }

  static List<Map<String, Object>> rows(List<ScalingRun.Measured> runs, List<String> modes) {
    return rows(runs, modes, Map.of());
  }

  /**
   * The run of median step time among repeats of one point (the lower middle one of an even
   * count): its breakdown is one real run's, not a mix of figures from different runs.
   */
  static ScalingRun.Measured medianRun(List<ScalingRun.Measured> repeats) {
    List<ScalingRun.Measured> sorted = new ArrayList<>(repeats);
    sorted.sort(java.util.Comparator.comparingDouble(ScalingRun.Measured::step));
    return sorted.get((sorted.size() - 1) / 2);
  }

  /**
   * How the repeats of one point spread: their count, the fastest and slowest step, the sorted
   * ratios of its step to the BN run of the same repeat (run next to it; SyncBN only), and to the
   * {@link ScalingRun#INDEPENDENT} run of the same repeat (where there is one).
   */
  record Repeats(int count, double stepMin, double stepMax, double[] overBn, double[] overIndependent) {
    static Repeats of(List<ScalingRun.Measured> runs, List<ScalingRun.Measured> bn) {
      return of(runs, bn, null);
    }

    static Repeats of(List<ScalingRun.Measured> runs, List<ScalingRun.Measured> bn,
        List<ScalingRun.Measured> independent) {
      double[] steps = runs.stream().mapToDouble(ScalingRun.Measured::step).sorted().toArray();
      return new Repeats(steps.length, steps[0], steps[steps.length - 1], paired(runs, bn),
          paired(runs, independent));
    }

    /** Sorted step ratios of run i to {@code reference} run i; empty without a full reference. */
    private static double[] paired(List<ScalingRun.Measured> runs, List<ScalingRun.Measured> reference) {
      if (reference == null || reference.size() != runs.size()) {
        return new double[0];
      }
      double[] ratios = new double[runs.size()];
      for (int i = 0; i < ratios.length; i++) {
        ratios[i] = runs.get(i).step() / reference.get(i).step();
      }
      Arrays.sort(ratios);
      return ratios;
    }

    /** Median of the paired ratios (mean of the middle two of an even count); NaN without any. */
    double overBnMedian() {
      return overBn.length == 0 ? Double.NaN : median(overBn);
    }
  }

  /**
   * One row per point; {@code modes.get(i)} is the mode (weak, strong) run i was measured for, and
   * {@code spread} (possibly empty) how the repeats of run i spread when it is the median of several.
   */
  static List<Map<String, Object>> rows(List<ScalingRun.Measured> runs, List<String> modes,
      Map<ScalingRun.Measured, Repeats> spread) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      ScalingRun.Measured m = runs.get(i);
      ScalingRun.Point p = m.point();
      String mode = modes.get(i);
      ScalingRun.Measured one = oneWorkerBaseline(runs, modes, p.model(), p.norm(), mode);
      ScalingRun.Measured bn = find(runs, modes, p.model(), "bn", p.workers(), mode);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("model", p.model());
      r.put("mode", mode);
      r.put("norm", p.norm());
      r.put("workers", p.workers());
      r.put("global_batch", p.globalBatch());
      r.put("per_worker_batch", (double) p.globalBatch() / p.workers());
      r.put("step_ms", m.step() * 1e3);
      r.put("compute_ms", m.compute() * 1e3);
      r.put("compute_max_ms", m.computeMax() * 1e3);
      r.put("syncbn_comm_ms", m.syncBn() * 1e3);
      if (!Double.isNaN(m.gradientComm())) {
        r.put("gradient_comm_ms", m.gradientComm() * 1e3); // not recorded for points recovered from a log
      }
      r.put("wait_ms", m.exposedWait() * 1e3);
      r.put("images_per_s", m.imagesPerSecond());
      if (one != null) {
        r.put("efficiency", m.imagesPerSecond() / (p.workers() * one.imagesPerSecond()));
        r.put("core_sharing", mode.equals("weak") ? one.compute() / m.compute()
            : one.compute() / (p.workers() * m.compute()));
      }
      r.put("communication", m.compute() / m.step());
      if (bn != null) {
        r.put("step_over_bn", m.step() / bn.step());
      }
      Repeats rep = spread.get(m);
      if (rep != null && rep.count() > 1) {
        r.put("repeats", (double) rep.count());
        r.put("step_ms_min", rep.stepMin() * 1e3);
        r.put("step_ms_max", rep.stepMax() * 1e3);
        if (rep.overBn().length > 1) {
          r.put("step_over_bn_paired", rep.overBnMedian());
          r.put("step_over_bn_paired_min", rep.overBn()[0]);
          r.put("step_over_bn_paired_max", rep.overBn()[rep.overBn().length - 1]);
        }
        if (rep.overIndependent().length > 1) {
          r.put("step_over_independent_paired", median(rep.overIndependent()));
        }
      }
      rows.add(r);
    }
    return rows;
  }

  /**
   * The 1-worker run that efficiency and core sharing are relative to. SyncBN over a group of one is
   * BatchNorm, the same computation: its baseline is the faster of the two 1-worker runs, so noise in
   * one of them (in a Spark run of 2026-12-01 06:35, since replaced by the next full run, the SyncBN
   * and BN 1-worker steps were 168.8 and 132.8 ms) cannot make SyncBN
   * look better than it scales.
   */
  static ScalingRun.Measured oneWorkerBaseline(List<ScalingRun.Measured> runs, List<String> modes,
      String model, String norm, String mode) {
    if (norm.equals(ScalingRun.INDEPENDENT)) {
      return find(runs, modes, model, "bn", 1, mode); // one independent job is the 1-worker BN run
    }
    if (norm.equals(ScalingRun.INDEPENDENT_SYNCBN)) {
      // Relative to BN's one job too: the efficiency then includes what the SyncBN path costs.
      return find(runs, modes, model, "bn", 1, mode);
    }
    ScalingRun.Measured own = find(runs, modes, model, norm, 1, mode);
    if (!norm.equals("syncbn")) {
      return own;
    }
    ScalingRun.Measured bn = find(runs, modes, model, "bn", 1, mode);
    if (own == null || bn == null) {
      return own == null ? bn : own;
    }
    return bn.imagesPerSecond() > own.imagesPerSecond() ? bn : own;
  }

  private static ScalingRun.Measured find(List<ScalingRun.Measured> runs, List<String> modes, String model,
      String norm, int w, String mode) {
    for (int i = 0; i < runs.size(); i++) {
      ScalingRun.Point p = runs.get(i).point();
      if (p.model().equals(model) && p.norm().equals(norm) && p.workers() == w && modes.get(i).equals(mode)) {
        return runs.get(i);
      }
    }
    return null;
  }

  static List<Map<String, Object>> targets(List<Map<String, Object>> rows) {
    List<Map<String, Object>> t = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      if (r.get("model").equals("resnet20") && r.get("mode").equals("weak") && r.get("norm").equals("syncbn")
          && (int) r.get("workers") == 2 && r.containsKey("efficiency")) {
        double e = (double) r.get("efficiency");
        t.add(Map.of("target", "weak-scaling efficiency at 2 workers, resnet20 (SyncBN)" + (r.containsKey("repeats")
            ? " (median runs of " + Math.round((double) r.get("repeats")) + ")" : ""), "goal", ">= 0.90",
            "measured", e, "met", e >= 0.9));
      }
      if (r.get("model").equals("resnet20") && r.get("norm").equals("syncbn") && (int) r.get("workers") == 4
          && r.containsKey("step_over_bn")) {
        // With repeats: the median of the ratios of runs made next to each other.
        boolean paired = r.containsKey("step_over_bn_paired");
        double v = (double) r.get(paired ? "step_over_bn_paired" : "step_over_bn");
        t.add(Map.of("target", "SyncBN step time / per-worker BN at 4 workers, resnet20, " + r.get("mode")
            + " scaling" + (paired ? " (median of " + Math.round((double) r.get("repeats"))
                + " paired runs)" : ""), "goal", "<= 1.05", "measured", v, "met", v <= 1.05));
      }
    }
    return t;
  }

  /**
   * Per model and worker count with an {@link ScalingRun#INDEPENDENT} run (weak scaling): its
   * efficiency, the ceiling that sharing this machine leaves any data-parallel run, beside the
   * efficiency of SyncBN, BN and {@link ScalingRun#INDEPENDENT_SYNCBN} (where measured), their share
   * of the ceiling and, with repeats, the median of their step over the independent run of the same
   * repeat ({@code <norm>_over_independent_paired}). The gap between the ceiling and 1 is the
   * machine's; from the ceiling to independent SyncBN-path jobs, SyncBN's kernels; from there to
   * SyncBN, synchronizing. {@code lock_step_ceiling}: the same for the slowest of the independent
   * jobs, which is what workers that wait for each other can reach.
   */
  static List<Map<String, Object>> ceilings(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      if (!r.get("norm").equals(ScalingRun.INDEPENDENT) || !r.containsKey("efficiency")) {
        continue;
      }
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("model", r.get("model"));
      c.put("workers", r.get("workers"));
      double ceiling = (double) r.get("efficiency");
      c.put("ceiling", ceiling);
      if (r.containsKey("compute_max_ms")) {
        // The jobs need not be equally fast (a VM's cores drift apart); workers that meet at every
        // reduction go at the slowest one's pace: the 1-worker step over the slowest job's step.
        double slowest = (double) r.get("compute_max_ms") + (double) r.get("step_ms") - (double) r.get("compute_ms");
        c.put("lock_step_ceiling", ceiling * (double) r.get("step_ms") / slowest);
      }
      for (String norm : List.of("syncbn", "bn", ScalingRun.INDEPENDENT_SYNCBN)) {
        String key = norm.replace('-', '_');
        rows.stream().filter(x -> x.get("model").equals(r.get("model")) && x.get("mode").equals("weak")
            && x.get("norm").equals(norm) && x.get("workers").equals(r.get("workers"))
            && x.containsKey("efficiency")).findFirst().ifPresent(x -> {
              c.put(key, x.get("efficiency"));
              c.put(key + "_of_ceiling", (double) x.get("efficiency") / ceiling);
              if (x.containsKey("step_over_independent_paired")) {
                c.put(key + "_over_independent_paired", x.get("step_over_independent_paired"));
              }
            });
      }
      out.add(c);
    }
    return out;
  }

  static String csv(List<Map<String, Object>> rows) {
    List<String> keys = List.of("model", "mode", "norm", "workers", "global_batch", "per_worker_batch", "step_ms",
        "compute_ms", "compute_max_ms", "syncbn_comm_ms", "gradient_comm_ms", "wait_ms", "images_per_s",
        "efficiency", "core_sharing", "communication", "step_over_bn", "repeats", "step_ms_min", "step_ms_max",
        "step_over_bn_paired", "step_over_bn_paired_min", "step_over_bn_paired_max",
        "step_over_independent_paired");
    StringBuilder sb = new StringBuilder(String.join(",", keys)).append('\n');
    for (Map<String, Object> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String k : keys) {
        Object v = r.get(k);
        cells.add(v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v.toString());
      }
      sb.append(String.join(",", cells)).append('\n');
    }
    return sb.toString();
  }

  /** Median of {@code v} (the mean of the middle two of an even count); {@code v} is not changed. */
  static double median(double[] v) {
    double[] a = v.clone();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
  }
}
