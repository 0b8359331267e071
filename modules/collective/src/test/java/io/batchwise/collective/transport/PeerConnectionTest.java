package io.batchwise.collective.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.wire.ControlCodec;
import io.batchwise.collective.wire.ControlCodec.Challenge;
import io.batchwise.collective.wire.ControlCodec.Hello;
import io.batchwise.collective.wire.ControlCodec.Response;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.FrameDecoder;
import io.batchwise.collective.wire.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The accepting side of the handshake on an {@link EmbeddedChannel}, with the test playing the
 * connecting rank byte for byte.
 */
class PeerConnectionTest {
  private final byte[] secret = CollectiveConfig.newSecret();
  private Mesh mesh;
  private Authenticator auth;

  @BeforeEach
  void bind() {
    CollectiveConfig cfg = CollectiveConfig.builder().jobId("job").secret(secret).rank(0).size(3)
        .build();
    mesh = Mesh.bind(cfg, new InetSocketAddress("127.0.0.1", 0));
    auth = new Authenticator(secret, "job", 3);
  }

  @AfterEach
  void close() {
    mesh.close();
  }

  private static EmbeddedChannel server(Mesh mesh) {
    FrameDecoder decoder = new FrameDecoder();
    return new EmbeddedChannel(decoder, FrameEncoder.INSTANCE,
        PeerConnection.accepted(mesh, decoder));
  }

  /** Sends a control message into the channel, as bytes. */
  private static void send(EmbeddedChannel ch, Object message) {
    EmbeddedChannel enc = new EmbeddedChannel(FrameEncoder.INSTANCE);
    enc.writeOutbound(ControlCodec.encode(message));
    for (ByteBuf b; (b = enc.readOutbound()) != null; ) {
      ch.writeInbound(b);
    }
  }

  /** The next control message the channel wrote, decoded from its bytes. */
  private static Object reply(EmbeddedChannel ch) {
    FrameDecoder d = new FrameDecoder();
    EmbeddedChannel dec = new EmbeddedChannel(d);
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      dec.writeInbound(b);
    }
    Frame f = dec.readInbound();
    assertNotNull(f, "no reply");
    try {
      return ControlCodec.decode(f);
    } finally {
      f.release();
    }
  }

  private static byte[] nonce(int seed) {
    byte[] n = new byte[ControlCodec.NONCE_BYTES];
    Arrays.fill(n, (byte) seed);
    return n;
  }

  @Test
  void serverProvesTheSecretAndAcceptsAValidProof() {
    EmbeddedChannel ch = server(mesh);
    byte[] mine = nonce(1);
    send(ch, new Hello(1, "job", 2, 3, mine));
    Challenge c = assertInstanceOf(Challenge.class, reply(ch));
    assertEquals(0, c.rank());
    assertTrue(Authenticator.same(auth.serverProof(0, 2, mine, c.nonce()), c.mac()),
        "the server's proof binds both nonces, both ranks and the job");
    send(ch, new Response(auth.clientProof(2, 0, c.nonce(), mine)));
    assertInstanceOf(ControlCodec.Welcome.class, reply(ch));
    assertTrue(ch.isOpen());
  }

  @Test
  void aProofForAnotherChallengeIsNotAccepted() {
    byte[] mine = nonce(2);
    // Session A: the attacker observes a valid exchange's proof (computed here for challenge A).
    EmbeddedChannel a = server(mesh);
    send(a, new Hello(1, "job", 1, 3, mine));
    Challenge ca = assertInstanceOf(Challenge.class, reply(a));
    byte[] proofA = auth.clientProof(1, 0, ca.nonce(), mine);
    a.close();
    // Session B, same client nonce: the server picks a fresh nonce, the old proof fails.
    EmbeddedChannel b = server(mesh);
    send(b, new Hello(1, "job", 1, 3, mine));
    Challenge cb = assertInstanceOf(Challenge.class, reply(b));
    assertFalse(Arrays.equals(ca.nonce(), cb.nonce()), "server nonces are fresh");
    send(b, new Response(proofA));
    assertFalse(b.isOpen(), "replayed proof refused");
    // A proof claiming another rank (the MAC binds the prover's rank) fails as well.
    EmbeddedChannel c = server(mesh);
    send(c, new Hello(1, "job", 1, 3, mine));
    Challenge cc = assertInstanceOf(Challenge.class, reply(c));
    send(c, new Response(auth.clientProof(2, 0, cc.nonce(), mine)));
    assertFalse(c.isOpen(), "proof for rank 2 does not pass for rank 1");
    // The real thing still works afterwards.
    EmbeddedChannel d = server(mesh);
    send(d, new Hello(1, "job", 1, 3, mine));
    Challenge cd = assertInstanceOf(Challenge.class, reply(d));
    send(d, new Response(auth.clientProof(1, 0, cd.nonce(), mine)));
    assertInstanceOf(ControlCodec.Welcome.class, reply(d));
  }

  /** Runs the client side of the handshake as rank 2 on a fresh channel; returns the channel. */
  private EmbeddedChannel handshakeAsRank2(int seed) {
    EmbeddedChannel ch = server(mesh);
    byte[] mine = nonce(seed);
    send(ch, new Hello(1, "job", 2, 3, mine));
    Challenge c = assertInstanceOf(Challenge.class, reply(ch));
    send(ch, new Response(auth.clientProof(2, 0, c.nonce(), mine)));
    return ch;
  }

  @Test
  void aConnectionLostBeforeTheFirstCollectiveIsReplacedByTheRetry() {
    EmbeddedChannel first = handshakeAsRank2(5);
    assertInstanceOf(ControlCodec.Welcome.class, reply(first));
    // The peer gives up on its side (say its handshake deadline passed under load) and retries.
    first.close();
    EmbeddedChannel retry = handshakeAsRank2(6);
    assertInstanceOf(ControlCodec.Welcome.class, reply(retry));
    assertTrue(retry.isOpen(), "the retry replaces the lost connection");
    // While that connection is alive, another one claiming rank 2 is refused.
    EmbeddedChannel duplicate = handshakeAsRank2(7);
    reply(duplicate); // WELCOME goes out before registration, which then refuses it
    assertFalse(duplicate.isOpen(), "rank 2 is already connected");
  }

  @Test
  void wrongJobLowerRankAndDataBeforeAuthAreRefused() {
    EmbeddedChannel wrongJob = server(mesh);
    send(wrongJob, new Hello(1, "other-job", 2, 3, nonce(3)));
    assertFalse(wrongJob.isOpen());
    EmbeddedChannel notHigher = server(mesh);
    send(notHigher, new Hello(1, "job", 0, 3, nonce(3)));
    assertFalse(notHigher.isOpen(), "only higher ranks connect to rank 0");
    EmbeddedChannel wrongSize = server(mesh);
    send(wrongSize, new Hello(1, "job", 2, 4, nonce(3)));
    assertFalse(wrongSize.isOpen());
    EmbeddedChannel skipAhead = server(mesh);
    send(skipAhead, new Response(new byte[ControlCodec.MAC_BYTES]));
    assertFalse(skipAhead.isOpen(), "RESPONSE before HELLO");
  }
}
