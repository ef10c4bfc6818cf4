package dev.jitguard;

import static dev.jitguard.Fixtures.ALICE;
import static dev.jitguard.Fixtures.BOB;
import static dev.jitguard.Fixtures.DB_WRITE;
import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.granted;
import static dev.jitguard.Fixtures.pendingId;
import static dev.jitguard.Fixtures.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.test.TestClock;
import dev.jitguard.test.TestGuards;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A clock set back never revives an expired grant and never makes a grant last longer in elapsed time than it was
 * issued for; a clock set forward may only end grants early; each jump is recorded once. The test clock moves the
 * wall clock and the elapsed (monotonic) time separately, as an operator or NTP stepping the clock does.
 */
class ClockSetBackTest {
  private static final Duration HALF_HOUR = Duration.ofMinutes(30);
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(2)).defaultDuration(HALF_HOUR))
      .build();

  private TestGuards.Setup t;
  private PrivilegeGuard guard;
  private TestClock clock;

  @BeforeEach
  void setUp() {
    t = TestGuards.inMemory(POLICY);
    guard = t.guard();
    clock = t.clock();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private Grant halfHourGrant() {
    return granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).duration(HALF_HOUR).build())), BOB,
        "ok"));
  }

  private List<AuditEvent> jumps() {
    return t.audit().events(AuditEventType.CLOCK_JUMPED);
  }

  @Test
  void clockSetBackAfterExpiryWithNothingReadingTheClockThenTheExpiredGrantStaysExpired() {
    Grant g = halfHourGrant();
    clock.advance(Duration.ofMinutes(31));        // expired, but nothing looked at the clock meanwhile
    clock.moveWallClock(Duration.ofHours(-1));    // the wall clock now says 29 minutes after issue... minus an hour

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(guard.activeGrants(ALICE)).isEmpty();
    assertThat(refusal(() -> guard.extend(g.id(), BOB, Duration.ofMinutes(10), "more")).reason())
        .isEqualTo(ReasonCode.GRANT_NOT_ACTIVE);
    assertThat(jumps()).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("direction", "back"));
  }

  @Test
  void clockSetBackToNineteenSeventyThenNoGrantIsValidAgainAndTheJumpIsRecordedOnce() {
    halfHourGrant();
    clock.advance(Duration.ofMinutes(31));
    clock.setWallClock(Instant.EPOCH);

    for (int i = 0; i < 5; i++) {
      assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    }
    guard.runMaintenance();
    assertThat(guard.activeGrants(ALICE)).isEmpty();
    assertThat(jumps()).hasSize(1);
    assertThat(jumps().get(0).details()).containsEntry("direction", "back").containsEntry("wall", "1970-01-01T00:00:00Z");
  }

  @Test
  void clockSetBackWhileAGrantIsLiveThenItLastsNoLongerInElapsedTimeThanIssued() {
    halfHourGrant();
    clock.moveWallClock(Duration.ofHours(-1));

    clock.elapse(HALF_HOUR.minusMillis(1));
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    clock.elapse(Duration.ofMillis(1));              // 30 minutes have passed, though the wall clock says 30 to go
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
  }

  @Test
  void clockSetForwardThenGrantsEndEarlyAndTheJumpIsRecordedOnce() {
    halfHourGrant();
    clock.moveWallClock(Duration.ofHours(1));

    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(guard.check(ALICE, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    assertThat(jumps()).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("direction", "forward"));
  }

  @Test
  void clockSetBackThenNewGrantsAreDatedOnTheGuardsTimeNotTheWallClocks() {
    Instant issued = clock.instant();
    clock.moveWallClock(Duration.ofHours(-3));
    Grant g = halfHourGrant();

    assertThat(g.notBefore()).isEqualTo(issued);
    assertThat(g.expiresAt()).isEqualTo(issued.plus(HALF_HOUR));
  }

  @Test
  void clockCatchesUpAfterASetBackThenTheNextSetBackIsRecordedAgain() {
    // A jump is recorded when the guard next reads the time (any operation, or maintenance).
    clock.moveWallClock(Duration.ofHours(-1));
    guard.runMaintenance();
    guard.runMaintenance();
    clock.moveWallClock(Duration.ofHours(1));   // back in step with elapsed time
    guard.runMaintenance();
    clock.moveWallClock(Duration.ofMinutes(-10));
    guard.runMaintenance();

    assertThat(jumps()).extracting(e -> e.details().get("direction")).containsExactly("back", "back");
  }

  @Test
  void timePassingNormallyThenNoJumpIsRecorded() {
    halfHourGrant();
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofMinutes(5));
      guard.check(ALICE, DB_WRITE);
      guard.runMaintenance();
    }
    assertThat(jumps()).isEmpty();
  }

  /**
   * Whatever the wall clock does (back, far back, forward, to 1970), a grant is never allowed once the time issued
   * for it has passed, and once denied as expired it is never allowed again.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void anyWallClockMovesThenNoGrantOutlivesItsElapsedTimeOrComesBack(long seed) {
    Random random = new Random(seed);
    halfHourGrant();
    Duration elapsed = Duration.ZERO;
    boolean ended = false;
    for (int step = 0; step < 40; step++) {
      switch (random.nextInt(5)) {
        case 0 -> clock.moveWallClock(Duration.ofMinutes(-random.nextInt(180)));
        case 1 -> clock.moveWallClock(Duration.ofMinutes(random.nextInt(90)));
        case 2 -> clock.setWallClock(Instant.EPOCH.plusSeconds(random.nextInt(1000)));
        default -> {
          Duration d = Duration.ofSeconds(random.nextInt(240));
          clock.elapse(d);
          elapsed = elapsed.plus(d);
        }
      }
      if (random.nextBoolean()) {
        guard.runMaintenance();
      }
      boolean allowed = guard.check(ALICE, DB_WRITE).isGranted();
      if (allowed) {
        assertThat(elapsed).as("allowed after %s elapsed (step %d)", elapsed, step).isLessThan(HALF_HOUR);
        assertThat(ended).as("allowed again after it ended (step %d)", step).isFalse();
      } else {
        ended = true;
      }
    }
  }

  static Stream<Long> seeds() {
    return IntStream.range(0, 50).mapToObj(i -> 1000L + i);
  }
}
