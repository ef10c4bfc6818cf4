package dev.jitguard.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Ed25519 keys for signed audit checkpoints, with the JDK's own provider (no third-party crypto): generate, read and
 * write PEM files (PKCS#8 {@code PRIVATE KEY}, X.509 {@code PUBLIC KEY}, the formats of
 * {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout}), and the key id written into every
 * checkpoint. Error messages name the file and the problem, never key material.
 */
public final class AuditKeys {
  private static final String PRIVATE = "PRIVATE KEY";
  private static final String PUBLIC = "PUBLIC KEY";

  private AuditKeys() {}

  /**
   * A new random Ed25519 key pair.
   *
   * @return the pair
   */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519 (JDK 15 or later is needed)", e);
    }
  }

  /**
   * The id of a public key, as written into checkpoints: {@code ed25519:} and the first 16 hex characters of the
   * SHA-256 of the key's X.509 encoding. The verifier derives it from the key it is given, so it cannot be chosen.
   *
   * @param key an Ed25519 public key
   * @return the id, for example {@code ed25519:3f1c0a9be2d47781}
   */
  public static String keyId(PublicKey key) {
    byte[] digest = Chain.sha256().digest(key.getEncoded());
    return "ed25519:" + Chain.hex(Arrays.copyOf(digest, 8));
  }

  /**
   * Reads a PEM PKCS#8 Ed25519 private key ({@code -----BEGIN PRIVATE KEY-----}).
   *
   * @param file the file
   * @return the key
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is not such a key
   */
  public static PrivateKey readPrivateKey(Path file) {
    byte[] der = pem(file, PRIVATE);
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("'" + file + "' is not an Ed25519 private key in PKCS#8 form ("
          + e.getClass().getSimpleName() + "); create one with: openssl genpkey -algorithm ed25519 -out " + file);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /**
   * Reads a PEM X.509 Ed25519 public key ({@code -----BEGIN PUBLIC KEY-----}).
   *
   * @param file the file
   * @return the key
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is not such a key
   */
  public static PublicKey readPublicKey(Path file) {
    byte[] der = pem(file, PUBLIC);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("'" + file + "' is not an Ed25519 public key in X.509 form ("
          + e.getClass().getSimpleName() + "); derive it from the private key with: openssl pkey -in PRIVATE.pem "
          + "-pubout -out " + file);
    }
  }

  /**
   * Reads a key pair and checks that the two halves belong together (a test signature).
   *
   * @param privateKeyFile PEM PKCS#8 private key
   * @param publicKeyFile PEM X.509 public key
   * @return the pair
   * @throws IllegalArgumentException if a file is not such a key, or the keys do not match
   */
  public static KeyPair readKeyPair(Path privateKeyFile, Path publicKeyFile) {
    KeyPair pair = new KeyPair(readPublicKey(publicKeyFile), readPrivateKey(privateKeyFile));
    if (!matches(pair)) {
      throw new IllegalArgumentException("the private key in '" + privateKeyFile + "' does not belong to the public "
          + "key in '" + publicKeyFile + "' (" + keyId(pair.getPublic()) + "); pass the matching pair");
    }
    return pair;
  }

  /**
   * Writes a private key as PEM PKCS#8, readable only by its owner where the file system supports POSIX permissions.
   * Refuses to overwrite an existing file.
   *
   * @param key the key
   * @param file a file that does not exist yet
   */
  public static void writePrivateKey(PrivateKey key, Path file) {
    byte[] pem = toPem(PRIVATE, key.getEncoded());
    try {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.write(file, pem, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("'" + file + "' already exists; a private key is never overwritten, choose "
          + "another file", e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the private key to '" + file + "'", e);
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
  }

  /**
   * Writes a public key as PEM X.509 ({@code -----BEGIN PUBLIC KEY-----}).
   *
   * @param key the key
   * @param file the file (replaced if it exists)
   */
  public static void writePublicKey(PublicKey key, Path file) {
    try {
      Files.write(file, toPem(PUBLIC, key.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the public key to '" + file + "'", e);
    }
  }

  static boolean matches(KeyPair pair) {
    try {
      byte[] probe = "jitguard key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(pair.getPrivate());
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(pair.getPublic());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] toPem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    Arrays.fill(der, (byte) 0);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] pem(Path file, String type) {
    Objects.requireNonNull(file, "file cannot be null");
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the key file '" + file + "'", e);
    }
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException("'" + file + "' has no " + begin + " ... " + end + " block; expected a PEM "
          + (type.equals(PRIVATE) ? "PKCS#8 private key" : "X.509 public key") + " for Ed25519");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("'" + file + "' has a " + type + " block that is not valid Base64");
    }
  }
}
