package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RankDrift} on steps whose offset, noise and memory are known. */
class RankDriftTest {

  /**
   * Two ranks: rank 1 slower by {@code offset} (log), both with AR(1) noise of standard deviation
   * {@code sd} and lag-1 correlation {@code phi}.
   */
  private static String rows(String key, int steps, double offset, double sd, double phi, long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    double e0 = 0;
    double e1 = 0;
    double innovation = sd * Math.sqrt(1 - phi * phi);
    for (int s = 0; s < steps; s++) {
      e0 = phi * e0 + innovation * rnd.nextGaussian();
      e1 = phi * e1 + innovation * rnd.nextGaussian();
      double c0 = 16 * 7.0 * Math.exp(e0);
      double c1 = 16 * 7.0 * Math.exp(offset + e1);
      sb.append(String.format(Locale.ROOT, "%s,0,%d,16,%.6f,%.6f,1,0%n", key, s, c0 + 1, c0));
      sb.append(String.format(Locale.ROOT, "%s,1,%d,16,%.6f,%.6f,1,0%n", key, s, c1 + 1, c1));
    }
    return sb.toString();
  }

  @Test
  void separatesALastingOffsetFromNoiseAndItsMemory(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("scaling-steps.csv");
    String header = "model,mode,norm,workers,global_batch,repeat," + ScalingRun.STEP_COLUMNS + "\n";
    Files.writeString(csv, header
        + rows("m,weak,syncbn,2,32,1", 4000, 0.0, 0.05, 0.0, 1)
        + rows("m,weak,syncbn,2,32,2", 4000, 0.0, 0.05, 0.0, 2)
        + rows("m,weak,independent,2,32,1", 4000, 0.2, 0.02, 0.8, 3));
    List<RankDrift.Run> runs = RankDrift.read(csv);
    assertEquals(3, runs.size());
    RankDrift.Run noise = runs.get(0);
    RankDrift.Run lasting = runs.get(2);
    // d of each rank is half the difference of the two: offset/2, sd·√2/2.
    assertEquals(0, noise.maxOffset(), 0.01, "no lasting offset");
    assertEquals(0.05 * Math.sqrt(2) / 2, noise.noise(), 0.004);
    assertEquals(0, noise.memory(), 0.06, "no memory");
    assertEquals(0.1, lasting.maxOffset(), 0.01, "rank 1 lastingly slower");
    assertEquals(0.8, lasting.memory(), 0.06, "memory of AR(1) noise");
    String md = RankDrift.summary(csv);
    assertTrue(md.contains("| m,weak,syncbn,2,32 | 2 |") && md.contains("| m,weak,independent,2,32 | 1 |"), md);
  }

  @Test
  void oneWorkerOrTooFewStepsGiveNoRow(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("scaling-steps.csv");
    Files.writeString(csv, "model,mode,norm,workers,global_batch,repeat," + ScalingRun.STEP_COLUMNS + "\n"
        + "m,weak,syncbn,1,16,1,0,0,16,100,99,0,1\n"
        + "m,weak,syncbn,1,16,1,0,1,16,100,99,0,1\n"
        + rows("m,weak,syncbn,2,32,1", 2, 0, 0.05, 0, 4));
    assertTrue(RankDrift.read(csv).isEmpty());
    assertEquals("", RankDrift.summary(csv));
  }
  /** Segment rows of two ranks over 20 steps: 9 segments of 1..9 ms, rank 1 changed by {@code slower}. */
  private static String segmentRows(String key, java.util.function.BiFunction<Integer, Double, Double> slower) {
    StringBuilder sb = new StringBuilder();
    Random rnd = new Random(5);
    for (int s = 0; s < 20; s++) {
      for (int r = 0; r < 2; r++) {
        StringBuilder seg = new StringBuilder();
        for (int i = 0; i < 9; i++) {
          double ms = (i + 1) * (1 + 0.01 * rnd.nextGaussian());
          seg.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.4f", r == 1 ? slower.apply(i, ms) : ms));
        }
        sb.append(key).append(',').append(r).append(',').append(s).append(',').append(seg).append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  void findsWhereTheSlowerRanksExtraComputeSits(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("scaling-segments.csv");
    Files.writeString(csv, "model,mode,norm,workers,global_batch,repeat," + ScalingRun.SEGMENT_COLUMNS + "\n"
        + segmentRows("m,weak,syncbn,2,32,1", (i, ms) -> i == 6 ? ms + 4 : ms)
        + segmentRows("m,weak,syncbn,2,32,2", (i, ms) -> ms * 1.1));
    List<RankDrift.Segments> runs = RankDrift.readSegments(csv);
    assertEquals(2, runs.size());
    RankDrift.Segments one = runs.get(0);
    // 4 ms more in segment 6 alone: half of it over the pair's mean, none in forward (segments 0-4).
    assertEquals(1, one.rank());
    assertEquals(6, one.topSegment());
    assertEquals(2.0, one.extraMs(), 0.1);
    assertEquals(0.0, one.forwardExtraMs(), 0.1);
    assertEquals(9.0 / 47, one.topComputeShare(), 0.01); // the pair mean of 7 and 11 ms, of 47
    // 10% slower throughout: the extra follows the segments' lengths (the longest holds the most).
    RankDrift.Segments uniform = runs.get(1);
    assertEquals(8, uniform.topSegment());
    assertEquals(0.05 * 45, uniform.extraMs(), 0.15);
    assertEquals(uniform.topExtraMs() / uniform.extraMs(), uniform.topComputeShare(), 0.02);
    assertTrue(RankDrift.segmentSummary(csv).contains("| m,weak,syncbn,2,32,1 | 20 | 1 |"));
  }
}
