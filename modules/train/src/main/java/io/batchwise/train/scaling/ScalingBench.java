package io.batchwise.train.scaling;

import io.batchwise.train.BenchOptions;
import io.batchwise.train.Json;
import io.batchwise.train.parallel.WeightGradientTiming;
import io.batchwise.train.report.BarChart;
import io.batchwise.train.report.LineChart;
import java.io.IOException;
import java.lang.management.ManagementFactory;
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
 * The scaling benchmark on this machine: weak scaling (fixed per-worker batch) and strong scaling
 * (fixed global batch) at 1, 2, 4 and 8 workers, SyncBN and per-worker BN, each point a group of
 * {@link ScalingRun} worker processes. Reports images/s, the step-time breakdown (compute, SyncBN
 * communication, gradient communication, waiting), efficiency, SyncBN overhead versus per-worker BN,
 * and separates the cost of sharing this machine's cores from the cost of communication:
 *
 * <ul>
 *   <li>efficiency = images/s at W / (W × images/s at 1 worker), for both modes (for SyncBN the
 *       faster of the SyncBN and BN 1-worker runs: over one worker they are the same computation,
 *       see {@link #oneWorkerBaseline});</li>
 *   <li>core sharing = compute at 1 worker / compute at W (weak; strong: / (W × compute at W)): how
 *       much slower the same per-worker work ran because the workers shared cores (≤ 2/W is forced
 *       when W workers share 2 cores);</li>
 *   <li>communication = compute at W / step at W: the share of the step not spent in SyncBN
 *       reductions or waiting for gradient buckets;</li>
 *   <li>efficiency = core sharing × communication (up to the upload and the 1-worker step's own
 *       bookkeeping).</li>
 * </ul>
 *
 * <p>Usage: {@code ScalingBench [--models resnet20,lenet-bn] [--workers 1,2,4,8]
 * [--modes weak,strong] [--norms syncbn,bn,independent,independent-syncbn] [--batch-per-worker 16] [--global-batch 32]
 * [--steps 12] [--warmup 3] [--device opencl] [--memory-mb 256] [--out bench/results]
 * [--pin auto|true|false] [--shared-memory on|off] [--weight-gradients in-backward|at-next-reduction|while-waiting] [--repeats 1]
 * [--core-probe on|off] [--yield-micros 2000] [--bucket-kb 1024] [--balance-shards on|off]
 * [--conv-norm-fusion on|off]}: {@code --conv-norm-fusion off} runs each convolution and the
 * BatchNorm after it as separate layers instead of linked ({@code NormConversion.convNormFusion});
 * {@code --balance-shards on} splits each global batch of the SyncBN points by the workers' measured
 * speeds ({@code ShardBalancer}; per-worker BN points stay even, their result would change);
 * {@code --yield-micros} is how long a worker waiting in a shared-memory collective polls before it
 * parks (spinning, with a core per worker), {@code --bucket-kb} the gradient bucket size;
 * {@code --norms}: {@code independent} and {@code independent-syncbn} are the controls of weak
 * scaling, W unconnected 1-worker jobs at once ({@link ScalingRun#INDEPENDENT}, {@link
 * ScalingRun#INDEPENDENT_SYNCBN}; weak mode only, the first for W ≥ 2; see {@link #ceilings});
 * {@code --pin} holds worker r to
 * core r mod cores with taskset (auto: when taskset is there); {@code --shared-memory off} keeps the
 * workers' collectives on TCP (as across hosts) instead of the shared-memory segment of one host;
 * {@code --weight-gradients} is when convolutions compute their weight gradients ({@link
 * WeightGradientTiming}): in their own backward, all inside the next SyncBN reduction, or inside
 * SyncBN reductions only while another worker has yet to arrive (the default; {@link OverlapBench}
 * compares a deferring timing with in-backward; the older spelling {@code --defer-weight-gradients
 * on|off} means at-next-reduction|in-backward);
 * {@code --core-probe off} skips the {@link CoreProbe} run before every repeat (on by default:
 * scaling-cores.csv, summarized in the markdown);
 * {@code --repeats R} measures every point R times, the norms alternating, and reports the run of
 * median step time with the spread and the median SyncBN/BN ratio of runs made next to each other
 * (one run decides little on a VM whose speed drifts; repeat r measures every point before
 * repeat r + 1). Writes {@code scaling-runs.csv}, {@code scaling-steps.csv} (every measured step
 * of every rank of every run: samples, step, compute, SyncBN and wait times), {@code
 * scaling-segments.csv} (the same steps' compute between SyncBN reductions), {@code scaling.json},
 * {@code scaling.md} and
 * {@code scaling-<model>-<mode>.png}; the markdown also takes in the projection
 * ({@code scaling-projection.md}), the namespace validation ({@code netns-validation.csv}) and the
 * targets of repeated runs ({@code scaling-repeats/scaling-runs.csv}) when they are in the output
 * folder.
 */
public final class ScalingBench {
  private ScalingBench() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("models", "resnet20,lenet-bn");
    o.put("workers", "1,2,4,8");
    o.put("modes", "weak,strong");
    o.put("norms", "syncbn,bn," + ScalingRun.INDEPENDENT + "," + ScalingRun.INDEPENDENT_SYNCBN);
    o.put("batch-per-worker", "16");
    o.put("global-batch", "32");
    o.put("steps", "12");
    o.put("warmup", "3");
    o.put("device", "opencl");
    o.put("memory-mb", "256");
    o.put("out", "bench/results");
    o.put("spark-runs", "");
    o.put("report-only", "false");
    o.put("pin", "auto");
    o.put("shared-memory", "on");
    o.put("weight-gradients", WeightGradientTiming.DEFAULT.spelling());
    o.put("defer-weight-gradients", "");
    o.put("repeats", "1");
    o.put("core-probe", "on");
    o.put("yield-micros", String.valueOf(io.batchwise.collective.CollectiveConfig.DEFAULT_YIELD_MICROS));
    o.put("bucket-kb", String.valueOf(io.batchwise.train.parallel.GradientBuckets.DEFAULT_BUCKET_BYTES >> 10));
    o.put("balance-shards", "off");
    o.put("conv-norm-fusion", "on");
    BenchOptions.applyOrExit("ScalingBench", o, args);
    int[] workers = Arrays.stream(o.get("workers").split(",")).mapToInt(Integer::parseInt).toArray();
    if (workers[0] != 1) {
      System.err.println("ScalingBench: --workers must start with 1 (efficiency is relative to 1 worker)");
      System.exit(2);
    }
    boolean pin = false;
    try {
      pin = ScalingRun.pinOption(o.get("pin"));
    } catch (IllegalArgumentException e) {
      System.err.println("ScalingBench: " + e.getMessage());
      System.exit(2);
    }
    o.put("pin", String.valueOf(pin));
    if (!o.get("shared-memory").equals("on") && !o.get("shared-memory").equals("off")) {
      System.err.println("ScalingBench: --shared-memory takes on or off, got '"
          + o.get("shared-memory") + "'");
      System.exit(2);
    }
    boolean sharedMemory = o.get("shared-memory").equals("on");
    if (!o.get("core-probe").equals("on") && !o.get("core-probe").equals("off")) {
      System.err.println("ScalingBench: --core-probe takes on or off, got '" + o.get("core-probe") + "'");
      System.exit(2);
    }
    WeightGradientTiming weightGradients = null;
    String defer = o.get("defer-weight-gradients");
    if (defer.equals("on") || defer.equals("off")) {
      o.put("weight-gradients", (defer.equals("on") ? WeightGradientTiming.AT_NEXT_REDUCTION
          : WeightGradientTiming.IN_BACKWARD).spelling());
    } else if (!defer.isEmpty()) {
      System.err.println("ScalingBench: --defer-weight-gradients takes on or off, got '" + defer + "'");
      System.exit(2);
    }
    try {
      weightGradients = WeightGradientTiming.parse(o.get("weight-gradients"));
    } catch (IllegalArgumentException e) {
      System.err.println("ScalingBench: --" + e.getMessage());
      System.exit(2);
    }
    String balance = o.get("balance-shards");
    if (!balance.equals("on") && !balance.equals("off")) {
      System.err.println("ScalingBench: --balance-shards takes on or off, got '" + balance + "'");
      System.exit(2);
    }
    String fusion = o.get("conv-norm-fusion");
    if (!fusion.equals("on") && !fusion.equals("off")) {
      System.err.println("ScalingBench: --conv-norm-fusion takes on or off, got '" + fusion + "'");
      System.exit(2);
    }
    ScalingRun.Settings settings;
    try {
      settings = ScalingRun.Settings.defaults(pin).withSharedMemory(sharedMemory)
          .withWeightGradients(weightGradients).withYieldMicros(Integer.parseInt(o.get("yield-micros")))
          .withBucketBytes(Math.multiplyExact(Integer.parseInt(o.get("bucket-kb")), 1024))
          .withBalanceShards(balance.equals("on")).withConvNormFusion(fusion.equals("on"));
    } catch (IllegalArgumentException | ArithmeticException e) {
      System.err.println("ScalingBench: --yield-micros takes a whole number >= 0 and --bucket-kb one >= 1 (got '"
          + o.get("yield-micros") + "' and '" + o.get("bucket-kb") + "')");
      System.exit(2);
      return;
    }
    int repeats;
    try {
      repeats = Integer.parseInt(o.get("repeats"));
    } catch (NumberFormatException e) {
      repeats = 0;
    }
    if (repeats < 1) {
      System.err.println("ScalingBench: --repeats takes a positive whole number, got '" + o.get("repeats") + "'");
      System.exit(2);
    }
    Path out = Path.of(o.get("out"));
    Files.createDirectories(out);
    if (!o.get("spark-runs").isEmpty()) {
      summarizeSpark(Path.of(o.get("spark-runs")), out);
      return;
    }
    if (Boolean.parseBoolean(o.get("report-only"))) {
      report(out);
      return;
    }
    double[] loadBefore = loadAverage();
    long t0 = System.nanoTime();
    List<ScalingRun.Measured> runs = new ArrayList<>();
    List<String> modes = new ArrayList<>();
    Map<ScalingRun.Measured, Repeats> spread = new java.util.IdentityHashMap<>();
    // Every measured run is appended to scaling-points.csv at once; a rerun keeps the runs already
    // there (delete the file to measure everything again). Fields: model, mode, norm, workers,
    // global batch, repeat (absent in files written before repeats: repeat 1), then the figures.
    Path points = out.resolve("scaling-points.csv");
    Map<String, double[]> done = new LinkedHashMap<>();
    if (Files.isRegularFile(points)) {
      for (String l : Files.readAllLines(points)) {
        String[] f = l.split(",");
        int keyFields = f.length == 12 ? 6 : f.length == 11 ? 5 : -1;
        if (keyFields > 0) {
          done.put(String.join(",", Arrays.copyOf(f, 5)) + "," + (keyFields == 6 ? f[5] : "1"),
              Arrays.stream(Arrays.copyOfRange(f, keyFields, f.length))
                  .mapToDouble(x -> x.isEmpty() ? Double.NaN : Double.parseDouble(x)).toArray());
        }
      }
    }
    for (String mode : o.get("modes").split(",")) {
      if (!mode.equals("weak") && !mode.equals("strong")) {
        System.err.println("ScalingBench: --modes takes weak and/or strong, got '" + mode + "'");
        System.exit(2);
      }
    }
    // With repeats, repeat r measures every point once before repeat r + 1 starts, and the norms
    // alternate within a point (SyncBN, BN): a slow stretch of this machine, which lasts minutes,
    // then falls on every point's repeats alike, and each repeat's SyncBN/BN ratio compares
    // neighbours. (Repeats of one point back to back put a whole point in a slow stretch: resnet20
    // at 2 workers, 16 images each, took 211.5 ms per step in the weak-scaling block and 134.1 ms
    // in the strong-scaling block ten minutes later, the same computation, 2026-12-01 11:41-12:03.)
    Map<String, List<ScalingRun.Measured>> measured = new LinkedHashMap<>(); // model,mode,w,norm
    Path cores = out.resolve("scaling-cores.csv");
    for (int rep = 1; rep <= repeats; rep++) {
      if (o.get("core-probe").equals("on")) {
        // What the cores can do right now (CoreProbe): the context of this repeat's runs.
        CoreProbe.Speeds speeds = CoreProbe.measure(pin);
        System.err.println("[scaling] core probe: " + speeds.describe());
        CoreProbe.append(cores, rep, speeds);
      }
      for (String model : o.get("models").split(",")) {
        for (String mode : o.get("modes").split(",")) {
          for (int w : workers) {
            for (String norm : o.get("norms").split(",")) {
              if (norm.equals(ScalingRun.INDEPENDENT) && (w == 1 || !mode.equals("weak"))) {
                continue; // the control is weak scaling's; at 1 worker it is the BN run
              }
              if (norm.equals(ScalingRun.INDEPENDENT_SYNCBN) && !mode.equals("weak")) {
                continue; // at 1 worker it is the baseline of the SyncBN path's cost
              }
              int global = mode.equals("weak") ? w * Integer.parseInt(o.get("batch-per-worker"))
                  : Integer.parseInt(o.get("global-batch"));
              ScalingRun.Point p = new ScalingRun.Point(model, norm, w, global, Integer.parseInt(o.get("steps")),
                  Integer.parseInt(o.get("warmup")), o.get("device"), Integer.parseInt(o.get("memory-mb")));
              System.err.printf(Locale.ROOT, "[scaling] %s %s %s: %d workers, global batch %d%s ...%n", model,
                  mode, norm, w, global, repeats > 1 ? " (repeat " + rep + " of " + repeats + ")" : "");
              String key = model + "," + mode + "," + norm + "," + w + "," + global + "," + rep;
              List<ScalingRun.Measured> list = measured.computeIfAbsent(model + "," + mode + "," + w + "," + norm,
                  k -> new ArrayList<>());
              ScalingRun.Measured m = done.get(key) == null ? null : fromPoint(p, done.get(key));
              if (m != null) {
                System.err.println("[scaling]   already measured (" + points + "), kept");
                list.add(m);
                continue;
              }
              List<String> stepRows = new ArrayList<>();
              List<String> segmentRows = new ArrayList<>();
              m = ScalingRun.runWithRetries(p, settings, "[scaling]", stepRows, segmentRows);
              appendRows(out.resolve("scaling-steps.csv"), ScalingRun.STEP_COLUMNS, key, stepRows);
              appendRows(out.resolve("scaling-segments.csv"), ScalingRun.SEGMENT_COLUMNS, key, segmentRows);
              Files.writeString(points, String.format(Locale.ROOT, "%s,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f%n", key,
                  m.step(), m.compute(), m.computeMax(), m.syncBn(), m.gradientComm(), m.exposedWait()),
                  java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
              System.err.printf(Locale.ROOT, "[scaling]   step %.1f ms (compute %.1f, syncbn %.1f, wait %.1f), %.1f images/s%n",
                  m.step() * 1e3, m.compute() * 1e3, m.syncBn() * 1e3, m.exposedWait() * 1e3, m.imagesPerSecond());
              list.add(m);
            }
          }
        }
      }
    }
    measured.forEach((k, list) -> {
      String[] f = k.split(",");
      List<ScalingRun.Measured> bnRuns = measured.get(f[0] + "," + f[1] + "," + f[2] + ",bn");
      ScalingRun.Measured median = medianRun(list);
      runs.add(median);
      modes.add(f[1]);
      List<ScalingRun.Measured> alone = f[3].equals(ScalingRun.INDEPENDENT) ? null
          : measured.get(f[0] + "," + f[1] + "," + f[2] + "," + ScalingRun.INDEPENDENT);
      spread.put(median, Repeats.of(list, f[3].equals("syncbn") ? bnRuns : null, alone));
    });
    double[] loadAfter = loadAverage();
    double seconds = (System.nanoTime() - t0) * 1e-9;
    List<Map<String, Object>> rows = rows(runs, modes, spread);
    Files.writeString(out.resolve("scaling-runs.csv"), csv(rows));
    StringBuilder meta = new StringBuilder("key,value\n");
    meta.append("load_before,").append(loadBefore[0]).append(' ').append(loadBefore[1]).append(' ')
        .append(loadBefore[2]).append('\n');
    meta.append("load_after,").append(loadAfter[0]).append(' ').append(loadAfter[1]).append(' ')
        .append(loadAfter[2]).append('\n');
    meta.append("run_seconds,").append(seconds).append('\n');
    meta.append("command,./batchwise bench scaling ").append(String.join(" ", args).replace(',', ';')).append('\n');
    o.forEach((k, v) -> meta.append("setting.").append(k).append(',').append(v.replace(',', ';')).append('\n'));
    Files.writeString(out.resolve("scaling-runs-meta.csv"), meta.toString());
    report(out);
    System.out.println("wrote " + out.resolve("scaling.json") + ", scaling.md, scaling-runs.csv, PNGs");
  }

  /** One row per run; {@code modes.get(i)} is the mode (weak, strong) run i was measured for. */
  /** Appends {@code rows} to {@code csv} after the point's key, writing the header first when the file is new. */
  private static void appendRows(Path csv, String columns, String key, List<String> rows) throws IOException {
    StringBuilder sb = new StringBuilder(Files.exists(csv) ? ""
        : "model,mode,norm,workers,global_batch,repeat," + columns + "\n");
    for (String row : rows) {
      sb.append(key).append(',').append(row).append('\n');
    }
    Files.writeString(csv, sb.toString(), java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
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
    List<Map<String, Object>> rows = readRows(runsCsv);
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
    json.put("targets", targets(rows));
    json.put("ceilings", ceilings(rows));
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

  /** The ceilings (see {@link #ceilings}) as a table; nothing when no independent runs were made. */
  private static void appendCeilings(StringBuilder sb, List<Map<String, Object>> rows) {
    List<Map<String, Object>> cs = ceilings(rows);
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
    for (Map<String, Object> t : targets(rows)) {
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
      sb.append(RankDrift.summary(stepRows));
    }
    Path segmentRows = out.resolve("scaling-segments.csv");
    if (Files.isRegularFile(segmentRows)) {
      sb.append(RankDrift.segmentSummary(segmentRows));
    }
    appendTargets(sb, "Targets of issue 6:", rows);
    Path repeated = out.resolve("scaling-repeats").resolve("scaling-runs.csv");
    if (Files.isRegularFile(repeated)) {
      // The targets' points measured again, several runs each (bench/scaling/scaling.sh step 4c).
      List<Map<String, Object>> again = readRows(repeated);
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
    return median(v.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** Median of {@code v} (the mean of the middle two of an even count); {@code v} is not changed. */
  private static double median(double[] v) {
    double[] a = v.clone();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : 0.5 * (a[a.length / 2 - 1] + a[a.length / 2]);
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

  /** A point read back from scaling-points.csv: step, compute, computeMax, syncBn, gradientComm, wait. */
  private static ScalingRun.Measured fromPoint(ScalingRun.Point p, double[] v) {
    return new ScalingRun.Measured(p, v[0], v[1], v[2], v[3], v[4], v[5], p.globalBatch() / v[0]);
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
    List<Map<String, Object>> rows = rows(runs, modes);
    Files.writeString(out.resolve("scaling-spark.csv"), csv(rows));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("runner", "io.batchwise.spark.job.TrainJob on a local standalone cluster (cluster/cluster.sh), "
        + "W workers x 1 core, POCL_MAX_PTHREAD_COUNT=1 in the executors; second of 2 epochs");
    json.put("runs_dir", runsDir.toString());
    json.put("runs", rows);
    json.put("failed", failed);
    json.put("targets", targets(rows));
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

  private static double[] loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
    } catch (IOException | RuntimeException e) {
      double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return new double[] {l, l, l};
    }
  }

  private static List<Double> toList(double[] a) {
    return Arrays.stream(a).boxed().toList();
  }
}
