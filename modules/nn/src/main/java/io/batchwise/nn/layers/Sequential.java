package io.batchwise.nn.layers;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A chain of named layers. Parameter and state names are prefixed with the child's name
 * ({@code conv1.weight}, {@code stage2.block0.bn1.running_mean}), which makes them the stable
 * checkpoint keys. Children are initialized in order from one {@link Random}, so the same seed
 * gives the same weights.
 */
public final class Sequential implements Layer {
  private final Map<String, Layer> children = new LinkedHashMap<>();
  private boolean convNormFusion = true;
  private int[] inShape;
  private int[] outShape;

  public Sequential() {
  }

  /** Appends a child under {@code name}; names must be unique and free of dots. */
  public Sequential add(String name, Layer layer) {
    if (inShape != null) {
      throw new IllegalStateException("Sequential: cannot add '" + name + "' after init");
    }
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("Sequential: child name must be non-empty without dots, got '" + name + "'");
    }
    if (children.containsKey(name)) {
      throw new IllegalArgumentException("Sequential: duplicate child name '" + name + "'");
    }
    children.put(name, layer);
    relink();
    return this;
  }

  /** The children by name, in order. */
  public Map<String, Layer> children() {
    return Collections.unmodifiableMap(children);
  }

  /**
   * Replaces the child named {@code name} by {@code layer}, keeping its place and name (used by the
   * norm-conversion utility). After init the caller must pass a layer initialized for the same input
   * shape and giving the same output shape.
   */
  public void replace(String name, Layer layer) {
    if (layer == null) {
      throw new IllegalArgumentException("Sequential: cannot replace '" + name + "' by null");
    }
    get(name);
    Layer old = children.put(name, layer);
    unlink(old);
    relink();
  }

  /**
   * Whether each bias-free {@link Conv2d} here is linked to a {@link ChannelFusedInput} right after
   * it (default true), so that the normalization's per-channel passes ride on the convolution's
   * permutes; false runs every layer on its own (same results; benchmarks compare both). Applies to
   * this Sequential's own children; {@code NormConversion.convNormFusion} sets a whole model.
   */
  public void convNormFusion(boolean on) {
    this.convNormFusion = on;
    relink();
  }

  /** The linked pairs, as "conv>norm" child names (tests and logs). */
  public List<String> linkedPairs() {
    List<String> out = new ArrayList<>();
    for (Link l : links()) {
      out.add(l.producerName() + ">" + l.consumerName());
    }
    return out;
  }

  /** A bias-free convolution and the normalization right after it. */
  private record Link(String producerName, Conv2d producer, String consumerName, ChannelFusedInput consumer) {
  }

  /** The pairs to link: none when switched off. */
  private List<Link> links() {
    List<Link> out = new ArrayList<>();
    if (!convNormFusion) {
      return out;
    }
    Map.Entry<String, Layer> prev = null;
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      if (prev != null && prev.getValue() instanceof Conv2d conv && conv.canLinkNext()
          && e.getValue() instanceof ChannelFusedInput f) {
        out.add(new Link(prev.getKey(), conv, e.getKey(), f));
      }
      prev = e;
    }
    return out;
  }

  private static void unlink(Layer l) {
    if (l instanceof Conv2d conv) {
      conv.linkNext(null);
    }
    if (l instanceof ChannelFusedInput f) {
      f.linkProducer(false);
    }
  }

  private void relink() {
    for (Layer l : children.values()) {
      unlink(l);
    }
    for (Link l : links()) {
      l.producer().linkNext(l.consumer());
      l.consumer().linkProducer(true);
    }
  }

  /** The child named {@code name}. */
  public Layer get(String name) {
    Layer l = children.get(name);
    if (l == null) {
      throw new IllegalArgumentException("Sequential has no child '" + name + "'; children: " + children.keySet());
    }
    return l;
  }

  @Override
  public int[] init(Device device, int[] inputShape, Random rng) {
    if (inShape != null) {
      throw new IllegalStateException("Sequential is already initialized");
    }
    int[] shape = inputShape.clone();
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      try {
        shape = e.getValue().init(device, shape, rng);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("layer '" + e.getKey() + "' with input " + Arrays.toString(shape)
            + ": " + ex.getMessage(), ex);
      }
    }
    inShape = inputShape.clone();
    outShape = shape;
    return shape.clone();
  }

  /** Per-sample output shape (after init). */
  public int[] outputShape() {
    return outShape.clone();
  }

  @Override
  public Tensor forward(Tensor x, Mode mode) {
    Tensor h = x;
    for (Layer l : children.values()) {
      h = l.forward(h, mode);
    }
    return h;
  }

  @Override
  public Tensor backward(Tensor dy) {
    List<Layer> layers = new ArrayList<>(children.values());
    Tensor g = dy;
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g);
    }
    return g;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      for (Parameter p : e.getValue().parameters()) {
        out.add(p.withPrefix(e.getKey()));
      }
    }
    return out;
  }

  @Override
  public List<StateBuffer> state() {
    List<StateBuffer> out = new ArrayList<>();
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      for (StateBuffer s : e.getValue().state()) {
        out.add(s.withPrefix(e.getKey()));
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (Layer l : children.values()) {
      l.close();
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Sequential(");
    String sep = "";
    for (Map.Entry<String, Layer> e : children.entrySet()) {
      sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = ", ";
    }
    return sb.append(')').toString();
  }
}
