package io.batchwise.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCheckpointStorageTest {
  @TempDir
  Path dir;

  private final LocalCheckpointStorage storage = new LocalCheckpointStorage();

  private List<String> allNames() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void nothingPartialIsVisibleUnderTheFinalNameWhileWriting() throws Exception {
    Path target = dir.resolve("epoch-1.ckpt");
    storage.writeAtomically(target.toString(), out -> out.write("old".getBytes(StandardCharsets.UTF_8)));
    storage.writeAtomically(target.toString(), out -> {
      out.write(new byte[100_000]);
      out.flush();
      // Mid-write: the final name still holds the complete old file, the new bytes sit in a
      // hidden temporary file that list() does not report.
      assertEquals("old", Files.readString(target));
      List<String> names = allNames();
      assertEquals(2, names.size(), names.toString());
      assertTrue(names.get(0).startsWith(".epoch-1.ckpt.") && names.get(0).endsWith(".tmp"), names.toString());
      assertEquals(List.of("epoch-1.ckpt"), storage.list(dir.toString()));
      out.write(new byte[] {7});
    });
    byte[] written = Files.readAllBytes(target);
    assertEquals(100_001, written.length);
    assertEquals(7, written[100_000]);
    assertEquals(List.of("epoch-1.ckpt"), allNames(), "temporary file gone after the rename");
  }

  @Test
  void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws Exception {
    Path target = dir.resolve("epoch-1.ckpt");
    storage.writeAtomically(target.toString(), out -> out.write(new byte[] {1, 2, 3}));
    IOException e = assertThrows(IOException.class, () -> storage.writeAtomically(target.toString(), out -> {
      out.write(new byte[50_000]);
      throw new IOException("disk full (simulated by the body writer)");
    }));
    assertEquals("disk full (simulated by the body writer)", e.getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertEquals(List.of("epoch-1.ckpt"), allNames());

    Path fresh = dir.resolve("sub/epoch-2.ckpt");
    assertThrows(IllegalStateException.class, () -> storage.writeAtomically(fresh.toString(), out -> {
      throw new IllegalStateException("serializer bug");
    }));
    assertFalse(Files.exists(fresh));
    try (Stream<Path> s = Files.list(dir.resolve("sub"))) {
      assertEquals(0, s.count(), "no temporary file left in the new directory");
    }
  }

  @Test
  void readListAndResolve() throws Exception {
    assertEquals(List.of(), storage.list(dir.resolve("missing").toString()));
    String loc = storage.resolve(dir.toString(), "b.ckpt");
    storage.writeAtomically(loc, out -> out.write(42));
    storage.writeAtomically(storage.resolve(dir.toString(), "a.ckpt"), out -> out.write(43));
    Files.createDirectory(dir.resolve("c.ckpt"));
    Files.writeString(dir.resolve(".d.ckpt.0123.tmp"), "left by a crash");
    assertEquals(List.of("a.ckpt", "b.ckpt"), storage.list(dir.toString()));
    assertArrayEquals(new byte[] {42}, storage.readAll(loc));
    assertArrayEquals(new byte[] {42}, storage.readAll(dir.resolve("b.ckpt").toUri().toString()));
    assertThrows(NoSuchFileException.class, () -> storage.readAll(dir.resolve("zzz").toString()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> storage.readAll("hdfs://namenode/ckpt/epoch-1.ckpt"));
    assertTrue(e.getMessage().contains("names a remote file system"), e.getMessage());
  }
}
