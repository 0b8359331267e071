package io.batchwise.train.parallel;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.CollectiveServer;
import io.batchwise.collective.Communicator;
import io.batchwise.data.BatchSampler;
import io.batchwise.data.Dataset;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * W data-parallel workers as threads of one JVM, without Spark: each thread opens its own device
 * (its own kernels and buffers), builds its own model replica from the same seed (same initial
 * weights) and joins a real {@link Communicator} over Netty on 127.0.0.1 (ephemeral ports, a fresh
 * random secret), then runs {@link Spec#steps} {@link DataParallelStep}s on its shards of the global
 * batches and reports its final weights, running statistics and timers.
 *
 * <p>Batches: global batch s is batch {@code s mod batchesPerEpoch} of epoch {@code s div
 * batchesPerEpoch} of a shuffling, drop-last {@link BatchSampler} over the data set; worker r trains
 * on {@code sharding.shard(globalBatch, r, W)} (by default {@link BatchSampler#shard}, contiguous
 * nearly equal shards). The shards of a step must partition the global batch.
 *
 * <p>Failure: a worker that throws closes its communicator, so the others fail fast with a lost
 * peer instead of waiting for the timeout; {@link #run} then throws, naming the worker's own
 * failure (the peers' lost-peer errors are attached as suppressed).
 */
public final class LocalCluster {
  private LocalCluster() {
  }

  /** How a global batch is split: rank r's indices out of W. */
  @FunctionalInterface
  public interface Sharding {
    Sharding EVEN = BatchSampler::shard;

    int[] shard(int[] globalBatch, int rank, int workers);
  }

  /**
   * What to run.
   *
   * @param workers W ≥ 1
   * @param device device spec per worker ({@code reference}, {@code java}, {@code opencl}, …)
   * @param deviceOptions arena sizes of every worker's device
   * @param model builds the (uninitialized) model from a normalization factory
   * @param norm normalization name ({@code syncbn}, {@code bn}, …), see {@link NormFactory#byName}
   * @param data training set
   * @param globalBatch samples per step over all workers
   * @param steps optimizer steps
   * @param lr constant learning rate
   * @param sgd momentum, weight decay
   * @param seed seed of initial weights and of the batch order
   * @param bucketBytes gradient bucket size
   * @param sharding split of each global batch
   * @param timeout collective and set-up timeout
   * @param issue when gradient buckets are issued
   * @param weightGradients when convolutions compute their weight gradients ({@link
   *     WeightGradientTiming}; the numbers are the same under every timing)
   */
  public record Spec(int workers, String device, DeviceOptions deviceOptions,
      Function<NormFactory, Sequential> model, String norm, Dataset data, int globalBatch, int steps,
      double lr, SgdConfig sgd, long seed, int bucketBytes, Sharding sharding, Duration timeout, BucketIssue issue,
      WeightGradientTiming weightGradients) {
    public Spec {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be >= 1, got " + workers);
      }
      if (globalBatch < 1 || data.size() < globalBatch) {
        throw new IllegalArgumentException("global batch " + globalBatch + " must be in 1.."
            + data.size() + " (the data set's size)");
      }
      if (steps < 0) {
        throw new IllegalArgumentException("steps must be >= 0, got " + steps);
      }
    }

    /**
     * Defaults: lr 0.05, momentum 0.9 without weight decay, seed 1, 1 MiB buckets, even shards, 60 s,
     * buckets issued eagerly, the default weight-gradient timing.
     */
    public static Spec of(int workers, String device, Function<NormFactory, Sequential> model, String norm,
        Dataset data, int globalBatch, int steps) {
      return new Spec(workers, device, new DeviceOptions(32, 1), model, norm, data, globalBatch, steps,
          0.05, new SgdConfig(0.9, false, 0.0, false), 1L, GradientBuckets.DEFAULT_BUCKET_BYTES,
          Sharding.EVEN, Duration.ofSeconds(60), BucketIssue.EAGER, WeightGradientTiming.DEFAULT);
    }

    /** A model of the zoo by name ({@link Models#create}). */
    public static Function<NormFactory, Sequential> zoo(String name) {
      return norm -> Models.create(name, norm);
    }

    public Spec withWorkers(int w) {
      return new Spec(w, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, timeout, issue, weightGradients);
    }

    public Spec withNorm(String n) {
      return new Spec(workers, device, deviceOptions, model, n, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, timeout, issue, weightGradients);
    }

    public Spec withSharding(Sharding s) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, s, timeout, issue, weightGradients);
    }

    public Spec withBucketBytes(int b) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          b, sharding, timeout, issue, weightGradients);
    }

    public Spec withDeviceOptions(DeviceOptions o) {
      return new Spec(workers, device, o, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, timeout, issue, weightGradients);
    }

    public Spec withIssue(BucketIssue i) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, timeout, i, weightGradients);
    }

    public Spec withTimeout(Duration t) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, t, issue, weightGradients);
    }

    public Spec withWeightGradients(WeightGradientTiming d) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, lr, sgd, seed,
          bucketBytes, sharding, timeout, issue, d);
    }

    public Spec withLr(double v) {
      return new Spec(workers, device, deviceOptions, model, norm, data, globalBatch, steps, v, sgd, seed,
          bucketBytes, sharding, timeout, issue, weightGradients);
    }
  }

  /**
   * What worker {@code rank} ended with: parameters and state buffers by name (read as doubles:
   * exact on the reference device), one {@link DataParallelStep.Result} per step, the summed timers
   * and the number of gradient buckets.
   */
  public record WorkerResult(int rank, Map<String, double[]> weights, Map<String, double[]> state,
      List<DataParallelStep.Result> steps, StepTimes totalTimes, int buckets) {}

  /**
   * Runs the workers and returns their results in rank order.
   *
   * @throws IllegalStateException wrapping the first worker failure
   */
  public static List<WorkerResult> run(Spec spec) throws InterruptedException {
    return runRanks(spec.workers(), spec.timeout(), (rank, comm) -> worker(spec, rank, comm));
  }

  /**
   * What one rank of {@link #runRanks} does with its connected communicator (which it must not
   * close: the harness does, also on failure).
   */
  @FunctionalInterface
  public interface RankTask<R> {
    R run(int rank, Communicator communicator) throws Exception;
  }

  /**
   * Runs {@code task} on W threads, one per rank, each with a connected, authenticated
   * {@link Communicator} over Netty on 127.0.0.1 (ephemeral ports, a fresh random secret, the given
   * set-up and collective timeout), and returns the results in rank order. This is what the Spark
   * job's barrier stages do, without Spark: the job's per-stage units run here in tests.
   *
   * <p>A task that throws closes its communicator, so the other ranks fail fast with a lost peer;
   * the exception thrown here names the rank's own failure (peers' lost-peer errors suppressed).
   *
   * @throws IllegalStateException wrapping the first non-collective failure
   */
  public static <R> List<R> runRanks(int w, Duration timeout, RankTask<R> task)
      throws InterruptedException {
    if (w < 1) {
      throw new IllegalArgumentException("workers must be >= 1, got " + w);
    }
    byte[] secret = CollectiveConfig.newSecret();
    String jobId = "local-" + UUID.randomUUID();
    List<CollectiveServer> servers = new ArrayList<>();
    List<InetSocketAddress> endpoints = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(w, r -> {
      Thread t = new Thread(r, "batchwise-local-worker");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int r = 0; r < w; r++) {
        CollectiveConfig cfg = CollectiveConfig.builder().jobId(jobId).secret(secret).rank(r).size(w)
            .timeout(timeout).spinMicros(0).build();
        CollectiveServer s = CollectiveServer.bind(cfg, new InetSocketAddress("127.0.0.1", 0));
        servers.add(s);
        endpoints.add(s.localAddress());
      }
      List<Future<R>> futures = new ArrayList<>();
      for (int r = 0; r < w; r++) {
        int rank = r;
        CollectiveServer server = servers.get(r);
        futures.add(threads.submit(() -> {
          Thread.currentThread().setName("batchwise-local-worker-r" + rank);
          try (Communicator comm = server.join(endpoints)) {
            return task.run(rank, comm);
          }
        }));
      }
      List<R> out = new ArrayList<>();
      List<Throwable> failures = new ArrayList<>();
      for (Future<R> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        }
      }
      if (!failures.isEmpty()) {
        // The root cause is the failure that is not a collective one: the others are the peers
        // learning that a worker left the group.
        Throwable root = failures.stream().filter(t -> !(t instanceof CollectiveException))
            .findFirst().orElse(failures.get(0));
        IllegalStateException failure = new IllegalStateException("local cluster of " + w
            + " workers failed: " + root, root);
        failures.stream().filter(t -> t != root).forEach(failure::addSuppressed);
        throw failure;
      }
      return out;
    } finally {
      threads.shutdownNow();
      // join() closes a server on failure and hands it to the communicator on success; closing a
      // server whose mesh a closed communicator owns is harmless, and frees one never joined.
      for (CollectiveServer s : servers) {
        try {
          s.close();
        } catch (RuntimeException ignored) {
          // already closed with its communicator
        }
      }
    }
  }

  private static WorkerResult worker(Spec spec, int rank, Communicator comm) {
    int w = spec.workers();
    try (Device device = Devices.open(spec.device(), spec.deviceOptions());
        Sequential model = spec.model().apply(NormFactory.byName(spec.norm()))) {
      Dataset data = spec.data();
      model.init(device, data.sampleShape().clone(), new Random(spec.seed()));
      BatchSampler sampler = new BatchSampler(data.size(), spec.globalBatch(), true, true, spec.seed());
      List<DataParallelStep.Result> results = new ArrayList<>();
      StepTimes total = StepTimes.ZERO;
      int buckets;
      try (DataParallelStep step = new DataParallelStep(device, model, data.sampleShape(), data.numClasses(),
          spec.globalBatch(), spec.sgd(), comm, spec.bucketBytes(), spec.issue(),
          spec.weightGradients())) {
        buckets = step.buckets().count();
        int perEpoch = sampler.batchesPerEpoch();
        int[] order = null;
        for (int s = 0; s < spec.steps(); s++) {
          if (s % perEpoch == 0) {
            order = sampler.order(s / perEpoch);
          }
          int[] global = sampler.globalBatch(order, s % perEpoch);
          int[] mine = spec.sharding().shard(global, rank, w);
          DataParallelStep.Result r = step.run(data, mine, global.length, spec.lr());
          results.add(r);
          total = total.plus(r.times());
        }
      }
      Map<String, double[]> weights = new LinkedHashMap<>();
      for (Parameter p : model.parameters()) {
        weights.put(p.name(), p.value().toDoubleArray());
      }
      Map<String, double[]> state = new LinkedHashMap<>();
      for (StateBuffer b : model.state()) {
        state.put(b.name(), b.value().toDoubleArray());
      }
      return new WorkerResult(rank, weights, state, List.copyOf(results), total, buckets);
    }
  }

  /** Sizes of each worker's shard of a global batch of {@code n} under {@code sharding} (for logs). */
  public static int[] shardSizes(Sharding sharding, int n, int workers) {
    int[] idx = new int[n];
    Arrays.setAll(idx, i -> i);
    int[] out = new int[workers];
    for (int r = 0; r < workers; r++) {
      out[r] = sharding.shard(idx, r, workers).length;
    }
    return out;
  }
}
