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

  /**
   * What every stage's task needs: the job's arguments, the broadcast table (null for file and
   * synthetic data) and the checkpoint folder.
   */
  record Inputs(String[] args, Broadcast<ImageSplit> table, String checkpointDir)
      implements java.io.Serializable {
    Inputs {
      args = args.clone();
    }

    /** Runs {@code unit} on this rank's worker, returning the device to the pool on success. */
    <R> R run(BarrierGroup group, Unit<R> unit) throws Exception {
      JobOptions o = JobOptions.parse(args);
      TrainConfig c = o.config();
      TrainTestSplit data = table != null ? table.value().toTrainTestSplit()
          : ExecutorResources.data(c);
      try (ExecutorResources.DeviceLease lease = ExecutorResources.device(c)) {
        RankWorker worker = new RankWorker(group.communicator(), lease.device(), c, data,
            CheckpointStorages.forLocation(checkpointDir), o.balanceShards());
        R r = unit.run(worker, o);
        lease.succeeded();
        return r;
      }
    }
  }

  @FunctionalInterface
  interface Unit<R> {
    R run(RankWorker worker, JobOptions options) throws Exception;
  }

  /** One epoch ({@link RankWorker#trainEpoch}); rank 0 reports progress through accumulators. */
  static final class Epoch implements RankWork<EpochReport> {
    private static final long serialVersionUID = 1L;
    private final Inputs in;
    private final int epoch;
    private final int attempt;
    private final String loadFrom;
    private final Progress.Accumulators progress;

    Epoch(Inputs in, int epoch, int attempt, String loadFrom, Progress.Accumulators progress) {
      this.in = in;
      this.epoch = epoch;
      this.attempt = attempt;
      this.loadFrom = loadFrom;
      this.progress = progress;
    }

    @Override
    public EpochReport run(BarrierGroup group) throws Exception {
      return in.run(group, (w, o) -> {
        StepListener listener = group.communicator().rank() == 0 ? progress::stepDone
            : StepListener.NONE;
        // Testing hook (no-op unless BATCHWISE_TEST_STEP_PAUSE_MS is set): slow steps for tests
        // that kill an executor mid-epoch.
        listener = StepPause.wrap(listener, epoch, attempt, group.communicator().rank());
        return w.trainEpoch(epoch, attempt, loadFrom, in.checkpointDir(), o.fault(), listener);
      });
    }
  }

  /** The PreciseBN pass ({@link RankWorker#preciseBn}) over the final checkpoint. */
  static final class PreciseBn implements RankWork<PreciseBnReport> {
    private static final long serialVersionUID = 1L;
    private final Inputs in;
    private final String checkpoint;
    private final long epochs;

    PreciseBn(Inputs in, String checkpoint, long epochs) {
      this.in = in;
      this.checkpoint = checkpoint;
      this.epochs = epochs;
    }

    @Override
    public PreciseBnReport run(BarrierGroup group) throws Exception {
      return in.run(group, (w, o) -> w.preciseBn(checkpoint, epochs, o.preciseBnSamples()));
    }
  }

  /** The evaluation ({@link RankWorker#evaluate}), with the PreciseBN statistics when given. */
  static final class Evaluate implements RankWork<EvalReport> {
    private static final long serialVersionUID = 1L;
    private final Inputs in;
    private final String checkpoint;
    private final long epochs;
    private final LinkedHashMap<String, float[]> preciseState;

    Evaluate(Inputs in, String checkpoint, long epochs, LinkedHashMap<String, float[]> preciseState) {
      this.in = in;
      this.checkpoint = checkpoint;
      this.epochs = epochs;
      this.preciseState = preciseState;
    }

    @Override
    public EvalReport run(BarrierGroup group) throws Exception {
      return in.run(group, (w, o) -> w.evaluate(checkpoint, epochs, preciseState));
    }
  }
}
