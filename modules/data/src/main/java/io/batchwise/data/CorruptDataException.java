package io.batchwise.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file that exists but does not hold what its format promises. The message names the file. */
public final class CorruptDataException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public CorruptDataException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /** The offending file. */
  public Path file() {
    return file;
  }
}
