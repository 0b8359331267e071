package io.batchwise.train.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * What every chart shares: title, axis labels, a plot area with grid lines and tick labels, a
 * legend, a colour palette and PNG output. Subclasses say what the axes span and draw the data.
 *
 * <p>Pixel layout: the plot area is inset from the image by fixed margins that leave room for the
 * title (top), the y tick labels and the rotated y label (left), the x tick labels and the x label
 * (bottom); the legend stands right of the plot area, so it never covers data. Images are RGB on a white background, antialiased.
 */
public abstract class Chart {
  static {
    // Before the first AWT class loads: no display needed (servers, Spark drivers, CI).
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Default image size in pixels. */
  public static final int DEFAULT_WIDTH = 800;
  public static final int DEFAULT_HEIGHT = 500;

  /** Colour-blind-friendly palette (Okabe and Ito, 2008), cycled for series beyond eight. */
  static final Color[] PALETTE = {
      new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115),
      new Color(204, 121, 167), new Color(230, 159, 0), new Color(86, 180, 233),
      new Color(120, 120, 120), new Color(240, 228, 66)};

  static final int MARGIN_LEFT = 80;
  static final int MARGIN_RIGHT = 24;
  static final int MARGIN_TOP = 44;
  static final int MARGIN_BOTTOM = 60;

  private final String title;
  private final String xLabel;
  private final String yLabel;

  Chart(String title, String xLabel, String yLabel) {
    this.title = title == null ? "" : title;
    this.xLabel = xLabel == null ? "" : xLabel;
    this.yLabel = yLabel == null ? "" : yLabel;
  }

  public String title() {
    return title;
  }

  /** Renders the chart at the default size. */
  public BufferedImage render() {
    return render(DEFAULT_WIDTH, DEFAULT_HEIGHT);
  }

  /** Renders the chart; throws IllegalArgumentException for bad data or a too small image. */
  public BufferedImage render(int width, int height) {
    if (width < MARGIN_LEFT + MARGIN_RIGHT + 50 || height < MARGIN_TOP + MARGIN_BOTTOM + 50) {
      throw new IllegalArgumentException("chart '" + title + "': image " + width + "x" + height
          + " is too small (at least " + (MARGIN_LEFT + MARGIN_RIGHT + 50) + "x"
          + (MARGIN_TOP + MARGIN_BOTTOM + 50) + ")");
    }
    validate();
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      int legendW = legendWidth(g.getFontMetrics(), legendNames());
      int pad = padding();
      int right = MARGIN_RIGHT + (legendW == 0 ? 0 : legendW + 12);
      if (width - MARGIN_LEFT - right < 100) {
        throw new IllegalArgumentException("chart '" + title + "': image width " + width
            + " leaves no room for the plot beside a legend " + legendW + " pixels wide");
      }
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      Plot p = new Plot(MARGIN_LEFT + pad, MARGIN_TOP + pad, width - MARGIN_LEFT - right - 2 * pad,
          height - MARGIN_TOP - MARGIN_BOTTOM - 2 * pad, pad);
      drawFrame(g, p, width, height);
      draw(g, p);
      g.setColor(Color.DARK_GRAY);
      g.setStroke(new BasicStroke(1f));
      g.drawRect(p.x - pad, p.y - pad, p.w + 2 * pad, p.h + 2 * pad);
      drawLegend(g, p, legendNames(), legendW);
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Writes the chart as a PNG at the default size (temporary file, then rename). */
  public void writePng(Path file) throws IOException {
    writePng(file, DEFAULT_WIDTH, DEFAULT_HEIGHT);
  }

  /** Writes the chart as a PNG (temporary file, then rename, so readers never see half a file). */
  public void writePng(Path file, int width, int height) throws IOException {
    BufferedImage img = render(width, height);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
    if (!ImageIO.write(img, "png", tmp.toFile())) {
      throw new IOException("no PNG writer in this JVM (javax.imageio)");
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Checks the data; a message names the series and the offending point. */
  abstract void validate();

  /** The x axis ticks. */
  abstract AxisTicks xTicks();

  /** The y axis ticks. */
  abstract AxisTicks yTicks();

  /** Draws the data inside the plot area. */
  abstract void draw(Graphics2D g, Plot p);

  /** Names for the legend, in palette order. */
  abstract List<String> legendNames();

  /** Pixels between the frame and the data area, so points on the axis ends stay visible. */
  int padding() {
    return 0;
  }

  /** Draws the x tick labels centred on positions other than the x ticks (bar charts). */
  boolean categoricalX() {
    return false;
  }

  /** The plot area in pixels and the mapping from data to pixels. */
  final class Plot {
    final int x;
    final int y;
    final int w;
    final int h;
    final AxisTicks xt;
    final AxisTicks yt;
    final int pad;

    Plot(int x, int y, int w, int h, int pad) {
      this.pad = pad;
      this.x = x;
      this.y = y;
      this.w = w;
      this.h = h;
      this.xt = xTicks();
      this.yt = yTicks();
    }

    double px(double v) {
      return x + xt.fraction(v) * w;
    }

    double py(double v) {
      return y + h - yt.fraction(v) * h;
    }
  }

  private void drawFrame(Graphics2D g, Plot p, int width, int height) {
    Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    g.setFont(base);
    FontMetrics fm = g.getFontMetrics();
    // Grid and y tick labels.
    for (int i = 0; i < p.yt.values().size(); i++) {
      int yy = (int) Math.round(p.py(p.yt.values().get(i)));
      g.setColor(new Color(228, 228, 228));
      int left = p.x - p.pad;
      g.drawLine(left, yy, p.x + p.w + p.pad, yy);
      g.setColor(Color.DARK_GRAY);
      g.drawLine(left - 4, yy, left, yy);
      String s = p.yt.labels().get(i);
      g.drawString(s, left - 7 - fm.stringWidth(s), yy + fm.getAscent() / 2 - 1);
    }
    if (!categoricalX()) {
      for (int i = 0; i < p.xt.values().size(); i++) {
        int xx = (int) Math.round(p.px(p.xt.values().get(i)));
        g.setColor(new Color(228, 228, 228));
        int bottom = p.y + p.h + p.pad;
        g.drawLine(xx, p.y - p.pad, xx, bottom);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(xx, bottom, xx, bottom + 4);
        String s = p.xt.labels().get(i);
        g.drawString(s, xx - fm.stringWidth(s) / 2, bottom + 6 + fm.getAscent());
      }
    }
    // Axis labels and title.
    g.setColor(Color.BLACK);
    g.setFont(base.deriveFont(13f));
    fm = g.getFontMetrics();
    g.drawString(xLabel, p.x + (p.w - fm.stringWidth(xLabel)) / 2, height - 14);
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    g.drawString(yLabel, -(p.y + (p.h + fm.stringWidth(yLabel)) / 2), 18);
    g.setTransform(saved);
    g.setFont(base.deriveFont(Font.BOLD, 15f));
    fm = g.getFontMetrics();
    g.drawString(title, (width - fm.stringWidth(title)) / 2, 28);
    g.setFont(base);
  }

  private static int legendWidth(FontMetrics fm, List<String> names) {
    if (names.isEmpty()) {
      return 0;
    }
    int textW = 0;
    for (String n : names) {
      textW = Math.max(textW, fm.stringWidth(n));
    }
    return textW + 38;
  }

  /** The legend sits right of the plot area, top-aligned, so it never hides data. */
  private static void drawLegend(Graphics2D g, Chart.Plot p, List<String> names, int boxW) {
    if (names.isEmpty()) {
      return;
    }
    FontMetrics fm = g.getFontMetrics();
    int line = fm.getHeight() + 2;
    int boxH = names.size() * line + 8;
    int bx = p.x + p.w + p.pad + 12;
    int by = p.y - p.pad;
    g.setColor(Color.GRAY);
    g.drawRect(bx, by, boxW, boxH);
    for (int i = 0; i < names.size(); i++) {
      int yy = by + 4 + i * line + line / 2;
      g.setColor(PALETTE[i % PALETTE.length]);
      g.setStroke(new BasicStroke(3f));
      g.drawLine(bx + 6, yy, bx + 26, yy);
      g.setStroke(new BasicStroke(1f));
      g.setColor(Color.BLACK);
      g.drawString(names.get(i), bx + 32, yy + fm.getAscent() / 2 - 1);
    }
  }

  static void requireFinite(String chart, String series, String what, int index, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("chart '" + chart + "', series '" + series + "': " + what
          + "[" + index + "] is " + v + " (values must be finite numbers)");
    }
  }
}
