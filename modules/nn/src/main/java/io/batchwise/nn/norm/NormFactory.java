package io.batchwise.nn.norm;

import io.batchwise.nn.Layer;
import java.util.List;

/**
 * Makes the normalization layer that follows a layer with C output channels (or features). Models
 * take one, so the same architecture runs with BatchNorm, no normalization, or (later) any member
 * of the BatchNorm family.
 */
@FunctionalInterface
public interface NormFactory {

  /** A new, uninitialized normalization layer for {@code channels} channels. */
  Layer create(int channels);

  /**
   * The factory registered under {@code name} ({@code bn}, {@code bn-keras}, {@code none}, …).
   *
   * @throws IllegalArgumentException for an unknown name, listing the valid ones
   */
  static NormFactory byName(String name) {
    return KnownNorms.byName(name);
  }

  /**
   * As {@link #byName(String)}, with the context some names need beyond C: {@code syncbn} and
   * {@code brn} take its reducer, {@code gn} its group count, {@code ghostbn} its virtual batch size,
   * {@code brn} its schedule (see {@link NormContext} for the defaults).
   */
  static NormFactory byName(String name, NormContext context) {
    return KnownNorms.byName(name, context);
  }

  /** The registered names, in a stable order. */
  static List<String> names() {
    return KnownNorms.names();
  }
}
