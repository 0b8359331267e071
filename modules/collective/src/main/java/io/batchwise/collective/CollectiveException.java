package io.batchwise.collective;

/** Base of the collective's failures. After one, the communicator is broken and must be closed. */
public class CollectiveException extends RuntimeException {
  public CollectiveException(String message) {
    super(message);
  }

  public CollectiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
