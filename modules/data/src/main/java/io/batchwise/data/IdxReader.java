package io.batchwise.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads files in the IDX format of MNIST and Fashion-MNIST, gzipped or raw.
 *
 * <p>Format (all integers big-endian): two zero bytes, a type code (0x08 = unsigned byte, the only
 * one accepted here), the number of dimensions d, then d 32-bit dimension sizes, then the data in
 * row-major order. Image files have d = 3 ({@code [count, rows, cols]}), label files d = 1.
 *
 * <p>Compression is detected from the content (the gzip magic 0x1f 0x8b), not from the file name.
 * Validation, each failure a {@link CorruptDataException} naming the file: wrong magic or type code,
 * wrong dimension count, non-positive sizes, a file shorter than its header promises (truncated), or
 * bytes after the data (trailing garbage). {@link #readPair} also checks that image and label counts
 * agree and that labels lie in {@code 0 .. numClasses-1}.
 */
public final class IdxReader {
  /** Type code of unsigned bytes, the only one MNIST-style files use. */
  public static final int TYPE_UNSIGNED_BYTE = 0x08;

  private IdxReader() {}

  /** An IDX array of unsigned bytes: its dimension sizes and its data. */
  public record IdxArray(Path file, int[] dims, byte[] data) {
    public int count() {
      return dims[0];
    }
  }

  /** Images of one size stored as unsigned bytes, {@code count × rows × cols}. */
  public record IdxImages(Path file, int count, int rows, int cols, byte[] pixels) {}

  /** Reads an IDX file of any dimension count (type must be unsigned byte). */
  public static IdxArray read(Path file, int expectedDims) throws IOException {
    byte[] bytes = readAllDecompressed(file);
    if (bytes.length < 4) {
      throw new CorruptDataException(file, "truncated: " + bytes.length + " bytes, no IDX header");
    }
    if (bytes[0] != 0 || bytes[1] != 0) {
      throw new CorruptDataException(file, String.format(
          "wrong magic: expected 0x0000 at the start of an IDX file, found 0x%02x%02x",
          bytes[0] & 0xff, bytes[1] & 0xff));
    }
    int type = bytes[2] & 0xff;
    if (type != TYPE_UNSIGNED_BYTE) {
      throw new CorruptDataException(file, String.format(
          "wrong type code 0x%02x: only 0x08 (unsigned byte) is supported", type));
    }
    int nd = bytes[3] & 0xff;
    if (nd != expectedDims) {
      throw new CorruptDataException(file,
          "wrong dimension count: expected " + expectedDims + ", found " + nd);
    }
    int header = 4 + 4 * nd;
    if (bytes.length < header) {
      throw new CorruptDataException(file,
          "truncated: header needs " + header + " bytes, file has " + bytes.length);
    }
    int[] dims = new int[nd];
    long expected = 1;
    for (int i = 0; i < nd; i++) {
      int p = 4 + 4 * i;
      dims[i] = ((bytes[p] & 0xff) << 24) | ((bytes[p + 1] & 0xff) << 16)
          | ((bytes[p + 2] & 0xff) << 8) | (bytes[p + 3] & 0xff);
      if (dims[i] <= 0) {
        throw new CorruptDataException(file, "dimension " + i + " has non-positive size " + dims[i]);
      }
      expected *= dims[i];
    }
    long actual = bytes.length - (long) header;
    if (actual < expected) {
      throw new CorruptDataException(file, "truncated: dimensions " + Arrays.toString(dims)
          + " need " + expected + " data bytes, file has " + actual);
    }
    if (actual > expected) {
      throw new CorruptDataException(file, "trailing garbage: " + (actual - expected)
          + " bytes after the " + expected + " data bytes of dimensions " + Arrays.toString(dims));
    }
    return new IdxArray(file, dims, Arrays.copyOfRange(bytes, header, bytes.length));
  }

  /** Reads an image file ({@code [count, rows, cols]}). */
  public static IdxImages readImages(Path file) throws IOException {
    IdxArray a = read(file, 3);
    return new IdxImages(file, a.dims()[0], a.dims()[1], a.dims()[2], a.data());
  }

  /** Reads a label file ({@code [count]}). */
  public static byte[] readLabels(Path file) throws IOException {
    return read(file, 1).data();
  }

  /**
   * Reads an image file and its label file into a data set, checking that the counts agree and
   * that every label lies in {@code 0 .. numClasses-1}.
   */
  public static ByteImageDataset readPair(Path images, Path labels, int numClasses,
      float[] mean, float[] std) throws IOException {
    IdxImages im = readImages(images);
    byte[] lb = readLabels(labels);
    if (im.count() != lb.length) {
      throw new CorruptDataException(labels, "image/label count mismatch: " + lb.length
          + " labels for " + im.count() + " images in " + images);
    }
    for (int i = 0; i < lb.length; i++) {
      int c = lb[i] & 0xff;
      if (c >= numClasses) {
        throw new CorruptDataException(labels,
            "label " + c + " at index " + i + " outside 0.." + (numClasses - 1));
      }
    }
    return new ByteImageDataset(images.getFileName().toString(), im.count(),
        new int[] {1, im.rows(), im.cols()}, numClasses, im.pixels(), lb, mean, std);
  }

  /** The file's bytes, gunzipped when they start with the gzip magic 0x1f 0x8b. */
  static byte[] readAllDecompressed(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    boolean gzip;
    try (InputStream in = Files.newInputStream(file)) {
      gzip = in.read() == 0x1f && in.read() == 0x8b;
    }
    if (!gzip) {
      return Files.readAllBytes(file);
    }
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file)), 1 << 16)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Files.size(file) * 4, 1 << 28));
      in.transferTo(out);
      return out.toByteArray();
    } catch (java.io.EOFException e) {
      throw new CorruptDataException(file, "truncated gzip stream (" + e.getMessage() + ")");
    } catch (ZipException e) {
      throw new CorruptDataException(file, "corrupt gzip stream: " + e.getMessage());
    }
  }
}
