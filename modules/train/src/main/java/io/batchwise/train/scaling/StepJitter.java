package io.batchwise.train.scaling;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.train.BenchOptions;
import io.batchwise.train.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How much of lock-step waiting one worker's own noise explains: measures one worker's steps alone
 * ({@link StepProfile}, held to one core like a scaling worker: a child JVM pinned with taskset,
 * PoCL capped to one thread, one JVM processor) and estimates with {@link LockStepJitter} what W
 * such workers would wait if they met at every SyncBN reduction (lock step) or once per step
 * (per-worker BN's gradient buckets), beside the stalls in the measured steps.
 *
 * <p>Usage: {@code StepJitter [--model resnet20] [--batch 16] [--steps 60] [--warmup 10]
 * [--workers 2,4,8] [--device opencl] [--pin auto|true|false] [--core 0] [--draws 4000] [--seed 1]
 * [--stall-ms 0.5] [--out bench/results]}; {@code --core} is the core the worker is pinned to (the
 * cores of a VM need not be equally fast: measure each). Writes {@code step-jitter.md},
 * {@code step-jitter.json} and the raw segment times {@code step-jitter-samples.csv} (a row per
 * measured step).
 */
public final class StepJitter {
  private StepJitter() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    Map<String, String> o = new LinkedHashMap<>();
    o.put("model", "resnet20");
    o.put("batch", "16");
    o.put("steps", "60");
    o.put("warmup", "10");
    o.put("workers", "2,4,8");
    o.put("device", "opencl");
    o.put("pin", "auto");
    o.put("core", "0");
    o.put("draws", "4000");
    o.put("seed", "1");
    o.put("stall-ms", "0.5");
    o.put("out", "bench/results");
    BenchOptions.applyOrExit("StepJitter", o, args);
    boolean pin;
    int[] workers;
    int draws;
    long seed;
    double stallSeconds;
    try {
      pin = ScalingRun.pinOption(o.get("pin"));
      o.put("pin", String.valueOf(pin));
      workers = java.util.Arrays.stream(o.get("workers").split(",")).mapToInt(Integer::parseInt).toArray();
      if (java.util.Arrays.stream(workers).anyMatch(w -> w < 1)) {
        throw new IllegalArgumentException("--workers takes counts >= 1, got " + o.get("workers"));
      }
      draws = Integer.parseInt(o.get("draws"));
      seed = Long.parseLong(o.get("seed"));
      stallSeconds = Double.parseDouble(o.get("stall-ms")) * 1e-3;
      if (draws < 1 || !(stallSeconds >= 0)) {
        throw new IllegalArgumentException("--draws takes a count >= 1 and --stall-ms a time >= 0, got "
            + o.get("draws") + " and " + o.get("stall-ms"));
      }
      for (String k : List.of("batch", "steps", "warmup")) {
        Integer.parseInt(o.get(k)); // the measuring JVM parses them too; a typo fails here, not there
      }
      int core = Integer.parseInt(o.get("core"));
      if (core < 0 || core >= Runtime.getRuntime().availableProcessors()) {
        throw new IllegalArgumentException("--core takes a core of this machine, 0 to "
            + (Runtime.getRuntime().availableProcessors() - 1) + ", got " + core);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("StepJitter: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path out = Path.of(o.get("out"));
    Files.createDirectories(out);
    Instant start = Instant.now();
    double[][][] measured = measure(o, pin);
    double[][] samples = measured[0];
    LockStepJitter.Stalls stalls = LockStepJitter.stalls(samples, measured[1], stallSeconds);
    List<LockStepJitter.Cost> costs = new ArrayList<>();
    for (int w : workers) {
      costs.add(LockStepJitter.cost(samples, w, draws, seed));
    }
    StringBuilder csv = new StringBuilder("step");
    for (int j = 0; j < samples[0].length; j++) {
      csv.append(",segment_").append(j).append("_s");
    }
    csv.append('\n');
    for (int i = 0; i < samples.length; i++) {
      csv.append(i);
      for (double v : samples[i]) {
        csv.append(',').append(String.format(Locale.ROOT, "%.7f", v));
      }
      csv.append('\n');
    }
    Files.writeString(out.resolve("step-jitter-samples.csv"), csv);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "step-jitter");
    json.put("start", start.toString());
    json.put("end", Instant.now().toString());
    json.put("command", "./batchwise bench jitter " + String.join(" ", args));
    json.put("settings", o);
    json.put("stalls", Map.of("steps", stalls.steps(), "segments", stalls.segments(), "mean_step_ms",
        stalls.meanStep() * 1e3, "sum_of_segment_medians_ms", stalls.sumOfMedians() * 1e3, "excess_per_step_ms",
        stalls.excessPerStep() * 1e3, "stall_excess_per_step_ms", stalls.stallExcessPerStep() * 1e3,
        "stalls_per_step", stalls.stallsPerStep(), "median_stall_ms", stalls.medianStall() * 1e3,
        "process_cpu_over_wall", stalls.cpuShare(), "process_cpu_over_wall_in_stalls", stalls.cpuShareInStalls()));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (LockStepJitter.Cost c : costs) {
      rows.add(Map.of("workers", c.workers(), "own_ms", c.own() * 1e3, "lock_step_ms", c.lockStep() * 1e3,
          "once_per_step_ms", c.oncePerStep() * 1e3, "lock_step_extra_ms", c.lockStepExtra() * 1e3,
          "once_per_step_extra_ms", c.oncePerStepExtra() * 1e3));
    }
    json.put("costs", rows);
    Files.writeString(out.resolve("step-jitter.json"), Json.pretty(json));
    String md = markdown(o, stalls, costs, start);
    Files.writeString(out.resolve("step-jitter.md"), md);
    System.out.print(md);
  }

  static String markdown(Map<String, String> o, LockStepJitter.Stalls s, List<LockStepJitter.Cost> costs,
      Instant start) {
    StringBuilder sb = new StringBuilder("# What one worker's noise costs workers in lock step\n\n");
    sb.append(String.format(Locale.ROOT, "%s, %s at batch %s on %s, one worker held to one core, %d steps "
        + "measured after %s (%s); %d compute segments per step (between SyncBN reductions).%n%n",
        start, o.get("model"), o.get("batch"), o.get("device"), s.steps(), o.get("warmup"),
        "true".equals(o.get("pin")) ? "pinned to core " + o.get("core") + " with taskset" : "not pinned",
        s.segments()));
    sb.append(String.format(Locale.ROOT, "Mean step %.2f ms against %.2f ms for the sum of the segments' "
        + "medians: %.2f ms of noise per step, %.2f ms of it in %.1f stalls per step (a segment more than %.1f "
        + "ms over its median; median stall %.2f ms).%n%n", s.meanStep() * 1e3, s.sumOfMedians() * 1e3,
        s.excessPerStep() * 1e3, s.stallExcessPerStep() * 1e3, s.stallsPerStep(), s.thresholdSeconds() * 1e3,
        s.medianStall() * 1e3));
    if (!Double.isNaN(s.cpuShare())) {
      sb.append(String.format(Locale.ROOT, "Process CPU time over wall time: %.3f in all segments, %.3f in the "
          + "stalls (near 1: the guest saw the worker running through them).%n%n", s.cpuShare(),
          s.cpuShareInStalls()));
    }
    sb.append("W workers whose steps are drawn from these (" + o.get("draws") + " draws, seed " + o.get("seed")
        + "): `own` is a worker's own compute, `lock step` the step if they wait for each other at every "
        + "segment's end (SyncBN), `once per step` if only at the end (per-worker BN's gradient buckets); the "
        + "collective's own time is not included.\n\n");
    sb.append("| W | own ms | lock step ms | + waiting | once per step ms | + waiting |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|\n");
    for (LockStepJitter.Cost c : costs) {
      sb.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f (%.1f%%) | %.2f | %.2f (%.1f%%) |%n",
          c.workers(), c.own() * 1e3, c.lockStep() * 1e3, c.lockStepExtra() * 1e3,
          100 * c.lockStepExtra() / c.own(), c.oncePerStep() * 1e3, c.oncePerStepExtra() * 1e3,
          100 * c.oncePerStepExtra() / c.own()));
    }
    return sb.toString();
  }

  /**
   * Runs the measurement in a child JVM held to one core and reads back its segment times and their
   * process CPU times ({@code [0]} and {@code [1]}; the second empty without CPU times).
   */
  private static double[][][] measure(Map<String, String> o, boolean pin) throws Exception {
    Process p = ScalingRun.oneCoreWorker(Integer.parseInt(o.get("core")), pin, StepJitter.class, List.of("--child",
        o.get("model"), o.get("batch"), o.get("steps"), o.get("warmup"), o.get("device"))).start();
    List<double[]> steps = new ArrayList<>();
    List<double[]> cpu = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String l;
      while ((l = r.readLine()) != null) {
        if (l.startsWith("STEP ") || l.startsWith("CPU ")) {
          (l.startsWith("STEP ") ? steps : cpu).add(java.util.Arrays.stream(l.substring(l.indexOf(' ') + 1).trim()
              .split(" ")).mapToDouble(Double::parseDouble).toArray());
        }
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || steps.isEmpty()) {
      throw new IllegalStateException("the measuring JVM failed (exit " + (p.isAlive() ? "none" : p.exitValue())
          + ", " + steps.size() + " steps read); see its error output above");
    }
    return new double[][][] {steps.toArray(new double[0][]), cpu.toArray(new double[0][])};
  }

  private static void child(String[] a) {
    String model = a[1];
    int batch = Integer.parseInt(a[2]);
    int steps = Integer.parseInt(a[3]);
    int warmup = Integer.parseInt(a[4]);
    StepProfile p = StepProfile.measure(model, batch, a[5], io.batchwise.train.parallel.GradientBuckets
        .DEFAULT_BUCKET_BYTES, warmup, steps, SyntheticDataset.mnistLike(Math.max(256, batch * 4), 1));
    print("STEP", p.segmentsBetweenReductions());
    print("CPU", p.cpuBetweenReductions());
    System.out.flush();
  }

  private static void print(String tag, double[][] rows) {
    StringBuilder sb = new StringBuilder();
    for (double[] s : rows) {
      sb.setLength(0);
      sb.append(tag);
      for (double v : s) {
        sb.append(' ').append(String.format(Locale.ROOT, "%.9f", v));
      }
      System.out.println(sb);
    }
  }
}
