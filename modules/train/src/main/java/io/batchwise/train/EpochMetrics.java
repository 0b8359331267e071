package io.batchwise.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch measured. Accuracies are fractions in [0, 1]; losses are means per sample.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss over the epoch's batches (with the weights of each step)
 * @param trainAccuracy training accuracy over the epoch (TRAIN-mode forward of each step)
 * @param testLoss mean test loss in EVAL mode after the epoch
 * @param testAccuracy test accuracy in EVAL mode after the epoch
 * @param imagesPerSecond training samples per second of training time (evaluation excluded)
 * @param trainSeconds seconds spent in training steps (batch preparation included)
 * @param evalSeconds seconds spent evaluating
 * @param lr learning rate of the epoch's last step
 * @param steps optimizer steps done so far in the run
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double testLoss,
    double testAccuracy, double imagesPerSecond, double trainSeconds, double evalSeconds, double lr,
    long steps) {

  /** Column names of the CSV file, in {@link #toMap()} order. */
  public static final String[] COLUMNS = {"epoch", "train_loss", "train_accuracy", "test_loss",
      "test_accuracy", "images_per_second", "train_seconds", "eval_seconds", "lr", "steps"};

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("epoch", epoch);
    m.put("train_loss", trainLoss);
    m.put("train_accuracy", trainAccuracy);
    m.put("test_loss", testLoss);
    m.put("test_accuracy", testAccuracy);
    m.put("images_per_second", imagesPerSecond);
    m.put("train_seconds", trainSeconds);
    m.put("eval_seconds", evalSeconds);
    m.put("lr", lr);
    m.put("steps", steps);
    return m;
  }
}
