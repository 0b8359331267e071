package io.batchwise.nn.optim;

import io.batchwise.nn.Parameter;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent with momentum over a fixed list of {@link Parameter}s; the update rule
 * and its conventions are those of {@link SgdConfig} and {@code Ops.sgdMomentum}.
 *
 * <p>One velocity tensor per parameter is allocated once, zeroed, on that parameter's device (even
 * with momentum 0, where the kernel still writes it: one code path, and a checkpoint has the same
 * entries whatever the momentum). Each {@link #step} is one kernel launch per parameter and no host
 * transfer. Every replica of a data-parallel job calls {@code step} with the same all-reduced
 * gradients and learning rate, so replicas stay bit-identical.
 *
 * <p>Invariants:
 * <ol>
 *   <li>Parameter names are unique (they are the checkpoint keys of the velocities).</li>
 *   <li>{@code velocity(p)} has the shape, dtype and device of {@code p.value()}.</li>
 * </ol>
 */
public final class Sgd implements AutoCloseable {
  /** Suffix of a velocity's key in {@link #state()}: {@code <parameter name>.velocity}. */
  public static final String VELOCITY_SUFFIX = ".velocity";

  private final List<Parameter> parameters;
  private final SgdConfig config;
  private final List<Tensor> velocities = new ArrayList<>();
  private long steps;
  private boolean closed;

  /**
   * @param parameters the trainable parameters, in the model's fixed order
   * @param config momentum, Nesterov, weight decay
   * @throws IllegalArgumentException for duplicate names, gradients that do not match their values,
   *     or non-FLOAT parameters
   */
  public Sgd(List<Parameter> parameters, SgdConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("Sgd needs an SgdConfig");
    }
    this.parameters = List.copyOf(parameters);
    this.config = config;
    Set<String> names = new HashSet<>();
    for (Parameter p : this.parameters) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("duplicate parameter name " + p.name());
      }
      if (p.value().dtype() != DType.FLOAT || p.grad().dtype() != DType.FLOAT) {
        throw new IllegalArgumentException("parameter " + p.name() + " must be FLOAT, got value "
            + p.value().dtype() + " and gradient " + p.grad().dtype());
      }
      if (!Arrays.equals(p.value().shape(), p.grad().shape())) {
        throw new IllegalArgumentException("parameter " + p.name() + " has value "
            + Arrays.toString(p.value().shape()) + " but gradient " + Arrays.toString(p.grad().shape()));
      }
      if (p.value().device() != p.grad().device()) {
        throw new IllegalArgumentException("parameter " + p.name() + " has its value on "
            + p.value().device().name() + " but its gradient on " + p.grad().device().name());
      }
    }
    try {
      for (Parameter p : this.parameters) {
        velocities.add(p.value().device().zeros(p.value().shape()));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Applies one update to every parameter with the current gradients.
   *
   * @param learningRate finite, ≥ 0 (usually {@code schedule.lr(globalStep)})
   */
  public void step(double learningRate) {
    checkOpen();
    SgdConfig.checkLearningRate(learningRate);
    float lr = (float) learningRate;
    float mu = (float) config.momentum();
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      float wd = (float) config.weightDecayFor(p.kind());
      p.value().device().ops().sgdMomentum(p.value(), p.grad(), velocities.get(i), lr, mu, wd, config.nesterov());
    }
    steps++;
  }

  /** Number of {@link #step} calls since construction (not restored from checkpoints). */
  public long steps() {
    return steps;
  }

  public SgdConfig config() {
    return config;
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  /** The velocity of the parameter at {@code index} in {@link #parameters()}. */
  public Tensor velocity(int index) {
    checkOpen();
    return velocities.get(index);
  }

  /**
   * The optimizer state for checkpoints: each velocity under the key
   * {@code <parameter name>.velocity}, in parameter order. The tensors are the live ones: a
   * checkpoint reads them, and restoring a checkpoint writes into them.
   */
  public Map<String, Tensor> state() {
    checkOpen();
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      m.put(parameters.get(i).name() + VELOCITY_SUFFIX, velocities.get(i));
    }
    return Collections.unmodifiableMap(m);
  }

  /** Sets every velocity to zero (a fresh start without a checkpoint). */
  public void resetState() {
    checkOpen();
    for (Tensor v : velocities) {
      v.device().ops().fill(v, 0f);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Sgd used after close");
    }
  }

  /** Releases the velocities; the parameters belong to their layers and stay open. */
  @Override
  public void close() {
    closed = true;
    for (Tensor v : velocities) {
      v.close();
    }
    velocities.clear();
  }

  @Override
  public String toString() {
    return config + " over " + parameters.size() + " parameters";
  }
}
