package dev.jitguard.event;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One audit record: what happened, when, to whom, by whom, why. User text ({@link #text()}: a justification, a
 * comment, a reason) is kept verbatim; sinks escape it on output. Immutable and thread-safe.
 */
public final class AuditEvent {
  private final AuditEventType type;
  private final Instant time;
  private final String subject;
  private final Privilege privilege;
  private final RequestId requestId;
  private final GrantId grantId;
  private final String actor;
  private final ReasonCode reason;
  private final String text;
  private final String policyVersion;
  private final long count;
  private final Map<String, String> details;

  private AuditEvent(Builder b) {
    this.type = Objects.requireNonNull(b.type, "type cannot be null");
    this.time = Objects.requireNonNull(b.time, "time cannot be null");
    this.subject = b.subject;
    this.privilege = b.privilege;
    this.requestId = b.requestId;
    this.grantId = b.grantId;
    this.actor = b.actor;
    this.reason = b.reason;
    this.text = b.text;
    this.policyVersion = b.policyVersion;
    this.count = b.count;
    this.details = Collections.unmodifiableMap(new TreeMap<>(b.details));
  }

  /**
   * Starts an event.
   *
   * @param type what happened
   * @param time when
   * @return the builder
   */
  public static Builder builder(AuditEventType type, Instant time) {
    return new Builder(type, time);
  }

  /** @return what happened */
  public AuditEventType type() {
    return type;
  }

  /** @return when */
  public Instant time() {
    return time;
  }

  /** @return the canonical id of the subject the event is about (the requester or grant holder) */
  public Optional<String> subject() {
    return Optional.ofNullable(subject);
  }

  /** @return the privilege */
  public Optional<Privilege> privilege() {
    return Optional.ofNullable(privilege);
  }

  /** @return the request */
  public Optional<RequestId> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** @return the grant */
  public Optional<GrantId> grantId() {
    return Optional.ofNullable(grantId);
  }

  /** @return who acted (approver, revoker; {@code "policy"} or {@code "system"} for automatic steps) */
  public Optional<String> actor() {
    return Optional.ofNullable(actor);
  }

  /** @return the reason code of the decision */
  public Optional<ReasonCode> reason() {
    return Optional.ofNullable(reason);
  }

  /** @return user text (justification, comment, reason), verbatim; escape before printing */
  public Optional<String> text() {
    return Optional.ofNullable(text);
  }

  /** @return the policy version that took the decision */
  public Optional<String> policyVersion() {
    return Optional.ofNullable(policyVersion);
  }

  /** @return for summaries ({@link AuditEventType#USES}, {@link AuditEventType#CHECKS_DENIED}) how many; else 1 */
  public long count() {
    return count;
  }

  /** @return further facts (duration, expiresAt, approvals, condition), sorted by key */
  public Map<String, String> details() {
    return details;
  }

  /** Returns the event as one escaped line, as the SLF4J sink writes it. */
  @Override
  public String toString() {
    return AuditLine.render(this);
  }

  /** Builds an {@link AuditEvent}. Not thread-safe. */
  public static final class Builder {
    private final AuditEventType type;
    private final Instant time;
    private String subject;
    private Privilege privilege;
    private RequestId requestId;
    private GrantId grantId;
    private String actor;
    private ReasonCode reason;
    private String text;
    private String policyVersion;
    private long count = 1;
    private final Map<String, String> details = new TreeMap<>();

    private Builder(AuditEventType type, Instant time) {
      this.type = Objects.requireNonNull(type, "type cannot be null");
      this.time = Objects.requireNonNull(time, "time cannot be null");
    }

    /**
     * Sets subject.
     *
     * @param subject canonical subject id
     * @return this builder
     */
    public Builder subject(String subject) {
      this.subject = subject;
      return this;
    }

    /**
     * Sets privilege.
     *
     * @param privilege the privilege
     * @return this builder
     */
    public Builder privilege(Privilege privilege) {
      this.privilege = privilege;
      return this;
    }

    /**
     * Sets requestId.
     *
     * @param requestId the request
     * @return this builder
     */
    public Builder requestId(RequestId requestId) {
      this.requestId = requestId;
      return this;
    }

    /**
     * Sets grantId.
     *
     * @param grantId the grant
     * @return this builder
     */
    public Builder grantId(GrantId grantId) {
      this.grantId = grantId;
      return this;
    }

    /**
     * Sets actor.
     *
     * @param actor who acted
     * @return this builder
     */
    public Builder actor(String actor) {
      this.actor = actor;
      return this;
    }

    /**
     * Sets reason.
     *
     * @param reason the reason code
     * @return this builder
     */
    public Builder reason(ReasonCode reason) {
      this.reason = reason;
      return this;
    }

    /**
     * Sets text.
     *
     * @param text user text, verbatim
     * @return this builder
     */
    public Builder text(String text) {
      this.text = text;
      return this;
    }

    /**
     * Sets policyVersion.
     *
     * @param policyVersion the policy version
     * @return this builder
     */
    public Builder policyVersion(String policyVersion) {
      this.policyVersion = policyVersion;
      return this;
    }

    /**
     * Sets count.
     *
     * @param count how many (summaries)
     * @return this builder
     */
    public Builder count(long count) {
      this.count = count;
      return this;
    }

    /**
     * Adds a detail.
     *
     * @param key a lowercase key
     * @param value the value (escaped on output)
     * @return this builder
     */
    public Builder detail(String key, Object value) {
      details.put(Objects.requireNonNull(key, "key cannot be null"), String.valueOf(value));
      return this;
    }

    /** @return the event */
    public AuditEvent build() {
      return new AuditEvent(this);
    }
  }
}
