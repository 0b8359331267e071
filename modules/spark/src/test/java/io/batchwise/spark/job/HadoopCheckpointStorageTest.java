package io.batchwise.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.checkpoint.Checkpoint;
import io.batchwise.nn.checkpoint.CheckpointDirectory;
import io.batchwise.nn.checkpoint.CheckpointException;
import io.batchwise.nn.checkpoint.SavedTensor;
import io.batchwise.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints through Hadoop's FileSystem API (its local file system behind a {@code file://}
 * URI, the same code path HDFS takes): atomic replace, listing without temporary or checksum
 * files, newest valid checkpoint, and the storage choice by location.
 */
class HadoopCheckpointStorageTest {
  @TempDir Path dir;

  static Checkpoint checkpoint(long epoch, float value) {
    SavedTensor w = new SavedTensor("fc.weight", DType.FLOAT, new int[] {2}, new float[] {value, -value}, null);
    return Checkpoint.of(Map.of("model", "test"), epoch, epoch * 10, List.of(w), List.of(), List.of());
  }

  @Test
  void writesReadsAndReplacesAtomicallyThroughHadoop() throws IOException {
    HadoopCheckpointStorage storage = new HadoopCheckpointStorage(new Configuration());
    String uri = "file://" + dir.resolve("ckpt").toAbsolutePath();
    CheckpointDirectory cd = new CheckpointDirectory(storage, uri);
    assertEquals(List.of(), cd.epochs(), "a missing directory lists empty");
    cd.write(checkpoint(1, 1f));
    cd.write(checkpoint(2, 2f));
    cd.write(checkpoint(2, 3f)); // replaces the existing file
    assertEquals(List.of(2L, 1L), cd.epochs());
    Checkpoint newest = cd.newestValid().orElseThrow().checkpoint();
    assertEquals(2, newest.epoch());
    assertArrayEquals(new float[] {3f, -3f}, newest.parameters().get("fc.weight").floats());
    // Only the checkpoints are listed: no temporary files, no Hadoop .crc files.
    assertEquals(List.of("epoch-1.ckpt", "epoch-2.ckpt"), storage.list(uri));

    // A damaged newest checkpoint is skipped in favour of the previous one.
    Path second = dir.resolve("ckpt").resolve("epoch-2.ckpt");
    Files.delete(dir.resolve("ckpt").resolve(".epoch-2.ckpt.crc"));
    Files.write(second, new byte[] {1, 2, 3});
    assertEquals(1, cd.newestValid().orElseThrow().checkpoint().epoch());
    assertThrows(CheckpointException.class,
        () -> Checkpoint.read(storage, storage.resolve(uri, "epoch-9.ckpt")));
  }

  @Test
  void localPathsAndFileUrisUseJavaNioOthersHadoop() {
    assertTrue(CheckpointStorages.forLocation("/tmp/x") instanceof
        io.batchwise.nn.checkpoint.LocalCheckpointStorage);
    assertTrue(CheckpointStorages.forLocation("runs/a/checkpoints") instanceof
        io.batchwise.nn.checkpoint.LocalCheckpointStorage);
    assertTrue(CheckpointStorages.forLocation("file:///tmp/x") instanceof
        io.batchwise.nn.checkpoint.LocalCheckpointStorage);
    assertTrue(CheckpointStorages.forLocation("hdfs://namenode:8020/ckpt") instanceof HadoopCheckpointStorage);
    assertTrue(CheckpointStorages.forLocation("s3a://bucket/ckpt") instanceof HadoopCheckpointStorage);
  }
}
