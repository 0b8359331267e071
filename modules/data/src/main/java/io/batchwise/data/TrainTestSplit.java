package io.batchwise.data;

/** A training set and the test set evaluated against it (same shape and classes). */
public record TrainTestSplit(Dataset train, Dataset test) {
  public TrainTestSplit {
    if (train.numClasses() != test.numClasses()
        || !java.util.Arrays.equals(train.sampleShape(), test.sampleShape())) {
      throw new IllegalArgumentException("train split " + train.name() + " and test split "
          + test.name() + " differ in sample shape or number of classes");
    }
  }
}
