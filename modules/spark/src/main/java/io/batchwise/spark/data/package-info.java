/**
 * Training data from Spark: a DataFrame or a Parquet table with an image column and a label
 * column, read once on the driver and shipped to the executors as compact arrays.
 *
 * <p>{@link io.batchwise.spark.data.SparkData} reads a table named by a data spec
 * ({@code parquet:<path>?image=pixels&label=y&shape=1x28x28}, {@code table:<name>}) or takes a
 * {@code Dataset<Row>}, checks its schema and every row (clear errors name the column, the row
 * and the problem), and builds an {@link io.batchwise.spark.data.ImageTable}: an
 * {@link io.batchwise.data.Dataset} that is {@link java.io.Serializable}, so the driver can
 * broadcast it and each executor deserializes it once (Spark caches broadcast values per executor
 * JVM). Images are held as unsigned bytes when the column is binary (a quarter of the memory of
 * floats) and as floats otherwise, always in CHW order.
 *
 * <p>Why the driver and not the executors reads the table: the job's workers need the same global
 * sample order on every rank (the driver's shard plan indexes samples 0..n-1), and a table read
 * by each executor would come back in partition order that can differ between reads. Reading
 * once fixes the order; the data sets this path is meant for (tens of thousands of small images)
 * fit in driver memory.
 */
package io.batchwise.spark.data;
