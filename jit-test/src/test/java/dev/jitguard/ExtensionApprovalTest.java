package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.minutes;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.StageMode;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An extension is an approval of more time, so it needs what an approval needs: one approver cannot extend a grant
 * that took two, an approver gives a comment where the policy requires one, and an approver's shortening also caps
 * what the holder may extend to.
 */
class ExtensionApprovalTest {
  private static final Privilege TWO_OF_DBA = Privilege.of("db.prod.write");
  private static final Privilege TWO_STAGES = Privilege.of("customers.erase");
  private static final Privilege ANY_STAGE = Privilege.of("payments.refund");
  private static final Privilege COMMENTED = Privilege.of("logs.read");
  private static final Privilege SELF_SERVICE = Privilege.of("db.prod.admin");

  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject BOB = Subject.of("bob", "dba", "privacy", "leads");
  private static final Subject DAVE = Subject.of("dave", "dba", "legal");

  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba").approvals(2)
          .maxDuration(Duration.ofHours(4)))
      .privilege("customers.erase", r -> r.eligibleGroups("developers")
          .stage(ApprovalStage.of("privacy", 1, "privacy")).stage(ApprovalStage.of("legal", 1, "legal"))
          .maxDuration(Duration.ofHours(4)))
      .privilege("payments.refund", r -> r.eligibleGroups("developers")
          .stage(ApprovalStage.of("leads", 1, "leads")).stage(ApprovalStage.of("legal", 1, "legal"))
          .stageMode(StageMode.ANY).maxDuration(Duration.ofHours(4)))
      .privilege("logs.read", r -> r.eligibleGroups("developers").approverGroups("dba").requireApproverComment()
          .maxDuration(Duration.ofHours(4)))
      .privilege("db.prod.admin", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(4)).extensionRequiresApproval(false))
      .build();

  @Test
  void oneApproverCannotExtendAGrantThatNeededTwoApprovals() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, TWO_OF_DBA).duration(minutes(30)).build()));
      pendingId(guard.approve(id, BOB, "one"));
      Grant g = granted(guard.approve(id, DAVE, "two"));

      OperationRefusedException e = refusal(() -> guard.extend(g.id(), BOB, minutes(60), "need more time"));

      assertThat(e.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
      assertThat(e.getMessage()).contains("one approver cannot extend it alone");
      assertThat(t.store().findGrant(g.id()).orElseThrow().expiresAt()).isEqualTo(g.expiresAt());
    }
  }

  @Test
  void oneApproverCannotExtendAGrantThatNeededEveryStage() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, TWO_STAGES).duration(minutes(30)).build()));
      pendingId(guard.approve(id, BOB, "privacy ok"));
      Grant g = granted(guard.approve(id, DAVE, "legal ok"));

      assertThat(refusal(() -> guard.extend(g.id(), DAVE, minutes(60), "need more time")).reason())
          .isEqualTo(ReasonCode.NOT_PERMITTED);
    }
  }

  @Test
  void oneApproverMayExtendWhereOneApprovalIsEnough() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, ANY_STAGE).duration(minutes(30)).build()));
      Grant g = granted(guard.approve(id, BOB, "lead ok"));

      Grant extended = guard.extend(g.id(), DAVE, minutes(60), "still reconciling");

      assertThat(extended.expiresAt()).isEqualTo(g.expiresAt().plus(minutes(60)));
    }
  }

  @Test
  void approverMustGiveAReasonToExtendWhereThePolicyRequiresComments() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, COMMENTED).duration(minutes(30)).build()));
      Grant g = granted(guard.approve(id, BOB, "checked the incident"));

      assertThat(refusal(() -> guard.extend(g.id(), DAVE, minutes(30), "  ")).reason())
          .isEqualTo(ReasonCode.COMMENT_REQUIRED);
      assertThat(guard.extend(g.id(), DAVE, minutes(30), "incident still open").expiresAt())
          .isEqualTo(g.expiresAt().plus(minutes(30)));
    }
  }

  @Test
  void holderCannotExtendPastWhatTheApproverShortenedTo() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, SELF_SERVICE).duration(Duration.ofHours(2)).build()));
      Grant g = granted(guard.approve(id, BOB, "ten minutes is enough", minutes(10)));
      assertThat(g.capExpiresAt()).isEqualTo(g.expiresAt());

      OperationRefusedException e = refusal(() -> guard.extend(g.id(), ALICE, minutes(60), "I want my two hours"));

      assertThat(e.reason()).isEqualTo(ReasonCode.EXTENSION_EXCEEDS_CAP);
      assertThat(t.store().findGrant(g.id()).orElseThrow().expiresAt()).isEqualTo(g.expiresAt());
    }
  }

  @Test
  void withoutShorteningTheHolderExtendsUpToThePolicyMaximum() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      RequestId id = pendingId(guard.request(ask(ALICE, SELF_SERVICE).duration(Duration.ofHours(1)).build()));
      Grant g = granted(guard.approve(id, BOB, "ok"));

      assertThat(guard.extend(g.id(), ALICE, Duration.ofHours(3), "migration is slow").expiresAt())
          .isEqualTo(g.notBefore().plus(Duration.ofHours(4)));
    }
  }
}
