package io.batchwise.train.report;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A grouped bar chart: one group per category along x, one bar per series in each group.
 *
 * <pre>{@code
 * new BarChart("Test accuracy by norm", "norm", "accuracy", List.of("bn", "syncbn", "gn"))
 *     .series("batch 8", new double[] {0.80, 0.88, 0.87})
 *     .series("batch 64", new double[] {0.90, 0.90, 0.89})
 *     .writePng(file);
 * }</pre>
 *
 * <p>The y axis always includes 0, so bar heights compare honestly; negative values hang below
 * the zero line. Every series has one finite value per category.
 */
public final class BarChart extends Chart {
  private record Series(String name, double[] values) {}

  private final List<String> categories;
  private final List<Series> series = new ArrayList<>();

  public BarChart(String title, String xLabel, String yLabel, List<String> categories) {
    super(title, xLabel, yLabel);
    if (categories == null) {
      throw new IllegalArgumentException("chart '" + title + "': categories must not be null");
    }
    this.categories = List.copyOf(categories);
  }

  /** Adds a series: one value per category, in category order; copied. */
  public BarChart series(String name, double[] values) {
    if (name == null || values == null) {
      throw new IllegalArgumentException("chart '" + title() + "': series name and values must"
          + " not be null");
    }
    series.add(new Series(name, values.clone()));
    return this;
  }

  @Override
  void validate() {
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("chart '" + title() + "' has no categories");
    }
    if (series.isEmpty()) {
      throw new IllegalArgumentException("chart '" + title() + "' has no series to draw");
    }
    for (Series s : series) {
      if (s.values.length != categories.size()) {
        throw new IllegalArgumentException("chart '" + title() + "', series '" + s.name + "' has "
            + s.values.length + " values for " + categories.size() + " categories");
      }
      for (int i = 0; i < s.values.length; i++) {
        requireFinite(title(), s.name, "values", i, s.values[i]);
      }
    }
  }

  @Override
  boolean categoricalX() {
    return true;
  }

  @Override
  AxisTicks xTicks() {
    // Category i is centred at i + 0.5 on an axis from 0 to the category count.
    int n = categories.size();
    List<Double> at = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      at.add(i + 0.5);
    }
    return new AxisTicks(0, n, at, categories, false);
  }

  @Override
  AxisTicks yTicks() {
    double min = 0;
    double max = 0;
    for (Series s : series) {
      for (double v : s.values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return AxisTicks.linear(min, max, 7);
  }

  @Override
  void draw(Graphics2D g, Plot p) {
    int n = categories.size();
    double groupW = (double) p.w / n;
    double barW = groupW * 0.8 / series.size();
    double zero = p.py(Math.max(p.yt.lo(), Math.min(0, p.yt.hi())));
    for (int k = 0; k < series.size(); k++) {
      double[] v = series.get(k).values;
      Color c = PALETTE[k % PALETTE.length];
      for (int i = 0; i < n; i++) {
        double x0 = p.x + i * groupW + groupW * 0.1 + k * barW;
        double y = p.py(v[i]);
        g.setColor(c);
        g.fill(new Rectangle2D.Double(x0, Math.min(y, zero), barW * 0.92, Math.abs(zero - y)));
      }
    }
    g.setColor(Color.DARK_GRAY);
    g.drawLine(p.x, (int) Math.round(zero), p.x + p.w, (int) Math.round(zero));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i < n; i++) {
      String s = categories.get(i);
      int cx = (int) Math.round(p.x + (i + 0.5) * groupW);
      g.drawString(s, cx - fm.stringWidth(s) / 2, p.y + p.h + 6 + fm.getAscent());
    }
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
