package io.batchwise.nn.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The file-system operations checkpoints need, and nothing else, so that the format code never
 * touches a file system directly. Locations are strings the implementation interprets: local paths
 * (or {@code file:} URIs) for {@link LocalCheckpointStorage}; a Hadoop implementation would take any
 * {@code FileSystem} URI ({@code hdfs://…}, {@code s3a://…}).
 *
 * <p>Contract every implementation keeps:
 * <ol>
 *   <li>{@link #writeAtomically}: readers see either the old file or the complete new one, never a
 *       partial one, under {@code location}; the new bytes are durable before the call returns; if
 *       the body writer throws, nothing changes under {@code location} and no temporary file is left
 *       behind.</li>
 *   <li>{@link #list} never returns the temporary files of writes in progress.</li>
 * </ol>
 *
 * <p>Notes for a Hadoop implementation (it belongs in the spark module, so that nn never depends on
 * Hadoop): {@code FileSystem.rename} refuses to replace an existing target, so use
 * {@code FileContext.rename(tmp, target, Options.Rename.OVERWRITE)}, which HDFS performs atomically;
 * make the bytes durable with {@code hsync()} before the rename. Object stores (S3A) have no atomic
 * rename but a single PUT is atomic: write to the final name directly there. Either way
 * {@link CheckpointDirectory#newestValid()} skips a partial file, because the format's length and
 * checksum expose it.
 */
public interface CheckpointStorage {

  /** Produces the bytes of a file. */
  @FunctionalInterface
  interface BodyWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes a new file at {@code location} atomically (see the class contract), creating parents. */
  void writeAtomically(String location, BodyWriter body) throws IOException;

  /**
   * All bytes of the file at {@code location}.
   *
   * @throws java.nio.file.NoSuchFileException or {@link java.io.FileNotFoundException} when absent
   */
  byte[] readAll(String location) throws IOException;

  /**
   * Names (not locations) of the files directly inside {@code directory}, sorted, without
   * temporary files; empty when the directory does not exist.
   */
  List<String> list(String directory) throws IOException;

  /** The location of {@code name} inside {@code directory}. */
  String resolve(String directory, String name);
}
