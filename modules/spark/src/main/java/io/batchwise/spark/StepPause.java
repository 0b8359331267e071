package io.batchwise.spark;

import io.batchwise.train.distributed.StepListener;

/**
 * A testing hook for fault tests on a real cluster: with the environment variable
 * {@value #ENV} set to a number of milliseconds (e.g. through
 * {@code --conf spark.executorEnv.BATCHWISE_TEST_STEP_PAUSE_MS=300}), every rank sleeps that long
 * after each training step and prints one line per step to its stderr (the executor's log):
 * {@code batchwise step: rank R epoch E attempt A step D/T}. A test can then kill an executor JVM
 * at a known point in the middle of an epoch instead of racing a fast epoch. Unset (always, outside
 * such tests) it changes nothing: the listener is returned as it is.
 */
public final class StepPause {
  /** The environment variable holding the pause in milliseconds. */
  public static final String ENV = "BATCHWISE_TEST_STEP_PAUSE_MS";
  /** Start of the line printed after each step. */
  public static final String LINE = "batchwise step: ";

  private StepPause() {}

  /**
   * Wraps {@code inner} when {@value #ENV} is set in this JVM's environment.
   *
   * @param epochIndex 0-based epoch (printed 1-based)
   */
  public static StepListener wrap(StepListener inner, int epochIndex, int attempt, int rank) {
    long ms = pauseMillis(System.getenv(ENV));
    if (ms <= 0) {
      return inner;
    }
    return (done, total, lossSum, samples) -> {
      inner.stepDone(done, total, lossSum, samples);
      System.err.println(LINE + "rank " + rank + " epoch " + (epochIndex + 1) + " attempt "
          + attempt + " step " + done + "/" + total);
      System.err.flush();
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        // Spark is killing the task: stop pausing and let the worker see the interrupt.
        Thread.currentThread().interrupt();
      }
    };
  }

  static long pauseMillis(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
