package io.batchwise.collective.transport;

import io.batchwise.collective.CollectiveException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * This JVM's TLS identity for the optional encrypted connections ({@code tls=true}): an EC P-256
 * key pair and a self-signed certificate, made once per JVM at first use with the JDK's keytool
 * (the JDK has no public API that writes a certificate, and Netty's SelfSignedCertificate needs
 * BouncyCastle's PKIX library or JDK internals).
 *
 * <p>Trust does not come from the certificate: every rank's is self-signed and clients accept any.
 * It comes from the HMAC handshake that runs inside TLS and covers the SHA-256 fingerprint of the
 * server's certificate as each side sees it ({@link Authenticator}): a man in the middle would
 * present its own certificate to the client, so the client's proof and the server's would cover
 * different fingerprints and fail, and without the job secret it cannot compute either.
 */
final class TlsIdentity {
  private static TlsIdentity instance;

  private final PrivateKey key;
  private final X509Certificate certificate;
  private final byte[] fingerprint;

  private TlsIdentity(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
    this.fingerprint = fingerprint(certificate);
  }

  /** This JVM's identity, made on first use (about a second: one keytool process). */
  static synchronized TlsIdentity get() {
    if (instance == null) {
      instance = generate();
    }
    return instance;
  }

  /** SHA-256 of the certificate's DER encoding. */
  static byte[] fingerprint(Certificate c) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot fingerprint a certificate: " + e, e);
    }
  }

  byte[] fingerprint() {
    return fingerprint.clone();
  }

  SslContext serverContext() {
    try {
      return SslContextBuilder.forServer(key, certificate).sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2").build();
    } catch (SSLException e) {
      throw new CollectiveException("cannot set up the TLS server context: " + e.getMessage(), e);
    }
  }

  static SslContext clientContext() {
    try {
      // Any certificate is accepted here; the HMAC handshake binds it (see the class comment).
      return SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    } catch (SSLException e) {
      throw new CollectiveException("cannot set up the TLS client context: " + e.getMessage(), e);
    }
  }

  private static TlsIdentity generate() {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("batchwise-tls");
      Path store = dir.resolve("rank.p12");
      String pass = java.util.HexFormat.of().formatHex(Authenticator.nonce());
      String keytool = System.getProperty("java.home") + File.separator + "bin" + File.separator
          + "keytool";
      Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "rank",
          "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
          "-dname", "CN=batchwise-collective", "-validity", "30", "-storetype", "PKCS12",
          "-keystore", store.toString(), "-storepass", pass, "-keypass", pass))
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new CollectiveException("keytool could not make the TLS key pair: " + out.trim());
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, pass.toCharArray());
      }
      return new TlsIdentity((PrivateKey) ks.getKey("rank", pass.toCharArray()),
          (X509Certificate) ks.getCertificate("rank"));
    } catch (CollectiveException e) {
      throw e;
    } catch (Exception e) {
      throw new CollectiveException("cannot make this rank's TLS identity: " + e, e);
    } finally {
      if (dir != null) {
        try (var files = Files.list(dir)) {
          files.forEach(f -> f.toFile().delete());
        } catch (Exception ignored) {
          // best effort: a temp file
        }
        dir.toFile().delete();
      }
    }
  }
}
