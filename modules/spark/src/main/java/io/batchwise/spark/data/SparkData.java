package io.batchwise.spark.data;

import io.batchwise.data.MissingDataException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads training data from Spark tables on the driver and hands it to the executors.
 *
 * <p>Driver side, for the job:
 * <pre>{@code
 * if (TableSpec.isTableSpec(dataSpec)) {
 *   ImageSplit split = SparkData.load(spark, dataSpec);          // checks schema and rows
 *   Broadcast<ImageSplit> data = SparkData.broadcast(spark, split);
 *   // in each task: TrainTestSplit d = data.value().toTrainTestSplit();
 * }
 * }</pre>
 * or, from code that already has DataFrames, {@link #fromDataFrames} / {@link #fromDataFrame}.
 *
 * <p>Checks, each failing with a {@link TableSchemaException} that names the table, the column
 * and, for a bad value, the row (0-based, in read order): the columns exist; the image column is
 * {@code binary}, {@code array<float>} or {@code array<double>}; the label column is an integer
 * type; no null image, label or array element; every image has {@code C·H·W} values; no NaN or
 * infinite float; labels are {@code >= 0} (and below {@code classes} when given); the table is not
 * empty. A path that does not exist is a {@link MissingDataException}.
 */
public final class SparkData {
  private SparkData() {}

  /**
   * As {@link #load(SparkSession, String)} for a driver that holds a SparkContext (the job): the
   * session runs on that context ({@code getOrCreate} reuses the active context).
   */
  public static ImageSplit load(SparkContext sc, String spec) throws IOException {
    return load(SparkSession.builder().config(sc.getConf()).getOrCreate(), spec);
  }

  /** Reads the tables a {@link TableSpec} names (see there for the syntax). */
  public static ImageSplit load(SparkSession spark, String spec) throws IOException {
    return load(spark, TableSpec.parse(spec));
  }

  /** Reads the tables a parsed spec names. */
  public static ImageSplit load(SparkSession spark, TableSpec spec) throws IOException {
    org.apache.spark.sql.Dataset<Row> train = open(spark, spec.kind(), spec.train());
    if (spec.test() == null) {
      return fromDataFrame(train, spec.options(), spec.train());
    }
    org.apache.spark.sql.Dataset<Row> test = open(spark, spec.kind(), spec.test());
    return fromDataFrames(train, test, spec.options(), spec.train(), spec.test());
  }

  private static org.apache.spark.sql.Dataset<Row> open(SparkSession spark, String kind,
      String where) throws IOException {
    try {
      return kind.equals(TableSpec.PARQUET) ? spark.read().parquet(where) : spark.table(where);
    } catch (Exception e) {
      // Spark reports a missing path or table as an AnalysisException (a checked exception
      // thrown from Scala, so Java sees only Exception).
      if (e instanceof AnalysisException a) {
        String cls = a.getErrorClass() == null ? "" : a.getErrorClass();
        if (cls.contains("PATH_NOT_FOUND") || cls.contains("TABLE_OR_VIEW_NOT_FOUND")) {
          throw new MissingDataException((kind.equals(TableSpec.PARQUET) ? "no Parquet data at "
              : "no table named ") + where + " (" + cls + ")");
        }
        throw new IOException("cannot read " + kind + " " + where + ": " + a.getMessage(), a);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("cannot read " + kind + " " + where + ": " + e.getMessage(), e);
    }
  }

  /** Ships the split to the executors once (Spark keeps one deserialized copy per executor). */
  public static Broadcast<ImageSplit> broadcast(SparkSession spark, ImageSplit split) {
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(split);
  }

  /**
   * One table, every {@link TableOptions#testEvery()}-th row held out for testing.
   *
   * @param name for messages and data set names (e.g. the path)
   */
  public static ImageSplit fromDataFrame(org.apache.spark.sql.Dataset<Row> table, TableOptions o,
      String name) {
    if (o.testEvery() == 0) {
      throw new TableSchemaException(name + ": test-every=0 holds out no rows; give a test table");
    }
    Columns all = readColumns(table, o, name);
    int every = o.testEvery();
    int n = all.size;
    int nTest = n / every;
    if (nTest == 0 || n - nTest == 0) {
      throw new TableSchemaException(name + ": " + n + " rows are too few to hold out every "
          + every + "-th row for testing (need at least " + every + ")");
    }
    Columns train = new Columns(all.sampleSize, all.bytes);
    Columns test = new Columns(all.sampleSize, all.bytes);
    for (int i = 0; i < n; i++) {
      (i % every == every - 1 ? test : train).copyRow(all, i);
    }
    return build(train, test, all.shape, o, name + " (train rows)", name + " (every " + every
        + "-th row)");
  }

  /** A training table and a test table with the same columns. */
  public static ImageSplit fromDataFrames(org.apache.spark.sql.Dataset<Row> train,
      org.apache.spark.sql.Dataset<Row> test, TableOptions o, String trainName, String testName) {
    Columns tr = readColumns(train, o, trainName);
    Columns te = readColumns(test, o, testName);
    if (tr.bytes != te.bytes) {
      throw new TableSchemaException(testName + ": image column '" + o.imageColumn() + "' is "
          + (te.bytes ? "binary" : "an array") + " but in " + trainName + " it is "
          + (tr.bytes ? "binary" : "an array"));
    }
    if (!Arrays.equals(tr.shape, te.shape)) {
      throw new TableSchemaException(testName + ": sample shape " + shapeText(te.shape)
          + " differs from the training table's " + shapeText(tr.shape));
    }
    return build(tr, te, tr.shape, o, trainName, testName);
  }

  private static ImageSplit build(Columns train, Columns test, int[] shape, TableOptions o,
      String trainName, String testName) {
    int classes = o.numClasses();
    if (classes == 0) {
      classes = Math.max(train.maxLabel(), test.maxLabel()) + 1;
    }
    if (classes < 2) {
      throw new TableSchemaException(trainName + ": every label is 0; a classifier needs at least"
          + " 2 classes (set classes=N if the table holds only some of them)");
    }
    check(train, classes, o, trainName);
    check(test, classes, o, testName);
    if (train.bytes) {
      byte[] tp = train.bytePixels();
      float[][] stats = ImageTable.channelStats(tp, shape);
      return new ImageSplit(
          ImageTable.ofBytes(trainName, shape, classes, train.labels(), tp, stats[0], stats[1]),
          ImageTable.ofBytes(testName, shape, classes, test.labels(), test.bytePixels(), stats[0],
              stats[1]));
    }
    return new ImageSplit(
        ImageTable.ofFloats(trainName, shape, classes, train.labels(), train.floatPixels()),
        ImageTable.ofFloats(testName, shape, classes, test.labels(), test.floatPixels()));
  }

  private static void check(Columns c, int classes, TableOptions o, String name) {
    for (int i = 0; i < c.size; i++) {
      if (c.labelAt(i) >= classes) {
        throw new TableSchemaException(name + ", row " + c.rowAt(i) + ": label " + c.labelAt(i)
            + " in column '" + o.labelColumn() + "' is not below classes=" + classes);
      }
    }
  }

  /** Reads one table (columns checked, rows validated, pixels to CHW) on the driver. */
  public static ImageTable read(org.apache.spark.sql.Dataset<Row> table, TableOptions o,
      String name) {
    Columns c = readColumns(table, o, name);
    int classes = o.numClasses() == 0 ? c.maxLabel() + 1 : o.numClasses();
    check(c, classes, o, name);
    if (c.bytes) {
      byte[] p = c.bytePixels();
      float[][] stats = ImageTable.channelStats(p, c.shape);
      return ImageTable.ofBytes(name, c.shape, classes, c.labels(), p, stats[0], stats[1]);
    }
    return ImageTable.ofFloats(name, c.shape, classes, c.labels(), c.floatPixels());
  }

  /** Checks the schema and returns whether the image column holds bytes (binary). */
  static boolean checkSchema(StructType schema, TableOptions o, String name) {
    List<String> names = Arrays.asList(schema.fieldNames());
    for (String col : new String[] {o.imageColumn(), o.labelColumn()}) {
      if (!names.contains(col)) {
        String which = col.equals(o.imageColumn()) ? "image" : "label";
        throw new TableSchemaException(name + ": no column '" + col + "' (the " + which
            + " column); the table has " + names + "; choose one with " + which + "=<column>");
      }
    }
    DataType image = schema.apply(o.imageColumn()).dataType();
    boolean bytes;
    if (image.equals(DataTypes.BinaryType)) {
      bytes = true;
    } else if (image instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
        || a.elementType().equals(DataTypes.DoubleType))) {
      bytes = false;
    } else {
      throw new TableSchemaException(name + ": image column '" + o.imageColumn() + "' has type "
          + image.simpleString() + "; it must be binary (C*H*W unsigned bytes), array<float> or "
          + "array<double>");
    }
    StructField label = schema.apply(o.labelColumn());
    DataType lt = label.dataType();
    if (!(lt.equals(DataTypes.IntegerType) || lt.equals(DataTypes.LongType)
        || lt.equals(DataTypes.ShortType) || lt.equals(DataTypes.ByteType))) {
      throw new TableSchemaException(name + ": label column '" + o.labelColumn() + "' has type "
          + lt.simpleString() + "; it must be an integer type (tinyint, smallint, int, bigint) "
          + "holding class ids >= 0");
    }
    return bytes;
  }

  private static Columns readColumns(org.apache.spark.sql.Dataset<Row> table, TableOptions o,
      String name) {
    boolean bytes = checkSchema(table.schema(), o, name);
    int[] shape = o.shape();
    String layout = o.layout() != null ? o.layout() : bytes ? "hwc" : "chw";
    Columns c = null;
    Iterator<Row> rows = table.select(o.imageColumn(), o.labelColumn()).toLocalIterator();
    int row = 0;
    float[] floatRow = null;
    byte[] hwc = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      if (r.isNullAt(0)) {
        throw new TableSchemaException(name + ", row " + row + ": image column '"
            + o.imageColumn() + "' is null");
      }
      if (r.isNullAt(1)) {
        throw new TableSchemaException(name + ", row " + row + ": label column '"
            + o.labelColumn() + "' is null");
      }
      long label = ((Number) r.get(1)).longValue();
      if (label < 0 || label > Integer.MAX_VALUE - 1) {
        throw new TableSchemaException(name + ", row " + row + ": label " + label + " in column '"
            + o.labelColumn() + "' is not a class id (must be >= 0)");
      }
      int length = bytes ? ((byte[]) r.get(0)).length : r.getList(0).size();
      if (shape == null) {
        shape = inferShape(length, name, o);
      }
      if (c == null) {
        c = new Columns(shape[0] * shape[1] * shape[2], bytes);
        c.shape = shape;
        floatRow = new float[c.sampleSize];
        hwc = new byte[c.sampleSize];
      }
      if (length != c.sampleSize) {
        throw new TableSchemaException(name + ", row " + row + ": image column '"
            + o.imageColumn() + "' has " + length + " values; shape " + shapeText(shape)
            + " needs " + c.sampleSize);
      }
      boolean toChw = layout.equals("hwc") && shape[0] > 1;
      if (bytes) {
        byte[] px = (byte[]) r.get(0);
        if (toChw) {
          hwcToChw(px, hwc, shape);
          px = hwc;
        }
        c.addBytes(px, (int) label, row);
      } else {
        List<Object> values = r.getList(0);
        for (int i = 0; i < length; i++) {
          Object v = values.get(i);
          if (v == null) {
            throw new TableSchemaException(name + ", row " + row + ": element " + i
                + " of image column '" + o.imageColumn() + "' is null");
          }
          float f = ((Number) v).floatValue();
          if (!Float.isFinite(f)) {
            throw new TableSchemaException(name + ", row " + row + ": element " + i
                + " of image column '" + o.imageColumn() + "' is " + ((Number) v).doubleValue()
                + " (pixels must be finite)");
          }
          floatRow[i] = f;
        }
        if (toChw) {
          float[] chw = new float[length];
          hwcToChw(floatRow, chw, shape);
          c.addFloats(chw, (int) label, row);
        } else {
          c.addFloats(floatRow, (int) label, row);
        }
      }
      row++;
    }
    if (c == null || c.size == 0) {
      throw new TableSchemaException(name + ": the table has no rows");
    }
    return c;
  }

  private static int[] inferShape(int length, String name, TableOptions o) {
    int s = (int) Math.round(Math.sqrt(length));
    if (length > 0 && s * s == length) {
      return new int[] {1, s, s};
    }
    if (length % 3 == 0) {
      int s3 = (int) Math.round(Math.sqrt(length / 3.0));
      if (s3 > 0 && 3 * s3 * s3 == length) {
        return new int[] {3, s3, s3};
      }
    }
    throw new TableSchemaException(name + ": cannot infer the sample shape from " + length
        + " values in image column '" + o.imageColumn() + "' (neither 1xSxS nor 3xSxS); give "
        + "shape=CxHxW");
  }

  private static void hwcToChw(byte[] src, byte[] dst, int[] shape) {
    int c = shape[0];
    int plane = shape[1] * shape[2];
    for (int p = 0; p < plane; p++) {
      for (int ch = 0; ch < c; ch++) {
        dst[ch * plane + p] = src[p * c + ch];
      }
    }
  }

  private static void hwcToChw(float[] src, float[] dst, int[] shape) {
    int c = shape[0];
    int plane = shape[1] * shape[2];
    for (int p = 0; p < plane; p++) {
      for (int ch = 0; ch < c; ch++) {
        dst[ch * plane + p] = src[p * c + ch];
      }
    }
  }

  static String shapeText(int[] s) {
    return s[0] + "x" + s[1] + "x" + s[2];
  }

  /** Growing arrays of one table's rows (CHW pixels), with the source row of each sample. */
  private static final class Columns {
    final int sampleSize;
    final boolean bytes;
    int[] shape;
    int size;
    byte[] b = new byte[0];
    float[] f = new float[0];
    int[] labels = new int[16];
    int[] rows = new int[16];

    Columns(int sampleSize, boolean bytes) {
      this.sampleSize = sampleSize;
      this.bytes = bytes;
      if (bytes) {
        b = new byte[16 * sampleSize];
      } else {
        f = new float[16 * sampleSize];
      }
    }

    private void grow() {
      if (size == labels.length) {
        int cap = labels.length * 2;
        labels = Arrays.copyOf(labels, cap);
        rows = Arrays.copyOf(rows, cap);
        if (bytes) {
          b = Arrays.copyOf(b, Math.multiplyExact(cap, sampleSize));
        } else {
          f = Arrays.copyOf(f, Math.multiplyExact(cap, sampleSize));
        }
      }
    }

    void addBytes(byte[] px, int label, int row) {
      grow();
      System.arraycopy(px, 0, b, size * sampleSize, sampleSize);
      labels[size] = label;
      rows[size++] = row;
    }

    void addFloats(float[] px, int label, int row) {
      grow();
      System.arraycopy(px, 0, f, size * sampleSize, sampleSize);
      labels[size] = label;
      rows[size++] = row;
    }

    void copyRow(Columns from, int i) {
      if (bytes) {
        byte[] px = Arrays.copyOfRange(from.b, i * sampleSize, (i + 1) * sampleSize);
        addBytes(px, from.labels[i], from.rows[i]);
      } else {
        float[] px = Arrays.copyOfRange(from.f, i * sampleSize, (i + 1) * sampleSize);
        addFloats(px, from.labels[i], from.rows[i]);
      }
    }

    int labelAt(int i) {
      return labels[i];
    }

    int rowAt(int i) {
      return rows[i];
    }

    int maxLabel() {
      int m = 0;
      for (int i = 0; i < size; i++) {
        m = Math.max(m, labels[i]);
      }
      return m;
    }

    int[] labels() {
      return Arrays.copyOf(labels, size);
    }

    byte[] bytePixels() {
      return Arrays.copyOf(b, size * sampleSize);
    }

    float[] floatPixels() {
      return Arrays.copyOf(f, size * sampleSize);
    }
  }
}
