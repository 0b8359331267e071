package io.batchwise.collective.transport;

import io.batchwise.collective.wire.ControlCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The proofs of the mutual challenge-response. Each side proves knowledge of the per-job secret
 * with HMAC-SHA256 over:
 * <pre>
 *   role label ("BWC1 server" or "BWC1 client", so one side's proof never passes as the other's),
 *   job id, prover's rank, verifier's rank, group size,
 *   verifier's nonce, prover's nonce       (both fresh: no replay of an old exchange)
 *   channel binding                        (with TLS: SHA-256 of the server's certificate as
 *                                           this side sees it; empty without TLS)
 * </pre>
 * Strings are length-prefixed (UTF-8), integers 4-byte big-endian. Comparison is constant-time.
 */
public final class Authenticator {
  private static final String SERVER = "BWC1 server";
  private static final String CLIENT = "BWC1 client";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final String jobId;
  private final int size;

  public Authenticator(byte[] secret, String jobId, int size) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.jobId = jobId;
    this.size = size;
  }

  public static byte[] nonce() {
    byte[] n = new byte[ControlCodec.NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  private static final byte[] NO_BINDING = new byte[0];

  /** Proof sent by the accepting (server) rank, without TLS. */
  public byte[] serverProof(int serverRank, int clientRank, byte[] clientNonce, byte[] serverNonce) {
    return serverProof(serverRank, clientRank, clientNonce, serverNonce, NO_BINDING);
  }

  /** Proof sent by the connecting (client) rank, without TLS. */
  public byte[] clientProof(int clientRank, int serverRank, byte[] serverNonce, byte[] clientNonce) {
    return clientProof(clientRank, serverRank, serverNonce, clientNonce, NO_BINDING);
  }

  /** Proof sent by the accepting (server) rank, bound to the TLS channel ({@code binding}). */
  public byte[] serverProof(int serverRank, int clientRank, byte[] clientNonce, byte[] serverNonce,
      byte[] binding) {
    return mac(SERVER, serverRank, clientRank, clientNonce, serverNonce, binding);
  }

  /** Proof sent by the connecting (client) rank, bound to the TLS channel ({@code binding}). */
  public byte[] clientProof(int clientRank, int serverRank, byte[] serverNonce, byte[] clientNonce,
      byte[] binding) {
    return mac(CLIENT, clientRank, serverRank, serverNonce, clientNonce, binding);
  }

  public static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  private byte[] mac(String role, int prover, int verifier, byte[] verifierNonce,
      byte[] proverNonce, byte[] binding) {
    byte[] r = role.getBytes(StandardCharsets.UTF_8);
    byte[] j = jobId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer msg = ByteBuffer.allocate(4 + r.length + 4 + j.length + 12 + 8
        + verifierNonce.length + proverNonce.length + (binding.length > 0 ? 4 + binding.length : 0));
    msg.putInt(r.length).put(r).putInt(j.length).put(j);
    msg.putInt(prover).putInt(verifier).putInt(size);
    msg.putInt(verifierNonce.length).put(verifierNonce).putInt(proverNonce.length).put(proverNonce);
    if (binding.length > 0) {
      // Absent (not even a length) without TLS, so plain proofs stay as they were.
      msg.putInt(binding.length).put(binding);
    }
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      return m.doFinal(msg.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
