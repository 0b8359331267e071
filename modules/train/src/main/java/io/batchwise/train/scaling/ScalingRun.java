package io.batchwise.train.scaling;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveServer;
import io.batchwise.collective.Communicator;
import io.batchwise.data.BatchSampler;
import io.batchwise.data.Dataset;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.train.parallel.BucketIssue;
import io.batchwise.train.parallel.DataParallelStep;
import io.batchwise.train.parallel.GradientBuckets;
import io.batchwise.train.parallel.ShardBalancer;
import io.batchwise.train.parallel.StepTimes;
import io.batchwise.train.parallel.WeightGradientTiming;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One measured point of the scaling benchmark: W data-parallel workers, each its own JVM (as Spark
 * executors are), running the real {@link DataParallelStep} over a real Netty {@link Communicator}
 * on 127.0.0.1, with every worker held to one core: the process pinned to it ({@link #affinity},
 * taskset), PoCL's thread pool capped to one thread ({@code POCL_MAX_PTHREAD_COUNT=1}) and the JVM
 * told it has one processor ({@code -XX:ActiveProcessorCount=1}: one GC and JIT thread). On a
 * machine with fewer cores than workers, several workers are pinned to each core and wait for each
 * other's CPU time.
 *
 * <p>Data: a synthetic 1×28×28 data set (the timing does not depend on the pixel values); global
 * batch s is the s-th batch of a shuffled {@link BatchSampler}, and worker r trains on its contiguous
 * shard ({@link BatchSampler#shard}).
 *
 * <p>Per point and worker, the mean {@link StepTimes} of the steps after the warm-up; the point's
 * figures average the workers (they run in lock step).
 */
public final class ScalingRun {
  private ScalingRun() {
  }

  /**
   * The "norm" of the control point: {@code workers} unconnected 1-worker jobs with per-worker BN,
   * started together, each pinned like a worker and training on {@code globalBatch / workers}
   * samples per step. Nothing is communicated, so their step time against one job alone is what
   * sharing this machine costs any data-parallel run with that many workers: the ceiling of its
   * weak-scaling efficiency here.
   */
  public static final String INDEPENDENT = "independent";

  /**
   * {@link #INDEPENDENT} jobs with SyncBN layers that take the path they take in a group (moments,
   * host arithmetic, affine map: two launches per pass and a host round trip), bound to a reducer
   * with nothing to add: SyncBN's own compute without its communication. Between this and
   * {@link #INDEPENDENT} lies what SyncBN's kernels cost; between this and SyncBN what
   * synchronizing costs.
   */
  public static final String INDEPENDENT_SYNCBN = "independent-syncbn";

  /**
   * What to run: {@code workers} processes, model and normalization ({@code syncbn} or {@code bn},
   * per-worker, or a control: {@link #INDEPENDENT}, {@link #INDEPENDENT_SYNCBN}), {@code globalBatch}
   * samples per step split evenly over the workers.
   */
  public record Point(String model, String norm, int workers, int globalBatch, int steps, int warmup,
      String device, int memoryMb) {
    public Point {
      if (workers < 1 || globalBatch < 2 * workers || steps <= warmup || warmup < 0) {
        throw new IllegalArgumentException("need workers >= 1, a global batch of at least 2 per worker, "
            + "steps > warmup >= 0; got workers " + workers + ", global batch " + globalBatch + ", steps "
            + steps + ", warm-up " + warmup);
      }
      if (norm.startsWith(INDEPENDENT) && globalBatch % workers != 0) {
        throw new IllegalArgumentException(norm + " jobs need a global batch that the workers split "
            + "evenly; got " + globalBatch + " over " + workers);
      }
    }

    /** Whether the workers are unconnected jobs ({@link #INDEPENDENT}, {@link #INDEPENDENT_SYNCBN}). */
    public boolean independent() {
      return norm.equals(INDEPENDENT) || norm.equals(INDEPENDENT_SYNCBN);
    }
  }

  /**
   * Mean seconds per step over the measured steps, averaged over the workers; {@code compute} is
   * the step minus SyncBN communication minus waiting for gradient buckets; {@code computeMax} is
   * the slowest worker's.
   */
  public record Measured(Point point, double step, double compute, double computeMax, double syncBn,
      double gradientComm, double exposedWait, double imagesPerSecond) {}

  /**
   * The command prefix that holds worker {@code worker} to one core: {@code taskset -c k} with
   * k = worker mod cores, so two workers share a core only when there are more workers than
   * cores. Unpinned, Linux moved the workers' threads between the cores and sometimes ran both
   * compute threads on one core: resnet20 SyncBN at 2 workers measured efficiency 0.61 unpinned and
   * 0.75 pinned (2026-12-01, same machine, same hour). Empty when {@code pin} is false.
   *
   * @throws IllegalStateException when pinning is asked for and taskset is missing
   */
  static List<String> affinity(int worker, boolean pin) {
    if (!pin) {
      return List.of();
    }
    if (!tasksetAvailable()) {
      throw new IllegalStateException("pinning workers to cores needs taskset (Debian package util-linux);"
          + " install it or pass --pin false");
    }
    return List.of("taskset", "-c", String.valueOf(worker % Runtime.getRuntime().availableProcessors()));
  }

  /**
   * The benchmarks' {@code --pin} value: {@code auto} (pin when taskset is there), {@code true}
   * or {@code false}.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  static boolean pinOption(String value) {
    return switch (value) {
      case "auto" -> tasksetAvailable();
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("--pin takes auto, true or false, got '" + value + "'");
    };
  }

  /**
   * How the workers of a point run, beyond the point itself.
   *
   * @param pin hold worker r to core r mod cores ({@link #affinity})
   * @param sharedMemory collectives through the shared-memory segment of one host (else TCP)
   * @param weightGradients when convolutions compute their weight gradients ({@link
   *     WeightGradientTiming}; {@code IN_BACKWARD}: every one in its layer's backward)
   * @param yieldMicros {@link CollectiveConfig#yieldMicros()}: how long a waiting rank polls before
   *     parking (with a core per rank it spins all that time)
   * @param bucketBytes gradient bucket size ({@link GradientBuckets})
   * @param balanceShards split each global batch by the workers' measured speeds ({@link
   *     ShardBalancer}) instead of evenly; only for points whose result does not depend on the split
   *     (SyncBN), and meaningless for the independent controls (each is a group of one)
   * @param convNormFusion link each convolution to the BatchNorm after it ({@link
   *     Sequential#convNormFusion(boolean)}, the default); false runs them as separate layers
   */
  public record Settings(boolean pin, boolean sharedMemory, WeightGradientTiming weightGradients, int yieldMicros,
      int bucketBytes, boolean balanceShards, boolean convNormFusion) {
    public Settings {
      java.util.Objects.requireNonNull(weightGradients, "weightGradients");
      if (yieldMicros < 0 || bucketBytes < 1) {
        throw new IllegalArgumentException("need yieldMicros >= 0 and bucketBytes >= 1, got " + yieldMicros
            + " and " + bucketBytes);
      }
    }

    /** The defaults: shared memory, the trainer's weight-gradient timing, the communicator's wait and the default buckets. */
    public static Settings defaults(boolean pin) {
      return new Settings(pin, true, WeightGradientTiming.DEFAULT, CollectiveConfig.DEFAULT_YIELD_MICROS,
          GradientBuckets.DEFAULT_BUCKET_BYTES, false, true);
    }

    public Settings withSharedMemory(boolean v) {
      return new Settings(pin, v, weightGradients, yieldMicros, bucketBytes, balanceShards, convNormFusion);
    }

    public Settings withWeightGradients(WeightGradientTiming v) {
      return new Settings(pin, sharedMemory, v, yieldMicros, bucketBytes, balanceShards, convNormFusion);
    }

    public Settings withYieldMicros(int v) {
      return new Settings(pin, sharedMemory, weightGradients, v, bucketBytes, balanceShards, convNormFusion);
    }

    public Settings withBucketBytes(int v) {
      return new Settings(pin, sharedMemory, weightGradients, yieldMicros, v, balanceShards, convNormFusion);
    }

    public Settings withBalanceShards(boolean v) {
      return new Settings(pin, sharedMemory, weightGradients, yieldMicros, bucketBytes, v, convNormFusion);
    }

    public Settings withConvNormFusion(boolean v) {
      return new Settings(pin, sharedMemory, weightGradients, yieldMicros, bucketBytes, balanceShards, v);
    }
  }

  /**
   * {@link #run(Point, Settings)}, tried up to three times: a group on a loaded machine can miss
   * the communicator's handshake deadline (a JVM not scheduled for seconds), which says nothing
   * about scaling. Failures are reported on stderr after {@code logPrefix}.
   */
  static Measured runWithRetries(Point p, Settings settings, String logPrefix) throws Exception {
    return runWithRetries(p, settings, logPrefix, new ArrayList<>(), new ArrayList<>());
  }

  /**
   * As above, adding the successful attempt's {@link #STEP_COLUMNS} rows to {@code steps} and its
   * {@link #SEGMENT_COLUMNS} rows to {@code segments}.
   */
  static Measured runWithRetries(Point p, Settings settings, String logPrefix, List<String> steps,
      List<String> segments) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        List<String> mySteps = new ArrayList<>();
        List<String> mySegments = new ArrayList<>();
        Measured m = run(p, settings, mySteps, mySegments);
        steps.addAll(mySteps);
        segments.addAll(mySegments);
        return m;
      } catch (IllegalStateException e) {
        if (attempt >= 3) {
          throw e;
        }
        System.err.println(logPrefix + "   attempt " + attempt + " failed (" + e.getMessage() + "); again");
      }
    }
  }

  /**
   * A JVM running {@code main} with {@code args}, held to one core as every measured worker is: on
   * core {@code worker} mod cores when {@code pin} ({@link #affinity}), PoCL capped to one thread,
   * one JVM processor, G1 (which never moves the device arenas); its error output is this JVM's.
   */
  static ProcessBuilder oneCoreWorker(int worker, boolean pin, Class<?> main, List<String> args) {
    List<String> command = new ArrayList<>(affinity(worker, pin));
    command.addAll(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx768m", "-XX:ActiveProcessorCount=1",
        "-XX:+UseG1GC", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("POCL_MAX_PTHREAD_COUNT", "1");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    return pb;
  }

  /** Whether {@code taskset} is on the PATH (Linux). */
  static boolean tasksetAvailable() {
    return io.batchwise.collective.bench.CollectiveBench.tasksetAvailable();
  }


  /** {@link #run(Point, Settings)} with the default settings. */
  public static Measured run(Point p, boolean pin) throws Exception {
    return run(p, Settings.defaults(pin));
  }

  /**
   * Runs one point: starts the worker JVMs, collects their timings, returns the means. With
   * {@code settings.sharedMemory()} the workers' collectives go through shared memory (they are on
   * one host), else over their TCP connections, as across hosts. An {@link
   * #INDEPENDENT} point starts the same processes as groups of one (rank 0 of 1, BN, its share
   * of the global batch), released together when all have started; an {@link #INDEPENDENT_SYNCBN}
   * point the same with SyncBN layers on their group path.
   */
  public static Measured run(Point p, Settings settings) throws Exception {
    return run(p, settings, new ArrayList<>(), new ArrayList<>());
  }

  /**
   * The columns of the per-step rows {@link #run(Point, Settings, List)} collects: every measured
   * step of every rank, its samples and times in ms (compute: the step minus SyncBN reductions
   * minus the exposed wait for buckets).
   */
  public static final String STEP_COLUMNS = "rank,step,samples,step_ms,compute_ms,syncbn_ms,wait_ms";

  /**
   * The columns of the per-step segment rows: each rank's compute between its SyncBN reductions in
   * the step ({@link DataParallelStep#lastSegmentNanos}), in ms, joined by {@code ;}.
   */
  public static final String SEGMENT_COLUMNS = "rank,step,segments_ms";

  /**
   * {@link #run(Point, Settings)}, adding one {@link #STEP_COLUMNS} row per rank and measured step
   * to {@code steps} and one {@link #SEGMENT_COLUMNS} row to {@code segments}.
   */
  public static Measured run(Point p, Settings settings, List<String> steps, List<String> segments)
      throws Exception {
    String secret = HexFormat.of().formatHex(CollectiveConfig.newSecret());
    List<Process> procs = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    try {
      boolean alone = p.independent();
      for (int r = 0; r < p.workers(); r++) {
        ProcessBuilder pb = oneCoreWorker(r, settings.pin(), ScalingRun.class, List.of(
            "--child", String.valueOf(alone ? 0 : r), secret, p.model(), p.norm().equals(INDEPENDENT) ? "bn" : p.norm(),
            String.valueOf(alone ? 1 : p.workers()), String.valueOf(alone ? p.globalBatch() / p.workers()
                : p.globalBatch()), String.valueOf(p.steps()), String.valueOf(p.warmup()), p.device(),
            String.valueOf(p.memoryMb()), String.valueOf(settings.sharedMemory()),
            settings.weightGradients().spelling(), String.valueOf(settings.yieldMicros()),
            String.valueOf(settings.bucketBytes()),
            String.valueOf(settings.balanceShards() && !alone && p.norm().equals("syncbn")),
            String.valueOf(settings.convNormFusion())));
        Process proc = pb.start();
        procs.add(proc);
        outs.add(new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8)));
      }
      List<String> own = new ArrayList<>();
      for (int r = 0; r < p.workers(); r++) {
        String l = outs.get(r).readLine();
        if (l == null || !l.startsWith("PORT ")) {
          throw new IllegalStateException("worker " + r + " did not start (first line: " + l + "); see its"
              + " error output above");
        }
        own.add("127.0.0.1:" + l.substring(5).trim());
      }
      // Every worker waits for this line before it trains, so all start together; an independent
      // job's group is itself alone.
      for (int r = 0; r < p.workers(); r++) {
        PrintWriter w = new PrintWriter(procs.get(r).getOutputStream(), true, StandardCharsets.UTF_8);
        w.println(alone ? own.get(r) : String.join(",", own));
      }
      double[] sums = new double[7];
      double computeMax = 0;
      for (int r = 0; r < p.workers(); r++) {
        String l;
        while ((l = outs.get(r).readLine()) != null && !l.startsWith("MEAN ")) {
          if (l.startsWith("STEP ")) {
            steps.add(r + "," + l.substring(5).trim().replace(' ', ','));
          } else if (l.startsWith("SEG ")) {
            segments.add(r + "," + l.substring(4).trim().replace(' ', ','));
          }
        }
        if (l == null) {
          throw new IllegalStateException("worker " + r + " ended without its timings; see its error output above");
        }
        String[] f = l.split(" ");
        double[] v = new double[7];
        for (int k = 0; k < 7; k++) {
          v[k] = Double.parseDouble(f[k + 1]);
          sums[k] += v[k];
        }
        computeMax = Math.max(computeMax, v[0] - v[1] - v[3]);
      }
      for (int r = 0; r < p.workers(); r++) {
        if (!procs.get(r).waitFor(60, TimeUnit.SECONDS) || procs.get(r).exitValue() != 0) {
          throw new IllegalStateException("worker " + r + " did not exit cleanly");
        }
      }
      double w = p.workers();
      double step = sums[0] / w;
      return new Measured(p, step, (sums[0] - sums[1] - sums[3]) / w, computeMax, sums[1] / w, sums[2] / w,
          sums[3] / w, p.globalBatch() / step);
    } finally {
      for (Process proc : procs) {
        proc.destroyForcibly();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    throw new IllegalArgumentException("ScalingRun is started by ScalingBench; use ScalingBench");
  }

  private static void child(String[] a) throws IOException {
    int rank = Integer.parseInt(a[1]);
    byte[] secret = HexFormat.of().parseHex(a[2]);
    String model = a[3];
    String norm = a[4];
    boolean syncBnPathAlone = norm.equals(INDEPENDENT_SYNCBN);
    int workers = Integer.parseInt(a[5]);
    int globalBatch = Integer.parseInt(a[6]);
    int steps = Integer.parseInt(a[7]);
    int warmup = Integer.parseInt(a[8]);
    String device = a[9];
    int memoryMb = Integer.parseInt(a[10]);
    boolean sharedMemory = a.length <= 11 || Boolean.parseBoolean(a[11]);
    WeightGradientTiming weightGradients = a.length > 12 ? WeightGradientTiming.parse(a[12])
        : WeightGradientTiming.DEFAULT;
    int yieldMicros = a.length > 13 ? Integer.parseInt(a[13]) : CollectiveConfig.DEFAULT_YIELD_MICROS;
    int bucketBytes = a.length > 14 ? Integer.parseInt(a[14]) : GradientBuckets.DEFAULT_BUCKET_BYTES;
    boolean balance = a.length > 15 && Boolean.parseBoolean(a[15]);
    boolean convNormFusion = a.length <= 16 || Boolean.parseBoolean(a[16]);
    CollectiveConfig cfg = CollectiveConfig.builder().jobId("scaling").secret(secret).rank(rank).size(workers)
        .timeout(Duration.ofSeconds(300)).spinMicros(0).yieldMicros(yieldMicros).sharedMemory(sharedMemory).build();
    CollectiveServer server = CollectiveServer.bind(cfg, new InetSocketAddress("127.0.0.1", 0));
    System.out.println("PORT " + server.localAddress().getPort());
    System.out.flush();
    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    List<InetSocketAddress> endpoints = new ArrayList<>();
    for (String e : line.split(",")) {
      endpoints.add(CollectiveConfig.parseEndpoint(e));
    }
    Dataset data = SyntheticDataset.mnistLike(Math.max(1024, 4 * globalBatch), 1);
    BatchSampler sampler = new BatchSampler(data.size(), globalBatch, true, true, 1);
    try (Communicator comm = server.join(endpoints);
        Device dev = Devices.open(device, new DeviceOptions(memoryMb, 8));
        Sequential net = Models.create(model, NormFactory.byName(syncBnPathAlone ? "syncbn" : norm))) {
      NormConversion.convNormFusion(net, convNormFusion);
      net.init(dev, data.sampleShape().clone(), new Random(1));
      ShardBalancer shards = ShardBalancer.forRun(balance, workers, globalBatch);
      shards.checkModel(net);
      StepTimes total = StepTimes.ZERO;
      long mineMeasured = 0;
      // Printed after the last step: the parent reads one worker's output at a time, so a worker
      // writing while it trains could fill its pipe and stall the group.
      StringBuilder stepLines = new StringBuilder();
      try (DataParallelStep step = new DataParallelStep(dev, net, data.sampleShape(), data.numClasses(), shards.cap(),
          new SgdConfig(0.9, false, 0, false), comm, bucketBytes, BucketIssue.EAGER,
          weightGradients)) {
        if (syncBnPathAlone) {
          // A group of one binds LOCAL, which lets BatchNorm run its one-pass kernels; any other
          // reducer keeps the group path. This one has nothing to add.
          NormConversion.bindReducer(net, sums -> { });
        }
        int[] order = null;
        for (int s = 0; s < steps; s++) {
          int b = s % sampler.batchesPerEpoch();
          if (b == 0) {
            order = sampler.order(s / sampler.batchesPerEpoch());
          }
          int[] global = sampler.globalBatch(order, b);
          int[] sizes = shards.sizes(global.length);
          int[] mine = ShardBalancer.shard(global, sizes, rank);
          DataParallelStep.Result r = step.run(data, mine, globalBatch, 0.01);
          StepTimes times = shards.exchange(comm, sizes, r.times());
          if (s >= warmup) {
            total = total.plus(times);
            mineMeasured += mine.length;
            stepLines.append(String.format(Locale.ROOT, "STEP %d %d %.4f %.4f %.4f %.4f%n", s, mine.length,
                times.totalNanos() * 1e-6, ShardBalancer.computeNanos(times) * 1e-6, times.syncBnNanos() * 1e-6,
                times.waitNanos() * 1e-6));
            StringBuilder seg = new StringBuilder("SEG ").append(s).append(' ');
            long[] segs = step.lastSegmentNanos();
            for (int k = 0; k < segs.length; k++) {
              seg.append(k == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.3f", segs[k] * 1e-6));
            }
            stepLines.append(seg).append('\n');
          }
        }
      }
      double n = (steps - warmup) * 1e9;
      System.out.print(stepLines);
      if (shards.balancing()) {
        System.err.printf(Locale.ROOT, "scaling worker %d of %d: %.2f samples per measured step (balanced shards)%n",
            rank, workers, mineMeasured / (double) (steps - warmup));
      }
      System.out.printf(Locale.ROOT, "MEAN %.9f %.9f %.9f %.9f %.9f %.9f %.9f%n", total.totalNanos() / n,
          total.syncBnNanos() / n, total.gradientCommNanos() / n, total.waitNanos() / n,
          (total.uploadNanos()) / n, (total.forwardNanos() + total.backwardNanos()) / n,
          total.optimizerNanos() / n);
      System.out.flush();
    } catch (RuntimeException e) {
      System.err.println("scaling worker " + rank + " of " + workers + " failed: " + e);
      System.exit(1);
    }
    System.exit(0);
  }
}
