package io.batchwise.spark.job;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The driver console: a progress bar for the running epoch, redrawn in place, and the lines the
 * job prints, which first clear the bar.
 *
 * <p>How the driver learns the progress of a running barrier task: rank 0 adds to three named
 * accumulators (steps, loss sum, samples) after every step; executors send the running tasks'
 * accumulator values with every heartbeat ({@code spark.executor.heartbeatInterval}, set to 2 s in
 * embedded mode, 10 s by default on a cluster), and Spark posts them to listeners as
 * {@link SparkListenerExecutorMetricsUpdate}. No extra connection between executors and driver is
 * needed.
 */
final class Progress extends SparkListener {
  private final PrintStream out;
  private final boolean draw;
  private final Accumulators accumulators;
  private volatile int epoch;
  private volatile int epochs;
  private volatile int steps;
  private volatile int globalBatch;
  private volatile long startNanos;
  private int drawnWidth;

  /** The accumulators rank 0 adds to; serializable, they travel with the epoch task. */
  static final class Accumulators implements Serializable {
    private static final long serialVersionUID = 1L;
    final LongAccumulator steps;
    final DoubleAccumulator lossSum;
    final LongAccumulator samples;

    Accumulators(SparkContext sc) {
      steps = sc.longAccumulator("batchwise.progress.steps");
      lossSum = sc.doubleAccumulator("batchwise.progress.loss_sum");
      samples = sc.longAccumulator("batchwise.progress.samples");
    }

    void stepDone(int done, int total, double loss, int n) {
      steps.add(1);
      lossSum.add(loss);
      samples.add(n);
    }
  }

  Progress(SparkContext sc, PrintStream out, boolean draw) {
    this.out = out;
    this.draw = draw;
    this.accumulators = new Accumulators(sc);
    sc.addSparkListener(this);
  }

  Accumulators accumulators() {
    return accumulators;
  }

  /** The epoch whose stage starts now (1-based), its steps and global batch. */
  void startEpoch(int epoch, int epochs, int steps, int globalBatch) {
    this.epoch = epoch;
    this.epochs = epochs;
    this.steps = steps;
    this.globalBatch = globalBatch;
    this.startNanos = System.nanoTime();
  }

  /** Between stages: no bar. */
  void endEpoch() {
    this.epoch = 0;
    clear();
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    if (!draw || epoch == 0) {
      return;
    }
    long done = -1;
    double loss = 0;
    long samples = 0;
    for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
        : CollectionConverters.asJava(update.accumUpdates())) {
      for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
        if (info.update().isEmpty()) {
          continue;
        }
        Object v = info.update().get();
        long id = info.id();
        if (id == accumulators.steps.id() && v instanceof Long l) {
          done = Math.max(done, l);
        } else if (id == accumulators.lossSum.id() && v instanceof Double d) {
          loss = d;
        } else if (id == accumulators.samples.id() && v instanceof Long l) {
          samples = l;
        }
      }
    }
    if (done >= 0) {
      bar(done, samples == 0 ? Double.NaN : loss / samples);
    }
  }

  private synchronized void bar(long done, double meanLoss) {
    int total = Math.max(1, steps);
    int width = 24;
    int filled = (int) Math.min(width, done * width / total);
    double seconds = (System.nanoTime() - startNanos) * 1e-9;
    String line = String.format(Locale.ROOT, "  epoch %d/%d [%s%s] %3d%%  loss %.4f  %.0f images/s",
        epoch, epochs, "#".repeat(filled), ".".repeat(width - filled),
        Math.min(100, 100 * done / total), meanLoss, done * globalBatch / Math.max(seconds, 1e-9));
    // Pad over a longer previous line.
    out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
    out.flush();
    drawnWidth = Math.max(drawnWidth, line.length());
  }

  private synchronized void clear() {
    if (drawnWidth > 0) {
      out.print("\r" + " ".repeat(drawnWidth) + "\r");
      out.flush();
      drawnWidth = 0;
    }
  }

  /** Prints a line of the job's output (clearing the bar first). */
  synchronized void println(String line) {
    clear();
    out.println(line);
    out.flush();
  }

  synchronized void printf(String format, Object... args) {
    println(String.format(Locale.ROOT, format, args));
  }
}
