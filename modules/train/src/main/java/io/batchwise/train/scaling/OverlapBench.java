package io.batchwise.train.scaling;

import io.batchwise.train.BenchOptions;
import io.batchwise.train.parallel.WeightGradientTiming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Side-by-side measurement of what deferring the convolutions' weight gradients to the SyncBN
 * reductions does ({@code DataParallelStep}, {@link WeightGradientTiming}): every point runs with
 * deferral on ({@code --timing}, while-waiting by default) and off (in backward), back to
 * back, {@code --repeats} times round-robin (repeat r of every point before repeat r + 1; the
 * order of on and off alternates between repeats), so a slow stretch of the machine falls on both
 * variants alike. (The trainer's default is {@code auto}: see {@link WeightGradientTiming#AUTO}.) Reports per point the median step time and SyncBN communication of each variant
 * and the median of the paired ratios on / off.
 *
 * <p>Usage: {@code OverlapBench [--model resnet20] [--points weak:2,weak:4,strong:4]
 * [--batch-per-worker 16] [--global-batch 32] [--steps 30] [--warmup 10] [--repeats 5]
 * [--device opencl] [--memory-mb 256] [--pin auto|true|false] [--timing while-waiting|at-next-reduction]
 * [--out bench/results]}. Writes
 * {@code overlap.csv} (every run), {@code overlap-cores.csv} (a {@link CoreProbe} before every
 * repeat), {@code overlap.md} and {@code overlap.json}.
 */
public final class OverlapBench {
  private OverlapBench() {
  }

  /** One run of one point with one variant. */
  record Run(String mode, int workers, int repeat, boolean deferred, double step, double syncBn,
      double computeMax) {}

  /** A point's summary: medians per variant and the median of the paired ratios on / off. */
  record Row(String mode, int workers, int runs, double stepOn, double stepOff, double syncBnOn,
      double syncBnOff, double ratio, double ratioLow, double ratioHigh) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("model", "resnet20");
    o.put("points", "weak:2,weak:4,strong:4");
    o.put("batch-per-worker", "16");
    o.put("global-batch", "32");
    o.put("steps", "30");
    o.put("warmup", "10");
    o.put("repeats", "5");
    o.put("device", "opencl");
    o.put("memory-mb", "256");
    o.put("pin", "auto");
    o.put("out", "bench/results");
    o.put("timing", WeightGradientTiming.WHILE_WAITING.spelling());
    BenchOptions.applyOrExit("OverlapBench", o, args);
    WeightGradientTiming timing = BenchOptions.orExit("OverlapBench", () -> WeightGradientTiming.parse(o.get("timing")));
    if (timing == WeightGradientTiming.AUTO || !timing.defers()) {
      System.err.println("OverlapBench: --timing must be a deferring timing (compared with in-backward), got '"
          + o.get("timing") + "'");
      System.exit(2);
    }
    List<String[]> points = new ArrayList<>();
    for (String p : o.get("points").split(",")) {
      String[] f = p.split(":");
      if (f.length != 2 || !(f[0].equals("weak") || f[0].equals("strong")) || !f[1].matches("[1-9][0-9]*")
          || Integer.parseInt(f[1]) < 2) {
        System.err.println("OverlapBench: --points takes mode:workers pairs (weak or strong, 2 or more"
            + " workers), got '" + p + "'");
        System.exit(2);
      }
      points.add(f);
    }
    int repeats = positive(o, "repeats");
    boolean pin = BenchOptions.orExit("OverlapBench", () -> ScalingRun.pinOption(o.get("pin")));
    Path out = Path.of(o.get("out"));
    Files.createDirectories(out);
    List<Run> runs = new ArrayList<>();
    Instant start = Instant.now();
    Path cores = out.resolve("overlap-cores.csv");
    Files.deleteIfExists(cores);
    for (int rep = 1; rep <= repeats; rep++) {
      CoreProbe.Speeds speeds = CoreProbe.measure(pin);
      System.err.println("[overlap] core probe: " + speeds.describe());
      CoreProbe.append(cores, rep, speeds);
      for (String[] pt : points) {
        int w = Integer.parseInt(pt[1]);
        int global = pt[0].equals("weak") ? w * positive(o, "batch-per-worker") : positive(o, "global-batch");
        ScalingRun.Point p = new ScalingRun.Point(o.get("model"), "syncbn", w, global, positive(o, "steps"),
            Integer.parseInt(o.get("warmup")), o.get("device"), positive(o, "memory-mb"));
        boolean[] order = rep % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true};
        for (boolean deferred : order) {
          ScalingRun.Measured m = ScalingRun.runWithRetries(p,
              ScalingRun.Settings.defaults(pin).withWeightGradients(deferred ? timing
                  : WeightGradientTiming.IN_BACKWARD), "[overlap]");
          Run r = new Run(pt[0], w, rep, deferred, m.step(), m.syncBn(), m.computeMax());
          runs.add(r);
          System.err.printf(Locale.ROOT, "[overlap] repeat %d/%d %s %d workers, deferral %s: step %.1f ms, "
              + "SyncBN comm %.1f ms%n", rep, repeats, pt[0], w, deferred ? "on" : "off", r.step() * 1e3,
              r.syncBn() * 1e3);
        }
      }
    }
    List<Row> rows = summarize(runs);
    writeCsv(out.resolve("overlap.csv"), runs);
    String md = markdown(o, rows, start, Instant.now()) + "\n" + CoreProbe.summary(cores);
    Files.writeString(out.resolve("overlap.md"), md);
    Files.writeString(out.resolve("overlap.json"), json(o, rows, start));
    System.out.print(md);
  }

  private static int positive(Map<String, String> o, String key) {
    try {
      int v = Integer.parseInt(o.get(key));
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.err.println("OverlapBench: --" + key + " takes a positive whole number, got '" + o.get(key) + "'");
    System.exit(2);
    return 0;
  }

  /** Medians per point and variant; ratios pair the on and off runs of the same repeat. */
  static List<Row> summarize(List<Run> runs) {
    Map<String, List<Run>> byPoint = new LinkedHashMap<>();
    for (Run r : runs) {
      byPoint.computeIfAbsent(r.mode() + ":" + r.workers(), k -> new ArrayList<>()).add(r);
    }
    List<Row> rows = new ArrayList<>();
    for (List<Run> list : byPoint.values()) {
      Map<Integer, double[]> pairs = new LinkedHashMap<>(); // repeat -> {on, off}
      for (Run r : list) {
        pairs.computeIfAbsent(r.repeat(), k -> new double[] {Double.NaN, Double.NaN})[r.deferred() ? 0 : 1] =
            r.step();
      }
      double[] ratios = pairs.values().stream().filter(v -> !Double.isNaN(v[0]) && !Double.isNaN(v[1]))
          .mapToDouble(v -> v[0] / v[1]).sorted().toArray();
      Run first = list.get(0);
      rows.add(new Row(first.mode(), first.workers(), ratios.length,
          median(list, true, Run::step), median(list, false, Run::step),
          median(list, true, Run::syncBn), median(list, false, Run::syncBn),
          median(ratios), ratios.length == 0 ? Double.NaN : ratios[0],
          ratios.length == 0 ? Double.NaN : ratios[ratios.length - 1]));
    }
    return rows;
  }

  private static double median(List<Run> list, boolean deferred, java.util.function.ToDoubleFunction<Run> f) {
    return median(list.stream().filter(r -> r.deferred() == deferred).mapToDouble(f).sorted().toArray());
  }

  /** The median of sorted values (the mean of the middle two for an even count); NaN if none. */
  static double median(double[] sorted) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void writeCsv(Path file, List<Run> runs) throws IOException {
    StringBuilder sb = new StringBuilder("mode,workers,repeat,deferral,step_s,syncbn_comm_s,compute_max_s\n");
    for (Run r : runs) {
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%s,%.9f,%.9f,%.9f%n", r.mode(), r.workers(), r.repeat(),
          r.deferred() ? "on" : "off", r.step(), r.syncBn(), r.computeMax()));
    }
    Files.writeString(file, sb.toString());
  }

  static String markdown(Map<String, String> o, List<Row> rows, Instant start, Instant end) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Deferred weight gradients: on (").append(o.get("timing"))
        .append(") against off (").append(o.get("model")).append(", SyncBN)\n\n");
    sb.append(String.format(Locale.ROOT, "%s to %s; worker processes pinned to cores as in `bench scaling`; "
        + "%s steps per run of which %s untimed; every point %s times with deferral on and off back to back "
        + "(the order alternating), medians over the repeats, and the median (range) of the on / off ratio of "
        + "the runs made next to each other.%n%n", start, end, o.get("steps"), o.get("warmup"), o.get("repeats")));
    sb.append("| mode | workers | step ms, on | step ms, off | SyncBN comm ms, on | SyncBN comm ms, off "
        + "| step on / off, paired median (range) |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.3f (%.3f–%.3f) |%n",
          r.mode(), r.workers(), r.stepOn() * 1e3, r.stepOff() * 1e3, r.syncBnOn() * 1e3, r.syncBnOff() * 1e3,
          r.ratio(), r.ratioLow(), r.ratioHigh()));
    }
    return sb.toString();
  }

  private static String json(Map<String, String> o, List<Row> rows, Instant start) {
    StringBuilder sb = new StringBuilder("{\n  \"benchmark\": \"overlap\",\n");
    sb.append("  \"date\": \"").append(start).append("\",\n  \"settings\": {");
    int i = 0;
    for (Map.Entry<String, String> e : o.entrySet()) {
      sb.append(i++ > 0 ? ", " : "").append('"').append(e.getKey()).append("\": \"")
          .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    sb.append("},\n  \"points\": [\n");
    for (int k = 0; k < rows.size(); k++) {
      Row r = rows.get(k);
      sb.append(String.format(Locale.ROOT, "    {\"mode\": \"%s\", \"workers\": %d, \"runs\": %d, "
          + "\"step_ms_on\": %.3f, \"step_ms_off\": %.3f, \"syncbn_comm_ms_on\": %.3f, \"syncbn_comm_ms_off\": %.3f, "
          + "\"step_ratio_on_off\": %s, \"ratio_low\": %s, \"ratio_high\": %s}%s%n", r.mode(), r.workers(), r.runs(),
          r.stepOn() * 1e3, r.stepOff() * 1e3, r.syncBnOn() * 1e3, r.syncBnOff() * 1e3, num(r.ratio()),
          num(r.ratioLow()), num(r.ratioHigh()), k + 1 < rows.size() ? "," : ""));
    }
    return sb.append("  ]\n}\n").toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
  }
}
