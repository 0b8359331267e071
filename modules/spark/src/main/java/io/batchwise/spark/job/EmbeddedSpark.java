package io.batchwise.spark.job;

import org.apache.spark.SparkConf;

/**
 * The Spark settings of the job. Under spark-submit the master and everything else come from
 * spark-submit; without it (embedded mode: {@code ./batchwise train}, tests) the job runs its own
 * {@code local[W]} master (or {@code --master}) bound to 127.0.0.1, without the web UI, with
 2-second executor heartbeats (they carry the progress of the running epoch to the driver), and
 * with logging at WARN so the console shows the job's own lines.
 */
final class EmbeddedSpark {
  /** The log4j2 configuration the embedded mode uses (a resource of this module). */
  static final String LOG_CONFIG = "batchwise-log4j2.properties";

  private EmbeddedSpark() {
  }

  static SparkConf conf(JobOptions o, boolean submitted) {
    SparkConf conf = new SparkConf(true)
        .setAppName("batchwise-train " + o.config().model() + "/" + o.config().norm());
    if (o.master() != null) {
      conf.setMaster(o.master());
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[" + o.config().workers() + "]");
    }
    if (!submitted) {
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.ui.enabled", "false");
      // Heartbeats carry the progress; their reply timeout is the interval too, so not below 2 s
      // on a loaded machine.
      conf.setIfMissing("spark.executor.heartbeatInterval", "2s");
    }
    // Spark's own stage progress bar would draw over the job's.
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    return conf;
  }

  /**
   * Points log4j2 at the job's quiet configuration, unless one was chosen already. Effective only
   * before the first logger is made, so the job calls it before anything touches Spark.
   */
  static void quietLogging() {
    if (System.getProperty("log4j2.configurationFile") == null
        && EmbeddedSpark.class.getClassLoader().getResource(LOG_CONFIG) != null) {
      System.setProperty("log4j2.configurationFile", LOG_CONFIG);
    }
  }
}
