package io.batchwise.nn.bench;

import io.batchwise.nn.Mode;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.opencl.OpenClOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prints the share of training-step time spent in normalization layers (their forward + backward)
 * for each model, at a given batch size on a given device. A step is forward (TRAIN), softmax
 * cross-entropy forward and backward, backward and an SGD step; each normalization layer is wrapped
 * in a timer. The target: ≤ 10%.
 *
 * <p>Usage: {@code NormShareBench [--device auto] [--batch 64] [--steps 5] [--warmup 2]
 * [--norm bn] [--models lenet-bn,resnet20] [--kernels one-pass,composed]}: on OpenCL both
 * BatchNorm kernel variants are timed side by side (see {@code kernelVariants}). Timings on a
 * shared machine are noisy: compare shares, not absolute times.
 */
public final class NormShareBench {
  private NormShareBench() {
  }

  private static final String USAGE = "usage: bench norm [--device auto] [--batch 64] [--steps 5] "
      + "[--warmup 2] [--norm bn] [--models lenet-bn,resnet20] [--kernels one-pass,composed]";

  public static void main(String[] args) {
    try {
      parseAndRun(args);
    } catch (IllegalArgumentException e) {
      // Bad options: the message and the usage, no stack trace.
      System.err.println("bench norm: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
    }
  }

  private static void parseAndRun(String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(USAGE);
      return;
    }
    String device = "auto";
    int batch = 64;
    int steps = 5;
    int warmup = 2;
    String norm = "bn";
    String models = "lenet-bn,resnet20";
    String kernels = "one-pass,composed";
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--device" -> device = v;
        case "--batch" -> batch = positive(a, v);
        case "--steps" -> steps = positive(a, v);
        case "--warmup" -> warmup = positive(a, v);
        case "--norm" -> norm = v;
        case "--models" -> models = v;
        case "--kernels" -> kernels = v;
        default -> throw new IllegalArgumentException("unknown option " + a
            + "; valid: --device --batch --steps --warmup --norm --models --kernels");
      }
    }
    try (Device d = Devices.open(device, DeviceOptions.DEFAULT)) {
      System.out.printf(Locale.ROOT, "device: %s%nnorm: %s, batch %d, %d timed steps after %d warm-up%n%n",
          d.description(), norm, batch, steps, warmup);
      List<Boolean> onePass = kernelVariants(kernels, d);
      System.out.printf(Locale.ROOT, "%-10s %-9s %7s %10s %12s %12s %8s%n", "model", "kernels", "layers",
          "step ms", "norm fwd ms", "norm bwd ms", "share");
      for (String m : models.split(",")) {
        for (boolean fused : onePass) {
          if (d.ops() instanceof OpenClOps cl) {
            cl.fusedBatchNorm(fused);
          }
          run(d, m.trim(), fused ? "one-pass" : "composed", norm, batch, steps, warmup);
        }
      }
      if (d.ops() instanceof OpenClOps cl) {
        cl.fusedBatchNorm(true);
      }
    }
  }

  private static int positive(String option, String v) {
    try {
      int n = Integer.parseInt(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(option + " takes a whole number >= 0, got '" + v + "'");
  }

  /**
   * The BatchNorm kernel variants to time, side by side: {@code one-pass} (Ops.batchNormTrain*, one
   * launch per layer and direction on OpenCL) and {@code composed} (moments, host arithmetic,
   * affine). Only OpenCL has both; elsewhere the one row is the device's own.
   */
  private static List<Boolean> kernelVariants(String spec, Device d) {
    List<Boolean> out = new ArrayList<>();
    for (String k : spec.split(",")) {
      switch (k.trim()) {
        case "one-pass" -> out.add(true);
        case "composed" -> out.add(false);
        default -> throw new IllegalArgumentException("--kernels takes one-pass and/or composed, got '"
            + k.trim() + "'");
      }
    }
    if (!(d.ops() instanceof OpenClOps) && out.size() > 1) {
      return List.of(true);
    }
    return out;
  }

  private static void run(Device d, String model, String kernels, String norm, int batch, int steps,
      int warmup) {
    NormFactory base = NormFactory.byName(norm);
    List<TimedLayer> timed = new ArrayList<>();
    NormFactory wrapped = c -> {
      TimedLayer t = new TimedLayer(base.create(c));
      timed.add(t);
      return t;
    };
    Random rng = new Random(1);
    try (Sequential net = Models.create(model, wrapped);
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(d)) {
      net.init(d, Models.inputShape(), rng);
      Tensor x = d.allocate(batch, Models.INPUT_SHAPE[0], Models.INPUT_SHAPE[1], Models.INPUT_SHAPE[2]);
      float[] xv = new float[x.size()];
      for (int i = 0; i < xv.length; i++) {
        xv[i] = (float) rng.nextGaussian();
      }
      x.write(xv);
      float[] yv = new float[batch];
      for (int i = 0; i < batch; i++) {
        yv[i] = rng.nextInt(Models.CLASSES);
      }
      Tensor labels = d.allocate(batch).write(yv);
      try (Sgd sgd = new Sgd(net.parameters(), SgdConfig.DEFAULT)) {
        long total = 0;
        for (int s = 0; s < warmup + steps; s++) {
          if (s == warmup) {
            timed.forEach(TimedLayer::reset);
            total = 0;
          }
          long t0 = System.nanoTime();
          Tensor logits = net.forward(x, Mode.TRAIN);
          loss.forward(logits, labels);
          net.backward(loss.backwardForGlobalBatch(batch));
          sgd.step(0.01);
          total += System.nanoTime() - t0;
        }
        long fwd = timed.stream().mapToLong(t -> t.forwardNanos).sum();
        long bwd = timed.stream().mapToLong(t -> t.backwardNanos).sum();
        System.out.printf(Locale.ROOT, "%-10s %-9s %7d %10.2f %12.2f %12.2f %7.1f%%%n", model, kernels,
            timed.size(),
            total / 1e6 / steps, fwd / 1e6 / steps, bwd / 1e6 / steps, 100.0 * (fwd + bwd) / total);
      }
      x.close();
      labels.close();
    }
  }
}
