package io.batchwise.tensor.bench;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import io.batchwise.tensor.jvm.JavaDevice;
import io.batchwise.tensor.opencl.OpenClDevice;
import io.batchwise.tensor.opencl.OpenClOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints a table of the non-GEMM kernels at LeNet-BN batch-64 shapes, the OpenCL device next to
 * the plain-Java device, plus the launch overhead of a trivial OpenCL kernel. GEMM has its own
 * benchmark ({@link GemmBench}). Nothing is timed in unit tests; timings live here.
 *
 * <p>Method: each kernel runs a few untimed warm-up calls (the first compiles it on PoCL), then is
 * timed call by call with {@link System#nanoTime()} for at least {@code reps} calls and about
 * {@code budgetMs} milliseconds; the table shows medians (launch overhead also p90). Launches are
 * synchronous, so a call's time includes the whole kernel. The machine may be shared: compare the
 * two columns of one run (the ratio), not absolute figures across runs.
 *
 * <p>Usage: {@code KernelBench [reps] [budgetMs]} (defaults 20 and 300). Run with
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}; {@code POCL_MAX_PTHREAD_COUNT} caps PoCL's threads.
 */
public final class KernelBench {
  private static final int N = 64;

  /** One benchmarked kernel: allocates its operands on a device and returns the call to time. */
  private interface Case {
    Runnable prepare(Device device, Ops ops, Operands t);
  }

  /** Random operands allocated for one case, closed after it. */
  private static final class Operands {
    private final Device device;
    private final SplittableRandom random = new SplittableRandom(42);
    private final List<Tensor> all = new ArrayList<>();

    Operands(Device device) {
      this.device = device;
    }

    Tensor uniform(float lo, float hi, int... shape) {
      float[] v = new float[Tensor.sizeOf(shape)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (lo + (hi - lo) * random.nextDouble());
      }
      Tensor t = device.upload(v, shape);
      all.add(t);
      return t;
    }

    Tensor random(int... shape) {
      return uniform(-1f, 1f, shape);
    }

    Tensor labels(int n, int k) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = random.nextInt(k);
      }
      Tensor t = device.upload(v, n);
      all.add(t);
      return t;
    }

    Tensor doubles(int n) {
      Tensor t = device.allocate(io.batchwise.tensor.DType.DOUBLE, n);
      all.add(t);
      return t;
    }

    void close() {
      all.forEach(Tensor::close);
      all.clear();
    }
  }

  private record Row(String name, String shape, Case run) {
  }

  /** The operands of a BatchNorm training forward over [n, ch, inner] (random; rv and γ positive). */
  private record BnForward(Tensor x, Tensor gamma, Tensor beta, Tensor rm, Tensor rv, Tensor center, Tensor invstd,
      Tensor y) {
    static BnForward of(Operands t, int n, int ch, int inner) {
      return new BnForward(t.random(n, ch, inner), t.uniform(0.5f, 1.5f, ch), t.random(ch), t.random(ch),
          t.uniform(0.5f, 2f, ch), t.random(ch), t.doubles(ch), t.random(n, ch, inner));
    }
  }

  /** The operands of a BatchNorm backward over [n, ch, inner] (invstd 1, the rest random). */
  private record BnBackward(Tensor dy, Tensor x, Tensor gamma, Tensor center, Tensor invstd, Tensor dg,
      Tensor db, Tensor dx) {
    static BnBackward of(Operands t, int n, int ch, int inner) {
      Tensor invstd = t.doubles(ch);
      double[] ones = new double[ch];
      Arrays.fill(ones, 1.0);
      invstd.write(ones);
      return new BnBackward(t.random(n, ch, inner), t.random(n, ch, inner), t.uniform(0.5f, 1.5f, ch),
          t.random(ch), invstd, t.random(ch), t.random(ch), t.random(n, ch, inner));
    }
  }

  private KernelBench() {
  }

  private static int positive(String name, String value) {
    try {
      int v = Integer.parseInt(value);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(name + " must be a whole number > 0, got '" + value + "'");
  }

  /** On OpenCL, runs {@code call} with the one-launch BatchNorm kernels on or off. */
  private static Runnable withFusedBatchNorm(Ops ops, boolean fused, Runnable call) {
    if (!(ops instanceof OpenClOps clOps)) {
      return call;
    }
    return () -> {
      clOps.fusedBatchNorm(fused);
      try {
        call.run();
      } finally {
        clOps.fusedBatchNorm(true);
      }
    };
  }

  private static final String USAGE = "usage: bench kernels [reps (default 20)] [budget ms per kernel (default 300)]";

  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(USAGE);
      return;
    }
    int reps;
    long budgetNs;
    try {
      if (args.length > 2) {
        throw new IllegalArgumentException("at most two arguments, got " + args.length);
      }
      reps = args.length > 0 ? positive("reps", args[0]) : 20;
      budgetNs = (args.length > 1 ? positive("budget ms", args[1]) : 300) * 1_000_000L;
    } catch (IllegalArgumentException e) {
      System.err.println("bench kernels: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    DeviceOptions options = new DeviceOptions(128, 1);
    Window2d conv1 = Window2d.square(N, 1, 28, 28, 5, 1, 0);
    Window2d conv2 = Window2d.square(N, 20, 12, 12, 5, 1, 0);
    Window2d pool1 = Window2d.square(N, 20, 24, 24, 2, 2, 0);
    Window2d pool2 = Window2d.square(N, 50, 8, 8, 2, 2, 0);
    int act = N * 20 * 24 * 24;
    int params = 20 * 25 + 20 + 50 * 500 + 50 + 800 * 500 + 500 + 500 * 10 + 10;

    List<Row> rows = new ArrayList<>();
    rows.add(new Row("im2col v1", "1x28x28 k5", (d, ops, t) -> im2col(d, ops, t, conv1, "V1")));
    rows.add(new Row("im2col v2", "1x28x28 k5", (d, ops, t) -> im2col(d, ops, t, conv1, "V2")));
    rows.add(new Row("im2col v3", "1x28x28 k5", (d, ops, t) -> im2col(d, ops, t, conv1, "V3")));
    rows.add(new Row("im2col v4", "1x28x28 k5", (d, ops, t) -> im2col(d, ops, t, conv1, "V4")));
    rows.add(new Row("im2col v5", "1x28x28 k5", (d, ops, t) -> im2col(d, ops, t, conv1, "V5")));
    rows.add(new Row("im2col v1", "20x12x12 k5", (d, ops, t) -> im2col(d, ops, t, conv2, "V1")));
    rows.add(new Row("im2col v2", "20x12x12 k5", (d, ops, t) -> im2col(d, ops, t, conv2, "V2")));
    rows.add(new Row("im2col v3", "20x12x12 k5", (d, ops, t) -> im2col(d, ops, t, conv2, "V3")));
    rows.add(new Row("im2col v4", "20x12x12 k5", (d, ops, t) -> im2col(d, ops, t, conv2, "V4")));
    rows.add(new Row("im2col v5", "20x12x12 k5", (d, ops, t) -> im2col(d, ops, t, conv2, "V5")));
    for (boolean vector : new boolean[] {false, true}) {
      rows.add(new Row(vector ? "col2im v2" : "col2im v1", "20x12x12 k5", (d, ops, t) -> {
        Tensor col = t.random(conv2.colRows(), conv2.colCols());
        Tensor dx = t.random(N, 20, 12, 12);
        if (ops instanceof OpenClOps clOps) {
          return () -> {
            clOps.vectorCol2im(vector);
            try {
              ops.col2im(col, conv2, dx);
            } finally {
              clOps.vectorCol2im(true);
            }
          };
        }
        return () -> ops.col2im(col, conv2, dx);
      }));
    }
    rows.add(new Row("nchwToCnhw", "64x20x576", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 576);
      Tensor y = t.random(20, N, 576);
      return () -> ops.nchwToCnhw(x, N, 20, 576, y);
    }));
    rows.add(new Row("cnhwToNchw", "20x64x576", (d, ops, t) -> {
      Tensor x = t.random(20, N, 576);
      Tensor y = t.random(N, 20, 576);
      return () -> ops.cnhwToNchw(x, N, 20, 576, y);
    }));
    rows.add(new Row("addChannelBias", "64x20x576", (d, ops, t) -> {
      Tensor y = t.random(N, 20, 576);
      Tensor b = t.random(20);
      return () -> ops.addChannelBias(y, N, 20, 576, b);
    }));
    rows.add(new Row("channelMoments", "64x20x24x24", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 24, 24);
      Tensor k = t.random(20);
      Tensor out = t.doubles(40);
      return () -> ops.channelMoments(x, N, 20, 576, k, out);
    }));
    rows.add(new Row("channelGradMoments", "64x20x24x24", (d, ops, t) -> {
      Tensor dy = t.random(N, 20, 24, 24);
      Tensor x = t.random(N, 20, 24, 24);
      Tensor k = t.random(20);
      Tensor out = t.doubles(40);
      return () -> ops.channelGradMoments(dy, x, N, 20, 576, k, out);
    }));
    rows.add(new Row("channelSum", "64x20x24x24", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 24, 24);
      Tensor out = t.random(20);
      return () -> ops.channelSum(x, N, 20, 576, 0f, out);
    }));
    rows.add(new Row("channelMoments", "64x500 (dense)", (d, ops, t) -> {
      Tensor x = t.random(N, 500);
      Tensor k = t.random(500);
      Tensor out = t.doubles(1000);
      return () -> ops.channelMoments(x, N, 500, 1, k, out);
    }));
    rows.add(new Row("channelAffine", "64x20x576", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 576);
      Tensor a = t.random(20);
      Tensor b = t.random(20);
      Tensor y = t.random(N, 20, 576);
      return () -> ops.channelAffine(x, N, 20, 576, a, b, y);
    }));
    rows.add(new Row("channelAffine2", "64x20x576", (d, ops, t) -> {
      Tensor dy = t.random(N, 20, 576);
      Tensor x = t.random(N, 20, 576);
      Tensor a = t.random(20);
      Tensor b = t.random(20);
      Tensor c = t.random(20);
      Tensor dx = t.random(N, 20, 576);
      return () -> ops.channelAffine2(dy, x, N, 20, 576, a, b, c, dx);
    }));
    // A convolution's permutes with the BatchNorm after it (ChannelFusedInput in the nn module): the
    // separate layers with local statistics (permute, one-launch BatchNorm), the separate layers on
    // the SyncBN path (permute, moments, affine map; the host arithmetic between is not timed), and
    // the linked pair (the permute computes the moments, or applies the input-gradient map).
    for (int[] shape : new int[][] {{N, 20, 576}, {16, 16, 784}}) {
      int n = shape[0];
      int ch = shape[1];
      int inner = shape[2];
      String dims = n + "x" + ch + "x" + inner;
      rows.add(new Row("cnhwToNchwMoments", dims, (d, ops, t) -> {
        Tensor x = t.random(ch, n, inner);
        Tensor k = t.random(ch);
        Tensor y = t.random(n, ch, inner);
        Tensor out = t.doubles(2 * ch);
        return () -> ops.cnhwToNchwMoments(x, n, ch, inner, k, y, out);
      }));
      rows.add(new Row("nchwToCnhwAffine2", dims, (d, ops, t) -> {
        Tensor dy = t.random(n, ch, inner);
        Tensor x = t.random(n, ch, inner);
        Tensor a = t.random(ch);
        Tensor b = t.random(ch);
        Tensor c = t.random(ch);
        Tensor out = t.random(ch, n, inner);
        return () -> ops.nchwToCnhwAffine2(dy, x, n, ch, inner, a, b, c, out);
      }));
      for (String pair : new String[] {"local", "sync", "linked"}) {
        rows.add(new Row("conv end + BN fwd, " + pair, dims, (d, ops, t) -> {
          Tensor cnhw = t.random(ch, n, inner);
          BnForward f = BnForward.of(t, n, ch, inner);
          Tensor sums = t.doubles(2 * ch);
          return switch (pair) {
            case "local" -> () -> {
              ops.cnhwToNchw(cnhw, n, ch, inner, f.x());
              ops.batchNormTrainForward(f.x(), n, ch, inner, f.gamma(), f.beta(), 1e-5, 0.1, 1.0, f.rm(), f.rv(),
                  f.center(), f.invstd(), f.y());
            };
            case "sync" -> () -> {
              ops.cnhwToNchw(cnhw, n, ch, inner, f.x());
              ops.channelMoments(f.x(), n, ch, inner, f.rm(), sums);
              ops.channelAffine(f.x(), n, ch, inner, f.gamma(), f.beta(), f.y());
            };
            default -> () -> {
              ops.cnhwToNchwMoments(cnhw, n, ch, inner, f.rm(), f.x(), sums);
              ops.channelAffine(f.x(), n, ch, inner, f.gamma(), f.beta(), f.y());
            };
          };
        }));
        rows.add(new Row("BN bwd + conv start, " + pair, dims, (d, ops, t) -> {
          BnBackward b = BnBackward.of(t, n, ch, inner);
          Tensor sums = t.doubles(2 * ch);
          Tensor cnhw = t.random(ch, n, inner);
          return switch (pair) {
            case "local" -> () -> {
              ops.batchNormTrainBackward(b.dy(), b.x(), n, ch, inner, b.gamma(), b.center(), b.invstd(), b.dg(),
                  b.db(), b.dx());
              ops.nchwToCnhw(b.dx(), n, ch, inner, cnhw);
            };
            case "sync" -> () -> {
              ops.channelGradMoments(b.dy(), b.x(), n, ch, inner, b.center(), sums);
              ops.channelAffine2(b.dy(), b.x(), n, ch, inner, b.gamma(), b.center(), b.db(), b.dx());
              ops.nchwToCnhw(b.dx(), n, ch, inner, cnhw);
            };
            default -> () -> {
              ops.channelGradMoments(b.dy(), b.x(), n, ch, inner, b.center(), sums);
              ops.nchwToCnhwAffine2(b.dy(), b.x(), n, ch, inner, b.gamma(), b.center(), b.db(), cnhw);
            };
          };
        }));
      }
    }
    // BatchNorm training step with local statistics: v1 composes moments, host arithmetic and the
    // affine map (two launches and a host round trip); v2 is the one-launch OpenCL kernel.
    for (int[] shape : new int[][] {{20, 576}, {50, 64}}) {
      int ch = shape[0];
      int inner = shape[1];
      String dims = N + "x" + ch + "x" + inner;
      for (boolean fused : new boolean[] {false, true}) {
        String version = fused ? "v2" : "v1";
        rows.add(new Row("batchNormTrainFwd " + version, dims, (d, ops, t) -> {
          BnForward f = BnForward.of(t, N, ch, inner);
          return withFusedBatchNorm(ops, fused, () -> ops.batchNormTrainForward(f.x(), N, ch, inner, f.gamma(),
              f.beta(), 1e-5, 0.1, 1.0, f.rm(), f.rv(), f.center(), f.invstd(), f.y()));
        }));
        rows.add(new Row("batchNormTrainBwd " + version, dims, (d, ops, t) -> {
          BnBackward b = BnBackward.of(t, N, ch, inner);
          return withFusedBatchNorm(ops, fused, () -> ops.batchNormTrainBackward(b.dy(), b.x(), N, ch, inner,
              b.gamma(), b.center(), b.invstd(), b.dg(), b.db(), b.dx()));
        }));
      }
    }

    rows.add(new Row("reluForward", "64x20x576", (d, ops, t) -> {
      Tensor x = t.random(act);
      Tensor y = t.random(act);
      return () -> ops.reluForward(x, y);
    }));
    rows.add(new Row("reluBackward", "64x20x576", (d, ops, t) -> {
      Tensor y = t.random(act);
      Tensor dy = t.random(act);
      Tensor dx = t.random(act);
      return () -> ops.reluBackward(y, dy, dx);
    }));
    rows.add(new Row("maxPoolForward", "20x24x24 k2s2", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 24, 24);
      Tensor y = t.random(N, 20, 12, 12);
      Tensor arg = t.random(N, 20, 12, 12);
      return () -> ops.maxPoolForward(x, pool1, y, arg);
    }));
    rows.add(new Row("maxPoolBackward", "20x24x24 k2s2", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 24, 24);
      Tensor y = t.random(N, 20, 12, 12);
      Tensor arg = t.random(N, 20, 12, 12);
      ops.maxPoolForward(x, pool1, y, arg);
      Tensor dx = t.random(N, 20, 24, 24);
      return () -> ops.maxPoolBackward(y, arg, pool1, dx);
    }));
    rows.add(new Row("maxPoolForward", "50x8x8 k2s2", (d, ops, t) -> {
      Tensor x = t.random(N, 50, 8, 8);
      Tensor y = t.random(N, 50, 4, 4);
      Tensor arg = t.random(N, 50, 4, 4);
      return () -> ops.maxPoolForward(x, pool2, y, arg);
    }));
    rows.add(new Row("avgPoolForward", "20x24x24 k2s2", (d, ops, t) -> {
      Tensor x = t.random(N, 20, 24, 24);
      Tensor y = t.random(N, 20, 12, 12);
      return () -> ops.avgPoolForward(x, pool1, y);
    }));
    rows.add(new Row("avgPoolBackward", "20x24x24 k2s2", (d, ops, t) -> {
      Tensor dy = t.random(N, 20, 12, 12);
      Tensor dx = t.random(N, 20, 24, 24);
      return () -> ops.avgPoolBackward(dy, pool1, dx);
    }));
    rows.add(new Row("globalAvgPoolForward", "64x64x7x7", (d, ops, t) -> {
      Tensor x = t.random(N, 64, 7, 7);
      Tensor y = t.random(N, 64);
      return () -> ops.globalAvgPoolForward(x, N, 64, 49, y);
    }));
    rows.add(new Row("softmaxXentForward", "64x10", (d, ops, t) -> {
      Tensor logits = t.random(N, 10);
      Tensor labels = t.labels(N, 10);
      Tensor prob = t.random(N, 10);
      Tensor loss = t.random(N);
      return () -> ops.softmaxCrossEntropyForward(logits, labels, N, 10, prob, loss);
    }));
    rows.add(new Row("softmaxXentBackward", "64x10", (d, ops, t) -> {
      Tensor prob = t.uniform(0f, 1f, N, 10);
      Tensor labels = t.labels(N, 10);
      Tensor dl = t.random(N, 10);
      return () -> ops.softmaxCrossEntropyBackward(prob, labels, N, 10, 1f / N, dl);
    }));
    rows.add(new Row("dropoutMask", "64x500", (d, ops, t) -> {
      Tensor mask = t.random(N, 500);
      return () -> ops.dropoutMask(1234L, 0.5f, mask);
    }));
    rows.add(new Row("sgdMomentum", params + " params", (d, ops, t) -> {
      Tensor w = t.random(params);
      Tensor g = t.uniform(-1e-3f, 1e-3f, params);
      Tensor v = t.random(params);
      return () -> ops.sgdMomentum(w, g, v, 1e-4f, 0.9f, 0f, false);
    }));

    OpenClDevice cl = openCl(options);
    try (JavaDevice java = new JavaDevice(options, Runtime.getRuntime().availableProcessors())) {
      System.out.println("KernelBench: LeNet-BN batch-64 shapes; medians over >= " + reps
          + " calls (~" + budgetNs / 1_000_000 + " ms) per cell, after warm-up.");
      System.out.println("java: " + java.description() + ", "
          + Runtime.getRuntime().availableProcessors() + " threads");
      System.out.println("POCL_MAX_PTHREAD_COUNT=" + System.getenv("POCL_MAX_PTHREAD_COUNT")
          + "; this machine may be shared with other work: compare ratios within one run.");
      if (cl != null) {
        System.out.println("opencl: " + cl);
        launchOverhead(cl.ops());
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "%-22s %-16s %12s %12s %10s%n", "kernel", "shape",
          "opencl us", "java us", "java/ocl");
      for (Row row : rows) {
        double ocl = cl == null ? Double.NaN : time(cl, row.run(), reps, budgetNs);
        double jv = time(java, row.run(), reps, budgetNs);
        System.out.printf(Locale.ROOT, "%-22s %-16s %12s %12s %10s%n", row.name(), row.shape(),
            fmt(ocl), fmt(jv), Double.isNaN(ocl) || Double.isNaN(jv) ? "n/a"
                : String.format(Locale.ROOT, "%.2f", jv / ocl));
      }
    } finally {
      if (cl != null) {
        cl.close();
      }
    }
  }

  private static OpenClDevice openCl(DeviceOptions options) {
    if (Devices.openClDevices().isEmpty()) {
      System.out.println("no OpenCL device (" + Devices.openClProblem() + "): java column only");
      return null;
    }
    return (OpenClDevice) Devices.open("opencl", options);
  }

  private static Runnable im2col(Device d, Ops ops, Operands t, Window2d g, String version) {
    Tensor x = t.random(g.n(), g.c(), g.h(), g.w());
    Tensor col = t.random(g.colRows(), g.colCols());
    if (ops instanceof OpenClOps clOps) {
      OpenClOps.Im2colVersion v = OpenClOps.Im2colVersion.valueOf(version);
      return () -> {
        OpenClOps.Im2colVersion before = clOps.im2colVersion();
        clOps.im2colVersion(v);
        try {
          ops.im2col(x, g, col);
        } finally {
          clOps.im2colVersion(before);
        }
      };
    }
    return () -> ops.im2col(x, g, col);
  }

  /** Median microseconds per call, or NaN when the device does not implement the kernel. */
  private static double time(Device device, Case c, int reps, long budgetNs) {
    Operands t = new Operands(device);
    try {
      Runnable call = c.prepare(device, device.ops(), t);
      for (int i = 0; i < 3; i++) {
        call.run();
      }
      List<Long> samples = new ArrayList<>();
      long start = System.nanoTime();
      while (samples.size() < reps || System.nanoTime() - start < budgetNs) {
        long t0 = System.nanoTime();
        call.run();
        samples.add(System.nanoTime() - t0);
        if (samples.size() >= 10_000) {
          break;
        }
      }
      return percentile(samples, 0.5) / 1e3;
    } catch (UnsupportedOperationException e) {
      return Double.NaN;
    } finally {
      t.close();
    }
  }

  /**
   * Median and p90 of a launch of the trivial {@code nop} kernel (1 work-item) and of fill(1); and
   * of a launch after the host thread spun for a while without launching, as a SyncBN worker does
   * while it waits for the others' statistics (PoCL's worker thread goes to sleep when idle, and the
   * next launch wakes it: 2026-12-01 17:42-17:43, one core, four runs, median 62-64 us after 100 us
   * or more against 23-52 us back to back, whose times are two-valued, about 23 and 60 us;
   * bench/results/kernels-one-core.txt).
   */
  private static void launchOverhead(OpenClOps ops) {
    measureLaunch("nop kernel, 1 work-item", () -> ops.nop(1), 0);
    measureLaunch("nop kernel, 4096 work-items", () -> ops.nop(4096), 0);
    for (long idleMicros : new long[] {100, 300, 1000}) {
      measureLaunch("nop kernel, 1 work-item, after " + idleMicros + " us without launches", () -> ops.nop(1),
          idleMicros);
    }
  }

  /** Times {@code launch}, each time after spinning {@code idleMicros} on this thread first. */
  private static void measureLaunch(String what, Runnable launch, long idleMicros) {
    for (int i = 0; i < 100; i++) {
      launch.run();
    }
    List<Long> samples = new ArrayList<>();
    int count = idleMicros == 0 ? 1000 : 300;
    for (int i = 0; i < count; i++) {
      long until = System.nanoTime() + idleMicros * 1000;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      long t0 = System.nanoTime();
      launch.run();
      samples.add(System.nanoTime() - t0);
    }
    System.out.printf(Locale.ROOT, "launch overhead (%s): median %.1f us, p90 %.1f us over %d launches%n",
        what, percentile(samples, 0.5) / 1e3, percentile(samples, 0.9) / 1e3, samples.size());
  }

  private static double percentile(List<Long> samples, double q) {
    long[] s = samples.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.floor(q * (s.length - 1) + 0.5))];
  }

  private static String fmt(double us) {
    return Double.isNaN(us) ? "n/a" : String.format(Locale.ROOT, "%.1f", us);
  }
}
