package io.batchwise.collective.model;

import io.batchwise.collective.CollectiveConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fitted (alpha, beta) of every algorithm plus the communicator's own choice of algorithm: an
 * all-reduce of at most {@code smallMessageMaxBytes} bytes runs recursive doubling, a larger one the
 * ring (as {@code Mesh} decides), in frames of {@code chunkBytes}.
 *
 * <p>File format (CSV, one line per algorithm, then two settings lines):
 * <pre>
 * algorithm,alpha_us,beta_ns_per_byte,rms_rel_err,samples
 * rd,85.1,1.93,0.12,24
 * ...
 * #small_message_max_bytes,32768
 * #chunk_bytes,262144
 * </pre>
 */
public record CollectiveModel(Map<Algorithm, AlphaBeta> costs, int smallMessageMaxBytes,
    int chunkBytes) {
  public CollectiveModel {
    for (Algorithm a : Algorithm.values()) {
      if (!costs.containsKey(a)) {
        throw new IllegalArgumentException("the model has no costs for " + a.shortName());
      }
    }
    costs = Map.copyOf(costs);
  }

  /** Fits every algorithm from {@code samples} taken with the default communicator settings. */
  public static CollectiveModel fit(List<AlphaBetaFit.Sample> samples) {
    Map<Algorithm, AlphaBeta> m = new EnumMap<>(Algorithm.class);
    for (Algorithm a : Algorithm.values()) {
      m.put(a, AlphaBetaFit.fit(a, samples, CollectiveConfig.DEFAULT_CHUNK_BYTES));
    }
    return new CollectiveModel(m, CollectiveConfig.DEFAULT_SMALL_MESSAGE_MAX_BYTES,
        CollectiveConfig.DEFAULT_CHUNK_BYTES);
  }

  /** The algorithm the communicator uses for an all-reduce of {@code bytes} on {@code p} ranks. */
  public Algorithm allReduceAlgorithm(long bytes, int p) {
    return bytes <= smallMessageMaxBytes || p <= 1 ? Algorithm.RECURSIVE_DOUBLING : Algorithm.RING;
  }

  /** Predicted seconds of an all-reduce of {@code bytes} bytes on {@code p} ranks. */
  public double allReduceSeconds(long bytes, int p) {
    return seconds(allReduceAlgorithm(bytes, p), bytes, p);
  }

  /** Predicted seconds of {@code algorithm} (forced, whatever the size) on {@code p} ranks. */
  public double seconds(Algorithm algorithm, long bytes, int p) {
    return costs.get(algorithm).seconds(algorithm, p, bytes, chunkBytes);
  }

  /** This model on a network of one-way latency L seconds and R bytes/s (see {@link AlphaBeta#onNetwork}). */
  public CollectiveModel onNetwork(double latencySeconds, double bytesPerSecond) {
    Map<Algorithm, AlphaBeta> m = new EnumMap<>(Algorithm.class);
    costs.forEach((a, c) -> m.put(a, c.onNetwork(latencySeconds, bytesPerSecond)));
    return new CollectiveModel(m, smallMessageMaxBytes, chunkBytes);
  }

  /** As {@link #onNetwork}, with the per-byte costs composed by max ({@link AlphaBeta#onNetworkPipelined}). */
  public CollectiveModel onNetworkPipelined(double latencySeconds, double bytesPerSecond) {
    Map<Algorithm, AlphaBeta> m = new EnumMap<>(Algorithm.class);
    costs.forEach((a, c) -> m.put(a, c.onNetworkPipelined(latencySeconds, bytesPerSecond)));
    return new CollectiveModel(m, smallMessageMaxBytes, chunkBytes);
  }

  public String toCsv() {
    StringBuilder sb = new StringBuilder("algorithm,alpha_us,beta_ns_per_byte,rms_rel_err,samples\n");
    for (Algorithm a : Algorithm.values()) {
      AlphaBeta c = costs.get(a);
      sb.append(String.format(Locale.ROOT, "%s,%.4f,%.6f,%.4f,%d%n", a.shortName(), c.alpha() * 1e6,
          c.beta() * 1e9, c.rmsRelativeError(), c.samples()));
    }
    sb.append("#small_message_max_bytes,").append(smallMessageMaxBytes).append('\n');
    sb.append("#chunk_bytes,").append(chunkBytes).append('\n');
    return sb.toString();
  }

  public void write(Path file) throws IOException {
    Files.writeString(file, toCsv());
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws IllegalArgumentException naming the file and line that is not in the format
   */
  public static CollectiveModel read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("collective model file " + file + " does not exist (write one with"
          + " CollectiveTimings --fit-out FILE)");
    }
    Map<Algorithm, AlphaBeta> m = new EnumMap<>(Algorithm.class);
    int small = CollectiveConfig.DEFAULT_SMALL_MESSAGE_MAX_BYTES;
    int chunk = CollectiveConfig.DEFAULT_CHUNK_BYTES;
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    for (int i = 1; i < lines.size(); i++) {
      String l = lines.get(i).trim();
      if (l.isEmpty()) {
        continue;
      }
      String[] f = l.split(",");
      try {
        if (f[0].equals("#small_message_max_bytes")) {
          small = Integer.parseInt(f[1]);
        } else if (f[0].equals("#chunk_bytes")) {
          chunk = Integer.parseInt(f[1]);
        } else {
          m.put(Algorithm.byShortName(f[0]), new AlphaBeta(Double.parseDouble(f[1]) * 1e-6,
              Double.parseDouble(f[2]) * 1e-9, Double.parseDouble(f[3]), Integer.parseInt(f[4])));
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + " is not 'algorithm,alpha_us,"
            + "beta_ns_per_byte,rms_rel_err,samples': '" + l + "' (" + e.getMessage() + ")", e);
      }
    }
    return new CollectiveModel(m, small, chunk);
  }
}
