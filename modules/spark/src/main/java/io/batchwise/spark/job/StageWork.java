package io.batchwise.spark.job;

import io.batchwise.data.TrainTestSplit;
import io.batchwise.spark.BarrierGroup;
import io.batchwise.spark.RankWork;
import io.batchwise.spark.StepPause;
import io.batchwise.spark.data.ImageSplit;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.distributed.EpochReport;
import io.batchwise.train.distributed.EvalReport;
import io.batchwise.train.distributed.PreciseBnReport;
import io.batchwise.train.distributed.RankWorker;
import io.batchwise.train.distributed.StepListener;
import java.util.LinkedHashMap;
import org.apache.spark.broadcast.Broadcast;

/**
 * The barrier tasks of the job's stages: each parses the job's arguments (as the driver did), takes
 * its data and a pooled device ({@link ExecutorResources}), and runs one {@link RankWorker} unit
 * with the stage's communicator. Serializable: shipped with the task, so they hold only the
 * arguments, strings, accumulators and the broadcast handle.
 *
 * <p>Data: a table the driver read ({@code --data parquet:...} or {@code table:...}) comes as the
 * broadcast {@link ImageSplit} (Spark keeps one copy per executor); files (Fashion-MNIST, CIFAR-10)
 * and synthetic data each executor reads once into {@link ExecutorResources#data}'s cache. The
 * broadcast is null for those.
 */
final class StageWork {
  private StageWork() {
  }

  /** Runs {@code unit} on this rank's worker, returning the device to the pool on success. */
  private static <R> R withWorker(String[] args, Broadcast<ImageSplit> table,
      String checkpointDir, BarrierGroup group, Unit<R> unit) throws Exception {
    JobOptions o = JobOptions.parse(args);
    TrainConfig c = o.config();
    TrainTestSplit data = table != null ? table.value().toTrainTestSplit()
        : ExecutorResources.data(c);
    try (ExecutorResources.DeviceLease lease = ExecutorResources.device(c)) {
      RankWorker worker = new RankWorker(group.communicator(), lease.device(), c, data,
          CheckpointStorages.forLocation(checkpointDir));
      R r = unit.run(worker, o);
      lease.succeeded();
      return r;
    }
  }

  @FunctionalInterface
  private interface Unit<R> {
    R run(RankWorker worker, JobOptions options) throws Exception;
  }

  /** One epoch ({@link RankWorker#trainEpoch}); rank 0 reports progress through accumulators. */
  static final class Epoch implements RankWork<EpochReport> {
    private static final long serialVersionUID = 1L;
    private final String[] args;
    private final Broadcast<ImageSplit> table;
    private final int epoch;
    private final int attempt;
    private final String loadFrom;
    private final String checkpointDir;
    private final Progress.Accumulators progress;

    Epoch(String[] args, Broadcast<ImageSplit> table, int epoch, int attempt, String loadFrom,
        String checkpointDir,
        Progress.Accumulators progress) {
      this.args = args.clone();
      this.table = table;
      this.epoch = epoch;
      this.attempt = attempt;
      this.loadFrom = loadFrom;
      this.checkpointDir = checkpointDir;
      this.progress = progress;
    }

    @Override
    public EpochReport run(BarrierGroup group) throws Exception {
      return withWorker(args, table, checkpointDir, group, (w, o) -> {
        StepListener listener = group.communicator().rank() == 0 ? progress::stepDone
            : StepListener.NONE;
        // Testing hook (no-op unless BATCHWISE_TEST_STEP_PAUSE_MS is set): slow steps for tests
        // that kill an executor mid-epoch.
        listener = StepPause.wrap(listener, epoch, attempt, group.communicator().rank());
        return w.trainEpoch(epoch, attempt, loadFrom, checkpointDir, o.fault(), listener);
      });
    }
  }

  /** The PreciseBN pass ({@link RankWorker#preciseBn}). */
  static final class PreciseBn implements RankWork<PreciseBnReport> {
    private static final long serialVersionUID = 1L;
    private final String[] args;
    private final Broadcast<ImageSplit> table;
    private final String checkpoint;
    private final long epochs;
    private final String checkpointDir;

    PreciseBn(String[] args, Broadcast<ImageSplit> table, String checkpoint, long epochs,
        String checkpointDir) {
      this.args = args.clone();
      this.table = table;
      this.checkpoint = checkpoint;
      this.epochs = epochs;
      this.checkpointDir = checkpointDir;
    }

    @Override
    public PreciseBnReport run(BarrierGroup group) throws Exception {
      return withWorker(args, table, checkpointDir, group,
          (w, o) -> w.preciseBn(checkpoint, epochs, o.preciseBnSamples()));
    }
  }

  /** The evaluation ({@link RankWorker#evaluate}), with the PreciseBN statistics when given. */
  static final class Evaluate implements RankWork<EvalReport> {
    private static final long serialVersionUID = 1L;
    private final String[] args;
    private final Broadcast<ImageSplit> table;
    private final String checkpoint;
    private final long epochs;
    private final String checkpointDir;
    private final LinkedHashMap<String, float[]> preciseState;

    Evaluate(String[] args, Broadcast<ImageSplit> table, String checkpoint, long epochs,
        String checkpointDir,
        LinkedHashMap<String, float[]> preciseState) {
      this.args = args.clone();
      this.table = table;
      this.checkpoint = checkpoint;
      this.epochs = epochs;
      this.checkpointDir = checkpointDir;
      this.preciseState = preciseState;
    }

    @Override
    public EvalReport run(BarrierGroup group) throws Exception {
      return withWorker(args, table, checkpointDir, group,
          (w, o) -> w.evaluate(checkpoint, epochs, preciseState));
    }
  }
}
