package io.batchwise.train.report;

import java.awt.BasicStroke;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart of named series.
 *
 * <pre>{@code
 * new LineChart("Loss", "epoch", "loss")
 *     .series("train", epochs, trainLoss)
 *     .series("test", epochs, testLoss)
 *     .writePng(runDir.resolve("loss.png"));
 * }</pre>
 *
 * <p>Each series is drawn in the order given, as a polyline through its points in the order given
 * (not sorted), with a dot on each point when it has at most {@value #MAX_MARKED_POINTS} points.
 * With {@link #integerX()} x ticks fall on whole numbers only. With {@link #logX()} the x axis
 * is log10-scaled (every x must be positive). Every value must be finite: a NaN in a metric is a
 * bug upstream, and a chart that silently skipped it would hide it.
 */
public final class LineChart extends Chart {
  /** Series with at most this many points get a dot on each point. */
  public static final int MAX_MARKED_POINTS = 60;

  private record Series(String name, double[] x, double[] y) {}

  private final List<Series> series = new ArrayList<>();
  private boolean logX;
  private boolean integerX;

  public LineChart(String title, String xLabel, String yLabel) {
    super(title, xLabel, yLabel);
  }

  /** Adds a series; x and y are copied. Checked when the chart is rendered. */
  public LineChart series(String name, double[] x, double[] y) {
    if (name == null || x == null || y == null) {
      throw new IllegalArgumentException("chart '" + title() + "': series name, x and y must not"
          + " be null");
    }
    series.add(new Series(name, x.clone(), y.clone()));
    return this;
  }

  /** Adds a series with x = 1, 2, ..., y.length (e.g. epochs). */
  public LineChart series(String name, double[] y) {
    if (y == null) {
      throw new IllegalArgumentException("chart '" + title() + "', series '" + name
          + "': y must not be null");
    }
    double[] x = new double[y.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    return series(name, x, y);
  }

  /** Scales the x axis by log10 (every x must then be positive). */
  public LineChart logX() {
    this.logX = true;
    return this;
  }

  /** Puts x ticks on whole numbers only (epochs, steps). */
  public LineChart integerX() {
    this.integerX = true;
    return this;
  }

  @Override
  int padding() {
    return 8;
  }

  @Override
  void validate() {
    if (series.isEmpty()) {
      throw new IllegalArgumentException("chart '" + title() + "' has no series to draw");
    }
    for (Series s : series) {
      if (s.y.length == 0) {
        throw new IllegalArgumentException("chart '" + title() + "', series '" + s.name
            + "' is empty (no points)");
      }
      if (s.x.length != s.y.length) {
        throw new IllegalArgumentException("chart '" + title() + "', series '" + s.name + "' has "
            + s.x.length + " x values but " + s.y.length + " y values");
      }
      for (int i = 0; i < s.x.length; i++) {
        requireFinite(title(), s.name, "x", i, s.x[i]);
        requireFinite(title(), s.name, "y", i, s.y[i]);
        if (logX && s.x[i] <= 0) {
          throw new IllegalArgumentException("chart '" + title() + "', series '" + s.name
              + "': x[" + i + "] = " + s.x[i] + " cannot go on a logarithmic x axis (needs x > 0)");
        }
      }
    }
  }

  @Override
  AxisTicks xTicks() {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double v : s.x) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return logX ? AxisTicks.log10(min, max) : AxisTicks.linear(min, max, 8, integerX);
  }

  @Override
  AxisTicks yTicks() {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double v : s.y) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return AxisTicks.linear(min, max, 7);
  }

  @Override
  void draw(Graphics2D g, Plot p) {
    g.setClip(p.x - 4, p.y - 4, p.w + 8, p.h + 8);
    for (int k = 0; k < series.size(); k++) {
      Series s = series.get(k);
      g.setColor(PALETTE[k % PALETTE.length]);
      g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      Path2D.Double line = new Path2D.Double();
      for (int i = 0; i < s.x.length; i++) {
        double px = p.px(s.x[i]);
        double py = p.py(s.y[i]);
        if (i == 0) {
          line.moveTo(px, py);
        } else {
          line.lineTo(px, py);
        }
      }
      g.draw(line);
      if (s.x.length <= MAX_MARKED_POINTS) {
        for (int i = 0; i < s.x.length; i++) {
          g.fill(new Ellipse2D.Double(p.px(s.x[i]) - 3.5, p.py(s.y[i]) - 3.5, 7, 7));
        }
      }
    }
    g.setClip(null);
  }

  @Override
  List<String> legendNames() {
    List<String> names = new ArrayList<>();
    for (Series s : series) {
      names.add(s.name);
    }
    return names;
  }
}
