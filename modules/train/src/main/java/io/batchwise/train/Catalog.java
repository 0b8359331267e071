package io.batchwise.train;

import io.batchwise.data.Dataset;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The models and normalization layers a run can name, and the facts the CLI checks about them. */
public final class Catalog {
  /**
   * Normalizations whose output does not depend on the other samples of the batch; every other
   * registered norm (bn, bn-keras, and the BatchNorm family to come) computes batch statistics and
   * needs at least 2 samples per training batch.
   */
  private static final Set<String> BATCH_INDEPENDENT = Set.of("none", "gn", "ln", "in", "frozenbn");

  private Catalog() {}

  public static List<String> models() {
    return Models.names();
  }

  public static List<String> norms() {
    return NormFactory.names();
  }

  /** Whether {@code norm} normalizes with statistics of the training batch (needs batch ≥ 2). */
  public static boolean usesBatchStatistics(String norm) {
    return !BATCH_INDEPENDENT.contains(norm.trim().toLowerCase(Locale.ROOT));
  }

  /** A new, uninitialized model; unknown names throw listing the valid ones. */
  public static Sequential newModel(String model, String norm) {
    return Models.create(model, NormFactory.byName(norm));
  }

  /**
   * The zoo's reference input shape (Fashion-MNIST's 1×28×28, what synthetic data is made of).
   * Models are built for the data's own {@link Dataset#sampleShape()} at init; see
   * {@link #checkInput}.
   */
  public static int[] inputShape() {
    return Models.inputShape();
  }

  /**
   * Checks that {@code model} can take the samples of {@code data} (shape and classes), so a
   * mismatch is a usage error before training instead of a failure inside {@code init}. The
   * models size their layers from the input shape at init; limits: at most
   * {@link Models#CLASSES} classes, and for {@code lenet-bn} (two valid 5×5 convolutions, each
   * followed by a 2×2 max-pool) height and width of at least 16. {@code resnet20} (padded 3×3
   * convolutions, global average pooling) takes any size.
   */
  public static void checkInput(String model, Dataset data) throws UsageException {
    int[] s = data.sampleShape();
    String shape = s.length == 3 ? s[0] + "x" + s[1] + "x" + s[2] : Arrays.toString(s);
    if (s.length != 3) {
      throw new UsageException("model " + model + " takes CxHxW images, but " + data.name()
          + " has samples of shape " + shape);
    }
    if (data.numClasses() > Models.CLASSES) {
      throw new UsageException("model " + model + " has " + Models.CLASSES + " outputs, but "
          + data.name() + " has " + data.numClasses() + " classes");
    }
    String m = model.trim().toLowerCase(Locale.ROOT);
    if (m.equals("lenet-bn") && (s[1] < LENET_MIN_SIZE || s[2] < LENET_MIN_SIZE)) {
      throw new UsageException("model lenet-bn cannot take input of shape " + shape + " ("
          + data.name() + "): its two 5x5 convolutions and 2x2 pools need height and width >= "
          + LENET_MIN_SIZE + "; use --model resnet20 or larger images");
    }
  }

  /** Smallest side lenet-bn takes: ((s − 4)/2 − 4)/2 ≥ 1. */
  private static final int LENET_MIN_SIZE = 16;
}
