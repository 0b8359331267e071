package io.batchwise.nn.norm;

import io.batchwise.nn.layers.Identity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The name → factory table behind {@link NormFactory#byName}. */
final class KnownNorms {
  private static final Map<String, NormFactory> BY_NAME = new LinkedHashMap<>();

  static {
    BY_NAME.put("bn", BatchNorm::new);
    BY_NAME.put("bn-keras", c -> new BatchNorm(c, BatchNorm.Options.KERAS));
    BY_NAME.put("none", c -> new Identity());
    // The BatchNorm-family issue registers its layers here: syncbn, brn, gn, ln, in, frozenbn,
    // ghostbn. Those that need context beyond C (syncbn's StatisticsReducer, ghostbn's virtual batch
    // size, gn's group count) get it through an overload such as byName(name, NormContext) rather
    // than through global state.
  }

  private KnownNorms() {
  }

  static NormFactory byName(String name) {
    NormFactory f = name == null ? null : BY_NAME.get(name.trim().toLowerCase(Locale.ROOT));
    if (f == null) {
      throw new IllegalArgumentException("unknown normalization '" + name + "'; valid: "
          + String.join(", ", BY_NAME.keySet()));
    }
    return f;
  }

  static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }
}
