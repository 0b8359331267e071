package io.batchwise.nn.layers;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A residual connection: y = main(x) + shortcut(x), shortcut being the identity or a given layer
 * (e.g. a strided 1×1 convolution + norm where the shape changes), optionally followed by a ReLU
 * (the basic block of He et al. 2016: relu(F(x) + x)). Backward sums the two input gradients.
 *
 * <p>Names: the main branch's parameters keep their names (main is usually a {@link Sequential}
 * naming its children {@code conv1, bn1, …}); the shortcut's are prefixed {@code shortcut.}.
 */
public final class Residual implements Layer {
  private final Layer main;
  private final Layer shortcut;
  private final boolean reluAfter;
  private final TensorSlot out = new TensorSlot();
  private final TensorSlot dsum = new TensorSlot();
  private final TensorSlot dx = new TensorSlot();
  private Device device;
  private int[] inShape;
  private int[] outShape;
  private int batch;

  /**
   * @param main the residual branch F
   * @param shortcut the projection, or null for the identity (then F must keep the shape)
   * @param reluAfter whether a ReLU follows the sum
   */
  public Residual(Layer main, Layer shortcut, boolean reluAfter) {
    this.main = main;
    this.shortcut = shortcut;
    this.reluAfter = reluAfter;
  }

  public Layer main() {
    return main;
  }

  /** The projection shortcut, or null for the identity. */
  public Layer shortcut() {
    return shortcut;
  }

  @Override
  public int[] init(Device device, int[] inputShape, Random rng) {
    int[] m = main.init(device, inputShape, rng);
    int[] s = shortcut == null ? inputShape.clone() : shortcut.init(device, inputShape, rng);
    if (!Arrays.equals(m, s)) {
      throw new IllegalArgumentException("Residual: main branch gives " + Arrays.toString(m)
          + " but the shortcut gives " + Arrays.toString(s)
          + (shortcut == null ? " (use a projection shortcut where the shape changes)" : ""));
    }
    this.device = device;
    this.inShape = inputShape.clone();
    this.outShape = m;
    return m.clone();
  }

  private static int[] withBatch(int n, int[] shape) {
    int[] s = new int[shape.length + 1];
    s[0] = n;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    if (device == null) {
      throw new IllegalStateException("Residual: forward before init");
    }
    batch = x.dim(0);
    Tensor fm = main.forward(x, mode);
    Tensor fs = shortcut == null ? x : shortcut.forward(x, mode);
    Tensor y = out.get(device, withBatch(batch, outShape));
    if (batch > 0) {
      device.ops().add(fm, fs, y);
      if (reluAfter) {
        device.ops().reluForward(y, y);
      }
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dy) {
    if (!Arrays.equals(dy.shape(), withBatch(batch, outShape))) {
      throw new IllegalArgumentException("Residual: output gradient shape " + Arrays.toString(dy.shape())
          + ", expected " + Arrays.toString(withBatch(batch, outShape)));
    }
    Tensor g = dy;
    if (reluAfter) {
      g = dsum.get(device, dy.shape());
      if (batch > 0) {
        device.ops().reluBackward(out.current(), dy, g);
      }
    }
    Tensor dm = main.backward(g);
    Tensor ds = shortcut == null ? g : shortcut.backward(g);
    Tensor d = dx.get(device, withBatch(batch, inShape));
    if (batch > 0) {
      device.ops().add(dm, ds, d);
    }
    return d;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>(main.parameters());
    if (shortcut != null) {
      for (Parameter p : shortcut.parameters()) {
        ps.add(p.withPrefix("shortcut"));
      }
    }
    return ps;
  }

  @Override
  public List<StateBuffer> state() {
    List<StateBuffer> ss = new ArrayList<>(main.state());
    if (shortcut != null) {
      for (StateBuffer s : shortcut.state()) {
        ss.add(s.withPrefix("shortcut"));
      }
    }
    return ss;
  }

  @Override
  public void close() {
    main.close();
    if (shortcut != null) {
      shortcut.close();
    }
    out.close();
    dsum.close();
    dx.close();
  }

  @Override
  public String toString() {
    return "Residual(" + main + ", shortcut=" + (shortcut == null ? "identity" : shortcut)
        + (reluAfter ? ", relu" : "") + ")";
  }
}
