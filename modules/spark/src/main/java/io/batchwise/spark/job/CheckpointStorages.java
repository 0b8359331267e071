package io.batchwise.spark.job;

import io.batchwise.nn.checkpoint.CheckpointStorage;
import io.batchwise.nn.checkpoint.LocalCheckpointStorage;
import java.util.regex.Pattern;

/**
 * The {@link CheckpointStorage} for a checkpoint location: local paths and {@code file:} URIs go
 * through java.nio ({@link LocalCheckpointStorage}), every other URI ({@code hdfs://},
 * {@code s3a://}, {@code abfs://}, ...) through Hadoop's {@code FileSystem}
 * ({@link HadoopCheckpointStorage}, with the file systems Spark's class path offers).
 */
public final class CheckpointStorages {
  private static final Pattern URI_WITH_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

  private CheckpointStorages() {
  }

  /** Whether {@code location} names a non-local (Hadoop) file system. */
  public static boolean isRemote(String location) {
    return URI_WITH_SCHEME.matcher(location).matches() && !location.startsWith("file:");
  }

  public static CheckpointStorage forLocation(String location) {
    return isRemote(location) ? new HadoopCheckpointStorage() : new LocalCheckpointStorage();
  }
}
