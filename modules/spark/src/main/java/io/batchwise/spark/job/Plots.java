package io.batchwise.spark.job;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;

/**
 * PNG plots of the loss and accuracy curves, drawn from the run folder's metrics by
 * {@code io.batchwise.train.report.RunReport.writePlots(Path)} when the build has it (looked up at
 * run time so the job does not fail for want of a plot).
 */
final class Plots {
  static final String REPORT_CLASS = "io.batchwise.train.report.RunReport";

  private Plots() {
  }

  static void tryWrite(Path runDir, Progress console) {
    try {
      Class<?> report = Class.forName(REPORT_CLASS);
      Method write = report.getMethod("writePlots", Path.class);
      Object written = write.invoke(null, runDir);
      if (written instanceof List<?> files && !files.isEmpty()) {
        console.println("plots: " + files);
      }
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      // A build without the report module part: no plots.
    } catch (ReflectiveOperationException | RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      console.println("warning: could not draw the plots: " + cause);
    }
  }
}
