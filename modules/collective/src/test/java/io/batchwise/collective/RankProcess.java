package io.batchwise.collective;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One rank as its own JVM, driven by {@link ProcessGroupTest} through stdin/stdout:
 * prints {@code PORT p}, reads {@code ENDPOINTS h:p,h:p,...}, joins, runs its mode, prints results.
 *
 * <p>Modes: {@code sum L1,L2,...}: all-reduce float arrays (and double arrays, and a direct
 * FloatBuffer for small lengths) of each length; prints {@code RESULT kind length checksum
 * errorRatio}, where checksum hashes the raw bits (equal on every rank iff bit-identical) and
 * errorRatio is the worst |result - exact double sum| over the float rounding bound (must be <= 1).
 * {@code loop}: all-reduce float[1000] until failure, printing {@code ITER k} every 50 rounds and
 * {@code BAD k} on a wrong result; on failure prints {@code FAILED ExceptionName detailRank
 * epochMillis}.
 */
public final class RankProcess {
  private RankProcess() {}

  /** Deterministic input of rank r, element i, in [-(1 + r%3), 1 + r%3]. */
  static float value(int rank, int i) {
    long h = (rank * 0x9E3779B97F4A7C15L) ^ (i * 0xC2B2AE3D27D4EB4FL);
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 32;
    return (float) (((h & 0xffffff) / (double) (1 << 23) - 1.0) * (1 + rank % 3));
  }

  static String checksum(FloatBuffer b) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < b.limit(); i++) {
      h = (h ^ Float.floatToRawIntBits(b.get(i))) * 0x100000001b3L;
    }
    return Long.toHexString(h);
  }

  static String checksum(double[] a) {
    long h = 0xcbf29ce484222325L;
    for (double v : a) {
      h = (h ^ Double.doubleToRawLongBits(v)) * 0x100000001b3L;
    }
    return Long.toHexString(h);
  }

  /** Worst ratio of the error to the bound size * eps * sum|x| (float or double eps). */
  static double errorRatio(int size, int n, java.util.function.IntToDoubleFunction got,
      double eps) {
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double exact = 0;
      double abs = 0;
      for (int r = 0; r < size; r++) {
        exact += value(r, i);
        abs += Math.abs(value(r, i));
      }
      double bound = size * eps * abs + 1e-300;
      worst = Math.max(worst, Math.abs(got.applyAsDouble(i) - exact) / bound);
    }
    return worst;
  }

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(args[0]);
    int size = Integer.parseInt(args[1]);
    byte[] secret = HexFormat.of().parseHex(args[2]);
    long timeoutMs = Long.parseLong(args[3]);
    String mode = args[4];
    CollectiveConfig cfg = CollectiveConfig.builder().jobId("process-test").secret(secret)
        .rank(rank).size(size).timeout(Duration.ofMillis(timeoutMs)).spinMicros(0)
        .sharedMemory(Boolean.getBoolean("batchwise.test.sharedMemory")).build();
    CollectiveServer server = CollectiveServer.bind(cfg, new InetSocketAddress("127.0.0.1", 0));
    System.out.println("PORT " + server.localAddress().getPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line = in.readLine();
    List<InetSocketAddress> endpoints = new ArrayList<>();
    for (String e : line.substring("ENDPOINTS ".length()).split(",")) {
      endpoints.add(CollectiveConfig.parseEndpoint(e));
    }
    Communicator c;
    try {
      c = server.join(endpoints);
    } catch (CollectiveException e) {
      System.out.println("FAILED " + e.getClass().getSimpleName() + " -1 "
          + System.currentTimeMillis() + " " + e.getMessage().replace('\n', ' '));
      System.out.flush();
      System.exit(3);
      return;
    }
    System.out.println("TRANSPORT " + (c.usesSharedMemory() ? "shared" : "tcp"));
    System.out.flush();
    try {
      if (mode.equals("sum")) {
        for (String s : args[5].split(",")) {
          int n = Integer.parseInt(s);
          float[] f = new float[n];
          for (int i = 0; i < n; i++) {
            f[i] = value(rank, i);
          }
          c.allReduceSum(f);
          FloatBuffer fb = FloatBuffer.wrap(f);
          System.out.println("RESULT float " + n + " " + checksum(fb) + " "
              + errorRatio(size, n, i -> f[i], 0x1p-24));
          if (n <= 100_000) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
              d[i] = value(rank, i);
            }
            c.allReduceSum(d);
            System.out.println("RESULT double " + n + " " + checksum(d) + " "
                + errorRatio(size, n, i -> d[i], 0x1p-53));
            FloatBuffer direct = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
            for (int i = 0; i < n; i++) {
              direct.put(i, value(rank, i));
            }
            c.allReduceSumAsync(direct).join();
            System.out.println("RESULT direct " + n + " " + checksum(direct) + " "
                + errorRatio(size, n, direct::get, 0x1p-24));
          }
          System.out.flush();
        }
      } else if (mode.equals("loop")) {
        float[] expected = new float[1000];
        for (int k = 1; ; k++) {
          float[] f = new float[1000];
          for (int i = 0; i < f.length; i++) {
            f[i] = rank + i;
          }
          c.allReduceSum(f);
          for (int i = 0; i < f.length; i++) {
            expected[i] = size * (size - 1) / 2f + size * (float) i;
          }
          if (!java.util.Arrays.equals(f, expected)) {
            System.out.println("BAD " + k);
          }
          if (k % 50 == 0) {
            System.out.println("ITER " + k);
            System.out.flush();
          }
        }
      }
      c.close();
      System.out.println("DONE");
    } catch (CollectiveException e) {
      int detail = e instanceof PeerLostException p ? p.lostRank() : -1;
      System.out.println("FAILED " + e.getClass().getSimpleName() + " " + detail + " "
          + System.currentTimeMillis() + " " + e.getMessage().replace('\n', ' '));
      System.out.flush();
      System.exit(2);
    }
    System.out.flush();
    System.exit(0);
  }
}
