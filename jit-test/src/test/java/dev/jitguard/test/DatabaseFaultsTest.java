package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.ElevationRequest;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.policy.Policy;
import dev.jitguard.store.JdbcGrantStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the database under several application instances: the database restored to an older state (a
 * revocation must still stick on every instance; a real PostgreSQL and H2), and a real PostgreSQL killed and restarted
 * under mixed load (nothing allowed that should not be, no acknowledged revocation lost, and the guards recover by
 * themselves).
 *
 * <p>The build runs one outage. The long variant runs as many as asked, under the same load:
 * {@code mvn -pl jit-test test -Dtest=DatabaseFaultsTest -Djitguard.faults.outages=30} (about 5 s per outage; the
 * class timeout of 300 s allows up to about 50).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DatabaseFaultsTest {
  /** Outages of the killed-and-restarted test; 1 in the build, more for the long variant. */
  private static final int OUTAGES = Integer.getInteger("jitguard.faults.outages", 1);
  private static final Duration BOUND = Duration.ofSeconds(1);
  private static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Policy POLICY = Policy.builder().version("faults")
      .privilege("db.prod.write", r -> r.eligibleGroups("dev").approverGroups("dba")
          .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
      .build();

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      try {
        cleanup.get(i).close();
      } catch (Exception e) {
        // a database a test stopped on purpose may refuse to close its pool cleanly
      }
    }
  }

  private record Instance(HikariDataSource pool, JdbcGrantStore store, PrivilegeGuard guard, InMemoryAuditSink audit)
      implements AutoCloseable {
    @Override
    public void close() {
      guard.close();
      store.close();
      pool.close();
    }
  }

  private Instance instance(String url, Consistency consistency) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(1000);
    config.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(config);
    JdbcGrantStore store = JdbcGrantStore.builder(pool).createSchema(true).queryTimeout(Duration.ofSeconds(2))
        .build();
    InMemoryAuditSink audit = new InMemoryAuditSink();
    PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store).withAuditSink(audit)
        .withoutBackgroundMaintenance().withConsistency(consistency).build();
    Instance i = new Instance(pool, store, guard, audit);
    cleanup.add(i);
    return i;
  }

  private static Grant grant(PrivilegeGuard guard, Subject who) {
    Decision asked = guard.request(ElevationRequest.builder(who, DB_WRITE).justification("INC-9: repair").build());
    RequestId id = ((Decision.Pending) asked).request().id();
    Decision approved = guard.approve(id, BOB, "ok");
    assertThat(approved.isGranted()).as("approved: %s", approved).isTrue();
    return ((Decision.Granted) approved).grant();
  }

  /** Polls (bounded) until the check answers the reason, parking a millisecond between tries; never sleeps blind. */
  private static ReasonCode eventually(PrivilegeGuard guard, Subject who, ReasonCode expected, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    ReasonCode last;
    do {
      last = guard.check(who, DB_WRITE).reason();
      if (last == expected) {
        return last;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    } while (System.nanoTime() < deadline);
    return last;
  }

  @Test
  void databaseRestoredToAnOlderVersionThenARevocationStillEndsTheGrantOnEveryInstance() throws SQLException {
    restoredThenRevoked(Databases.postgresUrl(Databases.newPostgresSchema()));
  }

  @Test
  void h2DatabaseRestoredToAnOlderVersionThenARevocationStillEndsTheGrantOnEveryInstance() throws SQLException {
    restoredThenRevoked("jdbc:h2:mem:jitguard-restore-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
  }

  /** Three instances on one database; the database goes back a version; a revocation must still end the grant. */
  private void restoredThenRevoked(String url) throws SQLException {
    Instance a = instance(url, Consistency.cached(BOUND));
    Instance b = instance(url, Consistency.cached(BOUND));
    Instance strict = instance(url, Consistency.strict());
    Subject alice = Subject.of("alice", "dev");
    Grant g = grant(a.guard(), alice);
    a.guard().extend(g.id(), BOB, Duration.ofMinutes(10), "more");      // version 1, seen by every instance
    for (Instance i : List.of(a, b, strict)) {
      assertThat(i.guard().check(alice, DB_WRITE).isGranted()).isTrue();
    }
    try (Connection c = a.pool().getConnection();                       // the restore: back to version 0
        PreparedStatement s = c.prepareStatement("UPDATE jitguard_grants SET version = 0 WHERE id = ?")) {
      s.setString(1, g.id().value());
      assertThat(s.executeUpdate()).isEqualTo(1);
    }

    a.guard().revoke(g.id(), alice, "done");                            // writes version 1 again, now REVOKED

    assertThat(a.guard().check(alice, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(strict.guard().check(alice, DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(eventually(b.guard(), alice, ReasonCode.GRANT_REVOKED, BOUND.multipliedBy(5)))
        .as("the other cached instance, within the staleness bound").isEqualTo(ReasonCode.GRANT_REVOKED);
    assertThat(a.audit().events(AuditEventType.STORE_ANOMALY)).isNotEmpty();
  }

  @Test
  void databaseKilledAndRestartedUnderLoadThenNothingWrongIsAllowedAndTheGuardsRecover() throws Exception {
    Path data = Files.createDirectories(dir.resolve("pgdata"));
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
    int port = pg.getPort();
    String url = pg.getJdbcUrl("postgres", "postgres");
    Instance a = instance(url, Consistency.cached(BOUND));
    Instance strict = instance(url, Consistency.strict());
    Subject allowed = Subject.of("alice", "dev");
    Subject revoked = Subject.of("ravi", "dev");
    grant(a.guard(), allowed);
    Grant gone = grant(a.guard(), revoked);
    a.guard().revoke(gone.id(), BOB, "left the team");

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger wronglyAllowed = new AtomicInteger();
    AtomicInteger strictAllowedWhileDown = new AtomicInteger();
    AtomicInteger phase = new AtomicInteger();                           // odd while the database is down
    List<Thread> load = new ArrayList<>();
    for (Instance i : List.of(a, strict)) {
      load.add(new Thread(() -> {
        while (running.get()) {
          if (i.guard().check(revoked, DB_WRITE).isGranted()) {
            wronglyAllowed.incrementAndGet();
          }
          int before = phase.get();                   // counted only if down for the whole check
          if (i.guard().check(allowed, DB_WRITE).isGranted() && before % 2 == 1 && phase.get() == before
              && i == strict) {
            strictAllowedWhileDown.incrementAndGet();
          }
          java.util.concurrent.locks.LockSupport.parkNanos(200_000L);
        }
      }, "load-" + (i == a ? "cached" : "strict")));
    }
    List<Grant> acknowledgedRevocations = Collections.synchronizedList(new ArrayList<>());
    load.add(new Thread(() -> writeLoad(a.guard(), running, acknowledgedRevocations), "load-writes"));
    load.forEach(Thread::start);
    try {
      for (int outage = 1; outage <= OUTAGES; outage++) {
        awaitMoreRevocations(acknowledgedRevocations, 3);                // writes in flight when the database dies
        pg.close();                                                      // the database goes away under load
        phase.incrementAndGet();
        assertThat(eventually(a.guard(), allowed, ReasonCode.STORE_FAILURE, BOUND.multipliedBy(10)))
            .as("outage %d: the cached instance, once its bound has passed", outage)
            .isEqualTo(ReasonCode.STORE_FAILURE);
        assertThat(strict.guard().check(allowed, DB_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
        phase.incrementAndGet();
        pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
        assertThat(eventually(a.guard(), allowed, ReasonCode.GRANTED, Duration.ofSeconds(30)))
            .as("outage %d: recovered by itself", outage).isEqualTo(ReasonCode.GRANTED);
        assertThat(eventually(strict.guard(), allowed, ReasonCode.GRANTED, Duration.ofSeconds(30)))
            .isEqualTo(ReasonCode.GRANTED);
      }
    } finally {
      running.set(false);
      for (Thread t : load) {
        t.join(10_000);
      }
      EmbeddedPostgres last = pg;
      cleanup.add(0, last::close);
    }
    assertThat(wronglyAllowed.get()).as("checks of the revoked grant allowed").isZero();
    assertThat(strictAllowedWhileDown.get()).as("strict checks allowed while the database was down").isZero();
    assertThat(a.guard().check(revoked, DB_WRITE).isGranted()).isFalse();
    assertThat(acknowledgedRevocations).as("revocations acknowledged under load").isNotEmpty();
    for (Grant r : acknowledgedRevocations) {
      assertThat(strict.store().findGrant(r.id()).map(Grant::storedStatus))
          .as("acknowledged revocation of %s after %d outages", r.id(), OUTAGES).contains(GrantStatus.REVOKED);
      assertThat(strict.guard().check(Subject.of(r.subjectId(), "dev"), DB_WRITE).isGranted()).isFalse();
    }
    System.out.printf("database faults: %d outages, %d acknowledged revocations checked, 0 lost, 0 wrongly allowed%n",
        OUTAGES, acknowledgedRevocations.size());
  }

  private static void awaitMoreRevocations(List<Grant> acknowledged, int more) {
    int target = acknowledged.size() + more;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (acknowledged.size() < target && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
    assertThat(acknowledged.size()).as("revocations acknowledged while the database is up")
        .isGreaterThanOrEqualTo(target);
  }

  /**
   * Requests, approves and revokes grants until stopped; keeps every revocation the guard acknowledged. While the
   * database is down each step is refused or denied, which is what should happen: nothing is kept then.
   */
  private static void writeLoad(PrivilegeGuard guard, AtomicBoolean running, List<Grant> acknowledgedRevocations) {
    for (int n = 0; running.get(); n++) {
      Subject who = Subject.of("writer-" + n, "dev");
      try {
        Decision asked = guard.request(ElevationRequest.builder(who, DB_WRITE).justification("INC-9: load").build());
        if (asked instanceof Decision.Pending pending) {
          Decision approved = guard.approve(pending.request().id(), BOB, "ok");
          if (approved instanceof Decision.Granted granted) {
            acknowledgedRevocations.add(guard.revoke(granted.grant().id(), BOB, "load: done"));
          }
        }
      } catch (OperationRefusedException refusedWhileDown) {
        // the store failed: the guard refused and changed nothing it acknowledged
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
  }
}
