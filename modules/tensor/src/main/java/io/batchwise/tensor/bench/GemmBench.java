package io.batchwise.tensor.bench;

import com.aparapi.device.OpenCLDevice;
import io.batchwise.tensor.opencl.ClGemm;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prints GFLOP/s of every {@link ClGemm.Version} on the shapes that matter: 1024³, the conv-shaped
 * forward product 64×576×25088 (Cout × C·K·K × N·H·W), its two backward products, a dense layer
 * and LeNet's second convolution at batch 64. Each figure is the median of several timed calls
 * after one warm-up call (the first call compiles the kernel); GFLOP counts 2·m·n·k. A second table
 * divides by the CPU time the process used, which stays meaningful on a shared machine.
 *
 * <p>Usage: {@code GemmBench [reps] [V1,V2,...] [nn:MxNxK,tn:MxNxK,...]} (defaults: 5
 * repetitions, all versions, the shapes above; a third argument replaces the shapes, each named by
 * its layout: n = as stored, t = transposed, for A then B). Run with
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}.
 */
public final class GemmBench {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private record Shape(String name, boolean ta, boolean tb, int m, int n, int k) {
    long floats() {
      return (long) m * k + (long) k * n + (long) m * n;
    }

    double gflop() {
      return 2.0 * m * n * k / 1e9;
    }
  }

  private static final List<Shape> DEFAULT_SHAPES = List.of(
      new Shape("1024^3 (nn)", false, false, 1024, 1024, 1024),
      new Shape("conv fwd 64x576x25088 (nn)", false, false, 64, 25088, 576),
      new Shape("conv dW 64x25088.T (nt)", false, true, 64, 576, 25088),
      new Shape("conv dcol W.T x dY (tn)", true, false, 576, 25088, 64),
      new Shape("dense 64x800 x W.T 500 (nt)", false, true, 64, 500, 800),
      new Shape("LeNet conv2 fwd 50x4096x500", false, false, 50, 4096, 500));

  private GemmBench() {
  }

  /**
   * CPU nanoseconds run so far by all threads of this process (PoCL's workers included), from
   * Linux's per-thread schedstat (nanosecond resolution); falls back to the JVM's process CPU
   * time, which ticks in 10 ms steps.
   */
  private static long cpuNanos() {
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return OS.getProcessCpuTime();
    }
    long sum = 0;
    for (java.io.File t : tasks) {
      try {
        String line = java.nio.file.Files.readString(t.toPath().resolve("schedstat")).trim();
        sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
      } catch (java.io.IOException | RuntimeException e) {
        // A thread that ended between listing and reading: its time is lost, a negligible bias.
      }
    }
    return sum;
  }

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<ClGemm.Version> versions = new ArrayList<>();
    if (args.length > 1) {
      for (String s : args[1].split(",")) {
        versions.add(ClGemm.Version.valueOf(s.trim().toUpperCase(Locale.ROOT)));
      }
    } else {
      versions.addAll(Arrays.asList(ClGemm.Version.values()));
    }
    List<Shape> shapes = args.length > 2 ? parseShapes(args[2]) : DEFAULT_SHAPES;
    OpenCLDevice device = OpenCLDevice.listDevices(null).get(0);
    long need = shapes.stream().mapToLong(Shape::floats).max().orElseThrow();
    // One arena for every call: Aparapi leaks a pin whenever a kernel argument changes array.
    float[] arena = new float[Math.toIntExact(need)];
    SplittableRandom rnd = new SplittableRandom(1);
    for (int i = 0; i < arena.length; i++) {
      arena[i] = (float) (rnd.nextDouble() - 0.5);
    }
    Map<ClGemm.Version, ClGemm> gemms = new EnumMap<>(ClGemm.Version.class);
    for (ClGemm.Version v : versions) {
      gemms.put(v, new ClGemm(device, v));
    }
    System.out.printf("GEMM GFLOP/s on %s, median of %d runs (default %s; CPU count %d; load "
        + "average %s)%n", device.getShortDescription(), reps, ClGemm.DEFAULT,
        Runtime.getRuntime().availableProcessors(), loadAverage());
    StringBuilder head = new StringBuilder(String.format("%-30s", "shape"));
    for (ClGemm.Version v : versions) {
      head.append(String.format("%10s", v));
    }
    head.append("   ratio of each to ").append(versions.get(0));
    System.out.println(head);
    int cores = Runtime.getRuntime().availableProcessors();
    StringBuilder cpuTable = new StringBuilder();
    for (Shape s : shapes) {
      StringBuilder row = new StringBuilder(String.format("%-30s", s.name));
      StringBuilder cpuRow = new StringBuilder(String.format("%-30s", s.name));
      double[] g = new double[versions.size()];
      for (int vi = 0; vi < versions.size(); vi++) {
        double[] t = median(gemms.get(versions.get(vi)), arena, s, reps);
        g[vi] = s.gflop() / t[0];
        row.append(String.format("%10.1f", g[vi]));
        cpuRow.append(String.format("%10.1f", s.gflop() / (t[1] / cores)));
      }
      row.append("  ");
      for (double x : g) {
        row.append(String.format(" %6.1fx", x / g[0]));
      }
      System.out.println(row);
      cpuTable.append(cpuRow).append(System.lineSeparator());
    }
    System.out.printf("%nSame runs, GFLOP per process-CPU-second x %d cores (what the kernels do "
        + "with the cores to themselves; the machine is shared):%n", cores);
    System.out.print(cpuTable);
    System.out.printf("load average at the end: %s%n", loadAverage());
    gemms.values().forEach(ClGemm::close);
  }

  /** The 1-minute load average, which says how disturbed the timings were. */
  private static String loadAverage() {
    return String.format("%.1f", OS.getSystemLoadAverage());
  }

  private static List<Shape> parseShapes(String spec) {
    List<Shape> out = new ArrayList<>();
    for (String item : spec.split(",")) {
      String[] parts = item.trim().split(":");
      String[] dims = parts[1].split("x");
      if (parts.length != 2 || parts[0].length() != 2 || dims.length != 3) {
        throw new IllegalArgumentException("shape must look like nt:64x576x25088, got " + item);
      }
      out.add(new Shape(item.trim(), parts[0].charAt(0) == 't', parts[0].charAt(1) == 't',
          Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2])));
    }
    return out;
  }

  /**
   * Median wall seconds and median process-CPU seconds of {@code reps} timed calls, after one
   * untimed warm-up call. On a shared machine the CPU figure shows what the kernel would do with
   * the cores to itself (flop per CPU-second times the core count).
   */
  private static double[] median(ClGemm g, float[] arena, Shape s, int reps) {
    int aOff = 0;
    int bOff = s.m * s.k;
    int cOff = bOff + s.k * s.n;
    g.gemm(arena, s.ta, s.tb, s.m, s.n, s.k, 1f, aOff, bOff, 0f, cOff);
    double[] wall = new double[reps];
    double[] cpu = new double[reps];
    for (int r = 0; r < reps; r++) {
      long c0 = cpuNanos();
      long t0 = System.nanoTime();
      g.gemm(arena, s.ta, s.tb, s.m, s.n, s.k, 1f, aOff, bOff, 0f, cOff);
      wall[r] = (System.nanoTime() - t0) / 1e9;
      cpu[r] = (cpuNanos() - c0) / 1e9;
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    return new double[] {wall[reps / 2], cpu[reps / 2]};
  }
}
