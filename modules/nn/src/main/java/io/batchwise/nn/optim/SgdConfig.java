package io.batchwise.nn.optim;

import io.batchwise.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyperparameters of {@link Sgd}, PyTorch's conventions:
 * <pre>
 *   g' = g + wd·w                 (wd = 0 for parameters excluded from weight decay)
 *   v  = μ·v + g'                 (the velocity holds a gradient, not a step: no lr inside)
 *   w -= lr · (nesterov ? g' + μ·v : v)
 * </pre>
 * The learning rate is not part of the configuration: it is passed to every {@link Sgd#step} (a
 * schedule supplies it) and must be finite and ≥ 0 there.
 *
 * @param momentum μ, in [0, 1); 0 is plain SGD
 * @param nesterov Nesterov's momentum; requires μ &gt; 0
 * @param weightDecay wd ≥ 0, the L2 coefficient added to the gradient (coupled, like PyTorch's
 *     {@code SGD(weight_decay=…)}, not AdamW's decoupled form)
 * @param decayNormAndBias whether weight decay also applies to {@link Parameter.Kind#NORM} (γ, β)
 *     and {@link Parameter.Kind#BIAS} parameters; default false, because shrinking a norm layer's
 *     scale or a bias towards zero regularizes nothing useful and hurts accuracy
 */
public record SgdConfig(double momentum, boolean nesterov, double weightDecay, boolean decayNormAndBias) {

  /** Momentum 0.9, no Nesterov, weight decay 5e-4 on weights only. */
  public static final SgdConfig DEFAULT = new SgdConfig(0.9, false, 5e-4, false);

  public SgdConfig {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("SGD weight decay must be finite and >= 0, got " + weightDecay);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("Nesterov momentum requires momentum > 0, got momentum 0");
    }
  }

  /** Plain SGD: no momentum, no weight decay. */
  public static SgdConfig plain() {
    return new SgdConfig(0, false, 0, false);
  }

  public SgdConfig withMomentum(double m) {
    return new SgdConfig(m, nesterov, weightDecay, decayNormAndBias);
  }

  public SgdConfig withNesterov(boolean n) {
    return new SgdConfig(momentum, n, weightDecay, decayNormAndBias);
  }

  public SgdConfig withWeightDecay(double wd) {
    return new SgdConfig(momentum, nesterov, wd, decayNormAndBias);
  }

  public SgdConfig withDecayNormAndBias(boolean decay) {
    return new SgdConfig(momentum, nesterov, weightDecay, decay);
  }

  /** The weight decay applied to a parameter of this kind. */
  public double weightDecayFor(Parameter.Kind kind) {
    return kind == Parameter.Kind.WEIGHT || decayNormAndBias ? weightDecay : 0.0;
  }

  /** Checks a learning rate passed to a step. */
  static void checkLearningRate(double lr) {
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }
  }

  /** The settings as ordered string pairs, for a checkpoint's or a run's configuration. */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sgd.momentum", Double.toString(momentum));
    m.put("sgd.nesterov", Boolean.toString(nesterov));
    m.put("sgd.weight_decay", Double.toString(weightDecay));
    m.put("sgd.decay_norm_and_bias", Boolean.toString(decayNormAndBias));
    return m;
  }

  @Override
  public String toString() {
    return "SGD(momentum=" + momentum + (nesterov ? ", nesterov" : "")
        + ", weight_decay=" + weightDecay
        + (weightDecay > 0 ? (decayNormAndBias ? " on all parameters" : " on weights only (not norm/bias)") : "")
        + ")";
  }
}
