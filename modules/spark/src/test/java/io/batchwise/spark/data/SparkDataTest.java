package io.batchwise.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.MissingDataException;
import io.batchwise.data.TrainTestSplit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables as training data on a real local SparkSession: Parquet files written by Spark to a temp
 * folder, read back through {@link SparkData}; labels and pixels round-trip, bad schemas and bad
 * rows fail with messages that name the column and the row.
 */
class SparkDataTest {
  private static SparkSession spark;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("batchwise-spark-data-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static StructType schema(DataType image, DataType label) {
    return new StructType().add("px", image, true).add("y", label, true);
  }

  private static String writeParquet(String name, List<Row> rows, StructType schema) {
    String path = tmp.resolve(name).toString();
    // One partition: the file keeps the rows in the order written.
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    return path;
  }

  /** Sample i of a 3x2x2 HWC byte table: pixel p, channel c holds (i*12 + p*3 + c) mod 256. */
  private static byte[] hwcImage(int i) {
    byte[] b = new byte[12];
    for (int p = 0; p < 4; p++) {
      for (int c = 0; c < 3; c++) {
        b[p * 3 + c] = (byte) (i * 12 + p * 3 + c + 100);
      }
    }
    return b;
  }

  @Test
  void binaryHwcImagesRoundTripThroughParquetAsChwBytes() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      rows.add(RowFactory.create(hwcImage(i), i % 5));
    }
    String path = writeParquet("bytes", rows, schema(DataTypes.BinaryType, DataTypes.IntegerType));

    ImageSplit split = SparkData.load(spark,
        "parquet:" + path + "?image=px&label=y&shape=3x2x2&test-every=4");
    ImageTable train = split.train();
    ImageTable test = split.test();
    assertEquals(9, train.size());
    assertEquals(3, test.size(), "rows 3, 7 and 11 are held out");
    assertEquals(5, train.numClasses(), "labels 0..4: 5 classes inferred");
    assertArrayEquals(new int[] {3, 2, 2}, train.sampleShape());
    assertTrue(train.bytePixels());
    // Held-out rows 3, 7, 11; train rows 0,1,2,4,5,6,8,9,10.
    int[] trainRows = {0, 1, 2, 4, 5, 6, 8, 9, 10};
    for (int k = 0; k < trainRows.length; k++) {
      int i = trainRows[k];
      assertEquals(i % 5, train.label(k));
      byte[] hwc = hwcImage(i);
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 4; p++) {
          assertEquals(hwc[p * 3 + c] & 0xFF, train.rawByte(k, c * 4 + p),
              "sample " + k + " channel " + c + " pixel " + p + " in CHW order");
        }
      }
    }
    assertEquals(7 % 5, test.label(1));

    // Normalization: per-channel mean/std of the training bytes / 255, shared with the test set.
    float[] mean = train.mean();
    float[] std = train.std();
    assertArrayEquals(mean, test.mean());
    assertArrayEquals(std, test.std());
    float[] x = train.images(new int[] {0});
    for (int c = 0; c < 3; c++) {
      double sum = 0;
      int n = 0;
      for (int k = 0; k < 9; k++) {
        for (int p = 0; p < 4; p++) {
          sum += train.rawByte(k, c * 4 + p) / 255.0;
          n++;
        }
      }
      assertEquals(sum / n, mean[c], 1e-6, "channel " + c + " mean");
      assertEquals((train.rawByte(0, c * 4) / 255f - mean[c]) / std[c], x[c * 4], 1e-6);
    }
    // Normalized training pixels have mean 0 and variance 1 per channel.
    float[] all = train.images(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8});
    double s = 0;
    double sq = 0;
    for (int k = 0; k < 9; k++) {
      for (int p = 0; p < 4; p++) {
        double v = all[k * 12 + p];
        s += v;
        sq += v * v;
      }
    }
    assertEquals(0, s / 36, 1e-5);
    assertEquals(1, sq / 36, 1e-4);
  }

  @Test
  void floatArraysWithATestTableRoundTripExactlyAndSurviveABroadcast() throws Exception {
    StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType))
        .add("label", DataTypes.LongType);
    List<Row> trainRows = new ArrayList<>();
    List<Row> testRows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Float[] img = new Float[16];
      for (int j = 0; j < 16; j++) {
        img[j] = i + j / 16f - 0.5f;
      }
      (i < 7 ? trainRows : testRows).add(RowFactory.create(Arrays.asList(img), (long) (i % 3)));
    }
    String train = writeParquet("floats-train", trainRows, schema);
    String test = writeParquet("floats-test", testRows, schema);

    // Through the SparkContext, as the job's driver holds it.
    ImageSplit split = SparkData.load(spark.sparkContext(), "parquet:" + train + "?test=" + test);
    assertEquals(7, split.train().size());
    assertEquals(3, split.test().size());
    assertArrayEquals(new int[] {1, 4, 4}, split.train().sampleShape(), "16 values: 1x4x4");
    assertFalse(split.train().bytePixels());
    assertEquals(3, split.train().numClasses());
    float[] t1 = split.test().images(new int[] {1});
    for (int j = 0; j < 16; j++) {
      assertEquals(8 + j / 16f - 0.5f, t1[j], 0f, "floats are used exactly as stored");
    }
    assertEquals(8 % 3, split.test().label(1));

    // Java serialization (what a broadcast to a remote executor does), then a real broadcast
    // read inside Spark tasks.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(split);
    }
    ImageSplit back;
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (ImageSplit) in.readObject();
    }
    assertArrayEquals(split.train().images(new int[] {6, 0}), back.train().images(new int[] {6, 0}));

    Broadcast<ImageSplit> b = SparkData.broadcast(spark, split);
    List<Integer> sizes = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(List.of(0, 1), 2)
        .map(i -> {
          TrainTestSplit d = b.value().toTrainTestSplit();
          return d.train().size() * 100 + d.test().label(i);
        }).collect();
    assertEquals(List.of(701, 702), sizes, "test rows 7 and 8 have labels 1 and 2");
  }

  @Test
  void doubleArraysAndAProgrammaticDataFrame() {
    StructType schema = new StructType()
        .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType))
        .add("cls", DataTypes.ShortType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(RowFactory.create(Arrays.asList(0.25 * i, 1.0, 2.0, 3.0, 4.0, 5.0), (short) (i % 2)));
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    TableOptions o = TableOptions.DEFAULTS.withImageColumn("pixels").withLabelColumn("cls")
        .withShape(1, 2, 3).withTestEvery(3).withNumClasses(4);
    ImageSplit split = SparkData.fromDataFrame(df, o, "in-memory");
    assertEquals(4, split.train().size());
    assertEquals(2, split.test().size());
    assertEquals(4, split.train().numClasses(), "classes=4 as given");
    assertEquals(0.25f * 5, split.test().images(new int[] {1})[0], 0f, "row 5 is the 2nd test row");
  }

  @Test
  void wrongSchemasFailWithTheColumnAndTheProblem() {
    Dataset<Row> strings = spark.createDataFrame(List.of(RowFactory.create("abc", 1)),
        schema(DataTypes.StringType, DataTypes.IntegerType));
    TableOptions o = TableOptions.DEFAULTS.withImageColumn("px").withLabelColumn("y");
    TableSchemaException e = assertThrows(TableSchemaException.class,
        () -> SparkData.read(strings, o, "t"));
    assertEquals("t: image column 'px' has type string; it must be binary (C*H*W unsigned bytes),"
        + " array<float> or array<double>", e.getMessage());

    Dataset<Row> doubleLabels = spark.createDataFrame(
        List.of(RowFactory.create(new byte[] {1, 2, 3, 4}, 1.5)),
        schema(DataTypes.BinaryType, DataTypes.DoubleType));
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(doubleLabels, o, "t"));
    assertTrue(e.getMessage().startsWith("t: label column 'y' has type double; it must be an "
        + "integer type"), e.getMessage());

    e = assertThrows(TableSchemaException.class,
        () -> SparkData.read(doubleLabels, TableOptions.DEFAULTS, "t"));
    assertEquals("t: no column 'image' (the image column); the table has [px, y]; choose one with"
        + " image=<column>", e.getMessage());
  }

  @Test
  void badRowsFailWithTheRow() {
    TableOptions o = TableOptions.DEFAULTS.withImageColumn("px").withLabelColumn("y");
    StructType bin = schema(DataTypes.BinaryType, DataTypes.IntegerType);
    Dataset<Row> shortRow = spark.createDataFrame(List.of(
        RowFactory.create(new byte[] {1, 2, 3, 4}, 0),
        RowFactory.create(new byte[] {1, 2, 3}, 1)), bin).coalesce(1);
    TableSchemaException e = assertThrows(TableSchemaException.class,
        () -> SparkData.read(shortRow, o, "t"));
    assertEquals("t, row 1: image column 'px' has 3 values; shape 1x2x2 needs 4", e.getMessage());

    Dataset<Row> negative = spark.createDataFrame(List.of(
        RowFactory.create(new byte[] {1, 2, 3, 4}, -2)), bin);
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(negative, o, "t"));
    assertEquals("t, row 0: label -2 in column 'y' is not a class id (must be >= 0)",
        e.getMessage());

    Dataset<Row> nullLabel = spark.createDataFrame(List.of(
        RowFactory.create(new byte[] {1, 2, 3, 4}, null)), bin);
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(nullLabel, o, "t"));
    assertEquals("t, row 0: label column 'y' is null", e.getMessage());

    StructType floats = schema(DataTypes.createArrayType(DataTypes.FloatType),
        DataTypes.IntegerType);
    Dataset<Row> nan = spark.createDataFrame(List.of(
        RowFactory.create(Arrays.asList(1f, Float.NaN, 0f, 0f), 1)), floats);
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(nan, o, "t"));
    assertEquals("t, row 0: element 1 of image column 'px' is NaN (pixels must be finite)",
        e.getMessage());

    Dataset<Row> odd = spark.createDataFrame(List.of(
        RowFactory.create(Arrays.asList(1f, 2f, 3f, 4f, 5f), 1)), floats);
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(odd, o, "t"));
    assertTrue(e.getMessage().contains("cannot infer the sample shape from 5 values"),
        e.getMessage());

    Dataset<Row> tooBig = spark.createDataFrame(List.of(
        RowFactory.create(new byte[] {1, 2, 3, 4}, 7)), bin);
    e = assertThrows(TableSchemaException.class,
        () -> SparkData.read(tooBig, o.withNumClasses(5), "t"));
    assertEquals("t, row 0: label 7 in column 'y' is not below classes=5", e.getMessage());

    Dataset<Row> empty = spark.createDataFrame(List.of(), bin);
    e = assertThrows(TableSchemaException.class, () -> SparkData.read(empty, o, "t"));
    assertEquals("t: the table has no rows", e.getMessage());
  }

  @Test
  void badSpecsAndMissingPaths() {
    MissingDataException m = assertThrows(MissingDataException.class,
        () -> SparkData.load(spark, "parquet:" + tmp.resolve("nothing-here")));
    assertTrue(m.getMessage().startsWith("no Parquet data at "), m.getMessage());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TableSpec.parse("parquet:/x?imag=px"));
    assertEquals("data spec 'parquet:/x?imag=px': unknown option 'imag'; valid: image, label, "
        + "shape, layout, classes, test, test-every", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TableSpec.parse("parquet:?label=y"));
    assertEquals("data spec 'parquet:?label=y' names no path after 'parquet:'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TableSpec.parse("parquet:/x?shape=28"));
    assertEquals("data spec 'parquet:/x?shape=28': shape '28' is not CxHxW (e.g. 1x28x28)",
        e.getMessage());

    TableSpec s = TableSpec.parse("table:db.fmnist?label=y&classes=10&test=db.fmnist_test");
    assertEquals(TableSpec.TABLE, s.kind());
    assertEquals("db.fmnist", s.train());
    assertEquals("db.fmnist_test", s.test());
    assertEquals(10, s.options().numClasses());
    assertFalse(TableSpec.isTableSpec("fashion-mnist"));
  }
}
