package io.batchwise.train.scaling;

import io.batchwise.train.Json;
import io.batchwise.train.report.BarChart;
import io.batchwise.train.report.LineChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the scaling benchmark's results: {@code scaling.json}, {@code scaling.md} and the PNGs from
 * {@code scaling-runs.csv} and {@code scaling-runs-meta.csv} of an output folder (taking in the
 * core probes, per-step traces, repeated targets, notes, Spark runs, namespace validation and
 * projection found there), and the summary of the Spark job's runs ({@code scaling-spark.*}). The
 * figures themselves come from {@link ScalingFigures}; {@link ScalingBench} measures them.
 */
final class ScalingReport {
  private ScalingReport() {
  }

  /**
   * Writes scaling.json, scaling.md and the PNGs from scaling-runs.csv and scaling-runs-meta.csv
   * (and takes in the Spark, namespace and projection results present in {@code out}): so the
   * report can be rebuilt after parts that ran later, without running the workers again.
   */
  static void report(Path out) throws IOException {
    Path runsCsv = out.resolve("scaling-runs.csv");
    Path metaCsv = out.resolve("scaling-runs-meta.csv");
    if (!Files.isRegularFile(runsCsv) || !Files.isRegularFile(metaCsv)) {
      System.err.println("ScalingBench: --report-only needs " + runsCsv + " and " + metaCsv + " from a run");
      System.exit(2);
    }
    List<Map<String, Object>> rows = ScalingFigures.readRows(runsCsv);
    Map<String, String> meta = new LinkedHashMap<>();
    for (String l : Files.readAllLines(metaCsv).subList(1, Files.readAllLines(metaCsv).size())) {
      int c = l.indexOf(',');
      meta.put(l.substring(0, c), l.substring(c + 1).replace(';', ','));
    }
    Map<String, String> o = new LinkedHashMap<>();
    meta.forEach((k, v) -> {
      if (k.startsWith("setting.")) {
        o.put(k.substring(8), v);
      }
    });
    double[] loadBefore = Arrays.stream(meta.get("load_before").split(" ")).mapToDouble(Double::parseDouble).toArray();
    double[] loadAfter = Arrays.stream(meta.get("load_after").split(" ")).mapToDouble(Double::parseDouble).toArray();
    double seconds = Double.parseDouble(meta.get("run_seconds"));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "scaling");
    json.put("date", Instant.now().toString());
    json.put("command", meta.get("command"));
    json.put("runner", "local worker processes: one JVM per worker on 127.0.0.1, real DataParallelStep over the "
        + "communicator (collectives through " + ("off".equals(o.get("shared-memory")) ? "TCP" : "shared memory")
        + "; the Spark job's runs, when present, are in scaling-spark.json)");
    json.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
        "load_average_before", toList(loadBefore), "load_average_after", toList(loadAfter),
        "run_seconds", seconds,
        "note", "Every worker is held to one core (" + ("true".equals(o.get("pin"))
            ? "taskset -c r mod cores, " : "") + "POCL_MAX_PTHREAD_COUNT=1, -XX:ActiveProcessorCount=1), but "
            + "this machine has " + Runtime.getRuntime().availableProcessors() + " cores: with more workers than "
            + "cores they share them, which 'core_sharing' measures apart from communication."));
    json.put("settings", o);
    json.put("runs", rows);
    json.put("targets", ScalingFigures.targets(rows));
    json.put("ceilings", ScalingFigures.ceilings(rows));
    if (Files.isRegularFile(out.resolve("scaling-steps.csv"))) {
      json.put("efficiency_factors", EfficiencyFactors.rows(out.resolve("scaling-steps.csv")));
    }
    for (String f : List.of("scaling-spark.json", "netns-validation.csv", "netns-model.csv", "collective-model.csv",
        "scaling-projection.csv")) {
      if (Files.isRegularFile(out.resolve(f))) {
        json.put(f.replace('.', '_').replace('-', '_'), f);
      }
    }
    Files.writeString(out.resolve("scaling.json"), Json.pretty(json));
    String md = markdown(rows, o, loadBefore, loadAfter, seconds, out);
    Files.writeString(out.resolve("scaling.md"), md);
    plots(rows, out);
    System.out.print(md);
  }

  /** The ceilings (see {@link ScalingFigures#ceilings}) as a table; nothing when no independent runs were made. */
  private static void appendCeilings(StringBuilder sb, List<Map<String, Object>> rows) {
    List<Map<String, Object>> cs = ScalingFigures.ceilings(rows);
    if (cs.isEmpty()) {
      return;
    }
    sb.append("\nWhat the machine allows (weak scaling): `independent` runs W unconnected 1-worker BN jobs at "
        + "once, pinned like the workers, so nothing is communicated; its efficiency is the ceiling that "
        + "sharing this machine leaves any data-parallel run of W workers. `independent-syncbn` runs the "
        + "same jobs with SyncBN layers on the path they take in a group (two launches per pass, a host "
        + "round trip) and nothing to reduce. Efficiency of each (median runs), and in brackets the "
        + "median over repeats of its step / the independent run's step of the same repeat. The jobs need "
        + "not be equally fast; `lock-step ceiling` takes the slowest job's step instead of their mean: "
        + "what workers that wait for each other can reach.\n\n"
        + "| model | W | ceiling (independent) | lock-step ceiling | independent-syncbn | SyncBN | BN "
        + "| SyncBN / ceiling | BN / ceiling |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> c : cs) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %s | %s | %s | %s | %s | %s |%n", c.get("model"),
          (int) c.get("workers"), (double) c.get("ceiling"), f(c.get("lock_step_ceiling"), "%.2f"),
          withPaired(c, "independent_syncbn"),
          withPaired(c, "syncbn"), withPaired(c, "bn"), f(c.get("syncbn_of_ceiling"), "%.2f"),
          f(c.get("bn_of_ceiling"), "%.2f")));
    }
  }

  /** A ceiling table cell: the efficiency, with the paired step ratio in brackets when there is one. */
  private static String withPaired(Map<String, Object> c, String key) {
    Object paired = c.get(key + "_over_independent_paired");
    return f(c.get(key), "%.2f") + (paired == null ? "" : " (" + f(paired, "%.3f") + ")");
  }

  /** The markdown table of measured points (worker-process and Spark runs share its columns). */
  private static void appendRunsTable(StringBuilder sb, List<Map<String, Object>> rows) {
    sb.append("| model | mode | norm | W | global batch | step ms | compute ms | SyncBN comm ms | grad comm ms | "
        + "wait ms | images/s | efficiency | core sharing | communication | SyncBN/BN |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          r.get("model"), r.get("mode"), r.get("norm"), (int) r.get("workers"), (int) r.get("global_batch"),
          f(r.get("step_ms"), "%.1f"), f(r.get("compute_ms"), "%.1f"), f(r.get("syncbn_comm_ms"), "%.1f"),
          f(r.get("gradient_comm_ms"), "%.1f"), f(r.get("wait_ms"), "%.1f"), f(r.get("images_per_s"), "%.1f"),
          f(r.get("efficiency"), "%.2f"), f(r.get("core_sharing"), "%.2f"), f(r.get("communication"), "%.2f"),
          r.get("norm").equals("syncbn") ? f(r.get("step_over_bn"), "%.3f") : "–"));
    }
    sb.append("\nEfficiency is images/s at W over W × images/s at 1 worker; for SyncBN the 1-worker run is the "
        + "faster of SyncBN's and BN's (over one worker they are the same computation).\n");
  }

  /** A titled table of the targets of issue 6 as measured in {@code rows}. */
  private static void appendTargets(StringBuilder sb, String title, List<Map<String, Object>> rows) {
    sb.append("\n").append(title).append("\n\n| target | goal | measured | met |\n|---|---|---:|---|\n");
    for (Map<String, Object> t : ScalingFigures.targets(rows)) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s |%n", t.get("target"), t.get("goal"),
          (double) t.get("measured"), (boolean) t.get("met") ? "yes" : "**no**"));
    }
  }

  /** How the repeats spread, when points were measured more than once (nothing otherwise). */
  private static void appendRepeatsTable(StringBuilder sb, List<Map<String, Object>> rows) {
    if (rows.stream().noneMatch(r -> r.containsKey("repeats"))) {
      return;
    }
    sb.append("\nEach point was measured several times, the norms alternating (SyncBN, BN, SyncBN, BN, ...); "
        + "the table above shows the run of median step time, this one the spread. SyncBN/BN paired: the "
        + "ratio of each SyncBN run to the BN run next to it, median (min–max).\n\n");
    sb.append("| model | mode | norm | W | runs | step ms, median (min–max) | SyncBN/BN paired |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|\n");
    for (Map<String, Object> r : rows) {
      if (!r.containsKey("repeats")) {
        continue;
      }
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %s (%s–%s) | %s |%n", r.get("model"),
          r.get("mode"), r.get("norm"), (int) r.get("workers"), Math.round((double) r.get("repeats")),
          f(r.get("step_ms"), "%.1f"), f(r.get("step_ms_min"), "%.1f"), f(r.get("step_ms_max"), "%.1f"),
          r.containsKey("step_over_bn_paired") ? f(r.get("step_over_bn_paired"), "%.3f") + " ("
              + f(r.get("step_over_bn_paired_min"), "%.3f") + "–" + f(r.get("step_over_bn_paired_max"), "%.3f")
              + ")" : "–"));
    }
  }

  private static String f(Object v, String fmt) {
    return v == null ? "–" : String.format(Locale.ROOT, fmt, ((Number) v).doubleValue());
  }

  static String markdown(List<Map<String, Object>> rows, Map<String, String> o, double[] before, double[] after,
      double seconds, Path out) throws IOException {
    StringBuilder sb = new StringBuilder("# Scaling on this machine\n\n");
    int cores = Runtime.getRuntime().availableProcessors();
    sb.append(String.format(Locale.ROOT, "**This machine has %d cores.** Every worker is one JVM held to one core "
        + "(" + ("true".equals(o.get("pin")) ? "pinned to core r mod cores with taskset, " : "not pinned, ")
        + "PoCL capped to one thread, one JVM processor), so runs with more than %d workers share cores: "
        + "`core sharing` below is what that costs (compute per step at 1 worker over compute per step at W, "
        + "per-worker work held equal), `communication` is compute / step time (the rest is SyncBN reductions "
        + "and waiting for gradient buckets). With W workers on %d cores, core sharing cannot exceed %d/W. "
        + "Load average %.1f/%.1f/%.1f before and %.1f/%.1f/%.1f after (other jobs share this machine); "
        + "%.0f s in all.%n%n", cores, cores, cores, cores, before[0], before[1], before[2], after[0], after[1],
        after[2], seconds));
    sb.append("Runner: one worker process per worker on 127.0.0.1 (real `DataParallelStep`, real "
        + "communicator, collectives through " + ("off".equals(o.get("shared-memory")) ? "TCP (--shared-memory off)"
        : "shared memory (the default on one host)") + "), not the Spark job; steps " + o.get("steps") + " (first " + o.get("warmup")
        + " not timed), synthetic 1×28×28 data, device " + o.get("device") + "."
        + (o.containsKey("yield-micros") ? " Waiting ranks poll for " + o.get("yield-micros") + " µs before parking; "
            + "gradient buckets of " + o.get("bucket-kb") + " KiB." : "")
        + ("on".equals(o.get("balance-shards")) ? " SyncBN points split each global batch by the workers' measured "
            + "speeds (`--balance-shards on`, `ShardBalancer`); per-worker BN points split it evenly." : "")
        + ("off".equals(o.get("conv-norm-fusion")) ? " Convolutions and BatchNorm run as separate layers "
            + "(`--conv-norm-fusion off`)." : "")
        + (o.containsKey("weight-gradients") ? " Weight gradients: " + o.get("weight-gradients")
            + ("auto".equals(o.get("weight-gradients")) ? " (while waiting where each worker has a core of its "
                + "own, else in backward)" : "") + "." : "") + "\n\n");
    Path probes = out.resolve("scaling-cores.csv");
    if (Files.isRegularFile(probes)) {
      sb.append(CoreProbe.summary(probes));
    }
    appendRunsTable(sb, rows);
    appendRepeatsTable(sb, rows);
    appendCeilings(sb, rows);
    Path stepRows = out.resolve("scaling-steps.csv");
    if (Files.isRegularFile(stepRows)) {
      sb.append(EfficiencyFactors.summary(stepRows));
      sb.append('\n').append(RankDrift.summary(stepRows)); // a blank line ends the table before it
    }
    Path segmentRows = out.resolve("scaling-segments.csv");
    if (Files.isRegularFile(segmentRows)) {
      sb.append(RankDrift.segmentSummary(segmentRows));
    }
    appendTargets(sb, "Targets of issue 6:", rows);
    Path repeated = out.resolve("scaling-repeats").resolve("scaling-runs.csv");
    if (Files.isRegularFile(repeated)) {
      // The targets' points measured again, several runs each (bench/scaling/scaling.sh step 4c).
      List<Map<String, Object>> again = ScalingFigures.readRows(repeated);
      appendTargets(sb, "The same targets on repeated runs (`scaling-repeats/scaling.md`: each point several "
          + "times, round-robin, the norms alternating; medians):", again);
      appendCeilings(sb, again);
    }
    Path notes = out.resolve("scaling-notes.md");
    if (Files.isRegularFile(notes)) {
      // Hand-written remarks on this particular run (what else ran, which parts were redone).
      sb.append("\n").append(Files.readString(notes));
    }
    Path spark = out.resolve("scaling-spark.md");
    if (Files.isRegularFile(spark)) {
      sb.append("\n").append(Files.readString(spark));
    }
    Path validation = out.resolve("netns-validation.csv");
    if (Files.isRegularFile(validation)) {
      sb.append("\n## Collective model vs test hosts in network namespaces\n\n").append(validationSummary(validation));
    }
    Path projection = out.resolve("scaling-projection.md");
    if (Files.isRegularFile(projection)) {
      sb.append("\n## Projection to 16–1024 nodes\n\n").append(Files.readString(projection));
    }
    return sb.toString();
  }

  /**
   * Median |relative error| of the model per setting, rank count and regime (latency-bound:
   * < 32 KB; bandwidth-bound: ≥ 32 KB), all-reduces only (the broadcast's timing is indirect).
   */
  static String validationSummary(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    Map<String, List<Double>> add = new LinkedHashMap<>();
    Map<String, List<Double>> max = new LinkedHashMap<>();
    for (String l : lines.subList(1, lines.size())) {
      String[] f = l.split(",");
      if (f.length < 11 || f[3].equals("bcast")) {
        continue;
      }
      String key = f[0] + "|" + f[4] + "|" + (Long.parseLong(f[5]) < 32768 ? "< 32 KB" : ">= 32 KB");
      add.computeIfAbsent(key, k -> new ArrayList<>()).add(Math.abs(Double.parseDouble(f[8])));
      max.computeIfAbsent(key, k -> new ArrayList<>()).add(Math.abs(Double.parseDouble(f[10])));
    }
    StringBuilder sb = new StringBuilder("Median |predicted − measured| / measured of all-reduces (recursive "
        + "doubling and ring), model fitted on the unshaped 2-rank runs (settings ending in `-relay`: delays "
        + "added by a relay in front of every rank's sockets, where the kernel has no netem; their model is "
        + "fitted on 2-rank runs through relays of delay 0); `add`: beta + 1/rate, `max`: max(beta, 1/rate). "
        + "Full table: `netns-validation.csv`.\n\n| setting | ranks | messages | samples | "
        + "add | max |\n|---|---:|---|---:|---:|---:|\n");
    for (String k : add.keySet()) {
      String[] p = k.split("\\|");
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.0f%% | %.0f%% |%n", p[0], p[1], p[2],
          add.get(k).size(), 100 * median(add.get(k)), 100 * median(max.get(k))));
    }
    return sb.toString();
  }

  private static double median(List<Double> v) {
    return ScalingFigures.median(v.stream().mapToDouble(Double::doubleValue).toArray());
  }

  static void plots(List<Map<String, Object>> rows, Path out) throws IOException {
    for (String model : rows.stream().map(r -> (String) r.get("model")).distinct().toList()) {
      for (String mode : List.of("weak", "strong")) {
        LineChart c = new LineChart(model + ", " + mode + " scaling on this 2-core machine", "workers",
            "images/s").integerX();
        BarChart bars = null;
        boolean any = false;
        for (String norm : List.of("syncbn", "bn", ScalingRun.INDEPENDENT, ScalingRun.INDEPENDENT_SYNCBN)) {
          List<Map<String, Object>> sel = rows.stream().filter(r -> r.get("model").equals(model)
              && r.get("mode").equals(mode) && r.get("norm").equals(norm)).toList();
          if (sel.isEmpty()) {
            continue;
          }
          any = true;
          double[] x = sel.stream().mapToDouble(r -> (int) r.get("workers")).toArray();
          double[] y = sel.stream().mapToDouble(r -> (double) r.get("images_per_s")).toArray();
          c.series(norm, x, y);
          if (norm.equals("syncbn")) {
            double[] ideal = Arrays.stream(x).map(w -> w * y[0]).toArray();
            c.series("ideal (linear)", x, ideal);
            List<String> cats = sel.stream().map(r -> r.get("workers") + " workers").toList();
            bars = new BarChart(model + ", " + mode + ", SyncBN: where a step's time goes", "", "ms per step", cats)
                .series("compute", sel.stream().mapToDouble(r -> (double) r.get("compute_ms")).toArray())
                .series("SyncBN comm", sel.stream().mapToDouble(r -> (double) r.get("syncbn_comm_ms")).toArray())
                .series("wait (gradients)", sel.stream().mapToDouble(r -> (double) r.get("wait_ms")).toArray());
          }
        }
        if (any) {
          c.writePng(out.resolve("scaling-" + model + "-" + mode + ".png"));
        }
        if (bars != null) {
          bars.writePng(out.resolve("scaling-" + model + "-" + mode + "-breakdown.png"));
        }
      }
    }
  }

  /**
   * Summarizes the Spark runs of {@code bench/scaling/spark-runs.sh}: every folder
   * {@code <model>-<weak|strong>-<norm>-w<W>} with a {@code metrics.csv} of 2 epochs; the second
   * epoch's per-step phase times (means over ranks) are the measurement. Writes
   * {@code scaling-spark.csv}, {@code scaling-spark.json}, {@code scaling-spark.md} and PNGs.
   */
  static void summarizeSpark(Path runsDir, Path out) throws IOException {
    if (!Files.isDirectory(runsDir)) {
      System.err.println("ScalingBench: --spark-runs " + runsDir + " is not a folder");
      System.exit(2);
    }
    List<ScalingRun.Measured> runs = new ArrayList<>();
    List<String> modes = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    List<Path> dirs;
    try (var s = Files.list(runsDir)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    }
    java.util.regex.Pattern name = java.util.regex.Pattern.compile("(.+)-(weak|strong)-([a-z]+)-w(\\d+)");
    List<Object[]> found = new ArrayList<>();
    for (Path d : dirs) {
      java.util.regex.Matcher m = name.matcher(d.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      Path metrics = d.resolve("metrics.csv");
      List<String> lines = Files.isRegularFile(metrics) ? Files.readAllLines(metrics) : List.of();
      if (lines.size() < 3) {
        failed.add(d.getFileName().toString());
        continue;
      }
      List<String> head = Arrays.asList(lines.get(0).split(","));
      String[] e1 = lines.get(1).split(",");
      String[] e2 = lines.get(lines.size() - 1).split(",");
      java.util.function.Function<String, Double> col = c -> Double.parseDouble(e2[head.indexOf(c)]);
      double steps = col.apply("steps");
      double steps1 = Double.parseDouble(e1[head.indexOf("steps")]);
      if (steps > steps1) {
        steps -= steps1; // cumulative step counter
      }
      int w = Integer.parseInt(m.group(4));
      double fwd = col.apply("forward_seconds") / steps;
      double bwd = col.apply("backward_seconds") / steps;
      double sync = col.apply("syncbn_comm_seconds") / steps;
      double grad = col.apply("gradient_comm_seconds") / steps;
      double wait = col.apply("wait_seconds") / steps;
      double opt = col.apply("optimizer_seconds") / steps;
      double step = fwd + bwd + wait + opt;
      int global = (int) Math.round(col.apply("images_per_second") * col.apply("train_seconds") / steps);
      found.add(new Object[] {m.group(1), m.group(2), m.group(3), w, global, step, sync, grad, wait});
    }
    // The global batch from images/s × seconds is rounded; take the one implied by the mode instead.
    for (Object[] f : found) {
      ScalingRun.Point p = new ScalingRun.Point((String) f[0], (String) f[2], (int) f[3],
          Math.max(2 * (int) f[3], (int) f[4]), 2, 1, "opencl (Spark executors)", 0);
      double step = (double) f[5];
      double sync = (double) f[6];
      double wait = (double) f[8];
      runs.add(new ScalingRun.Measured(p, step, step - sync - wait, step - sync - wait, sync, (double) f[7], wait,
          p.globalBatch() / step));
      modes.add((String) f[1]);
    }
    List<Map<String, Object>> rows = ScalingFigures.rows(runs, modes);
    Files.writeString(out.resolve("scaling-spark.csv"), ScalingFigures.csv(rows));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("runner", "io.batchwise.spark.job.TrainJob on a local standalone cluster (cluster/cluster.sh), "
        + "W workers x 1 core, POCL_MAX_PTHREAD_COUNT=1 in the executors; second of 2 epochs");
    json.put("runs_dir", runsDir.toString());
    json.put("runs", rows);
    json.put("failed", failed);
    json.put("targets", ScalingFigures.targets(rows));
    Files.writeString(out.resolve("scaling-spark.json"), Json.pretty(json));
    StringBuilder sb = new StringBuilder("## The Spark job on a local standalone cluster\n\n");
    sb.append("`io.batchwise.spark.job.TrainJob` submitted to `cluster/cluster.sh start --workers W --cores 1` "
        + "(executors with `POCL_MAX_PTHREAD_COUNT=1`), 2 epochs on synthetic data, the second measured; "
        + "per-step phase times are the job's own (means over ranks). Runs: `" + runsDir + "`.\n\n");
    appendRunsTable(sb, rows);
    if (!failed.isEmpty()) {
      sb.append("\nRuns without two epochs of metrics (failed; see their logs): ").append(failed).append('\n');
    }
    appendTargets(sb, "Targets on the Spark runs:", rows);
    Files.writeString(out.resolve("scaling-spark.md"), sb.toString());
    Path png = out.resolve("spark");
    Files.createDirectories(png);
    plots(rows, png);
    System.out.print(sb);
  }

  private static List<Double> toList(double[] a) {
    return Arrays.stream(a).boxed().toList();
  }
}
