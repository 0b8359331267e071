package io.batchwise.train.parallel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock nanoseconds of one data-parallel step (or a sum of steps) on one worker.
 *
 * <ul>
 *   <li>{@code upload}: copying the batch to the device (and out of the data set when given one).</li>
 *   <li>{@code forward}: the TRAIN-mode forward pass, the loss, and reading the logits back for
 *       accuracy; includes the forward part of {@code syncBn}.</li>
 *   <li>{@code backward}: the loss gradient and the layers' backward passes, including issuing the
 *       gradient buckets and the backward part of {@code syncBn}.</li>
 *   <li>{@code syncBn}: time inside SyncBN's statistics all-reduces (forward and backward); it is
 *       part of {@code forward} and {@code backward}, not in addition to them.</li>
 *   <li>{@code gradientComm}: time the communicator spent on the gradient buckets, estimated from
 *       each bucket's issue and completion times (the communicator runs them one after another);
 *       overlaps backward where buckets start early.</li>
 *   <li>{@code wait}: time blocked on bucket futures after backward, plus copying the summed
 *       gradients back to the device: the part of gradient communication not hidden by backward.</li>
 *   <li>{@code optimizer}: the SGD update.</li>
 * </ul>
 */
public record StepTimes(long uploadNanos, long forwardNanos, long backwardNanos, long syncBnNanos,
    long gradientCommNanos, long waitNanos, long optimizerNanos) implements java.io.Serializable {
  public static final StepTimes ZERO = new StepTimes(0, 0, 0, 0, 0, 0, 0);

  /** The step's wall time: upload + forward + backward + wait + optimizer. */
  public long totalNanos() {
    return uploadNanos + forwardNanos + backwardNanos + waitNanos + optimizerNanos;
  }

  public StepTimes plus(StepTimes o) {
    return new StepTimes(uploadNanos + o.uploadNanos, forwardNanos + o.forwardNanos,
        backwardNanos + o.backwardNanos, syncBnNanos + o.syncBnNanos,
        gradientCommNanos + o.gradientCommNanos, waitNanos + o.waitNanos,
        optimizerNanos + o.optimizerNanos);
  }

  /** Seconds per phase under stable names (metrics files, benchmark tables). */
  public Map<String, Double> seconds() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("upload", uploadNanos * 1e-9);
    m.put("forward", forwardNanos * 1e-9);
    m.put("backward", backwardNanos * 1e-9);
    m.put("syncbn_comm", syncBnNanos * 1e-9);
    m.put("gradient_comm", gradientCommNanos * 1e-9);
    m.put("wait", waitNanos * 1e-9);
    m.put("optimizer", optimizerNanos * 1e-9);
    m.put("total", totalNanos() * 1e-9);
    return m;
  }
}
