package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir Path dir;

  @Test
  void missingDirectorySaysHowToInstall() {
    Path missing = dir.resolve("absent");
    MissingDataException e = assertThrows(MissingDataException.class, () -> FashionMnist.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()));
    assertTrue(e.getMessage().contains("./batchwise setup"));
    assertTrue(e.getMessage().contains("dataset-fashion-mnist"));
  }

  @Test
  void missingFileSaysWhichAndHowToInstall() throws IOException {
    Files.write(dir.resolve(FashionMnist.TRAIN_IMAGES), new byte[0]);
    MissingDataException e = assertThrows(MissingDataException.class, () -> FashionMnist.load(dir));
    assertTrue(e.getMessage().contains(FashionMnist.TRAIN_LABELS), e.getMessage());
    assertTrue(e.getMessage().contains("dataset-fashion-mnist"));
  }

  @Test
  void loadsSmallFilesInTheSameLayout() throws IOException {
    // Raw files under the un-gzipped names are accepted too.
    byte[] px = IdxReaderTest.pixels(2 * 28 * 28);
    Files.write(dir.resolve("train-images-idx3-ubyte"), IdxReaderTest.idx(8, new int[] {2, 28, 28}, px));
    Files.write(dir.resolve(FashionMnist.TRAIN_LABELS),
        IdxReaderTest.gzip(IdxReaderTest.idx(8, new int[] {2}, new byte[] {9, 3})));
    Files.write(dir.resolve(FashionMnist.TEST_IMAGES),
        IdxReaderTest.gzip(IdxReaderTest.idx(8, new int[] {1, 28, 28}, IdxReaderTest.pixels(784))));
    Files.write(dir.resolve(FashionMnist.TEST_LABELS), IdxReaderTest.idx(8, new int[] {1}, new byte[] {4}));
    TrainTestSplit s = FashionMnist.load(dir);
    assertEquals(2, s.train().size());
    assertEquals(1, s.test().size());
    assertEquals(9, s.train().label(0));
    assertEquals(4, s.test().label(0));
    assertEquals("fashion-mnist/train", s.train().name());
    float[] x = s.train().images(new int[] {1});
    assertEquals(((px[784] & 0xff) / 255f - FashionMnist.MEAN) / FashionMnist.STD, x[0], 1e-6f);
  }

  /** Runs where the Debian package dataset-fashion-mnist is installed. */
  @Test
  void realFashionMnist() throws IOException {
    Assumptions.assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "Fashion-MNIST not installed");
    TrainTestSplit s = FashionMnist.load();
    assertEquals(60000, s.train().size());
    assertEquals(10000, s.test().size());
    assertArrayEquals(new int[] {1, 28, 28}, s.train().sampleShape());
    int[] counts = new int[10];
    for (int i = 0; i < s.train().size(); i++) {
      counts[s.train().label(i)]++;
    }
    for (int c = 0; c < 10; c++) {
      assertEquals(6000, counts[c], "Fashion-MNIST has 6000 training images per class");
    }
    int[] testCounts = new int[10];
    for (int i = 0; i < s.test().size(); i++) {
      testCounts[s.test().label(i)]++;
    }
    for (int c = 0; c < 10; c++) {
      assertEquals(1000, testCounts[c]);
    }
    // The normalization constants are the training set's statistics: normalized pixels have mean 0
    // and standard deviation 1 (up to the 4-digit rounding of the constants).
    ByteImageDataset raw = IdxReader.readPair(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_IMAGES),
        FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_LABELS), 10, new float[] {0}, new float[] {1});
    double sum = 0;
    double sumSq = 0;
    long n = 0;
    for (int i = 0; i < raw.size(); i++) {
      for (int p = 0; p < 784; p++) {
        double v = raw.rawPixel(i, p) / 255.0;
        sum += v;
        sumSq += v * v;
        n++;
      }
    }
    double mean = sum / n;
    double std = Math.sqrt(sumSq / n - mean * mean);
    assertEquals(0.286041, mean, 1e-5);
    assertEquals(0.353024, std, 1e-5);
    assertEquals(FashionMnist.MEAN, mean, 5e-5);
    assertEquals(FashionMnist.STD, std, 5e-5);
  }
}
