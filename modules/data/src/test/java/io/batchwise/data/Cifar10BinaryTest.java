package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10BinaryTest {
  @TempDir Path dir;

  private static byte[] records(int... labels) {
    byte[] b = new byte[labels.length * Cifar10Binary.RECORD];
    for (int r = 0; r < labels.length; r++) {
      b[r * Cifar10Binary.RECORD] = (byte) labels[r];
      for (int i = 1; i < Cifar10Binary.RECORD; i++) {
        b[r * Cifar10Binary.RECORD + i] = (byte) (r * 31 + i);
      }
    }
    return b;
  }

  @Test
  void readsRecordsAcrossFilesInChwOrder() throws IOException {
    Path a = Files.write(dir.resolve("a.bin"), records(3, 7));
    Path b = Files.write(dir.resolve("b.bin"), records(0));
    ByteImageDataset d = Cifar10Binary.read("c", List.of(a, b));
    assertEquals(3, d.size());
    assertArrayEquals(new int[] {3, 32, 32}, d.sampleShape());
    assertEquals(3, d.label(0));
    assertEquals(7, d.label(1));
    assertEquals(0, d.label(2));
    // Record 1's first green byte is byte 1 + 1024 of the record; channel 1 normalizes with its stats.
    float[] x = d.images(new int[] {1});
    int green = (byte) (31 + 1 + 1024) & 0xff;
    assertEquals((green / 255f - Cifar10Binary.MEAN[1]) / Cifar10Binary.STD[1], x[1024], 1e-6f);
  }

  @Test
  void truncatedRecord() throws IOException {
    byte[] r = records(1, 2);
    Path p = Files.write(dir.resolve("t.bin"), Arrays.copyOf(r, r.length - 10));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10Binary.read("c", List.of(p)));
    assertTrue(e.getMessage().contains(p.toString()));
    assertTrue(e.getMessage().contains("not a multiple of the 3073-byte record"), e.getMessage());
  }

  @Test
  void trailingBytes() throws IOException {
    byte[] r = records(1);
    Path p = Files.write(dir.resolve("g.bin"), Arrays.copyOf(r, r.length + 3));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Cifar10Binary.read("c", List.of(p)));
    assertTrue(e.getMessage().contains("3 bytes left over"), e.getMessage());
  }

  @Test
  void emptyFileAndBadLabel() throws IOException {
    Path empty = Files.write(dir.resolve("e.bin"), new byte[0]);
    assertTrue(assertThrows(CorruptDataException.class, () -> Cifar10Binary.read("c", List.of(empty)))
        .getMessage().contains("empty file"));
    Path bad = Files.write(dir.resolve("l.bin"), records(2, 12));
    assertTrue(assertThrows(CorruptDataException.class, () -> Cifar10Binary.read("c", List.of(bad)))
        .getMessage().contains("label 12 of record 1 outside 0..9"));
  }

  @Test
  void loadsStandardLayoutFromSubdirectory() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
    for (int k = 1; k <= 5; k++) {
      Files.write(sub.resolve("data_batch_" + k + ".bin"), records(k, k - 1));
    }
    Files.write(sub.resolve("test_batch.bin"), records(9));
    TrainTestSplit s = Cifar10Binary.load(dir);
    assertEquals(10, s.train().size());
    assertEquals(1, s.test().size());
    assertEquals(9, s.test().label(0));
    Files.delete(sub.resolve("data_batch_4.bin"));
    MissingDataException e = assertThrows(MissingDataException.class, () -> Cifar10Binary.load(dir));
    assertTrue(e.getMessage().contains("data_batch_4.bin"));
  }
}
