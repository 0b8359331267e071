package io.batchwise.train.parallel;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.Parameter;
import io.batchwise.train.GradientSync;
import java.util.List;

/**
 * {@link GradientSync} over a {@link Communicator} for {@link io.batchwise.train.TrainStep}: sums the
 * gradients after the whole backward pass, in the same {@link GradientBuckets} (reverse order,
 * {@code bucketBytes} each) but without overlapping backward, since TrainStep runs backward as one
 * call. {@link DataParallelStep} is the overlapping variant; both give the same sums.
 *
 * <p>The plan is made on the first call and later calls must pass the same parameters. Wide
 * (double) buckets for the reference device, floats otherwise, as {@link GradientBuckets} explains.
 */
public final class CommunicatorGradientSync implements GradientSync {
  private final Communicator communicator;
  private final boolean wide;
  private final int bucketBytes;
  private GradientBuckets buckets;
  private List<Parameter> planned;

  public CommunicatorGradientSync(Communicator communicator, boolean wide, int bucketBytes) {
    if (communicator == null) {
      throw new IllegalArgumentException("CommunicatorGradientSync needs a communicator");
    }
    this.communicator = communicator;
    this.wide = wide;
    this.bucketBytes = bucketBytes;
  }

  @Override
  public void sum(List<Parameter> parameters) {
    if (buckets == null) {
      buckets = new GradientBuckets(communicator, parameters, wide, bucketBytes);
      planned = List.copyOf(parameters);
    } else if (!planned.equals(parameters)) {
      throw new IllegalArgumentException("CommunicatorGradientSync: the parameter list changed after the "
          + "first step (every step must pass the same parameters in the same order)");
    }
    buckets.begin();
    buckets.finish();
  }
}
