package dev.jitguard.internal;

import dev.jitguard.Consistency;
import dev.jitguard.Grant;
import dev.jitguard.MonotonicClock;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.OnCallSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's engine, wired: its parts in the order data flows (intake, decider, decisions and lifecycle, ledger,
 * check path, maintenance), its start (live grants loaded into the check index, a policy change made while no guard
 * ran applied) and its end. Not API: {@code PrivilegeGuard.builder()} builds one behind the guard.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  private final Gate gate = new Gate();
  private final GuardClock clock;
  private final Explanations explanations;
  private final CheckPath checks;
  private final RequestIntake intake;
  private final RequestDecisions decisions;
  private final GrantLifecycle lifecycle;
  private final BreakGlassDesk breakGlass;
  private final DecisionWaiters waiters;
  private final Maintenance maintenance;
  private final AutoCloseable storeSubscription;
  private final AutoCloseable policySubscription;
  private final ScheduledExecutorService scheduler;
  /** Bounds the calls into the plug-ins: the audit sink, the approval channel, a custom store or policy. */
  private final BoundedCalls bounded;

  /**
   * Wires the engine and loads the live grants.
   *
   * @param policy the policy
   * @param channel the approval channel
   * @param store the grant store
   * @param audit the audit sink
   * @param spiTimeout how long the guard waits for one call into a plug-in (the audit sink, the approval channel, a
   *     custom grant store or policy) before it fails closed
   * @param wallClock the wall clock
   * @param monotonic elapsed time, or null to derive it from the wall clock (see {@link GuardClock})
   * @param maintenanceInterval the maintenance period, or null for none
   * @param listeners event listeners
   * @param onCall the on-call source, or null
   * @param consistency freshness of checks against a shared store
   */
  public Engine(ElevationPolicy policy, ApprovalChannel channel, GrantStore store, AuditSink audit,
      Duration spiTimeout, Clock wallClock,
      MonotonicClock monotonic, Duration maintenanceInterval, List<Consumer<AuditEvent>> listeners,
      OnCallSource onCall, Consistency consistency) {
    this.bounded = new BoundedCalls(spiTimeout, "jitguard-spi");
    policy = BoundedPolicy.of(policy, bounded);
    store = BoundedGrantStore.of(store, bounded);
    channel = new BoundedApprovalChannel(channel, bounded);
    this.clock = new GuardClock(wallClock, monotonic, store);
    RequestEvaluator evaluator = new RequestEvaluator(policy);
    this.explanations = new Explanations(policy, onCall, evaluator, clock);
    GrantIndex index = new GrantIndex(explanations::denials);
    Ledger ledger = new Ledger(store, new BoundedAuditSink(audit, bounded), listeners, index);
    Refusals refusals = new Refusals(ledger, policy);
    ApprovalDecider decider = new ApprovalDecider(policy, refusals);
    this.lifecycle = new GrantLifecycle(store, policy, ledger, decider, refusals, clock, gate);
    PolicyChanges policyChanges = new PolicyChanges(policy, store, lifecycle, explanations, index, clock);
    this.waiters = new DecisionWaiters(store, decider, ledger, clock);
    this.decisions = new RequestDecisions(store, channel, decider, lifecycle, policyChanges, explanations, ledger,
        refusals, clock, gate, waiters);
    this.intake = new RequestIntake(store, channel, evaluator, explanations, decisions, policyChanges, ledger, clock,
        gate);
    this.breakGlass = new BreakGlassDesk(policy, store, channel, evaluator, explanations, decider, decisions, intake,
        policyChanges, ledger, refusals, clock, gate);
    this.checks = new CheckPath(index, store, lifecycle, explanations, ledger, clock, consistency);
    this.maintenance = new Maintenance(policy, store, channel, index, lifecycle, decisions, waiters, policyChanges,
        ledger, clock);
    lifecycle.onChanged(maintenance::grantChanged);
    index.onAnomaly((arrived, cached) -> {
      LOG.warn("grant {} went back from version {} ({}) to version {} ({}) in the grant store (a restore or a "
          + "lagging replica?); the ended record is kept", arrived.id(), cached.version(), cached.storedStatus(),
          arrived.version(), arrived.storedStatus());
      ledger.record(AuditEvents.of(AuditEventType.STORE_ANOMALY, clock.now(), arrived)
          .actor(AuditEvents.SYSTEM_ACTOR).detail("arrived_version", arrived.version())
          .detail("arrived_status", arrived.storedStatus()).detail("cached_version", cached.version())
          .detail("cached_status", cached.storedStatus()).build());
    });
    clock.onJump((wall, guard, forward) -> ledger.record(AuditEvent.builder(AuditEventType.CLOCK_JUMPED,
        Instant.ofEpochMilli(Math.max(wall, guard))).actor(AuditEvents.SYSTEM_ACTOR)
        .detail("direction", forward ? "forward" : "back")
        .detail("by", Duration.ofMillis(Math.abs(wall - guard)))
        .detail("wall", Instant.ofEpochMilli(wall)).detail("guard_time", Instant.ofEpochMilli(guard)).build()));
    // Subscribed first: a change announced while the live grants load is applied after them (the two are serialised).
    this.policySubscription = policy.subscribe(policyChanges::applyIfChanged);
    List<Grant> live = store.liveGrants();
    for (Grant g : live) {
      index.upsert(g);
    }
    policyChanges.applyAtStart(live);
    this.storeSubscription = store.isShared() ? store.subscribe(checks::remoteChange) : null;
    if (maintenanceInterval != null) {
      long period = maintenanceInterval.toMillis();
      this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jitguard-maintenance");
        t.setDaemon(true);
        return t;
      });
      scheduler.scheduleWithFixedDelay(this::maintenanceTick, period, period, TimeUnit.MILLISECONDS);
    } else {
      this.scheduler = null;
    }
  }

  private void maintenanceTick() {
    try {
      maintenance.run();
    } catch (RuntimeException e) {
      LOG.error("JIT Guard maintenance failed; it will run again", e);
    }
  }

  /** @return the check path */
  public CheckPath checks() {
    return checks;
  }

  /** @return request intake */
  public RequestIntake intake() {
    return intake;
  }

  /** @return decisions on requests */
  public RequestDecisions decisions() {
    return decisions;
  }

  /** @return the grant lifecycle */
  public GrantLifecycle lifecycle() {
    return lifecycle;
  }

  /** @return break-glass and its reviews */
  public BreakGlassDesk breakGlass() {
    return breakGlass;
  }

  /** @return explanations and the dry run */
  public Explanations explanations() {
    return explanations;
  }

  /** @return parked waiters */
  public DecisionWaiters waiters() {
    return waiters;
  }

  /** @return periodic work */
  public Maintenance maintenance() {
    return maintenance;
  }

  /** Closes the gate, ends the subscriptions and the maintenance thread, and runs maintenance a last time. */
  @Override
  public void close() {
    if (!gate.close()) {
      return;
    }
    checks.close();
    for (AutoCloseable s : new AutoCloseable[] {storeSubscription, policySubscription}) {
      if (s != null) {
        try {
          s.close();
        } catch (Exception e) {
          LOG.warn("could not end a subscription of the guard", e);
        }
      }
    }
    if (scheduler != null) {
      scheduler.shutdown();
      try {
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    maintenance.run();
    bounded.close();
  }

}
