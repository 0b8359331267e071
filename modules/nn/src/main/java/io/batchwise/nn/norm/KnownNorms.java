package io.batchwise.nn.norm;

import io.batchwise.nn.layers.Identity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The name → factory table behind {@link NormFactory#byName}. */
final class KnownNorms {
  private static final Map<String, NormFactory> BY_NAME = new LinkedHashMap<>();
  // Names whose layers take a NormContext (registered by the BatchNorm family, issue 3).
  private static final Map<String, Function<NormContext, NormFactory>> WITH_CONTEXT = new LinkedHashMap<>();

  static {
    BY_NAME.put("bn", BatchNorm::new);
    BY_NAME.put("bn-keras", c -> new BatchNorm(c, BatchNorm.Options.KERAS));
    BY_NAME.put("none", c -> new Identity());
    // The BatchNorm-family issue registers its layers here: syncbn, brn, gn, ln, in, frozenbn,
    // ghostbn. Those that need context beyond C (syncbn's StatisticsReducer, ghostbn's virtual batch
    // size, gn's group count) get it through an overload such as byName(name, NormContext) rather
    // than through global state.
    WITH_CONTEXT.put("syncbn", ctx -> c -> new SyncBatchNorm(c, BatchNorm.Options.PYTORCH, ctx.reducer()));
    WITH_CONTEXT.put("brn", ctx -> c -> new BatchRenorm(c, BatchNorm.Options.PYTORCH, ctx.renormSchedule(),
        ctx.reducer()));
    WITH_CONTEXT.put("gn", ctx -> c -> new GroupNorm(GroupNorm.groupsFor(c, ctx.groups())));
    WITH_CONTEXT.put("ln", ctx -> c -> new LayerNorm());
    WITH_CONTEXT.put("in", ctx -> c -> new InstanceNorm());
    WITH_CONTEXT.put("frozenbn", ctx -> FrozenBatchNorm::new);
    WITH_CONTEXT.put("ghostbn", ctx -> c -> new GhostBatchNorm(c, ctx.virtualBatch()));
    WITH_CONTEXT.forEach((name, f) -> BY_NAME.put(name, f.apply(NormContext.DEFAULT)));
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

  static NormFactory byName(String name, NormContext context) {
    if (context == null) {
      throw new IllegalArgumentException("normalization '" + name + "': context must not be null");
    }
    NormFactory plain = byName(name);
    Function<NormContext, NormFactory> f = WITH_CONTEXT.get(name.trim().toLowerCase(Locale.ROOT));
    return f == null ? plain : f.apply(context);
  }

  static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }
}
