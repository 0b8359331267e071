package io.batchwise.train.parallel;

/**
 * When {@link DataParallelStep} issues a gradient bucket whose gradients backward has finished.
 *
 * <p>The communicator runs collectives in issue order, so a SyncBN backward reduction (small,
 * blocking) issued after a large bucket waits for that bucket. Where a SyncBN layer comes next in
 * backward with only parameter-free layers (ReLU, pooling, flatten) before it, issuing the bucket
 * right away overlaps it with almost no compute and then stalls SyncBN; issuing it just after
 * that SyncBN's reduction overlaps it with the convolution that follows instead.
 */
public enum BucketIssue {
  /** Issue a bucket as soon as all its gradients are final. */
  EAGER,
  /**
   * As {@link #EAGER}, except that ready buckets are held while the next layer with parameters in
   * backward order is a top-level SyncBN (or Batch Renorm) layer or comes after one; they go out
   * right after that layer's backward. Composite units (a residual block) never hold buckets.
   */
  AFTER_SYNCBN
}
