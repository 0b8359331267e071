package io.batchwise.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.train.EpochMetrics;
import io.batchwise.train.RunFolder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

  @TempDir
  Path tmp;

  private static List<EpochMetrics> epochs() {
    return List.of(
        new EpochMetrics(1, 0.61234, 0.781, 0.45, 0.842, 1523.4, 39.37, 2.04, 0.05, 938),
        new EpochMetrics(2, 0.35, 0.871, 0.33, 0.8893, 1610.0, 37.2, 2.0, 0.0012345, 1876),
        new EpochMetrics(3, 0.30, 0.89, Double.NaN, Double.NaN, 1600.0, 37.0, 0.0, 0.0, 2814));
  }

  @Test
  void writesLossAndAccuracyPlotsFromTheMetricsFile() throws IOException {
    RunFolder run = RunFolder.create(tmp.resolve("run"));
    for (EpochMetrics m : epochs()) {
      run.append(m);
    }
    List<Path> files = RunReport.writePlots(run);
    assertEquals(List.of(run.dir().resolve("loss.png"), run.dir().resolve("accuracy.png")), files);
    for (Path f : files) {
      BufferedImage img = ImageIO.read(f.toFile());
      assertNotNull(img, f + " is a PNG");
      assertEquals(Chart.DEFAULT_WIDTH, img.getWidth());
    }

    List<Map<String, Double>> rows = RunReport.readMetrics(run.dir());
    assertEquals(3, rows.size());
    assertEquals(0.8893, rows.get(1).get("test_accuracy"), 1e-6);
    assertTrue(rows.get(2).get("test_loss").isNaN(), "epoch without evaluation reads as NaN");
  }

  @Test
  void noEpochsNoPlots() throws IOException {
    RunFolder run = RunFolder.create(tmp.resolve("empty"));
    assertEquals(List.of(), RunReport.writePlots(run));
    assertThrows(NoSuchFileException.class, () -> RunReport.writePlots(tmp.resolve("nothing")));
  }

  @Test
  void summaryTableFormatsEachColumn() throws IOException {
    String table = RunReport.summaryTable(epochs());
    List<String> lines = table.lines().toList();
    assertEquals(5, lines.size(), table);
    assertEquals("epoch  train loss  train acc %  test loss  test acc %  images/s  train s  eval s"
        + "        lr  steps", lines.get(0));
    assertEquals("    1      0.6123        78.10     0.4500       84.20      1523     39.4     2.0"
        + "   0.05000    938", lines.get(2));
    assertEquals("    2      0.3500        87.10     0.3300       88.93      1610     37.2     2.0"
        + "  0.001235   1876", lines.get(3));
    assertEquals("    3      0.3000        89.00                             1600     37.0     0.0"
        + "         0   2814", lines.get(4), "no evaluation: empty cells");

    RunFolder run = RunFolder.create(tmp.resolve("run"));
    for (EpochMetrics m : epochs()) {
      run.append(m);
    }
    String fromFile = RunReport.summaryTable(run.dir());
    assertEquals(lines.get(0), fromFile.lines().findFirst().orElseThrow());
    assertTrue(fromFile.contains("88.93"), fromFile);
  }

  @Test
  void textTableAlignsAndChecksRows() {
    String t = new TextTable("name", "value").row("a", "1.5").row("long name", "-20").render();
    assertEquals("name       value\n---------  -----\na            1.5\nlong name    -20\n", t);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextTable("a", "b").row("only one"));
    assertEquals("table row has 1 cells for 2 columns [a, b]", e.getMessage());
  }
}
