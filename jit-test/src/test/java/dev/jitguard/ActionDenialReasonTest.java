package dev.jitguard;

import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import org.junit.jupiter.api.Test;

/**
 * The reason {@code checkAction} gives when the grant for the very call is used up while an approval for other
 * arguments is still active: what became of this call's grant, whatever order the grants are in. (The order differs
 * between instances sharing a store: found by the two-instance PostgreSQL test, where 63 losing threads got
 * GRANT_CONSUMED or ACTION_MISMATCH depending on which grant their index held first.)
 */
class ActionDenialReasonTest {
  private static final Privilege ERASE = Privilege.of("customers.erase");
  private static final Subject SAM = Subject.of("sam", "support");
  private static final Subject PAT = Subject.of("pat", "privacy");
  private static final Policy POLICY = Policy.builder()
      .privilege("customers.erase", r -> r.eligibleGroups("support").approverGroups("privacy").maxUses(10))
      .build();

  private static Grant approved(PrivilegeGuard guard, ActionBinding call) {
    return granted(guard.approve(pendingId(guard.request(ElevationRequest.builder(SAM, ERASE)
        .justification("PRIV-7: GDPR erasure").action(call).build())), PAT, "ok"));
  }

  @Test
  void checkActionWhenThisCallsGrantConsumedAndOtherCallsGrantActiveThenGrantConsumedInEitherOrder() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      ActionBinding erase42 = ActionBinding.of("customers.erase", 42L);
      ActionBinding erase43 = ActionBinding.of("customers.erase", 43L);
      ActionBinding erase44 = ActionBinding.of("customers.erase", 44L);
      approved(guard, erase42);
      approved(guard, erase43);
      assertThat(guard.checkAction(SAM, ERASE, erase42).isGranted()).isTrue();
      assertThat(guard.checkAction(SAM, ERASE, erase43).isGranted()).isTrue();
      approved(guard, erase44); // active, for other arguments; indexed after both used ones

      assertThat(guard.checkAction(SAM, ERASE, erase42).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
      assertThat(guard.checkAction(SAM, ERASE, erase43).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
      assertThat(guard.checkAction(SAM, ERASE, ActionBinding.of("customers.erase", 45L)).reason())
          .as("no grant for this call, one for other arguments").isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThat(guard.checkAction(SAM, ERASE, erase44).isGranted()).isTrue();
    }
  }

  @Test
  void checkActionWhenOtherCallsGrantIndexedFirstThenStillGrantConsumed() {
    try (TestGuards.Setup t = TestGuards.inMemory(POLICY)) {
      PrivilegeGuard guard = t.guard();
      ActionBinding erase42 = ActionBinding.of("customers.erase", 42L);
      ActionBinding erase43 = ActionBinding.of("customers.erase", 43L);
      approved(guard, erase42); // active, for other arguments; indexed before the grant of the call checked
      approved(guard, erase43);
      assertThat(guard.checkAction(SAM, ERASE, erase43).isGranted()).isTrue();

      assertThat(guard.checkAction(SAM, ERASE, erase43).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
  }
}
