package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.wire.ControlCodec;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Authentication and hostile connections, over real loopback sockets. */
class HandshakeTest {
  private static final byte[] SECRET = CollectiveConfig.newSecret();

  @Test
  void wrongSecretIsRefusedAndNamed() throws Exception {
    byte[] other = CollectiveConfig.newSecret();
    Exception[] failures = new Exception[2];
    try {
      new LocalGroup(2, r -> LocalGroup.config(2, r == 0 ? SECRET : other).rank(r)
          .timeout(Duration.ofMillis(1500)).build()).close();
    } catch (java.util.concurrent.ExecutionException e) {
      failures[0] = (Exception) e.getCause();
    }
    CollectiveTimeoutException e = assertInstanceOf(CollectiveTimeoutException.class,
        failures[0]);
    assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
    assertTrue(e.getMessage().contains("secret"), e.getMessage());
  }

  @Test
  void wrongJobIsRefused() throws Exception {
    Exception failure = null;
    try {
      new LocalGroup(2, r -> LocalGroup.config(2, SECRET).rank(r)
          .jobId(r == 0 ? "job-a" : "job-b").timeout(Duration.ofMillis(1500)).build()).close();
    } catch (java.util.concurrent.ExecutionException e) {
      failure = (Exception) e.getCause();
    }
    CollectiveTimeoutException e = assertInstanceOf(CollectiveTimeoutException.class, failure);
    assertTrue(e.getMessage().contains("job"), e.getMessage());
  }

  private static byte[] bytes(Frame f) {
    ByteBuf b = Unpooled.buffer();
    WireFormat.writeHeader(b, f.header());
    b.writeBytes(f.payload());
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  /** Reads until the server closes the connection; true if it did within the socket timeout. */
  private static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(3000);
      InputStream in = s.getInputStream();
      byte[] sink = new byte[4096];
      while (in.read(sink) >= 0) {
        // drain whatever the server said (a challenge) until it hangs up
      }
      return true;
    } catch (java.io.IOException e) {
      return e instanceof java.net.SocketException; // reset counts as closed
    }
  }

  @Test
  void aSilentConnectionIsClosedAtTheConfiguredHandshakeTimeout() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> b.handshakeTimeout(Duration.ofMillis(400)))) {
      InetSocketAddress target = g.endpoints.get(0);
      try (Socket silent = new Socket(target.getAddress(), target.getPort())) {
        silent.setSoTimeout(8000); // the 10 s default would trip this
        long t0 = System.nanoTime();
        InputStream in = silent.getInputStream();
        while (in.read() >= 0) {
          // the server's challenge, if any; then the end of the stream when it hangs up
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 350, "closed after " + ms + " ms, before the 400 ms handshake timeout");
      }
      // The group still works.
      List<Object> out = g.run(c -> {
        double[] a = {c.rank()};
        c.allReduceSum(a);
        return a;
      });
      assertArrayEquals(new double[] {1}, (double[]) out.get(0));
    }
  }

  @Test
  void handshakeTimeoutMustBePositiveAndIsCappedByTheTimeout() {
    CollectiveConfig c = LocalGroup.config(2, SECRET).rank(0).timeout(Duration.ofSeconds(3)).build();
    assertEquals(Duration.ofSeconds(3), c.handshakeTimeout());
    assertEquals(CollectiveConfig.DEFAULT_HANDSHAKE_TIMEOUT,
        LocalGroup.config(2, SECRET).rank(0).timeout(Duration.ofSeconds(60)).build().handshakeTimeout());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> LocalGroup.config(2, SECRET).rank(0).handshakeTimeout(Duration.ZERO).build());
    assertTrue(e.getMessage().contains("handshakeTimeout"), e.getMessage());
  }

  @Test
  void idleConnectionFloodIsBoundedAndHarmless() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> { })) {
      InetSocketAddress target = g.endpoints.get(0);
      List<Socket> idle = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 80; i++) {
          idle.add(new Socket(target.getAddress(), target.getPort()));
        }
        // Beyond the bound of pending handshakes the rank hangs up at once.
        Socket last = idle.get(idle.size() - 1);
        last.setSoTimeout(5000);
        assertEquals(-1, last.getInputStream().read());
        List<Object> out = g.run(c -> {
          float[] a = {c.rank(), 1};
          c.allReduceSum(a);
          return a;
        });
        for (Object o : out) {
          assertArrayEquals(new float[] {1, 2}, (float[]) o);
        }
      } finally {
        for (Socket s : idle) {
          s.close();
        }
      }
    }
  }

  @Test
  void portScansGarbageAndForgedHandshakesDoNotDisturbARunningGroup() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> { })) {
      AtomicBoolean stop = new AtomicBoolean();
      InetSocketAddress target = g.endpoints.get(0);
      Thread attacker = new Thread(() -> {
        Random rnd = new Random(3);
        try {
          while (!stop.get()) {
            // 1. port scan: connect and close
            new Socket(target.getAddress(), target.getPort()).close();
            // 2. random bytes: the server hangs up
            try (Socket s = new Socket(target.getAddress(), target.getPort())) {
              byte[] junk = new byte[1 + rnd.nextInt(5000)];
              rnd.nextBytes(junk);
              OutputStream out = s.getOutputStream();
              out.write(junk);
              out.flush();
              assertTrue(closedByServer(s));
            }
            // 3. a well-formed HELLO claiming rank 1, then a forged proof
            try (Socket s = new Socket(target.getAddress(), target.getPort())) {
              OutputStream out = s.getOutputStream();
              out.write(bytes(ControlCodec.encode(new ControlCodec.Hello(1, "test-job", 1, 2,
                  new byte[ControlCodec.NONCE_BYTES]))));
              out.write(bytes(ControlCodec.encode(new ControlCodec.Response(
                  new byte[ControlCodec.MAC_BYTES]))));
              out.flush();
              assertTrue(closedByServer(s));
            }
          }
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
      });
      attacker.start();
      for (int round = 0; round < 40; round++) {
        int n = 1 + round * 25;
        List<Object> out = g.run(c -> {
          double[] a = new double[n];
          java.util.Arrays.fill(a, c.rank() + 1);
          c.allReduceSum(a);
          return a;
        });
        double[] expected = new double[n];
        java.util.Arrays.fill(expected, 3);
        for (Object o : out) {
          assertArrayEquals(expected, (double[]) o);
        }
      }
      stop.set(true);
      attacker.join(10_000);
      assertEquals(false, attacker.isAlive());
    }
  }
}
