package io.batchwise.spark.job;

import io.batchwise.spark.data.TableSpec;
import io.batchwise.train.Catalog;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.TrainOptions;
import io.batchwise.train.UsageException;
import io.batchwise.train.distributed.FaultPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@link TrainJob}: every option of {@code batchwise train} ({@link TrainOptions},
 * parsed into a {@link TrainConfig} on top of the job's defaults: SyncBN, 2 workers) plus the job's
 * own (batch per worker, PreciseBN samples, checkpoint location, resume, attempts, timeouts,
 * master). The same argument list parses to the same settings on the driver and on every
 * executor, so the barrier tasks receive the arguments, not the parsed settings.
 *
 * @param config the training settings ({@code batchSize} is the global batch)
 * @param preciseBnSamples training samples of the PreciseBN pass (0: no PreciseBN stage)
 * @param checkpointDir checkpoint directory (path or Hadoop URI), null: the run folder's
 * @param resume continue from the newest valid checkpoint in the checkpoint directory
 * @param maxAttempts attempts per stage (an epoch, PreciseBN, evaluation) before the job fails
 * @param collectiveTimeout bound on the collective group's set-up and every collective
 * @param handshakeTimeout how long a collective connection has to authenticate
 * @param sharedMemory whether workers on one host may run their collectives through shared
 *     memory ({@link io.batchwise.collective.CollectiveConfig#sharedMemory()})
 * @param slotWait how long the driver waits for executors to offer W task slots
 * @param master the Spark master for embedded mode (null: spark-submit's, else local[W])
 * @param balanceShards split each global batch over the workers by their measured speeds
 *     ({@link io.batchwise.train.parallel.ShardBalancer}) instead of evenly; only with norms whose
 *     result does not depend on the split (checked here)
 * @param fault an injected failure for tests (null: none)
 * @param help {@code --help} was given
 */
public record JobOptions(TrainConfig config, int preciseBnSamples, String checkpointDir,
    boolean resume, int maxAttempts, Duration collectiveTimeout, Duration handshakeTimeout,
    boolean sharedMemory, Duration slotWait, String master, boolean balanceShards, FaultPlan fault,
    boolean help) {

  /** The job's defaults: the acceptance run (lenet-bn, SyncBN, Fashion-MNIST, 2 × 32, 2 epochs). */
  public static final TrainConfig BASE = TrainConfig.DEFAULTS.toBuilder().norm("syncbn").workers(2)
      .build();
  public static final int DEFAULT_PRECISE_BN_SAMPLES = 10_000;
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final int DEFAULT_COLLECTIVE_TIMEOUT_S = 120;
  public static final int DEFAULT_HANDSHAKE_TIMEOUT_S = 10;
  public static final int DEFAULT_SLOT_WAIT_S = 60;

  /** Norms whose batch statistics are summed over the workers (the global batch counts). */
  private static final Set<String> SYNCHRONIZED = Set.of("syncbn", "brn");

  private record JobOption(String name, String arg, String defaultText, String help) {
  }

  private static final Map<String, JobOption> OPTIONS = new LinkedHashMap<>();

  private static void add(String name, String arg, String defaultText, String help) {
    OPTIONS.put(name, new JobOption(name, arg, defaultText, help));
  }

  static {
    add("--per-worker-batch", "N", "", "samples per worker and step; the global batch is N × "
        + "workers (instead of --batch-size)");
    add("--precise-bn-samples", "N", "" + DEFAULT_PRECISE_BN_SAMPLES, "training samples of the "
        + "PreciseBN pass after training (rounded down to whole global batches); 0 skips it");
    add("--checkpoint-dir", "DIR|URI", "<run-dir>/checkpoints", "where the per-epoch checkpoints "
        + "go: a local path or any Hadoop file system URI (hdfs://, s3a://, file:)");
    add("--resume", null, "off", "continue from the newest valid checkpoint in the checkpoint "
        + "directory (give --run-dir or --checkpoint-dir of the run to continue)");
    add("--max-attempts", "N", "" + DEFAULT_MAX_ATTEMPTS, "attempts per epoch (and per PreciseBN "
        + "and evaluation stage); a failed attempt is retried from the last checkpoint");
    add("--collective-timeout-s", "S", "" + DEFAULT_COLLECTIVE_TIMEOUT_S, "bound on forming the "
        + "workers' group and on every collective operation");
    add("--handshake-timeout-s", "S", "" + DEFAULT_HANDSHAKE_TIMEOUT_S, "how long a worker's "
        + "collective connection has to authenticate before it is dropped (raise on heavily "
        + "loaded machines)");
    add("--shared-memory", "on|off", "on", "workers on one host run their collectives through "
        + "a shared-memory segment in /dev/shm instead of their TCP connections (the group "
        + "falls back to TCP by itself when they are not on one host)");
    add("--balance-shards", null, "off", "split each global batch by the workers' measured speed "
        + "(a faster worker takes more samples; the same computation up to the order of floating-point "
        + "sums, so runs are not bit-identical); needs a norm whose statistics span the global batch or each sample "
        + "(syncbn, brn, gn, ln, in, frozenbn, none)");
    add("--slot-wait-s", "S", "" + DEFAULT_SLOT_WAIT_S, "how long to wait for executors offering "
        + "one task slot per worker");
    add("--master", "URL", "spark-submit's, else local[W]", "Spark master when not run by "
        + "spark-submit (embedded mode), e.g. local[4] or spark://host:7077");
    add("--fail-once-at", "E:S:R", "", "testing: rank R fails before step S (0-based) of epoch E in "
        + "that epoch's first attempt");
  }

  /** Parses the job's arguments (see the class comment). */
  public static JobOptions parse(String[] args) throws UsageException {
    List<String> trainArgs = new ArrayList<>();
    Map<String, String> job = new LinkedHashMap<>();
    boolean batchGiven = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      JobOption o = OPTIONS.get(name);
      if (o == null) {
        // A training option (or an unknown one, which TrainOptions names): keep it with its value.
        trainArgs.add(a);
        if (name.equals("--batch-size")) {
          batchGiven = true;
        }
        if (value == null && TrainOptions.isOption(name) && !TrainOptions.isFlag(name)
            && i + 1 < args.length) {
          trainArgs.add(args[++i]);
        }
        continue;
      }
      if (o.arg() == null) {
        if (value != null) {
          throw new UsageException("option " + name + " takes no value, got '" + value + "'");
        }
        value = "true";
      } else if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException("option " + name + " needs a value (" + o.arg() + ")");
        }
        value = args[++i];
      }
      job.put(name, value);
    }
    TrainOptions.Parsed parsed = TrainOptions.parse(trainArgs.toArray(new String[0]), BASE);
    if (parsed.help()) {
      return new JobOptions(BASE, DEFAULT_PRECISE_BN_SAMPLES, null, false, DEFAULT_MAX_ATTEMPTS,
          Duration.ofSeconds(DEFAULT_COLLECTIVE_TIMEOUT_S),
          Duration.ofSeconds(DEFAULT_HANDSHAKE_TIMEOUT_S), true,
          Duration.ofSeconds(DEFAULT_SLOT_WAIT_S),
          null, false, null, true);
    }
    TrainConfig config = parsed.config();
    if (TrainConfig.isTableSpec(config.data())) {
      try {
        TableSpec.parse(config.data());
      } catch (IllegalArgumentException e) {
        throw new UsageException("--data: " + e.getMessage());
      }
    }
    if (job.containsKey("--per-worker-batch")) {
      if (batchGiven) {
        throw new UsageException("give either --batch-size (global) or --per-worker-batch, not both");
      }
      int n = positive("--per-worker-batch", job.get("--per-worker-batch"));
      try {
        config = config.toBuilder().batchSize(Math.multiplyExact(n, config.workers())).build();
      } catch (ArithmeticException | IllegalArgumentException e) {
        throw new UsageException("--per-worker-batch " + n + " × " + config.workers()
            + " workers: " + e.getMessage());
      }
    }
    if (!config.checkpoints()) {
      throw new UsageException("--no-checkpoints does not apply to the distributed job: the "
          + "model passes from epoch to epoch (and to a retried epoch) through its checkpoints");
    }
    int precise = nonNegative("--precise-bn-samples",
        job.getOrDefault("--precise-bn-samples", "" + DEFAULT_PRECISE_BN_SAMPLES));
    int attempts = positive("--max-attempts",
        job.getOrDefault("--max-attempts", "" + DEFAULT_MAX_ATTEMPTS));
    int timeout = positive("--collective-timeout-s",
        job.getOrDefault("--collective-timeout-s", "" + DEFAULT_COLLECTIVE_TIMEOUT_S));
    int handshake = positive("--handshake-timeout-s",
        job.getOrDefault("--handshake-timeout-s", "" + DEFAULT_HANDSHAKE_TIMEOUT_S));
    String shm = job.getOrDefault("--shared-memory", "on");
    if (!shm.equals("on") && !shm.equals("off")) {
      throw new UsageException("--shared-memory must be on or off, got '" + shm + "'");
    }
    int slotWait = positive("--slot-wait-s",
        job.getOrDefault("--slot-wait-s", "" + DEFAULT_SLOT_WAIT_S));
    String ckpt = job.get("--checkpoint-dir");
    if (ckpt != null && ckpt.isBlank()) {
      throw new UsageException("--checkpoint-dir is empty");
    }
    String master = job.get("--master");
    if (master != null && master.isBlank()) {
      throw new UsageException("--master is empty");
    }
    FaultPlan fault = null;
    if (job.containsKey("--fail-once-at")) {
      try {
        fault = FaultPlan.parse(job.get("--fail-once-at"));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--fail-once-at: " + e.getMessage());
      }
    }
    boolean balance = job.containsKey("--balance-shards");
    if (balance && !balancesWith(config.norm())) {
      throw new UsageException("--balance-shards cannot be used with norm '" + config.norm() + "': it "
          + "normalizes each worker's shard with the shard's own statistics, so moving samples between "
          + "workers would change what it computes; use --norm syncbn (statistics of the global batch)");
    }
    boolean resume = job.containsKey("--resume");
    if (resume && ckpt == null && config.runDir() == null) {
      throw new UsageException("--resume needs the run to continue: give its --run-dir or "
          + "--checkpoint-dir");
    }
    return new JobOptions(config, precise, ckpt, resume, attempts, Duration.ofSeconds(timeout),
        Duration.ofSeconds(handshake), shm.equals("on"), Duration.ofSeconds(slotWait), master,
        balance, fault, false);
  }

  /**
   * Whether {@code --balance-shards} applies to {@code norm}: its statistics span the global batch
   * (syncbn, brn) or each sample (gn, ln, in, frozenbn, none), so the split does not change the result.
   */
  static boolean balancesWith(String norm) {
    return !Catalog.usesBatchStatistics(norm) || SYNCHRONIZED.contains(norm);
  }

  /**
   * The checks beyond {@code TrainMain}'s that need the worker count: a norm that normalizes with
   * per-worker batch statistics needs at least 2 samples on every worker.
   */
  void checkBatchPerWorker() throws UsageException {
    int w = config.workers();
    int b = config.batchSize();
    String norm = config.norm();
    if (b < w) {
      throw new UsageException("global batch " + b + " is smaller than the " + w + " workers: "
          + "every worker needs at least one sample per step; raise --batch-size or lower "
          + "--workers");
    }
    if (Catalog.usesBatchStatistics(norm) && !SYNCHRONIZED.contains(norm) && b / w < 2) {
      throw new UsageException("per-worker batch " + (b / w) + " cannot train with norm '" + norm
          + "': it normalizes with each worker's own batch statistics, which need at least 2 "
          + "samples per worker; use --per-worker-batch 2 or more, or --norm syncbn (statistics of "
          + "the global batch)");
    }
  }

  /** Samples per worker and step (the first B mod W workers take one more). */
  public int perWorkerBatch() {
    return config.batchSize() / config.workers();
  }

  /** The {@code --help} text. */
  public static String helpText() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: TrainJob [options]    (spark-submit --class io.batchwise.spark.job.TrainJob "
        + "<job jar> [options],\n                             or ./batchwise train [options])\n\n")
        .append("Trains a CNN data-parallel on W Spark barrier tasks with synchronized BatchNorm:\n")
        .append("one barrier stage per epoch (retried from the last checkpoint when it fails), then\n")
        .append("a PreciseBN stage and an evaluation stage (test accuracy with the EMA and with the\n")
        .append("PreciseBN statistics). Without spark-submit it starts an embedded local[W] master.\n")
        .append("Writes a run folder: summary.json, metrics.jsonl, metrics.csv, checkpoints/.\n\n")
        .append("Training options:\n");
    TrainConfig d = BASE;
    sb.append(TrainOptions.optionsText(
        Map.of("--norm", d.norm(), "--workers", "" + d.workers(),
            "--batch-size", d.batchSize() + " (" + d.batchSize() / d.workers() + " per worker)"),
        Map.of("--data", "data set: fashion-mnist | cifar10 (--data-dir: cifar-10-batches-bin) | "
                + "synthetic | parquet:<path>[?options] | table:<name>[?options]; table options "
                + "(&-separated): image=COL, label=COL, shape=CxHxW, layout=chw|hwc, classes=N, "
                + "test=<path or name>, test-every=N (default 10: without test=, every 10th row "
                + "is held out); e.g. parquet:/data/t.parquet?image=pixels&label=label&shape=1x28x28",
            "--workers", "data-parallel workers (barrier tasks; each needs a task slot)",
            "--batch-size", "global batch size (samples per optimizer step over all workers)",
            "--no-checkpoints", "(not available: the job passes the model on through checkpoints)")));
    sb.append("\nJob options:\n");
    for (JobOption o : OPTIONS.values()) {
      TrainOptions.line(sb, o.name() + (o.arg() == null ? "" : " " + o.arg()), o.help(),
          o.defaultText());
    }
    sb.append("\nExit codes: 0 success, 1 a failure while training (after the retries), 2 bad input,\n")
        .append("3 too few task slots for the workers.\n");
    return sb.toString();
  }

  private static int positive(String option, String v) throws UsageException {
    int n = integer(option, v);
    if (n < 1) {
      throw new UsageException("option " + option + " must be >= 1, got " + n);
    }
    return n;
  }

  private static int nonNegative(String option, String v) throws UsageException {
    int n = integer(option, v);
    if (n < 0) {
      throw new UsageException("option " + option + " must be >= 0, got " + n);
    }
    return n;
  }

  private static int integer(String option, String v) throws UsageException {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("option " + option + " needs an integer, got '" + v + "'");
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "JobOptions[%s, preciseBn=%d, ckpt=%s, resume=%s]", config,
        preciseBnSamples, checkpointDir, resume);
  }
}
