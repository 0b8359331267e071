package io.batchwise.bench;

import io.batchwise.data.Dataset;
import io.batchwise.data.FashionMnist;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.train.Catalog;
import io.batchwise.train.GradientSync;
import io.batchwise.train.TrainStep;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./batchwise bench compute}: in one run, (a) GEMM GFLOP/s at 1024×1024×1024 and at the
 * conv-shaped 64×576×25088 (m×k×n: Cout × C·K·K × N·H·W) through the device's {@link Ops#gemm},
 * the path training uses; (b) kernel launch overhead (a one-element {@link Ops#scale}); (c) LeNet-BN
 * training images/second at batch 64 and 8 for Batchwise ({@link TrainStep}, the trainer's own
 * step) and for Deeplearning4j ({@link Dl4jLeNetBench}, in a child JVM per thread count), on the
 * same Fashion-MNIST images, with the ratio. Writes {@code bench/results/compute.json}.
 *
 * <p>Every figure is a median over timed repetitions after a warm-up. A part that fails is
 * reported (and recorded as null with its error) and the others still run: no figure is ever
 * made up. Options: {@code --device SPEC} (auto), {@code --batches 64,8}, {@code --warmup N},
 * {@code --rounds N}, {@code --steps N}, {@code --gemm-reps N}, {@code --dl4j-threads 1,2},
 * {@code --skip-dl4j}, {@code --skip-batchwise}, {@code --out FILE}, {@code --data DIR}.
 */
public final class ComputeBench {

  /** A GEMM shape m×k×n, as the issue names them. */
  record Shape(String key, int m, int k, int n) {
    double gflop() {
      return 2.0 * m * n * k / 1e9;
    }
  }

  static final List<Shape> GEMM_SHAPES = List.of(
      new Shape("1024x1024x1024", 1024, 1024, 1024),
      new Shape("64x576x25088", 64, 576, 25088));

  private ComputeBench() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Map<String, Object> json = new LinkedHashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    json.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
    json.put("note", "every figure is the median of timed repetitions after a warm-up; "
        + "images_per_second counts training images (forward, backward, optimizer step); "
        + "gemm shapes are m x k x n; null means not measured (see errors)");
    json.put("cpus", Runtime.getRuntime().availableProcessors());
    json.put("load_average_at_start", loadAverage());
    json.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset"));

    TrainTestSplit data = FashionMnist.load(o.data);
    Map<String, Double> gemm = new LinkedHashMap<>();
    Double launchUs = null;
    Map<String, Double> ours = new LinkedHashMap<>();
    Map<String, Double> oursCpu = new LinkedHashMap<>();
    for (int b : o.batches) {
      ours.put(Integer.toString(b), null);
      oursCpu.put(Integer.toString(b), null);
    }

    if (!o.skipBatchwise) {
      try (Device device = Devices.open(o.device, DeviceOptions.DEFAULT)) {
        json.put("device", device.name() + " (" + device.description() + ")");
        json.put("device_kind", device.kind().toString());
        System.out.println("device: " + device.name() + " (" + device.description() + ")");

        System.out.println("\n(a) GEMM through Ops.gemm, median of " + o.gemmReps + " calls");
        for (Shape s : GEMM_SHAPES) {
          try {
            double g = gemmGflops(device, s, o.gemmReps);
            gemm.put(s.key, g);
            System.out.printf(Locale.ROOT, "  %-16s %8.1f GFLOP/s%n", s.key, g);
          } catch (RuntimeException e) {
            gemm.put(s.key, null);
            errors.put("gemm " + s.key, e.toString());
            System.out.println("  " + s.key + " FAILED: " + e);
          }
        }

        System.out.println("\n(b) kernel launch overhead (one-element scale), median per call");
        try {
          launchUs = launchOverheadMicros(device);
          System.out.printf(Locale.ROOT, "  %.1f us per launch%n", launchUs);
        } catch (RuntimeException e) {
          errors.put("launch_overhead", e.toString());
          System.out.println("  FAILED: " + e);
        }

        System.out.println("\n(c) Batchwise LeNet-BN training on " + data.train().name());
        for (int b : o.batches) {
          try {
            Throughput t = batchwiseLeNet(device, data.train(), b, o);
            ours.put(Integer.toString(b), t.median());
            oursCpu.put(Integer.toString(b), t.medianPerCpuSecond());
            System.out.println("  batchwise " + t);
          } catch (RuntimeException e) {
            errors.put("batchwise batch " + b, e.toString());
            System.out.println("  batch " + b + " FAILED: " + e);
            e.printStackTrace(System.out);
          }
        }
      } catch (RuntimeException e) {
        errors.put("device " + o.device, e.toString());
        System.out.println("device " + o.device + " could not be opened: " + e);
      }
    }

    Map<String, Map<String, Double>> dl4jByThreads = new LinkedHashMap<>();
    Map<String, Double> dl4j = new LinkedHashMap<>();
    Map<String, Double> dl4jCpu = new LinkedHashMap<>();
    for (int b : o.batches) {
      dl4j.put(Integer.toString(b), null);
      dl4jCpu.put(Integer.toString(b), null);
    }
    if (!o.skipDl4j) {
      for (int threads : o.dl4jThreads) {
        System.out.println("\n(c) Deeplearning4j LeNet-BN, OMP_NUM_THREADS=" + threads
            + " (child JVM)");
        try {
          Map<String, double[]> r = runDl4j(threads, o);
          Map<String, Double> medians = new LinkedHashMap<>();
          r.forEach((batch, v) -> medians.put(batch, v[0]));
          dl4jByThreads.put(Integer.toString(threads), medians);
          // The baseline gets its best thread count per batch size: we compare against DL4J at
          // its fastest on this machine, not at a setting that handicaps it.
          r.forEach((batch, v) -> {
            keepMax(dl4j, batch, v[0]);
            keepMax(dl4jCpu, batch, v[1]);
          });
        } catch (IOException | RuntimeException e) {
          errors.put("dl4j threads " + threads, e.toString());
          System.out.println("  FAILED: " + e);
        }
      }
    }

    Map<String, Object> ips = new LinkedHashMap<>();
    ips.put("batchwise", ours);
    ips.put("dl4j", dl4j);
    Map<String, Double> ratio = ratios(o, ours, dl4j);
    Map<String, Object> ipcs = new LinkedHashMap<>();
    ipcs.put("batchwise", oursCpu);
    ipcs.put("dl4j", dl4jCpu);
    json.put("gemm_gflops", gemm);
    json.put("launch_overhead_us", launchUs);
    json.put("images_per_second", ips);
    json.put("ratio_batchwise_to_dl4j", ratio);
    json.put("images_per_cpu_second", ipcs);
    json.put("ratio_per_cpu_second_batchwise_to_dl4j", ratios(o, oursCpu, dl4jCpu));
    json.put("per_cpu_second_note", "training images per second of CPU time used by the whole "
        + "process (all its threads); less sensitive to other load than wall-clock figures");
    json.put("dl4j_by_threads", dl4jByThreads);
    json.put("dl4j_note", "Deeplearning4j 1.0.0-M2.1, nd4j-native (OpenBLAS) linux-x86_64, "
        + "Nesterov momentum 0.9; dl4j = best over the thread counts tried");
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("warmup_steps", o.warmup);
    settings.put("rounds", o.rounds);
    settings.put("steps_per_round", o.steps);
    settings.put("gemm_reps", o.gemmReps);
    json.put("settings", settings);
    json.put("load_average_at_end", loadAverage());
    json.put("errors", errors);

    printSummary(o, gemm, launchUs, ours, dl4j, ratio, oursCpu, dl4jCpu);
    Path out = o.out;
    Files.createDirectories(out.toAbsolutePath().getParent());
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Files.writeString(tmp, Json.write(json) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("\nwrote " + out);
    if (!errors.isEmpty()) {
      System.out.println("some parts failed: " + errors.keySet());
    }
  }

  private static void keepMax(Map<String, Double> best, String key, double v) {
    Double old = best.get(key);
    if (Double.isFinite(v) && (old == null || v > old)) {
      best.put(key, v);
    }
  }

  private static Map<String, Double> ratios(Options o, Map<String, Double> ours,
      Map<String, Double> theirs) {
    Map<String, Double> ratio = new LinkedHashMap<>();
    for (int b : o.batches) {
      String k = Integer.toString(b);
      Double a = ours.get(k);
      Double d = theirs.get(k);
      ratio.put(k, a != null && d != null && d > 0 ? a / d : null);
    }
    return ratio;
  }

  /** Median GFLOP/s of {@code reps} calls of C = A·B after one warm-up call (kernel compile). */
  static double gemmGflops(Device device, Shape s, int reps) {
    SplittableRandom rnd = new SplittableRandom(1);
    float[] a = new float[s.m * s.k];
    float[] b = new float[s.k * s.n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (rnd.nextDouble() - 0.5);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (rnd.nextDouble() - 0.5);
    }
    try (Tensor ta = device.upload(a, s.m, s.k);
        Tensor tb = device.upload(b, s.k, s.n);
        Tensor tc = device.allocate(s.m, s.n)) {
      Ops ops = device.ops();
      ops.gemm(false, false, s.m, s.n, s.k, 1f, ta, 0, tb, 0, 0f, tc, 0);
      double[] gflops = new double[reps];
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        ops.gemm(false, false, s.m, s.n, s.k, 1f, ta, 0, tb, 0, 0f, tc, 0);
        gflops[r] = s.gflop() / ((System.nanoTime() - t0) * 1e-9);
      }
      return Median.of(gflops);
    }
  }

  /** Median microseconds per launch of a one-element kernel, over 7 rounds of 200 launches. */
  static double launchOverheadMicros(Device device) {
    try (Tensor x = device.upload(new float[] {1f}, 1)) {
      Ops ops = device.ops();
      for (int i = 0; i < 100; i++) {
        ops.scale(x, 1f);
      }
      int rounds = 7;
      int calls = 200;
      double[] us = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          ops.scale(x, 1f);
        }
        us[r] = (System.nanoTime() - t0) / 1e3 / calls;
      }
      return Median.of(us);
    }
  }

  /**
   * Images/second of Batchwise's own training step on LeNet-BN (norm "bn"), SGD momentum 0.9,
   * no weight decay, lr 0.01, over shuffled Fashion-MNIST batches (host batch composition and
   * upload included, as in the trainer).
   */
  static Throughput batchwiseLeNet(Device device, Dataset train, int batch, Options o) {
    int[] order = Dl4jLeNetBench.shuffled(train.size(), 42);
    int[] shape = Catalog.inputShape();
    SgdConfig sgd = new SgdConfig(0.9, false, 0.0, false);
    try (Sequential model = Catalog.newModel("lenet-bn", "bn")) {
      model.init(device, shape.clone(), new Random(42));
      try (TrainStep step = new TrainStep(device, model, shape, train.numClasses(), batch, sgd,
          GradientSync.LOCAL)) {
        int[] pos = {0};
        int[] indices = new int[batch];
        return Throughput.measure(batch, o.warmup, o.rounds, o.steps, () -> {
          if (pos[0] + batch > order.length) {
            pos[0] = 0;
          }
          System.arraycopy(order, pos[0], indices, 0, batch);
          pos[0] += batch;
          step.run(train, indices, batch, 0.01);
        });
      }
    }
  }

  private static final Pattern DL4J_LINE = Pattern.compile(
      "\"batch\":(\\d+),\"threads\":\"[^\"]*\",\"median\":([0-9.]+),"
          + "\"per_cpu_second\":([0-9.]+|NaN)");

  /**
   * Runs {@link Dl4jLeNetBench} in a child JVM with {@code OMP_NUM_THREADS} and
   * {@code OPENBLAS_NUM_THREADS} set to {@code threads}; returns, per batch size,
   * {median images/s, median images per CPU-second}.
   */
  static Map<String, double[]> runDl4j(int threads, Options o) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx4g", "-XX:+UseG1GC",
        "-cp", System.getProperty("java.class.path"), Dl4jLeNetBench.class.getName(),
        "--batch", joined(o.batches), "--warmup", Integer.toString(o.warmup),
        "--rounds", Integer.toString(o.rounds), "--steps", Integer.toString(o.steps),
        "--data", o.data.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // nd4j's own ops follow OpenMP; its OpenBLAS may keep a thread pool of its own.
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
    Process p = pb.start();
    Map<String, double[]> result = new LinkedHashMap<>();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(Dl4jLeNetBench.RESULT_PREFIX)) {
          Matcher m = DL4J_LINE.matcher(line);
          if (m.find()) {
            result.put(m.group(1), new double[] {Double.parseDouble(m.group(2)),
                Double.parseDouble(m.group(3))});
          }
        } else if (!line.startsWith("SLF4J:")) {
          System.out.println("  | " + line);
        }
      }
    }
    int rc;
    try {
      rc = p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the Deeplearning4j child JVM", e);
    }
    if (rc != 0) {
      throw new IOException("Deeplearning4j child JVM exited with status " + rc);
    }
    return result;
  }

  private static void printSummary(Options o, Map<String, Double> gemm, Double launchUs,
      Map<String, Double> ours, Map<String, Double> dl4j, Map<String, Double> ratio,
      Map<String, Double> oursCpu, Map<String, Double> dl4jCpu) {
    System.out.println("\nSummary (medians; the machine may be shared, compare ratios):");
    for (Map.Entry<String, Double> e : gemm.entrySet()) {
      System.out.printf(Locale.ROOT, "  GEMM %-16s %s GFLOP/s%n", e.getKey(), fmt(e.getValue()));
    }
    System.out.printf(Locale.ROOT, "  kernel launch overhead  %s us%n", fmt(launchUs));
    System.out.printf(Locale.ROOT, "  %-6s %16s %12s %8s   %16s %12s %8s%n", "batch",
        "batchwise img/s", "dl4j img/s", "ratio", "batchwise img/cpu-s", "dl4j img/cpu-s", "ratio");
    Map<String, Double> cpuRatio = ratios(o, oursCpu, dl4jCpu);
    for (int b : o.batches) {
      String k = Integer.toString(b);
      System.out.printf(Locale.ROOT, "  %-6s %16s %12s %8s   %16s %12s %8s%n", k,
          fmt(ours.get(k)), fmt(dl4j.get(k)), times(ratio.get(k)),
          fmt(oursCpu.get(k)), fmt(dl4jCpu.get(k)), times(cpuRatio.get(k)));
    }
  }

  private static String times(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.2fx", v);
  }

  private static String fmt(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String joined(int[] values) {
    StringBuilder s = new StringBuilder();
    for (int v : values) {
      s.append(s.length() == 0 ? "" : ",").append(v);
    }
    return s.toString();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Command-line options; see the class comment. */
  static final class Options {
    String device = "auto";
    int[] batches = {64, 8};
    int warmup = 10;
    int rounds = 5;
    int steps = 20;
    int gemmReps = 5;
    int[] dl4jThreads = {1, 2};
    boolean skipDl4j;
    boolean skipBatchwise;
    Path data = Path.of(System.getProperty("batchwise.fashionMnist",
        FashionMnist.DEFAULT_DIR.toString()));
    Path out = Path.of(System.getProperty("batchwise.root", "."), "bench", "results",
        "compute.json");

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--skip-dl4j" -> o.skipDl4j = true;
          case "--skip-batchwise" -> o.skipBatchwise = true;
          case "--help", "-h" -> {
            System.out.println("options: --device SPEC --batches 64,8 --warmup N --rounds N "
                + "--steps N --gemm-reps N --dl4j-threads 1,2 --skip-dl4j --skip-batchwise "
                + "--out FILE --data DIR");
            System.exit(0);
          }
          default -> {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException("unknown option or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
              case "--device" -> o.device = v;
              case "--batches" -> o.batches = ints(a, v);
              case "--warmup" -> o.warmup = Integer.parseInt(v);
              case "--rounds" -> o.rounds = ints(a, v)[0];
              case "--steps" -> o.steps = ints(a, v)[0];
              case "--gemm-reps" -> o.gemmReps = ints(a, v)[0];
              case "--dl4j-threads" -> o.dl4jThreads = ints(a, v);
              case "--out" -> o.out = Path.of(v);
              case "--data" -> o.data = Path.of(v);
              default -> throw new IllegalArgumentException("unknown option " + a
                  + " (try --help)");
            }
          }
        }
      }
      return o;
    }

    static int[] ints(String option, String value) {
      int[] out = Arrays.stream(value.split(",")).mapToInt(s -> Integer.parseInt(s.trim()))
          .toArray();
      for (int v : out) {
        if (v <= 0) {
          throw new IllegalArgumentException(option + " takes positive integers, got " + value);
        }
      }
      return out;
    }
  }
}
