package io.batchwise.collective.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The relay behind the delay validation: bytes pass intact and in order, each direction is held
 * for the delay, and a close on one side reaches the other. Sockets are real (127.0.0.1).
 */
class DelayRelayTest {

  /** An echo server on 127.0.0.1 that serves one connection, then closes it and itself. */
  private static ServerSocket echoOnce() throws Exception {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try (server; Socket s = server.accept()) {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (Exception e) {
        // the test sees a missing echo
      }
    }, "echo");
    t.setDaemon(true);
    t.start();
    return server;
  }

  private static DelayRelay relayTo(ServerSocket target, long delayNanos) throws Exception {
    return DelayRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), target.getLocalPort()), delayNanos);
  }

  @Test
  void aRoundTripTakesAtLeastTwiceTheDelay() throws Exception {
    long delay = 30_000_000L; // 30 ms each way
    try (DelayRelay relay = relayTo(echoOnce(), delay);
         Socket c = new Socket(relay.localAddress().getAddress(), relay.localAddress().getPort())) {
      c.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(c.getInputStream());
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        c.getOutputStream().write(new byte[] {(byte) i, 42});
        byte[] back = new byte[2];
        in.readFully(back);
        long rtt = System.nanoTime() - t0;
        assertArrayEquals(new byte[] {(byte) i, 42}, back);
        assertTrue(rtt >= 2 * delay, "round trip " + rtt / 1e6 + " ms, delay 30 ms each way");
      }
    }
  }

  @Test
  void manyChunksArriveIntactAndInOrderThenTheCloseFollows() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(7).nextBytes(data);
    for (long delay : List.of(0L, 200_000L)) {
      try (DelayRelay relay = relayTo(echoOnce(), delay);
           Socket c = new Socket(relay.localAddress().getAddress(), relay.localAddress().getPort())) {
        Thread writer = new Thread(() -> {
          try {
            OutputStream out = c.getOutputStream();
            for (int at = 0; at < data.length; at += 1000) {
              out.write(data, at, Math.min(1000, data.length - at));
            }
            c.shutdownOutput();
          } catch (Exception e) {
            // the reader sees the stream cut short
          }
        });
        writer.start();
        byte[] back = new byte[data.length];
        new DataInputStream(c.getInputStream()).readFully(back);
        writer.join();
        assertArrayEquals(data, back, "delay " + delay + " ns");
        // The echo server closes after our shutdown; the relay passes the close on.
        assertEquals(-1, c.getInputStream().read(), "delay " + delay + " ns: end of stream");
      }
    }
  }

  @Test
  void aNegativeDelayIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DelayRelay.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), -1));
  }
}
