package dev.jitguard;

import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rule for an approver who holds an elevation of the privilege: approval rights come from the rule's approver
 * lists alone. Holding an elevation neither gives them (an elevated developer cannot approve a colleague's request)
 * nor takes them away (an approver who is elevated may still approve someone else's request), and nobody ever
 * approves their own.
 */
class ApproverHoldingElevationTest {
  /** Developers may ask; leads approve; a lead may also ask, as a developer. */
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("leads")
          .maxDuration(Duration.ofHours(2)))
      .build();
  private static final Subject DEV = Subject.of("dana", "developers");
  private static final Subject COLLEAGUE = Subject.of("colin", "developers");
  private static final Subject LEAD = Subject.of("lena", "developers", "leads");
  private static final Subject OTHER_LEAD = Subject.of("leo", "leads");

  private TestGuards.Setup t;
  private PrivilegeGuard guard;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(POLICY);
    guard = t.guard();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  @Test
  void holderOfAnElevationWhoIsNotAnApproverThenCannotApproveSomeoneElsesRequest() {
    granted(guard.approve(pendingId(guard.request(ask(DEV, DB_WRITE).build())), LEAD, "ok"));
    assertThat(guard.check(DEV, DB_WRITE).isGranted()).isTrue();
    RequestId colleagues = pendingId(guard.request(ask(COLLEAGUE, DB_WRITE).build()));

    assertThat(refusal(() -> guard.approve(colleagues, DEV, "sure")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
    assertThat(guard.pendingApprovals(DEV)).isEmpty();
  }

  @Test
  void approverWhoHoldsAnElevationThenMayApproveSomeoneElsesRequest() {
    granted(guard.approve(pendingId(guard.request(ask(LEAD, DB_WRITE).build())), OTHER_LEAD, "ok"));
    assertThat(guard.check(LEAD, DB_WRITE).isGranted()).isTrue();
    RequestId devs = pendingId(guard.request(ask(DEV, DB_WRITE).build()));

    assertThat(guard.pendingApprovals(LEAD)).extracting(RequestRecord::id).containsExactly(devs);
    assertThat(guard.approve(devs, LEAD, "ok").isGranted()).isTrue();
  }

  @Test
  void approverWhoHoldsAnElevationThenStillCannotApproveTheirOwnNextRequest() {
    Grant first = granted(guard.approve(pendingId(guard.request(ask(LEAD, DB_WRITE).build())), OTHER_LEAD, "ok"));
    guard.revoke(first.id(), LEAD, "done");
    RequestId again = pendingId(guard.request(ask(LEAD, DB_WRITE).build()));

    assertThat(refusal(() -> guard.approve(again, LEAD, "mine")).reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(refusal(() -> guard.extend(first.id(), LEAD, Duration.ofMinutes(5), "x")).reason())
        .isEqualTo(ReasonCode.SELF_APPROVAL);
  }
}
