package io.batchwise.spark.bench;

import io.batchwise.collective.bench.CollectiveBench;
import io.batchwise.collective.bench.NettyRoundTrip;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One run of {@code ./batchwise bench collective}: everything issue 4 asks for, side by side on
 * the same machine, then a table with the targets and bench/results/collective.json.
 * <ol>
 *   <li>Batchwise's all-reduce, one JVM per rank on 127.0.0.1 ({@link CollectiveBench#runGroup}):
 *       latency p50/p99 of 2C+1 doubles (C = 16, 64, 256) at 2, 4 and 8 ranks (fewer calls at 8),
 *       and bus bandwidth for 1, 4 and 16 MB at 2 and 4 ranks, each through shared memory (the
 *       default for ranks on one host) and over TCP (what ranks on different hosts use:
 *       recursive doubling on the event loop, the ring for bandwidth), interleaved.</li>
 *   <li>The references ({@link NettyRoundTrip}): one Netty round trip of 1032 bytes (the C = 64
 *       message) between two processes on two cores, and one Netty stream's bandwidth of 4 MB
 *       messages.</li>
 *   <li>Spark alone ({@link SparkCollectiveBaseline}, in a child JVM with Spark's Java 17
 *       openings): allGather of the C = 64 message and treeAggregate of 1M floats at 2 and 4
 *       workers.</li>
 * </ol>
 * Targets (4 ranks): C = 64 all-reduce p50 within 3x the round trip's p50; 4 MB all-reduce at
 * least 30x faster than the faster of the two treeAggregate variants; 4 MB bus bandwidth at least
 * half the single stream's. They are judged on the default path (shared memory: the 4 ranks are on
 * one host) and reported for TCP beside it.
 *
 * <p>Usage: {@code CollectiveBenchRun [--json FILE] [--iters 2000] [--iters8 300] [--no-spark]}.
 * The class path must hold this module, the collective module and Spark (spark-core and its
 * dependencies); this JVM needs no special options, the Spark child gets them. Default JSON file:
 * {@code <batchwise.root or .>/bench/results/collective.json}.
 */
public final class CollectiveBenchRun {
  private static final int[] RANKS = {2, 4, 8};
  private static final int[] BANDWIDTH_RANKS = {2, 4};
  private static final int[] SPARK_WORKERS = {2, 4};
  private static final int RTT_BYTES = (2 * 64 + 1) * 8;
  /** Spark's openings on Java 17 (the list of spark.java.opens in modules/spark/pom.xml). */
  private static final String SPARK_OPENS = "-XX:+IgnoreUnrecognizedVMOptions "
      + "--add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED "
      + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED "
      + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
      + "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED "
      + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
      + "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
      + "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED "
      + "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED "
      + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED "
      + "--add-opens=java.base/sun.security.action=ALL-UNNAMED "
      + "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED "
      + "-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true";

  private CollectiveBenchRun() {
  }

  /** One target of the issue and whether this run met it. */
  record Target(String name, String goal, String measured, boolean met) {
  }

  public static void main(String[] args) throws Exception {
    Path json = Path.of(System.getProperty("batchwise.root", "."), "bench", "results",
        "collective.json");
    int iters = 2000;
    int iters8 = 300;
    boolean spark = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = Path.of(value(args, i++));
        case "--iters" -> iters = Integer.parseInt(value(args, i++));
        case "--iters8" -> iters8 = Integer.parseInt(value(args, i++));
        case "--no-spark" -> spark = false;
        case "-h", "--help" -> {
          System.out.println("Usage: CollectiveBenchRun [--json FILE] [--iters 2000] "
              + "[--iters8 300] [--no-spark]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (use --json FILE --iters N --iters8 N --no-spark)");
      }
    }
    if (iters < 10 || iters8 < 10) {
      throw new IllegalArgumentException("--iters and --iters8 must be at least 10");
    }
    double[] loadBefore = loadAverage();
    long started = System.nanoTime();
    System.out.printf(Locale.ROOT, "load average before: %s (%d cores)%n",
        Arrays.toString(loadBefore), Runtime.getRuntime().availableProcessors());

    // latency.get(C).get(ranks) = {p50, p99}; bandwidth.get(MB).get(ranks) = {ms, GB/s}; shared
    // memory, and the same over TCP
    Map<Integer, Map<Integer, double[]>> latency = new TreeMap<>();
    Map<Integer, Map<Integer, double[]>> bandwidth = new TreeMap<>();
    Map<Integer, Map<Integer, double[]>> latencyTcp = new TreeMap<>();
    Map<Integer, Map<Integer, double[]>> bandwidthTcp = new TreeMap<>();
    List<Integer> noShared = new ArrayList<>();
    for (int n : RANKS) {
      boolean bw = Arrays.stream(BANDWIDTH_RANKS).anyMatch(b -> b == n);
      System.out.printf("all-reduce group of %d ranks ...%n", n);
      for (String line : CollectiveBench.runGroup(n, n >= 8 ? iters8 : iters, false, bw)) {
        String[] f = line.split(" ");
        if (f[0].equals("SHARED")) {
          if (!f[1].equals("true")) {
            noShared.add(n);
          }
          continue;
        }
        if (f.length < 4) {
          continue;
        }
        double[] v = {Double.parseDouble(f[2]), Double.parseDouble(f[3])};
        Map<Integer, Map<Integer, double[]>> into = switch (f[0]) {
          case "LAT" -> latency;
          case "BW" -> bandwidth;
          case "LATTCP" -> latencyTcp;
          case "BWTCP" -> bandwidthTcp;
          default -> null;
        };
        if (into != null) {
          into.computeIfAbsent(Integer.parseInt(f[1]), k -> new TreeMap<>()).put(n, v);
        }
      }
    }
    System.out.println("Netty round trip and stream ...");
    NettyRoundTrip.Result rtt = NettyRoundTrip.measure(RTT_BYTES, 5000);
    NettyRoundTrip.Stream stream = NettyRoundTrip.streamBandwidth(4 << 20, 100);

    // baseline.get(tag).get(workers) = median ms
    Map<String, Map<Integer, Double>> baseline = new LinkedHashMap<>();
    if (spark) {
      System.out.println("Spark baselines (allGather about 1 s per call) ...");
      baseline = sparkBaselines();
    }
    double[] loadAfter = loadAverage();
    double seconds = (System.nanoTime() - started) / 1e9;

    // Ratios and targets.
    double lat64x4 = get(latency, 64, 4, 0);
    double allReduce4mb = get(bandwidth, 4, 4, 0);
    double busbw4mb = get(bandwidth, 4, 4, 1);
    double lat64x4Tcp = get(latencyTcp, 64, 4, 0);
    double allReduce4mbTcp = get(bandwidthTcp, 4, 4, 0);
    double busbw4mbTcp = get(bandwidthTcp, 4, 4, 1);
    double allGather4 = baseline.getOrDefault("ALLGATHER", Map.of()).getOrDefault(4, Double.NaN);
    double tree4 = baseline.getOrDefault("TREEAGG", Map.of()).getOrDefault(4, Double.NaN);
    double treeLazy4 = baseline.getOrDefault("TREEAGG_LAZY", Map.of()).getOrDefault(4,
        Double.NaN);
    double treeBest4 = Double.isNaN(treeLazy4) ? tree4 : Math.min(tree4, treeLazy4);
    double allGatherRatio = allGather4 * 1000 / lat64x4;
    double treeRatio = treeBest4 / allReduce4mb;
    double treeRatioTextbook = tree4 / allReduce4mb;
    String path = noShared.contains(4) ? " [TCP: no shared memory]" : " [shared memory]";
    List<Target> targets = List.of(
        new Target("latency: 4 ranks, C=64, p50" + path, String.format(Locale.ROOT,
            "<= 3 x round trip = %.1f us", 3 * rtt.p50Micros()),
            String.format(Locale.ROOT, "%.1f us (%.2f x round trip)", lat64x4,
                lat64x4 / rtt.p50Micros()), lat64x4 <= 3 * rtt.p50Micros()),
        new Target("4 MB all-reduce vs treeAggregate, 4 ranks" + path, ">= 30x faster",
            String.format(Locale.ROOT, "%.1fx (%.2f ms vs %.1f ms)", treeRatio, allReduce4mb,
                treeBest4), treeRatio >= 30),
        new Target("4 MB bus bandwidth, 4 ranks" + path, String.format(Locale.ROOT,
            ">= half one stream = %.2f GB/s", stream.gbPerSecond() / 2),
            String.format(Locale.ROOT, "%.2f GB/s", busbw4mb),
            busbw4mb >= stream.gbPerSecond() / 2),
        new Target("latency: 4 ranks, C=64, p50 [TCP]", String.format(Locale.ROOT,
            "<= 3 x round trip = %.1f us", 3 * rtt.p50Micros()),
            String.format(Locale.ROOT, "%.1f us (%.2f x round trip)", lat64x4Tcp,
                lat64x4Tcp / rtt.p50Micros()), lat64x4Tcp <= 3 * rtt.p50Micros()),
        new Target("4 MB all-reduce vs treeAggregate, 4 ranks [TCP]", ">= 30x faster",
            String.format(Locale.ROOT, "%.1fx (%.2f ms vs %.1f ms)",
                treeBest4 / allReduce4mbTcp, allReduce4mbTcp, treeBest4),
            treeBest4 / allReduce4mbTcp >= 30),
        new Target("4 MB bus bandwidth, 4 ranks [TCP]", String.format(Locale.ROOT,
            ">= half one stream = %.2f GB/s", stream.gbPerSecond() / 2),
            String.format(Locale.ROOT, "%.2f GB/s", busbw4mbTcp),
            busbw4mbTcp >= stream.gbPerSecond() / 2));

    printTables(latency, bandwidth, latencyTcp, bandwidthTcp, rtt, stream, baseline,
        allGatherRatio, treeRatio, treeRatioTextbook, targets, loadBefore, loadAfter, seconds);
    if (!noShared.isEmpty()) {
      System.out.println("WARNING: groups of " + noShared + " ranks could not map shared memory "
          + "(is /dev/shm there?); their 'shared memory' figures are TCP");
    }
    String text = toJson(latency, bandwidth, latencyTcp, bandwidthTcp, noShared, rtt, stream,
        baseline, allGatherRatio, treeRatio, treeRatioTextbook, targets, loadBefore, loadAfter,
        seconds);
    if (json.getParent() != null) {
      Files.createDirectories(json.getParent());
    }
    Files.writeString(json, text);
    System.out.println("wrote " + json);
  }

  private static String value(String[] args, int i) {
    if (i + 1 >= args.length) {
      throw new IllegalArgumentException("option " + args[i] + " needs a value");
    }
    return args[i + 1];
  }

  private static double get(Map<Integer, Map<Integer, double[]>> m, int k, int n, int idx) {
    double[] v = m.getOrDefault(k, Map.of()).get(n);
    return v == null ? Double.NaN : v[idx];
  }

  /** Runs {@link SparkCollectiveBaseline} in a child JVM; returns tag -> workers -> median ms. */
  private static Map<String, Map<Integer, Double>> sparkBaselines() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(System.getProperty("java.home") + "/bin/java");
    cmd.add("-Xmx2g");
    cmd.addAll(Arrays.asList(System.getProperty("batchwise.sparkOpens", SPARK_OPENS).split(" ")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        SparkCollectiveBaseline.class.getName(), "--workers", Arrays.stream(SPARK_WORKERS)
            .mapToObj(String::valueOf).collect(Collectors.joining(",")), "--channels", "64",
        "--calls", "5", "--floats", String.valueOf(1 << 20), "--tree-calls", "15",
        "--tree-warmup", "5"));
    Path log = Files.createTempFile("batchwise-spark-baseline", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process p = pb.start();
    Map<String, Map<Integer, Double>> out = new LinkedHashMap<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.split(" ");
        if (f.length == 5 && (f[0].equals("ALLGATHER") || f[0].startsWith("TREEAGG"))) {
          out.computeIfAbsent(f[0], k -> new TreeMap<>()).put(Integer.parseInt(f[1]),
              Double.parseDouble(f[3]));
        }
      }
    }
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    if (p.exitValue() != 0 || out.isEmpty()) {
      List<String> lines = Files.readAllLines(log);
      throw new IllegalStateException("the Spark baseline failed (exit " + p.exitValue()
          + "); last lines of " + log + ":\n" + String.join("\n",
          lines.subList(Math.max(0, lines.size() - 20), lines.size())));
    }
    Files.deleteIfExists(log);
    return out;
  }

  private static double[] loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]),
          Double.parseDouble(f[2])};
    } catch (IOException | RuntimeException e) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
  }

  private static void printTables(Map<Integer, Map<Integer, double[]>> latency,
      Map<Integer, Map<Integer, double[]>> bandwidth,
      Map<Integer, Map<Integer, double[]>> latencyTcp,
      Map<Integer, Map<Integer, double[]>> bandwidthTcp, NettyRoundTrip.Result rtt,
      NettyRoundTrip.Stream stream, Map<String, Map<Integer, Double>> baseline,
      double allGatherRatio, double treeRatio, double treeRatioTextbook, List<Target> targets,
      double[] loadBefore, double[] loadAfter, double seconds) {
    System.out.println("\nBatchwise all-reduce of 2C+1 doubles, microseconds, one JVM per rank: "
        + "shared memory (default on one host) | TCP (recursive doubling on the event loop)");
    System.out.println("    C  ranks  shm p50  shm p99 |  tcp p50  tcp p99");
    latency.forEach((c, byRanks) -> byRanks.forEach((n, v) -> System.out.printf(Locale.ROOT,
        "%5d %6d %8.1f %8.1f | %8.1f %8.1f%n", c, n, v[0], v[1], get(latencyTcp, c, n, 0),
        get(latencyTcp, c, n, 1))));
    System.out.println("\nBatchwise all-reduce of floats: median time and bus bandwidth, shared "
        + "memory | TCP ring");
    System.out.println("   MB  ranks   shm ms  shm GB/s |   tcp ms  tcp GB/s");
    bandwidth.forEach((mb, byRanks) -> byRanks.forEach((n, v) -> System.out.printf(Locale.ROOT,
        "%5d %6d %8.2f %9.3f | %8.2f %9.3f%n", mb, n, v[0], v[1], get(bandwidthTcp, mb, n, 0),
        get(bandwidthTcp, mb, n, 1))));
    System.out.printf(Locale.ROOT, "%nReferences (%s, %s): Netty round trip of %d bytes p50 %.1f"
        + " us, p99 %.1f us; one Netty stream of 4 MB messages %.2f GB/s%n", rtt.transport(),
        rtt.pinned() ? "two processes pinned to two cores" : "not pinned", rtt.bytes(),
        rtt.p50Micros(), rtt.p99Micros(), stream.gbPerSecond());
    if (!baseline.isEmpty()) {
      System.out.println("\nSpark alone, local[W] (median ms per call)");
      System.out.println("what                                           W   median ms");
      Map<String, String> names = Map.of("ALLGATHER", "allGather of 129 doubles (C=64) as text",
          "TREEAGG", "treeAggregate 1M floats, zero = new float[1M]",
          "TREEAGG_LAZY", "treeAggregate 1M floats, empty zero");
      baseline.forEach((tag, byW) -> byW.forEach((w, ms) -> System.out.printf(Locale.ROOT,
          "%-46s %2d %10.2f%n", names.getOrDefault(tag, tag), w, ms)));
      System.out.printf(Locale.ROOT, "%nRatios at 4 ranks: allGather / ours (C=64) = %.0fx; "
          + "treeAggregate / ours (4 MB) = %.1fx (faster variant), %.1fx (textbook zero)%n",
          allGatherRatio, treeRatio, treeRatioTextbook);
    }
    System.out.println("\nTargets (issue 4, 4 ranks on one host)");
    System.out.printf("%-62s %-34s %-36s %s%n", "target", "goal", "measured", "met");
    for (Target t : targets) {
      System.out.printf("%-62s %-34s %-36s %s%n", t.name(), t.goal(), t.measured(),
          t.met() ? "yes" : "NO");
    }
    System.out.printf(Locale.ROOT, "%nload average before %s, after %s; %d cores: more than %d "
        + "ranks share them; run took %.0f s%n", Arrays.toString(loadBefore),
        Arrays.toString(loadAfter), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().availableProcessors(), seconds);
  }

  private static String num(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String latencyJson(Map<Integer, Map<Integer, double[]>> latency) {
    return latency.entrySet().stream().map(e -> "    \"C=" + e.getKey() + "\": {"
        + e.getValue().entrySet().stream().map(r -> "\"" + r.getKey() + "\": {\"p50\": "
            + num(r.getValue()[0]) + ", \"p99\": " + num(r.getValue()[1]) + "}")
        .collect(Collectors.joining(", ")) + "}").collect(Collectors.joining(",\n"));
  }

  private static String bandwidthJson(Map<Integer, Map<Integer, double[]>> bandwidth) {
    return bandwidth.entrySet().stream().map(e -> "    \"" + e.getKey() + "MB\": {"
        + e.getValue().entrySet().stream().map(r -> "\"" + r.getKey() + "\": {\"busbw\": "
            + num(r.getValue()[1]) + ", \"all_reduce_ms\": " + num(r.getValue()[0]) + "}")
        .collect(Collectors.joining(", ")) + "}").collect(Collectors.joining(",\n"));
  }

  private static String toJson(Map<Integer, Map<Integer, double[]>> latency,
      Map<Integer, Map<Integer, double[]>> bandwidth,
      Map<Integer, Map<Integer, double[]>> latencyTcp,
      Map<Integer, Map<Integer, double[]>> bandwidthTcp, List<Integer> noShared,
      NettyRoundTrip.Result rtt,
      NettyRoundTrip.Stream stream, Map<String, Map<Integer, Double>> baseline,
      double allGatherRatio, double treeRatio, double treeRatioTextbook, List<Target> targets,
      double[] loadBefore, double[] loadAfter, double seconds) {
    int cores = Runtime.getRuntime().availableProcessors();
    StringBuilder j = new StringBuilder("{\n");
    j.append("  \"benchmark\": \"collective\",\n");
    j.append("  \"date\": ").append(quote(ZonedDateTime.now().format(
        DateTimeFormatter.ISO_OFFSET_DATE_TIME))).append(",\n");
    j.append("  \"machine\": {\"cores\": ").append(cores).append(", \"load_average_before\": ")
        .append(Arrays.stream(loadBefore).mapToObj(CollectiveBenchRun::num)
            .collect(Collectors.joining(", ", "[", "]")))
        .append(", \"load_average_after\": ")
        .append(Arrays.stream(loadAfter).mapToObj(CollectiveBenchRun::num)
            .collect(Collectors.joining(", ", "[", "]")))
        .append(", \"run_seconds\": ").append(num(seconds)).append(",\n    \"note\": ")
        .append(quote("The machine has " + cores + " cores; every rank is a separate JVM on "
            + "127.0.0.1, so groups of more than " + cores + " ranks share the cores (8 ranks: "
            + "4 per core). Load averages are 1/5/15-minute figures; other jobs ran at the same "
            + "time when they are high. Compare ratios within this run, not absolute times."))
        .append("},\n");
    j.append("  \"transport\": ").append(quote(rtt.transport())).append(",\n");
    j.append("  \"groups_without_shared_memory\": ").append(noShared).append(",\n");
    j.append("  \"latency_us\": {\n    \"message\": \"all-reduce of 2C+1 doubles through shared "
        + "memory (the default for ranks on one host); p50/p99 of per-call times on rank 0\",\n");
    j.append(latencyJson(latency));
    j.append("\n  },\n");
    j.append("  \"bus_bandwidth_GBps\": {\n    \"message\": \"all-reduce of floats through "
        + "shared memory; busbw = 2(n-1)/n * bytes / median time (GB = 1e9 bytes); all_reduce_ms "
        + "is the median\",\n");
    j.append(bandwidthJson(bandwidth));
    j.append("\n  },\n");
    j.append("  \"latency_us_tcp\": {\n    \"message\": \"the same over TCP (sharedMemory=false):"
        + " recursive doubling executed on the event loop; interleaved call by call with the "
        + "shared-memory calls\",\n");
    j.append(latencyJson(latencyTcp));
    j.append("\n  },\n");
    j.append("  \"bus_bandwidth_GBps_tcp\": {\n    \"message\": \"the same by the TCP ring "
        + "(sharedMemory=false)\",\n");
    j.append(bandwidthJson(bandwidthTcp));
    j.append("\n  },\n");
    j.append(String.format(Locale.ROOT, "  \"netty_round_trip_us\": {\"bytes\": %d, \"p50\": %s, "
        + "\"p99\": %s, \"two_cores\": %b},%n", rtt.bytes(), num(rtt.p50Micros()),
        num(rtt.p99Micros()), rtt.pinned()));
    j.append(String.format(Locale.ROOT, "  \"netty_stream_GBps\": {\"message_bytes\": %d, "
        + "\"GBps\": %s, \"two_cores\": %b},%n", stream.bytes(), num(stream.gbPerSecond()),
        stream.pinned()));
    Map<String, String> keys = Map.of("ALLGATHER", "allGather_C64_ms",
        "TREEAGG", "treeAggregate_1M_floats_ms", "TREEAGG_LAZY",
        "treeAggregate_1M_floats_empty_zero_ms");
    j.append("  \"spark_baselines\": ");
    if (baseline.isEmpty()) {
      j.append("null,\n");
    } else {
      j.append("{\n    \"note\": \"Spark 4 on local[W] (tasks are threads of one JVM); median "
          + "ms per call. allGather: 129 doubles as comma-separated text inside one barrier "
          + "stage, encode+gather+parse+sum. treeAggregate: element-wise sum of W cached 1M-float "
          + "partitions to the driver, with zero = new float[1M] and with an empty zero\",\n");
      j.append(baseline.entrySet().stream().map(e -> "    " + quote(keys.getOrDefault(e.getKey(),
          e.getKey())) + ": {" + e.getValue().entrySet().stream().map(w -> "\"" + w.getKey()
          + "\": " + num(w.getValue())).collect(Collectors.joining(", ")) + "}")
          .collect(Collectors.joining(",\n")));
      j.append("\n  },\n");
    }
    j.append("  \"ratios\": {\"allGather_over_ours_C64_4ranks\": ").append(num(allGatherRatio))
        .append(", \"treeAggregate_over_ours_4MB_4ranks\": ").append(num(treeRatio))
        .append(", \"treeAggregate_textbook_over_ours_4MB_4ranks\": ")
        .append(num(treeRatioTextbook)).append("},\n");
    j.append("  \"targets\": [\n");
    j.append(targets.stream().map(t -> "    {\"target\": " + quote(t.name()) + ", \"goal\": "
        + quote(t.goal()) + ", \"measured\": " + quote(t.measured()) + ", \"met\": " + t.met()
        + "}").collect(Collectors.joining(",\n")));
    j.append("\n  ]\n}\n");
    return j.toString();
  }
}
