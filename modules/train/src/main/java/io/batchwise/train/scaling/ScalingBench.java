package io.batchwise.train.scaling;

import io.batchwise.train.BenchOptions;
import io.batchwise.train.parallel.WeightGradientTiming;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *       see {@link ScalingFigures#oneWorkerBaseline});</li>
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
 * [--pin auto|true|false] [--shared-memory on|off] [--weight-gradients in-backward|at-next-reduction|while-waiting|auto] [--repeats 1]
 * [--core-probe on|off] [--yield-micros 2000] [--bucket-kb 1024] [--balance-shards on|off]
 * [--conv-norm-fusion on|off] [--preset targets]}: {@code --preset targets} starts from the points
 * issue 6's targets are judged on ({@link #TARGET_POINTS}; options given beside it still apply);
 * {@code --conv-norm-fusion off} runs each convolution and the
 * BatchNorm after it as separate layers instead of linked ({@code NormConversion.convNormFusion});
 * {@code --balance-shards on} splits each global batch of the SyncBN points by the workers' measured
 * speeds ({@code ShardBalancer}; per-worker BN points stay even, their result would change);
 * {@code --yield-micros} is how long a worker waiting in a shared-memory collective polls before it
 * parks (spinning, with a core per worker), {@code --bucket-kb} the gradient bucket size;
 * {@code --norms}: {@code independent} and {@code independent-syncbn} are the controls of weak
 * scaling, W unconnected 1-worker jobs at once ({@link ScalingRun#INDEPENDENT}, {@link
 * ScalingRun#INDEPENDENT_SYNCBN}; weak mode only, the first for W ≥ 2; see {@link ScalingFigures#ceilings});
 * {@code --pin} holds worker r to
 * core r mod cores with taskset (auto: when taskset is there); {@code --shared-memory off} keeps the
 * workers' collectives on TCP (as across hosts) instead of the shared-memory segment of one host;
 * {@code --weight-gradients} is when convolutions compute their weight gradients ({@link
 * WeightGradientTiming}): in their own backward, all inside the next SyncBN reduction, inside
 * SyncBN reductions only while another worker has yet to arrive, or {@code auto} (the default: while
 * waiting where each worker has a core of its own, else in backward; {@link OverlapBench}
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

  /**
   * The points the targets of issue 6 are judged on, with the controls of weak scaling: resnet20,
   * weak scaling at 1, 2 and 4 workers, SyncBN, BN and the unconnected jobs, 5 repeats round-robin
   * of 30 steps (10 untimed); about 13 minutes on the 2-core VM.
   */
  static final Map<String, String> TARGET_POINTS = Map.of("models", "resnet20", "workers", "1,2,4", "modes", "weak",
      "norms", "syncbn,bn," + ScalingRun.INDEPENDENT + "," + ScalingRun.INDEPENDENT_SYNCBN, "repeats", "5",
      "steps", "30", "warmup", "10");

  /**
   * Puts the preset named by {@code --preset} in {@code args} (if any) over the defaults in
   * {@code o}, so that the options given beside it, applied next, still win.
   *
   * @throws IllegalArgumentException naming the preset when it is not {@code targets}
   */
  static void applyPreset(Map<String, String> o, String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--preset")) {
        if (!args[i + 1].equals("targets")) {
          throw new IllegalArgumentException("--preset takes targets, got '" + args[i + 1] + "'");
        }
        o.putAll(TARGET_POINTS);
      }
    }
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
    o.put("preset", "");
    BenchOptions.orExit("ScalingBench", () -> {
      applyPreset(o, args);
      return null;
    });
    BenchOptions.applyOrExit("ScalingBench", o, args);
    int[] workers = Arrays.stream(o.get("workers").split(",")).mapToInt(Integer::parseInt).toArray();
    if (workers[0] != 1) {
      System.err.println("ScalingBench: --workers must start with 1 (efficiency is relative to 1 worker)");
      System.exit(2);
    }
    boolean pin = BenchOptions.orExit("ScalingBench", () -> ScalingRun.pinOption(o.get("pin")));
    o.put("pin", String.valueOf(pin));
    boolean sharedMemory = BenchOptions.onOffOrExit("ScalingBench", o, "shared-memory");
    boolean coreProbe = BenchOptions.onOffOrExit("ScalingBench", o, "core-probe");
    boolean balance = BenchOptions.onOffOrExit("ScalingBench", o, "balance-shards");
    boolean fusion = BenchOptions.onOffOrExit("ScalingBench", o, "conv-norm-fusion");
    if (!o.get("defer-weight-gradients").isEmpty()) {
      // The older spelling: on = at the next reduction, off = in backward.
      o.put("weight-gradients", (BenchOptions.onOffOrExit("ScalingBench", o, "defer-weight-gradients")
          ? WeightGradientTiming.AT_NEXT_REDUCTION : WeightGradientTiming.IN_BACKWARD).spelling());
    }
    WeightGradientTiming weightGradients = BenchOptions.orExit("ScalingBench",
        () -> WeightGradientTiming.parse(o.get("weight-gradients")));
    ScalingRun.Settings settings;
    try {
      settings = ScalingRun.Settings.defaults(pin).withSharedMemory(sharedMemory)
          .withWeightGradients(weightGradients).withYieldMicros(Integer.parseInt(o.get("yield-micros")))
          .withBucketBytes(Math.multiplyExact(Integer.parseInt(o.get("bucket-kb")), 1024))
          .withBalanceShards(balance).withConvNormFusion(fusion);
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
      ScalingReport.summarizeSpark(Path.of(o.get("spark-runs")), out);
      return;
    }
    if (Boolean.parseBoolean(o.get("report-only"))) {
      ScalingReport.report(out);
      return;
    }
    double[] loadBefore = loadAverage();
    long t0 = System.nanoTime();
    List<ScalingRun.Measured> runs = new ArrayList<>();
    List<String> modes = new ArrayList<>();
    Map<ScalingRun.Measured, ScalingFigures.Repeats> spread = new java.util.IdentityHashMap<>();
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
      if (coreProbe) {
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
      ScalingRun.Measured median = ScalingFigures.medianRun(list);
      runs.add(median);
      modes.add(f[1]);
      List<ScalingRun.Measured> alone = f[3].equals(ScalingRun.INDEPENDENT) ? null
          : measured.get(f[0] + "," + f[1] + "," + f[2] + "," + ScalingRun.INDEPENDENT);
      spread.put(median, ScalingFigures.Repeats.of(list, f[3].equals("syncbn") ? bnRuns : null, alone));
    });
    double[] loadAfter = loadAverage();
    double seconds = (System.nanoTime() - t0) * 1e-9;
    List<Map<String, Object>> rows = ScalingFigures.rows(runs, modes, spread);
    Files.writeString(out.resolve("scaling-runs.csv"), ScalingFigures.csv(rows));
    StringBuilder meta = new StringBuilder("key,value\n");
    meta.append("load_before,").append(loadBefore[0]).append(' ').append(loadBefore[1]).append(' ')
        .append(loadBefore[2]).append('\n');
    meta.append("load_after,").append(loadAfter[0]).append(' ').append(loadAfter[1]).append(' ')
        .append(loadAfter[2]).append('\n');
    meta.append("run_seconds,").append(seconds).append('\n');
    meta.append("command,./batchwise bench scaling ").append(String.join(" ", args).replace(',', ';')).append('\n');
    o.forEach((k, v) -> meta.append("setting.").append(k).append(',').append(v.replace(',', ';')).append('\n'));
    Files.writeString(out.resolve("scaling-runs-meta.csv"), meta.toString());
    ScalingReport.report(out);
    System.out.println("wrote " + out.resolve("scaling.json") + ", scaling.md, scaling-runs.csv, PNGs");
  }

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

  /** A point read back from scaling-points.csv: step, compute, computeMax, syncBn, gradientComm, wait. */
  private static ScalingRun.Measured fromPoint(ScalingRun.Point p, double[] v) {
    return new ScalingRun.Measured(p, v[0], v[1], v[2], v[3], v[4], v[5], p.globalBatch() / v[0]);
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
}
