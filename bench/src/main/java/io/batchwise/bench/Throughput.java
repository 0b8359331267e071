package io.batchwise.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * Images per second of one configuration: the median of {@code rounds} timed rounds, each
 * {@code stepsPerRound} training steps of {@code batch} images, plus the spread.
 *
 * <p>{@code roundImagesPerCpuSecond} divides the same images by the CPU time the whole process
 * used in the round (every thread, PoCL's and OpenMP's included). On a shared machine wall-clock
 * throughput depends on what else runs; images per CPU-second times the core count estimates what
 * the process would do with the cores to itself (exact only if it kept every core busy).
 */
public record Throughput(int batch, int stepsPerRound, double[] roundImagesPerSecond,
    double[] roundImagesPerCpuSecond) {

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  public Throughput {
    if (roundImagesPerSecond.length == 0) {
      throw new IllegalArgumentException("a throughput needs at least one timed round");
    }
    roundImagesPerSecond = roundImagesPerSecond.clone();
    roundImagesPerCpuSecond = roundImagesPerCpuSecond.clone();
  }

  /** Times {@code rounds} rounds of {@code steps} calls of {@code step} after {@code warmup} calls. */
  public static Throughput measure(int batch, int warmup, int rounds, int steps, Runnable step) {
    for (int i = 0; i < warmup; i++) {
      step.run();
    }
    double[] perRound = new double[rounds];
    double[] perCpu = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long c0 = OS.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        step.run();
      }
      double seconds = (System.nanoTime() - t0) * 1e-9;
      double cpuSeconds = (OS.getProcessCpuTime() - c0) * 1e-9;
      perRound[r] = (double) steps * batch / seconds;
      perCpu[r] = cpuSeconds > 0 ? (double) steps * batch / cpuSeconds : Double.NaN;
    }
    return new Throughput(batch, steps, perRound, perCpu);
  }

  /** Median images per process-CPU-second (see the class comment). */
  public double medianPerCpuSecond() {
    return Median.of(roundImagesPerCpuSecond);
  }

  public double median() {
    return Median.of(roundImagesPerSecond);
  }

  public double min() {
    return Arrays.stream(roundImagesPerSecond).min().orElseThrow();
  }

  public double max() {
    return Arrays.stream(roundImagesPerSecond).max().orElseThrow();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "batch %d: %.1f images/s (median of %d rounds, %.1f-%.1f);"
        + " %.1f images per CPU-second", batch, median(), roundImagesPerSecond.length, min(), max(),
        medianPerCpuSecond());
  }
}
