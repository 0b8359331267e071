package io.batchwise.collective.bench;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveServer;
import io.batchwise.collective.Communicator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark of the collective with one JVM per rank on 127.0.0.1, printed as tables in one run:
 * <ul>
 *   <li>latency p50/p99 (microseconds) of an all-reduce of 2C+1 doubles, C = 16, 64, 256 (the
 *       SyncBN forward message), per rank count, and C = 64 by the previous design;</li>
 *   <li>the switch point: median time of recursive doubling versus the ring from 4 KB to 1 MB;</li>
 *   <li>bus bandwidth (GB/s, = 2(n-1)/n * bytes / time, the NCCL convention) of 1, 4, 16 MB float
 *       all-reduces by the ring.</li>
 * </ul>
 * Each rank joins two groups over the same processes: one that always uses recursive doubling and
 * one that always uses the ring, so both are measured side by side. Times are taken on rank 0.
 *
 * <p>Usage: {@code CollectiveBench [--ranks 2,4] [--iters 2000] [--no-switch]
 * [--bandwidth-ranks 2,4] [--json FILE]} (bandwidth at every rank count unless
 * {@code --bandwidth-ranks} narrows it). The Spark baselines of the issue (allGather,
 * treeAggregate) are not part of this module: {@code io.batchwise.spark.bench.CollectiveBenchRun}
 * runs this class's groups ({@link #runGroup}) next to them.
 *
 * <p>Lines of {@link #runGroup} (rank 0's figures): {@code LAT C p50_us p99_us},
 * {@code SW bytes doubling_us ring_us}, {@code BW MB median_ms busbw_GBps}, and the previous
 * design measured in the same run for comparison: {@code LATOLD 64 p50_us p99_us} (recursive
 * doubling run on the calling thread, which is woken for every frame and hands every send to the
 * event loop) and {@code BWOLD 4 median_ms busbw_GBps} (the ring on the calling thread).
 *
 * <p>The latency groups use the defaults: recursive doubling, executed on the event loop (the
 * one-round direct exchange is off by default, see {@link
 * CollectiveConfig#DEFAULT_DIRECT_MAX_BYTES}).
 */
public final class CollectiveBench {
  private static final int[] CHANNELS = {16, 64, 256};
  private static final int[] SWITCH_BYTES = {4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20};
  private static final int[] BANDWIDTH_MB = {1, 4, 16};

  private CollectiveBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    int[] ranks = {2, 4};
    int iters = 2000;
    boolean switchPoint = true;
    int[] bandwidthRanks = null;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ranks" -> ranks = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt)
            .toArray();
        case "--iters" -> iters = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        case "--no-switch" -> switchPoint = false;
        case "--bandwidth-ranks" -> bandwidthRanks = Arrays.stream(args[++i].split(","))
            .mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (use --ranks 2,4 --iters 2000 --no-switch --bandwidth-ranks 2,4 --json FILE)");
      }
    }
    Map<Integer, List<String>> results = new LinkedHashMap<>();
    for (int n : ranks) {
      final int size = n;
      boolean bandwidth = bandwidthRanks == null
          || Arrays.stream(bandwidthRanks).anyMatch(b -> b == size);
      results.put(n, runGroup(n, iters, switchPoint, bandwidth));
    }
    print(results);
    if (json != null) {
      Files.writeString(json, toJson(results));
      System.out.println("wrote " + json);
    }
  }

  /**
   * Runs one group of {@code n} rank processes on 127.0.0.1 and returns rank 0's result lines (see
   * the class comment): latency with {@code iters} timed calls per C, the sizes interleaved call
   * by call, after max(300, iters/4) untimed calls of each, then the switch point and the ring
   * bandwidth when asked.
   */
  public static List<String> runGroup(int n, int iters, boolean switchPoint, boolean bandwidth)
      throws Exception {
    if (n < 1 || iters < 1) {
      throw new IllegalArgumentException("need ranks >= 1 and iters >= 1, got " + n + ", " + iters);
    }
    String java = System.getProperty("java.home") + "/bin/java";
    String secret = HexFormat.of().formatHex(CollectiveConfig.newSecret());
    List<Process> procs = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    try {
      for (int r = 0; r < n; r++) {
        Process p = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
            CollectiveBench.class.getName(), "--child", String.valueOf(r), String.valueOf(n),
            secret, String.valueOf(iters), switchPoint ? "1" : "0", bandwidth ? "1" : "0")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        procs.add(p);
        outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8)));
      }
      StringBuilder rd = new StringBuilder();
      StringBuilder ring = new StringBuilder();
      StringBuilder old = new StringBuilder();
      for (BufferedReader o : outs) {
        String[] ports = o.readLine().split(" ");
        rd.append(rd.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[1]);
        ring.append(ring.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[2]);
        old.append(old.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[3]);
      }
      for (Process p : procs) {
        PrintWriter w = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        w.println(rd + " " + ring + " " + old);
      }
      List<String> lines = new ArrayList<>();
      for (String l; (l = outs.get(0).readLine()) != null && !l.equals("END"); ) {
        lines.add(l);
      }
      for (Process p : procs) {
        p.waitFor();
      }
      return lines;
    } finally {
      for (Process p : procs) {
        p.destroyForcibly();
      }
    }
  }

  private static void child(String[] args) throws IOException {
    int rank = Integer.parseInt(args[1]);
    int n = Integer.parseInt(args[2]);
    byte[] secret = HexFormat.of().parseHex(args[3]);
    int iters = Integer.parseInt(args[4]);
    boolean switchPoint = args[5].equals("1");
    boolean bandwidth = args[6].equals("1");
    CollectiveConfig.Builder base = CollectiveConfig.builder().secret(secret).rank(rank).size(n)
        .timeout(Duration.ofSeconds(120));
    CollectiveServer rdServer = CollectiveServer.bind(base.jobId("bench-rd")
        .smallMessageMaxBytes(Integer.MAX_VALUE / 2).build(),
        new InetSocketAddress("127.0.0.1", 0));
    CollectiveServer ringServer = CollectiveServer.bind(base.jobId("bench-ring")
        .smallMessageMaxBytes(0).build(), new InetSocketAddress("127.0.0.1", 0));
    // The previous design: collectives on the calling thread (spinning 20 us before parking, its
    // default then), recursive doubling for small ones.
    CollectiveServer oldServer = CollectiveServer.bind(base.jobId("bench-old")
        .smallMessageMaxBytes(1 << 20).directMaxBytes(0).onEventLoop(false).spinMicros(20).build(),
        new InetSocketAddress("127.0.0.1", 0));
    System.out.println("PORTS " + rdServer.localAddress().getPort() + " "
        + ringServer.localAddress().getPort() + " " + oldServer.localAddress().getPort());
    System.out.flush();
    String[] lists = new BufferedReader(new InputStreamReader(System.in)).readLine().split(" ");
    Communicator rd = rdServer.join(parse(lists[0]));
    Communicator ring = ringServer.join(parse(lists[1]));
    Communicator old = oldServer.join(parse(lists[2]));
    boolean report = rank == 0;

    // Warm up the JIT and the buffer pools on every message size first, then time the sizes
    // interleaved (one call of each C per round): on a shared machine the load drifts, and
    // measuring the sizes one after another put the first (C=16) in the worst of it.
    double[][] msgs = Arrays.stream(CHANNELS).mapToObj(c -> new double[2 * c + 1])
        .toArray(double[][]::new);
    // Interleaved with them: C = 64 by the previous design (slot msgs.length).
    Communicator[] by = new Communicator[msgs.length + 1];
    Arrays.fill(by, rd);
    by[msgs.length] = old;
    double[] old64 = new double[2 * 64 + 1];
    for (int i = 0; i < Math.max(300, iters / 4) * by.length; i++) {
      int k = i % by.length;
      by[k].allReduceSum(k < msgs.length ? msgs[k] : old64);
    }
    long[][] lat = new long[by.length][iters];
    for (int i = 0; i < iters; i++) {
      for (int k = 0; k < by.length; k++) {
        double[] m = k < msgs.length ? msgs[k] : old64;
        long t0 = System.nanoTime();
        by[k].allReduceSum(m);
        lat[k][i] = System.nanoTime() - t0;
      }
    }
    for (int k = 0; k < by.length; k++) {
      long[] t = lat[k];
      Arrays.sort(t);
      if (report) {
        System.out.printf(Locale.ROOT, "%s %d %.1f %.1f%n", k < msgs.length ? "LAT" : "LATOLD",
            k < msgs.length ? CHANNELS[k] : 64, t[iters / 2] / 1e3,
            t[(int) (iters * 0.99)] / 1e3);
      }
    }
    for (int bytes : switchPoint ? SWITCH_BYTES : new int[0]) {
      float[] msg = new float[bytes / 4];
      int reps = Math.max(20, Math.min(400, (int) (20_000_000L / bytes)));
      double a = median(rd, msg, reps);
      double b = median(ring, msg, reps);
      if (report) {
        System.out.printf(Locale.ROOT, "SW %d %.1f %.1f%n", bytes, a / 1e3, b / 1e3);
      }
    }
    for (int mb : bandwidth ? BANDWIDTH_MB : new int[0]) {
      float[] msg = new float[(mb << 20) / 4];
      double t = median(ring, msg, 10);
      double busbw = 2.0 * (n - 1) / n * (mb << 20) / t; // bytes per ns = GB/s
      if (report) {
        System.out.printf(Locale.ROOT, "BW %d %.2f %.3f%n", mb, t / 1e6, busbw);
      }
      if (mb == 4) {
        double to = median(old, msg, 10); // the ring's steps on the calling thread
        if (report) {
          System.out.printf(Locale.ROOT, "BWOLD %d %.2f %.3f%n", mb, to / 1e6,
              2.0 * (n - 1) / n * (mb << 20) / to);
        }
      }
    }
    rd.barrier();
    ring.barrier();
    old.barrier();
    if (report) {
      System.out.println("END");
    }
    System.out.flush();
    rd.close();
    ring.close();
    old.close();
    System.exit(0);
  }

  private static double median(Communicator c, float[] msg, int reps) {
    for (int i = 0; i < Math.max(3, reps / 5); i++) {
      c.allReduceSum(msg);
    }
    long[] t = new long[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      c.allReduceSum(msg);
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return t[reps / 2];
  }

  private static List<InetSocketAddress> parse(String list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String e : list.split(",")) {
      out.add(CollectiveConfig.parseEndpoint(e));
    }
    return out;
  }

  private static void print(Map<Integer, List<String>> results) {
    System.out.println("\nAll-reduce of 2C+1 doubles (recursive doubling on the event loop), "
        + "microseconds");
    System.out.println("ranks      C      p50      p99");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("LAT ")).forEach(l -> {
      String[] f = l.split(" ");
      System.out.printf(Locale.ROOT, "%5d %6s %8s %8s%n", n, f[1], f[2], f[3]);
    }));
    System.out.println("\nSwitch point: median microseconds, recursive doubling vs ring");
    System.out.println("ranks    bytes   doubling     ring");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("SW ")).forEach(l -> {
      String[] f = l.split(" ");
      System.out.printf(Locale.ROOT, "%5d %8s %10s %8s%n", n, f[1], f[2], f[3]);
    }));
    System.out.println("\nRing all-reduce of floats: median time and bus bandwidth");
    System.out.println("ranks   MB    ms   busbw GB/s");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("BW ")).forEach(l -> {
      String[] f = l.split(" ");
      System.out.printf(Locale.ROOT, "%5d %4s %6s %8s%n", n, f[1], f[2], f[3]);
    }));
    System.out.println("\nPrevious design (collective steps on the calling thread), same run");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("LATOLD ")
        || l.startsWith("BWOLD ")).forEach(l -> System.out.printf(Locale.ROOT, "%5d  %s%n", n,
        l.startsWith("LATOLD ") ? "C=" + l.split(" ")[1] + " recursive doubling p50 "
            + l.split(" ")[2] + " us, p99 " + l.split(" ")[3] + " us"
            : l.split(" ")[1] + " MB ring " + l.split(" ")[2] + " ms, busbw "
            + l.split(" ")[3] + " GB/s")));
  }

  private static String toJson(Map<Integer, List<String>> results) {
    StringBuilder lat = new StringBuilder();
    StringBuilder sw = new StringBuilder();
    StringBuilder bw = new StringBuilder();
    results.forEach((n, lines) -> {
      for (String l : lines) {
        String[] f = l.split(" ");
        switch (f[0]) {
          case "LAT" -> lat.append(lat.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"C\": %s, \"p50_us\": %s, \"p99_us\": %s}", n, f[1],
              f[2], f[3]));
          case "SW" -> sw.append(sw.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"bytes\": %s, \"doubling_us\": %s, \"ring_us\": %s}",
              n, f[1], f[2], f[3]));
          case "BW" -> bw.append(bw.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"MB\": %s, \"ms\": %s, \"busbw_GBps\": %s}", n, f[1],
              f[2], f[3]));
          default -> { }
        }
      }
    });
    return "{\n  \"latency\": [\n    " + lat + "\n  ],\n  \"switch\": [\n    " + sw
        + "\n  ],\n  \"bandwidth\": [\n    " + bw + "\n  ],\n  \"spark_baselines\": null\n}\n";
  }
}
