package io.batchwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of the gathered "rank@host:port" messages and the group spec's checks. */
class RendezvousMessagesTest {

  @Test
  void endpointsAreOrderedByRankWhateverTheGatherOrder() {
    List<InetSocketAddress> e = BarrierGroup.endpointsByRank(
        new String[] {"2@127.0.0.1:4002", "0@127.0.0.1:4000", "1@10.0.0.7:4001"}, 3);
    assertEquals(List.of(new InetSocketAddress("127.0.0.1", 4000),
        new InetSocketAddress("10.0.0.7", 4001), new InetSocketAddress("127.0.0.1", 4002)), e);
  }

  @Test
  void missingRepeatedOrForeignRanksAreClearErrors() {
    String dup = assertThrows(IllegalStateException.class, () -> BarrierGroup.endpointsByRank(
        new String[] {"0@h:1", "0@h:2"}, 2)).getMessage();
    assertTrue(dup.contains("rank 0 appeared twice"), dup);
    String out = assertThrows(IllegalStateException.class, () -> BarrierGroup.endpointsByRank(
        new String[] {"0@h:1", "5@h:2"}, 2)).getMessage();
    assertTrue(out.contains("outside [0, 2)"), out);
    String count = assertThrows(IllegalStateException.class, () -> BarrierGroup.endpointsByRank(
        new String[] {"0@h:1"}, 2)).getMessage();
    assertTrue(count.contains("gathered 1 endpoints for a group of 2"), count);
    String bad = assertThrows(IllegalStateException.class, () -> BarrierGroup.endpointsByRank(
        new String[] {"h:1", "1@h:2"}, 2)).getMessage();
    assertTrue(bad.contains("malformed"), bad);
  }

  @Test
  void eachJobGetsItsOwnSecretAndTheSpecNeverPrintsIt() {
    GroupSpec a = GroupSpec.create("j", 2, Duration.ofSeconds(5));
    GroupSpec b = GroupSpec.create("j", 2, Duration.ofSeconds(5));
    byte[] sa = a.configFor(0, "s").secret();
    byte[] sb = b.configFor(0, "s").secret();
    assertEquals(32, sa.length);
    assertTrue(!java.util.Arrays.equals(sa, sb), "fresh secret per job");
    assertTrue(!a.jobId().equals(b.jobId()), "fresh job id per job");
    assertTrue(!a.configFor(0, "stage-1.0").jobId().equals(a.configFor(0, "stage-1.1").jobId()),
        "a retried stage attempt is a different collective job");
    assertThrows(IllegalArgumentException.class, () -> GroupSpec.create("j", 0, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> a.withBindHost("0.0.0.0"));
    // The handshake timeout reaches every rank's collective configuration (and survives withBindHost).
    GroupSpec slow = a.withHandshakeTimeout(Duration.ofSeconds(3)).withBindHost("127.0.0.1");
    assertEquals(Duration.ofSeconds(3), slow.configFor(1, "s").handshakeTimeout());
    assertEquals(io.batchwise.collective.CollectiveConfig.DEFAULT_HANDSHAKE_TIMEOUT.compareTo(
        a.timeout()) < 0 ? io.batchwise.collective.CollectiveConfig.DEFAULT_HANDSHAKE_TIMEOUT : a.timeout(),
        a.configFor(0, "s").handshakeTimeout());
    assertThrows(IllegalArgumentException.class, () -> a.withHandshakeTimeout(Duration.ZERO));
    // Shared memory is on unless turned off, and the choice survives the other copies.
    assertTrue(a.configFor(0, "s").sharedMemory());
    GroupSpec tcp = a.withSharedMemory(false).withHandshakeTimeout(Duration.ofSeconds(4))
        .withBindHost("127.0.0.1");
    assertTrue(!tcp.configFor(1, "s").sharedMemory());
    assertEquals(Duration.ofSeconds(4), tcp.configFor(1, "s").handshakeTimeout());
  }
}
