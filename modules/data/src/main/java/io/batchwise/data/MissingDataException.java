package io.batchwise.data;

import java.io.FileNotFoundException;

/** A data directory or file that is absent; the message says how to get it. */
public final class MissingDataException extends FileNotFoundException {
  private static final long serialVersionUID = 1L;

  public MissingDataException(String message) {
    super(message);
  }
}
