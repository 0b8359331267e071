package io.batchwise.nn.bench;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;
import java.util.Random;

/**
 * A transparent wrapper that adds the wall time of its layer's forward and backward calls to
 * counters. Kernel launches of the devices here return when the kernel has finished, and every
 * normalization layer reads its statistics back to the host, so wall time around the call is the
 * layer's time.
 */
final class TimedLayer implements Layer {
  private final Layer inner;
  long forwardNanos;
  long backwardNanos;

  TimedLayer(Layer inner) {
    this.inner = inner;
  }

  void reset() {
    forwardNanos = 0;
    backwardNanos = 0;
  }

  @Override
  public int[] init(Device device, int[] inputShape, Random rng) {
    return inner.init(device, inputShape, rng);
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    long t = System.nanoTime();
    try {
      return inner.forward(x, mode);
    } finally {
      forwardNanos += System.nanoTime() - t;
    }
  }

  @Override
  public Tensor backward(Tensor dy) {
    long t = System.nanoTime();
    try {
      return inner.backward(dy);
    } finally {
      backwardNanos += System.nanoTime() - t;
    }
  }

  @Override
  public List<Parameter> parameters() {
    return inner.parameters();
  }

  @Override
  public List<StateBuffer> state() {
    return inner.state();
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public String toString() {
    return inner.toString();
  }
}
