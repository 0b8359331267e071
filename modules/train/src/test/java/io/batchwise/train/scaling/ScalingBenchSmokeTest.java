package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaling benchmarks on tiny settings: lenet-bn, 1 and 2 worker processes over real Netty on
 * PoCL, 3 steps, each point twice; checks the files and the figures' consistency, not speed.
 */
class ScalingBenchSmokeTest {
  @Test
  void runsOneAndTwoWorkerProcessesAndWritesTheReport(@TempDir Path out) throws Exception {
    ScalingBench.main(new String[] {"--models", "lenet-bn", "--workers", "1,2", "--modes", "weak",
        "--norms", "syncbn,bn,independent,independent-syncbn", "--batch-per-worker", "8", "--steps", "3", "--warmup", "1",
        "--memory-mb", "64", "--repeats", "2", "--yield-micros", "500", "--bucket-kb", "16",
        "--out", out.toString()});
    List<String> csv = Files.readAllLines(out.resolve("scaling-runs.csv"));
    // 1 and 2 workers with SyncBN, BN and independent SyncBN-path jobs, and 2 independent BN jobs
    // (none at 1 worker: that is BN's run).
    assertEquals(8, csv.size(), String.join("\n", csv));
    for (String row : csv.subList(1, csv.size())) {
      String[] f = row.split(",");
      double step = Double.parseDouble(f[6]);
      double compute = Double.parseDouble(f[7]);
      double sync = Double.parseDouble(f[9]);
      double wait = Double.parseDouble(f[11]);
      assertTrue(step > 0 && compute > 0 && compute <= step + 1e-9, row);
      // step = compute + SyncBN comm + wait, by construction of the breakdown.
      assertEquals(step, compute + sync + wait, 1e-3 * step + 1e-3, row);
      if (!f[2].equals("syncbn")) {
        assertEquals(0, sync, 1e-9, "only SyncBN in a group reduces statistics: " + row);
      }
    }
    String two = csv.stream().filter(r -> r.startsWith("lenet-bn,weak,syncbn,2,")).findFirst().orElseThrow();
    assertTrue(Double.parseDouble(two.split(",")[9]) > 0, "2 workers with SyncBN spend time in its reductions: " + two);
    String md = Files.readString(out.resolve("scaling.md"));
    assertTrue(md.contains("This machine has"), md);
    // The workers ran with the settings asked for (a child that could not parse them would fail).
    assertTrue(md.contains("poll for 500 µs") && md.contains("buckets of 16 KiB"), md);
    String alone = csv.stream().filter(r -> r.startsWith("lenet-bn,weak,independent,2,16,")).findFirst()
        .orElseThrow();
    assertTrue(Double.parseDouble(alone.split(",")[13]) > 0, "independent jobs have an efficiency: " + alone);
    assertTrue(md.contains("What the machine allows") && md.contains("| lenet-bn | 2 |"), md);
    assertTrue(csv.stream().anyMatch(r -> r.startsWith("lenet-bn,weak,independent-syncbn,1,8,")), String.join("\n", csv));
    // With repeats, the controls are paired with the independent run of the same repeat.
    int pairedColumn = java.util.Arrays.asList(csv.get(0).split(",")).indexOf("step_over_independent_paired");
    assertTrue(pairedColumn > 0 && Double.parseDouble(two.split(",", -1)[pairedColumn]) > 0,
        "SyncBN at 2 workers has its ratio to the independent jobs: " + two);
    assertTrue(Files.readString(out.resolve("scaling.json")).contains("\"ceilings\""));
    // Efficiency split into sharing, gap and synchronization per repeat, for SyncBN and BN at 2 workers.
    assertTrue(md.contains("Where weak-scaling efficiency goes") && md.contains("| lenet-bn | 2 | syncbn | 2 |")
        && md.contains("| lenet-bn | 2 | bn | 2 |"), md);
    assertTrue(Files.readString(out.resolve("scaling.json")).contains("\"efficiency_factors\""));
    // Two repeats of 7 points, each run kept with its repeat number; the report has the spread.
    List<String> points = Files.readAllLines(out.resolve("scaling-points.csv"));
    assertEquals(14, points.size(), String.join("\n", points));
    assertEquals(7, points.stream().filter(l -> l.split(",")[5].equals("2")).count(), String.join("\n", points));
    assertTrue(md.contains("SyncBN/BN paired"), md);
    assertTrue(two.split(",")[17].equals("2.0000"), "repeats column: " + two);
    assertTrue(Files.size(out.resolve("scaling-lenet-bn-weak.png")) > 1000);
    assertTrue(Files.readString(out.resolve("scaling.json")).contains("\"runs\""));
    // The core probe ran before each repeat: a line per core and repeat, summarized in the report.
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(1 + 2 * cores, Files.readAllLines(out.resolve("scaling-cores.csv")).size());
    assertTrue(md.contains("Core probe") && md.contains("Stream triad"), md);
    // Every measured step of every rank: 2 repeats x (3 one-process runs + 4 two-process runs) x 2 steps.
    List<String> steps = Files.readAllLines(out.resolve("scaling-steps.csv"));
    assertEquals("model,mode,norm,workers,global_batch,repeat," + ScalingRun.STEP_COLUMNS, steps.get(0));
    assertEquals(1 + 2 * (3 + 4 * 2) * 2, steps.size(), String.join("\n", steps));
    // And each of those steps' compute between reductions: 2-worker SyncBN steps have several segments.
    List<String> segments = Files.readAllLines(out.resolve("scaling-segments.csv"));
    assertEquals(steps.size(), segments.size());
    assertTrue(segments.stream().anyMatch(l -> l.startsWith("lenet-bn,weak,syncbn,2,") && l.contains(";")),
        String.join("\n", segments));
  }

  /**
   * Balanced shards on 3 workers (two share a core here): every step's shards add up to the global
   * batch, and the report says the shards were balanced.
   */
  @Test
  void balancedShardsCoverEveryGlobalBatch(@TempDir Path out) throws Exception {
    ScalingBench.main(new String[] {"--models", "lenet-bn", "--workers", "1,3", "--modes", "weak",
        "--norms", "syncbn", "--batch-per-worker", "8", "--steps", "8", "--warmup", "1", "--memory-mb", "64",
        "--core-probe", "off", "--balance-shards", "on", "--conv-norm-fusion", "off", "--out", out.toString()});
    String md = Files.readString(out.resolve("scaling.md"));
    assertTrue(md.contains("`--balance-shards on`"), md);
    // The workers took the unlinked layers too (a child that could not parse them would fail).
    assertTrue(md.contains("`--conv-norm-fusion off`"), md);
    java.util.Map<String, Integer> perStep = new java.util.TreeMap<>();
    for (String row : Files.readAllLines(out.resolve("scaling-steps.csv")).subList(1, 1 + 7 + 3 * 7)) {
      String[] f = row.split(",");
      if (f[3].equals("3")) {
        perStep.merge(f[7], Integer.parseInt(f[8]), Integer::sum);
      }
    }
    assertEquals(7, perStep.size(), perStep.toString());
    perStep.forEach((step, samples) -> assertEquals(24, samples, "step " + step + ": " + perStep));
  }

  /** bench overlap on tiny settings: both variants of one point, paired, with the core probe. */
  @Test
  void overlapBenchRunsBothVariantsAndPairsThem(@TempDir Path out) throws Exception {
    OverlapBench.main(new String[] {"--model", "lenet-bn", "--points", "weak:2", "--batch-per-worker", "8",
        "--steps", "3", "--warmup", "1", "--memory-mb", "64", "--repeats", "1", "--out", out.toString()});
    List<String> csv = Files.readAllLines(out.resolve("overlap.csv"));
    assertEquals(3, csv.size(), String.join("\n", csv));
    assertTrue(csv.get(1).startsWith("weak,2,1,on,") && csv.get(2).startsWith("weak,2,1,off,"), String.join("\n", csv));
    String md = Files.readString(out.resolve("overlap.md"));
    assertTrue(md.contains("| weak | 2 |") && md.contains("Core probe"), md);
    assertTrue(Files.readString(out.resolve("overlap.json")).contains("\"step_ratio_on_off\": "), md);
  }
}
