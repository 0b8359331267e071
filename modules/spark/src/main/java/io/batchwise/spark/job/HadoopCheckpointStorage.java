package io.batchwise.spark.job;

import io.batchwise.nn.checkpoint.CheckpointStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;

/**
 * {@link CheckpointStorage} on any Hadoop {@link FileSystem} URI (HDFS, S3A, ABFS, GCS, local
 * {@code file:} through Hadoop), following the contract's notes:
 * <ul>
 *   <li>File systems with an atomic rename (HDFS, the local one): write a temporary
 *       {@code .<name>.<random>.tmp} next to the target, {@code hsync()} it, then
 *       {@code FileContext.rename(tmp, target, OVERWRITE)} (a plain {@code FileSystem.rename}
 *       refuses to replace an existing target).</li>
 *   <li>Object stores ({@code s3a}, {@code s3}, {@code gs}, {@code wasb(s)}, {@code abfs(s)},
 *       {@code oss}): no atomic rename, but a single upload becomes visible atomically on close, so
 *       the bytes go to the target name directly.</li>
 * </ul>
 * The Hadoop configuration carries the job's {@code spark.hadoop.*} settings when running inside
 * Spark. {@link #list} hides names starting with a dot (temporary files, Hadoop's {@code .crc}).
 */
public final class HadoopCheckpointStorage implements CheckpointStorage {
  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "wasb",
      "wasbs", "abfs", "abfss", "oss");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Configuration conf;

  public HadoopCheckpointStorage() {
    this(hadoopConfiguration());
  }

  public HadoopCheckpointStorage(Configuration conf) {
    this.conf = conf;
  }

  /** A Hadoop configuration with the {@code spark.hadoop.*} entries of the running Spark job. */
  static Configuration hadoopConfiguration() {
    Configuration c = new Configuration();
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      for (scala.Tuple2<String, String> kv : env.conf().getAll()) {
        if (kv._1().startsWith("spark.hadoop.")) {
          c.set(kv._1().substring("spark.hadoop.".length()), kv._2());
        }
      }
    }
    return c;
  }

  @Override
  public void writeAtomically(String location, BodyWriter body) throws IOException {
    Path target = new Path(location);
    FileSystem fs = target.getFileSystem(conf);
    Path dir = target.getParent();
    if (dir != null) {
      fs.mkdirs(dir);
    }
    String scheme = fs.getUri().getScheme();
    if (scheme != null && OBJECT_STORES.contains(scheme)) {
      try (FSDataOutputStream out = fs.create(target, true)) {
        body.writeTo(out);
      }
      return;
    }
    byte[] nonce = new byte[6];
    RANDOM.nextBytes(nonce);
    Path temp = new Path(dir, "." + target.getName() + "." + HexFormat.of().formatHex(nonce) + ".tmp");
    boolean renamed = false;
    try {
      try (FSDataOutputStream out = fs.create(temp, false)) {
        body.writeTo(out);
        out.hsync();
      }
      FileContext.getFileContext(fs.getUri(), conf).rename(temp, target, Options.Rename.OVERWRITE);
      renamed = true;
    } finally {
      if (!renamed) {
        fs.delete(temp, false);
      }
    }
  }

  @Override
  public byte[] readAll(String location) throws IOException {
    Path p = new Path(location);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus status = fs.getFileStatus(p); // FileNotFoundException when absent
    if (status.getLen() > Integer.MAX_VALUE - 16) {
      throw new IOException(location + " is " + status.getLen() + " bytes, too large to read");
    }
    byte[] bytes = new byte[(int) status.getLen()];
    try (FSDataInputStream in = fs.open(p)) {
      in.readFully(0, bytes);
    }
    return bytes;
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Path dir = new Path(directory);
    FileSystem fs = dir.getFileSystem(conf);
    List<String> names = new ArrayList<>();
    FileStatus[] entries;
    try {
      entries = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return List.of();
    }
    for (FileStatus s : entries) {
      String name = s.getPath().getName();
      if (s.isFile() && !name.startsWith(".")) {
        names.add(name);
      }
    }
    Collections.sort(names);
    return names;
  }

  @Override
  public String resolve(String directory, String name) {
    return new Path(new Path(directory), name).toString();
  }

  @Override
  public String toString() {
    return "Hadoop file system";
  }

}
