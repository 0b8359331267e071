package io.batchwise.tensor;

/** Thrown when a device's memory arena cannot hold a requested tensor. */
public final class DeviceMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceMemoryException(String message) {
    super(message);
  }
}
