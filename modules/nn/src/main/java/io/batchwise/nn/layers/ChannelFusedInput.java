package io.batchwise.nn.layers;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Tensor;

/**
 * A layer (BatchNorm) whose per-channel passes can ride on the layout permutes of the
 * {@link Conv2d} in front of it: the convolution permutes its GEMM output from CNHW to NCHW in
 * forward and its output gradient back to CNHW in backward, and can compute this layer's moments
 * and apply this layer's input-gradient map while it does ({@code Ops#cnhwToNchwMoments},
 * {@code Ops#nchwToCnhwAffine2}). That saves one launch and one read of the activation per pass.
 * A {@link Sequential} links each bias-free convolution to a layer of this kind right after it.
 *
 * <p>Lifecycle, in the order a step calls it:
 * <ol>
 *   <li>{@link #linkProducer} once the pair is linked (false when unlinked).</li>
 *   <li>Forward: the convolution asks {@link #momentsRequest}; when it gets one it fills the
 *       request's sums while writing its output y and calls {@link #momentsWritten}(y); this
 *       layer's forward on that same y uses the sums instead of launching its own reduction.</li>
 *   <li>Backward: a linked layer may return its input gradient dx unwritten; the convolution's
 *       backward, which receives that dx, calls {@link #takeGradient}(dx) and gets the map that
 *       defines it. Any dx it did not return that way (null) is written.</li>
 * </ol>
 * Invariants: (1) a request's sums are those {@code Ops#channelMoments} would give on y about the
 * request's shift; (2) an unwritten dx is only ever handed to the linked convolution, which must
 * take it; (3) results equal those of the unlinked pair (on the OpenCL device bit for bit).
 */
public interface ChannelFusedInput {

  /** Shifted moments to compute: {@code sums} (DOUBLE [2C]) about {@code shift} (FLOAT [C]). */
  record MomentsRequest(Tensor shift, Tensor sums) {
  }

  /**
   * An input gradient defined per channel: dx = dy·a[c] + x·b[c] + d[c] over NCHW dy and x
   * (valid until this layer's next backward).
   */
  record AffineGradient(Tensor dy, Tensor x, Tensor a, Tensor b, Tensor d) {
  }

  /** Whether a convolution right before this layer is linked to it. */
  void linkProducer(boolean linked);

  /** The moments this layer's next forward in {@code mode} needs, or null when it needs none. */
  MomentsRequest momentsRequest(Mode mode);

  /** The producer wrote {@code y} and the sums of the last request over it. */
  void momentsWritten(Tensor y);

  /**
   * The map defining {@code dx} when this layer's last backward returned it unwritten (and forgets
   * it), or null when dx was written.
   */
  AffineGradient takeGradient(Tensor dx);
}
