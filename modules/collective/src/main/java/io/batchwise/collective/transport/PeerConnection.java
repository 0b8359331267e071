package io.batchwise.collective.transport;

import io.batchwise.collective.wire.ControlCodec;
import io.batchwise.collective.wire.ControlCodec.Abort;
import io.batchwise.collective.wire.ControlCodec.Challenge;
import io.batchwise.collective.wire.ControlCodec.Hello;
import io.batchwise.collective.wire.ControlCodec.Response;
import io.batchwise.collective.wire.ControlCodec.Welcome;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.FrameDecoder;
import io.batchwise.collective.wire.WireFormat;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * One TCP connection to a peer: the handshake, then frame routing into the {@link Mesh}.
 *
 * <p>Handshake (the higher rank connects, "client"; the lower accepts, "server"):
 * <ol>
 *   <li>client → HELLO(protocol, job id, client rank, size, client nonce)</li>
 *   <li>server checks job id, size, rank range; → CHALLENGE(job id, server rank, size, server
 *       nonce, server proof)</li>
 *   <li>client checks the server proof (the server knows the secret); → RESPONSE(client proof)</li>
 *   <li>server checks the client proof, → WELCOME, registers the peer, allows DATA</li>
 *   <li>client receives WELCOME, registers the peer, allows DATA</li>
 * </ol>
 * Any deviation (garbage, wrong job, wrong proof, silence past the handshake deadline, a frame of
 * the wrong type) closes the connection and logs why; the group is not affected because the
 * connection never reached the mesh.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(PeerConnection.class.getName());

  private enum State { AWAIT_HELLO, AWAIT_CHALLENGE, AWAIT_RESPONSE, AWAIT_WELCOME, OPEN, CLOSED }

  private final Mesh mesh;
  private final FrameDecoder decoder;
  private final boolean client;
  private final int expectedPeer;
  private State state;
  private int peer = -1;
  private byte[] myNonce;
  private byte[] peerNonce;
  private ScheduledFuture<?> handshakeDeadline;
  private boolean admitted;

  /** A handler for an accepted connection (server side). */
  static PeerConnection accepted(Mesh mesh, FrameDecoder decoder) {
    return new PeerConnection(mesh, decoder, false, -1);
  }

  /** A handler for a connection this rank opened to {@code peer} (client side). */
  static PeerConnection connecting(Mesh mesh, FrameDecoder decoder, int peer) {
    return new PeerConnection(mesh, decoder, true, peer);
  }

  private PeerConnection(Mesh mesh, FrameDecoder decoder, boolean client, int expectedPeer) {
    this.mesh = mesh;
    this.decoder = decoder;
    this.client = client;
    this.expectedPeer = expectedPeer;
    this.state = client ? State.AWAIT_CHALLENGE : State.AWAIT_HELLO;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (!client) {
      admitted = mesh.admitHandshake();
      if (!admitted) {
        LOG.log(Level.WARNING, "rank {0}: refused connection {1}: more than {2} connections are "
            + "already in their handshake", mesh.rank(), ctx.channel().remoteAddress(),
            Mesh.MAX_PENDING_HANDSHAKES);
        state = State.CLOSED;
        ctx.close();
        return;
      }
    }
    handshakeDeadline = ctx.executor().schedule(
        () -> refuse(ctx, "handshake not completed within " + mesh.handshakeMillis() + " ms"),
        mesh.handshakeMillis(), TimeUnit.MILLISECONDS);
    if (client) {
      myNonce = Authenticator.nonce();
      ctx.writeAndFlush(ControlCodec.encode(new Hello(1, mesh.jobId(), mesh.rank(), mesh.size(),
          myNonce)));
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Frame frame = (Frame) msg;
    WireFormat.Type type = frame.header().type();
    if (state == State.OPEN) {
      if (type == WireFormat.Type.DATA) {
        mesh.deliver(peer, frame);
        return;
      }
      try {
        if (type == WireFormat.Type.ABORT) {
          mesh.remoteAbort(peer, (Abort) ControlCodec.decode(frame));
        } else {
          protocolError(ctx, "unexpected " + type + " frame from rank " + peer);
        }
      } catch (IllegalArgumentException e) {
        protocolError(ctx, e.getMessage());
      } finally {
        frame.release();
      }
      return;
    }
    try {
      if (state == State.CLOSED) {
        return;
      }
      if (type == WireFormat.Type.DATA || type == WireFormat.Type.ABORT) {
        refuse(ctx, type + " frame during the handshake");
        return;
      }
      Object m = ControlCodec.decode(frame);
      switch (state) {
        case AWAIT_HELLO -> onHello(ctx, m);
        case AWAIT_CHALLENGE -> onChallenge(ctx, m);
        case AWAIT_RESPONSE -> onResponse(ctx, m);
        case AWAIT_WELCOME -> onWelcome(ctx, m);
        default -> refuse(ctx, "unexpected " + type + " in state " + state);
      }
    } catch (IllegalArgumentException e) {
      refuse(ctx, e.getMessage());
    } finally {
      frame.release();
    }
  }

  private void onHello(ChannelHandlerContext ctx, Object m) {
    if (!(m instanceof Hello h)) {
      refuse(ctx, "expected HELLO, got " + m.getClass().getSimpleName());
      return;
    }
    if (h.protocol() != 1) {
      refuse(ctx, "protocol " + h.protocol() + " unsupported");
    } else if (!h.jobId().equals(mesh.jobId())) {
      refuse(ctx, "job id '" + h.jobId() + "' is not this group's");
    } else if (h.size() != mesh.size()) {
      refuse(ctx, "peer says group size " + h.size() + ", this rank has " + mesh.size());
    } else if (h.rank() <= mesh.rank() || h.rank() >= mesh.size()) {
      refuse(ctx, "rank " + h.rank() + " may not connect to rank " + mesh.rank()
          + " (only higher ranks connect to lower ones)");
    } else {
      peer = h.rank();
      peerNonce = h.nonce();
      myNonce = Authenticator.nonce();
      byte[] proof = mesh.authenticator().serverProof(mesh.rank(), peer, peerNonce, myNonce,
          binding(ctx));
      state = State.AWAIT_RESPONSE;
      ctx.writeAndFlush(ControlCodec.encode(new Challenge(mesh.jobId(), mesh.rank(), mesh.size(),
          myNonce, proof)));
    }
  }

  private void onChallenge(ChannelHandlerContext ctx, Object m) {
    if (!(m instanceof Challenge c)) {
      refuse(ctx, "expected CHALLENGE, got " + m.getClass().getSimpleName());
      return;
    }
    if (!c.jobId().equals(mesh.jobId()) || c.rank() != expectedPeer || c.size() != mesh.size()) {
      refuse(ctx, "expected rank " + expectedPeer + " of job '" + mesh.jobId() + "' (size "
          + mesh.size() + "), found rank " + c.rank() + " of job '" + c.jobId() + "' (size "
          + c.size() + ")");
      return;
    }
    byte[] binding = binding(ctx);
    byte[] expected = mesh.authenticator().serverProof(c.rank(), mesh.rank(), myNonce, c.nonce(),
        binding);
    if (!Authenticator.same(expected, c.mac())) {
      refuse(ctx, "rank " + c.rank() + " failed to prove the job secret (wrong secret?)");
      return;
    }
    peer = c.rank();
    peerNonce = c.nonce();
    state = State.AWAIT_WELCOME;
    ctx.writeAndFlush(ControlCodec.encode(new Response(
        mesh.authenticator().clientProof(mesh.rank(), peer, peerNonce, myNonce, binding))));
  }

  private void onResponse(ChannelHandlerContext ctx, Object m) {
    if (!(m instanceof Response r)) {
      refuse(ctx, "expected RESPONSE, got " + m.getClass().getSimpleName());
      return;
    }
    byte[] expected = mesh.authenticator().clientProof(peer, mesh.rank(), myNonce, peerNonce,
        binding(ctx));
    if (!Authenticator.same(expected, r.mac())) {
      refuse(ctx, "connection claiming rank " + peer + " failed to prove the job secret "
          + "(wrong secret?)");
      return;
    }
    // WELCOME goes out before registration, so it precedes any DATA this rank sends.
    ctx.writeAndFlush(ControlCodec.encode(new Welcome(mesh.rank())));
    open(ctx);
  }

  private void onWelcome(ChannelHandlerContext ctx, Object m) {
    if (!(m instanceof Welcome w) || w.rank() != peer) {
      refuse(ctx, "expected WELCOME from rank " + peer + ", got " + m);
      return;
    }
    open(ctx);
  }

  private void open(ChannelHandlerContext ctx) {
    handshakeDeadline.cancel(false);
    releaseAdmission();
    decoder.allowData(mesh.maxDataPayload());
    if (!mesh.register(peer, ctx.channel())) {
      refuse(ctx, "rank " + peer + " is already connected");
      return;
    }
    state = State.OPEN;
  }

  /**
   * The TLS channel binding the proofs cover: the SHA-256 fingerprint of the server's certificate
   * (this rank's own on the server side, the one the peer presented on the client side); empty
   * without TLS.
   */
  private byte[] binding(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return new byte[0];
    }
    if (!client) {
      return mesh.tlsFingerprint();
    }
    try {
      return TlsIdentity.fingerprint(ssl.engine().getSession().getPeerCertificates()[0]);
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new IllegalArgumentException("the TLS peer presented no certificate");
    }
  }

  private void refuse(ChannelHandlerContext ctx, String why) {
    if (state == State.CLOSED || state == State.OPEN && why.startsWith("handshake")) {
      return;
    }
    LOG.log(Level.WARNING, "rank {0}: refused connection {1}: {2}", mesh.rank(),
        ctx.channel().remoteAddress(), why);
    if (client) {
      mesh.connectProblem(expectedPeer, why);
    } else if (peer >= 0) {
      mesh.connectProblem(peer, "refused a connection claiming rank " + peer + ": " + why);
    }
    state = State.CLOSED;
    ctx.close();
  }

  private void protocolError(ChannelHandlerContext ctx, String why) {
    LOG.log(Level.WARNING, "rank {0}: protocol error from rank {1}, closing: {2}", mesh.rank(),
        peer, why);
    ctx.close();
  }

  private void releaseAdmission() {
    if (admitted) {
      admitted = false;
      mesh.handshakeEnded();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseAdmission();
    if (handshakeDeadline != null) {
      handshakeDeadline.cancel(false);
    }
    if (state == State.OPEN) {
      state = State.CLOSED;
      mesh.peerLost(peer, ctx.channel());
    } else if (client && state != State.CLOSED) {
      mesh.connectProblem(expectedPeer, "connection closed during the handshake (the peer "
          + "refused it: wrong secret or job?)");
    } else if (!client && peer >= 0 && state == State.AWAIT_RESPONSE) {
      mesh.connectProblem(peer, "rank " + peer + " hung up during the handshake (it refused "
          + "this rank's proof: wrong secret?)");
    }
    state = State.CLOSED;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String who = state == State.OPEN ? "rank " + peer : "unauthenticated " + ctx.channel()
        .remoteAddress();
    LOG.log(Level.WARNING, "rank {0}: closing connection with {1}: {2}", mesh.rank(), who,
        String.valueOf(cause.getMessage()));
    if (client && state != State.OPEN && state != State.CLOSED) {
      mesh.connectProblem(expectedPeer, String.valueOf(cause.getMessage()));
    }
    ctx.close();
  }
}
