package io.batchwise.nn.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be used, with the location and the problem in the message, e.g.
 * {@code checkpoint runs/x/epoch-2.ckpt is corrupt: checksum mismatch (...)}.
 */
public final class CheckpointException extends IOException {
  /** What is wrong with the checkpoint. */
  public enum Problem {
    /** No file at the location. */
    MISSING,
    /** The file does not start with the checkpoint magic bytes. */
    NOT_A_CHECKPOINT,
    /** A format version this build cannot read. */
    UNSUPPORTED_VERSION,
    /** The file is shorter than its header says (an interrupted copy, a full disk). */
    TRUNCATED,
    /** Checksum mismatch, trailing bytes, or a body that does not parse. */
    CORRUPT,
    /** A valid checkpoint whose names, shapes or types do not match the model it is loaded into. */
    MISMATCH,
    /** The storage failed while reading or writing (permissions, I/O error). */
    IO
  }

  private final String location;
  private final Problem problem;

  public CheckpointException(String location, Problem problem, String message) {
    this(location, problem, message, null);
  }

  public CheckpointException(String location, Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.location = location;
    this.problem = problem;
  }

  public String location() {
    return location;
  }

  public Problem problem() {
    return problem;
  }
}
