package io.batchwise.train.scaling;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * How fast each core of this machine runs the same fixed piece of work, alone and with every core
 * busy: the context a scaling result needs on a virtual machine whose cores are not what they
 * claim. On this 2-vCPU VM (2026-12-01) a pinned Python loop took 0.75 s on core 0 and 1.26 s on
 * core 1 at 14:05 (1.04 s and 1.55 s with both busy), 0.74 and 0.79 s twenty minutes later; this
 * probe found in-cache arithmetic unaffected by the other core, but its 48 MB stream 1.4-2.0x
 * slower per core with both busy in every repeat of 14:31-14:38 ({@code bench/results/overlap.md}).
 * W workers on W such cores cannot reach W times one worker whatever the communication does.
 *
 * <p>Work, in plain Java: a 96×96 by 96×96 float matrix product (C2 vectorizes it; about 0.9 M
 * multiply-adds; its data fit in a core's cache), and a stream triad over three arrays of 16 MB
 * (what memory and the shared cache give a core). A probe JVM per core, pinned with taskset as the
 * scaling runs' workers are, warms up, waits for the start signal, then times {@code ITERATIONS}
 * products and {@code STREAM_ITERATIONS} triads and reports the medians. "Alone" runs one probe
 * per core in turn; "together" starts one on every core at once.
 */
public final class CoreProbe {
  static final int N = 96;
  static final int ITERATIONS = 300;
  /** Floats per array of the streaming work: three arrays of 16 MB, beyond any core's cache. */
  static final int STREAM = 4 << 20;
  static final int STREAM_ITERATIONS = 30;

  private CoreProbe() {
  }

  /**
   * Median milliseconds per product, per core: {@code alone[k]} with core k the only one probed,
   * {@code together[k]} with every core probed at once.
   */
  public record Speeds(double[] alone, double[] together, double[] streamAlone, double[] streamTogether) {
    /** The slowest core's time together over the fastest core's time alone. */
    public double worstSlowdown() {
      return Arrays.stream(together).max().orElse(Double.NaN) / Arrays.stream(alone).min().orElse(Double.NaN);
    }

    /** One line for reports: per core, alone and together. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < alone.length; k++) {
        sb.append(k > 0 ? "; " : "").append(String.format(Locale.ROOT, "core %d: product %.3f ms alone, %.3f ms "
            + "with every core busy, stream %.2f ms alone, %.2f ms with every core busy", k, alone[k], together[k],
            streamAlone[k], streamTogether[k]));
      }
      return sb.toString();
    }
  }

  /**
   * Probes every core (pinned with taskset; unpinned probes when {@code pin} is false, which then
   * say little about a particular core).
   */
  public static Speeds measure(boolean pin) throws IOException, InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    double[] alone = new double[cores];
    double[] streamAlone = new double[cores];
    for (int k = 0; k < cores; k++) {
      double[][] t = run(new int[] {k}, pin);
      alone[k] = t[0][0];
      streamAlone[k] = t[1][0];
    }
    int[] all = new int[cores];
    Arrays.setAll(all, k -> k);
    double[][] together = run(all, pin);
    return new Speeds(alone, together[0], streamAlone, together[1]);
  }

  /** {product ms per core, stream ms per core}, the probes on {@code cores} started together. */
  private static double[][] run(int[] cores, boolean pin) throws IOException, InterruptedException {
    String java = System.getProperty("java.home") + "/bin/java";
    List<Process> procs = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    try {
      for (int core : cores) {
        List<String> cmd = new ArrayList<>(ScalingRun.affinity(core, pin));
        cmd.addAll(List.of(java, "-Xmx256m", "-XX:ActiveProcessorCount=1", "-cp", System.getProperty("java.class.path"),
            CoreProbe.class.getName(), "--child"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        procs.add(p);
        outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
      }
      for (int i = 0; i < cores.length; i++) {
        String l = outs.get(i).readLine();
        if (!"READY".equals(l)) {
          throw new IllegalStateException("core probe on core " + cores[i] + " did not start (said: " + l + ")");
        }
      }
      for (Process p : procs) {
        PrintWriter w = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        w.println("GO");
      }
      double[][] ms = new double[2][cores.length];
      for (int i = 0; i < cores.length; i++) {
        String l = outs.get(i).readLine();
        if (l == null || !l.startsWith("MS ")) {
          throw new IllegalStateException("core probe on core " + cores[i] + " ended without a time (said: " + l + ")");
        }
        String[] f = l.split(" ");
        ms[0][i] = Double.parseDouble(f[1]);
        ms[1][i] = Double.parseDouble(f[2]);
        if (!procs.get(i).waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("core probe on core " + cores[i] + " did not exit");
        }
      }
      return ms;
    } finally {
      procs.forEach(Process::destroyForcibly);
    }
  }

  /** Appends one probe's lines (one per core) to {@code csv}, writing the header first when new. */
  public static void append(Path csv, int repeat, Speeds s) throws IOException {
    StringBuilder lines = new StringBuilder(Files.isRegularFile(csv) ? ""
        : "time,repeat,core,alone_ms,together_ms,stream_alone_ms,stream_together_ms\n");
    for (int k = 0; k < s.alone().length; k++) {
      lines.append(String.format(Locale.ROOT, "%s,%d,%d,%.6f,%.6f,%.6f,%.6f%n", Instant.now(), repeat, k,
          s.alone()[k], s.together()[k], s.streamAlone()[k], s.streamTogether()[k]));
    }
    Files.writeString(csv, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * The probes in {@code csv} (one per repeat) for a report: per core and work, the median and
   * range alone and with every core busy, and the slowest core together over the fastest alone.
   * Files of the first version (no stream columns) give the product only.
   */
  public static String summary(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    Map<Integer, List<double[]>> byCore = new TreeMap<>();
    for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = l.split(",");
      if (f.length == 5 || f.length == 7) {
        double[] v = new double[4];
        Arrays.fill(v, Double.NaN);
        for (int i = 3; i < f.length; i++) {
          v[i - 3] = Double.parseDouble(f[i]);
        }
        byCore.computeIfAbsent(Integer.parseInt(f[2]), k -> new ArrayList<>()).add(v);
      }
    }
    if (byCore.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("Core probe (`CoreProbe`, once per repeat, `" + csv.getFileName()
        + "`): the same work pinned to each core, alone and with every core busy, median (range) of ms per "
        + "call. ");
    String[] works = {"Matrix product (in cache)", "Stream triad over 48 MB (memory)"};
    for (int w = 0; w < 2; w++) {
      final int a = 2 * w;
      if (byCore.values().stream().flatMap(List::stream).anyMatch(v -> Double.isNaN(v[a]))) {
        continue;
      }
      sb.append(works[w]).append(": ");
      double fastestAlone = Double.MAX_VALUE;
      double slowestTogether = 0;
      int k = 0;
      for (Map.Entry<Integer, List<double[]>> e : byCore.entrySet()) {
        double[] alone = e.getValue().stream().mapToDouble(v -> v[a]).sorted().toArray();
        double[] together = e.getValue().stream().mapToDouble(v -> v[a + 1]).sorted().toArray();
        fastestAlone = Math.min(fastestAlone, alone[alone.length / 2]);
        slowestTogether = Math.max(slowestTogether, together[together.length / 2]);
        sb.append(k++ > 0 ? "; " : "").append(String.format(Locale.ROOT, "core %d alone %s, together %s", e.getKey(),
            range(alone), range(together)));
      }
      sb.append(String.format(Locale.ROOT, " (slowest core together / fastest core alone: %.2f). ",
          slowestTogether / fastestAlone));
    }
    return sb.toString().trim() + "\n\n";
  }

  private static String range(double[] sorted) {
    String fmt = sorted[sorted.length / 2] < 10 ? "%.3f" : "%.1f";
    return String.format(Locale.ROOT, fmt + " (" + fmt + "–" + fmt + ")", sorted[sorted.length / 2], sorted[0],
        sorted[sorted.length - 1]);
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 1 && args[0].equals("--child")) {
      child();
      return;
    }
    try {
      Speeds s = measure(ScalingRun.tasksetAvailable());
      System.out.println(s.describe());
      System.out.printf(Locale.ROOT, "slowest core together / fastest core alone: %.2f%n", s.worstSlowdown());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void child() throws IOException {
    float[] a = new float[N * N];
    float[] b = new float[N * N];
    float[] c = new float[N * N];
    for (int i = 0; i < a.length; i++) {
      a[i] = (i % 7) * 0.25f;
      b[i] = (i % 5) * 0.5f;
    }
    float[] x = new float[STREAM];
    float[] y = new float[STREAM];
    float[] z = new float[STREAM];
    Arrays.fill(y, 1f);
    Arrays.fill(z, 2f);
    for (int i = 0; i < 200; i++) {
      product(a, b, c);
    }
    for (int i = 0; i < 5; i++) {
      triad(x, y, z);
    }
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    double product = medianMillis(() -> product(a, b, c), ITERATIONS);
    double stream = medianMillis(() -> triad(x, y, z), STREAM_ITERATIONS);
    // The results feed the output, so the work cannot be optimized away.
    System.out.printf(Locale.ROOT, "MS %.6f %.6f%n", product + (c[N] == -1f ? 1 : 0),
        stream + (x[STREAM / 2] == -1f ? 1 : 0));
    System.out.flush();
  }

  /** Median milliseconds of {@code iterations} timed calls of {@code work}. */
  private static double medianMillis(Runnable work, int iterations) {
    long[] t = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      work.run();
      t[i] = System.nanoTime() - t0;
    }
    Arrays.sort(t);
    return t[iterations / 2] / 1e6;
  }

  /** x = y + 1.5 z: three arrays streamed through memory (reads 32 MB, writes 16 MB). */
  static void triad(float[] x, float[] y, float[] z) {
    for (int i = 0; i < x.length; i++) {
      x[i] = y[i] + 1.5f * z[i];
    }
  }

  /** c = a · b, row-major N×N, the i-k-j loop order C2 vectorizes. */
  static void product(float[] a, float[] b, float[] c) {
    Arrays.fill(c, 0f);
    for (int i = 0; i < N; i++) {
      for (int k = 0; k < N; k++) {
        float aik = a[i * N + k];
        int bo = k * N;
        int co = i * N;
        for (int j = 0; j < N; j++) {
          c[co + j] += aik * b[bo + j];
        }
      }
    }
  }
}
