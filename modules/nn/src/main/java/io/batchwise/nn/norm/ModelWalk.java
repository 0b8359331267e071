package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;
import io.batchwise.nn.layers.Residual;
import io.batchwise.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;

/** Depth-first walks of a model through its containers ({@link Sequential}, {@link Residual}). */
public final class ModelWalk {
  private ModelWalk() {
  }

  /** Every non-container layer of {@code root}, in forward order (residual main before shortcut). */
  public static List<Layer> leaves(Layer root) {
    List<Layer> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  /** The leaves that are instances of {@code type}. */
  public static <T> List<T> leaves(Layer root, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Layer l : leaves(root)) {
      if (type.isInstance(l)) {
        out.add(type.cast(l));
      }
    }
    return out;
  }

  /** Every {@link Sequential} of {@code root}, root included, outer before inner. */
  public static List<Sequential> sequentials(Layer root) {
    List<Sequential> out = new ArrayList<>();
    collectSequentials(root, out);
    return out;
  }

  private static void collectSequentials(Layer l, List<Sequential> out) {
    if (l instanceof Sequential s) {
      out.add(s);
      for (Layer c : s.children().values()) {
        collectSequentials(c, out);
      }
    } else if (l instanceof Residual r) {
      collectSequentials(r.main(), out);
      if (r.shortcut() != null) {
        collectSequentials(r.shortcut(), out);
      }
    }
  }

  private static void collect(Layer l, List<Layer> out) {
    if (l instanceof Sequential s) {
      for (Layer c : s.children().values()) {
        collect(c, out);
      }
    } else if (l instanceof Residual r) {
      collect(r.main(), out);
      if (r.shortcut() != null) {
        collect(r.shortcut(), out);
      }
    } else if (l != null) {
      out.add(l);
    }
  }
}
