package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;
import io.batchwise.nn.layers.Residual;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Converts a model's {@link BatchNorm} layers (including {@link SyncBatchNorm}) to another member of
 * the family, in place, walking {@link Sequential} and {@link Residual} containers.
 *
 * <p>What carries over from a trained (initialized) BatchNorm:
 * <ul>
 *   <li>{@code syncbn}, {@code brn}, {@code ghostbn}, {@code bn}: γ, β, running mean and variance,
 *       and the BatchNorm's options (momentum, eps, convention).</li>
 *   <li>{@code frozenbn}: γ, β, running mean and variance and eps, now fixed.</li>
 *   <li>{@code gn}, {@code ln}, {@code in}: γ and β (their statistics are per sample; none carry).</li>
 * </ul>
 * An uninitialized model gets uninitialized layers (convert first, init next). The old layer is
 * closed. A BatchNorm that is directly the main branch of a {@link Residual} (not inside a
 * Sequential) cannot be replaced and is an error.
 */
public final class NormConversion {
  private NormConversion() {
  }

  /**
   * Replaces every BatchNorm of {@code model} by a {@code target} layer ({@code bn, syncbn, brn, gn,
   * ln, in, frozenbn, ghostbn}).
   *
   * @return how many layers were converted
   */
  public static int convert(Layer model, String target, NormContext context) {
    String t = target == null ? "" : target.trim().toLowerCase(Locale.ROOT);
    if (!List.of("bn", "syncbn", "brn", "gn", "ln", "in", "frozenbn", "ghostbn").contains(t)) {
      throw new IllegalArgumentException("cannot convert BatchNorm to '" + target
          + "'; valid: bn, syncbn, brn, gn, ln, in, frozenbn, ghostbn");
    }
    return walk(model, t, context);
  }

  /**
   * Binds {@code reducer} to every {@link SyncBatchNorm} and {@link BatchRenorm} of {@code model}
   * (what the trainer does once its communicator is up).
   *
   * @return how many layers were bound
   */
  public static int bindReducer(Layer model, StatisticsReducer reducer) {
    int n = 0;
    for (Layer l : ModelWalk.leaves(model)) {
      if (l instanceof SyncBatchNorm s) {
        s.bindReducer(reducer);
        n++;
      } else if (l instanceof BatchRenorm b) {
        b.bindReducer(reducer);
        n++;
      }
    }
    return n;
  }

  /**
   * Links (true, the default of every {@link Sequential}) or unlinks each bias-free convolution and
   * the BatchNorm right after it, everywhere in {@code model} ({@link Sequential#convNormFusion}).
   */
  public static void convNormFusion(Layer model, boolean on) {
    for (Sequential s : ModelWalk.sequentials(model)) {
      s.convNormFusion(on);
    }
  }

  private static int walk(Layer l, String target, NormContext ctx) {
    int n = 0;
    if (l instanceof Sequential s) {
      for (Map.Entry<String, Layer> e : List.copyOf(s.children().entrySet())) {
        if (e.getValue() instanceof BatchNorm bn) {
          s.replace(e.getKey(), convertOne(bn, target, ctx));
          n++;
        } else {
          n += walk(e.getValue(), target, ctx);
        }
      }
    } else if (l instanceof Residual r) {
      if (r.main() instanceof BatchNorm || r.shortcut() instanceof BatchNorm) {
        throw new IllegalArgumentException("NormConversion: a BatchNorm directly inside " + r
            + " cannot be replaced; wrap the branch in a Sequential");
      }
      n += walk(r.main(), target, ctx);
      if (r.shortcut() != null) {
        n += walk(r.shortcut(), target, ctx);
      }
    }
    return n;
  }

  private static Layer convertOne(BatchNorm bn, String target, NormContext ctx) {
    int[] shape = bn.inputShape();
    int c = shape == null ? -1 : shape[0];
    BatchNorm.Options o = bn.options();
    Layer out = switch (target) {
      case "bn" -> new BatchNorm(c, o);
      case "syncbn" -> new SyncBatchNorm(c, o, ctx.reducer());
      case "brn" -> new BatchRenorm(c, o, ctx.renormSchedule(), ctx.reducer());
      case "ghostbn" -> new GhostBatchNorm(c, ctx.virtualBatch(), o);
      case "frozenbn" -> new FrozenBatchNorm(c, o.eps());
      default -> NormFactory.byName(target, ctx).create(c);
    };
    if (shape == null) {
      return out; // not initialized yet: nothing to carry over
    }
    Device device = bn.gamma().value().device();
    out.init(device, shape, new Random(0));
    Tensor g = bn.gamma().value();
    Tensor b = bn.beta().value();
    Tensor rm = bn.runningMean();
    Tensor rv = bn.runningVar();
    var ops = device.ops();
    if (out instanceof BatchNorm nb) {
      ops.copy(g, nb.gamma().value());
      ops.copy(b, nb.beta().value());
      ops.copy(rm, nb.runningMean());
      ops.copy(rv, nb.runningVar());
    } else if (out instanceof BatchRenorm nb) {
      ops.copy(g, nb.gamma().value());
      ops.copy(b, nb.beta().value());
      ops.copy(rm, nb.runningMean());
      ops.copy(rv, nb.runningVar());
    } else if (out instanceof GhostBatchNorm nb) {
      ops.copy(g, nb.gamma().value());
      ops.copy(b, nb.beta().value());
      ops.copy(rm, nb.runningMean());
      ops.copy(rv, nb.runningVar());
    } else if (out instanceof FrozenBatchNorm nb) {
      ops.copy(g, nb.weight());
      ops.copy(b, nb.bias());
      ops.copy(rm, nb.runningMean());
      ops.copy(rv, nb.runningVar());
    } else if (out instanceof GroupNorm nb) {
      ops.copy(g, nb.gamma().value());
      ops.copy(b, nb.beta().value());
    }
    bn.close();
    return out;
  }
}
