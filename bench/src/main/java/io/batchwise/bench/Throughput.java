package io.batchwise.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Images per second of one configuration: the median of {@code rounds} timed rounds, each
 * {@code stepsPerRound} training steps of {@code batch} images, plus the spread.
 */
public record Throughput(int batch, int stepsPerRound, double[] roundImagesPerSecond) {

  public Throughput {
    if (roundImagesPerSecond.length == 0) {
      throw new IllegalArgumentException("a throughput needs at least one timed round");
    }
    roundImagesPerSecond = roundImagesPerSecond.clone();
  }

  /** Times {@code rounds} rounds of {@code steps} calls of {@code step} after {@code warmup} calls. */
  public static Throughput measure(int batch, int warmup, int rounds, int steps, Runnable step) {
    for (int i = 0; i < warmup; i++) {
      step.run();
    }
    double[] perRound = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        step.run();
      }
      double seconds = (System.nanoTime() - t0) * 1e-9;
      perRound[r] = (double) steps * batch / seconds;
    }
    return new Throughput(batch, steps, perRound);
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
    return String.format(Locale.ROOT, "batch %d: %.1f images/s (median of %d rounds, %.1f-%.1f)",
        batch, median(), roundImagesPerSecond.length, min(), max());
  }
}
