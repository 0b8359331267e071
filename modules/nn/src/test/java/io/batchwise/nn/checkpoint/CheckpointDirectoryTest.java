package io.batchwise.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirectoryTest {
  @TempDir
  Path dir;

  private final CheckpointStorage storage = new LocalCheckpointStorage();

  private static Checkpoint checkpoint(long epoch) {
    SavedTensor w = new SavedTensor("w", DType.FLOAT, new int[] {2}, new float[] {epoch, -epoch}, null);
    return Checkpoint.of(Map.of("seed", "1"), epoch, epoch * 100, List.of(w), List.of(), List.of());
  }

  @Test
  void newestIsByEpochNumberNotByName() throws Exception {
    CheckpointDirectory d = new CheckpointDirectory(storage, dir.toString());
    for (long e : new long[] {1, 2, 10, 9}) {
      assertEquals(dir.resolve("epoch-" + e + ".ckpt").toString(), d.write(checkpoint(e)));
    }
    Files.writeString(dir.resolve("notes.txt"), "not a checkpoint");
    Files.writeString(dir.resolve(".epoch-11.ckpt.abcd.tmp"), "a write in progress");
    assertEquals(List.of(10L, 9L, 2L, 1L), d.epochs());
    CheckpointDirectory.Found found = d.newestValid().orElseThrow();
    assertEquals(10, found.checkpoint().epoch());
    assertEquals(1000, found.checkpoint().globalStep());
    assertEquals(List.of(), found.skipped());
  }

  @Test
  void corruptAndTruncatedCheckpointsAreSkipped() throws Exception {
    CheckpointDirectory d = new CheckpointDirectory(storage, dir.toString());
    for (long e = 1; e <= 4; e++) {
      d.write(checkpoint(e));
    }
    Path four = dir.resolve("epoch-4.ckpt");
    byte[] b = Files.readAllBytes(four);
    b[b.length / 2] ^= 1;
    Files.write(four, b);
    Path three = dir.resolve("epoch-3.ckpt");
    Files.write(three, Arrays.copyOf(Files.readAllBytes(three), 30));

    CheckpointDirectory.Found found = d.newestValid().orElseThrow();
    assertEquals(2, found.checkpoint().epoch());
    assertEquals(dir.resolve("epoch-2.ckpt").toString(), found.checkpoint().location());
    assertEquals(2, found.skipped().size());
    assertEquals("checkpoint " + four + " is corrupt: checksum mismatch",
        found.skipped().get(0).getMessage().substring(0, ("checkpoint " + four + " is corrupt: checksum mismatch").length()));
    assertEquals(CheckpointException.Problem.TRUNCATED, found.skipped().get(1).problem());
    assertTrue(found.skipped().get(1).getMessage().contains(three.toString()));
  }

  @Test
  void nothingValidMeansEmpty() throws Exception {
    assertEquals(Optional.empty(), new CheckpointDirectory(storage, dir.resolve("none").toString()).newestValid());
    Files.writeString(dir.resolve("epoch-1.ckpt"), "garbage");
    assertEquals(Optional.empty(), new CheckpointDirectory(storage, dir.toString()).newestValid());
  }
}
