package io.batchwise.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 in its binary distribution ({@code cifar-10-batches-bin}): files of records of 3073
 * bytes, one label byte (0..9) then 3072 pixel bytes, the 1024 red, then green, then blue values of a
 * 32×32 image in row-major order. That is already CHW, so samples load as NCHW without reordering.
 *
 * <p>Validation, each a {@link CorruptDataException} naming the file: an empty file, a length that is
 * not a multiple of 3073 (a truncated record or trailing bytes), a label outside 0..9.
 *
 * <p>Normalization uses the usual per-channel training-set mean (0.4914, 0.4822, 0.4465) and
 * standard deviation (0.2470, 0.2435, 0.2616) of {@code byte/255}.
 */
public final class Cifar10Binary {
  public static final int RECORD = 1 + 3 * 32 * 32;
  public static final int CLASSES = 10;
  static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
  static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

  private Cifar10Binary() {}

  /** Reads and concatenates the given batch files into one data set. */
  public static ByteImageDataset read(String name, List<Path> files) throws IOException {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no CIFAR-10 batch files given");
    }
    List<byte[]> contents = new ArrayList<>();
    long records = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new MissingDataException("CIFAR-10 batch file " + f + " is missing");
      }
      byte[] b = Files.readAllBytes(f);
      if (b.length == 0) {
        throw new CorruptDataException(f, "empty file, expected records of " + RECORD + " bytes");
      }
      if (b.length % RECORD != 0) {
        throw new CorruptDataException(f, "length " + b.length + " is not a multiple of the "
            + RECORD + "-byte record: " + (b.length / RECORD) + " whole records and "
            + (b.length % RECORD) + " bytes left over (truncated or trailing garbage)");
      }
      for (int r = 0; r < b.length / RECORD; r++) {
        int label = b[r * RECORD] & 0xff;
        if (label >= CLASSES) {
          throw new CorruptDataException(f, "label " + label + " of record " + r + " outside 0..9");
        }
      }
      contents.add(b);
      records += b.length / RECORD;
    }
    if (records * (RECORD - 1) > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("too many CIFAR-10 records: " + records);
    }
    int n = (int) records;
    byte[] pixels = new byte[n * (RECORD - 1)];
    byte[] labels = new byte[n];
    int i = 0;
    for (byte[] b : contents) {
      for (int r = 0; r < b.length / RECORD; r++, i++) {
        labels[i] = b[r * RECORD];
        System.arraycopy(b, r * RECORD + 1, pixels, i * (RECORD - 1), RECORD - 1);
      }
    }
    return new ByteImageDataset(name, n, new int[] {3, 32, 32}, CLASSES, pixels, labels, MEAN, STD);
  }

  /**
   * Loads the standard split from {@code dir} (or its {@code cifar-10-batches-bin} subdirectory):
   * {@code data_batch_1..5.bin} for training, {@code test_batch.bin} for testing.
   */
  public static TrainTestSplit load(Path dir) throws IOException {
    Path d = dir;
    if (!Files.isRegularFile(d.resolve("test_batch.bin"))
        && Files.isDirectory(d.resolve("cifar-10-batches-bin"))) {
      d = d.resolve("cifar-10-batches-bin");
    }
    if (!Files.isDirectory(d)) {
      throw new MissingDataException("CIFAR-10 directory " + dir + " does not exist");
    }
    List<Path> train = new ArrayList<>();
    for (int k = 1; k <= 5; k++) {
      train.add(d.resolve("data_batch_" + k + ".bin"));
    }
    return new TrainTestSplit(read("cifar10/train", train),
        read("cifar10/test", List.of(d.resolve("test_batch.bin"))));
  }
}
