package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ranks as separate JVMs on 127.0.0.1 ({@link RankProcess}): sums against a double-precision
 * reference, bit-identity across ranks, kill -9 of a rank, and garbage sent to a running group.
 */
class ProcessGroupTest {
  private static final int BIG = (1 << 20) + 3;
  private final List<Process> started = new ArrayList<>();

  /** A child rank and the lines it prints. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    int port;

    Child(Process p) {
      this.process = p;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.add(l);
          }
        } catch (IOException e) {
          lines.add("EOF " + e);
        }
        lines.add("EOF");
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** Next line starting with {@code prefix}, skipping others, or fail after the wait. */
    String expect(String prefix, long seconds) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        long left = end - System.nanoTime();
        String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        assertNotNull(l, "no '" + prefix + "' line within " + seconds + " s");
        if (l.startsWith(prefix)) {
          return l;
        }
        assertTrue(!l.startsWith("EOF") && !l.startsWith("FAILED") && !l.startsWith("BAD"),
            "while waiting for '" + prefix + "': " + l);
      }
    }
  }

  private List<Child> launch(int size, long timeoutMs, byte[][] secrets, String... mode)
      throws Exception {
    return launch(false, size, timeoutMs, secrets, mode);
  }

  /**
   * Starts {@code size} rank processes; with {@code shared} they may use shared memory (all are on
   * this host, so they do once connected; each prints TRANSPORT shared), else TCP only.
   */
  private List<Child> launch(boolean shared, int size, long timeoutMs, byte[][] secrets,
      String... mode) throws Exception {
    String java = System.getProperty("java.home") + "/bin/java";
    List<Child> children = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", "-Xss512k", "-Dbatchwise.test.sharedMemory=" + shared,
          "-cp", System.getProperty("java.class.path"),
          RankProcess.class.getName(), String.valueOf(r), String.valueOf(size),
          HexFormat.of().formatHex(secrets[r]), String.valueOf(timeoutMs)));
      cmd.addAll(List.of(mode));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      started.add(p);
      children.add(new Child(p));
    }
    StringBuilder endpoints = new StringBuilder("ENDPOINTS ");
    for (Child c : children) {
      c.port = Integer.parseInt(c.expect("PORT ", 120).substring(5).trim());
      endpoints.append(endpoints.length() > 10 ? "," : "").append("127.0.0.1:").append(c.port);
    }
    for (Child c : children) {
      PrintWriter w = new PrintWriter(c.process.getOutputStream(), true, StandardCharsets.UTF_8);
      w.println(endpoints);
    }
    return children;
  }

  private static byte[][] same(int size, byte[] secret) {
    byte[][] s = new byte[size][];
    java.util.Arrays.fill(s, secret);
    return s;
  }

  @AfterEach
  void killAll() {
    for (Process p : started) {
      p.destroyForcibly();
    }
  }

  /**
   * Groups of 1, 2, 3, 4, 5 and 8 processes, lengths 0, 1, 7, 1000 (TCP: recursive doubling, with
   * the fix-up for 3 and 5) and 2^20 + 3 (TCP: the ring, 4 MB): float arrays at every length;
   * double arrays and direct FloatBuffers (async variant) up to 1000; over TCP and through shared
   * memory (direct sums up to 16 KB, reduce-scatter above).
   */
  @ParameterizedTest(name = "shared memory {0}")
  @ValueSource(booleans = {false, true})
  void sumsMatchADoubleReferenceAndAreBitIdenticalAcrossRanks(boolean shared) throws Exception {
    byte[] secret = CollectiveConfig.newSecret();
    for (int size : new int[] {1, 2, 3, 4, 5, 8}) {
      String lengths = "0,1,7,1000," + BIG;
      List<Child> children = launch(shared, size, 120_000, same(size, secret), "sum", lengths);
      for (Child c : children) {
        assertEquals("TRANSPORT " + (shared && size > 1 ? "shared" : "tcp"),
            c.expect("TRANSPORT ", 120), "size " + size);
      }
      int expectedResults = lengths.split(",").length * 3 - 2;
      Map<String, String> checksums = new HashMap<>();
      for (Child c : children) {
        for (int k = 0; k < expectedResults; k++) {
          String[] f = c.expect("RESULT ", 240).split(" ");
          String key = f[1] + " " + f[2];
          String prev = checksums.putIfAbsent(key, f[3]);
          assertEquals(prev == null ? f[3] : prev, f[3],
              "size " + size + ", " + key + ": ranks disagree bit-wise");
          assertTrue(Double.parseDouble(f[4]) <= 1.0,
              "size " + size + ", " + key + ": error ratio " + f[4]);
        }
        c.expect("DONE", 60);
      }
      for (Child c : children) {
        assertTrue(c.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, c.process.exitValue());
      }
    }
  }

  /**
   * A running group of 3 shrugs off port scans and random bytes; then rank 1 is killed with
   * SIGKILL mid-collective and the others end with PeerLostException naming rank 1.
   */
  @ParameterizedTest(name = "shared memory {0}")
  @ValueSource(booleans = {false, true})
  void garbageDoesNotDisturbAndKillNineGivesPeerLost(boolean shared) throws Exception {
    byte[] secret = CollectiveConfig.newSecret();
    List<Child> children = launch(shared, 3, 60_000, same(3, secret), "loop");
    for (Child c : children) {
      assertEquals("TRANSPORT " + (shared ? "shared" : "tcp"), c.expect("TRANSPORT ", 120));
    }
    for (Child c : children) {
      c.expect("ITER", 120);
    }
    Random rnd = new Random(11);
    for (Child c : children) {
      new Socket("127.0.0.1", c.port).close();
      try (Socket s = new Socket("127.0.0.1", c.port)) {
        byte[] junk = new byte[4096];
        rnd.nextBytes(junk);
        OutputStream out = s.getOutputStream();
        out.write(junk);
        out.flush();
      } catch (IOException resetByPeer) {
        // the rank hung up on the garbage before we finished writing: fine
      }
    }
    // Still running, still correct (RankProcess prints BAD on a wrong sum; expect() fails on it).
    for (Child c : children) {
      int before = Integer.parseInt(c.expect("ITER", 60).substring(5).trim());
      int after = Integer.parseInt(c.expect("ITER", 60).substring(5).trim());
      assertTrue(after > before);
    }
    long killedAt = System.currentTimeMillis();
    children.get(1).process.destroyForcibly();
    for (int r : new int[] {0, 2}) {
      String[] f = children.get(r).expect("FAILED", 30).split(" ");
      assertEquals("PeerLostException", f[1], String.join(" ", f));
      assertEquals("1", f[2], String.join(" ", f));
      long delay = Long.parseLong(f[3]) - killedAt;
      System.out.println("rank " + r + " reported PeerLostException " + delay
          + " ms after kill -9 of rank 1");
      assertTrue(delay < 30_000, "took " + delay + " ms (timeout is 60 s)");
      if (shared) {
        // Shared memory has no socket to fail on: the TCP mesh beside it notices, within the
        // issue's second (plus the time to print it).
        assertTrue(delay < 2_000, "took " + delay + " ms");
      }
    }
  }

  @Test
  void wrongSecretProcessIsRefused() throws Exception {
    byte[][] secrets = {CollectiveConfig.newSecret(), CollectiveConfig.newSecret()};
    List<Child> children = launch(2, 3000, secrets, "sum", "7");
    for (Child c : children) {
      String l = c.expect("FAILED", 60);
      assertTrue(l.contains("CollectiveTimeoutException") && l.contains("could not connect"), l);
    }
  }
}
