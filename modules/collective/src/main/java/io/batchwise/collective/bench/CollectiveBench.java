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
 *       SyncBN forward message), per rank count, through shared memory (the default for ranks on
 *       one host) and over TCP (recursive doubling on the event loop: what ranks on different
 *       hosts use), the two interleaved call by call;</li>
 *   <li>the TCP switch point: median time of recursive doubling versus the ring, 4 KB to 1 MB;</li>
 *   <li>bus bandwidth (GB/s, = 2(n-1)/n * bytes / time, the NCCL convention) of 1, 4, 16 MB float
 *       all-reduces through shared memory and by the TCP ring.</li>
 * </ul>
 * Each rank joins three groups over the same processes: the defaults (shared memory), and two
 * with {@code sharedMemory=false} that always use recursive doubling and always the ring. Times
 * are taken on rank 0. Rank r runs on core r mod cores ({@code taskset}, when it is there; as the
 * scaling runs and the Netty round-trip reference do); {@code -Dbatchwise.bench.pin=false} lets
 * the scheduler place them.
 *
 * <p>Usage: {@code CollectiveBench [--ranks 2,4] [--iters 2000] [--no-switch]
 * [--bandwidth-ranks 2,4] [--json FILE]} (bandwidth at every rank count unless
 * {@code --bandwidth-ranks} narrows it). The Spark baselines of the issue (allGather,
 * treeAggregate) are not part of this module: {@code io.batchwise.spark.bench.CollectiveBenchRun}
 * runs this class's groups ({@link #runGroup}) next to them.
 *
 * <p>Lines of {@link #runGroup} (rank 0's figures): {@code SHARED true|false} (whether the
 * default group got shared memory), {@code LAT C p50_us p99_us} (shared memory) and {@code LATTCP
 * C p50_us p99_us}, {@code SW bytes doubling_us ring_us}, {@code BW MB median_ms busbw_GBps}
 * (shared memory) and {@code BWTCP MB median_ms busbw_GBps} (TCP ring).
 */
public final class CollectiveBench {
  private static final int[] CHANNELS = {16, 64, 256};
  private static final int[] SWITCH_BYTES = {4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20};
  private static final int[] BANDWIDTH_MB = {1, 4, 16};
  /** Untimed and timed shared-memory bandwidth calls per size (see where they are used). */
  private static final int SHARED_WARMUP_CALLS = 150;
  private static final int SHARED_TIMED_CALLS = 100;
  /** Whether rank processes are pinned to cores ({@code -Dbatchwise.bench.pin=false} to not). */
  private static final boolean PIN = !"false".equals(System.getProperty("batchwise.bench.pin"))
      && tasksetAvailable();

  /** Whether {@code taskset} (util-linux) is on the PATH; the scaling runs ask the same. */
  public static boolean tasksetAvailable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "taskset"))) {
        return true;
      }
    }
    return false;
  }

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
        List<String> cmd = new ArrayList<>();
        if (PIN) {
          // Rank r on core r mod cores, as the scaling runs hold their workers: the scheduler
          // then never moves a rank, and ranks beyond the core count share cores evenly.
          cmd.addAll(List.of("taskset", "-c",
              String.valueOf(r % Runtime.getRuntime().availableProcessors())));
        }
        cmd.addAll(List.of(java, "-Xmx1g"));
        // Settings of the shared-memory group under test, e.g. -Dbatchwise.shared.spinMicros=20
        System.getProperties().stringPropertyNames().stream()
            .filter(k -> k.startsWith("batchwise.shared.")).sorted()
            .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        if (Boolean.getBoolean("batchwise.bench.percentiles")) {
          cmd.add("-Dbatchwise.bench.percentiles=true");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
            CollectiveBench.class.getName(), "--child", String.valueOf(r), String.valueOf(n),
            secret, String.valueOf(iters), switchPoint ? "1" : "0", bandwidth ? "1" : "0"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        procs.add(p);
        outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8)));
      }
      StringBuilder rd = new StringBuilder();
      StringBuilder ring = new StringBuilder();
      StringBuilder shared = new StringBuilder();
      for (BufferedReader o : outs) {
        String[] ports = o.readLine().split(" ");
        rd.append(rd.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[1]);
        ring.append(ring.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[2]);
        shared.append(shared.length() > 0 ? "," : "").append("127.0.0.1:").append(ports[3]);
      }
      for (Process p : procs) {
        PrintWriter w = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        w.println(rd + " " + ring + " " + shared);
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
    // The defaults: shared memory, since all ranks are on this host.
    CollectiveConfig sharedConfig = base.jobId("bench-shared").build();
    CollectiveServer sharedServer = CollectiveServer.bind(sharedConfig.toBuilder()
        .spinMicros(Integer.getInteger("batchwise.shared.spinMicros", sharedConfig.spinMicros()))
        .yieldMicros(Integer.getInteger("batchwise.shared.yieldMicros",
            sharedConfig.yieldMicros()))
        .sharedDirectMaxBytes(Integer.getInteger("batchwise.shared.directMaxBytes",
            sharedConfig.sharedDirectMaxBytes()))
        .sharedSlotBytes(Integer.getInteger("batchwise.shared.slotBytes",
            sharedConfig.sharedSlotBytes())).build(), new InetSocketAddress("127.0.0.1", 0));
    // TCP (what ranks on different hosts use): recursive doubling on the event loop, and the ring.
    base.sharedMemory(false);
    CollectiveServer rdServer = CollectiveServer.bind(base.jobId("bench-rd")
        .smallMessageMaxBytes(Integer.MAX_VALUE / 2).build(),
        new InetSocketAddress("127.0.0.1", 0));
    CollectiveServer ringServer = CollectiveServer.bind(base.jobId("bench-ring")
        .smallMessageMaxBytes(0).build(), new InetSocketAddress("127.0.0.1", 0));
    System.out.println("PORTS " + rdServer.localAddress().getPort() + " "
        + ringServer.localAddress().getPort() + " " + sharedServer.localAddress().getPort());
    System.out.flush();
    String[] lists = new BufferedReader(new InputStreamReader(System.in)).readLine().split(" ");
    Communicator rd = rdServer.join(parse(lists[0]));
    Communicator ring = ringServer.join(parse(lists[1]));
    Communicator shared = sharedServer.join(parse(lists[2]));
    boolean report = rank == 0;
    if (report) {
      System.out.println("SHARED " + shared.usesSharedMemory());
      System.err.println("shared-memory group: " + sharedConfig.toBuilder()
          .spinMicros(Integer.getInteger("batchwise.shared.spinMicros", sharedConfig.spinMicros()))
          .yieldMicros(Integer.getInteger("batchwise.shared.yieldMicros",
              sharedConfig.yieldMicros())).build());
    }

    // Warm up the JIT and the buffer pools on every message size first, then time the sizes
    // interleaved (one call of each C and transport per round): on a shared machine the load
    // drifts, and measuring the sizes one after another put the first (C=16) in the worst of it.
    int k0 = CHANNELS.length;
    double[][] msgs = new double[2 * k0][];
    Communicator[] by = new Communicator[2 * k0];
    for (int k = 0; k < k0; k++) {
      msgs[k] = new double[2 * CHANNELS[k] + 1];
      msgs[k0 + k] = new double[2 * CHANNELS[k] + 1];
      by[k] = shared;
      by[k0 + k] = rd;
    }
    for (int i = 0; i < Math.max(300, iters / 4) * by.length; i++) {
      int k = i % by.length;
      by[k].allReduceSum(msgs[k]);
    }
    long[][] lat = new long[by.length][iters];
    for (int i = 0; i < iters; i++) {
      for (int k = 0; k < by.length; k++) {
        long t0 = System.nanoTime();
        by[k].allReduceSum(msgs[k]);
        lat[k][i] = System.nanoTime() - t0;
      }
    }
    for (int k = 0; k < by.length; k++) {
      long[] t = lat[k];
      Arrays.sort(t);
      if (report) {
        System.out.printf(Locale.ROOT, "%s %d %.1f %.1f%n", k < k0 ? "LAT" : "LATTCP",
            CHANNELS[k % k0], t[iters / 2] / 1e3, t[(int) (iters * 0.99)] / 1e3);
      }
    }
    for (int bytes : switchPoint ? SWITCH_BYTES : new int[0]) {
      float[] msg = new float[bytes / 4];
      int reps = Math.max(20, Math.min(400, (int) (20_000_000L / bytes)));
      double a = median(rd, msg, Math.max(10, reps / 2), reps);
      double b = median(ring, msg, Math.max(10, reps / 2), reps);
      if (report) {
        System.out.printf(Locale.ROOT, "SW %d %.1f %.1f%n", bytes, a / 1e3, b / 1e3);
      }
    }
    // Shared memory first, then the TCP ring, not interleaved, so that neither the ring's traffic
    // nor the compilation of its code lands in a shared-memory timing. Each size is warmed up
    // with SHARED_WARMUP_CALLS untimed calls: with 20 (until 2026-12-01) the 4 MB median at 4
    // ranks on 2 cores varied from 1.7 to 10 ms between runs, because the JIT compiler threads,
    // pinned with their rank, still took the core in the timed calls (seen in per-call phase
    // timings and per-thread CPU); with 150 it was 1.6-2.3 ms in four runs.
    double[] sharedMs = new double[BANDWIDTH_MB.length];
    for (int k = 0; k < BANDWIDTH_MB.length && bandwidth; k++) {
      sharedMs[k] = median(shared, new float[(BANDWIDTH_MB[k] << 20) / 4], SHARED_WARMUP_CALLS,
          SHARED_TIMED_CALLS);
    }
    for (int k = 0; k < BANDWIDTH_MB.length && bandwidth; k++) {
      int mb = BANDWIDTH_MB[k];
      double ts = sharedMs[k];
      double tt = median(ring, new float[(mb << 20) / 4], 10, 10);
      if (report) {
        System.out.printf(Locale.ROOT, "BW %d %.2f %.3f%n", mb, ts / 1e6,
            2.0 * (n - 1) / n * (mb << 20) / ts); // bytes per ns = GB/s
        System.out.printf(Locale.ROOT, "BWTCP %d %.2f %.3f%n", mb, tt / 1e6,
            2.0 * (n - 1) / n * (mb << 20) / tt);
      }
    }
    rd.barrier();
    ring.barrier();
    shared.barrier();
    if (report) {
      System.out.println("END");
    }
    System.out.flush();
    rd.close();
    ring.close();
    shared.close();
    System.exit(0);
  }

  /** Median ns of {@code reps} calls after {@code warmup} untimed ones. */
  private static double median(Communicator c, float[] msg, int warmup, int reps) {
    for (int i = 0; i < warmup; i++) {
      c.allReduceSum(msg);
    }
    long[] t = new long[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      c.allReduceSum(msg);
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    if (Boolean.getBoolean("batchwise.bench.percentiles") && c.rank() == 0) {
      System.err.printf(Locale.ROOT, "%s %d floats: p10 %.2f p25 %.2f p50 %.2f p75 %.2f p90 %.2f ms%n",
          c.usesSharedMemory() ? "shared" : "tcp", msg.length, t[reps / 10] / 1e6,
          t[reps / 4] / 1e6, t[reps / 2] / 1e6, t[reps * 3 / 4] / 1e6, t[reps * 9 / 10] / 1e6);
    }
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
    System.out.println("\nAll-reduce of 2C+1 doubles, microseconds: shared memory (the default on "
        + "one host) and TCP (recursive doubling on the event loop)");
    System.out.println("ranks      C   shm p50   shm p99   tcp p50   tcp p99");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("LAT ")).forEach(l -> {
      String[] f = l.split(" ");
      String[] t = find(lines, "LATTCP " + f[1] + " ");
      System.out.printf(Locale.ROOT, "%5d %6s %9s %9s %9s %9s%n", n, f[1], f[2], f[3],
          t == null ? "-" : t[2], t == null ? "-" : t[3]);
    }));
    System.out.println("\nTCP switch point: median microseconds, recursive doubling vs ring");
    System.out.println("ranks    bytes   doubling     ring");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("SW ")).forEach(l -> {
      String[] f = l.split(" ");
      System.out.printf(Locale.ROOT, "%5d %8s %10s %8s%n", n, f[1], f[2], f[3]);
    }));
    System.out.println("\nAll-reduce of floats: median time and bus bandwidth, shared memory and "
        + "the TCP ring");
    System.out.println("ranks   MB   shm ms  shm GB/s   tcp ms  tcp GB/s");
    results.forEach((n, lines) -> lines.stream().filter(l -> l.startsWith("BW ")).forEach(l -> {
      String[] f = l.split(" ");
      String[] t = find(lines, "BWTCP " + f[1] + " ");
      System.out.printf(Locale.ROOT, "%5d %4s %8s %9s %8s %9s%n", n, f[1], f[2], f[3],
          t == null ? "-" : t[2], t == null ? "-" : t[3]);
    }));
    results.forEach((n, lines) -> {
      String[] f = find(lines, "SHARED ");
      if (f != null && !f[1].equals("true")) {
        System.out.println("WARNING: the group of " + n + " ranks could not use shared memory; "
            + "its 'shm' figures are TCP");
      }
    });
  }

  /** The first line that starts with {@code prefix}, split at spaces, or null. */
  private static String[] find(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().map(l -> l.split(" "))
        .orElse(null);
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
              Locale.ROOT, "{\"ranks\": %d, \"C\": %s, \"transport\": \"shm\", \"p50_us\": %s, \"p99_us\": %s}", n, f[1],
              f[2], f[3]));
          case "LATTCP" -> lat.append(lat.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"C\": %s, \"transport\": \"tcp\", \"p50_us\": %s, "
              + "\"p99_us\": %s}", n, f[1], f[2], f[3]));
          case "BWTCP" -> bw.append(bw.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"MB\": %s, \"transport\": \"tcp\", \"ms\": %s, "
              + "\"busbw_GBps\": %s}", n, f[1], f[2], f[3]));
          case "SW" -> sw.append(sw.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"bytes\": %s, \"doubling_us\": %s, \"ring_us\": %s}",
              n, f[1], f[2], f[3]));
          case "BW" -> bw.append(bw.length() > 0 ? ",\n    " : "").append(String.format(
              Locale.ROOT, "{\"ranks\": %d, \"MB\": %s, \"transport\": \"shm\", \"ms\": %s, \"busbw_GBps\": %s}", n, f[1],
              f[2], f[3]));
          default -> { }
        }
      }
    });
    return "{\n  \"latency\": [\n    " + lat + "\n  ],\n  \"switch\": [\n    " + sw
        + "\n  ],\n  \"bandwidth\": [\n    " + bw + "\n  ],\n  \"spark_baselines\": null\n}\n";
  }
}
