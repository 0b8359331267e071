package io.batchwise.train;

/** Bad command-line input: the CLI prints the message (no stack trace) and exits with code 2. */
public final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
