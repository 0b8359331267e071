package io.batchwise.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 60000 training and 10000 test images of 28×28
 * grey levels in 10 classes, read from the four IDX files.
 *
 * <p>Normalization: {@code x = (byte/255 − 0.2860) / 0.3530}. These are the mean and the (biased,
 * population) standard deviation of {@code byte/255} over all 47,040,000 pixels of the training
 * set, computed from {@code train-images-idx3-ubyte.gz}: mean 0.28604060, std 0.35302424
 * ({@code FashionMnistTest} recomputes them when the data set is installed). The test set uses the
 * training statistics, as it must.
 */
public final class FashionMnist {
  /** The Debian package {@code dataset-fashion-mnist} installs the files here. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final float MEAN = 0.2860f;
  public static final float STD = 0.3530f;
  public static final int CLASSES = 10;

  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

  private FashionMnist() {}

  /**
   * Loads both splits from {@code dir}. Each file may be gzipped or raw whatever its name; where a
   * {@code .gz} name is missing, the same name without {@code .gz} is tried.
   *
   * @throws MissingDataException if the directory or a file is absent, with a message saying how to
   *     install the data set
   * @throws CorruptDataException if a file is malformed
   */
  public static TrainTestSplit load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new MissingDataException("Fashion-MNIST directory " + dir + " does not exist. "
          + installHint());
    }
    Dataset train = loadSplit(dir, "fashion-mnist/train", TRAIN_IMAGES, TRAIN_LABELS);
    Dataset test = loadSplit(dir, "fashion-mnist/test", TEST_IMAGES, TEST_LABELS);
    return new TrainTestSplit(train, test);
  }

  /** Loads from {@link #DEFAULT_DIR}. */
  public static TrainTestSplit load() throws IOException {
    return load(DEFAULT_DIR);
  }

  private static Dataset loadSplit(Path dir, String name, String images, String labels)
      throws IOException {
    ByteImageDataset d = IdxReader.readPair(find(dir, images), find(dir, labels), CLASSES,
        new float[] {MEAN}, new float[] {STD});
    if (d.sampleShape()[1] != 28 || d.sampleShape()[2] != 28) {
      throw new CorruptDataException(dir.resolve(images), "Fashion-MNIST images must be 28×28, found "
          + d.sampleShape()[1] + "×" + d.sampleShape()[2]);
    }
    return new Named(name, d);
  }

  private static Path find(Path dir, String gzName) throws MissingDataException {
    Path p = dir.resolve(gzName);
    if (Files.isRegularFile(p)) {
      return p;
    }
    Path raw = dir.resolve(gzName.substring(0, gzName.length() - 3));
    if (Files.isRegularFile(raw)) {
      return raw;
    }
    throw new MissingDataException("Fashion-MNIST file " + p + " is missing. " + installHint());
  }

  /** What to tell a user whose machine lacks the data set. */
  public static String installHint() {
    return "Run ./batchwise setup, which installs the Debian package dataset-fashion-mnist "
        + "(or: sudo apt-get install dataset-fashion-mnist), or pass --data-dir DIR with the four "
        + "IDX files.";
  }

  /** A data set under another name (the split name instead of the file name). */
  private record Named(String name, Dataset d) implements Dataset {
    @Override
    public int size() {
      return d.size();
    }

    @Override
    public int[] sampleShape() {
      return d.sampleShape();
    }

    @Override
    public int numClasses() {
      return d.numClasses();
    }

    @Override
    public int label(int index) {
      return d.label(index);
    }

    @Override
    public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
      d.copyImages(indices, from, count, dst, dstOffset);
    }
  }
}
