package io.batchwise.spark.job;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    String master = conf.get("spark.master");
    if (!submitted && !master.startsWith("local")) {
      // A cluster master without spark-submit: the executors need our classes and libjsig.
      String jars = shippedJars(System.getProperty("java.class.path", ""));
      if (!jars.isEmpty()) {
        conf.setIfMissing("spark.jars", jars);
      }
      String jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString();
      conf.setIfMissing("spark.executorEnv.LD_PRELOAD", jsig);
    }
    if (!submitted) {
      if (master.startsWith("local")) {
        conf.setIfMissing("spark.driver.host", "127.0.0.1");
        conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      }
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
   * The class path entries executors need when the job is started without spark-submit against a
   * cluster master: the Batchwise jars (or the shaded job jar), Aparapi and BCEL; everything else
   * is Spark's own. Comma-separated, as {@code spark.jars} takes them.
   */
  static String shippedJars(String classPath) {
    List<String> out = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName() == null ? "" : Path.of(entry).getFileName().toString();
      if (entry.endsWith(".jar") && (name.startsWith("batchwise-") || name.startsWith("aparapi")
          || name.startsWith("bcel-"))) {
        out.add(entry);
      }
    }
    return String.join(",", out);
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
