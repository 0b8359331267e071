package io.batchwise.train.scaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Weak-scaling efficiency split into three factors, repeat by repeat, from {@code scaling-steps.csv}
 * (every measured step of every rank). Within repeat r, with each run's step the median of its
 * steps (a group's: the largest over its ranks, which move in lock step):
 *
 * <ol>
 *   <li>sharing = t1 / mean(t_ind): the 1-worker step (the faster of SyncBN's and BN's, as in
 *       {@link ScalingFigures#oneWorkerBaseline}) over the mean step of W unconnected 1-worker jobs
 *       run at once ({@link ScalingRun#INDEPENDENT}): what sharing the machine costs each job
 *       (caches, memory, and cores when W exceeds them);</li>
 *   <li>gap = mean(t_ind) / max(t_ind): what going at the slowest of those jobs' pace costs (the
 *       cores' speeds differ and drift);</li>
 *   <li>synchronization = max(t_ind) / t_W: the group's step against that slowest job: reductions,
 *       waiting for each other's noise, and whatever else the group adds;</li>
 * </ol>
 *
 * <p>so that efficiency t1 / t_W = sharing × gap × synchronization exactly, per repeat (invariant
 * 1, tested). Factors of one repeat come from runs made minutes apart on the same machine; on a VM
 * whose cores drift that pairing is what makes them comparable. The gap of the group's own run may
 * differ from the independent run's (each run draws its own stretch of the cores' speeds), so a
 * single repeat's synchronization factor carries that difference; over repeats it averages out.
 */
final class EfficiencyFactors {
  private EfficiencyFactors() {
  }

  /** One repeat's factors for {@code norm} at {@code workers}. */
  record Repeat(String model, String norm, int workers, int repeat, double sharing, double gap,
      double synchronization) {
    double efficiency() {
      return sharing * gap * synchronization;
    }
  }

  /**
   * The factors of every weak-scaling repeat of {@code csv} that has a 1-worker run (SyncBN or BN),
   * an {@link ScalingRun#INDEPENDENT} run at W and a SyncBN or BN run at W, in order of model, W,
   * norm (syncbn, bn) and repeat.
   */
  static List<Repeat> read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty()) {
      return List.of();
    }
    List<String> h = Arrays.asList(lines.get(0).split(","));
    int[] c = List.of("model", "mode", "norm", "workers", "repeat", "rank", "step_ms").stream()
        .mapToInt(h::indexOf).toArray();
    if (Arrays.stream(c).anyMatch(i -> i < 0)) {
      throw new IOException(csv + " lacks one of the columns model, mode, norm, workers, repeat, rank, step_ms");
    }
    // run (model, norm, workers, repeat) -> rank -> its steps
    Map<String, Map<Integer, List<Double>>> steps = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      if (!f[c[1]].equals("weak")) {
        continue;
      }
      steps.computeIfAbsent(String.join(",", f[c[0]], f[c[2]], f[c[3]], f[c[4]]), k -> new TreeMap<>())
          .computeIfAbsent(Integer.parseInt(f[c[5]]), k -> new ArrayList<>()).add(Double.parseDouble(f[c[6]]));
    }
    Map<String, double[]> rankSteps = new LinkedHashMap<>(); // run -> median step of each rank
    steps.forEach((k, ranks) -> rankSteps.put(k, ranks.values().stream()
        .mapToDouble(v -> ScalingFigures.median(v.stream().mapToDouble(Double::doubleValue).toArray())).toArray()));
    TreeSet<String> models = new TreeSet<>();
    TreeSet<Integer> workers = new TreeSet<>();
    TreeSet<Integer> repeats = new TreeSet<>();
    for (String k : rankSteps.keySet()) {
      String[] f = k.split(",");
      models.add(f[0]);
      workers.add(Integer.parseInt(f[2]));
      repeats.add(Integer.parseInt(f[3]));
    }
    List<Repeat> out = new ArrayList<>();
    for (String model : models) {
      for (int w : workers.tailSet(2)) {
        for (String norm : List.of("syncbn", "bn")) {
          for (int r : repeats) {
            double[] one = bestOf(rankSteps.get(key(model, "syncbn", 1, r)), rankSteps.get(key(model, "bn", 1, r)));
            double[] ind = rankSteps.get(key(model, ScalingRun.INDEPENDENT, w, r));
            double[] group = rankSteps.get(key(model, norm, w, r));
            if (one == null || ind == null || group == null) {
              continue;
            }
            double t1 = one[0];
            double mean = Arrays.stream(ind).average().orElseThrow();
            double slowest = Arrays.stream(ind).max().orElseThrow();
            double tw = Arrays.stream(group).max().orElseThrow();
            out.add(new Repeat(model, norm, w, r, t1 / mean, mean / slowest, slowest / tw));
          }
        }
      }
    }
    return out;
  }

  private static String key(String model, String norm, int workers, int repeat) {
    return model + "," + norm + "," + workers + "," + repeat;
  }

  /** The faster of two 1-worker runs' rank steps (either may be missing). */
  private static double[] bestOf(double[] a, double[] b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return b[0] < a[0] ? b : a;
  }

  /**
   * A markdown table, one row per model, W and norm: repeats, then the median over repeats of the
   * efficiency and of each factor; empty when {@code csv} has no repeat with all its runs.
   */
  static String summary(Path csv) throws IOException {
    List<Map<String, Object>> rows = rows(csv);
    if (rows.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("\nWhere weak-scaling efficiency goes, repeat by repeat "
        + "(`scaling-steps.csv`; each run's step is the median of its steps): efficiency = sharing × gap × "
        + "synchronization, where sharing = 1-worker step / mean step of W `independent` jobs (what running "
        + "W jobs at once costs each), gap = that mean / the slowest job's step (going at the slowest core's "
        + "pace), synchronization = the slowest job's step / the group's step (reductions and waiting for "
        + "each other). The factors of a repeat come from runs of that repeat; medians over repeats, each "
        + "column its own.\n\n| model | W | norm | repeats | efficiency | sharing | gap | synchronization |\n"
        + "|---|---:|---|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.3f | %.3f | %.3f | %.3f |%n", r.get("model"),
          (int) r.get("workers"), r.get("norm"), (int) r.get("repeats"), (double) r.get("efficiency"),
          (double) r.get("sharing"), (double) r.get("gap"), (double) r.get("synchronization")));
    }
    return sb.toString();
  }

  /**
   * Per model, W and norm (in the order of {@link #read}): repeats, and the median over repeats of
   * the efficiency and of each factor (each its own median: their product need not be the median
   * efficiency). The figures of {@link #summary} and of scaling.json.
   */
  static List<Map<String, Object>> rows(Path csv) throws IOException {
    Map<String, List<Repeat>> groups = new LinkedHashMap<>();
    for (Repeat r : read(csv)) {
      groups.computeIfAbsent(r.model() + "|" + r.workers() + "|" + r.norm(), k -> new ArrayList<>()).add(r);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    groups.forEach((k, rs) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", rs.get(0).model());
      m.put("workers", rs.get(0).workers());
      m.put("norm", rs.get(0).norm());
      m.put("repeats", rs.size());
      m.put("efficiency", med(rs, Repeat::efficiency));
      m.put("sharing", med(rs, Repeat::sharing));
      m.put("gap", med(rs, Repeat::gap));
      m.put("synchronization", med(rs, Repeat::synchronization));
      out.add(m);
    });
    return out;
  }

  private static double med(List<Repeat> rs, java.util.function.ToDoubleFunction<Repeat> f) {
    return ScalingFigures.median(rs.stream().mapToDouble(f).toArray());
  }
}
