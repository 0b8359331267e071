package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EfficiencyFactors} on steps whose factors are known. */
class EfficiencyFactorsTest {
  private static final String HEADER = "model,mode,norm,workers,global_batch,repeat," + ScalingRun.STEP_COLUMNS + "\n";

  /** Steps of one run: rank r's steps are {@code ms[r]} except for one outlier step of 10× (the median ignores it). */
  private static String run(String model, String mode, String norm, int workers, int repeat, double... ms) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < ms.length; r++) {
      for (int s = 0; s < 5; s++) {
        double step = s == 2 ? 10 * ms[r] : ms[r];
        sb.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%d,16,%.6f,%.6f,0,0%n", model, mode, norm,
            workers, 16 * workers, repeat, r, s, step, step));
      }
    }
    return sb.toString();
  }

  @Test
  void splitsEachRepeatIntoSharingGapAndSynchronization(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("scaling-steps.csv");
    Files.writeString(csv, HEADER
        + run("m", "weak", "syncbn", 1, 1, 110) + run("m", "weak", "bn", 1, 1, 100)
        + run("m", "weak", "independent", 2, 1, 100, 150)
        + run("m", "weak", "syncbn", 2, 1, 160, 158) + run("m", "weak", "bn", 2, 1, 152, 152)
        // repeat 2 lacks the independent run: no factors
        + run("m", "weak", "syncbn", 1, 2, 100) + run("m", "weak", "syncbn", 2, 2, 120, 120)
        // strong scaling is not split
        + run("m", "strong", "syncbn", 2, 1, 80, 80));
    List<EfficiencyFactors.Repeat> rs = EfficiencyFactors.read(csv);
    assertEquals(2, rs.size(), rs.toString());
    EfficiencyFactors.Repeat sync = rs.get(0);
    assertEquals("syncbn", sync.norm());
    assertEquals(100 / 125.0, sync.sharing(), 1e-12, "the faster 1-worker run (BN, 100) over the jobs' mean");
    assertEquals(125 / 150.0, sync.gap(), 1e-12);
    assertEquals(150 / 160.0, sync.synchronization(), 1e-12, "the group's step is its slowest rank's");
    assertEquals(100 / 160.0, sync.efficiency(), 1e-12);
    assertEquals(150 / 152.0, rs.get(1).synchronization(), 1e-12);
    String md = EfficiencyFactors.summary(csv);
    assertTrue(md.contains("| m | 2 | syncbn | 1 | 0.625 | 0.800 | 0.833 | 0.938 |"), md);
    assertTrue(md.contains("| m | 2 | bn | 1 |"), md);
    List<Map<String, Object>> rows = EfficiencyFactors.rows(csv);
    assertEquals(0.625, (double) rows.get(0).get("efficiency"), 1e-12);
  }

  /** Invariant 1: per repeat the three factors multiply to the efficiency t1 / t_W, whatever the steps. */
  @Test
  void factorsMultiplyToTheEfficiencyOfEveryRepeat(@TempDir Path dir) throws Exception {
    Random rnd = new Random(7);
    StringBuilder sb = new StringBuilder(HEADER);
    double[] t1 = new double[6];
    double[] tw = new double[6];
    for (int r = 1; r <= 5; r++) {
      double a = 80 + 60 * rnd.nextDouble();
      double b = 80 + 60 * rnd.nextDouble();
      t1[r] = Math.min(a, b);
      double g0 = 100 + 100 * rnd.nextDouble();
      double g1 = 100 + 100 * rnd.nextDouble();
      tw[r] = Math.max(g0, g1);
      sb.append(run("m", "weak", "syncbn", 1, r, a)).append(run("m", "weak", "bn", 1, r, b))
          .append(run("m", "weak", "independent", 2, r, 90 + 90 * rnd.nextDouble(), 90 + 90 * rnd.nextDouble()))
          .append(run("m", "weak", "syncbn", 2, r, g0, g1));
    }
    Path csv = dir.resolve("scaling-steps.csv");
    Files.writeString(csv, sb.toString());
    List<EfficiencyFactors.Repeat> rs = EfficiencyFactors.read(csv);
    assertEquals(5, rs.size());
    for (EfficiencyFactors.Repeat x : rs) {
      // The CSV holds steps to 1e-6 ms.
      assertEquals(t1[x.repeat()] / tw[x.repeat()], x.efficiency(), 1e-7, "repeat " + x.repeat());
      assertTrue(x.gap() <= 1, "the mean job is never slower than the slowest");
    }
  }
}
