package io.batchwise.train.study;

import io.batchwise.data.Dataset;
import io.batchwise.tensor.Device;
import java.io.PrintStream;
import java.util.List;

/**
 * What every experiment of the study shares: the device, the data, the size of the run, the seed,
 * the log and the command line that produced it.
 *
 * @param size {@link Size#FULL}, {@link Size#QUICK} or {@link Size#SMOKE} (tests)
 * @param seed base seed; each experiment derives its runs' seeds from it and records them
 * @param command the command line, recorded with every result
 */
public record StudyContext(Device device, Dataset train, Dataset test, Size size, long seed, PrintStream log,
    List<String> command) {

  /** How long a study runs. */
  public enum Size {
    /** Seconds, tiny data: the smoke test of {@code ./batchwise test}. */
    SMOKE,
    /** A few minutes in total: {@code bench study --quick}. */
    QUICK,
    /** The committed results (about 25 minutes on two heavily shared cores). */
    FULL;

    /** {@code full} for FULL, {@code quick} for QUICK, {@code smoke} for SMOKE. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One of three values by size. */
  public int pick(int smoke, int quick, int full) {
    return switch (size) {
      case SMOKE -> smoke;
      case QUICK -> quick;
      case FULL -> full;
    };
  }

  /** The training set's first {@code n} samples (all when n ≥ its size). */
  public Dataset trainHead(int n) {
    return train.head(Math.min(n, train.size()));
  }

  /** The test set's first {@code n} samples (all when n ≥ its size). */
  public Dataset testHead(int n) {
    return test.head(Math.min(n, test.size()));
  }

  public void say(String format, Object... args) {
    log.printf(java.util.Locale.ROOT, "[study] " + format + "%n", args);
    log.flush();
  }
}
