package io.batchwise.train.distributed;

import io.batchwise.collective.Communicator;
import io.batchwise.data.BatchSampler;
import io.batchwise.data.Dataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.checkpoint.Checkpoint;
import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.CheckpointException;
import io.batchwise.nn.checkpoint.CheckpointStorage;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.PreciseBn;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.nn.schedule.LearningRateSchedule;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import io.batchwise.train.Catalog;
import io.batchwise.train.Evaluator;
import io.batchwise.train.ScheduleSpec;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.Trainer;
import io.batchwise.train.parallel.CommunicatorReducer;
import io.batchwise.train.parallel.DataParallelStep;
import io.batchwise.train.parallel.GradientBuckets;
import io.batchwise.train.parallel.ShardBalancer;
import io.batchwise.train.parallel.StepTimes;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Rank r of W in one stage of the distributed job (see the package comment): holds the rank's
 * communicator, device, settings, data and checkpoint storage, all owned by the caller, and runs
 * the per-stage units on them. Every rank of the group must call the same unit with the same
 * arguments (the units issue the same collectives in the same order on every rank).
 *
 * <p>Data: the training set is {@code data.train().head(trainLimit)}, the test set
 * {@code data.test().head(testLimit)}. Global batch b of epoch e is batch b of a shuffling,
 * drop-last {@link BatchSampler} of batch {@code config.batchSize()} seeded by {@code config.seed()},
 * exactly as the single-worker {@link Trainer} draws it; this rank trains on
 * {@link BatchSampler#shard} of it. With SyncBN, W workers therefore compute what one worker with
 * the global batch computes (up to the order of floating-point sums). With balanced shards
 * ({@link ShardBalancer}) the slices follow the workers' measured speeds instead of being even:
 * the same samples, the same computation up to the order of floating-point sums.
 */
public final class RankWorker {
  /** Salt of the PreciseBN pass's sample order, so it differs from every training epoch's. */
  static final int PRECISE_BN_ORDER = 1_000_003;

  private final Communicator comm;
  private final Device device;
  private final TrainConfig config;
  private final Dataset train;
  private final Dataset test;
  private final CheckpointStorage storage;
  private final int rank;
  private final int workers;
  private final int[] sampleShape;
  private final boolean balanceShards;

  /** A rank that splits every global batch evenly. */
  public RankWorker(Communicator comm, Device device, TrainConfig config, TrainTestSplit data,
      CheckpointStorage storage) {
    this(comm, device, config, data, storage, false);
  }

  /**
   * @param balanceShards split each training batch by the ranks' measured speeds ({@link
   *     ShardBalancer}); every rank must pass the same value, and the model must not depend on
   *     the split ({@link ShardBalancer#requireSplitIndependent}, checked in {@link #trainEpoch})
   */
  public RankWorker(Communicator comm, Device device, TrainConfig config, TrainTestSplit data,
      CheckpointStorage storage, boolean balanceShards) {
    this.balanceShards = balanceShards && comm.size() > 1;
    this.comm = comm;
    this.device = device;
    this.config = config;
    this.train = data.train().head(config.trainLimit());
    this.test = data.test().head(config.testLimit());
    this.storage = storage;
    this.rank = comm.rank();
    this.workers = comm.size();
    if (config.workers() != workers) {
      throw new IllegalArgumentException("the settings say " + config.workers()
          + " workers but the group has " + workers);
    }
    // The model is built for the data's shape (1x28x28 Fashion-MNIST, 3x32x32 CIFAR-10, a
    // table's CxHxW); the driver checked the model can take it (Catalog.checkInput).
    this.sampleShape = train.sampleShape();
    if (!Arrays.equals(sampleShape, test.sampleShape())) {
      throw new IllegalArgumentException(train.name() + " has samples of shape "
          + Arrays.toString(sampleShape) + ", but " + test.name() + " has "
          + Arrays.toString(test.sampleShape()));
    }
  }

  /** The sampler of the training batches (global batch, shuffled, drop-last). */
  public static BatchSampler sampler(TrainConfig config, int trainSize) {
    return new BatchSampler(trainSize, config.batchSize(), true, true, config.seed());
  }

  /** Optimizer steps per epoch for {@code config} on a training set of {@code trainSize}. */
  public static int stepsPerEpoch(TrainConfig config, int trainSize) {
    return sampler(config, trainSize).batchesPerEpoch();
  }

  /** The learning-rate schedule of the whole run (by global step). */
  public static LearningRateSchedule schedule(TrainConfig config, int trainSize) {
    long perEpoch = stepsPerEpoch(config, trainSize);
    return ScheduleSpec.build(config.schedule(), config.lr(), perEpoch * config.epochs(), perEpoch);
  }

  public static SgdConfig sgdConfig(TrainConfig config) {
    return new SgdConfig(config.momentum(), config.nesterov(), config.weightDecay(),
        config.decayNormAndBias());
  }

  /** The largest shard of a global batch of B over W workers: ⌈B/W⌉ (at least 1). */
  public static int maxLocalBatch(int globalBatch, int workers) {
    return Math.max(1, (globalBatch + workers - 1) / workers);
  }

  private Sequential newReplica() {
    Sequential model = Catalog.newModel(config.model(), config.norm());
    try {
      model.init(device, sampleShape.clone(), new Random(config.seed()));
    } catch (IllegalArgumentException | IllegalStateException e) {
      model.close();
      throw new IllegalArgumentException("model " + config.model() + " cannot take input of "
          + "shape " + Arrays.toString(sampleShape) + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return model;
  }

  private Checkpoint read(String location, long epoch, long globalStep) throws CheckpointException {
    Checkpoint c = Checkpoint.read(storage, location);
    if (c.epoch() != epoch || (globalStep >= 0 && c.globalStep() != globalStep)) {
      throw new CheckpointException(location, CheckpointException.Problem.MISMATCH, "checkpoint "
          + location + " holds epoch " + c.epoch() + ", step " + c.globalStep() + "; expected epoch "
          + epoch + (globalStep >= 0 ? ", step " + globalStep : "")
          + " (was it written by another run or other settings?)");
    }
    return c;
  }

  /**
   * Trains epoch {@code epoch} (0-based) on this rank's shards.
   *
   * @param attempt 1 for the first try of this epoch, 2 for the first retry, ...
   * @param loadFrom the checkpoint after {@code epoch} epochs; null only for epoch 0 (fresh start)
   * @param checkpointDir where rank 0 writes {@code epoch-(epoch+1).ckpt}; null: no checkpoint
   * @param fault an injected failure for tests, or null
   * @throws Trainer.DivergedException when the loss becomes NaN or infinite
   */
  public EpochReport trainEpoch(int epoch, int attempt, String loadFrom, String checkpointDir,
      FaultPlan fault, StepListener listener) throws CheckpointException {
    if (epoch < 0 || epoch >= config.epochs()) {
      throw new IllegalArgumentException("epoch " + epoch + " outside 0.." + (config.epochs() - 1));
    }
    if (loadFrom == null && epoch > 0) {
      throw new IllegalArgumentException("epoch " + (epoch + 1) + " needs the checkpoint of epoch "
          + epoch);
    }
    BatchSampler sampler = sampler(config, train.size());
    int perEpoch = sampler.batchesPerEpoch();
    if (perEpoch < 1) {
      throw new IllegalArgumentException("the training set has " + train.size()
          + " samples, fewer than one global batch of " + config.batchSize());
    }
    LearningRateSchedule schedule = schedule(config, train.size());
    ShardBalancer shards = ShardBalancer.forRun(balanceShards, workers, config.batchSize());
    try (Sequential model = newReplica();
        DataParallelStep step = new DataParallelStep(device, model, sampleShape,
            train.numClasses(), shards.cap(), sgdConfig(config), comm,
            GradientBuckets.DEFAULT_BUCKET_BYTES)) {
      long globalStep = (long) epoch * perEpoch;
      if (loadFrom != null) {
        read(loadFrom, epoch, globalStep).restore(model.parameters(), model.state(),
            step.optimizer().state());
      }
      shards.checkModel(model);
      int[] order = sampler.order(epoch);
      double lossSum = 0;
      long correct = 0;
      long samples = 0;
      double lr = 0;
      StepTimes times = StepTimes.ZERO;
      long t0 = System.nanoTime();
      for (int b = 0; b < perEpoch; b++) {
        lr = schedule.lr(globalStep);
        int[] global = sampler.globalBatch(order, b);
        int[] sizes = shards.sizes(global.length);
        int[] mine = ShardBalancer.shard(global, sizes, rank);
        if (fault != null) {
          fault.check(epoch, b, rank, attempt);
        }
        DataParallelStep.Result r = step.run(train, mine, global.length, lr);
        StepTimes stepTimes = shards.exchange(comm, sizes, r.times());
        globalStep++;
        if (!Double.isFinite(r.lossSum())) {
          throw Trainer.DivergedException.at(r.lossSum(), epoch + 1, b + 1, lr);
        }
        lossSum += r.lossSum();
        correct += r.correct();
        samples += r.samples();
        times = times.plus(stepTimes);
        listener.stepDone(b + 1, perEpoch, r.lossSum(), r.samples());
      }
      long trainNanos = System.nanoTime() - t0;

      long t1 = System.nanoTime();
      Evaluator.Result ev = evaluateShard(model);
      long evalNanos = System.nanoTime() - t1;
      double[] sums = {lossSum, correct, samples, ev.lossSum(), ev.correct(), ev.samples()};
      comm.allReduceSum(sums);

      String written = null;
      if (rank == 0 && checkpointDir != null) {
        written = new CheckpointDirectory(storage, checkpointDir).write(Checkpoint.capture(
            config.toMap(), epoch + 1, globalStep, model.parameters(), model.state(),
            step.optimizer().state()));
      }
      return new EpochReport(rank, epoch + 1, perEpoch, globalStep, lr, sums[0], (long) sums[1],
          (long) sums[2], sums[3], (long) sums[4], (long) sums[5], samples, times, trainNanos,
          evalNanos, written, checksum(model.parameters()), device.name());
    }
  }

  /** This rank's contiguous shard {@code [start, end)} of the test set. */
  private int[] testShard() {
    int n = test.size();
    return new int[] {BatchSampler.shardStart(n, rank, workers),
        BatchSampler.shardStart(n, rank + 1, workers)};
  }

  private Evaluator.Result evaluateShard(Sequential model) {
    int[] range = testShard();
    try (Evaluator evaluator = new Evaluator(device, model, sampleShape, config.evalBatchSize())) {
      return evaluator.evaluate(test, range[0], range[1]);
    }
  }

  /**
   * PreciseBN: loads the checkpoint at {@code loadFrom} (after {@code epochs} epochs), then, with
   * the weights frozen, runs TRAIN-mode forwards over {@code samples} training samples (rounded down
   * to whole global batches, at least one batch) in a fixed shuffled order, each global batch
   * sharded across the workers as in training, and merges every BatchNorm layer's statistics
   * across the workers ({@link PreciseBn}). The result does not depend on W.
   */
  public PreciseBnReport preciseBn(String loadFrom, long epochs, int samples)
      throws CheckpointException {
    if (samples < 1) {
      throw new IllegalArgumentException("PreciseBN needs at least 1 sample, got " + samples);
    }
    int b = config.batchSize();
    int k = Math.min(samples, train.size());
    int batches = Math.max(1, k / b);
    BatchSampler sampler = new BatchSampler(train.size(), b, true, false, config.seed());
    int[] order = sampler.order(PRECISE_BN_ORDER);
    int maxLocal = maxLocalBatch(b, workers);
    CommunicatorReducer reducer = new CommunicatorReducer(comm);
    long t0 = System.nanoTime();
    long used = 0;
    try (Sequential model = newReplica();
        Tensor xBuf = device.allocate(withBatch(maxLocal))) {
      NormConversion.bindReducer(model, reducer);
      read(loadFrom, epochs, -1).restore(model.parameters(), model.state(), null);
      float[] host = new float[maxLocal * train.sampleSize()];
      long[] counts;
      try (PreciseBn pass = PreciseBn.begin(model)) {
        // A model without BatchNorm layers (e.g. --norm gn) has no statistics to estimate; every
        // rank sees the same model, so all skip the pass and its collectives together.
        for (int i = 0; i < batches && !pass.layers().isEmpty(); i++) {
          int[] global = sampler.globalBatch(order, i);
          int[] mine = BatchSampler.shard(global, rank, workers);
          train.copyImages(mine, 0, mine.length, host, 0);
          Tensor x = xBuf.slice(0, withBatch(mine.length));
          if (mine.length > 0) {
            x.write(0, host, 0, mine.length * train.sampleSize());
          }
          pass.forward(x);
          used += global.length;
        }
        counts = pass.layers().isEmpty() ? new long[0] : pass.finish(reducer);
      }
      LinkedHashMap<String, float[]> state = new LinkedHashMap<>();
      long sum = 17;
      for (StateBuffer s : model.state()) {
        float[] v = s.value().toFloatArray();
        state.put(s.name(), v);
        for (float f : v) {
          sum = sum * 31 + Float.floatToRawIntBits(f);
        }
      }
      return new PreciseBnReport(rank, state, counts, used, System.nanoTime() - t0, sum);
    }
  }

  private int[] withBatch(int n) {
    int[] s = new int[sampleShape.length + 1];
    s[0] = n;
    System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
    return s;
  }

  /**
   * Evaluates the model of the checkpoint at {@code loadFrom} (after {@code epochs} epochs) on this
   * rank's shard of the test set in EVAL mode, first with its EMA running statistics, then (when
   * {@code preciseState} is not null) with those state buffers in their place; the sums are reduced
   * over the workers.
   */
  public EvalReport evaluate(String loadFrom, long epochs, Map<String, float[]> preciseState)
      throws CheckpointException {
    long t0 = System.nanoTime();
    try (Sequential model = newReplica()) {
      read(loadFrom, epochs, -1).restore(model.parameters(), model.state(), null);
      Evaluator.Result ema = evaluateShard(model);
      Evaluator.Result precise = null;
      if (preciseState != null) {
        List<StateBuffer> state = model.state();
        for (StateBuffer s : state) {
          float[] v = preciseState.get(s.name());
          if (v == null || v.length != s.value().size()) {
            throw new IllegalArgumentException("PreciseBN statistics do not match the model: "
                + s.name() + (v == null ? " is missing" : " has " + v.length + " values, not "
                + s.value().size()));
          }
          s.value().write(v);
        }
        precise = evaluateShard(model);
      }
      double[] sums = {ema.samples(), ema.lossSum(), ema.correct(),
          precise == null ? 0 : precise.lossSum(), precise == null ? 0 : precise.correct()};
      comm.allReduceSum(sums);
      return new EvalReport(rank, (long) sums[0], sums[1], (long) sums[2], sums[3],
          (long) sums[4], precise != null, System.nanoTime() - t0);
    }
  }

  /** A hash of the raw bits of every parameter value, in model order. */
  static long checksum(List<Parameter> parameters) {
    long h = 17;
    for (Parameter p : parameters) {
      for (float f : p.value().toFloatArray()) {
        h = h * 31 + Float.floatToRawIntBits(f);
      }
    }
    return h;
  }
}
