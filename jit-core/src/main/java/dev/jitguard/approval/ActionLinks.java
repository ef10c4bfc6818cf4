package dev.jitguard.approval;

import dev.jitguard.InvalidInputException;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Signed approve/deny links for messages (chat, e-mail, webhook events). A link carries a token that binds the
 * request id, the verdict and an expiry under an HMAC, so a click can be checked: nobody can forge a link for another
 * request or turn "deny" into "approve", and a link stops working at its expiry (the earlier of the request's own
 * pending deadline and the configured time-to-live).
 *
 * <pre>
 * https://approvals.example.com/jit/decide?token=v1.&lt;request id&gt;.&lt;approve|deny&gt;.&lt;expiry&gt;.&lt;mac&gt;
 *   expiry = Unix seconds, mac = base64url (no padding) of
 * HMAC-SHA256(secret, "jitguard-link.v1." + request id + "." + verdict + "." + expiry)
 * </pre>
 *
 * <p><b>A link is not an identity.</b> It proves what the click is about, never who clicked: whoever receives the
 * message can open it. The endpoint behind the base URL must authenticate the person (single sign-on session) and pass
 * them to {@link WebhookDecisionHandler#handleLink}, which verifies the token and then calls the guard as that person,
 * so self-approval, eligibility and thresholds apply as everywhere. Several approvers may use the same link (each
 * counts once). Opening the link (GET) should show the request and ask for confirmation; only the confirming POST
 * decides, so link previews and scanners cannot decide for anyone.
 *
 * <p>Immutable and thread-safe.
 */
public final class ActionLinks {
  /** Query parameter that carries the token. */
  public static final String TOKEN_PARAMETER = "token";

  private static final String VERSION = "v1";
  private static final String MAC_PREFIX = "jitguard-link.v1.";
  private static final int MAX_TOKEN_LENGTH = 200;

  private final URI baseUri;
  private final SigningSecrets secrets;
  private final Duration timeToLive;
  private final Clock clock;

  private ActionLinks(Builder b) {
    this.baseUri = b.baseUri;
    this.secrets = b.secrets;
    this.timeToLive = b.timeToLive != null ? b.timeToLive : Duration.ofHours(24);
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
  }

  /**
   * Starts a builder; the base URL and the secrets are required.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The link that approves or denies a request, valid until the earlier of the request's pending deadline and now
   * plus the time-to-live.
   *
   * @param request the pending request
   * @param verdict approve or deny
   * @return the link: the base URL with the {@value #TOKEN_PARAMETER} query parameter added
   */
  public URI link(RequestRecord request, Verdict verdict) {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(verdict, "verdict cannot be null");
    Instant ttl = clock.instant().plus(timeToLive);
    Instant expires = request.expiresAt().isBefore(ttl) ? request.expiresAt() : ttl;
    return withToken(token(request.id(), verdict, expires));
  }

  /**
   * The token alone (for a chat button's value, or a form field).
   *
   * @param requestId the request
   * @param verdict approve or deny
   * @param expiresAt when the token stops working (rounded down to the second)
   * @return the token, URL-safe
   */
  public String token(RequestId requestId, Verdict verdict, Instant expiresAt) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(verdict, "verdict cannot be null");
    Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
    String claims = requestId.value() + "." + verdict.wireName() + "." + Math.max(0, expiresAt.getEpochSecond());
    byte[] mac = secrets.sign((MAC_PREFIX + claims).getBytes(StandardCharsets.US_ASCII));
    return VERSION + "." + claims + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
  }

  /**
   * Checks a token: its form, its signature (any of the secrets, compared in constant time), then its expiry.
   *
   * @param token the token from a link or a button
   * @return the claims if valid, or why not
   */
  public Verification verify(String token) {
    Objects.requireNonNull(token, "token cannot be null");
    if (token.length() > MAX_TOKEN_LENGTH) {
      return new Invalid(Problem.MALFORMED);
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 5 || !parts[0].equals(VERSION)) {
      return new Invalid(Problem.MALFORMED);
    }
    RequestId id;
    try {
      id = RequestId.of(parts[1]);
    } catch (InvalidInputException e) {
      return new Invalid(Problem.MALFORMED);
    }
    Optional<Verdict> verdict = Verdict.parse(parts[2]);
    long expiry = WebhookSignature.parseTimestamp(parts[3]);
    byte[] mac;
    try {
      mac = Base64.getUrlDecoder().decode(parts[4]);
    } catch (IllegalArgumentException e) {
      return new Invalid(Problem.MALFORMED);
    }
    if (verdict.isEmpty() || expiry < 0 || mac.length != 32 || parts[4].contains("=")) {
      return new Invalid(Problem.MALFORMED);
    }
    String claims = parts[1] + "." + parts[2] + "." + parts[3];
    if (!secrets.verifies(mac, (MAC_PREFIX + claims).getBytes(StandardCharsets.US_ASCII))) {
      return new Invalid(Problem.BAD_SIGNATURE);
    }
    Instant expiresAt = Instant.ofEpochSecond(expiry);
    if (!clock.instant().isBefore(expiresAt)) {
      return new Invalid(Problem.EXPIRED);
    }
    return new Valid(id, verdict.get(), expiresAt);
  }

  /**
   * The token in a link's query, if any.
   *
   * @param link a link made by {@link #link}
   * @return the token
   */
  public static Optional<String> tokenOf(URI link) {
    String query = link.getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(TOKEN_PARAMETER + "=")) {
        return Optional.of(pair.substring(TOKEN_PARAMETER.length() + 1));
      }
    }
    return Optional.empty();
  }

  private URI withToken(String token) {
    String s = baseUri.toString();
    return URI.create(s + (baseUri.getRawQuery() == null ? "?" : "&") + TOKEN_PARAMETER + "=" + token);
  }

  /** Shows the base URL's host and the time-to-live, never the secrets. */
  @Override
  public String toString() {
    return "ActionLinks[base=" + Endpoints.redact(baseUri) + ", timeToLive=" + timeToLive + "]";
  }

  /** Why a token was rejected. */
  public enum Problem {
    /** Not a token in the documented form. */
    MALFORMED,
    /** The signature does not match any secret: forged or altered. */
    BAD_SIGNATURE,
    /** The token is genuine but past its expiry. */
    EXPIRED
  }

  /** The outcome of {@link #verify}: valid with its claims, or invalid with the problem. */
  public sealed interface Verification permits Valid, Invalid {
    /** @return true if the token is genuine and not expired */
    boolean isValid();
  }

  /**
   * A genuine, unexpired token.
   *
   * @param requestId the request it is about
   * @param verdict what the click decides
   * @param expiresAt when the token stops working
   */
  public record Valid(RequestId requestId, Verdict verdict, Instant expiresAt) implements Verification {
    /**
     * Rejects nulls.
     *
     * @param requestId see the record description
     * @param verdict see the record description
     * @param expiresAt see the record description
     */
    public Valid {
      Objects.requireNonNull(requestId, "requestId cannot be null");
      Objects.requireNonNull(verdict, "verdict cannot be null");
      Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
    }

    @Override
    public boolean isValid() {
      return true;
    }
  }

  /**
   * A rejected token.
   *
   * @param problem why
   */
  public record Invalid(Problem problem) implements Verification {
    /**
     * Rejects nulls.
     *
     * @param problem see the record description
     */
    public Invalid {
      Objects.requireNonNull(problem, "problem cannot be null");
    }

    @Override
    public boolean isValid() {
      return false;
    }
  }

  /** Builds {@link ActionLinks}; each option may be set once. Not thread-safe. */
  public static final class Builder {
    private URI baseUri;
    private SigningSecrets secrets;
    private Duration timeToLive;
    private Clock clock;

    private Builder() {}

    /**
     * Where links point: the endpoint that authenticates the clicking person and calls
     * {@link WebhookDecisionHandler#handleLink}. Required.
     *
     * @param baseUri an https URL (http only on a loopback host, for tests); may have its own query
     * @return this builder
     */
    public Builder withBaseUri(URI baseUri) {
      once(this.baseUri, "baseUri");
      this.baseUri = Endpoints.check("baseUri", baseUri);
      return this;
    }

    /**
     * The secrets that sign (the first) and verify (any) tokens. Required. Prefer secrets distinct from the webhook
     * ones.
     *
     * @param secrets the secrets
     * @return this builder
     */
    public Builder withSecrets(SigningSecrets secrets) {
      once(this.secrets, "secrets");
      this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
      return this;
    }

    /**
     * How long a link works at most; it never outlives the request's pending deadline. Defaults to 24 hours.
     *
     * @param timeToLive between 1 minute and 30 days
     * @return this builder
     */
    public Builder withTimeToLive(Duration timeToLive) {
      once(this.timeToLive, "timeToLive");
      Objects.requireNonNull(timeToLive, "timeToLive cannot be null");
      if (timeToLive.compareTo(Duration.ofMinutes(1)) < 0 || timeToLive.compareTo(Duration.ofDays(30)) > 0) {
        throw new InvalidInputException("timeToLive", "timeToLive must be between PT1M and PT720H, but was "
            + timeToLive);
      }
      this.timeToLive = timeToLive;
      return this;
    }

    /**
     * The time source for expiries. Defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      once(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * Builds the links.
     *
     * @return the immutable links
     * @throws IllegalStateException if the base URL or the secrets are missing
     */
    public ActionLinks build() {
      if (baseUri == null || secrets == null) {
        throw new IllegalStateException("baseUri and secrets are required: call withBaseUri(URI) and "
            + "withSecrets(SigningSecrets.of(..))");
      }
      return new ActionLinks(this);
    }

    private static void once(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}
