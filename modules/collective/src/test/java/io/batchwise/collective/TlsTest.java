package io.batchwise.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optional TLS connections: same sums, plaintext peers refused, the group unaffected. */
class TlsTest {
  private static final byte[] SECRET = CollectiveConfig.newSecret();

  @Test
  void twoRanksOverTlsSumAndRefuseAPlaintextPeer() throws Exception {
    try (LocalGroup g = new LocalGroup(2, SECRET, b -> b.tls(true).chunkBytes(1024)
        .timeout(Duration.ofSeconds(20)))) {
      assertTrue(g.ranks.get(0).toString().contains("+tls"), g.ranks.get(0).toString());
      for (int n : new int[] {7, 5000}) { // recursive doubling, then a ring of 1 KB chunks
        List<Object> out = g.run(c -> {
          float[] a = LocalGroupTest.input(c.rank(), n);
          c.allReduceSum(a);
          return a;
        });
        LocalGroupTest.checkFloatSums(out, 2, n);
      }
      // A peer speaking the plaintext protocol gets the connection closed (no TLS record).
      try (Socket s = new Socket("127.0.0.1", g.endpoints.get(0).getPort())) {
        s.setSoTimeout(10_000);
        OutputStream o = s.getOutputStream();
        o.write(new byte[] {0x42, 0x57, 0x43, 0x31, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
        o.flush();
        InputStream in = s.getInputStream();
        int first;
        try {
          first = in.read();
          while (first >= 0) {
            first = in.read(); // a TLS alert at most, then end of stream
          }
        } catch (java.net.SocketException reset) {
          first = -1;
        }
        assertEquals(-1, first, "the plaintext connection is closed");
      }
      List<Object> after = g.run(c -> {
        double[] d = {c.rank() + 1.5};
        c.allReduceSum(d);
        return d[0];
      });
      assertEquals(List.of(4.0, 4.0), after, "the group goes on");
    }
  }

  @Test
  void aPlaintextRankCannotJoinATlsGroup() throws Exception {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> new LocalGroup(2, r -> LocalGroup.config(2, SECRET).rank(r).tls(r == 0)
            .timeout(Duration.ofSeconds(2)).build()).close());
    Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
    CollectiveTimeoutException t = assertInstanceOf(CollectiveTimeoutException.class, cause);
    assertTrue(t.getMessage().contains("could not connect"), t.getMessage());
  }
}
