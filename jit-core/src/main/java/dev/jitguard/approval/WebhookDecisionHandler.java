package dev.jitguard.approval;

import dev.jitguard.ApprovalContext;
import dev.jitguard.InvalidInputException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The inbound decision endpoint, framework-neutral: give it the method, the headers and the raw body of an HTTP
 * request and it returns the status and JSON body to answer. Mount it in any web framework, or on the JDK's HTTP
 * server with {@link JdkHttpHandlers#decisions}.
 *
 * <pre>{@code
 * WebhookDecisionHandler handler = WebhookDecisionHandler.builder(guard).withSecrets(secrets).build();
 * WebhookDecisionHandler.Response r = handler.handle("POST", headers, body);
 * }</pre>
 *
 * <p><b>What it checks, in order</b> (each failure changes nothing): the method is POST (405); the body is at most
 * {@link Builder#withMaxBodyBytes the limit} (400 {@code body_too_large}); the {@code X-JitGuard-Timestamp} and
 * {@code X-JitGuard-Signature} headers are present, well-formed and the HMAC matches one of the secrets, compared in
 * constant time (401 {@code invalid_signature}); the timestamp is within the tolerance of the injected clock (401
 * {@code stale_timestamp}); this exact (timestamp, body) pair was not seen before within the window (409
 * {@code replayed}); the body is a strict JSON decision, with no unknown or duplicate fields (400
 * {@code malformed_json}, {@code unknown_field}, {@code missing_field}, {@code invalid_field}). Only then is the
 * guard called: {@link PrivilegeGuard#approve(dev.jitguard.RequestId, Subject, String, Duration, ApprovalContext)}
 * or {@link PrivilegeGuard#deny(dev.jitguard.RequestId, Subject, String, ApprovalContext)}, the same decision
 * function as in-process approvals, so self-approval (403 {@code SELF_APPROVAL}), approver eligibility (403
 * {@code NOT_PERMITTED}) and thresholds apply unchanged.
 *
 * <pre>{@code
 * {"requestId": "7f3c...", "decision": "approve", "approver": {"id": "bob", "groups": ["dba"]},
 *  "comment": "ok", "shortenTo": "PT15M", "channel": "slack", "authentication": "sso-mfa"}
 * }</pre>
 *
 * <p><b>Trust.</b> The approver's id and groups, the channel and the authentication level are <em>asserted</em> by
 * whoever holds the secret (your chat relay, which authenticated the person). The handler cannot check them; it
 * records them ({@link dev.jitguard.Approval#context()}, audit details {@code channel} and {@code authentication}).
 * Give the secret only to relays you trust to authenticate approvers.
 *
 * <p><b>Replays and retries.</b> A replayed callback (same timestamp and body) is refused with 409 before the guard
 * sees it. A sender that retries must sign again with a fresh timestamp; if its first try had already decided, the
 * guard answers 409 {@code ALREADY_APPROVED}.
 *
 * <p>Thread-safe.
 */
public interface WebhookDecisionHandler {
  /** The content type of every response body. */
  String CONTENT_TYPE = "application/json; charset=utf-8";

  /**
   * Starts a builder; the secrets are required.
   *
   * @param guard the guard that decides
   * @return the builder
   */
  static Builder builder(PrivilegeGuard guard) {
    return new Builder(guard);
  }

  /**
   * Handles one signed decision.
   *
   * @param method the HTTP method
   * @param headers the request headers (names compared case-insensitively)
   * @param body the raw body bytes, exactly as received (read at most {@link #maxBodyBytes()} + 1 bytes)
   * @return the status and JSON body to answer
   */
  Response handle(String method, Map<String, List<String>> headers, byte[] body);

  /**
   * Handles the confirmed click on a signed link ({@link ActionLinks}): verifies the token (401
   * {@code invalid_link} with the problem if forged, altered, malformed or expired), then decides as the given
   * approver. The caller must have authenticated that person itself (its single sign-on session): the link says what
   * the click is about, never who clicked.
   *
   * @param token the token from the link's {@value ActionLinks#TOKEN_PARAMETER} parameter
   * @param approver the person, as the caller authenticated them
   * @param context the channel and how the caller authenticated the person
   * @param comment the approver's comment (may be empty)
   * @return the status and JSON body to answer
   * @throws IllegalStateException if the handler was built without {@link Builder#withActionLinks links}
   */
  Response handleLink(String token, Subject approver, ApprovalContext context, String comment);

  /** @return the largest body accepted, in bytes; adapters read at most one byte more */
  int maxBodyBytes();

  /**
   * What to answer.
   *
   * @param status the HTTP status
   * @param body the JSON body
   */
  record Response(int status, String body) {
    /**
     * Rejects nulls.
     *
     * @param status see the record description
     * @param body see the record description
     */
    public Response {
      Objects.requireNonNull(body, "body cannot be null");
    }

    /** @return the body as UTF-8 bytes */
    public byte[] bodyBytes() {
      return body.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Configures a {@link WebhookDecisionHandler}. Each option may be set once. Not thread-safe. */
  final class Builder {
    final PrivilegeGuard guard;
    SigningSecrets secrets;
    Duration tolerance;
    Clock clock;
    int maxBodyBytes;
    int replayCacheSize;
    ActionLinks links;
    String defaultChannel;

    private Builder(PrivilegeGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard cannot be null");
    }

    private static void once(boolean set, String name, Object current) {
      if (set) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * The secrets; a decision signed with any of them is accepted. Required.
     *
     * @param secrets the secrets
     * @return this builder
     */
    public Builder withSecrets(SigningSecrets secrets) {
      once(this.secrets != null, "secrets", this.secrets);
      this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
      return this;
    }

    /**
     * How far a decision's timestamp may be from the clock, either way. Defaults to 5 minutes.
     *
     * @param tolerance between 1 second and 1 hour
     * @return this builder
     */
    public Builder withTolerance(Duration tolerance) {
      once(this.tolerance != null, "tolerance", this.tolerance);
      Objects.requireNonNull(tolerance, "tolerance cannot be null");
      if (tolerance.compareTo(Duration.ofSeconds(1)) < 0 || tolerance.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidInputException("tolerance", "tolerance must be between PT1S and PT1H, but was "
            + tolerance);
      }
      this.tolerance = tolerance;
      return this;
    }

    /**
     * The time source for the timestamp check and the replay window. Defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      once(this.clock != null, "clock", this.clock);
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * The largest body accepted. Defaults to 16 KiB.
     *
     * @param bytes between 256 and 1 MiB
     * @return this builder
     */
    public Builder withMaxBodyBytes(int bytes) {
      once(maxBodyBytes != 0, "maxBodyBytes", maxBodyBytes);
      if (bytes < 256 || bytes > 1 << 20) {
        throw new InvalidInputException("maxBodyBytes", String.format(Locale.ROOT,
            "maxBodyBytes must be between 256 and 1048576, but was %d", bytes));
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * How many accepted callbacks are remembered for replay detection (each for twice the tolerance). When full,
     * new callbacks are refused with 503 rather than forgetting one early (fail closed). Defaults to 100,000.
     *
     * @param entries between 100 and 10,000,000
     * @return this builder
     */
    public Builder withReplayCacheSize(int entries) {
      once(replayCacheSize != 0, "replayCacheSize", replayCacheSize);
      if (entries < 100 || entries > 10_000_000) {
        throw new InvalidInputException("replayCacheSize", String.format(Locale.ROOT,
            "replayCacheSize must be between 100 and 10000000, but was %d", entries));
      }
      this.replayCacheSize = entries;
      return this;
    }

    /**
     * The links whose clicks {@link WebhookDecisionHandler#handleLink} verifies.
     *
     * @param links the links (the same instance, or one with the same secrets, as the messages use)
     * @return this builder
     */
    public Builder withActionLinks(ActionLinks links) {
      once(this.links != null, "actionLinks", this.links);
      this.links = Objects.requireNonNull(links, "actionLinks cannot be null");
      return this;
    }

    /**
     * The channel recorded when a decision does not name one. Defaults to {@code webhook}.
     *
     * @param channel a lowercase token, see {@link ApprovalContext}
     * @return this builder
     */
    public Builder withDefaultChannel(String channel) {
      once(defaultChannel != null, "defaultChannel", defaultChannel);
      this.defaultChannel = ApprovalContext.of(channel).channel();
      return this;
    }

    /**
     * Builds the handler.
     *
     * @return the handler
     * @throws IllegalStateException if the secrets are missing
     */
    public WebhookDecisionHandler build() {
      if (secrets == null) {
        throw new IllegalStateException("secrets are required: call withSecrets(SigningSecrets.of(..))");
      }
      return new DefaultWebhookDecisionHandler(this);
    }
  }
}
