package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.TimeWindow;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.test.TestClock;
import dev.jitguard.test.TestGuards;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Auto-approval: by requester group, by weekday and time-of-day windows in a stated zone (across midnight and daylight
 * saving changes), by an on-call source, and all of several; each audited as such with the condition that matched.
 */
class AutoApprovalTest {
  private static final Privilege LOGS = Privilege.of("logs.read");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final String SCHEDULE = "sre-primary";

  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject OLGA = Subject.of("olga", "developers");
  private static final Subject PETE = Subject.of("pete", "developers");
  private static final Subject SRE_DEV = Subject.of("sven", "developers", "sre-oncall");

  private final List<TestGuards.Setup> setups = new ArrayList<>();

  @AfterEach
  void tearDown() {
    setups.forEach(TestGuards.Setup::close);
  }

  /** A guard whose logs.read rule has approvers and the given auto-approval condition, at the given instant. */
  private TestGuards.Setup guardAt(String instant, AutoApproveCondition condition) {
    Policy policy = Policy.builder()
        .privilege("logs.read", r -> r
            .eligibleGroups("developers")
            .approverGroups("sre")
            .maxDuration(Duration.ofHours(2))
            .autoApprove(condition))
        .build();
    TestGuards.Setup t = TestGuards.inMemory(policy, TestClock.at(instant));
    setups.add(t);
    return t;
  }

  private static AuditEvent onlyAutoApproval(TestGuards.Setup t) {
    List<AuditEvent> events = t.audit().events(AuditEventType.AUTO_APPROVED);
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  // ------------------------------------------------------------------------------------------- group

  @Test
  void requestWhenRequesterInAutoApproveGroupThenGrantedAndAuditedWithTheCondition() {
    AutoApproveCondition condition = AutoApproveCondition.memberOfAny("sre-oncall");
    TestGuards.Setup t = guardAt("2026-01-07T10:00:00Z", condition);

    Decision d = t.guard().request(ask(SRE_DEV, LOGS).build());

    Grant g = granted(d);
    assertThat(d.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(g.approvers()).isEmpty();
    assertThat(t.guard().check(SRE_DEV, LOGS).isGranted()).isTrue();
    AuditEvent auto = onlyAutoApproval(t);
    assertThat(auto.details()).containsEntry("condition", condition.description());
    assertThat(auto.details().get("condition")).contains("sre-oncall");
    assertThat(auto.actor()).contains("policy");
    assertThat(auto.reason()).contains(ReasonCode.AUTO_APPROVED);
    assertThat(auto.grantId()).contains(g.id());
    assertThat(auto.subject()).contains("sven");
    assertThat(t.audit().types()).containsSubsequence(AuditEventType.REQUESTED, AuditEventType.AUTO_APPROVED,
        AuditEventType.GRANTED);
    assertThat(t.audit().events(AuditEventType.APPROVED)).isEmpty();
    RequestRecord r = t.store().findRequest(g.requestId()).orElseThrow();
    assertThat(r.decisionReason()).contains(ReasonCode.AUTO_APPROVED);
    assertThat(r.decidedBy()).contains("policy");
  }

  @Test
  void requestWhenRequesterNotInAutoApproveGroupThenPendingForPeople() {
    TestGuards.Setup t = guardAt("2026-01-07T10:00:00Z", AutoApproveCondition.memberOfAny("sre-oncall"));

    pendingId(t.guard().request(ask(ALICE, LOGS).build()));

    assertThat(t.audit().events(AuditEventType.AUTO_APPROVED)).isEmpty();
    assertThat(t.audit().events(AuditEventType.GRANTED)).isEmpty();
  }

  @Test
  void requestWhenAutoApproveMatchesButAnotherRuleFailsThenDeniedByThatRule() {
    TestGuards.Setup t = guardAt("2026-01-07T10:00:00Z", AutoApproveCondition.memberOfAny("sre-oncall"));

    Decision d = t.guard().request(ask(SRE_DEV, LOGS).duration(Duration.ofHours(3)).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.DURATION_EXCEEDS_MAX);
    assertThat(t.audit().events(AuditEventType.AUTO_APPROVED)).isEmpty();
    assertThat(t.store().grantsOf("sven")).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- time windows

  private static final TimeWindow OFFICE_HOURS = TimeWindow.weekdays(LocalTime.of(9, 0), LocalTime.of(17, 0),
      BERLIN);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // winter, CET = UTC+1; 2026-01-07 is a Wednesday
      "2026-01-07T08:00:00Z, AUTO_APPROVED",      // 09:00 local, the window's first instant
      "2026-01-07T07:59:59Z, PENDING_APPROVAL",   // 08:59:59 local
      "2026-01-07T15:59:59Z, AUTO_APPROVED",      // 16:59:59 local
      "2026-01-07T16:00:00Z, PENDING_APPROVAL",   // 17:00 local: the end is exclusive
      "2026-01-07T07:30:00Z, PENDING_APPROVAL",   // 08:30 local
      "2026-01-07T15:30:00Z, AUTO_APPROVED",      // 16:30 local
      // summer, CEST = UTC+2; 2026-07-08 is a Wednesday: the same UTC times flip
      "2026-07-08T07:30:00Z, AUTO_APPROVED",      // 09:30 local
      "2026-07-08T15:30:00Z, PENDING_APPROVAL",   // 17:30 local
      // weekend: 2026-01-10 is a Saturday, 2026-01-11 a Sunday
      "2026-01-10T10:00:00Z, PENDING_APPROVAL",
      "2026-01-11T10:00:00Z, PENDING_APPROVAL",
      "2026-01-12T08:30:00Z, AUTO_APPROVED",      // Monday 09:30 local
  })
  void requestDuringWeekdayWindowInStatedZoneThenAutoApprovedOnlyInsideIt(String instant, ReasonCode expected) {
    TestGuards.Setup t = guardAt(instant, AutoApproveCondition.during(OFFICE_HOURS));

    Decision d = t.guard().request(ask(ALICE, LOGS).build());

    assertThat(d.reason()).isEqualTo(expected);
    assertThat(t.audit().events(AuditEventType.AUTO_APPROVED)).hasSize(expected == ReasonCode.AUTO_APPROVED ? 1 : 0);
  }

  @Test
  void requestWhenLocalWeekdayDiffersFromUtcWeekdayThenTheLocalDayDecides() {
    TimeWindow evenings = TimeWindow.weekdays(LocalTime.of(17, 0), LocalTime.of(23, 0),
        ZoneId.of("America/Los_Angeles"));
    AutoApproveCondition condition = AutoApproveCondition.during(evenings);

    // Friday 22:00 PST is Saturday 06:00 UTC
    assertThat(guardAt("2026-01-10T06:00:00Z", condition).guard().request(ask(ALICE, LOGS).build()).reason())
        .isEqualTo(ReasonCode.AUTO_APPROVED);
    // Sunday 22:00 PST is Monday 06:00 UTC
    assertThat(guardAt("2026-01-12T06:00:00Z", condition).guard().request(ask(ALICE, LOGS).build()).reason())
        .isEqualTo(ReasonCode.PENDING_APPROVAL);
  }

  @Test
  void requestInsideWindowThenAuditedWithTheWindowAsCondition() {
    AutoApproveCondition condition = AutoApproveCondition.during(OFFICE_HOURS);
    TestGuards.Setup t = guardAt("2026-01-07T10:00:00Z", condition);

    granted(t.guard().request(ask(ALICE, LOGS).build()));

    String described = onlyAutoApproval(t).details().get("condition");
    assertThat(described).isEqualTo(condition.description()).contains("Europe/Berlin").contains("09:00")
        .contains("17:00");
  }

  private static final TimeWindow FRIDAY_NIGHT = new TimeWindow(EnumSet.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0),
      LocalTime.of(6, 0), BERLIN);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // 2026-01-09 is a Friday; CET = UTC+1
      "2026-01-09T20:59:59Z, PENDING_APPROVAL",   // Fri 21:59:59
      "2026-01-09T21:00:00Z, AUTO_APPROVED",      // Fri 22:00
      "2026-01-09T22:59:59Z, AUTO_APPROVED",      // Fri 23:59:59
      "2026-01-09T23:00:00Z, AUTO_APPROVED",      // Sat 00:00, still Friday's window
      "2026-01-10T04:59:59Z, AUTO_APPROVED",      // Sat 05:59:59
      "2026-01-10T05:00:00Z, PENDING_APPROVAL",   // Sat 06:00: end exclusive
      "2026-01-09T04:00:00Z, PENDING_APPROVAL",   // Fri 05:00 belongs to Thursday's window, which does not exist
      "2026-01-10T21:30:00Z, PENDING_APPROVAL",   // Sat 22:30: no Saturday window
      "2026-01-11T03:00:00Z, PENDING_APPROVAL",   // Sun 04:00: would be Saturday's window
  })
  void requestDuringWindowSpanningMidnightThenTheMorningBelongsToTheDayItStarted(String instant,
      ReasonCode expected) {
    TestGuards.Setup t = guardAt(instant, AutoApproveCondition.during(FRIDAY_NIGHT));

    assertThat(t.guard().request(ask(ALICE, LOGS).build()).reason()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // 2026-03-29 (Sunday): clocks go from 02:00 CET to 03:00 CEST. Window Sunday 01:00-04:00 local.
      "2026-03-29T00:30:00Z, AUTO_APPROVED",      // 01:30 CET
      "2026-03-29T01:30:00Z, AUTO_APPROVED",      // 03:30 CEST
      "2026-03-29T01:59:59Z, AUTO_APPROVED",      // 03:59:59 CEST
      "2026-03-29T02:00:00Z, PENDING_APPROVAL",   // 04:00 CEST: a fixed +01:00 offset would say 03:00, inside
      "2026-03-28T23:59:59Z, PENDING_APPROVAL",   // 00:59:59 CET
  })
  void requestOnSpringForwardDayThenWindowFollowsLocalTime(String instant, ReasonCode expected) {
    TimeWindow sunday = new TimeWindow(EnumSet.of(DayOfWeek.SUNDAY), LocalTime.of(1, 0), LocalTime.of(4, 0), BERLIN);
    TestGuards.Setup t = guardAt(instant, AutoApproveCondition.during(sunday));

    assertThat(t.guard().request(ask(ALICE, LOGS).build()).reason()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // 2026-10-25 (Sunday): clocks go from 03:00 CEST back to 02:00 CET; 02:00-03:00 local happens twice.
      "2026-10-25T00:00:00Z, AUTO_APPROVED",      // 02:00 CEST, first pass
      "2026-10-25T00:30:00Z, AUTO_APPROVED",      // 02:30 CEST
      "2026-10-25T01:30:00Z, AUTO_APPROVED",      // 02:30 CET, second pass
      "2026-10-25T02:00:00Z, PENDING_APPROVAL",   // 03:00 CET
      "2026-10-24T23:59:59Z, PENDING_APPROVAL",   // 01:59:59 CEST
  })
  void requestOnFallBackDayThenBothPassesOfTheRepeatedHourAreInside(String instant, ReasonCode expected) {
    TimeWindow sunday = new TimeWindow(EnumSet.of(DayOfWeek.SUNDAY), LocalTime.of(2, 0), LocalTime.of(3, 0), BERLIN);
    TestGuards.Setup t = guardAt(instant, AutoApproveCondition.during(sunday));

    assertThat(t.guard().request(ask(ALICE, LOGS).build()).reason()).isEqualTo(expected);
  }

  @Test
  void requestWhenClockMovesIntoTheWindowThenTheGuardsTimeDecides() {
    TestGuards.Setup t = guardAt("2026-01-07T07:00:00Z", AutoApproveCondition.during(OFFICE_HOURS));

    assertThat(t.guard().request(ask(ALICE, LOGS).build()).reason()).isEqualTo(ReasonCode.PENDING_APPROVAL);
    t.clock().set(Instant.parse("2026-01-07T09:00:00Z"));
    assertThat(t.guard().request(ask(OLGA, LOGS).build()).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
  }

  // ------------------------------------------------------------------------------------------- on call

  @Test
  void requestWhenRequesterOnCallThenAutoApprovedAndOthersWait() {
    InMemoryOnCallSource source = new InMemoryOnCallSource().set(SCHEDULE, "olga");
    AutoApproveCondition condition = AutoApproveCondition.onCall(source, SCHEDULE);
    TestGuards.Setup t = guardAt("2026-01-07T03:00:00Z", condition);

    assertThat(t.guard().request(ask(OLGA, LOGS).build()).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    RequestId peteWaits = pendingId(t.guard().request(ask(PETE, LOGS).build()));

    assertThat(onlyAutoApproval(t).details()).containsEntry("condition", condition.description());
    assertThat(condition.description()).contains(SCHEDULE);

    // the rota changes: the source is asked at request time
    source.set(SCHEDULE, "pete");
    t.guard().withdraw(peteWaits, PETE);
    assertThat(t.guard().request(ask(PETE, LOGS).build()).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
  }

  @Test
  void requestWhenOnCallSourceThrowsThenRequestWaitsForPeopleInstead() {
    OnCallSource broken = (schedule, at) -> {
      throw new IllegalStateException("pager API down");
    };
    TestGuards.Setup t = guardAt("2026-01-07T03:00:00Z", AutoApproveCondition.onCall(broken, SCHEDULE));

    Decision d = t.guard().request(ask(OLGA, LOGS).build());

    assertThat(d.outcome()).isEqualTo(Outcome.PENDING);
    assertThat(t.audit().events(AuditEventType.AUTO_APPROVED)).isEmpty();
    assertThat(t.audit().events(AuditEventType.REQUEST_DENIED)).isEmpty();
    assertThat(t.store().grantsOf("olga")).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- all of

  @Test
  void requestWhenAllOfConditionsThenAutoApprovedOnlyWhenEveryOneMatches() {
    InMemoryOnCallSource source = new InMemoryOnCallSource().set(SCHEDULE, "olga");
    AutoApproveCondition both = AutoApproveCondition.allOf(AutoApproveCondition.onCall(source, SCHEDULE),
        AutoApproveCondition.during(OFFICE_HOURS));

    TestGuards.Setup inside = guardAt("2026-01-07T10:00:00Z", both);
    assertThat(inside.guard().request(ask(OLGA, LOGS).build()).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
    assertThat(inside.guard().request(ask(PETE, LOGS).build()).reason())
        .as("inside the window but not on call").isEqualTo(ReasonCode.PENDING_APPROVAL);

    TestGuards.Setup outside = guardAt("2026-01-07T20:00:00Z", both);
    assertThat(outside.guard().request(ask(OLGA, LOGS).build()).reason())
        .as("on call but outside the window").isEqualTo(ReasonCode.PENDING_APPROVAL);

    String described = onlyAutoApproval(inside).details().get("condition");
    assertThat(described).isEqualTo(both.description()).contains(SCHEDULE).contains("Europe/Berlin")
        .contains(" and ");
    assertThat(outside.audit().events(AuditEventType.AUTO_APPROVED)).isEmpty();
  }

  // ------------------------------------------------------------------------------------------- no approvers

  @Test
  void requestWhenRuleHasOnlyAutoApprovalAndConditionDoesNotMatchThenNotEligible() {
    AutoApproveCondition sreOnly = AutoApproveCondition.memberOfAny("sre-oncall");
    Policy policy = Policy.builder()
        .privilege("cache.flush", r -> r.eligibleGroups("developers").autoApprove(sreOnly))
        .build();
    TestGuards.Setup t = TestGuards.inMemory(policy);
    setups.add(t);
    Privilege flush = Privilege.of("cache.flush");

    Decision d = t.guard().request(ask(ALICE, flush).build());

    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(d.hint()).contains(sreOnly.description());
    assertThat(t.store().requestsBy("alice")).as("nothing waits for approvers that do not exist").isEmpty();
    assertThat(t.audit().types()).containsExactly(AuditEventType.REQUEST_DENIED);
    assertThat(t.guard().dryRun(ask(ALICE, flush).build()).reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);

    assertThat(t.guard().request(ask(SRE_DEV, flush).build()).reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
  }

  @Test
  void requestWhenRuleHasOnlyOnCallAutoApprovalAndSourceThrowsThenNotEligibleNotGranted() {
    OnCallSource broken = (schedule, at) -> {
      throw new IllegalStateException("pager API down");
    };
    Policy policy = Policy.builder()
        .privilege("cache.flush", r -> r.eligibleGroups("developers")
            .autoApprove(AutoApproveCondition.onCall(broken, SCHEDULE)))
        .build();
    TestGuards.Setup t = TestGuards.inMemory(policy);
    setups.add(t);

    Decision d = t.guard().request(ask(OLGA, Privilege.of("cache.flush")).build());

    assertThat(d.outcome()).isEqualTo(Outcome.DENIED);
    assertThat(d.reason()).isEqualTo(ReasonCode.NOT_ELIGIBLE);
    assertThat(t.store().grantsOf("olga")).isEmpty();
  }
}
