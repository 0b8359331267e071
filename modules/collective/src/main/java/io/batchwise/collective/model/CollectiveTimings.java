package io.batchwise.collective.model;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures the collectives of groups of rank processes (one JVM per rank), fits the alpha–beta
 * model and compares measurements with a model's predictions.
 *
 * <p>Each rank joins three groups over the same processes, one per algorithm: all-reduce forced to
 * recursive doubling, all-reduce forced to the ring, and broadcast from rank 0. For every message
 * size, rank 0 reports the median, over pairs of consecutive calls, of the mean seconds of one call
 * of the pair. Single calls are not timed alone because the ranks enter a call at different
 * moments, and that offset flips sign from call to call: between two ranks with one-way delay d,
 * rank 0's calls then take d+x, d-x, d+x, ... (x anywhere in [0, d)), whose median may be well
 * under d, while any two consecutive calls take 2d. A broadcast returns on the root long before
 * the leaves have the data, so it is timed as broadcast + an all-reduce of one double (which cannot
 * finish before every rank has its broadcast), minus the median of that one-double all-reduce alone.
 *
 * <p>Where the ranks run: {@code --host-template} gives rank r's bind address, {@code
 * --prefix-template} a command its JVM is started under, both with {@code {n}} replaced by r+1 —
 * e.g. {@code --host-template 10.77.0.{n} --prefix-template "ip netns exec bw-ns{n}"} puts each rank
 * in its own network namespace ({@code bench/scaling/netns.sh} sets them up). Default: 127.0.0.1.
 *
 * <p>Usage: {@code CollectiveTimings [--ranks 2,4] [--sizes 8,512,4096,32768,262144,1048576]
 * [--max-bytes N] [--csv samples.csv] [--fit-out model.csv] [--fit-ranks 2] [--predict model.csv --latency-us L
 * --rate-mbit R --compare-out compare.csv --label NAME] [--host-template T] [--prefix-template P]
 * [--relay-delay-us D]}. {@code --relay-delay-us} puts a {@link DelayRelay} of D microseconds in
 * front of every rank's listening sockets (a one-way delay of D on every message where the kernel
 * cannot add one with netem; D = 0 measures what the relay itself costs).
 * {@code --fit-ranks} fits on those group sizes only: on this 2-core machine, groups of more than
 * 2 rank processes share cores, and their small-message times then measure the scheduler (a hop
 * waits for the receiving rank to be scheduled), not the network or the software path of a node
 * with cores of its own.
 * Without measurements to take ({@code --samples-in samples.csv}) it fits or compares those.
 */
public final class CollectiveTimings {
  private static final long[] DEFAULT_SIZES = {8, 512, 4096, 32768, 262144, 1048576, 4194304};

  private CollectiveTimings() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("CollectiveTimings: " + e.getMessage());
      System.exit(2);
    } catch (IllegalStateException e) {
      System.err.println("CollectiveTimings: " + e.getMessage());
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    int[] ranks = {2, 4};
    long[] sizes = DEFAULT_SIZES;
    long maxBytes = Long.MAX_VALUE;
    Path csv = null;
    Path fitOut = null;
    Path predict = null;
    Path compareOut = null;
    Path samplesIn = null;
    double latencyUs = 0;
    double rateMbit = Double.POSITIVE_INFINITY;
    String label = "";
    int[] fitRanks = null;
    String hostTemplate = "127.0.0.1";
    String prefixTemplate = "";
    double relayDelayUs = -1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--ranks" -> ranks = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--sizes" -> sizes = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        case "--max-bytes" -> maxBytes = Long.parseLong(v);
        case "--csv" -> csv = Path.of(v);
        case "--fit-out" -> fitOut = Path.of(v);
        case "--predict" -> predict = Path.of(v);
        case "--compare-out" -> compareOut = Path.of(v);
        case "--samples-in" -> samplesIn = Path.of(v);
        case "--latency-us" -> latencyUs = Double.parseDouble(v);
        case "--rate-mbit" -> rateMbit = Double.parseDouble(v);
        case "--label" -> label = v;
        case "--fit-ranks" -> fitRanks = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--host-template" -> hostTemplate = v;
        case "--prefix-template" -> prefixTemplate = v;
        case "--relay-delay-us" -> {
          relayDelayUs = Double.parseDouble(v);
          if (!(relayDelayUs >= 0) || relayDelayUs > 1e6) {
            throw new IllegalArgumentException("--relay-delay-us must be between 0 and 1000000, got " + v);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + a + "; options: --ranks --sizes "
            + "--max-bytes --csv --fit-out --predict --latency-us --rate-mbit --compare-out --label "
            + "--samples-in --host-template --prefix-template --fit-ranks --relay-delay-us");
      }
    }
    final long cap = maxBytes;
    sizes = Arrays.stream(sizes).filter(s -> s <= cap).toArray();
    List<AlphaBetaFit.Sample> samples;
    Map<Integer, Double> holds = new java.util.TreeMap<>(); // ranks -> ns the relays held a message
    if (samplesIn != null) {
      samples = readSamples(samplesIn);
    } else {
      samples = new ArrayList<>();
      for (int p : ranks) {
        if (p < 2) {
          throw new IllegalArgumentException("--ranks: every group needs at least 2 ranks, got " + p);
        }
        // On a heavily loaded machine a rank JVM can miss the communicator's handshake deadline;
        // that failure is about scheduling, not about the collective's costs: try the group again.
        for (int attempt = 1; ; attempt++) {
          try {
            Group g = measure(p, sizes, hostTemplate, prefixTemplate, relayDelayUs);
            samples.addAll(g.samples());
            if (!Double.isNaN(g.holdNanos())) {
              holds.put(p, g.holdNanos());
              System.err.printf(Locale.ROOT, "  p=%d: the relays held messages %.1f us (median; asked %.1f)%n", p,
                  g.holdNanos() / 1e3, relayDelayUs);
            }
            break;
          } catch (IllegalStateException e) {
            if (attempt >= 3) {
              throw e;
            }
            System.err.println("CollectiveTimings: group of " + p + " failed (" + e.getMessage() + "); again");
          }
        }
      }
    }
    if (csv != null) {
      writeSamples(csv, samples);
      System.out.println("wrote " + csv);
    }
    if (fitOut != null) {
      final int[] fr = fitRanks;
      CollectiveModel m = CollectiveModel.fit(fr == null ? samples
          : samples.stream().filter(x -> Arrays.stream(fr).anyMatch(r -> r == x.ranks())).toList());
      m.write(fitOut);
      System.out.print(m.toCsv());
      System.out.println("wrote " + fitOut);
    }
    if (predict != null) {
      // Relays hold each message longer than asked (the timer's wake-up), and by group size; each
      // group's samples are predicted on the network its messages met. (The relay's own cost, a
      // few microseconds of hold at delay 0 and a hop, is in the model when it was fitted through
      // relays of delay 0.)
      Map<Integer, Double> latencyByRanks = new java.util.HashMap<>();
      if (relayDelayUs > 0) {
        for (Map.Entry<Integer, Double> e : holds.entrySet()) {
          latencyByRanks.put(e.getKey(), e.getValue() / 1e3);
          System.out.printf(Locale.ROOT, "latency for the prediction, %d ranks: %.1f us held by the relays "
              + "(asked %.1f)%n", e.getKey(), e.getValue() / 1e3, relayDelayUs);
        }
      }
      CollectiveModel base = CollectiveModel.read(predict);
      double rate = Double.isInfinite(rateMbit) ? Double.MAX_VALUE : rateMbit * 1e6 / 8;
      StringBuilder out = new StringBuilder(
          "label,latency_us,rate_mbit,algorithm,ranks,bytes,measured_us,predicted_us,rel_err,"
          + "predicted_max_us,rel_err_max\n");
      System.out.printf(Locale.ROOT, "%n%s: predicted vs measured (one-way latency %.0f us, rate %s Mbit/s)%n", label,
          latencyUs, Double.isInfinite(rateMbit) ? "unlimited" : String.format(Locale.ROOT, "%.0f", rateMbit));
      System.out.printf(Locale.ROOT, "%-6s %5s %9s %12s %12s %8s %12s %8s%n", "alg", "ranks", "bytes",
          "measured_us", "pred_add_us", "err", "pred_max_us", "err");
      for (AlphaBetaFit.Sample s : samples) {
        double lat = latencyByRanks.getOrDefault(s.ranks(), latencyUs);
        CollectiveModel net = base.onNetwork(lat * 1e-6, rate);
        CollectiveModel piped = base.onNetworkPipelined(lat * 1e-6, rate);
        double pred = net.seconds(s.algorithm(), s.bytes(), s.ranks());
        double err = (pred - s.seconds()) / s.seconds();
        double predMax = piped.seconds(s.algorithm(), s.bytes(), s.ranks());
        double errMax = (predMax - s.seconds()) / s.seconds();
        System.out.printf(Locale.ROOT, "%-6s %5d %9d %12.1f %12.1f %+7.1f%% %12.1f %+7.1f%%%n",
            s.algorithm().shortName(), s.ranks(), s.bytes(), s.seconds() * 1e6, pred * 1e6, 100 * err,
            predMax * 1e6, 100 * errMax);
        out.append(String.format(Locale.ROOT, "%s,%.1f,%s,%s,%d,%d,%.2f,%.2f,%.4f,%.2f,%.4f%n", label, lat,
            Double.isInfinite(rateMbit) ? "inf" : String.format(Locale.ROOT, "%.1f", rateMbit),
            s.algorithm().shortName(), s.ranks(), s.bytes(), s.seconds() * 1e6, pred * 1e6, err, predMax * 1e6,
            errMax));
      }
      if (compareOut != null) {
        Files.writeString(compareOut, out.toString());
        System.out.println("wrote " + compareOut);
      }
    }
  }

  /** Median seconds per (algorithm, bytes) of one group of {@code p} rank processes. */
  static List<AlphaBetaFit.Sample> measure(int p, long[] sizes, String hostTemplate, String prefixTemplate)
      throws Exception {
    return measure(p, sizes, hostTemplate, prefixTemplate, -1).samples();
  }

  /**
   * One group's timings, and with relays the median time rank 0's relays actually held a message
   * (NaN without relays).
   */
  record Group(List<AlphaBetaFit.Sample> samples, double holdNanos) {
  }

  /**
   * As {@link #measure(int, long[], String, String)}; with {@code relayDelayUs >= 0} every rank
   * puts a {@link DelayRelay} of that delay in front of each of its listening sockets and
   * advertises it, so every message between two ranks is that much later.
   */
  static Group measure(int p, long[] sizes, String hostTemplate, String prefixTemplate,
      double relayDelayUs) throws Exception {
    String java = System.getProperty("java.home") + "/bin/java";
    String secret = HexFormat.of().formatHex(CollectiveConfig.newSecret());
    String sizeList = String.join(",", Arrays.stream(sizes).mapToObj(Long::toString).toList());
    List<Process> procs = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    try {
      for (int r = 0; r < p; r++) {
        List<String> cmd = new ArrayList<>();
        String n = String.valueOf(r + 1);
        if (!prefixTemplate.isBlank()) {
          cmd.addAll(Arrays.asList(prefixTemplate.replace("{n}", n).trim().split("\\s+")));
        }
        cmd.addAll(List.of(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
            CollectiveTimings.class.getName(), "--child", String.valueOf(r), String.valueOf(p), secret,
            hostTemplate.replace("{n}", n), sizeList, String.valueOf(relayDelayUs)));
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        procs.add(proc);
        outs.add(new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8)));
      }
      String[] lists = {"", "", ""};
      for (int r = 0; r < p; r++) {
        String line = outs.get(r).readLine();
        if (line == null || !line.startsWith("PORTS ")) {
          throw new IllegalStateException("rank " + r + " did not start (first line: " + line + ")");
        }
        String[] f = line.split(" ");
        for (int k = 0; k < 3; k++) {
          lists[k] += (r > 0 ? "," : "") + f[1] + ":" + f[2 + k];
        }
      }
      for (Process proc : procs) {
        PrintWriter w = new PrintWriter(proc.getOutputStream(), true, StandardCharsets.UTF_8);
        w.println(lists[0] + " " + lists[1] + " " + lists[2]);
      }
      List<AlphaBetaFit.Sample> out = new ArrayList<>();
      double hold = Double.NaN;
      boolean ended = false;
      for (String l; (l = outs.get(0).readLine()) != null; ) {
        if (l.equals("END")) {
          ended = true;
          break;
        }
        String[] f = l.split(" ");
        if (f[0].equals("HOLD")) {
          hold = Double.parseDouble(f[1]);
        }
        if (f[0].equals("T")) {
          out.add(new AlphaBetaFit.Sample(Algorithm.byShortName(f[1]), p, Long.parseLong(f[2]),
              Double.parseDouble(f[3])));
          System.err.printf(Locale.ROOT, "  p=%d %-5s %9s B  %10.1f us%n", p, f[1], f[2], Double.parseDouble(f[3]) * 1e6);
        }
      }
      for (Process proc : procs) {
        proc.waitFor();
      }
      if (!ended || out.isEmpty()) {
        throw new IllegalStateException("the group of " + p + " ranks reported no timings (see the ranks' errors above)");
      }
      return new Group(out, hold);
    } finally {
      for (Process proc : procs) {
        proc.destroyForcibly();
      }
    }
  }

  /** Calls per size: many for small messages, few for large (the same on every rank). */
  static int reps(long bytes) {
    // Pairs of calls: as many calls as the single-call timing made before.
    return (int) Math.max(5, Math.min(100, 4_000_000L / (bytes + 40_000L)));
  }

  private static void child(String[] args) throws IOException {
    int rank = Integer.parseInt(args[1]);
    int p = Integer.parseInt(args[2]);
    byte[] secret = HexFormat.of().parseHex(args[3]);
    String host = args[4];
    long[] sizes = Arrays.stream(args[5].split(",")).mapToLong(Long::parseLong).toArray();
    // TCP: the model is of the network path (ranks on different hosts, or in network
    // namespaces with added delay, which would otherwise share /dev/shm and skip the network).
    CollectiveConfig.Builder base = CollectiveConfig.builder().secret(secret).rank(rank).size(p)
        .timeout(Duration.ofSeconds(300)).sharedMemory(false);
    CollectiveServer rdServer = CollectiveServer.bind(base.jobId("timings-rd")
        .smallMessageMaxBytes(Integer.MAX_VALUE / 2).build(), new InetSocketAddress(host, 0));
    CollectiveServer ringServer = CollectiveServer.bind(base.jobId("timings-ring")
        .smallMessageMaxBytes(0).build(), new InetSocketAddress(host, 0));
    CollectiveServer bcastServer = CollectiveServer.bind(base.jobId("timings-bcast")
        .smallMessageMaxBytes(CollectiveConfig.DEFAULT_SMALL_MESSAGE_MAX_BYTES).build(),
        new InetSocketAddress(host, 0));
    double relayDelayUs = args.length > 6 ? Double.parseDouble(args[6]) : -1;
    List<DelayRelay> relays = new ArrayList<>();
    int[] ports = {rdServer.localAddress().getPort(), ringServer.localAddress().getPort(),
        bcastServer.localAddress().getPort()};
    if (relayDelayUs >= 0) {
      try {
        for (int k = 0; k < ports.length; k++) {
          DelayRelay relay = DelayRelay.start(new InetSocketAddress(host, 0), new InetSocketAddress(host, ports[k]),
              Math.round(relayDelayUs * 1e3));
          relays.add(relay);
          ports[k] = relay.localAddress().getPort();
        }
      } catch (InterruptedException e) {
        throw new IOException("interrupted while starting the delay relays", e);
      }
    }
    System.out.println("PORTS " + host + " " + ports[0] + " " + ports[1] + " " + ports[2]);
    System.out.flush();
    String[] lists = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
        .split(" ");
    Communicator rd = rdServer.join(parse(lists[0]));
    Communicator ring = ringServer.join(parse(lists[1]));
    Communicator bcast = bcastServer.join(parse(lists[2]));
    boolean report = rank == 0;
    double[] one = new double[1];
    // JIT and buffer pools first: every path on a small message.
    for (int i = 0; i < 400; i++) {
      rd.allReduceSum(one);
      ring.allReduceSum(new float[64]);
      bcast.broadcast(one, 0);
      bcast.allReduceSum(one);
    }
    double ack = median(() -> bcast.allReduceSum(one), 200);
    for (long bytes : sizes) {
      float[] msg = new float[(int) Math.max(1, bytes / 4)];
      int reps = reps(bytes);
      double tRd = median(() -> rd.allReduceSum(msg), reps);
      double tRing = median(() -> ring.allReduceSum(msg), reps);
      double tB = median(() -> {
        bcast.broadcast(msg, 0);
        bcast.allReduceSum(one);
      }, reps) - ack;
      if (report) {
        long b = msg.length * 4L;
        System.out.printf(Locale.ROOT, "T rd %d %.9f%n", b, tRd);
        System.out.printf(Locale.ROOT, "T ring %d %.9f%n", b, tRing);
        System.out.printf(Locale.ROOT, "T bcast %d %.9f%n", b, Math.max(tB, 1e-7));
        System.out.flush();
      }
    }
    rd.barrier();
    if (report && !relays.isEmpty()) {
      // The median over this rank's relays of the median hold: the delay messages really had.
      double[] holds = relays.stream().mapToDouble(DelayRelay::medianHoldNanos).filter(h -> !Double.isNaN(h))
          .sorted().toArray();
      if (holds.length > 0) {
        System.out.printf(Locale.ROOT, "HOLD %.0f%n", holds[holds.length / 2]);
      }
    }
    if (report) {
      System.out.println("END");
    }
    System.out.flush();
    rd.close();
    ring.close();
    bcast.close();
    relays.forEach(DelayRelay::close);
    System.exit(0);
  }

  /** Median over {@code reps} pairs of consecutive calls of the seconds per call (see the class). */
  private static double median(Runnable call, int reps) {
    for (int i = 0; i < Math.max(2, reps / 5); i++) {
      call.run();
    }
    long[] t = new long[reps];
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      call.run();
      call.run();
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return t[reps / 2] * 0.5e-9;
  }

  private static List<InetSocketAddress> parse(String list) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String e : list.split(",")) {
      out.add(CollectiveConfig.parseEndpoint(e));
    }
    return out;
  }

  /** Writes samples as CSV: algorithm,ranks,bytes,seconds. */
  public static void writeSamples(Path file, List<AlphaBetaFit.Sample> samples) throws IOException {
    StringBuilder sb = new StringBuilder("algorithm,ranks,bytes,seconds\n");
    for (AlphaBetaFit.Sample s : samples) {
      sb.append(String.format(Locale.ROOT, "%s,%d,%d,%.9f%n", s.algorithm().shortName(), s.ranks(), s.bytes(),
          s.seconds()));
    }
    Files.writeString(file, sb.toString());
  }

  /** Reads what {@link #writeSamples} wrote. */
  public static List<AlphaBetaFit.Sample> readSamples(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("samples file " + file + " does not exist");
    }
    List<AlphaBetaFit.Sample> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      if (f.length != 4) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + " is not 'algorithm,ranks,bytes,seconds'");
      }
      out.add(new AlphaBetaFit.Sample(Algorithm.byShortName(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]),
          Double.parseDouble(f[3])));
    }
    return out;
  }
}
