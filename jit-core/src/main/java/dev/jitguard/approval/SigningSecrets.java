package dev.jitguard.approval;

import dev.jitguard.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared secrets behind HMAC-SHA256 signatures (webhook events, inbound decisions, approve/deny links), with
 * rotation: the first secret signs, every secret verifies. To rotate, put the new secret first and keep the old one
 * second until every sender and receiver has switched, then drop it.
 *
 * <p>Each secret must be at least {@value #MIN_LENGTH} characters (generate 32 random bytes and encode them, for
 * example {@code openssl rand -base64 32}). Secrets are never printed: {@link #toString()} shows only how many there
 * are. Immutable and thread-safe.
 */
public final class SigningSecrets {
  /** Shortest accepted secret, in characters. */
  public static final int MIN_LENGTH = 32;
  /** Most secrets accepted at once (the current one and older ones still accepted). */
  public static final int MAX_SECRETS = 4;

  private static final String ALGORITHM = "HmacSHA256";

  private final List<SecretKeySpec> keys;

  private SigningSecrets(List<SecretKeySpec> keys) {
    this.keys = List.copyOf(keys);
  }

  /**
   * Secrets for signing and verifying.
   *
   * @param current the secret that signs (and verifies)
   * @param previous older secrets that still verify during a rotation
   * @return the secrets
   * @throws InvalidInputException if a secret is shorter than {@value #MIN_LENGTH} characters, repeated, or there
   *     are more than {@value #MAX_SECRETS}
   */
  public static SigningSecrets of(String current, String... previous) {
    Objects.requireNonNull(current, "current secret cannot be null");
    Objects.requireNonNull(previous, "previous secrets cannot be null");
    if (previous.length + 1 > MAX_SECRETS) {
      throw new InvalidInputException("secrets", String.format(Locale.ROOT,
          "at most %d secrets are accepted, but %d were given; drop secrets no sender uses any more",
          MAX_SECRETS, previous.length + 1));
    }
    List<String> all = new ArrayList<>();
    all.add(current);
    all.addAll(Arrays.asList(previous));
    List<SecretKeySpec> keys = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      String s = Objects.requireNonNull(all.get(i), "secret cannot be null");
      if (s.length() < MIN_LENGTH || s.isBlank()) {
        throw new InvalidInputException("secrets", String.format(Locale.ROOT,
            "secret #%d must be at least %d characters, but was %d; generate one with 'openssl rand -base64 32'",
            i + 1, MIN_LENGTH, s.length()));
      }
      if (all.subList(0, i).contains(s)) {
        throw new InvalidInputException("secrets", "secret #" + (i + 1) + " repeats an earlier one; list each "
            + "secret once");
      }
      keys.add(new SecretKeySpec(s.getBytes(StandardCharsets.UTF_8), ALGORITHM));
    }
    return new SigningSecrets(keys);
  }

  /** @return how many secrets verify (at least 1) */
  public int size() {
    return keys.size();
  }

  /** HMAC-SHA256 with the current secret over the concatenated parts. */
  byte[] sign(byte[]... parts) {
    return mac(keys.get(0), parts);
  }

  /**
   * Whether {@code candidate} is the HMAC of the parts under any secret. Every secret is tried and compared in
   * constant time ({@link MessageDigest#isEqual}), so the timing says nothing about which one matched or how much.
   */
  boolean verifies(byte[] candidate, byte[]... parts) {
    boolean match = false;
    for (SecretKeySpec key : keys) {
      match |= MessageDigest.isEqual(mac(key, parts), candidate);
    }
    return match;
  }

  private static byte[] mac(SecretKeySpec key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }

  /** Shows how many secrets there are, never the secrets. */
  @Override
  public String toString() {
    return "SigningSecrets[" + keys.size() + (keys.size() == 1 ? " secret]" : " secrets]");
  }
}
