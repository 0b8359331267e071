package io.batchwise.train.scaling;

import io.batchwise.data.Dataset;
import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.Tensor;
import io.batchwise.nn.models.Models;
import io.batchwise.train.parallel.GradientBuckets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The timeline of one data-parallel step measured on a single worker, as the sequence in which
 * {@link io.batchwise.train.parallel.DataParallelStep} meets its collectives: compute segments, the
 * SyncBN statistics reductions (2C+1 doubles in forward, 2C in backward, blocking) and the gradient
 * bucket issues (asynchronous, in {@link GradientBuckets}' plan order, each right after the backward
 * unit that completes it). {@link StepSimulator} replays it against a collective cost model.
 *
 * <p>How it is measured: the step is run the way {@code DataParallelStep} runs it (forward in TRAIN
 * mode, loss, backward unit by unit over the leaves of the model's {@code Sequential}s, a complete
 * bucket's gradients copied to its host array, finally the sums written back and the SGD update),
 * with every SyncBN layer bound to a reducer that only records the time and the message length (one
 * worker: the sums are the local ones). Kernel launches return when the kernel has finished and every
 * SyncBN layer reads its statistics back, so wall time between two events is the compute between
 * them. Each segment's time is the median over the measured steps.
 *
 * @param model model name
 * @param batch per-worker batch
 * @param device device spec the compute was measured on
 * @param events the step from upload to the end of backward, in order
 * @param tailSeconds writing the summed gradients back and the optimizer step
 * @param bucketBytes each bucket's bytes, in issue order
 * @param segmentSamples every measured step's compute segments in seconds ({@code [step][segment]},
 *     the segments of {@code events} in order; the events hold their medians); empty for a profile
 *     not measured here
 * @param segmentCpuSamples the process CPU time of the same segments (all its threads), or empty
 *     where the JVM does not report process CPU time
 */
public record StepProfile(String model, int batch, String device, List<Event> events, double tailSeconds,
    long[] bucketBytes, double[][] segmentSamples, double[][] segmentCpuSamples) {

  /** A profile without per-step samples (built by hand, or read back from its medians). */
  public StepProfile(String model, int batch, String device, List<Event> events, double tailSeconds,
      long[] bucketBytes) {
    this(model, batch, device, events, tailSeconds, bucketBytes, new double[0][], new double[0][]);
  }

  private static final java.lang.management.OperatingSystemMXBean OS =
      java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /** Process CPU nanoseconds so far (every thread: the training thread and PoCL's), or -1. */
  private static double processCpuNanos() {
    return OS instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  /** What happens next in the step. */
  public enum Kind { COMPUTE, SYNCBN_FORWARD, SYNCBN_BACKWARD, BUCKET }

  /**
   * One event: {@code COMPUTE} lasts {@code seconds}; the others are collectives of {@code bytes}
   * bytes (SyncBN: doubles; BUCKET: floats) whose time the cost model supplies.
   */
  public record Event(Kind kind, double seconds, long bytes) {}

  /** Compute seconds of the whole step on one worker (no communication). */
  public double computeSeconds() {
    return events.stream().filter(e -> e.kind() == Kind.COMPUTE).mapToDouble(Event::seconds).sum() + tailSeconds;
  }

  /**
   * {@link #segmentSamples} with the compute between two SyncBN reductions summed into one segment
   * per step: a gradient bucket issue or the end of forward does not make workers wait for each
   * other, a SyncBN reduction does. {@code [step][reductions + 1]} seconds.
   */
  public double[][] segmentsBetweenReductions() {
    return betweenReductions(segmentSamples);
  }

  /** {@link #segmentCpuSamples} summed as {@link #segmentsBetweenReductions} sums the wall times. */
  public double[][] cpuBetweenReductions() {
    return betweenReductions(segmentCpuSamples);
  }

  private double[][] betweenReductions(double[][] samples) {
    double[][] out = new double[samples.length][];
    for (int r = 0; r < out.length; r++) {
      List<Double> merged = new ArrayList<>();
      double acc = 0;
      int seg = 0;
      for (Event e : events) {
        if (e.kind() == Kind.COMPUTE) {
          acc += samples[r][seg++];
        } else if (e.kind() == Kind.SYNCBN_FORWARD || e.kind() == Kind.SYNCBN_BACKWARD) {
          merged.add(acc);
          acc = 0;
        }
      }
      merged.add(acc);
      out[r] = merged.stream().mapToDouble(Double::doubleValue).toArray();
    }
    return out;
  }

  /** Number of SyncBN reductions per step (forward and backward). */
  public long syncBnReductions() {
    return events.stream().filter(e -> e.kind() == Kind.SYNCBN_FORWARD || e.kind() == Kind.SYNCBN_BACKWARD).count();
  }

  /** Bytes of all gradient buckets: the parameter count times 4. */
  public long gradientBytes() {
    return Arrays.stream(bucketBytes).sum();
  }

  /**
   * Measures {@code steps} steps after {@code warmup} on synthetic 1×28×28 data.
   *
   * @param device e.g. {@code opencl} or {@code java}; cap PoCL to one thread
   *     ({@code POCL_MAX_PTHREAD_COUNT=1}) to measure one core
   */
  public static StepProfile measure(String modelName, int batch, String device, int bucketBytesLimit,
      int warmup, int steps, Dataset data) {
    if (batch < 2 || steps < 1 || warmup < 0) {
      throw new IllegalArgumentException("need batch >= 2, steps >= 1, warmup >= 0; got " + batch + ", " + steps
          + ", " + warmup);
    }
    List<List<double[]>> runs = new ArrayList<>();
    List<Event> shape = null;
    double[] tails = new double[steps];
    long[] bucketBytes;
    try (Device dev = Devices.open(device, new DeviceOptions(256, 8));
        Sequential model = Models.create(modelName, NormFactory.byName("syncbn"));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(dev)) {
      int[] sampleShape = data.sampleShape();
      model.init(dev, sampleShape.clone(), new Random(1));
      List<Layer> units = new ArrayList<>();
      collectUnits(model, units);
      List<double[]> marks = new ArrayList<>(); // {nanoTime, process CPU nanos, kind ordinal, bytes}
      NormConversion.bindReducer(model, values -> marks.add(new double[] {System.nanoTime(), processCpuNanos(),
          values.length % 2 == 1 ? Kind.SYNCBN_FORWARD.ordinal() : Kind.SYNCBN_BACKWARD.ordinal(),
          values.length * 8.0}));
      try (Sgd sgd = new Sgd(model.parameters(), new SgdConfig(0.9, false, 0, false))) {
        Plan plan = new Plan(sgd.parameters(), bucketBytesLimit);
        bucketBytes = plan.bytes();
        int sampleSize = Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        int[] xShape = new int[sampleShape.length + 1];
        xShape[0] = batch;
        System.arraycopy(sampleShape, 0, xShape, 1, sampleShape.length);
        float[] xHost = new float[batch * sampleSize];
        float[] yHost = new float[batch];
        int[] idx = new int[batch];
        try (Tensor x = dev.allocate(xShape); Tensor y = dev.allocate(batch)) {
          for (int s = 0; s < warmup + steps; s++) {
            marks.clear();
            for (int i = 0; i < batch; i++) {
              idx[i] = (s * batch + i) % data.size();
            }
            long t0 = System.nanoTime();
            double c0 = processCpuNanos();
            data.copyImages(idx, 0, batch, xHost, 0);
            data.copyLabels(idx, 0, batch, yHost, 0);
            x.write(0, xHost, 0, batch * sampleSize);
            y.write(0, yHost, 0, batch);
            Tensor h = x;
            for (Layer u : units) {
              h = u.forward(h, Mode.TRAIN);
            }
            loss.forward(h, y);
            h.toFloatArray();
            marks.add(new double[] {System.nanoTime(), processCpuNanos(), Kind.COMPUTE.ordinal(), 0});
            Tensor g = loss.backward(1.0 / batch);
            plan.begin();
            for (int i = units.size() - 1; i >= 0; i--) {
              g = units.get(i).backward(g);
              for (long b : plan.ready(units.get(i).parameters())) {
                marks.add(new double[] {System.nanoTime(), processCpuNanos(), Kind.BUCKET.ordinal(), b});
              }
            }
            long t3 = System.nanoTime();
            double c3 = processCpuNanos();
            plan.writeBack();
            sgd.step(0.01);
            long t4 = System.nanoTime();
            if (s >= warmup) {
              List<double[]> segs = new ArrayList<>();
              double prev = t0;
              double prevCpu = c0;
              List<Event> seq = new ArrayList<>();
              for (double[] m : marks) {
                segs.add(new double[] {(m[0] - prev) * 1e-9, (m[1] - prevCpu) * 1e-9});
                seq.add(new Event(Kind.COMPUTE, 0, 0));
                if (m[2] != Kind.COMPUTE.ordinal()) {
                  seq.add(new Event(Kind.values()[(int) m[2]], 0, (long) m[3]));
                }
                prev = m[0];
                prevCpu = m[1];
              }
              segs.add(new double[] {(t3 - prev) * 1e-9, (c3 - prevCpu) * 1e-9});
              seq.add(new Event(Kind.COMPUTE, 0, 0));
              if (shape == null) {
                shape = seq;
              } else if (!shape.equals(seq)) {
                throw new IllegalStateException("the step's sequence of collectives changed between steps");
              }
              runs.add(segs);
              tails[s - warmup] = (t4 - t3) * 1e-9;
            }
          }
        }
      }
    }
    // Median of each compute segment over the measured steps.
    List<Event> events = new ArrayList<>();
    int seg = 0;
    for (Event e : shape) {
      if (e.kind() == Kind.COMPUTE) {
        double[] v = new double[runs.size()];
        for (int r = 0; r < v.length; r++) {
          v[r] = runs.get(r).get(seg)[0];
        }
        events.add(new Event(Kind.COMPUTE, median(v), 0));
        seg++;
      } else {
        events.add(e);
      }
    }
    double[][] samples = new double[runs.size()][];
    boolean cpuKnown = processCpuNanos() >= 0;
    double[][] cpu = new double[cpuKnown ? runs.size() : 0][];
    for (int r = 0; r < samples.length; r++) {
      samples[r] = runs.get(r).stream().mapToDouble(x -> x[0]).toArray();
      if (cpuKnown) {
        cpu[r] = runs.get(r).stream().mapToDouble(x -> x[1]).toArray();
      }
    }
    return new StepProfile(modelName, batch, device, List.copyOf(events), median(tails), bucketBytes, samples,
        cpu);
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : 0.5 * (c[c.length / 2 - 1] + c[c.length / 2]);
  }

  static void collectUnits(Layer l, List<Layer> out) {
    if (l instanceof Sequential s) {
      for (Layer c : s.children().values()) {
        collectUnits(c, out);
      }
    } else {
      out.add(l);
    }
  }

  /**
   * {@link GradientBuckets}' plan (reverse parameter order, a bucket closes at ≥ the limit) with
   * its per-step work on the training thread: copying a complete bucket's gradients to a host
   * array, and writing the (here unchanged) sums back after backward.
   */
  static final class Plan {
    private final List<List<Parameter>> buckets = new ArrayList<>();
    private final Map<Tensor, Integer> bucketOf = new IdentityHashMap<>();
    private final int[] pending;
    private final float[][] host;
    private int next;

    Plan(List<Parameter> params, int limitBytes) {
      List<Parameter> cur = null;
      long bytes = 0;
      for (int i = params.size() - 1; i >= 0; i--) {
        if (cur == null) {
          cur = new ArrayList<>();
          buckets.add(cur);
          bytes = 0;
        }
        cur.add(params.get(i));
        bucketOf.put(params.get(i).grad(), buckets.size() - 1);
        bytes += 4L * params.get(i).grad().size();
        if (bytes >= limitBytes) {
          cur = null;
        }
      }
      pending = new int[buckets.size()];
      host = new float[buckets.size()][];
      for (int b = 0; b < buckets.size(); b++) {
        host[b] = new float[buckets.get(b).stream().mapToInt(p -> p.grad().size()).sum()];
      }
    }

    long[] bytes() {
      return Arrays.stream(host).mapToLong(h -> 4L * h.length).toArray();
    }

    void begin() {
      for (int b = 0; b < pending.length; b++) {
        pending[b] = buckets.get(b).size();
      }
      next = 0;
    }

    /** Bytes of each bucket issued now, in order. */
    long[] ready(List<Parameter> finished) {
      for (Parameter p : finished) {
        Integer b = bucketOf.get(p.grad());
        if (b != null) {
          pending[b]--;
        }
      }
      List<Long> out = new ArrayList<>();
      while (next < pending.length && pending[next] <= 0) {
        int off = 0;
        for (Parameter p : buckets.get(next)) {
          p.grad().read(0, host[next], off, p.grad().size());
          off += p.grad().size();
        }
        out.add(4L * host[next].length);
        next++;
      }
      return out.stream().mapToLong(Long::longValue).toArray();
    }

    void writeBack() {
      for (int b = 0; b < buckets.size(); b++) {
        int off = 0;
        for (Parameter p : buckets.get(b)) {
          p.grad().write(0, host[b], off, p.grad().size());
          off += p.grad().size();
        }
      }
    }
  }
}
