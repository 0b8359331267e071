/**
 * The Batchwise training job on Spark: {@link io.batchwise.spark.job.TrainJob} is the
 * spark-submit main class (and what {@code ./batchwise train} runs on an embedded local master).
 *
 * <ul>
 *   <li>{@link io.batchwise.spark.job.JobOptions}: the options (those of {@code batchwise train}
 *       plus the job's own) and their checks.</li>
 *   <li>{@code StageWork}: the barrier tasks of the epoch, PreciseBN and evaluation stages; each
 *       runs one {@link io.batchwise.train.distributed.RankWorker} unit with the stage's
 *       collective group.</li>
 *   <li>{@link io.batchwise.spark.job.ExecutorResources}: per executor JVM, the data files
 *       (Fashion-MNIST, CIFAR-10) or synthetic data read once, and a pool of opened devices (one
 *       task per device at a time). A table ({@code --data parquet:...} or {@code table:...}) is
 *       instead read by the driver through {@link io.batchwise.spark.data.SparkData} and reaches
 *       the tasks as a broadcast.</li>
 *   <li>{@link io.batchwise.spark.job.CheckpointStorages},
 *       {@link io.batchwise.spark.job.HadoopCheckpointStorage}: checkpoints on local paths or any
 *       Hadoop file system URI.</li>
 *   <li>{@code Progress}: the driver console (progress bar fed by accumulator heartbeats, epoch
 *       lines); {@code EmbeddedSpark}: the embedded master's settings.</li>
 * </ul>
 *
 * <p>Conventions: the driver ships the job's argument list to the tasks, which parse it as the
 * driver did (the settings hold paths, which do not serialize); epochs are 1-based in everything
 * users see; a failed stage is retried as a whole from the last checkpoint by the driver, never by
 * Spark.
 */
package io.batchwise.spark.job;
