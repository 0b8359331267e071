package io.batchwise.train;

import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormFactory;
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

  /** Per-sample input shape every model of the zoo takes. */
  public static int[] inputShape() {
    return Models.inputShape();
  }
}
