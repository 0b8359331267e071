package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.data.Dataset;
import io.batchwise.nn.DeferredGradients;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.Accuracy;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.norm.BatchRenorm;
import io.batchwise.nn.norm.ModelWalk;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.StatisticsReducer;
import io.batchwise.nn.norm.SyncBatchNorm;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One optimizer step of worker r of W in the data-parallel job.
 *
 * <ol>
 *   <li>Upload the local batch (n samples; n may be 0 — the worker still takes part in every
 *       collective, with zeros).</li>
 *   <li>Forward in TRAIN mode; every {@code SyncBatchNorm} (and Batch Renorm) of the model sums its
 *       statistics over the group through this step's {@link CommunicatorReducer}, which the
 *       constructor binds to them.</li>
 *   <li>Loss = Σ(per-sample losses of this worker) / globalBatch: the loss gradient is scaled by
 *       {@code 1/globalBatch}.</li>
 *   <li>Backward layer by layer: the model's {@link Sequential} containers are walked down to their
 *       leaves (a {@code Residual} block is one unit), and after each unit's backward its parameter
 *       gradients are final, so every {@link GradientBuckets bucket} that is complete is all-reduced
 *       asynchronously while backward continues with the earlier layers (or, with {@link
 *       BucketIssue#AFTER_SYNCBN}, just after the next SyncBN layer's reduction). With SyncBN in
 *       a group of more than one, convolutions may return their input gradient and defer their
 *       weight gradient ({@link DeferredGradients}) to the SyncBN reductions, which run it between
 *       offering their sums and waiting for the other workers' ({@link WeightGradientTiming}: all
 *       of it at the next reduction, or only while another worker has yet to arrive). A unit's
 *       parameters count as final once the work it deferred has run; what is left at the end of
 *       backward runs then.</li>
 *   <li>Wait for the buckets, write the summed gradients back, and apply the same SGD update on every
 *       replica (same gradients, same learning rate, same kernels: replicas stay bit-identical).</li>
 * </ol>
 *
 * <p>Overlap and SyncBN: the communicator runs collectives in issue order, so a SyncBN backward
 * reduction issued after a bucket waits for that bucket; its time is counted in {@code syncBn}.
 *
 * <p>Owns the loss, the optimizer, the gradient buckets and the input buffers (allocated once for
 * {@code maxBatch}); the model, device and communicator belong to the caller. Not thread-safe: one
 * training thread per worker issues all of its collectives.
 */
public final class DataParallelStep implements AutoCloseable {
  private final Device device;
  private final Layer model;
  private final int[] sampleShape;
  private final int sampleSize;
  private final int numClasses;
  private final int maxBatch;
  private final SoftmaxCrossEntropy loss;
  private final Sgd sgd;
  private final CommunicatorReducer reducer;
  private final GradientBuckets buckets;
  /** Weight gradients the convolutions put off in backward; null when they compute them at once. */
  private final DeferredGradients deferred;
  private final List<Conv2d> deferringConvs;
  /** The timing in force ({@code AUTO} resolved for this group). */
  private final WeightGradientTiming weightGradients;
  private final List<Layer> units;
  /** holdAfter[i]: keep ready buckets back after the backward of unit i (see {@link BucketIssue}). */
  private final boolean[] holdAfter;
  private final Tensor xBuf;
  private final Tensor yBuf;
  private final float[] xHost;
  private final float[] yHost;
  /** The last step's compute between SyncBN reductions (see {@link #lastSegmentNanos}). */
  private long[] lastSegments = new long[0];

  /**
   * What one step did on this worker: its local samples, the sum of their losses, how many the
   * TRAIN-mode forward classified correctly, the global batch, and the phase times.
   */
  public record Result(int samples, long globalBatch, double lossSum, int correct, StepTimes times) {}

  /**
   * @param model an initialized model on {@code device} for inputs of {@code sampleShape}; the same
   *     architecture and initial weights on every rank
   * @param maxBatch the largest local batch this worker will see
   * @param bucketBytes gradient bucket size ({@link GradientBuckets#DEFAULT_BUCKET_BYTES})
   */
  public DataParallelStep(Device device, Layer model, int[] sampleShape, int numClasses, int maxBatch,
      SgdConfig sgdConfig, Communicator communicator, int bucketBytes) {
    this(device, model, sampleShape, numClasses, maxBatch, sgdConfig, communicator, bucketBytes,
        BucketIssue.EAGER);
  }

  /** As above, with the bucket issue policy. */
  public DataParallelStep(Device device, Layer model, int[] sampleShape, int numClasses, int maxBatch,
      SgdConfig sgdConfig, Communicator communicator, int bucketBytes, BucketIssue issue) {
    this(device, model, sampleShape, numClasses, maxBatch, sgdConfig, communicator, bucketBytes, issue,
        WeightGradientTiming.DEFAULT);
  }

  /**
   * As above; {@code weightGradients} other than {@code IN_BACKWARD} lets convolutions defer their
   * weight gradients to the SyncBN reductions (see the class; the numbers are the same bit for bit
   * under every timing).
   */
  public DataParallelStep(Device device, Layer model, int[] sampleShape, int numClasses, int maxBatch,
      SgdConfig sgdConfig, Communicator communicator, int bucketBytes, BucketIssue issue,
      WeightGradientTiming weightGradients) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    this.device = device;
    this.model = model;
    this.sampleShape = sampleShape.clone();
    int s = 1;
    for (int d : sampleShape) {
      s *= d;
    }
    this.sampleSize = s;
    this.numClasses = numClasses;
    this.maxBatch = maxBatch;
    // Deferring only pays where a reduction waits for other workers.
    java.util.Objects.requireNonNull(weightGradients, "weightGradients (a WeightGradientTiming; DEFAULT is AUTO)");
    WeightGradientTiming timing = weightGradients.resolve(communicator.ranksHaveCoresOfTheirOwn());
    this.weightGradients = timing;
    DeferredGradients queue = timing.defers() && communicator.size() > 1 ? new DeferredGradients() : null;
    this.reducer = queue == null ? new CommunicatorReducer(communicator)
        : new CommunicatorReducer(communicator, queue, timing);
    // A group of one sums nothing: its SyncBN layers keep local statistics (the same numbers,
    // bit for bit), which lets BatchNorm run its one-pass kernels instead of the composition
    // that waits for a reduction between the two passes.
    int reducing = NormConversion.bindReducer(model, communicator.size() > 1 ? reducer
        : StatisticsReducer.LOCAL);
    this.deferred = reducing > 0 ? queue : null;
    this.deferringConvs = deferred == null ? List.of() : ModelWalk.leaves(model, Conv2d.class);
    this.units = new ArrayList<>();
    collectUnits(model, units);
    this.holdAfter = new boolean[units.size()];
    if (issue == BucketIssue.AFTER_SYNCBN) {
      for (int i = 0; i < units.size(); i++) {
        for (int j = i - 1; j >= 0; j--) {
          Layer next = units.get(j);
          if (next instanceof SyncBatchNorm || next instanceof BatchRenorm) {
            holdAfter[i] = true;
            break;
          }
          if (!next.parameters().isEmpty()) {
            break;
          }
        }
      }
    }
    Sgd optimizer = null;
    SoftmaxCrossEntropy lossFn = null;
    Tensor x = null;
    Tensor y = null;
    try {
      optimizer = new Sgd(model.parameters(), sgdConfig);
      lossFn = new SoftmaxCrossEntropy(device);
      x = device.allocate(withBatch(maxBatch));
      y = device.allocate(maxBatch);
    } catch (RuntimeException e) {
      closeQuietly(optimizer, lossFn, x, y);
      throw e;
    }
    this.sgd = optimizer;
    this.loss = lossFn;
    this.xBuf = x;
    this.yBuf = y;
    this.buckets = new GradientBuckets(communicator, sgd.parameters(),
        device.kind() == Device.Kind.REFERENCE, bucketBytes);
    this.xHost = new float[maxBatch * sampleSize];
    this.yHost = new float[maxBatch];
    for (Conv2d c : deferringConvs) {
      c.deferWeightGradient(deferred);
    }
  }

  /** Leaves of nested Sequentials, in forward order; any other layer is one unit. */
  private static void collectUnits(Layer l, List<Layer> out) {
    if (l instanceof Sequential s) {
      for (Layer c : s.children().values()) {
        collectUnits(c, out);
      }
    } else {
      out.add(l);
    }
  }

  private int[] withBatch(int n) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = n;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    return shape;
  }

  public Sgd optimizer() {
    return sgd;
  }

  /**
   * When this step's convolutions compute their weight gradients: the timing it was given, with
   * {@code AUTO} resolved for its group.
   */
  public WeightGradientTiming weightGradients() {
    return weightGradients;
  }

  public GradientBuckets buckets() {
    return buckets;
  }

  public Device device() {
    return device;
  }

  /**
   * Trains on this worker's samples {@code indices} of {@code data}.
   *
   * @param globalBatch samples of this step summed over all workers (≥ 1, ≥ indices.length)
   */
  public Result run(Dataset data, int[] indices, long globalBatch, double lr) {
    int n = indices.length;
    checkBatch(n, globalBatch);
    long t0 = System.nanoTime();
    data.copyImages(indices, 0, n, xHost, 0);
    data.copyLabels(indices, 0, n, yHost, 0);
    return run(xHost, yHost, n, globalBatch, lr, System.nanoTime() - t0);
  }

  /** Trains on {@code n} samples already in host arrays (NCHW images, float class ids). */
  public Result run(float[] images, float[] labels, int n, long globalBatch, double lr) {
    return run(images, labels, n, globalBatch, lr, 0L);
  }

  private void checkBatch(int n, long globalBatch) {
    if (n < 0 || n > maxBatch) {
      throw new IllegalArgumentException("local batch of " + n + " outside 0.." + maxBatch
          + " (the step's maximum)");
    }
    if (globalBatch < 1 || globalBatch < n) {
      throw new IllegalArgumentException("global batch " + globalBatch
          + " must be at least 1 and at least this worker's batch of " + n);
    }
  }

  private Result run(float[] images, float[] labels, int n, long globalBatch, double lr, long prepNanos) {
    checkBatch(n, globalBatch);
    long t0 = System.nanoTime();
    Tensor x = xBuf.slice(0, withBatch(n));
    Tensor y = yBuf.slice(0, n);
    if (n > 0) {
      x.write(0, images, 0, n * sampleSize);
      y.write(0, labels, 0, n);
    }
    reducer.takeNanos();
    reducer.takeTimeline();
    long t1 = System.nanoTime();
    Tensor logits = model.forward(x, Mode.TRAIN);
    double lossSum = loss.forward(logits, y);
    int correct = 0;
    if (n > 0) {
      int[] predicted = Accuracy.argmax(logits.toFloatArray(), n, numClasses);
      for (int i = 0; i < n; i++) {
        if (predicted[i] == (int) labels[i]) {
          correct++;
        }
      }
    }
    long t2 = System.nanoTime();
    Tensor g = loss.backward(1.0 / globalBatch);
    buckets.begin();
    // Units whose backward returned while deferred work was pending: their (or a later unit's)
    // gradients are not final until it has run. Handed to the buckets in backward order.
    int held = units.size();
    // Under WHILE_WAITING when the queue empties differs between workers, so once anything was
    // deferred in this backward, units are held to its end: every rank must issue the buckets'
    // collectives in the same order.
    boolean holdToEnd = weightGradients == WeightGradientTiming.WHILE_WAITING;
    long deferredBefore = deferred == null ? 0 : deferred.deferredCount();
    for (int i = units.size() - 1; i >= 0; i--) {
      g = units.get(i).backward(g);
      if (deferred == null || (holdToEnd ? deferred.deferredCount() == deferredBefore : deferred.isEmpty())) {
        ready(i, held);
        held = i;
      }
    }
    if (held > 0) {
      deferred.runAll();
      ready(0, held);
    }
    long t3 = System.nanoTime();
    lastSegments = segments(reducer.takeTimeline(), t1, t3);
    buckets.finish();
    long t4 = System.nanoTime();
    sgd.step(lr);
    long t5 = System.nanoTime();
    StepTimes times = new StepTimes(prepNanos + (t1 - t0), t2 - t1, t3 - t2, reducer.takeNanos(),
        buckets.communicationNanos(), t4 - t3, t5 - t4);
    return new Result(n, globalBatch, lossSum, correct, times);
  }

  /** Compute between reductions: start → entry0, exit0 → entry1, ..., exit(last) → end. */
  private static long[] segments(long[] marks, long start, long end) {
    int k = marks.length / 2;
    long[] out = new long[k + 1];
    long from = start;
    for (int i = 0; i < k; i++) {
      out[i] = marks[2 * i] - from;
      from = marks[2 * i + 1];
    }
    out[k] = end - from;
    return out;
  }

  /**
   * The last step's compute between its SyncBN reductions, in nanoseconds: from the start of forward
   * to the first reduction, between consecutive reductions, and from the last one to the end of
   * backward (reductions + 1 segments; one segment when nothing was reduced). Workers in lock step
   * wait at every reduction for the slowest one's segment.
   */
  public long[] lastSegmentNanos() {
    return lastSegments.clone();
  }

  /** Hands the parameters of units [from, to) to the buckets, in backward order (last unit first). */
  private void ready(int from, int to) {
    for (int j = to - 1; j >= from; j--) {
      buckets.ready(units.get(j).parameters(), !holdAfter[j]);
    }
  }

  /** Unbinds the convolutions from this step's queue (the model may be used elsewhere), then frees. */
  @Override
  public void close() {
    for (Conv2d c : deferringConvs) {
      c.deferWeightGradient(null);
    }
    closeQuietly(sgd, loss, xBuf, yBuf);
  }

  private static void closeQuietly(AutoCloseable... things) {
    RuntimeException first = null;
    for (AutoCloseable c : things) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
