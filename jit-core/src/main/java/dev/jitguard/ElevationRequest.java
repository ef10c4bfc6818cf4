package dev.jitguard;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a requester asks for: a privilege, for a subject, with a justification, an optional ticket reference, a
 * duration, an optional start time and an optional budget of uses.
 *
 * <p>It holds only what the requester may say. Server-owned fields (status, approvals, expiry, id) live in
 * {@link RequestRecord} and cannot be set here. Values are validated as they are set; whether the policy accepts them
 * (eligibility, maximum duration, justification rules) is decided by {@link PrivilegeGuard#request}. Immutable and
 * thread-safe.
 */
public final class ElevationRequest {
  /** Longest accepted ticket reference. */
  public static final int MAX_TICKET_LENGTH = 128;
  /** Longest duration anyone can ask for, whatever the policy: a sanity bound, not a policy. */
  public static final Duration MAX_DURATION = Duration.ofDays(366);
  /** Largest budget of uses anyone can ask for, whatever the policy. */
  public static final int MAX_USES = 1_000_000;

  private final Subject subject;
  private final Privilege privilege;
  private final String justification;
  private final String ticket;
  private final Duration duration;
  private final Instant startAt;
  private final int uses;
  private final BigDecimal amountLimit;
  private final ActionBinding action;

  private ElevationRequest(Builder b) {
    this.subject = b.subject;
    this.privilege = b.privilege;
    this.justification = b.justification;
    this.ticket = b.ticket;
    this.duration = b.duration;
    this.startAt = b.startAt;
    this.uses = b.uses;
    this.amountLimit = b.amountLimit;
    this.action = b.action;
  }

  /**
   * Starts a request.
   *
   * @param subject who asks
   * @param privilege what for
   * @return the builder
   */
  public static Builder builder(Subject subject, Privilege privilege) {
    return new Builder(subject, privilege);
  }

  /**
   * Starts a request, parsing the privilege name.
   *
   * @param subject who asks
   * @param privilege the privilege name
   * @return the builder
   * @throws InvalidInputException if the privilege name is malformed
   */
  public static Builder builder(Subject subject, String privilege) {
    return new Builder(subject, Privilege.of(privilege));
  }

  /**
   * Who asks.
   *
   * @return the subject
   */
  public Subject subject() {
    return subject;
  }

  /**
   * What is asked for.
   *
   * @return the privilege
   */
  public Privilege privilege() {
    return privilege;
  }

  /**
   * Why, verbatim as the requester wrote it (escape it before printing).
   *
   * @return the justification, empty string if none was given
   */
  public String justification() {
    return justification;
  }

  /**
   * The ticket reference, if one was given.
   *
   * @return the ticket
   */
  public Optional<String> ticket() {
    return Optional.ofNullable(ticket);
  }

  /**
   * The requested duration, if one was given; otherwise the policy's default applies.
   *
   * @return the duration
   */
  public Optional<Duration> duration() {
    return Optional.ofNullable(duration);
  }

  /**
   * The requested start, if the grant should start later than its approval.
   *
   * @return the start instant
   */
  public Optional<Instant> startAt() {
    return Optional.ofNullable(startAt);
  }

  /**
   * The requested budget of uses, if the grant should allow only that many checks.
   *
   * @return the number of uses
   */
  public OptionalInt uses() {
    return uses == 0 ? OptionalInt.empty() : OptionalInt.of(uses);
  }

  /**
   * The total amount the grant's calls may spend together, if the requester asked for a metered grant. When the
   * privilege's rule has a {@link dev.jitguard.rule.RequestLimits#maxAmount() maximum amount}, every grant is
   * metered: a request without an amount gets that maximum.
   *
   * @return the requested amount limit
   */
  public Optional<BigDecimal> amountLimit() {
    return Optional.ofNullable(amountLimit);
  }

  /**
   * The exact call this request asks to run, for JIT action approval. A grant for it can be used only for that call
   * (same action, same argument digest, same subject), once unless {@link #uses()} says more.
   *
   * @return the action binding
   */
  public Optional<ActionBinding> action() {
    return Optional.ofNullable(action);
  }

  @Override
  public String toString() {
    return "ElevationRequest[subject=" + Text.quote(subject.id()) + ", privilege=" + privilege
        + ", duration=" + duration + ", startAt=" + startAt + ", uses=" + uses
        + (amountLimit != null ? ", amountLimit=" + amountLimit.toPlainString() : "") + "]";
  }

  /** Builds an {@link ElevationRequest}; each setter validates immediately and may be called once. Not thread-safe. */
  public static final class Builder {
    private final Subject subject;
    private final Privilege privilege;
    private String justification = "";
    private boolean justificationSet;
    private String ticket;
    private Duration duration;
    private Instant startAt;
    private int uses;
    private BigDecimal amountLimit;
    private ActionBinding action;

    private Builder(Subject subject, Privilege privilege) {
      this.subject = Objects.requireNonNull(subject, "subject cannot be null");
      this.privilege = Objects.requireNonNull(privilege, "privilege cannot be null");
    }

    /**
     * Why the privilege is needed. Stored verbatim (line breaks included) and escaped wherever it is printed.
     *
     * @param justification at most {@value dev.jitguard.internal.util.Text#MAX_TEXT} characters
     * @return this builder
     * @throws InvalidInputException if it is too long or malformed
     */
    public Builder justification(String justification) {
      Objects.requireNonNull(justification, "justification cannot be null");
      once(justificationSet, "justification", this.justification);
      this.justification = Text.freeText("justification", justification);
      this.justificationSet = true;
      return this;
    }

    /**
     * A ticket reference (incident, change). The policy may require one and check it against a pattern.
     *
     * @param ticket printable text, at most {@value ElevationRequest#MAX_TICKET_LENGTH} characters
     * @return this builder
     * @throws InvalidInputException if it is empty, too long or contains invisible characters
     */
    public Builder ticket(String ticket) {
      Objects.requireNonNull(ticket, "ticket cannot be null");
      once(this.ticket != null, "ticket", this.ticket);
      this.ticket = Text.token("ticket", ticket, MAX_TICKET_LENGTH);
      return this;
    }

    /**
     * How long the grant should last, counted from its start (approval, or {@link #startAt}).
     *
     * @param duration positive, at most 366 days; the policy's maximum applies on top
     * @return this builder
     * @throws InvalidInputException if not positive or absurdly long
     */
    public Builder duration(Duration duration) {
      Objects.requireNonNull(duration, "duration cannot be null");
      once(this.duration != null, "duration", this.duration);
      if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
        throw new InvalidInputException("duration", String.format(Locale.ROOT,
            "duration must be positive and at most %s, but was %s; ask for the time the task needs, "
                + "for example PT30M", MAX_DURATION, duration));
      }
      this.duration = duration;
      return this;
    }

    /**
     * Asks for a grant that starts later (scheduled). It starts at this instant, or at approval if that is later.
     *
     * @param startAt the start instant
     * @return this builder
     */
    public Builder startAt(Instant startAt) {
      Objects.requireNonNull(startAt, "startAt cannot be null");
      once(this.startAt != null, "startAt", this.startAt);
      this.startAt = startAt;
      return this;
    }

    /**
     * Asks for a budget of uses: each successful check consumes one; the grant is consumed when none is left (or
     * expires first).
     *
     * @param uses between 1 and {@value ElevationRequest#MAX_USES}
     * @return this builder
     * @throws InvalidInputException if out of range
     */
    public Builder uses(int uses) {
      once(this.uses != 0, "uses", this.uses);
      if (uses < 1 || uses > MAX_USES) {
        throw new InvalidInputException("uses", String.format(Locale.ROOT,
            "uses must be between 1 and %d, but was %d", MAX_USES, uses));
      }
      this.uses = uses;
      return this;
    }

    /**
     * Asks for a metered grant: the calls it allows may spend this total together (each check names its call's
     * amount, for example a refund's), and the grant is consumed when nothing is left. The policy's
     * {@link dev.jitguard.rule.RequestLimits#maxAmount() maximum amount} applies on top.
     *
     * @param amountLimit positive, at most 10 decimal places and 30 digits
     * @return this builder
     * @throws InvalidInputException if null, not positive or out of range
     */
    public Builder amountLimit(BigDecimal amountLimit) {
      once(this.amountLimit != null, "amountLimit", this.amountLimit);
      this.amountLimit = Amounts.limit("amountLimit", amountLimit);
      return this;
    }

    /**
     * Binds the request to one exact call (JIT action approval). Unless {@link #uses} is set, the grant allows one
     * use.
     *
     * @param action the action and its argument digest
     * @return this builder
     */
    public Builder action(ActionBinding action) {
      Objects.requireNonNull(action, "action cannot be null");
      once(this.action != null, "action", this.action);
      this.action = action;
      return this;
    }

    private static void once(boolean alreadySet, String field, Object value) {
      if (alreadySet) {
        throw new IllegalStateException(field + " was already set to " + (value instanceof String s
            ? Text.quote(s) : String.valueOf(value)));
      }
    }

    /**
     * Builds the request.
     *
     * @return the immutable request
     */
    public ElevationRequest build() {
      return new ElevationRequest(this);
    }
  }
}
