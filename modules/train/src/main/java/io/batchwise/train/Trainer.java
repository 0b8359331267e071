package io.batchwise.train;

import io.batchwise.data.BatchSampler;
import io.batchwise.data.Dataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.checkpoint.Checkpoint;
import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.LocalCheckpointStorage;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.nn.schedule.LearningRateSchedule;
import io.batchwise.tensor.Device;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Single-worker training: builds the model on a device, runs the epochs, evaluates after each,
 * writes the run folder and returns what it measured.
 *
 * <p>Per epoch: the {@link BatchSampler} shuffles the training set with {@code (seed, epoch)}; each
 * full batch goes through one {@link TrainStep} with the learning rate of the global step; the tail
 * of fewer than B samples is skipped (drop-last: every step has exactly B samples, which BatchNorm
 * needs, and the skipped tail is a different random subset each epoch). Then an {@link Evaluator}
 * pass over the test set in EVAL mode. Same config and seed on the same device kind: same weights
 * (initialization, order and kernels are deterministic).
 *
 * <p>Timing: {@code images_per_second} counts training samples over training time only (batch
 * preparation, upload, forward, backward, update), not evaluation or checkpoints.
 */
public final class Trainer {
  private final TrainConfig config;
  private final PrintStream log;

  /** What a run produced. */
  public record Result(Path runDir, List<EpochMetrics> epochs, Map<String, Object> summary,
      Map<String, float[]> weights) {
    public EpochMetrics last() {
      return epochs.get(epochs.size() - 1);
    }
  }

  /** Training stopped because the loss became NaN or infinite. */
  public static final class DivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DivergedException(String message) {
      super(message);
    }

    /** The loss of step {@code step} (1-based) of epoch {@code epoch} (1-based) is not finite. */
    public static DivergedException at(double loss, int epoch, int step, double lr) {
      return new DivergedException(String.format(Locale.ROOT,
          "training diverged: loss is %s at epoch %d, step %d (lr %.4g); try a lower --lr",
          loss, epoch, step, lr));
    }
  }

  public Trainer(TrainConfig config, PrintStream log) {
    this.config = config;
    this.log = log;
  }

  /**
   * Trains on {@code data.train()}, evaluates on {@code data.test()}, on {@code device} (which the
   * caller opened and closes).
   *
   * @throws IllegalArgumentException for a model, norm or schedule that does not fit the data
   * @throws IOException if the run folder cannot be written
   */
  public Result run(Device device, TrainTestSplit data) throws IOException {
    if (config.workers() != 1) {
      throw new IllegalArgumentException(TrainMain.WORKERS_MESSAGE);
    }
    long t0 = System.nanoTime();
    Instant started = Instant.now();
    Dataset train = data.train().head(config.trainLimit());
    Dataset test = data.test().head(config.testLimit());
    // The model is built for the data's sample shape (TrainMain.load checked it fits the model).
    int[] inputShape = train.sampleShape();
    int batch = config.batchSize();
    if (train.size() < batch) {
      throw new IllegalArgumentException("the training set has " + train.size()
          + " samples, fewer than one batch of " + batch);
    }
    BatchSampler sampler = new BatchSampler(train.size(), batch, true, true, config.seed());
    long stepsPerEpoch = sampler.batchesPerEpoch();
    long totalSteps = stepsPerEpoch * config.epochs();
    LearningRateSchedule schedule = ScheduleSpec.build(config.schedule(), config.lr(), totalSteps, stepsPerEpoch);
    SgdConfig sgd = new SgdConfig(config.momentum(), config.nesterov(), config.weightDecay(),
        config.decayNormAndBias());

    RunFolder folder = RunFolder.create(config.resolvedRunDir());
    log.println("device: " + device.name() + " (" + device.description() + ")");
    log.printf(Locale.ROOT, "data: %s (%d samples), %s (%d samples), %d classes%n", train.name(),
        train.size(), test.name(), test.size(), train.numClasses());
    log.printf(Locale.ROOT, "model: %s with norm %s; batch %d, %d steps/epoch, %d epochs; %s; lr %s%n",
        config.model(), config.norm(), batch, stepsPerEpoch, config.epochs(), sgd, schedule);
    log.println("run folder: " + folder.dir());

    List<EpochMetrics> epochs = new ArrayList<>();
    Map<String, float[]> weights = new LinkedHashMap<>();
    double totalTrainSeconds = 0;
    long[] phaseNanos = new long[5];
    long totalTrainSamples = 0;
    CheckpointDirectory checkpoints = config.checkpoints()
        ? new CheckpointDirectory(new LocalCheckpointStorage(), folder.checkpoints().toString()) : null;
    try (Sequential model = Catalog.newModel(config.model(), config.norm())) {
      model.init(device, inputShape.clone(), new Random(config.seed()));
      try (TrainStep step = new TrainStep(device, model, inputShape, train.numClasses(), batch, sgd,
              GradientSync.LOCAL);
          Evaluator evaluator = new Evaluator(device, model, inputShape, config.evalBatchSize())) {
        long globalStep = 0;
        for (int e = 0; e < config.epochs(); e++) {
          List<int[]> batches = sampler.epoch(e);
          double lossSum = 0;
          long correct = 0;
          long samples = 0;
          double lr = 0;
          Progress progress = new Progress(e + 1, batches.size());
          long te = System.nanoTime();
          for (int b = 0; b < batches.size(); b++) {
            lr = schedule.lr(globalStep);
            TrainStep.Result r = step.run(train, batches.get(b), batches.get(b).length, lr);
            globalStep++;
            if (!Double.isFinite(r.lossSum())) {
              throw DivergedException.at(r.lossSum(), e + 1, b + 1, lr);
            }
            phaseNanos[0] += r.uploadNanos();
            phaseNanos[1] += r.forwardNanos();
            phaseNanos[2] += r.backwardNanos();
            phaseNanos[3] += r.syncNanos();
            phaseNanos[4] += r.optimizerNanos();
            lossSum += r.lossSum();
            correct += r.correct();
            samples += r.samples();
            progress.update(b + 1, lossSum / samples, samples, System.nanoTime() - te);
          }
          double trainSeconds = (System.nanoTime() - te) * 1e-9;
          progress.clear();
          totalTrainSeconds += trainSeconds;
          totalTrainSamples += samples;

          long tv = System.nanoTime();
          Evaluator.Result ev = evaluator.evaluate(test, 0);
          double evalSeconds = (System.nanoTime() - tv) * 1e-9;
          EpochMetrics m = new EpochMetrics(e + 1, lossSum / samples, (double) correct / samples,
              ev.meanLoss(), ev.accuracy(), samples / trainSeconds, trainSeconds, evalSeconds, lr, globalStep);
          epochs.add(m);
          folder.append(m);
          log.printf(Locale.ROOT,
              "epoch %d/%d  train loss %.4f  train acc %.2f%%  test loss %.4f  test acc %.2f%%  "
                  + "%.1f images/s  %.1f s (+%.1f s eval)%n",
              m.epoch(), config.epochs(), m.trainLoss(), 100 * m.trainAccuracy(), m.testLoss(),
              100 * m.testAccuracy(), m.imagesPerSecond(), trainSeconds, evalSeconds);
          if (checkpoints != null) {
            String where = checkpoints.write(Checkpoint.capture(config.toMap(), e + 1, globalStep,
                model.parameters(), model.state(), step.optimizer().state()));
            log.println("  checkpoint: " + where);
          }
        }
      }
      for (Parameter p : model.parameters()) {
        weights.put(p.name(), p.value().toFloatArray());
      }
    }
    double wall = (System.nanoTime() - t0) * 1e-9;
    EpochMetrics last = epochs.get(epochs.size() - 1);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("test_accuracy", last.testAccuracy());
    summary.put("images_per_second", totalTrainSamples / totalTrainSeconds);
    summary.put("epochs", config.epochs());
    summary.put("workers", config.workers());
    summary.put("wall_seconds", wall);
    summary.put("model", config.model());
    summary.put("norm", config.norm());
    summary.put("device", device.name());
    summary.put("device_description", device.description());
    summary.put("batch_size", batch);
    summary.put("seed", config.seed());
    summary.put("final_train_loss", last.trainLoss());
    summary.put("final_train_accuracy", last.trainAccuracy());
    summary.put("test_loss", last.testLoss());
    summary.put("train_seconds", totalTrainSeconds);
    summary.put("train_samples", train.size());
    summary.put("test_samples", test.size());
    summary.put("steps", totalSteps);
    summary.put("data", config.data());
    summary.put("lr", config.lr());
    summary.put("lr_schedule", config.schedule());
    summary.put("optimizer", sgd.toString());
    Map<String, Object> phases = new LinkedHashMap<>();
    String[] phaseNames = {"upload", "forward", "backward", "gradient_sync", "optimizer"};
    for (int i = 0; i < phaseNames.length; i++) {
      phases.put(phaseNames[i], phaseNanos[i] * 1e-9);
    }
    summary.put("train_phase_seconds", phases);
    List<Object> perEpoch = new ArrayList<>();
    for (EpochMetrics m : epochs) {
      perEpoch.add(m.testAccuracy());
    }
    summary.put("test_accuracy_per_epoch", perEpoch);
    summary.put("started_at", started.toString());
    summary.put("run_dir", folder.dir().toAbsolutePath().toString());
    summary.put("config", new LinkedHashMap<String, Object>(config.toMap()));
    folder.writeSummary(summary);
    log.printf(Locale.ROOT, "test accuracy %.2f%%, %.1f training images/s, %.1f s wall%n",
        100 * last.testAccuracy(), totalTrainSamples / totalTrainSeconds, wall);
    log.println("run folder: " + folder.dir().toAbsolutePath());
    return new Result(folder.dir(), List.copyOf(epochs), summary, weights);
  }

  /** A one-line progress indicator redrawn in place with carriage returns, about 40 times an epoch. */
  private final class Progress {
    private final int epoch;
    private final int steps;
    private final int every;
    private boolean drawn;

    Progress(int epoch, int steps) {
      this.epoch = epoch;
      this.steps = steps;
      this.every = Math.max(1, steps / 40);
    }

    void update(int done, double meanLoss, long samples, long nanos) {
      if (!config.progress() || (done % every != 0 && done != steps)) {
        return;
      }
      int width = 20;
      int filled = (int) ((long) done * width / steps);
      log.printf(Locale.ROOT, "\r  epoch %d [%s%s] %3d%%  loss %.4f  %.0f images/s", epoch,
          "#".repeat(filled), ".".repeat(width - filled), 100L * done / steps, meanLoss,
          samples / (nanos * 1e-9));
      log.flush();
      drawn = true;
    }

    void clear() {
      if (drawn) {
        log.print("\r" + " ".repeat(72) + "\r");
        log.flush();
      }
    }
  }
}
