package io.batchwise.train;

import io.batchwise.data.Cifar10Binary;
import io.batchwise.data.CorruptDataException;
import io.batchwise.data.FashionMnist;
import io.batchwise.data.MissingDataException;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;

/**
 * The {@code batchwise train} command: parses options ({@link TrainOptions}), checks them, loads
 * the data, opens the device and runs the {@link Trainer}.
 *
 * <p>Exit codes: 0 success (also for {@code --help}); 2 bad input (unknown option, malformed value,
 * unknown model or norm, missing data, a batch too small for BatchNorm, an unknown device) with a
 * one-line message naming the problem; 1 a failure while training (corrupt data, device error,
 * divergence), also with a message. No stack trace unless {@code BATCHWISE_DEBUG} is set.
 */
public final class TrainMain {
  /** Exit code for bad command-line input. */
  public static final int USAGE = 2;
  /** Exit code for a failure during the run. */
  public static final int FAILURE = 1;

  static final String WORKERS_MESSAGE =
      "the single-JVM trainer runs one worker; several workers train with the Spark job "
          + "(./batchwise train, io.batchwise.spark.job.TrainJob)";

  private TrainMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    TrainConfig config;
    TrainTestSplit data;
    try {
      TrainOptions.Parsed parsed = TrainOptions.parse(args);
      if (parsed.help()) {
        out.print(TrainOptions.help());
        return 0;
      }
      config = parsed.config();
      check(config);
      data = load(config);
      checkSchedule(config, data);
    } catch (UsageException e) {
      err.println("batchwise train: " + e.getMessage());
      err.println("Run 'batchwise train --help' for the options.");
      return USAGE;
    } catch (CorruptDataException e) {
      err.println("batchwise train: corrupt data file: " + e.getMessage());
      return FAILURE;
    } catch (IOException e) {
      err.println("batchwise train: cannot read the data: " + e);
      return FAILURE;
    }

    Device device;
    try {
      device = Devices.open(config.device(), DeviceOptions.withMemoryMb(config.deviceMemoryMb()));
    } catch (IllegalArgumentException e) {
      err.println("batchwise train: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException | LinkageError e) {
      return failure(err, "cannot open device '" + config.device() + "'", e);
    }
    try (device) {
      new Trainer(config, out).run(device, data);
      return 0;
    } catch (Trainer.DivergedException e) {
      err.println("batchwise train: " + e.getMessage());
      return FAILURE;
    } catch (Exception | LinkageError e) {
      return failure(err, "training failed", e);
    }
  }

  private static int failure(PrintStream err, String what, Throwable e) {
    err.println("batchwise train: " + what + ": " + e);
    if (System.getenv("BATCHWISE_DEBUG") != null) {
      e.printStackTrace(err);
    } else {
      err.println("(set BATCHWISE_DEBUG=1 for the stack trace)");
    }
    return FAILURE;
  }

  /** The checks that need the model and norm tables or the file system. */
  static void check(TrainConfig c) throws UsageException {
    if (c.workers() != 1) {
      throw new UsageException("--workers " + c.workers() + ": " + WORKERS_MESSAGE);
    }
    checkNamesBatchAndData(c);
  }

  /**
   * The checks every training command makes: known model and norm, a global batch BatchNorm can
   * train with, an existing data directory.
   */
  public static void checkNamesBatchAndData(TrainConfig c) throws UsageException {
    if (!Catalog.models().contains(c.model())) {
      throw new UsageException("unknown model '" + c.model() + "'; valid: "
          + String.join(", ", Catalog.models()));
    }
    if (!Catalog.norms().contains(c.norm())) {
      throw new UsageException("unknown norm '" + c.norm() + "'; valid: "
          + String.join(", ", Catalog.norms()));
    }
    if (c.batchSize() < 2 && Catalog.usesBatchStatistics(c.norm())) {
      throw new UsageException("batch size " + c.batchSize() + " cannot train with norm '" + c.norm()
          + "': it normalizes with batch statistics, which need at least 2 samples per batch; use "
          + "--batch-size 2 or more, or a batch-independent norm such as --norm none");
    }
    if (TrainConfig.DATA_FASHION_MNIST.equals(c.data()) && !Files.isDirectory(c.dataDir())) {
      throw new UsageException("data directory " + c.dataDir() + " does not exist. "
          + FashionMnist.installHint());
    }
    if (TrainConfig.DATA_CIFAR10.equals(c.data()) && !Files.isDirectory(c.dataDir())) {
      throw new UsageException("data directory " + c.dataDir() + " does not exist; --data cifar10 "
          + "needs --data-dir pointing at the cifar-10-batches-bin folder of the binary release "
          + "(data_batch_1..5.bin, test_batch.bin)");
    }
  }

  /**
   * The training and test sets {@code c} names (Fashion-MNIST, CIFAR-10 or synthetic), checked
   * against the model ({@link Catalog#checkInput}). Table specs ({@code parquet:}, {@code table:})
   * need Spark: the job reads them itself and this throws a usage error for them.
   */
  public static TrainTestSplit load(TrainConfig c) throws IOException, UsageException {
    TrainTestSplit data;
    if (TrainConfig.isTableSpec(c.data())) {
      throw new UsageException("--data " + c.data() + ": tables are read by the Spark job "
          + "(./batchwise train, io.batchwise.spark.job.TrainJob), not by the single-JVM trainer");
    } else if (TrainConfig.DATA_SYNTHETIC.equals(c.data())) {
      SyntheticDataset train = new SyntheticDataset("synthetic/train", c.syntheticTrain(),
          Catalog.inputShape(), 10, 1f, c.seed());
      data = new TrainTestSplit(train, train.split("synthetic/test", c.syntheticTest(), 1));
    } else {
      try {
        data = TrainConfig.DATA_CIFAR10.equals(c.data()) ? Cifar10Binary.load(c.dataDir())
            : FashionMnist.load(c.dataDir());
      } catch (MissingDataException e) {
        throw new UsageException(e.getMessage());
      }
    }
    Catalog.checkInput(c.model(), data.train());
    return data;
  }

  /** Parses the schedule now, so a bad spec is a usage error and not a failure mid-run. */
  public static void checkSchedule(TrainConfig c, TrainTestSplit data) throws UsageException {
    int n = c.trainLimit() > 0 ? Math.min(c.trainLimit(), data.train().size()) : data.train().size();
    long perEpoch = n / c.batchSize();
    if (perEpoch < 1) {
      throw new UsageException("the training set has " + n + " samples, fewer than one batch of "
          + c.batchSize() + "; lower --batch-size");
    }
    try {
      ScheduleSpec.build(c.schedule(), c.lr(), perEpoch * c.epochs(), perEpoch);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--lr-schedule: " + e.getMessage());
    }
  }
}
