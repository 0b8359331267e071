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

/**
 * How far the workers of one run differ in speed, and whether the difference lasts, from
 * {@code scaling-steps.csv} ({@link ScalingRun#STEP_COLUMNS}): per step and rank, d = ln(rank's
 * compute per sample / mean over the ranks of that step). Per rank: the mean of d (a lasting
 * offset: a slower or busier core), its standard deviation (noise), and the lag-1 autocorrelation
 * of d (memory: near 0, the next step's difference cannot be told from the last ones). Per run the
 * report gives the largest |mean|, the median standard deviation and the median autocorrelation,
 * and per point the medians of those over its runs.
 *
 * <p>Why: a lasting offset is what balanced shards ({@code ShardBalancer}) remove; noise without
 * memory is what no split can, and what workers meeting at every SyncBN reduction pay.
 */
final class RankDrift {
  private RankDrift() {
  }

  /** One run's figures: largest |mean| of d, median sd of d, median lag-1 autocorrelation, steps. */
  record Run(String key, int workers, double maxOffset, double noise, double memory, int steps) {}

  /** The runs of {@code csv} with at least 2 workers and 3 measured steps, in file order. */
  static List<Run> read(Path csv) throws IOException {
    List<Run> out = new ArrayList<>();
    byRunStepRank(csv, List.of("samples", "compute_ms"), (f, c) -> {
      int samples = Integer.parseInt(f[c[0]]);
      return samples <= 0 ? null : Double.parseDouble(f[c[1]]) / samples;
    }).forEach((key, steps) -> {
      Run r = of(key, steps);
      if (r != null) {
        out.add(r);
      }
    });
    return out;
  }

  /**
   * The rows of a per-step CSV ({@code ..., repeat, rank, step, ...}) grouped by run (the columns
   * before {@code rank}), step and rank, in file order; {@code value} reads a row given the indices
   * of {@code columns} and may return null to skip it.
   */
  private static <T> Map<String, TreeMap<Integer, Map<Integer, T>>> byRunStepRank(Path csv, List<String> columns,
      java.util.function.BiFunction<String[], int[], T> value) throws IOException {
    Map<String, TreeMap<Integer, Map<Integer, T>>> runs = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty()) {
      return runs;
    }
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int cRank = header.indexOf("rank");
    int cStep = header.indexOf("step");
    int[] c = columns.stream().mapToInt(header::indexOf).toArray();
    if (cRank < 0 || cStep < 0 || Arrays.stream(c).anyMatch(i -> i < 0)) {
      throw new IOException(csv + " lacks one of the columns rank, step, " + String.join(", ", columns));
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      T v = value.apply(f, c);
      if (v != null) {
        runs.computeIfAbsent(String.join(",", Arrays.copyOf(f, cRank)), k -> new TreeMap<>())
            .computeIfAbsent(Integer.parseInt(f[cStep]), k -> new TreeMap<>()).put(Integer.parseInt(f[cRank]), v);
      }
    }
    return runs;
  }

  /** The figures of one run (null with fewer than 2 ranks or 3 complete steps). */
  static Run of(String key, TreeMap<Integer, Map<Integer, Double>> steps) {
    int w = steps.values().stream().mapToInt(Map::size).max().orElse(0);
    if (w < 2) {
      return null;
    }
    List<double[]> d = new ArrayList<>(); // per complete step, d of each rank
    for (Map<Integer, Double> s : steps.values()) {
      if (s.size() != w) {
        continue;
      }
      double mean = 0;
      for (double v : s.values()) {
        mean += v;
      }
      mean /= w;
      double[] row = new double[w];
      int r = 0;
      for (double v : s.values()) {
        row[r++] = Math.log(v / mean);
      }
      d.add(row);
    }
    int n = d.size();
    if (n < 3) {
      return null;
    }
    double maxOffset = 0;
    double[] sd = new double[w];
    double[] ac = new double[w];
    for (int r = 0; r < w; r++) {
      double mean = 0;
      for (double[] row : d) {
        mean += row[r];
      }
      mean /= n;
      double var = 0;
      double cov = 0;
      for (int i = 0; i < n; i++) {
        double x = d.get(i)[r] - mean;
        var += x * x;
        if (i + 1 < n) {
          cov += x * (d.get(i + 1)[r] - mean);
        }
      }
      maxOffset = Math.max(maxOffset, Math.abs(mean));
      sd[r] = Math.sqrt(var / n);
      ac[r] = var > 0 ? cov / var : 0;
    }
    return new Run(key, w, maxOffset, median(sd), median(ac), n);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int k = s.length;
    return k % 2 == 1 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
  }

  /** A markdown section over the runs of {@code csv} (empty when it has none with 2+ workers). */
  static String summary(Path csv) throws IOException {
    List<Run> runs = read(csv);
    if (runs.isEmpty()) {
      return "";
    }
    // One row per point: the medians over its repeats (the key's last column).
    Map<String, List<Run>> byPoint = new LinkedHashMap<>();
    for (Run r : runs) {
      byPoint.computeIfAbsent(r.key().substring(0, Math.max(0, r.key().lastIndexOf(','))), k -> new ArrayList<>())
          .add(r);
    }
    StringBuilder sb = new StringBuilder("Workers' speed, step by step (`scaling-steps.csv`): d = ln(a rank's "
        + "compute per sample / the mean of that step's ranks). A lasting offset (|mean d|) is a slower or "
        + "busier worker, which balanced shards (`--balance-shards on`) take out; noise (sd of d) without "
        + "memory (lag-1 autocorrelation near 0) is what workers meeting at every SyncBN reduction pay "
        + "and no split removes. Medians over the runs of each point.\n\n"
        + "| point (model, mode, norm, W, global batch) | runs | largest offset | noise (sd) "
        + "| memory (lag-1 autocorrelation) |\n|---|---:|---:|---:|---:|\n");
    byPoint.forEach((point, list) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.2f |%n",
        point, list.size(), median(list.stream().mapToDouble(Run::maxOffset).toArray()),
        median(list.stream().mapToDouble(Run::noise).toArray()),
        median(list.stream().mapToDouble(Run::memory).toArray()))));
    return sb.append('\n').toString();
  }

  /**
   * One run's segments (from {@code scaling-segments.csv}): the rank with the most extra compute
   * per step over the ranks' mean, its extra in forward (up to the first backward reduction)
   * and in total (ms, the sum over segments of the median over steps), and the segment with the most
   * extra: its index, its extra, and its share of the step's compute (a uniformly slower core puts
   * the same share of its extra there).
   */
  record Segments(String key, int rank, double extraMs, double forwardExtraMs, int topSegment,
      double topExtraMs, double topComputeShare, int steps) {}

  /** The runs of a segments CSV with at least 2 ranks and more than one segment per step. */
  static List<Segments> readSegments(Path csv) throws IOException {
    List<Segments> out = new ArrayList<>();
    byRunStepRank(csv, List.of("segments_ms"),
        (f, c) -> Arrays.stream(f[c[0]].split(";")).mapToDouble(Double::parseDouble).toArray())
        .forEach((key, steps) -> {
          Segments r = segmentsOf(key, steps);
          if (r != null) {
            out.add(r);
          }
        });
    return out;
  }

  static Segments segmentsOf(String key, TreeMap<Integer, Map<Integer, double[]>> steps) {
    int w = steps.values().stream().mapToInt(Map::size).max().orElse(0);
    int k = steps.values().stream().flatMap(m -> m.values().stream()).mapToInt(a -> a.length).max().orElse(0);
    if (w < 2 || k < 2) {
      return null;
    }
    List<double[][]> complete = new ArrayList<>(); // [rank][segment] of steps where all ranks have k
    for (Map<Integer, double[]> st : steps.values()) {
      if (st.size() == w && st.values().stream().allMatch(a -> a.length == k)) {
        complete.add(st.values().toArray(new double[0][]));
      }
    }
    int n = complete.size();
    if (n < 3) {
      return null;
    }
    double[][] extra = new double[w][k];
    double[] length = new double[k];
    for (int i = 0; i < k; i++) {
      double[][] dev = new double[w][n];
      double[] mean = new double[n];
      for (int s = 0; s < n; s++) {
        double m = 0;
        for (int r = 0; r < w; r++) {
          m += complete.get(s)[r][i];
        }
        mean[s] = m / w;
        for (int r = 0; r < w; r++) {
          dev[r][s] = complete.get(s)[r][i] - mean[s];
        }
      }
      length[i] = median(mean);
      for (int r = 0; r < w; r++) {
        extra[r][i] = median(dev[r]);
      }
    }
    int slow = 0;
    double most = -Double.MAX_VALUE;
    for (int r = 0; r < w; r++) {
      double t = Arrays.stream(extra[r]).sum();
      if (t > most) {
        most = t;
        slow = r;
      }
    }
    int top = 0;
    for (int i = 1; i < k; i++) {
      if (extra[slow][i] > extra[slow][top]) {
        top = i;
      }
    }
    double forward = 0;
    for (int i = 0; i <= (k - 1) / 2; i++) {
      forward += extra[slow][i];
    }
    double compute = Arrays.stream(length).sum();
    return new Segments(key, slow, most, forward, top, extra[slow][top], compute > 0 ? length[top] / compute : 0, n);
  }

  /** A markdown section over the runs of a segments CSV (empty when none qualifies). */
  static String segmentSummary(Path csv) throws IOException {
    List<Segments> runs = readSegments(csv);
    if (runs.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("Where the slower worker's extra compute sits (`scaling-segments.csv`: "
        + "each rank's compute between its SyncBN reductions, step by step). Per run, the rank with the most "
        + "compute over the ranks' mean (median over steps, per segment, summed); how much of it falls in "
        + "forward (up to the first backward reduction); and the segment with the most, with that segment's share of the extra and of the step's "
        + "compute (a uniformly slower core has the two about equal). One row per run.\n\n"
        + "| run (model, mode, norm, W, global batch, repeat) | steps | slower rank | extra ms per step "
        + "| in forward | top segment | its extra ms | its share of the extra | its share of compute |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Segments r : runs) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %d | %.2f | %.2f | %.2f |%n", r.key(),
          r.steps(), r.rank(), r.extraMs(), r.forwardExtraMs(), r.topSegment(), r.topExtraMs(),
          r.extraMs() > 0 ? r.topExtraMs() / r.extraMs() : 0, r.topComputeShare()));
    }
    return sb.append('\n').toString();
  }
}
