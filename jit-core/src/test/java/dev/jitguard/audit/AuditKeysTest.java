package dev.jitguard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeysTest {
  /** Made with {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout} (a test key only). */
  static final String OPENSSL_PRIVATE = "-----BEGIN PRIVATE KEY-----\n"
      + "MC4CAQAwBQYDK2VwBCIEIOWwqV7TQzAaKKWUI/nD3w0QeYZzojs8alDHm5q3ufHX\n-----END PRIVATE KEY-----\n";
  static final String OPENSSL_PUBLIC = "-----BEGIN PUBLIC KEY-----\n"
      + "MCowBQYDK2VwAyEA+34Pmwwa7XCqA7608bXPOXf7KqU64v0wMm+HIVUk5mQ=\n-----END PUBLIC KEY-----\n";

  @TempDir
  Path dir;

  @Test
  void readWhenOpensslKeysThenPairMatchesAndSigns() throws Exception {
    Path priv = Files.writeString(dir.resolve("k.pem"), OPENSSL_PRIVATE);
    Path pub = Files.writeString(dir.resolve("k.pub.pem"), OPENSSL_PUBLIC);

    KeyPair pair = AuditKeys.readKeyPair(priv, pub);

    assertThat(AuditKeys.keyId(pair.getPublic())).matches("ed25519:[0-9a-f]{16}");
    Checkpoint c = Checkpoint.sign("log", 0, "0".repeat(64), FileAuditSinkTest.T0, pair.getPrivate(),
        AuditKeys.keyId(pair.getPublic()));
    assertThat(c.verify(pair.getPublic())).isTrue();
  }

  @Test
  void writeThenReadBackTheSameKeysAndThePrivateKeyIsOwnerOnly() throws Exception {
    KeyPair pair = AuditKeys.generate();
    Path priv = dir.resolve("audit-key.pem");
    Path pub = dir.resolve("audit-key.pub.pem");

    AuditKeys.writePrivateKey(pair.getPrivate(), priv);
    AuditKeys.writePublicKey(pair.getPublic(), pub);

    assertThat(AuditKeys.readKeyPair(priv, pub).getPublic()).isEqualTo(pair.getPublic());
    assertThat(Files.readString(priv)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
    assertThatThrownBy(() -> AuditKeys.writePrivateKey(pair.getPrivate(), priv))
        .hasMessageContaining("never overwritten");
  }

  @Test
  void readWhenNotAKeyOrKeysDoNotMatchThenMessageNamesTheFileNotTheKey() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "hello");
    Path pub = Files.writeString(dir.resolve("k.pub.pem"), OPENSSL_PUBLIC);
    KeyPair other = AuditKeys.generate();
    Path otherPriv = dir.resolve("other.pem");
    AuditKeys.writePrivateKey(other.getPrivate(), otherPriv);

    assertThatThrownBy(() -> AuditKeys.readPrivateKey(junk)).hasMessageContaining("junk.pem")
        .hasMessageContaining("BEGIN PRIVATE KEY");
    assertThatThrownBy(() -> AuditKeys.readPublicKey(otherPriv)).hasMessageContaining("BEGIN PUBLIC KEY");
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> AuditKeys.readKeyPair(otherPriv, pub));
    assertThat(t).hasMessageContaining("does not belong");
    assertThat(t.getMessage()).doesNotContain(Files.readString(otherPriv).lines().skip(1).findFirst().orElseThrow());
  }
}
