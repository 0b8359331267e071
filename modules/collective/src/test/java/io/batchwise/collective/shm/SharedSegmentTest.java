package io.batchwise.collective.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segment file: creation, its header checks, and what is refused. */
class SharedSegmentTest {
  @TempDir
  Path dir;

  @Test
  void createdOwnerOnlyWrittenInFullAndOpenedByTheSameToken() throws IOException {
    SharedSegment a = SharedSegment.create(dir, 3, 4096, 42L);
    Path file = dir.resolve(SharedSegment.fileName(42L));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(SharedSegment.bytes(3, 4096), Files.size(file));
    SharedSegment b = SharedSegment.open(dir, 3, 42L);
    assertEquals(4096, b.slotBytes(), "the slot size comes from the header");
    // What one rank publishes, the other sees.
    a.setArrived(1, 7);
    a.setCpus(2, 0b10);
    assertEquals(7, b.arrived(1));
    assertEquals(0b10, b.cpus(2));
    a.unlink();
    assertFalse(Files.exists(file));
    assertEquals(7, b.arrived(1), "the mapping outlives the file");
    assertTrue(a.unmap() && b.unmap());
  }

  @Test
  void refusesAnotherTokenAnotherGroupSizeGarbageAndAnExistingFile() throws IOException {
    SharedSegment a = SharedSegment.create(dir, 2, 1024, 5L);
    assertThrows(IOException.class, () -> SharedSegment.open(dir, 2, 6L), "no such file");
    assertThrows(IOException.class, () -> SharedSegment.open(dir, 3, 5L), "other rank count");
    assertThrows(IOException.class, () -> SharedSegment.create(dir, 2, 1024, 5L), "exists");
    Path junk = dir.resolve(SharedSegment.fileName(9L));
    Files.write(junk, new byte[8192]);
    IOException e = assertThrows(IOException.class, () -> SharedSegment.open(dir, 2, 9L));
    assertTrue(e.getMessage().contains("not the segment of this group"), e.getMessage());
    Files.write(junk, new byte[10]);
    assertThrows(IOException.class, () -> SharedSegment.open(dir, 2, 9L), "too short");
    a.unlink();
  }

  @Test
  void refusesLayoutsItCannotMapAndMissingDirectories() {
    assertThrows(IllegalArgumentException.class, () -> SharedSegment.create(dir, 0, 1024, 1L));
    assertThrows(IllegalArgumentException.class, () -> SharedSegment.create(dir, 2, 100, 1L));
    assertThrows(IllegalArgumentException.class,
        () -> SharedSegment.create(dir, 64, 256 << 20, 1L));
    assertThrows(IOException.class,
        () -> SharedSegment.create(dir.resolve("missing"), 2, 1024, 1L));
  }
}
