package io.batchwise.spark.job;

import io.batchwise.train.report.RunReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * PNG plots of the loss and accuracy curves ({@code loss.png}, {@code accuracy.png}), drawn from
 * the run folder's metrics by {@link RunReport}; a plot that cannot be drawn is a warning, never a
 * failed job.
 */
final class Plots {
  private Plots() {
  }

  static void tryWrite(Path runDir, Progress console) {
    try {
      List<Path> files = RunReport.writePlots(runDir);
      if (!files.isEmpty()) {
        console.println("plots: " + files);
      }
    } catch (IOException | RuntimeException | LinkageError e) {
      console.println("warning: could not draw the plots: " + e);
    }
  }
}
