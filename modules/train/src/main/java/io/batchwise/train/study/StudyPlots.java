package io.batchwise.train.study;

import io.batchwise.train.report.LineChart;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the study's PNG line plots with {@link LineChart}: one series per distinct value of the
 * plot's series column, points in table order. Rows whose x or y is missing (a diverged run) are
 * left out of the plot; the tables and CSVs still show them.
 */
final class StudyPlots {
  private StudyPlots() {}

  static void write(Path png, ExperimentResult.Plot p) throws IOException {
    Map<String, List<double[]>> bySeries = new LinkedHashMap<>();
    for (Map<String, Object> row : p.table().rows()) {
      Object x = row.get(p.xColumn());
      Object y = row.get(p.yColumn());
      if (x instanceof Number nx && y instanceof Number ny && Double.isFinite(nx.doubleValue())
          && Double.isFinite(ny.doubleValue())) {
        bySeries.computeIfAbsent(String.valueOf(row.get(p.seriesColumn())), k -> new ArrayList<>())
            .add(new double[] {nx.doubleValue(), ny.doubleValue()});
      }
    }
    if (bySeries.isEmpty()) {
      return;
    }
    LineChart chart = new LineChart(p.title(), p.xLabel(), p.yLabel());
    if (p.logX()) {
      chart.logX();
    }
    for (Map.Entry<String, List<double[]>> e : bySeries.entrySet()) {
      List<double[]> pts = e.getValue();
      double[] xs = new double[pts.size()];
      double[] ys = new double[pts.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = pts.get(i)[0];
        ys[i] = pts.get(i)[1];
      }
      chart.series(e.getKey(), xs, ys);
    }
    chart.writePng(png);
  }
}
