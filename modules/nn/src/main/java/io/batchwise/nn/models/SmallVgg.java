package io.batchwise.nn.models;

import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Flatten;
import io.batchwise.nn.layers.Linear;
import io.batchwise.nn.layers.MaxPool2d;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;

/**
 * A small VGG-style network (Simonyan &amp; Zisserman 2015: stacks of 3×3 convolutions, each followed
 * by normalization and ReLU, halved by 2×2 max pooling) for 28×28×1 inputs, the "VGG with and without
 * BatchNorm" of Santurkar et al. 2018 at a size two shared CPU cores can train in minutes:
 *
 * <p>[conv3×3×w → norm → ReLU] ×2 → maxpool2 → [conv3×3×2w → norm → ReLU] ×2 → maxpool2 → flatten
 * (2w·7·7) → dense128 → ReLU → dense10. Default width w = 16.
 *
 * <p>Not part of the {@link Models} zoo (the study builds it directly). Convolutions carry a bias
 * only when asked ({@code convBias}: true for the no-normalization variant, where no β follows).
 */
public final class SmallVgg {
  public static final int DEFAULT_WIDTH = 16;

  private SmallVgg() {}

  /**
   * A new, uninitialized network; {@code init(device, Models.inputShape(), rng)} next.
   *
   * @param width channels of the first two convolutions (the last two have 2·width), ≥ 1
   */
  public static Sequential create(NormFactory norm, int width, boolean convBias) {
    if (norm == null) {
      throw new IllegalArgumentException("SmallVgg needs a normalization factory (NormFactory.byName(\"none\") for none)");
    }
    if (width < 1) {
      throw new IllegalArgumentException("SmallVgg width must be ≥ 1, got " + width);
    }
    int w2 = 2 * width;
    return new Sequential()
        .add("conv1", new Conv2d(width, 3, 1, 1, convBias))
        .add("norm1", norm.create(width))
        .add("relu1", new ReLU())
        .add("conv2", new Conv2d(width, 3, 1, 1, convBias))
        .add("norm2", norm.create(width))
        .add("relu2", new ReLU())
        .add("pool1", new MaxPool2d(2))
        .add("conv3", new Conv2d(w2, 3, 1, 1, convBias))
        .add("norm3", norm.create(w2))
        .add("relu3", new ReLU())
        .add("conv4", new Conv2d(w2, 3, 1, 1, convBias))
        .add("norm4", norm.create(w2))
        .add("relu4", new ReLU())
        .add("pool2", new MaxPool2d(2))
        .add("flatten", new Flatten())
        .add("fc1", new Linear(128))
        .add("relu5", new ReLU())
        .add("fc2", new Linear(Models.CLASSES));
  }
}
