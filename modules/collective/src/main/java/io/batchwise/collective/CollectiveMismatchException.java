package io.batchwise.collective;

/** Two ranks called different collectives, or the same one with different types, sizes or roots. */
public class CollectiveMismatchException extends CollectiveException {
  public CollectiveMismatchException(String message) {
    super(message);
  }
}
