package io.batchwise.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartTest {

  @TempDir
  Path tmp;

  /** Pixels of exactly this colour (series colours are drawn solid, antialiased only at edges). */
  private static int count(BufferedImage img, Color c) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void lineChartWritesAReadablePngWithEverySeriesDrawn() throws IOException {
    Path f = tmp.resolve("sub/loss.png");
    new LineChart("Loss", "epoch", "loss")
        .series("train", new double[] {1, 2, 3, 4}, new double[] {2.3, 1.1, 0.7, 0.5})
        .series("test", new double[] {0.9, 0.8, 0.75, 0.7})
        .writePng(f, 640, 400);
    assertTrue(Files.size(f) > 1000, "a PNG with axes, text and two lines");
    assertTrue(List.of(tmp.resolve("sub").toFile().list()).equals(List.of("loss.png")),
        "no temporary file left behind");
    BufferedImage img = ImageIO.read(f.toFile());
    assertNotNull(img, "ImageIO reads the file back as an image");
    assertEquals(640, img.getWidth());
    assertEquals(400, img.getHeight());
    assertEquals(Color.WHITE.getRGB(), img.getRGB(2, 2), "white background");
    assertTrue(count(img, Chart.PALETTE[0]) > 200, "first series drawn in the first colour");
    assertTrue(count(img, Chart.PALETTE[1]) > 200, "second series drawn in the second colour");
    assertTrue(count(img, Color.BLACK) > 100, "title and labels drawn in black");
  }

  @Test
  void logXAndBarChartRender() throws IOException {
    BufferedImage log = new LineChart("Scaling", "workers", "images/s").logX()
        .series("syncbn", new double[] {1, 2, 4, 8, 16}, new double[] {100, 190, 350, 600, 900})
        .render();
    assertEquals(Chart.DEFAULT_WIDTH, log.getWidth());
    assertTrue(count(log, Chart.PALETTE[0]) > 200);

    Path f = tmp.resolve("bars.png");
    new BarChart("Accuracy by norm", "norm", "accuracy", List.of("bn", "syncbn", "gn"))
        .series("batch 8", new double[] {0.80, 0.88, 0.87})
        .series("batch 64", new double[] {0.90, 0.90, 0.89})
        .writePng(f);
    BufferedImage bars = ImageIO.read(f.toFile());
    assertEquals(Chart.DEFAULT_HEIGHT, bars.getHeight());
    // Six bars of about 50 x 300 pixels each.
    assertTrue(count(bars, Chart.PALETTE[0]) > 10_000, "the first series' bars are filled");
    assertTrue(count(bars, Chart.PALETTE[1]) > 10_000, "the second series' bars are filled");
  }

  @Test
  void flatAndSinglePointSeriesStillGetAnAxis() {
    BufferedImage img = new LineChart("flat", "x", "y").series("one", new double[] {5}).render();
    assertTrue(count(img, Chart.PALETTE[0]) > 20, "a single point is drawn as a dot");
  }

  @Test
  void badInputIsRefusedWithAMessageNamingTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LineChart("Loss", "x", "y").render());
    assertEquals("chart 'Loss' has no series to draw", e.getMessage());

    e = assertThrows(IllegalArgumentException.class,
        () -> new LineChart("Loss", "x", "y").series("train", new double[0]).render());
    assertEquals("chart 'Loss', series 'train' is empty (no points)", e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new LineChart("Loss", "x", "y")
        .series("test", new double[] {1, Double.NaN, 3}).render());
    assertEquals("chart 'Loss', series 'test': y[1] is NaN (values must be finite numbers)",
        e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new LineChart("S", "x", "y").logX()
        .series("a", new double[] {0, 1}, new double[] {1, 2}).render());
    assertTrue(e.getMessage().contains("x[0] = 0.0 cannot go on a logarithmic x axis"),
        e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new LineChart("S", "x", "y")
        .series("a", new double[] {1, 2}, new double[] {1}).render());
    assertEquals("chart 'S', series 'a' has 2 x values but 1 y values", e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new BarChart("B", "x", "y",
        List.of("a", "b")).series("s", new double[] {1}).render());
    assertEquals("chart 'B', series 's' has 1 values for 2 categories", e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> new LineChart("S", "x", "y")
        .series("a", new double[] {1}).render(20, 20));
    assertTrue(e.getMessage().contains("is too small"), e.getMessage());
  }

  @Test
  void nothingIsWrittenForBadInput() {
    Path f = tmp.resolve("bad.png");
    assertThrows(IllegalArgumentException.class, () -> new LineChart("x", "x", "y")
        .series("inf", new double[] {Double.POSITIVE_INFINITY}).writePng(f));
    assertTrue(!Files.exists(f));
  }
}
