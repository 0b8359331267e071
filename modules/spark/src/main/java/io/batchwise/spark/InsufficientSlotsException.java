package io.batchwise.spark;

/**
 * The cluster cannot run all W tasks of a barrier stage at once; raised on the driver before the
 * stage is submitted (a barrier stage with too few slots would otherwise wait for Spark's
 * periodic check to give up).
 */
public final class InsufficientSlotsException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final int required;
  private final int available;

  public InsufficientSlotsException(String message, int required, int available) {
    super(message);
    this.required = required;
    this.available = available;
  }

  public int required() {
    return required;
  }

  public int available() {
    return available;
  }
}
