package dev.jitguard.spring.metrics;

import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.Outcome;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.ElevationCheckListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JIT Guard's meters, all registered at start-up so that dashboards show zeros rather than gaps:
 *
 * <ul>
 *   <li>{@code jit.checks} (counter; tags {@code outcome} = granted|denied, {@code reason} = the reason code): every
 *       check decision of the interceptor and of {@code ElevationChecks}. The allow path only increments a counter
 *       picked from an array: no allocation, no observation.</li>
 *   <li>{@code jit.check} (observation; low-cardinality keys {@code outcome} and {@code reason}, high-cardinality
 *       {@code privilege}): every denied check, and allowed ones too when {@code jit.observations.allowed-checks} is
 *       true. Switch it off with {@code management.observations.enable.jit=false}.</li>
 *   <li>{@code jit.decision} (observation; low-cardinality keys {@code type} = the audit event type and
 *       {@code reason} = its reason code or {@code NONE}, high-cardinality {@code privilege}): every lifecycle
 *       decision the guard takes: a request (pending, denied, auto-approved, break-glass), an approval or denial
 *       (recorded or final), a withdrawal, an expiry of a pending request, a revocation, an extension, a review, and
 *       every refused operation. Switched off with the check observation.</li>
 *   <li>{@code jit.audit.events} (counter; tag {@code type}): every audit event, from the guard's event listener.</li>
 *   <li>{@code jit.grants.active} and {@code jit.requests.pending} (gauges): read from the grant store when scraped.</li>
 * </ul>
 *
 * Thread-safe.
 */
public final class MicrometerElevationMetrics implements ElevationCheckListener, Consumer<AuditEvent> {
  /** Name of the observation of a check. */
  public static final String CHECK_OBSERVATION = "jit.check";
  /** Name of the observation of a lifecycle decision (request, approval, denial, revocation, ...). */
  public static final String DECISION_OBSERVATION = "jit.decision";

  /** The audit events that are decisions of the guard's lifecycle, each observed as {@code jit.decision}. */
  private static final Set<AuditEventType> DECISIONS = Collections.unmodifiableSet(EnumSet.of(
      AuditEventType.REQUESTED, AuditEventType.REQUEST_DENIED, AuditEventType.AUTO_APPROVED,
      AuditEventType.BREAK_GLASS, AuditEventType.APPROVAL_RECORDED, AuditEventType.APPROVED,
      AuditEventType.DENIAL_RECORDED, AuditEventType.DENIED, AuditEventType.WITHDRAWN, AuditEventType.REQUEST_EXPIRED,
      AuditEventType.REVOKED, AuditEventType.EXTENDED, AuditEventType.REVIEWED, AuditEventType.OPERATION_REFUSED));

  private static final Logger LOG = LoggerFactory.getLogger(MicrometerElevationMetrics.class);

  private final Counter[] checks = new Counter[ReasonCode.values().length];
  private final Counter[] events = new Counter[AuditEventType.values().length];
  private final ObservationRegistry observations;
  private final boolean observeAllowed;

  /**
   * Registers the meters.
   *
   * @param registry where meters go
   * @param observations where observations go ({@link ObservationRegistry#NOOP} for none)
   * @param observeAllowed whether allowed checks are observed too
   * @param store the store the gauges read
   * @param clock the guard's clock
   */
  public MicrometerElevationMetrics(MeterRegistry registry, ObservationRegistry observations, boolean observeAllowed,
      GrantStore store, Clock clock) {
    Objects.requireNonNull(registry, "registry cannot be null");
    this.observations = Objects.requireNonNull(observations, "observations cannot be null");
    this.observeAllowed = observeAllowed;
    for (ReasonCode r : ReasonCode.values()) {
      String outcome = r == ReasonCode.GRANTED || r == ReasonCode.AUTO_APPROVED || r == ReasonCode.APPROVED
          || r == ReasonCode.BREAK_GLASS ? "granted" : "denied";
      checks[r.ordinal()] = Counter.builder("jit.checks")
          .description("Check decisions of @RequiresElevation and ElevationChecks")
          .tag("outcome", outcome).tag("reason", r.name()).register(registry);
    }
    for (AuditEventType t : AuditEventType.values()) {
      events[t.ordinal()] = Counter.builder("jit.audit.events").description("Audit events recorded by JIT Guard")
          .tag("type", t.name()).register(registry);
    }
    Objects.requireNonNull(store, "store cannot be null");
    Objects.requireNonNull(clock, "clock cannot be null");
    Gauge.builder("jit.grants.active", store, s -> activeGrants(s, clock))
        .description("Grants active now").strongReference(true).register(registry);
    Gauge.builder("jit.requests.pending", store, s -> pendingRequests(s, clock))
        .description("Requests waiting for approval").strongReference(true).register(registry);
  }

  @Override
  public void onCheck(Privilege privilege, Decision decision) {
    checks[decision.reason().ordinal()].increment();
    if (observations.isNoop() || decision.isGranted() && !observeAllowed) {
      return;
    }
    Observation.createNotStarted(CHECK_OBSERVATION, observations)
        .contextualName("jit check")
        .lowCardinalityKeyValue("outcome", decision.outcome() == Outcome.GRANTED ? "granted" : "denied")
        .lowCardinalityKeyValue("reason", decision.reason().name())
        .highCardinalityKeyValue("privilege", privilege.name())
        .start().stop();
  }

  /**
   * Counts an audit event (registered with {@code PrivilegeGuard.Builder.onEvent}).
   *
   * @param event the event
   */
  @Override
  public void accept(AuditEvent event) {
    events[event.type().ordinal()].increment();
    if (observations.isNoop() || !DECISIONS.contains(event.type())) {
      return;
    }
    Observation o = Observation.createNotStarted(DECISION_OBSERVATION, observations)
        .contextualName("jit " + event.type().name().toLowerCase(Locale.ROOT).replace('_', ' '))
        .lowCardinalityKeyValue("type", event.type().name())
        .lowCardinalityKeyValue("reason", event.reason().map(Enum::name).orElse("NONE"));
    event.privilege().ifPresent(p -> o.highCardinalityKeyValue("privilege", p.name()));
    o.start().stop();
  }

  private static double activeGrants(GrantStore store, Clock clock) {
    try {
      Instant now = clock.instant();
      long n = 0;
      for (Grant g : store.liveGrants()) {
        if (g.statusAt(now) == GrantStatus.ACTIVE) {
          n++;
        }
      }
      return n;
    } catch (RuntimeException e) {
      LOG.warn("grant store failed while counting active grants for the jit.grants.active gauge", e);
      return Double.NaN;
    }
  }

  private static double pendingRequests(GrantStore store, Clock clock) {
    try {
      Instant now = clock.instant();
      long n = 0;
      for (RequestRecord r : store.pendingRequests()) {
        if (now.isBefore(r.expiresAt())) {
          n++;
        }
      }
      return n;
    } catch (RuntimeException e) {
      LOG.warn("grant store failed while counting pending requests for the jit.requests.pending gauge", e);
      return Double.NaN;
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "MicrometerElevationMetrics[observeAllowed=%s]", observeAllowed);
  }
}
