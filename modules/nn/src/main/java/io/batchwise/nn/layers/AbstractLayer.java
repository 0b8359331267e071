package io.batchwise.nn.layers;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Common plumbing of the layers: the init-once lifecycle, input-shape checks that name the layer,
 * the rule that backward follows a forward, and the buffers a layer owns.
 */
public abstract class AbstractLayer implements Layer {
  protected Device device;
  protected Ops ops;
  /** Per-sample input and output shapes, set by {@link #init}. */
  protected int[] inShape;
  protected int[] outShape;
  /** The last forward input (valid until backward returns, by the {@link Layer} contract). */
  protected Tensor input;
  /** Batch size of the last forward pass; -1 before the first. */
  protected int batch = -1;
  protected Mode lastMode;
  private boolean backwardReady;
  private boolean closed;
  private final List<TensorSlot> slots = new ArrayList<>();
  private final List<Parameter> params = new ArrayList<>();

  /** Short description used in error messages, e.g. {@code Conv2d(16, k=3, s=1, p=1)}. */
  protected abstract String describe();

  /** Checks the per-sample input shape, allocates parameters, returns the output shape. */
  protected abstract int[] setUp(int[] inputShape, Random rng);

  @Override
  public final int[] init(Device device, int[] inputShape, Random rng) {
    if (this.device != null) {
      throw new IllegalStateException(describe() + " is already initialized");
    }
    this.device = device;
    this.ops = device.ops();
    this.inShape = inputShape.clone();
    this.outShape = setUp(inputShape.clone(), rng).clone();
    return outShape.clone();
  }

  /** A new buffer slot closed with the layer. */
  protected final TensorSlot slot() {
    TensorSlot s = new TensorSlot();
    slots.add(s);
    return s;
  }

  /** Allocates a parameter and its gradient (gradient zeroed); closed with the layer. */
  protected final Parameter parameter(String name, Parameter.Kind kind, int... shape) {
    Tensor value = device.allocate(shape);
    Tensor grad = device.zeros(shape);
    Parameter p = new Parameter(name, value, grad, kind);
    params.add(p);
    return p;
  }

  @Override
  public List<Parameter> parameters() {
    return List.copyOf(params);
  }

  /** Validates x against the init shape, records it for backward and returns the batch size. */
  protected final int beginForward(Tensor x, Mode mode) {
    if (device == null) {
      throw new IllegalStateException(describe() + ": forward before init");
    }
    if (closed) {
      throw new IllegalStateException(describe() + ": used after close");
    }
    int[] s = x.shape();
    if (s.length != inShape.length + 1
        || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), inShape)) {
      throw new IllegalArgumentException(describe() + ": input shape " + Arrays.toString(s)
          + " does not match [N, " + Arrays.toString(inShape).replace("[", "").replace("]", "") + "]");
    }
    if (x.device() != device) {
      throw new IllegalArgumentException(describe() + ": input lives on " + x.device().name()
          + ", layer on " + device.name());
    }
    input = x;
    batch = s[0];
    lastMode = mode;
    backwardReady = true;
    return batch;
  }

  /** Validates dy against the last output shape. */
  protected final void beginBackward(Tensor dy) {
    if (!backwardReady) {
      throw new IllegalStateException(describe() + ": backward without a preceding forward");
    }
    int[] expect = withBatch(batch, outShape);
    if (!Arrays.equals(dy.shape(), expect)) {
      throw new IllegalArgumentException(describe() + ": output gradient shape "
          + Arrays.toString(dy.shape()) + ", expected " + Arrays.toString(expect));
    }
  }

  /** {@code [n, ...shape]}. */
  protected static int[] withBatch(int n, int[] shape) {
    int[] s = new int[shape.length + 1];
    s[0] = n;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }

  protected static int product(int[] shape) {
    return Tensor.sizeOf(shape);
  }

  /** Fills {@code t} with N(0, std²) draws from {@code rng}. */
  protected static void normalInit(Tensor t, double std, Random rng) {
    double[] v = new double[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextGaussian() * std;
    }
    t.write(v);
  }

  protected final void requireRank(int[] inputShape, int rank, String what) {
    if (inputShape.length != rank) {
      throw new IllegalArgumentException(describe() + " expects a per-sample input of " + what
          + ", got " + Arrays.toString(inputShape));
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (TensorSlot s : slots) {
      s.close();
    }
    for (Parameter p : params) {
      p.value().close();
      p.grad().close();
    }
  }

  @Override
  public String toString() {
    return describe();
  }
}
