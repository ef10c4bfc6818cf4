package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ERIN;
import static dev.jitguard.Fixtures.LOGS_READ;
import static dev.jitguard.Fixtures.REFUND;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.ForwardingGrantStore;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every SPI failure ends in a denial whose reason names the failing part, and nothing is usable without its audit
 * record. The fakes below inject faults that real in-memory parts never produce.
 */
class FailClosedTest {
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .maxDuration(Duration.ofHours(1))
          .defaultDuration(Duration.ofMinutes(30)))
      .privilege("payments.refund", r -> r
          .eligibleGroups("developers")
          .approverGroups("dba")
          .approvals(2))
      .privilege("logs.read", r -> r
          .eligibleGroups("developers")
          .approverGroups("sre")
          .autoApprove(AutoApproveCondition.memberOfAny("oncall")))
      .administratorGroups("admins")
      .build();
  private static final Subject OLGA = Subject.of("olga", "developers", "oncall");

  private final TestClock clock = TestClock.create();
  private final FlakyAuditSink audit = new FlakyAuditSink();
  private final FlakyGrantStore store = new FlakyGrantStore();
  private final FlakyPolicy policy = new FlakyPolicy(POLICY);
  private final List<PrivilegeGuard> guards = new ArrayList<>();

  @AfterEach
  void closeGuards() {
    audit.heal();
    store.heal();
    policy.failing = false;
    guards.forEach(PrivilegeGuard::close);
  }

  private PrivilegeGuard guard() {
    return guard(ApprovalChannel.inProcess(), List.of());
  }

  private PrivilegeGuard guard(ApprovalChannel channel, List<Consumer<AuditEvent>> listeners) {
    PrivilegeGuard.Builder b = PrivilegeGuard.builder()
        .withPolicy(policy)
        .withGrantStore(store)
        .withAuditSink(audit)
        .withApprovalChannel(channel)
        .withClock(clock)
        .withoutBackgroundMaintenance();
    listeners.forEach(b::onEvent);
    PrivilegeGuard g = b.build();
    guards.add(g);
    return g;
  }

  private static RequestId pending(PrivilegeGuard guard, Subject s, Privilege p) {
    return pendingId(guard.request(ask(s, p).build()));
  }

  // ------------------------------------------------------------------------------------------- audit sink

  @Test
  void requestWhenAuditSinkFailsThenDeniedAuditFailureAndRequestEndsDenied() {
    PrivilegeGuard guard = guard();
    audit.failAll();

    Decision d = guard.request(ask(ALICE, DB_WRITE).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    assertThat(d.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(d.hint()).isNotBlank();
    audit.heal();
    List<RequestRecord> stored = store.requestsBy("alice");
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).status()).isEqualTo(RequestStatus.DENIED);
    assertThat(stored.get(0).decisionReason()).contains(ReasonCode.AUDIT_FAILURE);
    assertThat(guard.pendingApprovals(BOB)).isEmpty();
    assertThat(refusal(() -> guard.approve(stored.get(0).id(), BOB, "")).reason())
        .isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void approveWhenAuditSinkFailsThenRefusedAuditFailureAndGrantNeverUsable() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, DB_WRITE);
    audit.failAll();

    OperationRefusedException e = refusal(() -> guard.approve(id, BOB, "ok"));

    assertThat(e.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    audit.heal();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThat(guard.activeGrants(ALICE)).isEmpty();
    assertThat(store.grantsFrom(id)).allSatisfy(g -> assertThat(g.storedStatus().isTerminal()).isTrue());
    assertThat(audit.recorded.types()).doesNotContain(AuditEventType.GRANTED);
    // a restarted guard loads live grants from the store: still nothing usable
    PrivilegeGuard restarted = guard();
    assertThat(restarted.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void approveWhenOnlyGrantedEventFailsThenRefusedAuditFailureAndGrantNeverUsable() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, DB_WRITE);
    audit.failOn(AuditEventType.GRANTED);

    assertThat(refusal(() -> guard.approve(id, BOB, "ok")).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);

    audit.heal();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThatThrownBy(() -> guard.require(ALICE, DB_WRITE)).isInstanceOf(ElevationRequiredException.class);
  }

  @Test
  void approveWhenApprovalRecordCannotBeAuditedThenApprovalNotCounted() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, REFUND);
    audit.failOn(AuditEventType.APPROVAL_RECORDED);

    assertThat(refusal(() -> guard.approve(id, BOB, "one")).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);

    audit.heal();
    assertThat(store.findRequest(id).orElseThrow().approvals()).isEmpty();
    assertThat(guard.approve(id, BOB, "one").outcome()).as("bob may approve again").isEqualTo(Outcome.PENDING);
  }

  @Test
  void autoApprovalWhenGrantedEventFailsThenDeniedAuditFailureAndGrantNeverUsable() {
    PrivilegeGuard guard = guard();
    audit.failOn(AuditEventType.GRANTED);

    Decision d = guard.request(ask(OLGA, LOGS_READ).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    audit.heal();
    assertThat(guard.check(OLGA, LOGS_READ).isGranted()).isFalse();
    assertThat(guard.activeGrants(OLGA)).isEmpty();
    assertThat(guard().check(OLGA, LOGS_READ).isGranted()).as("after a restart").isFalse();
  }

  @Test
  void firstUseWhenAuditSinkFailsThenDeniedAuditFailureUntilItRecovers() {
    PrivilegeGuard guard = guard();
    granted(guard.approve(pending(guard, ALICE, DB_WRITE), BOB, ""));
    audit.failOn(AuditEventType.USED);

    Decision d = guard.check(ALICE, DB_WRITE);

    assertThat(d.isGranted()).isFalse();
    assertThat(d.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);
    audit.heal();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(audit.recorded.events(AuditEventType.USED)).hasSize(1);
  }

  @Test
  void budgetedUseWhenAuditSinkFailsThenDeniedAuditFailure() {
    PrivilegeGuard guard = guard();
    granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).uses(2).build())), BOB, ""));
    audit.failOn(AuditEventType.USED);

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.AUDIT_FAILURE);

    audit.heal();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).as("never more than the budget").isFalse();
  }

  // ------------------------------------------------------------------------------------------- grant store

  @Test
  void requestWhenStoreFailsThenDeniedStoreFailureAndAudited() {
    PrivilegeGuard guard = guard();
    store.failing = true;

    Decision d = guard.request(ask(ALICE, DB_WRITE).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    assertThat(d.hint()).isNotBlank();
    AuditEvent e = audit.recorded.events(AuditEventType.REQUEST_DENIED).get(0);
    assertThat(e.reason()).contains(ReasonCode.STORE_FAILURE);
    assertThat(e.subject()).contains("alice");
    store.heal();
    assertThat(store.requestsBy("alice")).isEmpty();
  }

  @Test
  void autoApprovalWhenStoreFailsThenDeniedStoreFailure() {
    PrivilegeGuard guard = guard();
    store.failing = true;

    assertThat(guard.request(ask(OLGA, LOGS_READ).build()).reason()).isEqualTo(ReasonCode.STORE_FAILURE);

    store.heal();
    assertThat(guard.check(OLGA, LOGS_READ).isGranted()).isFalse();
    assertThat(audit.recorded.types()).doesNotContain(AuditEventType.GRANTED);
  }

  @Test
  void approveWhenStoreFailsThenRefusedStoreFailureAndNothingChanged() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, DB_WRITE);
    store.failing = true;

    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.STORE_FAILURE);

    store.heal();
    RequestRecord r = store.findRequest(id).orElseThrow();
    assertThat(r.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(r.approvals()).isEmpty();
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(guard.approve(id, BOB, "").isGranted()).as("works once the store is back").isTrue();
  }

  @Test
  void approveWhenStoreCommitsThenThrowsThenGrantNeverUsableEvenAfterRestart() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, DB_WRITE);
    store.failAfterCommit = true; // the write happens, the answer is lost (a dropped connection)

    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.STORE_FAILURE);

    store.heal();
    assertThat(audit.recorded.types()).doesNotContain(AuditEventType.GRANTED);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
    assertThat(guard.activeGrants(ALICE)).as("no unaudited grant is live").isEmpty();
    assertThat(guard().check(ALICE, DB_WRITE).isGranted()).as("after a restart").isFalse();
  }

  @Test
  void autoApprovalWhenStoreCommitsThenThrowsThenGrantNeverUsableEvenAfterRestart() {
    PrivilegeGuard guard = guard();
    store.failAfterCommit = true;

    assertThat(guard.request(ask(OLGA, LOGS_READ).build()).reason()).isEqualTo(ReasonCode.STORE_FAILURE);

    store.heal();
    assertThat(guard.check(OLGA, LOGS_READ).isGranted()).isFalse();
    assertThat(guard.activeGrants(OLGA)).isEmpty();
    assertThat(guard().check(OLGA, LOGS_READ).isGranted()).as("after a restart").isFalse();
  }

  @Test
  void budgetedCheckWhenStoreFailsThenDeniedStoreFailureAndNoUseTaken() {
    PrivilegeGuard guard = guard();
    Grant g = granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).uses(3).build())), BOB, ""));
    store.failing = true;

    Decision d = guard.check(ALICE, DB_WRITE);

    assertThat(d.isGranted()).isFalse();
    assertThat(d.reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    store.heal();
    assertThat(store.findGrant(g.id()).orElseThrow().usesLeft()).hasValue(3);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void revokeOrExtendWhenStoreFailsThenRefusedStoreFailure() {
    PrivilegeGuard guard = guard();
    Grant g = granted(guard.approve(pending(guard, ALICE, DB_WRITE), BOB, ""));
    store.failing = true;

    assertThat(refusal(() -> guard.revoke(g.id(), ALICE, "")).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(5), "")).reason())
        .isEqualTo(ReasonCode.STORE_FAILURE);
    assertThat(refusal(() -> guard.withdraw(RequestId.random(), ALICE)).reason())
        .isEqualTo(ReasonCode.STORE_FAILURE);
  }

  // ------------------------------------------------------------------------------------------- policy

  @Test
  void requestWhenPolicyThrowsThenDeniedPolicyFailureAndNothingStored() {
    PrivilegeGuard guard = guard();
    policy.failing = true;

    Decision d = guard.request(ask(ALICE, DB_WRITE).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.POLICY_FAILURE);
    assertThat(d.hint()).isNotBlank();
    assertThat(store.requestsBy("alice")).isEmpty();
    assertThat(audit.recorded.events(AuditEventType.REQUEST_DENIED)).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains(ReasonCode.POLICY_FAILURE));
  }

  @Test
  void dryRunWhenPolicyThrowsThenReportsPolicyFailure() {
    PrivilegeGuard guard = guard();
    policy.failing = true;

    DryRun dry = guard.dryRun(ask(ALICE, DB_WRITE).build());

    assertThat(dry.wouldBe()).isEqualTo(Outcome.DENIED);
    assertThat(dry.reason()).isEqualTo(ReasonCode.POLICY_FAILURE);
  }

  @Test
  void requestWhenAutoApproveConditionThrowsThenDeniedPolicyFailureAndNoGrant() {
    Policy throwing = Policy.builder()
        .privilege("logs.read", r -> r
            .eligibleGroups("developers")
            .approverGroups("sre")
            .autoApprove(AutoApproveCondition.of("on-call lookup", s -> {
              throw new IllegalStateException("on-call service unreachable");
            })))
        .build();
    PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(throwing).withAuditSink(audit).withClock(clock)
        .withoutBackgroundMaintenance().build();
    guards.add(guard);

    Decision d = guard.request(ask(OLGA, LOGS_READ).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.POLICY_FAILURE);
    assertThat(guard.check(OLGA, LOGS_READ).isGranted()).isFalse();
  }

  @Test
  void approveWhenPolicyThrowsThenRefusedPolicyFailureAndStillPending() {
    PrivilegeGuard guard = guard();
    RequestId id = pending(guard, ALICE, DB_WRITE);
    policy.failing = true;

    assertThat(refusal(() -> guard.approve(id, BOB, "")).reason()).isEqualTo(ReasonCode.POLICY_FAILURE);

    policy.failing = false;
    assertThat(store.findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.PENDING);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void extendWhenPolicyThrowsThenRefusedPolicyFailureAndNothingChanged() {
    PrivilegeGuard guard = guard();
    Grant g = granted(guard.approve(pending(guard, ALICE, DB_WRITE), BOB, ""));
    policy.failing = true;

    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(5), "")).reason())
        .isEqualTo(ReasonCode.POLICY_FAILURE);
    assertThat(store.findGrant(g.id()).orElseThrow().expiresAt()).isEqualTo(g.expiresAt());
  }

  @Test
  void revokeByAdministratorWhenPolicyThrowsThenRefusedButHolderMayStillRevoke() {
    PrivilegeGuard guard = guard();
    Grant g = granted(guard.approve(pending(guard, ALICE, DB_WRITE), BOB, ""));
    policy.failing = true;

    assertThat(refusal(() -> guard.revoke(g.id(), ERIN, "")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    guard.revoke(g.id(), ALICE, "done");

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
  }

  // ------------------------------------------------------------------------------------------- approval channel

  @Test
  void requestWhenApprovalChannelFailsThenDeniedApprovalFailureAndRequestEndsDenied() {
    PrivilegeGuard guard = guard((request, rule) -> {
      throw new IllegalStateException("webhook returned 503");
    }, List.of());

    Decision d = guard.request(ask(ALICE, DB_WRITE).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    assertThat(d.hint()).isNotBlank();
    RequestRecord r = store.requestsBy("alice").get(0);
    assertThat(r.status()).isEqualTo(RequestStatus.DENIED);
    assertThat(r.decisionReason()).contains(ReasonCode.APPROVAL_FAILURE);
    assertThat(guard.pendingRequests(ALICE)).isEmpty();
    assertThat(guard.pendingApprovals(BOB)).isEmpty();
    assertThat(audit.recorded.events(AuditEventType.DENIED)).singleElement()
        .satisfies(e -> assertThat(e.reason()).contains(ReasonCode.APPROVAL_FAILURE));
    assertThat(refusal(() -> guard.approve(r.id(), BOB, "")).reason()).isEqualTo(ReasonCode.REQUEST_NOT_PENDING);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  @Test
  void approvalChannelThenToldOfPendingRequestWithItsRuleAndOfTheDecision() {
    List<RequestRecord> delivered = new CopyOnWriteArrayList<>();
    List<PrivilegeRule> rules = new CopyOnWriteArrayList<>();
    List<RequestRecord> decided = new CopyOnWriteArrayList<>();
    PrivilegeGuard guard = guard(new ApprovalChannel() {
      @Override
      public void requestPending(RequestRecord request, PrivilegeRule rule) {
        delivered.add(request);
        rules.add(rule);
      }

      @Override
      public void requestDecided(RequestRecord request) {
        decided.add(request);
      }
    }, List.of());

    RequestId id = pending(guard, ALICE, DB_WRITE);
    guard.approve(id, BOB, "");

    assertThat(delivered).extracting(RequestRecord::id).containsExactly(id);
    assertThat(rules).extracting(r -> r.pattern().matches(DB_WRITE)).containsExactly(true);
    assertThat(decided).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RequestStatus.APPROVED));
  }

  @Test
  void approvalChannelFailingToNotifyDecisionThenDecisionStands() {
    PrivilegeGuard guard = guard(new ApprovalChannel() {
      @Override
      public void requestPending(RequestRecord request, PrivilegeRule rule) {}

      @Override
      public void requestDecided(RequestRecord request) {
        throw new IllegalStateException("chat is down");
      }
    }, List.of());
    RequestId id = pending(guard, ALICE, DB_WRITE);

    assertThat(guard.approve(id, BOB, "").isGranted()).isTrue();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------- listeners

  @Test
  void listenerThatThrowsThenEveryDecisionUnchangedAndOtherListenersStillCalled() {
    List<AuditEvent> seen = new CopyOnWriteArrayList<>();
    PrivilegeGuard guard = guard(ApprovalChannel.inProcess(), List.of(
        e -> {
          throw new IllegalStateException("metrics backend down");
        },
        seen::add));

    Decision denied = guard.request(ask(Subject.of("frank"), DB_WRITE).build());
    RequestId id = pending(guard, ALICE, DB_WRITE);
    assertThat(refusal(() -> guard.approve(id, ALICE, "")).reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    Grant g = granted(guard.approve(id, BOB, "ok"));
    Decision check = guard.check(ALICE, DB_WRITE);
    Grant extended = guard.extend(g.id(), BOB, Duration.ofMinutes(10), "");
    Grant auto = granted(guard.request(ask(OLGA, LOGS_READ).build()));
    guard.revoke(g.id(), ALICE, "");
    Decision afterRevoke = guard.check(ALICE, DB_WRITE);

    assertThat(denied.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(check.isGranted()).isTrue();
    assertThat(extended.expiresAt()).isEqualTo(g.expiresAt().plus(Duration.ofMinutes(10)));
    assertThat(guard.check(OLGA, LOGS_READ).isGranted()).isTrue();
    assertThat(auto.privilege()).isEqualTo(LOGS_READ);
    assertThat(afterRevoke.reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(seen).extracting(AuditEvent::type).isEqualTo(audit.recorded.types());
  }

  // ------------------------------------------------------------------------------------------- fakes

  /** Records into an in-memory sink unless told to fail for some or all event types. */
  static final class FlakyAuditSink implements AuditSink {
    final InMemoryAuditSink recorded = new InMemoryAuditSink();
    private volatile Set<AuditEventType> failing = Set.of();

    void failAll() {
      failing = EnumSet.allOf(AuditEventType.class);
    }

    void failOn(AuditEventType... types) {
      failing = Collections.unmodifiableSet(EnumSet.of(types[0], types));
    }

    void heal() {
      failing = Set.of();
    }

    @Override
    public void record(AuditEvent event) {
      if (failing.contains(event.type())) {
        throw new IllegalStateException("audit volume is full");
      }
      recorded.record(event);
    }
  }

  /**
   * Delegates to {@link GrantStore#inMemory()}; fails every call while {@link #failing}, or commits and then fails the
   * atomic "request plus grant" writes while {@link #failAfterCommit}.
   */
  static final class FlakyGrantStore extends ForwardingGrantStore {
    volatile boolean failing;
    volatile boolean failAfterCommit;

    FlakyGrantStore() {
      super(GrantStore.inMemory());
    }

    void heal() {
      failing = false;
      failAfterCommit = false;
    }

    @Override
    protected void beforeCall() {
      if (failing) {
        throw new IllegalStateException("database unavailable");
      }
    }

    @Override
    public void insert(RequestRecord request, Grant grant) {
      super.insert(request, grant);
      if (failAfterCommit) {
        throw new IllegalStateException("connection reset after commit");
      }
    }

    @Override
    public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
      boolean written = super.update(expected, updated, issued);
      if (failAfterCommit) {
        throw new IllegalStateException("connection reset after commit");
      }
      return written;
    }
  }

  /** Delegates to a policy; every call throws while {@link #failing}. */
  static final class FlakyPolicy implements ElevationPolicy {
    private final ElevationPolicy delegate;
    volatile boolean failing;

    FlakyPolicy(ElevationPolicy delegate) {
      this.delegate = delegate;
    }

    private void check() {
      if (failing) {
        throw new IllegalStateException("policy file unreadable");
      }
    }

    @Override
    public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
      check();
      return delegate.ruleFor(privilege);
    }

    @Override
    public boolean isAdministrator(Subject subject) {
      check();
      return delegate.isAdministrator(subject);
    }

    @Override
    public String version() {
      check();
      return delegate.version();
    }
  }
}
