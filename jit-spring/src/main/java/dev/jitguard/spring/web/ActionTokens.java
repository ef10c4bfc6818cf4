package dev.jitguard.spring.web;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.action.ActionBinding;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque tokens that carry one denied action call from the 403 problem response to the create-request endpoint:
 * subject id, privilege, action name, argument digest, the <b>server-computed</b> preview and an expiry, signed with
 * HMAC-SHA256 under a key only the server knows. A client can hand the token back but cannot change any part of it,
 * so the preview an approver sees is always the one the server rendered for the real arguments, and a token issued
 * to one user is refused for another. The key is random per process unless given: tokens do not survive a restart
 * (or cross instances) then, and a client simply calls again to get a fresh one. Thread-safe.
 */
public final class ActionTokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder D64 = Base64.getUrlDecoder();
  private static final int MAX_TOKEN = 8192;

  private final byte[] key;
  private final Clock clock;
  private final Duration ttl;

  /**
   * Creates the tokens.
   *
   * @param key the HMAC key, at least 32 bytes; null for a random one
   * @param clock the clock for expiry
   * @param ttl how long a token can be exchanged for a request
   */
  public ActionTokens(byte[] key, Clock clock, Duration ttl) {
    if (key == null) {
      key = new byte[32];
      new SecureRandom().nextBytes(key);
    }
    if (key.length < 32) {
      throw new IllegalArgumentException("the action token key must have at least 32 bytes");
    }
    this.key = key.clone();
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    this.ttl = Objects.requireNonNull(ttl, "ttl cannot be null");
  }

  /** A call that a token stood for. */
  public record ActionCall(String subjectId, Privilege privilege, ActionBinding action) { }

  /**
   * Issues a token for a denied call.
   *
   * @param subjectId who was denied
   * @param privilege the privilege
   * @param action the call
   * @return the token
   */
  public String issue(String subjectId, Privilege privilege, ActionBinding action) {
    long expires = clock.millis() + ttl.toMillis();
    String payload = String.join(".", enc(subjectId), enc(privilege.name()), enc(action.action()),
        action.argumentDigest(), enc(action.preview()), Long.toString(expires));
    return B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(mac(payload));
  }

  /**
   * Verifies a token handed back by a client.
   *
   * @param token the token
   * @param subjectId who hands it back
   * @return the call
   * @throws InvalidInputException (field {@code actionToken}) if the token is malformed, forged, expired or issued
   *     to someone else
   */
  public ActionCall verify(String token, String subjectId) {
    if (token.length() > MAX_TOKEN) {
      throw bad("is too long");
    }
    int dot = token.lastIndexOf('.');
    if (dot <= 0) {
      throw bad("is malformed");
    }
    String payload;
    byte[] sig;
    try {
      payload = new String(D64.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
      sig = D64.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw bad("is malformed");
    }
    if (!MessageDigest.isEqual(sig, mac(payload))) {
      throw bad("was not issued by this server (or was altered)");
    }
    String[] f = payload.split("\\.", -1);
    if (f.length != 6) {
      throw bad("is malformed");
    }
    if (clock.millis() > Long.parseLong(f[5])) {
      throw bad("has expired; call the operation again to get a fresh one");
    }
    if (!dec(f[0]).equals(subjectId)) {
      throw bad("was issued to another user");
    }
    return new ActionCall(subjectId, Privilege.of(dec(f[1])), new ActionBinding(dec(f[2]), f[3], dec(f[4])));
  }

  private byte[] mac(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static String enc(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String dec(String s) {
    return new String(D64.decode(s), StandardCharsets.UTF_8);
  }

  private static InvalidInputException bad(String why) {
    return new InvalidInputException("actionToken", "actionToken " + why);
  }
}
