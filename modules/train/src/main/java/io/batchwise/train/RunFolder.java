package io.batchwise.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The folder of one training run:
 * <ul>
 *   <li>{@code metrics.jsonl}: one JSON object per epoch ({@link EpochMetrics#toMap()}), appended
 *       as each epoch ends, so a crashed run keeps its finished epochs;</li>
 *   <li>{@code metrics.csv}: the same rows with a header line;</li>
 *   <li>{@code summary.json}: written at the end (temporary file, then rename);</li>
 *   <li>{@code checkpoints/}: one checkpoint per epoch.</li>
 * </ul>
 * Refuses a folder that already holds a {@code summary.json} or metrics, so runs never mix.
 */
public final class RunFolder {
  public static final String SUMMARY = "summary.json";
  public static final String METRICS_JSONL = "metrics.jsonl";
  public static final String METRICS_CSV = "metrics.csv";
  public static final String CHECKPOINTS = "checkpoints";

  private final Path dir;

  private RunFolder(Path dir) {
    this.dir = dir;
  }

  /** Creates the folder (and parents); an existing folder must not hold a previous run. */
  public static RunFolder create(Path dir) throws IOException {
    return create(dir, List.of());
  }

  /**
   * As {@link #create(Path)}, with columns after {@link EpochMetrics#COLUMNS} in the metrics
   * (e.g. the distributed job's attempts and communication share), filled by
   * {@link #append(EpochMetrics, Map)}.
   */
  public static RunFolder create(Path dir, List<String> extraColumns) throws IOException {
    for (String f : new String[] {SUMMARY, METRICS_JSONL, METRICS_CSV}) {
      if (Files.exists(dir.resolve(f))) {
        throw new IOException("run folder " + dir + " already holds a run (" + f
            + "); choose another --run-dir");
      }
    }
    Files.createDirectories(dir);
    writeHeader(dir, extraColumns);
    Files.writeString(dir.resolve(METRICS_JSONL), "", StandardCharsets.UTF_8);
    return new RunFolder(dir);
  }

  /**
   * Opens the folder of a run being continued (resumed from a checkpoint): keeps its metrics and
   * appends to them; creates whatever is missing. The summary is rewritten at the end.
   */
  public static RunFolder reopen(Path dir, List<String> extraColumns) throws IOException {
    Files.createDirectories(dir);
    if (!Files.exists(dir.resolve(METRICS_CSV))) {
      writeHeader(dir, extraColumns);
    }
    if (!Files.exists(dir.resolve(METRICS_JSONL))) {
      Files.writeString(dir.resolve(METRICS_JSONL), "", StandardCharsets.UTF_8);
    }
    return new RunFolder(dir);
  }

  private static void writeHeader(Path dir, List<String> extraColumns) throws IOException {
    List<String> columns = new ArrayList<>(List.of(EpochMetrics.COLUMNS));
    columns.addAll(extraColumns);
    Files.writeString(dir.resolve(METRICS_CSV), String.join(",", columns) + "\n",
        StandardCharsets.UTF_8);
  }

  public Path dir() {
    return dir;
  }

  public Path checkpoints() {
    return dir.resolve(CHECKPOINTS);
  }

  /** Appends one epoch to both metrics files. */
  public void append(EpochMetrics m) {
    append(m, Map.of());
  }

  /**
   * Appends one epoch with values of the extra columns (in their order) to both metrics files. A
   * list value is a JSON array in the JSONL file and its elements joined by {@code ;} in the CSV
   * file (one field).
   */
  public void append(EpochMetrics m, Map<String, Object> extra) {
    try {
      Map<String, Object> all = new LinkedHashMap<>(m.toMap());
      all.putAll(extra);
      Files.writeString(dir.resolve(METRICS_JSONL), Json.write(all) + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      StringBuilder row = new StringBuilder();
      for (Object v : all.values()) {
        if (row.length() > 0) {
          row.append(',');
        }
        row.append(v instanceof Double d ? csvNumber(d) : v instanceof List<?> l
            ? l.stream().map(String::valueOf).collect(Collectors.joining(";")) : String.valueOf(v));
      }
      Files.writeString(dir.resolve(METRICS_CSV), row.append('\n').toString(),
          StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics to " + dir, e);
    }
  }

  private static String csvNumber(double d) {
    return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "";
  }

  /** Writes {@code summary.json} atomically. */
  public void writeSummary(Map<String, Object> summary) throws IOException {
    Path tmp = dir.resolve("." + SUMMARY + ".tmp");
    Files.writeString(tmp, Json.pretty(summary), StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(SUMMARY), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
