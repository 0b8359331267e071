package io.batchwise.nn.models;

import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Flatten;
import io.batchwise.nn.layers.GlobalAvgPool;
import io.batchwise.nn.layers.Linear;
import io.batchwise.nn.layers.MaxPool2d;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Residual;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The model zoo, by name. Every model takes per-sample input {@link #INPUT_SHAPE} = [1, 28, 28] and
 * outputs {@link #CLASSES} logits; convolutions that feed a normalization layer have no bias (the
 * norm's β replaces it; with {@code none} they have none either, the following layers' biases remain).
 *
 * <ul>
 *   <li>{@code lenet-bn}: conv5×5×20 → norm → ReLU → maxpool2 → conv5×5×50 → norm → ReLU → maxpool2
 *       → flatten (800) → dense500 → ReLU → dense10 (the Deeplearning4j/Caffe LeNet with BN).</li>
 *   <li>{@code resnet20}: He et al. 2016 §4.2 (CIFAR ResNet, n = 3) on 28×28×1: conv3×3×16 → norm →
 *       ReLU → 3 stages × 3 basic blocks at 16, 32, 64 channels (28×28, 14×14, 7×7; the first block
 *       of stages 2 and 3 has stride 2 and a 1×1 stride-2 conv + norm projection shortcut; option B
 *       of the paper) → global average pool → dense10. 19 convolutions + 1 dense = 20 layers.</li>
 * </ul>
 */
public final class Models {
  /** Per-sample input shape of every model. */
  public static final int[] INPUT_SHAPE = {1, 28, 28};
  public static final int CLASSES = 10;

  private static final Map<String, Function<NormFactory, Sequential>> BY_NAME = new LinkedHashMap<>();

  static {
    BY_NAME.put("lenet-bn", Models::lenetBn);
    BY_NAME.put("resnet20", Models::resnet20);
  }

  private Models() {
  }

  /** The model names, in a stable order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /**
   * A new, uninitialized model; call {@code init(device, INPUT_SHAPE.clone(), rng)} next.
   *
   * @throws IllegalArgumentException for an unknown name, listing the valid ones
   */
  public static Sequential create(String name, NormFactory norm) {
    Function<NormFactory, Sequential> f = name == null ? null : BY_NAME.get(name.trim().toLowerCase(Locale.ROOT));
    if (f == null) {
      throw new IllegalArgumentException("unknown model '" + name + "'; valid: " + String.join(", ", BY_NAME.keySet()));
    }
    if (norm == null) {
      throw new IllegalArgumentException("model '" + name + "' needs a normalization factory (e.g. NormFactory.byName(\"bn\"))");
    }
    return f.apply(norm);
  }

  /** Input shape, a fresh copy. */
  public static int[] inputShape() {
    return INPUT_SHAPE.clone();
  }

  static Sequential lenetBn(NormFactory norm) {
    return new Sequential()
        .add("conv1", new Conv2d(20, 5, 1, 0, false))
        .add("bn1", norm.create(20))
        .add("relu1", new ReLU())
        .add("pool1", new MaxPool2d(2))
        .add("conv2", new Conv2d(50, 5, 1, 0, false))
        .add("bn2", norm.create(50))
        .add("relu2", new ReLU())
        .add("pool2", new MaxPool2d(2))
        .add("flatten", new Flatten())
        .add("fc1", new Linear(500))
        .add("relu3", new ReLU())
        .add("fc2", new Linear(CLASSES));
  }

  static Sequential resnet20(NormFactory norm) {
    Sequential net = new Sequential()
        .add("conv1", new Conv2d(16, 3, 1, 1, false))
        .add("bn1", norm.create(16))
        .add("relu1", new ReLU());
    int[] widths = {16, 32, 64};
    int in = 16;
    for (int stage = 0; stage < widths.length; stage++) {
      Sequential blocks = new Sequential();
      for (int b = 0; b < 3; b++) {
        int out = widths[stage];
        int stride = stage > 0 && b == 0 ? 2 : 1;
        blocks.add("block" + b, basicBlock(in, out, stride, norm));
        in = out;
      }
      net.add("stage" + (stage + 1), blocks);
    }
    return net
        .add("pool", new GlobalAvgPool())
        .add("fc", new Linear(CLASSES));
  }

  /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
  static Residual basicBlock(int in, int out, int stride, NormFactory norm) {
    Sequential main = new Sequential()
        .add("conv1", new Conv2d(out, 3, stride, 1, false))
        .add("bn1", norm.create(out))
        .add("relu1", new ReLU())
        .add("conv2", new Conv2d(out, 3, 1, 1, false))
        .add("bn2", norm.create(out));
    Sequential shortcut = null;
    if (stride != 1 || in != out) {
      shortcut = new Sequential()
          .add("conv", new Conv2d(out, 1, stride, 0, false))
          .add("bn", norm.create(out));
    }
    return new Residual(main, shortcut, true);
  }
}
