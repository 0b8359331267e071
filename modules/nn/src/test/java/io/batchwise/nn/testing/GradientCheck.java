package io.batchwise.nn.testing;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntToDoubleFunction;

/**
 * Finite-difference gradient check of a {@link Layer}, meant for the double-precision reference
 * device.
 *
 * <p>Method: L(x, θ) = Σ r·layer(x) for a fixed Gaussian r (a random linear functional of the
 * output). The analytic gradients are those of one forward + {@code backward(r)}; each checked
 * element e of the input and of every parameter gets the central difference
 * (L(e + h) − L(e − h)) / 2h. The error of a tensor is max|analytic − numeric| / max|numeric| over
 * its checked elements (a normwise relative error: elementwise ratios blow up on gradients that are
 * zero up to rounding). Tensors larger than {@code maxChecks} are checked at a random sample.
 */
public final class GradientCheck {
  private final Layer layer;
  private final Device device;
  private int[] sampleShape;
  private int batch = 2;
  private Mode mode = Mode.TRAIN;
  private double step = 1e-5;
  private int maxChecks = 60;
  private long seed = 42;
  private IntToDoubleFunction inputValues;
  private Runnable beforeForward = () -> { };
  private Runnable afterInit = () -> { };
  private Tensor x;

  private GradientCheck(Layer layer, Device device) {
    this.layer = layer;
    this.device = device;
  }

  /** A check of {@code layer} (not yet initialized) on {@code device}. */
  public static GradientCheck of(Layer layer, Device device) {
    return new GradientCheck(layer, device);
  }

  /** Batch size and per-sample input shape. */
  public GradientCheck input(int n, int... perSample) {
    this.batch = n;
    this.sampleShape = perSample.clone();
    return this;
  }

  public GradientCheck mode(Mode m) {
    this.mode = m;
    return this;
  }

  public GradientCheck step(double h) {
    this.step = h;
    return this;
  }

  public GradientCheck maxChecks(int k) {
    this.maxChecks = k;
    return this;
  }

  public GradientCheck seed(long s) {
    this.seed = s;
    return this;
  }

  /**
   * Input element i ↦ value. The default, ±(0.1 + 0.9·u), keeps every value at least 0.1 from the
   * ReLU kink; pooling tests pass distinct, well-separated values so no max ties.
   */
  public GradientCheck inputValues(IntToDoubleFunction f) {
    this.inputValues = f;
    return this;
  }

  /** Runs once right after {@code init} (e.g. to set non-trivial γ, β). */
  public GradientCheck afterInit(Runnable r) {
    this.afterInit = r;
    return this;
  }

  /** Runs before every forward pass (e.g. to reset state that must not drift between passes). */
  public GradientCheck beforeForward(Runnable r) {
    this.beforeForward = r;
    return this;
  }

  /** Runs the check; returns tensor name ("input" or the parameter name) → relative error. */
  public Map<String, Double> run() {
    Random rng = new Random(seed);
    layer.init(device, sampleShape, new Random(seed + 1));
    afterInit.run();
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = batch;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    x = device.allocate(shape);
    try {
      double[] xv = new double[x.size()];
      for (int i = 0; i < xv.length; i++) {
        if (inputValues != null) {
          xv[i] = inputValues.applyAsDouble(i);
        } else {
          double u = 0.1 + 0.9 * rng.nextDouble();
          xv[i] = rng.nextBoolean() ? u : -u;
        }
      }
      x.write(xv);

      beforeForward.run();
      Tensor y = layer.forward(x, mode);
      double[] r = new double[y.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = rng.nextGaussian();
      }
      Tensor dy = device.allocate(y.shape());
      dy.write(r);
      double[] dx = layer.backward(dy).toDoubleArray();
      dy.close();
      List<Parameter> params = layer.parameters();
      Map<String, double[]> analytic = new LinkedHashMap<>();
      for (Parameter p : params) {
        analytic.put(p.name(), p.grad().toDoubleArray());
      }

      Map<String, Double> errors = new LinkedHashMap<>();
      errors.put("input", compare(x, dx, r, rng));
      for (Parameter p : params) {
        errors.put(p.name(), compare(p.value(), analytic.get(p.name()), r, rng));
      }
      return errors;
    } finally {
      x.close();
    }
  }

  private double loss(double[] r) {
    beforeForward.run();
    double[] y = layer.forward(x, mode).toDoubleArray();
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += r[i] * y[i];
    }
    return s;
  }

  /** Perturbs {@code t} (the input, or a parameter) element by element; layer input stays {@code x}. */
  private double compare(Tensor t, double[] analytic, double[] r, Random rng) {
    double[] v = t.toDoubleArray();
    int[] idx = sample(v.length, rng);
    double maxDiff = 0;
    double maxRef = 0;
    for (int i : idx) {
      double orig = v[i];
      v[i] = orig + step;
      t.write(v);
      double lp = loss(r);
      v[i] = orig - step;
      t.write(v);
      double lm = loss(r);
      v[i] = orig;
      t.write(v);
      double numeric = (lp - lm) / (2 * step);
      maxDiff = Math.max(maxDiff, Math.abs(numeric - analytic[i]));
      maxRef = Math.max(maxRef, Math.max(Math.abs(numeric), Math.abs(analytic[i])));
    }
    return maxRef == 0 ? maxDiff : maxDiff / maxRef;
  }

  private int[] sample(int n, Random rng) {
    if (n <= maxChecks) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] pick = new int[maxChecks];
    for (int i = 0; i < maxChecks; i++) {
      pick[i] = rng.nextInt(n);
    }
    return pick;
  }
}
