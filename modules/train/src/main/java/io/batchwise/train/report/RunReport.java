package io.batchwise.train.report;

import io.batchwise.train.EpochMetrics;
import io.batchwise.train.RunFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human-facing end of a run folder: {@code loss.png}, {@code accuracy.png} and the closing
 * summary table of the epochs.
 *
 * <p>Plots are drawn from {@code metrics.csv} (not from objects in memory), so any process can
 * redraw them for any run folder, including one written by a crashed or resumed run, and columns
 * added to the metrics later appear without a change here: every column whose name ends in
 * {@code loss} goes into {@code loss.png}, every column whose name contains {@code accuracy} into
 * {@code accuracy.png} (in percent), both against {@code epoch}. Empty cells (non-finite values, or
 * metrics an epoch did not measure) are left out of their series; a series with no point left is
 * left out of the chart, and a chart with no series is not written.
 */
public final class RunReport {
  public static final String LOSS_PNG = "loss.png";
  public static final String ACCURACY_PNG = "accuracy.png";

  private RunReport() {}

  /** Draws {@code loss.png} and {@code accuracy.png} into the run folder. */
  public static List<Path> writePlots(RunFolder run) throws IOException {
    return writePlots(run.dir());
  }

  /**
   * Draws {@code loss.png} and {@code accuracy.png} into {@code runDir} from its
   * {@code metrics.csv}; returns the files written (none when no epoch has finished).
   */
  public static List<Path> writePlots(Path runDir) throws IOException {
    List<Map<String, Double>> rows = readMetrics(runDir);
    List<Path> written = new ArrayList<>();
    if (rows.isEmpty()) {
      return written;
    }
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    LineChart loss = new LineChart("Loss per epoch", "epoch", "loss (mean per sample)")
        .integerX();
    LineChart acc = new LineChart("Accuracy per epoch", "epoch", "accuracy (%)").integerX();
    int lossSeries = 0;
    int accSeries = 0;
    for (String c : columns) {
      if (c.endsWith("loss")) {
        lossSeries += addSeries(loss, rows, c, 1) ? 1 : 0;
      } else if (c.contains("accuracy")) {
        accSeries += addSeries(acc, rows, c, 100) ? 1 : 0;
      }
    }
    if (lossSeries > 0) {
      Path f = runDir.resolve(LOSS_PNG);
      loss.writePng(f);
      written.add(f);
    }
    if (accSeries > 0) {
      Path f = runDir.resolve(ACCURACY_PNG);
      acc.writePng(f);
      written.add(f);
    }
    return written;
  }

  private static boolean addSeries(LineChart chart, List<Map<String, Double>> rows, String column,
      double scale) {
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Double epoch = rows.get(i).get("epoch");
      double x = epoch == null || epoch.isNaN() ? i + 1 : epoch;
      double y = rows.get(i).get(column);
      if (Double.isFinite(y)) {
        points.add(new double[] {x, y * scale});
      }
    }
    if (points.isEmpty()) {
      return false;
    }
    double[] xs = new double[points.size()];
    double[] ys = new double[points.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = points.get(i)[0];
      ys[i] = points.get(i)[1];
    }
    chart.series(column.replace('_', ' '), xs, ys);
    return true;
  }

  /**
   * Reads {@code metrics.csv}: one map per epoch, column name to value in file order; an empty or
   * non-numeric cell reads as NaN.
   */
  public static List<Map<String, Double>> readMetrics(Path runDir) throws IOException {
    Path csv = runDir.resolve(RunFolder.METRICS_CSV);
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(csv.toString(), null, "no metrics file in the run folder");
    }
    List<Map<String, Double>> rows = new ArrayList<>();
    if (lines.isEmpty()) {
      return rows;
    }
    String[] header = lines.get(0).split(",", -1);
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != header.length) {
        throw new IOException(csv + " line " + (i + 1) + ": " + cells.length + " cells for "
            + header.length + " columns");
      }
      Map<String, Double> row = new LinkedHashMap<>();
      for (int c = 0; c < header.length; c++) {
        row.put(header[c], parse(cells[c]));
      }
      rows.add(row);
    }
    return rows;
  }

  private static double parse(String s) {
    try {
      return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** The closing summary table of the given epochs (all their metrics columns). */
  public static String summaryTable(List<EpochMetrics> epochs) {
    List<Map<String, ?>> rows = new ArrayList<>();
    for (EpochMetrics m : epochs) {
      rows.add(m.toMap());
    }
    return summaryTableOfRows(rows);
  }

  /** The closing summary table of the epochs in a run folder's {@code metrics.csv}. */
  public static String summaryTable(Path runDir) throws IOException {
    return summaryTableOfRows(new ArrayList<>(readMetrics(runDir)));
  }

  /**
   * A summary table of metric rows (column name to value; the columns of the first row, in its
   * order). Values are formatted by column name: accuracies as percent with two decimals, losses
   * with four decimals, images per second whole, seconds with one decimal, the learning rate with
   * four significant digits; whole numbers (epoch, steps) as they are, non-finite numbers empty.
   */
  public static String summaryTableOfRows(List<? extends Map<String, ?>> rows) {
    if (rows.isEmpty()) {
      return new TextTable("epoch").render();
    }
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    List<String> headers = new ArrayList<>();
    for (String c : columns) {
      headers.add(header(c));
    }
    TextTable t = new TextTable(headers);
    for (Map<String, ?> r : rows) {
      List<String> cells = new ArrayList<>();
      for (String c : columns) {
        cells.add(cell(c, r.get(c)));
      }
      t.row(cells);
    }
    return t.render();
  }

  static String header(String column) {
    String h = column.replace("accuracy", "acc %").replace("images_per_second", "images/s")
        .replace("seconds", "s").replace('_', ' ');
    return h;
  }

  static String cell(String column, Object v) {
    if (v == null) {
      return "";
    }
    if (!(v instanceof Number n)) {
      return String.valueOf(v);
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      return "";
    }
    if (column.contains("accuracy")) {
      return String.format(Locale.ROOT, "%.2f", 100 * d);
    }
    if (column.endsWith("loss")) {
      return String.format(Locale.ROOT, "%.4f", d);
    }
    if (column.equals("images_per_second")) {
      return String.format(Locale.ROOT, "%.0f", d);
    }
    if (column.endsWith("seconds")) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    if (column.equals("lr")) {
      return d == 0 ? "0" : String.format(Locale.ROOT, "%.4g", d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return String.format(Locale.ROOT, "%.4g", d);
  }
}
