package io.batchwise.spark.data;

import io.batchwise.data.TrainTestSplit;
import java.io.Serializable;

/**
 * The training and test tables read from Spark: what the driver broadcasts to the executors.
 * Same sample shape and number of classes on both sides; byte images share one normalization
 * (the training table's channel statistics).
 */
public record ImageSplit(ImageTable train, ImageTable test) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** As the trainer's type; cheap (no copy), so executors may call it for every task. */
  public TrainTestSplit toTrainTestSplit() {
    return new TrainTestSplit(train, test);
  }
}
