package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TestClockTest {

  @Test
  void createThenStandsStillAtDefaultStartInUtc() {
    TestClock clock = TestClock.create();

    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START).isEqualTo(Instant.parse("2026-01-01T09:00:00Z"));
    assertThat(clock.instant()).isEqualTo(clock.instant());
    assertThat(clock.millis()).isEqualTo(TestClock.DEFAULT_START.toEpochMilli());
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
  }

  @Test
  void atWhenInstantOrIsoTextThenStartsThere() {
    Instant start = Instant.parse("2030-06-15T12:34:56.789Z");

    assertThat(TestClock.at(start).instant()).isEqualTo(start);
    assertThat(TestClock.at("2030-06-15T12:34:56.789Z").instant()).isEqualTo(start);
  }

  @Test
  void advanceThenMovesByDurationAndReturnsNewInstant() {
    TestClock clock = TestClock.create();

    Instant later = clock.advance(Duration.ofMinutes(31));

    assertThat(later).isEqualTo(TestClock.DEFAULT_START.plus(Duration.ofMinutes(31)));
    assertThat(clock.instant()).isEqualTo(later);
    assertThat(clock.millis()).isEqualTo(later.toEpochMilli());
  }

  @Test
  void advanceWhenNegativeThenMovesBack() {
    TestClock clock = TestClock.create();

    clock.advance(Duration.ofHours(-2));

    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START.minus(Duration.ofHours(2)));
  }

  @Test
  void advanceWhenSubMillisecondThenInstantKeepsNanosAndMillisTruncate() {
    TestClock clock = TestClock.create();

    clock.advance(Duration.ofNanos(1_500_000));

    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START.plusNanos(1_500_000));
    assertThat(clock.millis()).isEqualTo(TestClock.DEFAULT_START.toEpochMilli() + 1);
  }

  @Test
  void setThenJumpsToInstant() {
    TestClock clock = TestClock.create();
    Instant target = Instant.parse("2027-03-01T00:00:00Z");

    clock.set(target);

    assertThat(clock.instant()).isEqualTo(target);
  }

  @Test
  void withZoneThenSharesTimeBothWays() {
    TestClock clock = TestClock.create();
    ZoneId paris = ZoneId.of("Europe/Paris");

    Clock inParis = clock.withZone(paris);
    clock.advance(Duration.ofSeconds(5));

    assertThat(inParis.getZone()).isEqualTo(paris);
    assertThat(inParis.instant()).isEqualTo(clock.instant());
    ((TestClock) inParis).advance(Duration.ofSeconds(5));
    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START.plusSeconds(10));
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
  }

  @Test
  void advanceThenOtherThreadsSeeTheNewInstant() throws Exception {
    TestClock clock = TestClock.create();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      assertThat(pool.submit(clock::instant).get(30, TimeUnit.SECONDS)).isEqualTo(TestClock.DEFAULT_START);

      clock.advance(Duration.ofHours(1));
      Future<Instant> seen = pool.submit(clock::instant);

      assertThat(seen.get(30, TimeUnit.SECONDS)).isEqualTo(TestClock.DEFAULT_START.plus(Duration.ofHours(1)));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void whenNullArgumentsThenRejectedWithFieldName() {
    TestClock clock = TestClock.create();

    assertThatThrownBy(() -> TestClock.at((Instant) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("start cannot be null");
    assertThatThrownBy(() -> clock.advance(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("duration cannot be null");
    assertThatThrownBy(() -> clock.set(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("instant cannot be null");
    assertThatThrownBy(() -> clock.withZone(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("zone cannot be null");
    assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);
  }

  @Test
  void toStringThenShowsInstant() {
    assertThat(TestClock.create()).hasToString("TestClock[2026-01-01T09:00:00Z]");
  }
}
