package dev.jitguard.approval;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The webhook signature, both ways: JIT Guard signs the events it sends, and verifies the decisions it receives, the
 * same way. Receivers written in Java can use {@link #verify} as is; the scheme is simple to reimplement:
 *
 * <pre>
 * X-JitGuard-Timestamp: 1767225600                     (Unix seconds when this attempt was sent)
 * X-JitGuard-Signature: v1=&lt;hex HMAC-SHA256(secret, timestamp + "." + raw body bytes)&gt;
 * </pre>
 *
 * <p>A verifier recomputes the HMAC over the raw body bytes (never a re-serialised body), compares it in constant time
 * with every {@code v1=} value of the header (several are allowed, comma-separated, for rotations), and rejects
 * timestamps further than its tolerance from its own clock. Thread-safe (stateless).
 */
public final class WebhookSignature {
  /** The signature scheme written before {@code =} in the signature header. */
  public static final String SCHEME = "v1";

  private static final int MAX_HEADER_LENGTH = 1024;
  private static final HexFormat HEX = HexFormat.of();

  private WebhookSignature() {}

  /** Why a signature was accepted or not. */
  public enum Result {
    /** The signature matches a secret and the timestamp is within the tolerance. */
    VALID,
    /** The timestamp or the signature header is missing. */
    MISSING,
    /** A header is not in the documented form. */
    MALFORMED,
    /** The timestamp is further than the tolerance from the verifier's clock (stale, or from the future). */
    STALE,
    /** No {@code v1} signature matches any secret: wrong secret, or the body or timestamp was changed. */
    MISMATCH
  }

  /**
   * Signs a body.
   *
   * @param secrets the secrets; the first one signs
   * @param timestampSeconds Unix seconds, the value sent in {@code X-JitGuard-Timestamp}
   * @param body the raw body bytes, exactly as sent
   * @return the signature header value, {@code v1=<64 lowercase hex>}
   */
  public static String sign(SigningSecrets secrets, long timestampSeconds, byte[] body) {
    Objects.requireNonNull(secrets, "secrets cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    if (timestampSeconds < 0) {
      throw new IllegalArgumentException("timestampSeconds must be at least 0, but was " + timestampSeconds);
    }
    return SCHEME + "=" + HEX.formatHex(secrets.sign(signedPrefix(timestampSeconds), body));
  }

  /**
   * Verifies a signed body.
   *
   * @param secrets the secrets; any of them may have signed
   * @param timestampHeader the {@code X-JitGuard-Timestamp} value, or null if absent
   * @param signatureHeader the {@code X-JitGuard-Signature} value, or null if absent
   * @param body the raw body bytes, exactly as received
   * @param now the verifier's current time
   * @param tolerance how far the timestamp may be from {@code now}, either way
   * @return {@link Result#VALID} or why not
   */
  public static Result verify(SigningSecrets secrets, @Nullable String timestampHeader,
      @Nullable String signatureHeader, byte[] body, Instant now, Duration tolerance) {
    Objects.requireNonNull(secrets, "secrets cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    Objects.requireNonNull(now, "now cannot be null");
    Objects.requireNonNull(tolerance, "tolerance cannot be null");
    if (timestampHeader == null || signatureHeader == null) {
      return Result.MISSING;
    }
    long timestamp = parseTimestamp(timestampHeader.trim());
    if (timestamp < 0 || signatureHeader.length() > MAX_HEADER_LENGTH) {
      return Result.MALFORMED;
    }
    long skew = Math.abs(now.getEpochSecond() - timestamp);
    if (skew > tolerance.getSeconds()) {
      return Result.STALE;
    }
    byte[] prefix = signedPrefix(timestamp);
    boolean anyV1 = false;
    boolean match = false;
    for (String part : signatureHeader.split(",", -1)) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        return Result.MALFORMED;
      }
      if (!p.substring(0, eq).equals(SCHEME)) {
        continue; // a future scheme: ignored, as long as one v1 value is present
      }
      byte[] candidate = parseHex(p.substring(eq + 1));
      if (candidate == null) {
        return Result.MALFORMED;
      }
      anyV1 = true;
      match |= secrets.verifies(candidate, prefix, body);
    }
    if (!anyV1) {
      return Result.MALFORMED;
    }
    return match ? Result.VALID : Result.MISMATCH;
  }

  private static byte[] signedPrefix(long timestamp) {
    return (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
  }

  /** Unix seconds: 1 to 12 ASCII digits; -1 if malformed. */
  static long parseTimestamp(String s) {
    if (s.isEmpty() || s.length() > 12) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

  /** 64 hex characters (either case) to 32 bytes; null if malformed. */
  private static byte @Nullable [] parseHex(String s) {
    if (s.length() != 64) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return null;
      }
    }
    return HEX.parseHex(s);
  }
}
