package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ERIN;
import static dev.jitguard.Fixtures.FRANK;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation that takes a request or grant id decides whether the caller may act before it reveals anything:
 * a caller who may not act gets the same answer for a real id as for a well-formed guessed one, also after the
 * privilege's rule was removed, and also when waiting for a decision.
 */
class IdsNeverConfirmExistenceTest {
  private static final Subject MALLORY = Subject.of("mallory", "developers");
  private static final Subject HANK = Subject.of("hank", "developers");

  /** db.prod.write exists at first; the switch removes its rule. */
  private final SwitchingPolicy policy = new SwitchingPolicy(Policy.builder().version("with")
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(2)).breakGlass(20, Duration.ofMinutes(30)))
      .administratorGroups("admins")
      .build());
  /** The same without the rule of db.prod.write. */
  private static final Policy WITHOUT = Policy.builder().version("without").administratorGroups("admins").build();
  private TestGuards.Setup t;
  private PrivilegeGuard guard;
  private RequestId pending;
  private Grant grant;
  private RequestId breakGlass;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(policy);
    guard = t.guard();
    pending = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    grant = granted(guard.approve(pendingId(guard.request(ask(HANK, DB_WRITE).build())), BOB, "ok"));
    breakGlass = ((Decision.Granted) guard.breakGlass(Subject.of("gina", "developers"), DB_WRITE,
        "INC-7: the payment queue is stuck and needs a manual fix now", Duration.ofMinutes(10))).grant().requestId();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  /** An operation on a request or grant id, as a stranger would try it. */
  record Op(String name, BiFunction<PrivilegeGuard, IdsNeverConfirmExistenceTest, Object> real,
      BiFunction<PrivilegeGuard, IdsNeverConfirmExistenceTest, Object> guessed) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> operations() {
    RequestId guessedRequest = RequestId.random();
    GrantId guessedGrant = GrantId.random();
    return Stream.of(
        new Op("approve", (g, s) -> g.approve(s.pending, MALLORY, "ok"),
            (g, s) -> g.approve(guessedRequest, MALLORY, "ok")),
        new Op("approve shortened", (g, s) -> g.approve(s.pending, MALLORY, "ok", Duration.ofMinutes(5)),
            (g, s) -> g.approve(guessedRequest, MALLORY, "ok", Duration.ofMinutes(5))),
        new Op("deny", (g, s) -> g.deny(s.pending, MALLORY, "no"), (g, s) -> g.deny(guessedRequest, MALLORY, "no")),
        new Op("withdraw", (g, s) -> g.withdraw(s.pending, MALLORY), (g, s) -> g.withdraw(guessedRequest, MALLORY)),
        new Op("revoke request", (g, s) -> g.revokeRequest(s.pending, MALLORY, "x"),
            (g, s) -> g.revokeRequest(guessedRequest, MALLORY, "x")),
        new Op("review", (g, s) -> g.review(s.breakGlass, MALLORY, "checked"),
            (g, s) -> g.review(guessedRequest, MALLORY, "checked")),
        new Op("revoke", (g, s) -> g.revoke(s.grant.id(), MALLORY, "x"), (g, s) -> g.revoke(guessedGrant, MALLORY, "x")),
        new Op("extend", (g, s) -> g.extend(s.grant.id(), MALLORY, Duration.ofMinutes(5), "x"),
            (g, s) -> g.extend(guessedGrant, MALLORY, Duration.ofMinutes(5), "x"))
    ).flatMap(op -> Stream.of(Arguments.of(op, false), Arguments.of(op, true)));
  }

  @ParameterizedTest(name = "{0}, rule removed: {1}")
  @MethodSource("operations")
  void strangerWithRealOrGuessedIdThenTheSameAnswer(Op op, boolean ruleRemoved) {
    if (ruleRemoved) {
      policy.switchTo(WITHOUT);
    }
    Decision.Denied real = refusal(() -> op.real().apply(guard, this)).decision();
    Decision.Denied guessed = refusal(() -> op.guessed().apply(guard, this)).decision();

    assertThat(real.reason()).isEqualTo(ReasonCode.NOT_PERMITTED).isEqualTo(guessed.reason());
    assertThat(real.privilege()).isEqualTo(guessed.privilege()).isNotEqualTo(DB_WRITE);
    assertThat(shape(real.message())).isEqualTo(shape(guessed.message()));
    assertThat(real.hint()).isEqualTo(guessed.hint());
    assertThat(real.message() + real.hint()).doesNotContain(DB_WRITE.name());
  }

  /** The message with the id taken out: the only difference allowed is the id the caller typed. */
  private static String shape(String message) {
    return message.replaceAll("[0-9a-f]{32}", "<id>");
  }

  @Test
  void strangerWaitingOnARealOrGuessedRequestThenTheSameAnswerAtOnce() throws Exception {
    Decision real = guard.decisionFuture(pending, MALLORY).get(5, TimeUnit.SECONDS);
    Decision guessed = guard.decisionFuture(RequestId.random(), MALLORY).get(5, TimeUnit.SECONDS);
    Decision awaited = guard.awaitDecision(pending, MALLORY, Duration.ofMinutes(5));

    for (Decision d : new Decision[] {real, guessed, awaited}) {
      assertThat(d.reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
      assertThat(d.isGranted()).isFalse();
    }
    assertThat(shape(real.message())).isEqualTo(shape(guessed.message()));
  }

  @Test
  void requesterApproverAndAdministratorMayWaitOnTheRequest() {
    assertThat(guard.decisionFuture(pending, ALICE)).isNotDone();
    assertThat(guard.decisionFuture(pending, BOB)).isNotDone();
    assertThat(guard.decisionFuture(pending, ERIN)).isNotDone();
    guard.approve(pending, BOB, "ok");
    assertThat(guard.decisionFuture(pending, ALICE)).isCompleted();
  }

  @Test
  void approverAfterTheRuleWasRemovedThenTheSameAnswerAsForAGuessedId() {
    policy.switchTo(WITHOUT);

    Decision.Denied real = refusal(() -> guard.approve(pending, BOB, "ok")).decision();
    Decision.Denied guessed = refusal(() -> guard.approve(RequestId.random(), BOB, "ok")).decision();

    assertThat(real.reason()).isEqualTo(ReasonCode.NOT_PERMITTED).isEqualTo(guessed.reason());
    assertThat(real.privilege()).isNotEqualTo(DB_WRITE);
    assertThat(shape(real.message())).isEqualTo(shape(guessed.message()));
  }

  @Test
  void requesterSeesTheirOwnRequestAndIsToldWhyTheyMayNotApproveIt() {
    assertThat(refusal(() -> guard.approve(pending, ALICE, "mine")).reason()).isEqualTo(ReasonCode.SELF_APPROVAL);
    assertThat(refusal(() -> guard.approve(pending, FRANK, "x")).reason()).isEqualTo(ReasonCode.NOT_PERMITTED);
  }

}
