package io.batchwise.train.study;

import java.io.IOException;
import java.nio.file.Path;

/** Draws the study's PNG line plots (one series per value of the series column). */
final class StudyPlots {
  private StudyPlots() {}

  static void write(Path png, ExperimentResult.Plot p) throws IOException {
    // Filled in with the report package's plotting class once it exists; until then CSVs only.
  }
}
