package io.batchwise.spark.job;

import io.batchwise.data.CorruptDataException;
import io.batchwise.data.MissingDataException;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.nn.checkpoint.Checkpoint;
import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.CheckpointException;
import io.batchwise.nn.checkpoint.CheckpointStorage;
import io.batchwise.nn.checkpoint.SavedTensor;
import io.batchwise.spark.BarrierStage;
import io.batchwise.spark.GroupSpec;
import io.batchwise.spark.InsufficientSlotsException;
import io.batchwise.spark.RankWork;
import io.batchwise.spark.SlotCheck;
import io.batchwise.spark.data.ImageSplit;
import io.batchwise.spark.data.SparkData;
import io.batchwise.spark.data.TableSchemaException;
import io.batchwise.tensor.DType;
import io.batchwise.train.Catalog;
import io.batchwise.train.EpochMetrics;
import io.batchwise.train.RunFolder;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.TrainMain;
import io.batchwise.train.UsageException;
import io.batchwise.train.distributed.EpochReport;
import io.batchwise.train.distributed.EvalReport;
import io.batchwise.train.distributed.PreciseBnReport;
import io.batchwise.train.distributed.RankWorker;
import io.batchwise.train.parallel.ShardBalancer;
import io.batchwise.train.parallel.StepTimes;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The spark-submit training job ({@code --class io.batchwise.spark.job.TrainJob}), also what
 * {@code ./batchwise train} runs on an embedded local master.
 *
 * <p>Driver, in order:
 * <ol>
 *   <li>Parse and check the options ({@link JobOptions}); read the data once on the driver to
 *       validate it (in local mode the executors share this copy); bad input exits with 2 and a
 *       one-line message before Spark starts. A table ({@code --data parquet:...} or
 *       {@code table:...}, see {@link io.batchwise.spark.data.TableSpec}) is read through Spark
 *       right after Spark starts ({@link SparkData#load}), checked the same way (a bad schema or a
 *       missing table exits with 2, naming the column or path) and broadcast to the tasks.</li>
 *   <li>Start Spark: spark-submit's master, or {@code --master}, or {@code local[W]} on 127.0.0.1
 *       without UI and with quiet logging (embedded mode).</li>
 *   <li>{@link SlotCheck}: too few task slots for W barrier tasks exits with 3, before training.</li>
 *   <li>Per epoch one barrier stage of W tasks ({@link StageWork.Epoch}): each loads the last
 *       checkpoint, trains its shards, rank 0 writes the next checkpoint. A failed stage aborts its
 *       Spark job (Spark does not retry barrier result stages), so the driver logs the failure and
 *       runs the epoch again from the last checkpoint, at most {@code --max-attempts} times.</li>
 *   <li>A PreciseBN stage and an evaluation stage (test accuracy with the EMA and with the
 *       PreciseBN statistics), retried the same way.</li>
 *   <li>The run folder: {@code metrics.jsonl}/{@code metrics.csv} per epoch, {@code summary.json},
 *       and a summary table on the console.</li>
 * </ol>
 *
 * <p>Exit codes: 0 success (also {@code --help}), 1 a failure while training (after the retries;
 * a diverged loss is not retried), 2 bad input, 3 too few task slots. Messages name the problem;
 * stack traces only with {@code BATCHWISE_DEBUG} set.
 */
public final class TrainJob {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int NO_SLOTS = 3;

  static final String PREFIX = "batchwise train: ";
  /** Columns the job adds to the metrics files after {@link EpochMetrics#COLUMNS}. */
  /** Slowest over fastest worker's compute per sample in an epoch above which the job suggests balancing. */
  static final double IMBALANCE_HINT_RATIO = 1.10;

  static final List<String> EXTRA_COLUMNS = List.of("attempts", "comm_share", "stage_seconds",
      "forward_seconds", "backward_seconds", "syncbn_comm_seconds", "gradient_comm_seconds",
      "wait_seconds", "optimizer_seconds", "rank_samples");

  private TrainJob() {
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the job and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    JobOptions o;
    try {
      o = JobOptions.parse(args);
    } catch (UsageException e) {
      return usage(err, e.getMessage());
    }
    if (o.help()) {
      out.print(JobOptions.helpText());
      return OK;
    }
    boolean submitted = System.getProperty("spark.master") != null;
    if (!submitted) {
      EmbeddedSpark.quietLogging();
    }
    TrainConfig c = o.config();
    boolean table = TrainConfig.isTableSpec(c.data());
    TrainTestSplit data = null;
    try {
      TrainMain.checkNamesBatchAndData(c);
      o.checkBatchPerWorker();
      if (!table) {
        data = ExecutorResources.data(c);
        TrainMain.checkSchedule(c, data);
      }
    } catch (UsageException e) {
      return usage(err, e.getMessage());
    } catch (CorruptDataException e) {
      err.println(PREFIX + "corrupt data file: " + e.getMessage());
      return FAILURE;
    } catch (IOException e) {
      err.println(PREFIX + "cannot read the data: " + e);
      return FAILURE;
    }

    SparkContext sc = null;
    try {
      Broadcast<ImageSplit> broadcast = null;
      if (table) {
        // A table is read through Spark (any Hadoop file system, the session's catalog), so on
        // the driver once Spark runs, before the run folder exists; the executors get it as one
        // broadcast copy each.
        try {
          sc = new SparkContext(EmbeddedSpark.conf(o, submitted));
        } catch (Exception e) {
          return failure(err, "cannot start Spark", e);
        }
        ImageSplit split;
        try {
          split = SparkData.load(sc, c.data());
          data = split.toTrainTestSplit();
          Catalog.checkInput(c.model(), data.train());
          TrainMain.checkSchedule(c, data);
        } catch (TableSchemaException | MissingDataException e) {
          return usage(err, "--data: " + e.getMessage());
        } catch (UsageException e) {
          return usage(err, e.getMessage());
        } catch (IOException e) {
          err.println(PREFIX + "cannot read the data: " + e.getMessage());
          return FAILURE;
        }
        broadcast = JavaSparkContext.fromSparkContext(sc).broadcast(split);
      }

      Path runDir = c.resolvedRunDir().toAbsolutePath();
      String checkpointDir = o.checkpointDir() != null ? o.checkpointDir()
          : runDir.resolve(RunFolder.CHECKPOINTS).toString();
      Checkpoint resumeFrom = null;
      if (o.resume()) {
        try {
          resumeFrom = findResume(checkpointDir, c, err);
        } catch (UsageException e) {
          return usage(err, e.getMessage());
        } catch (CheckpointException e) {
          err.println(PREFIX + e.getMessage());
          return FAILURE;
        }
      }
      RunFolder folder;
      try {
        folder = o.resume() ? RunFolder.reopen(runDir, EXTRA_COLUMNS)
            : RunFolder.create(runDir, EXTRA_COLUMNS);
      } catch (IOException e) {
        return usage(err, e.getMessage());
      }

      if (sc == null) {
        try {
          sc = new SparkContext(EmbeddedSpark.conf(o, submitted));
        } catch (Exception e) {
          return failure(err, "cannot start Spark", e);
        }
      }
      return new Driver(sc, o, args, data, broadcast, folder, checkpointDir, resumeFrom, out,
          err).run();
    } catch (Exception | LinkageError e) {
      return failure(err, "the job failed", e);
    } finally {
      if (sc != null) {
        sc.stop();
      }
    }
  }

  static int usage(PrintStream err, String message) {
    err.println(PREFIX + message);
    err.println("Run with --help for the options.");
    return USAGE;
  }

  static int failure(PrintStream err, String what, Throwable e) {
    err.println(PREFIX + what + ": " + firstLine(e));
    if (System.getenv("BATCHWISE_DEBUG") != null) {
      e.printStackTrace(err);
    } else {
      err.println("(set BATCHWISE_DEBUG=1 for the stack trace)");
    }
    return FAILURE;
  }

  /**
   * The cause of a failure in one line. Spark puts the failed task's exception and stack trace
   * into the message of a stage failure after a line of its own ("Job aborted due to stage
   * failure: ... most recent failure: ...", or for barrier stages "Could not recover from a failed
   * barrier ResultStage. ..."): the task's exception line comes first, Spark's line after it in
   * brackets, stack frames never.
   */
  static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    String[] lines = m.split("\n");
    String head = lines[0].replace("Job aborted due to stage failure: ", "").trim();
    int recent = head.indexOf("most recent failure: ");
    String cause = null;
    if (recent >= 0) {
      // "Task 1 in stage 3.0 failed 1 times, most recent failure: Lost task 1.0 in stage 3.0
      // (TID 7) (host executor 0): java.lang.IllegalStateException: message"
      cause = head.substring(recent + "most recent failure: ".length());
      head = null;
    }
    for (int i = 1; i < lines.length && cause == null; i++) {
      String l = lines[i];
      if (l.isBlank() || Character.isWhitespace(l.charAt(0))) {
        continue;
      }
      if (l.startsWith("Driver stacktrace")) {
        break;
      }
      cause = l.trim();
    }
    String out = cause == null ? head : head == null ? cause : cause + " [Spark: " + head + "]";
    return out.length() > 800 ? out.substring(0, 800) + " ..." : out;
  }

  /**
   * The checkpoint {@code --resume} continues from: the newest valid one in {@code dir}, which
   * must have been written with the same model, norm, global batch, data and seed.
   */
  static Checkpoint findResume(String dir, TrainConfig c, PrintStream err)
      throws UsageException, CheckpointException {
    CheckpointDirectory cd = new CheckpointDirectory(CheckpointStorages.forLocation(dir), dir);
    List<Long> epochs = cd.epochs();
    if (epochs.isEmpty()) {
      throw new UsageException("--resume: no checkpoint (epoch-N.ckpt) in " + dir
          + "; nothing to resume (run without --resume to start training)");
    }
    Optional<CheckpointDirectory.Found> found = cd.newestValid();
    if (found.isEmpty()) {
      throw new CheckpointException(dir, CheckpointException.Problem.CORRUPT, "--resume: none of "
          + "the " + epochs.size() + " checkpoints in " + dir + " is valid; the newest: "
          + describeSkipped(cd, epochs.get(0)));
    }
    for (CheckpointException skipped : found.get().skipped()) {
      err.println(PREFIX + "warning: skipping " + skipped.getMessage());
    }
    Checkpoint ck = found.get().checkpoint();
    Map<String, String> now = c.toMap();
    for (String key : List.of("model", "norm", "batch_size", "data", "seed", "train_limit")) {
      String then = ck.config().get(key);
      if (then != null && !then.equals(now.get(key))) {
        throw new UsageException("--resume: " + ck.location() + " was written with " + key + " "
            + then + ", but this run has " + now.get(key) + "; resume with the same settings");
      }
    }
    if (ck.epoch() > c.epochs()) {
      throw new UsageException("--resume: " + ck.location() + " holds " + ck.epoch()
          + " epochs, more than --epochs " + c.epochs());
    }
    return ck;
  }

  private static String describeSkipped(CheckpointDirectory cd, long epoch) {
    try {
      Checkpoint.read(CheckpointStorages.forLocation(cd.directory()), cd.locationOf(epoch));
      return cd.locationOf(epoch);
    } catch (CheckpointException e) {
      return e.getMessage();
    }
  }

  /**
   * A hint when the ranks of an epoch computed at lastingly different speeds (compute per sample,
   * the slowest over the fastest, above {@link #IMBALANCE_HINT_RATIO}) and balanced shards would
   * apply to {@code norm}; null otherwise. Workers that wait for each other go at the slowest
   * one's pace; {@code --balance-shards} gives the faster ones more samples.
   */
  static String imbalanceHint(List<EpochReport> reports, String norm) {
    if (reports.size() < 2 || !JobOptions.balancesWith(norm)) {
      return null;
    }
    double fastest = Double.MAX_VALUE;
    double slowest = 0;
    int slowRank = -1;
    for (EpochReport r : reports) {
      if (r.localSamples() <= 0) {
        return null;
      }
      double perSample = (double) ShardBalancer.computeNanos(r.times()) / r.localSamples();
      fastest = Math.min(fastest, perSample);
      if (perSample > slowest) {
        slowest = perSample;
        slowRank = r.rank();
      }
    }
    if (!(fastest > 0) || slowest / fastest < IMBALANCE_HINT_RATIO) {
      return null;
    }
    return String.format(Locale.ROOT, "note: rank %d computed %.0f%% slower per sample than the fastest "
        + "worker, and the others waited for it; --balance-shards would give faster workers more of "
        + "each global batch", slowRank, 100 * (slowest / fastest - 1));
  }

  /** The driver's state for one run. */
  private static final class Driver {
    private final SparkContext sc;
    private final JobOptions o;
    /** Whether the imbalance hint was printed (once per run). */
    private boolean hinted;
    private final TrainConfig c;
    private final TrainTestSplit data;
    /** What every stage's tasks get: the arguments, the broadcast table (or null), the checkpoints. */
    private final StageWork.Inputs inputs;
    private final RunFolder folder;
    private final String checkpointDir;
    private final Checkpoint resumeFrom;
    private final PrintStream err;
    private final Progress console;
    private final int trainSize;
    private final int testSize;
    private final int stepsPerEpoch;
    /** The final model with PreciseBN statistics, once written. */
    private String preciseCheckpoint;
    /** The devices the workers trained on (names as the executors opened them). */
    private List<String> devices = List.of();

    Driver(SparkContext sc, JobOptions o, String[] args, TrainTestSplit data,
        Broadcast<ImageSplit> table, RunFolder folder, String checkpointDir, Checkpoint resumeFrom,
        PrintStream out, PrintStream err) {
      this.sc = sc;
      this.o = o;
      this.c = o.config();
      this.data = data;
      this.inputs = new StageWork.Inputs(args, table, checkpointDir);
      this.folder = folder;
      this.checkpointDir = checkpointDir;
      this.resumeFrom = resumeFrom;
      this.err = err;
      this.console = new Progress(sc, out, c.progress());
      this.trainSize = data.train().head(c.trainLimit()).size();
      this.testSize = data.test().head(c.testLimit()).size();
      this.stepsPerEpoch = RankWorker.stepsPerEpoch(c, trainSize);
    }

    /** A stage failed after all attempts (or in a way retrying cannot fix). */
    private static final class StageFailed extends Exception {
      private static final long serialVersionUID = 1L;

      StageFailed(String message) {
        super(message);
      }
    }

    int run() {
      long t0 = System.nanoTime();
      Instant started = Instant.now();
      int w = c.workers();
      console.printf("Batchwise: %s with %s on %s (%d training, %d test samples)", c.model(),
          c.norm(), c.data(), trainSize, testSize);
      console.printf("  %d workers × %s = global batch %d, %d epochs of %d steps, lr %s (%s)", w,
          c.batchSize() % w == 0 ? "" + c.batchSize() / w : "~" + c.batchSize() / w,
          c.batchSize(), c.epochs(), stepsPerEpoch, c.lr(), c.schedule());
      console.printf("  Spark %s, master %s; device %s; run folder %s", sc.version(), sc.master(),
          c.device(), folder.dir());
      console.printf("  checkpoints: %s", checkpointDir);
      try {
        SlotCheck.require(sc, w, o.slotWait());
      } catch (InsufficientSlotsException e) {
        err.println(PREFIX + e.getMessage());
        return NO_SLOTS;
      }
      GroupSpec spec = GroupSpec.create("batchwise-train", w, o.collectiveTimeout())
          .withHandshakeTimeout(o.handshakeTimeout()).withSharedMemory(o.sharedMemory());

      int firstEpoch = resumeFrom == null ? 0 : (int) resumeFrom.epoch();
      String last = resumeFrom == null ? null : resumeFrom.location();
      if (resumeFrom != null) {
        console.printf("resuming from %s (after epoch %d, step %d)", last, resumeFrom.epoch(),
            resumeFrom.globalStep());
      }
      List<Integer> attempts = new ArrayList<>();
      for (int e = 0; e < c.epochs(); e++) {
        attempts.add(0);
      }
      List<EpochMetrics> epochs = new ArrayList<>();
      List<Map<String, Object>> extras = new ArrayList<>();
      StepTimes totalTimes = StepTimes.ZERO;
      double trainSeconds = 0;
      long trainSamples = 0;
      try {
        for (int e = firstEpoch; e < c.epochs(); e++) {
          int epoch = e;
          String from = last;
          int[] tries = {0};
          long ts = System.nanoTime();
          List<EpochReport> reports = withRetries("epoch " + (e + 1), tries, attempt -> {
            console.startEpoch(epoch + 1, c.epochs(), stepsPerEpoch, c.batchSize());
            return new StageWork.Epoch(inputs, epoch, attempt, from, console.accumulators());
          }, spec, from == null ? "the initial weights" : from);
          double stageSeconds = (System.nanoTime() - ts) * 1e-9;
          attempts.set(e, tries[0]);
          checkReplicas(reports);
          EpochReport r0 = reports.get(0);
          last = r0.checkpoint();
          devices = reports.stream().map(EpochReport::device).distinct().toList();
          long maxTrain = reports.stream().mapToLong(EpochReport::trainNanos).max().orElse(1);
          long maxEval = reports.stream().mapToLong(EpochReport::evalNanos).max().orElse(0);
          StepTimes mean = meanTimes(reports);
          totalTimes = totalTimes.plus(mean);
          trainSeconds += maxTrain * 1e-9;
          trainSamples += r0.trainSamples();
          double share = commShare(mean);
          EpochMetrics m = new EpochMetrics(e + 1, r0.trainLoss(), r0.trainAccuracy(),
              r0.testLoss(), r0.testAccuracy(), r0.trainSamples() / (maxTrain * 1e-9),
              maxTrain * 1e-9, maxEval * 1e-9, r0.lr(), r0.globalStep());
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("attempts", tries[0]);
          extra.put("comm_share", share);
          extra.put("stage_seconds", stageSeconds);
          Map<String, Double> sec = mean.seconds();
          extra.put("forward_seconds", sec.get("forward"));
          extra.put("backward_seconds", sec.get("backward"));
          extra.put("syncbn_comm_seconds", sec.get("syncbn_comm"));
          extra.put("gradient_comm_seconds", sec.get("gradient_comm"));
          extra.put("wait_seconds", sec.get("wait"));
          extra.put("optimizer_seconds", sec.get("optimizer"));
          List<Long> rankSamples = reports.stream()
              .sorted(Comparator.comparingInt(EpochReport::rank)).map(EpochReport::localSamples).toList();
          extra.put("rank_samples", rankSamples);
          folder.append(m, extra);
          epochs.add(m);
          extras.add(extra);
          console.printf("epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  %.0f images/s"
                  + "  comm %.0f%%  %.1f s%s", e + 1, c.epochs(), m.trainLoss(),
              100 * m.trainAccuracy(), 100 * m.testAccuracy(), m.imagesPerSecond(), 100 * share,
              stageSeconds, tries[0] > 1 ? "  (attempt " + tries[0] + ")" : "");
          if (o.balanceShards()) {
            console.printf("  balanced shards: samples per rank %s", rankSamples);
          } else if (!hinted) {
            String hint = imbalanceHint(reports, c.norm());
            if (hint != null) {
              console.printf("  %s", hint);
              hinted = true;
            }
          }
        }
        if (last == null) {
          throw new StageFailed("no checkpoint to evaluate");
        }
        long trainedEpochs = c.epochs();
        String finalCheckpoint = last;

        PreciseBnReport precise = null;
        double preciseSeconds = 0;
        preciseCheckpoint = null;
        if (o.preciseBnSamples() > 0) {
          long tp = System.nanoTime();
          List<PreciseBnReport> pr = withRetries("PreciseBN", new int[1],
              attempt -> new StageWork.PreciseBn(inputs, finalCheckpoint, trainedEpochs), spec,
              finalCheckpoint);
          preciseSeconds = (System.nanoTime() - tp) * 1e-9;
          for (PreciseBnReport r : pr) {
            if (r.stateChecksum() != pr.get(0).stateChecksum()) {
              throw new StageFailed("PreciseBN statistics differ between rank 0 and rank "
                  + r.rank() + " (they are merged across workers and must agree)");
            }
          }
          precise = pr.get(0);
          if (precise.countsPerLayer().length == 0) {
            console.println("PreciseBN: the model has no BatchNorm layers; nothing to estimate");
            precise = null;
          } else {
            console.printf("PreciseBN: statistics of %d BatchNorm layers from %d training "
                + "samples, merged across %d workers (%.1f s)", precise.countsPerLayer().length,
                precise.samples(), w, preciseSeconds);
            preciseCheckpoint = writePreciseCheckpoint(finalCheckpoint, precise);
          }
        }
        long tv = System.nanoTime();
        LinkedHashMap<String, float[]> preciseState = precise == null ? null : precise.state();
        EvalReport ev = withRetries("evaluation", new int[1],
            attempt -> new StageWork.Evaluate(inputs, finalCheckpoint, trainedEpochs, preciseState),
            spec, finalCheckpoint).get(0);
        double evalSeconds = (System.nanoTime() - tv) * 1e-9;
        console.printf("test accuracy: %.2f%% with EMA statistics%s (%d samples, %.1f s)",
            100 * ev.emaAccuracy(), ev.hasPrecise() ? String.format(Locale.ROOT,
                ", %.2f%% with PreciseBN statistics", 100 * ev.preciseAccuracy()) : "",
            ev.samples(), evalSeconds);

        double wall = (System.nanoTime() - t0) * 1e-9;
        Map<String, Object> summary = summary(epochs, extras, attempts, totalTimes, trainSeconds,
            trainSamples, ev, precise, preciseSeconds, evalSeconds, wall, started,
            finalCheckpoint, firstEpoch);
        folder.writeSummary(summary);
        Plots.tryWrite(folder.dir(), console);
        printTable(summary);
        return OK;
      } catch (StageFailed e) {
        console.endEpoch();
        err.println(PREFIX + e.getMessage());
        return FAILURE;
      } catch (IOException e) {
        console.endEpoch();
        err.println(PREFIX + "cannot write the run folder: " + e.getMessage());
        return FAILURE;
      }
    }

    /**
     * Runs the stage made by {@code work(attempt)} until it succeeds or {@code maxAttempts} ran;
     * {@code tries[0]} ends as the number of attempts. Too few slots and a diverged loss are not
     * retried.
     */
    private <R extends Serializable> List<R> withRetries(String what, int[] tries,
        IntFunction<RankWork<R>> work, GroupSpec spec, String from) throws StageFailed {
      while (true) {
        tries[0]++;
        try {
          List<R> r = BarrierStage.run(sc, spec, work.apply(tries[0]), o.slotWait());
          console.endEpoch();
          return r;
        } catch (InsufficientSlotsException e) {
          console.endEpoch();
          throw new StageFailed(what + ": " + e.getMessage());
        } catch (Exception e) {
          // SparkException is a checked exception Scala throws undeclared: catch them all here.
          console.endEpoch();
          String why = firstLine(e);
          if (why.contains("training diverged")) {
            throw new StageFailed(why.substring(why.indexOf("training diverged")));
          }
          console.printf("%s, attempt %d/%d failed: %s", what, tries[0], o.maxAttempts(), why);
          if (System.getenv("BATCHWISE_DEBUG") != null) {
            e.printStackTrace(err);
          }
          if (tries[0] >= o.maxAttempts()) {
            throw new StageFailed(what + " failed " + tries[0] + " times (--max-attempts "
                + o.maxAttempts() + "); last failure: " + why);
          }
          console.printf("%s: retrying from %s", what, from);
        }
      }
    }

    /**
     * Writes the final model with the PreciseBN statistics in place of the EMA ones, next to the
     * epoch checkpoints as {@code precise-bn-epoch-N.ckpt} (a name {@code --resume} does not
     * take: training continues from the EMA state it stopped with).
     */
    private String writePreciseCheckpoint(String finalCheckpoint, PreciseBnReport precise)
        throws IOException {
      CheckpointStorage storage = CheckpointStorages.forLocation(checkpointDir);
      Checkpoint fin = Checkpoint.read(storage, finalCheckpoint);
      List<SavedTensor> state = new ArrayList<>();
      for (SavedTensor t : fin.state().values()) {
        float[] v = precise.state().get(t.name());
        state.add(v != null && t.dtype() == DType.FLOAT && v.length == t.size()
            ? new SavedTensor(t.name(), DType.FLOAT, t.shape(), v, null) : t);
      }
      Map<String, String> config = new LinkedHashMap<>(fin.config());
      config.put("precise_bn_samples", Long.toString(precise.samples()));
      Checkpoint out = Checkpoint.of(config, fin.epoch(), fin.globalStep(),
          List.copyOf(fin.parameters().values()), state,
          List.copyOf(fin.optimizerState().values()));
      String location = storage.resolve(checkpointDir, "precise-bn-epoch-" + fin.epoch() + ".ckpt");
      out.write(storage, location);
      return location;
    }

    private void checkReplicas(List<EpochReport> reports) throws StageFailed {
      for (EpochReport r : reports) {
        if (r.parameterChecksum() != reports.get(0).parameterChecksum()) {
          throw new StageFailed("after epoch " + r.epoch() + " the parameters of rank "
              + r.rank() + " differ from rank 0's: the replicas drifted apart");
        }
      }
    }

    private static StepTimes meanTimes(List<EpochReport> reports) {
      long[] sum = new long[7];
      for (EpochReport r : reports) {
        StepTimes t = r.times();
        long[] v = {t.uploadNanos(), t.forwardNanos(), t.backwardNanos(), t.syncBnNanos(),
            t.gradientCommNanos(), t.waitNanos(), t.optimizerNanos()};
        for (int i = 0; i < 7; i++) {
          sum[i] += v[i];
        }
      }
      int n = reports.size();
      return new StepTimes(sum[0] / n, sum[1] / n, sum[2] / n, sum[3] / n, sum[4] / n,
          sum[5] / n, sum[6] / n);
    }

    /**
     * Share of step time a worker spends blocked on communication: SyncBN's statistics
     * all-reduces plus waiting for gradient buckets after backward (bucket time hidden behind
     * backward does not count).
     */
    static double commShare(StepTimes t) {
      long total = t.totalNanos();
      return total == 0 ? 0 : (double) (t.syncBnNanos() + t.waitNanos()) / total;
    }

    private Map<String, Object> summary(List<EpochMetrics> epochs,
        List<Map<String, Object>> extras, List<Integer> attempts, StepTimes times,
        double trainSeconds, long trainSamples, EvalReport ev, PreciseBnReport precise,
        double preciseSeconds, double evalSeconds, double wall, Instant started,
        String finalCheckpoint, int firstEpoch) {
      Map<String, Object> s = new LinkedHashMap<>();
      EpochMetrics last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
      s.put("test_accuracy", ev.emaAccuracy());
      s.put("test_accuracy_ema", ev.emaAccuracy());
      s.put("test_accuracy_precise_bn", precise == null ? null : ev.preciseAccuracy());
      s.put("test_loss", ev.emaLoss());
      s.put("test_loss_precise_bn", precise == null ? null : ev.preciseLoss());
      s.put("images_per_second", trainSeconds > 0 ? trainSamples / trainSeconds : null);
      s.put("epochs", c.epochs());
      s.put("workers", c.workers());
      s.put("wall_seconds", wall);
      s.put("model", c.model());
      s.put("norm", c.norm());
      s.put("device", devices.isEmpty() ? c.device() : String.join(", ", devices));
      s.put("device_spec", c.device());
      s.put("batch_size", c.batchSize());
      s.put("per_worker_batch", o.perWorkerBatch());
      s.put("seed", c.seed());
      s.put("final_train_loss", last == null ? null : last.trainLoss());
      s.put("final_train_accuracy", last == null ? null : last.trainAccuracy());
      s.put("train_seconds", trainSeconds);
      s.put("train_samples", trainSize);
      s.put("test_samples", ev.samples());
      s.put("steps", (long) stepsPerEpoch * c.epochs());
      s.put("steps_per_epoch", stepsPerEpoch);
      s.put("data", c.data());
      s.put("lr", c.lr());
      s.put("lr_schedule", c.schedule());
      s.put("optimizer", RankWorker.sgdConfig(c).toString());
      s.put("attempts_per_epoch", new ArrayList<Object>(attempts));
      s.put("resumed_from_epoch", firstEpoch);
      Map<String, Object> phases = new LinkedHashMap<>(times.seconds());
      s.put("train_phase_seconds", phases);
      Map<String, Object> breakdown = new LinkedHashMap<>();
      double total = times.totalNanos();
      if (total > 0) {
        breakdown.put("upload", times.uploadNanos() / total);
        breakdown.put("forward_compute", (times.forwardNanos() - syncBnForward(times)) / total);
        breakdown.put("backward_compute", (times.backwardNanos() - syncBnBackward(times)) / total);
        breakdown.put("syncbn_comm", times.syncBnNanos() / total);
        breakdown.put("gradient_wait", times.waitNanos() / total);
        breakdown.put("optimizer", times.optimizerNanos() / total);
      }
      s.put("step_time_shares", breakdown);
      s.put("comm_share", commShare(times));
      s.put("step_ms", epochs.isEmpty() ? null
          : times.totalNanos() * 1e-6 / ((double) stepsPerEpoch * epochs.size()));
      List<Object> perEpoch = new ArrayList<>();
      for (EpochMetrics m : epochs) {
        perEpoch.add(m.testAccuracy());
      }
      s.put("test_accuracy_per_epoch", perEpoch);
      s.put("precise_bn_samples", precise == null ? 0 : precise.samples());
      s.put("precise_bn_seconds", preciseSeconds);
      s.put("eval_seconds", evalSeconds);
      s.put("checkpoint_dir", checkpointDir);
      s.put("final_checkpoint", finalCheckpoint);
      s.put("precise_bn_checkpoint", preciseCheckpoint);
      s.put("spark_master", sc.master());
      s.put("spark_version", sc.version());
      s.put("spark_app_id", sc.applicationId());
      s.put("started_at", started.toString());
      s.put("run_dir", folder.dir().toAbsolutePath().toString());
      Map<String, Object> config = new LinkedHashMap<>(c.toMap());
      config.put("precise_bn_samples", Integer.toString(o.preciseBnSamples()));
      config.put("max_attempts", Integer.toString(o.maxAttempts()));
      config.put("collective_timeout_s", Long.toString(o.collectiveTimeout().toSeconds()));
      config.put("handshake_timeout_s", Long.toString(o.handshakeTimeout().toSeconds()));
      config.put("shared_memory", o.sharedMemory() ? "on" : "off");
      config.put("balance_shards", o.balanceShards() ? "on" : "off");
      s.put("config", config);
      return s;
    }

    // SyncBN time is inside forward and backward; the shares above split it out, attributing
    // it to forward and backward in proportion (the reducer does not tell them apart).
    private static long syncBnForward(StepTimes t) {
      long fb = t.forwardNanos() + t.backwardNanos();
      return fb == 0 ? 0 : t.syncBnNanos() * t.forwardNanos() / fb;
    }

    private static long syncBnBackward(StepTimes t) {
      return t.syncBnNanos() - syncBnForward(t);
    }

    private void printTable(Map<String, Object> s) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"model / norm", c.model() + " / " + c.norm()});
      rows.add(new String[] {"workers × batch", c.workers() + " × " + o.perWorkerBatch()
          + " (global " + c.batchSize() + ")"});
      rows.add(new String[] {"epochs (attempts)", c.epochs() + " " + s.get("attempts_per_epoch")});
      rows.add(new String[] {"final train loss", fmt("%.4f", s.get("final_train_loss"))});
      rows.add(new String[] {"test accuracy, EMA stats", pct(s.get("test_accuracy_ema"))});
      rows.add(new String[] {"test accuracy, PreciseBN", pct(s.get("test_accuracy_precise_bn"))});
      rows.add(new String[] {"training images/s", fmt("%.0f", s.get("images_per_second"))});
      rows.add(new String[] {"step time (mean)", fmt("%.1f ms", s.get("step_ms"))});
      rows.add(new String[] {"communication share", pct(s.get("comm_share"))});
      rows.add(new String[] {"wall time", fmt("%.1f s", s.get("wall_seconds"))});
      rows.add(new String[] {"run folder", String.valueOf(s.get("run_dir"))});
      int left = rows.stream().mapToInt(r -> r[0].length()).max().orElse(10);
      int right = rows.stream().mapToInt(r -> r[1].length()).max().orElse(10);
      String rule = "+" + "-".repeat(left + 2) + "+" + "-".repeat(right + 2) + "+";
      console.println(rule);
      for (String[] r : rows) {
        console.println("| " + r[0] + " ".repeat(left - r[0].length()) + " | " + r[1]
            + " ".repeat(right - r[1].length()) + " |");
      }
      console.println(rule);
    }

    private static String fmt(String f, Object v) {
      return v instanceof Number n ? String.format(Locale.ROOT, f, n.doubleValue()) : "-";
    }

    private static String pct(Object v) {
      return v instanceof Number n ? String.format(Locale.ROOT, "%.2f%%", 100 * n.doubleValue())
          : "-";
    }
  }

}
