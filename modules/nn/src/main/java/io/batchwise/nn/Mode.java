package io.batchwise.nn;

/** Whether a forward pass trains (batch statistics, dropout on) or evaluates (population statistics). */
public enum Mode {
  TRAIN,
  EVAL
}
