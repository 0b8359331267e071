package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
  @TempDir Path dir;

  /** An IDX file: magic (type, dims), dimension sizes, data. */
  static byte[] idx(int type, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(data);
    return b.array();
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(raw);
    }
    return out.toByteArray();
  }

  static byte[] pixels(int n) {
    byte[] p = new byte[n];
    for (int i = 0; i < n; i++) {
      p[i] = (byte) (i * 37 + 5);
    }
    return p;
  }

  private Path write(String name, byte[] content, boolean gz) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, gz ? gzip(content) : content);
    return p;
  }

  private CorruptDataException corrupt(Path file, int dims) {
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.read(file, dims));
    assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
    assertEquals(file, e.file());
    return e;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readsImagesAndLabels(boolean gz) throws IOException {
    byte[] px = pixels(3 * 4 * 5);
    // The name says nothing about compression: detection goes by content.
    Path images = write("images.bin", idx(8, new int[] {3, 4, 5}, px), gz);
    Path labels = write("labels.bin", idx(8, new int[] {3}, new byte[] {2, 0, 1}), gz);
    IdxReader.IdxImages im = IdxReader.readImages(images);
    assertEquals(3, im.count());
    assertEquals(4, im.rows());
    assertEquals(5, im.cols());
    assertArrayEquals(px, im.pixels());
    assertArrayEquals(new byte[] {2, 0, 1}, IdxReader.readLabels(labels));

    ByteImageDataset d = IdxReader.readPair(images, labels, 3, new float[] {0.5f}, new float[] {0.25f});
    assertEquals(3, d.size());
    assertArrayEquals(new int[] {1, 4, 5}, d.sampleShape());
    float[] x = d.images(new int[] {2, 0});
    assertEquals(2 * 20, x.length);
    // Sample 2 comes first; values are (byte/255 − 0.5)/0.25.
    for (int i = 0; i < 20; i++) {
      assertEquals(((px[40 + i] & 0xff) / 255f - 0.5f) / 0.25f, x[i], 1e-6f);
      assertEquals(((px[i] & 0xff) / 255f - 0.5f) / 0.25f, x[20 + i], 1e-6f);
    }
    assertArrayEquals(new float[] {1, 2}, d.labels(new int[] {2, 0}));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void wrongMagic(boolean gz) throws IOException {
    byte[] f = idx(8, new int[] {2}, new byte[] {0, 1});
    f[1] = 7;
    assertTrue(corrupt(write("m", f, gz), 1).getMessage().contains("wrong magic"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void wrongTypeCode(boolean gz) throws IOException {
    Path p = write("t", idx(0x0D, new int[] {2}, new byte[8]), gz);
    assertTrue(corrupt(p, 1).getMessage().contains("wrong type code 0x0d"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void wrongDimensionCount(boolean gz) throws IOException {
    Path p = write("d", idx(8, new int[] {2, 2}, new byte[4]), gz);
    String m = corrupt(p, 3).getMessage();
    assertTrue(m.contains("wrong dimension count: expected 3, found 2"), m);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void truncatedData(boolean gz) throws IOException {
    byte[] f = idx(8, new int[] {2, 3, 3}, pixels(18));
    Path p = write("tr", Arrays.copyOf(f, f.length - 1), gz);
    String m = corrupt(p, 3).getMessage();
    assertTrue(m.contains("truncated") && m.contains("need 18 data bytes, file has 17"), m);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void truncatedHeader(boolean gz) throws IOException {
    byte[] f = idx(8, new int[] {2, 3, 3}, pixels(18));
    Path p = write("th", Arrays.copyOf(f, 9), gz);
    assertTrue(corrupt(p, 3).getMessage().contains("truncated: header needs 16 bytes"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void trailingGarbage(boolean gz) throws IOException {
    byte[] f = idx(8, new int[] {2, 3, 3}, pixels(18));
    Path p = write("g", Arrays.copyOf(f, f.length + 5), gz);
    String m = corrupt(p, 3).getMessage();
    assertTrue(m.contains("trailing garbage: 5 bytes"), m);
  }

  @org.junit.jupiter.api.Test
  void truncatedGzipStream() throws IOException {
    byte[] gz = gzip(idx(8, new int[] {100}, pixels(100)));
    Path p = dir.resolve("cut.gz");
    Files.write(p, Arrays.copyOf(gz, gz.length / 2));
    assertTrue(corrupt(p, 1).getMessage().contains("truncated gzip"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void countMismatch(boolean gz) throws IOException {
    Path images = write("i", idx(8, new int[] {3, 2, 2}, pixels(12)), gz);
    Path labels = write("l", idx(8, new int[] {2}, new byte[] {0, 1}), gz);
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> IdxReader.readPair(images, labels, 10, new float[] {0}, new float[] {1}));
    assertTrue(e.getMessage().contains("image/label count mismatch: 2 labels for 3 images"), e.getMessage());
    assertTrue(e.getMessage().contains(labels.toString()));
  }

  @org.junit.jupiter.api.Test
  void labelOutOfRange() throws IOException {
    Path images = write("i", idx(8, new int[] {2, 2, 2}, pixels(8)), false);
    Path labels = write("l", idx(8, new int[] {2}, new byte[] {0, 10}), false);
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> IdxReader.readPair(images, labels, 10, new float[] {0}, new float[] {1}));
    assertTrue(e.getMessage().contains("label 10 at index 1 outside 0..9"), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void missingFileNamesIt() {
    Path p = dir.resolve("nope");
    IOException e = assertThrows(IOException.class, () -> IdxReader.readLabels(p));
    assertTrue(e.getMessage().contains(p.toString()));
  }
}
