package dev.jitguard.test;

import dev.jitguard.audit.InMemoryAuditSink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.JdbcAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.store.JdbcDialect;
import dev.jitguard.store.JdbcGrantStore;
import dev.jitguard.store.JdbcStoreException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The grant store contract plus what only a JDBC store must do, for one database (H2 or PostgreSQL): the unique index
 * for pending requests, schema creation that can run again, every field kept (beyond the contract's round trips),
 * corrupt rows (each failing closed for its own record alone; more in {@link JdbcCorruptRowContract}), a database
 * that is down, an exhausted pool and a statement past its timeout all failing loudly, exactly-once consumption
 * across two store instances, change notifications from another instance, and one transaction shared with the JDBC
 * audit sink.
 *
 * <p>Each test gets a fresh database (H2) or schema (PostgreSQL), created by the shipped script with every index in
 * place, the one-pending-request index included (the contract's pending fixtures are each a different action call,
 * which that index allows). {@link #shared} builds a second store on the same database with
 * {@code createSchema(true)}, which also proves that the schema script can run again.
 */
abstract class JdbcGrantStoreContract extends GrantStoreContract implements JdbcCorruptRowContract {
  /** How many threads race to consume one single-use grant. */
  static final int CONSUMERS = 64;

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private HikariDataSource dataSource;

  /**
   * A pool on a new, empty database (H2) or schema (PostgreSQL).
   *
   * @param poolSize the pool size
   * @return the pool
   */
  abstract HikariDataSource newDatabase(int poolSize);

  /**
   * Another pool on the database of {@link #newDatabase}: what a second application instance would use.
   *
   * @param first the first pool
   * @param config changes to the pool's configuration
   * @return the pool
   */
  abstract HikariDataSource samePlace(HikariDataSource first, Consumer<HikariConfig> config);

  /**
   * Ends a database made by {@link #newDatabase} and closes its pool.
   *
   * @param ds the pool
   */
  abstract void dropDatabase(HikariDataSource ds);

  /**
   * A data source for this database's driver that cannot connect (nothing listens where it points).
   *
   * @return the data source
   */
  abstract DataSource unreachable();

  /** @return the dialect the store should detect */
  abstract JdbcDialect dialect();

  @Override
  protected GrantStore createStore() {
    dataSource = newDatabase(THREADS + 2);
    JdbcGrantStore store = JdbcGrantStore.builder(dataSource).createSchema(true).build();
    cleanup.add(store);
    return store;
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    cleanup.clear();
    dropDatabase(dataSource);
  }

  /** @return the pool of the current test's database */
  final HikariDataSource dataSource() {
    return dataSource;
  }

  @Override
  public final JdbcGrantStore storeUnderTest() {
    return (JdbcGrantStore) store();
  }

  @Override
  public final DataSource databaseUnderTest() {
    return dataSource;
  }

  /**
   * A second store instance on the current test's database, through its own pool (the schema script runs again).
   *
   * @return the store, closed after the test
   */
  final JdbcGrantStore shared() {
    HikariDataSource pool = samePlace(dataSource, c -> c.setMaximumPoolSize(THREADS + 2));
    cleanup.add(pool);
    JdbcGrantStore store = JdbcGrantStore.builder(pool).createSchema(true).pollInterval(Duration.ofMillis(20))
        .build();
    cleanup.add(store);
    return store;
  }

  /**
   * Closes something after the test (in reverse order).
   *
   * @param c the resource
   * @param <T> its type
   * @return it
   */
  final <T extends AutoCloseable> T closeLater(T c) {
    cleanup.add(c);
    return c;
  }

  static void execute(DataSource ds, String sql, Object... params) {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  // ---------------------------------------------------------------------------------------------- basics

  @Test
  void dialectWhenNotSetThenDetectedFromMetadataAndStoreIsShared() {
    JdbcGrantStore store = shared();

    assertThat(store.dialect()).isEqualTo(dialect());
    assertThat(store.isShared()).isTrue();
  }

  @Test
  void clockOffsetWhenDatabaseRunsOnThisHostThenMeasuredWithinTheTolerance() {
    JdbcGrantStore store = shared();

    // The database runs on this machine: same clock, so the measured offset is noise (well under the tolerance
    // beyond which the guard would correct its time), and two measurements agree.
    long first = store.clockOffsetMillis().orElseThrow();
    long second = store.clockOffsetMillis().orElseThrow();
    assertThat(Math.abs(first)).isLessThanOrEqualTo(dev.jitguard.Consistency.CLOCK_TOLERANCE_MILLIS);
    assertThat(Math.abs(second - first)).isLessThanOrEqualTo(dev.jitguard.Consistency.CLOCK_TOLERANCE_MILLIS);
  }

  @Test
  void clockOffsetWhenDatabaseUnreachableThenJdbcStoreException() {
    JdbcGrantStore down = JdbcGrantStore.builder(unreachable()).dialect(dialect()).build();

    assertThatThrownBy(down::clockOffsetMillis).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("read the database's clock");
  }

  @Test
  void createSchemaWhenRunAgainOnExistingTablesThenNothingLostAndNothingFails() {
    Issued issued = autoApproved("alice");
    store().insert(issued.request(), issued.grant());

    JdbcGrantStore again = shared();
    JdbcGrantStore third = closeLater(JdbcGrantStore.builder(dataSource).createSchema(true).build());

    assertThat(again.findGrant(issued.grant().id())).hasValueSatisfying(g -> assertSameGrant(g, issued.grant()));
    assertThat(third.findRequest(issued.request().id()))
        .hasValueSatisfying(r -> assertSameRequest(r, issued.request()));
  }

  // ---------------------------------------------------------------------------------- one pending request

  /**
   * A time-bound pending request of a subject for a privilege, as the guard makes it when no action is involved.
   *
   * @param subjectId the requester
   * @return the request
   */
  static RequestRecord timeBoundPending(String subjectId) {
    return pendingRequestFor(elevation(subjectId, "INC-7: fix a stuck migration"));
  }

  @Test
  void insertWhenSubjectHasPendingRequestForPrivilegeThenDuplicatePendingRequestException() {
    JdbcGrantStore store = shared();
    RequestRecord first = timeBoundPending("alice");
    store.insert(first);
    RequestRecord second = timeBoundPending("alice");

    assertThatThrownBy(() -> store.insert(second)).isInstanceOf(DuplicatePendingRequestException.class)
        .hasMessageContaining("\"alice\"").hasMessageContaining("db.prod.write");

    assertThat(store.findRequest(second.id())).isEmpty();
    assertThat(store.pendingRequests()).singleElement().satisfies(r -> assertSameRequest(r, first));
    store.insert(timeBoundPending("bob"));
    RequestRecord otherPrivilege = RequestRecord.builder(RequestId.random(),
            ElevationRequest.builder(Subject.of("alice"), "db.prod.read").build())
        .createdAt(T0).expiresAt(T0.plusSeconds(60)).build();
    store.insert(otherPrivilege);
  }

  @Test
  void insertWhenSubjectHasPendingRequestForSameActionCallThenDuplicatePendingRequestException() {
    ActionBinding erase42 = ActionBinding.of("customers.erase", 42L);
    RequestRecord first = pendingRequestFor(callElevation("alice", "PRIV-7", erase42));
    store().insert(first);
    RequestRecord sameCallOtherPreview = pendingRequestFor(callElevation("alice", "PRIV-7 again",
        erase42.withPreview("Erase customer 42 (Jane Doe)")));

    assertThatThrownBy(() -> store().insert(sameCallOtherPreview))
        .isInstanceOf(DuplicatePendingRequestException.class).hasMessageContaining("\"alice\"")
        .hasMessageContaining("db.prod.write").hasMessageContaining("customers.erase")
        .hasMessageContaining(erase42.argumentDigest());

    assertThat(store().pendingRequests()).singleElement().satisfies(r -> assertSameRequest(r, first));
    store().insert(pendingRequestFor(callElevation("alice", "PRIV-8", ActionBinding.of("customers.erase", 43L))));
    store().insert(pendingRequestFor(callElevation("alice", "PRIV-9", ActionBinding.of("customers.export", 42L))));
    store().insert(pendingRequestFor(callElevation("bob", "PRIV-7", erase42)));
    store().insert(timeBoundPending("alice"));
    assertThat(store().pendingRequests()).hasSize(5);
  }

  @Test
  void updateWhenRequestWouldBecomeSecondPendingForSameCallThenDuplicatePendingRequestException() {
    RequestRecord pending = timeBoundPending("alice");
    RequestRecord denied = timeBoundPending("alice");
    store().insert(denied.toBuilder().status(RequestStatus.DENIED).build());
    RequestRecord storedDenied = store().findRequest(denied.id()).orElseThrow();
    store().insert(pending);

    RequestRecord revived = nextVersion(storedDenied, b -> b.status(RequestStatus.PENDING));
    assertThatThrownBy(() -> store().update(storedDenied, revived))
        .isInstanceOf(DuplicatePendingRequestException.class);

    assertThat(store().findRequest(denied.id())).hasValueSatisfying(r -> assertSameRequest(r, storedDenied));
  }

  @Test
  void insertWhenEarlierRequestIsNoLongerPendingThenNewPendingRequestAccepted() {
    JdbcGrantStore store = shared();
    ActionBinding call = ActionBinding.of("customers.erase", 42L);
    for (RequestRecord first : List.of(timeBoundPending("alice"),
        pendingRequestFor(callElevation("alice", "PRIV-7", call)))) {
      store.insert(first);
      assertThat(store.update(first, nextVersion(first, b -> b.status(RequestStatus.WITHDRAWN)
          .decision(T0.plusSeconds(5), "alice", ReasonCode.WITHDRAWN, null)))).isTrue();

      RequestRecord second = pendingRequestFor(first.request());
      store.insert(second);

      assertThat(store.pendingRequests()).filteredOn(r -> r.request().action().equals(first.request().action()))
          .singleElement().satisfies(r -> assertSameRequest(r, second));
    }
    assertThat(store.pendingRequests()).hasSize(2);
  }

  @Test
  void insertWhenSameIdExistsThenIllegalStateNotDuplicatePending() {
    JdbcGrantStore store = shared();
    RequestRecord first = pendingRequest("alice");
    store.insert(first);

    assertThatThrownBy(() -> store.insert(first)).isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(DuplicatePendingRequestException.class).hasMessageContaining("already exists");
  }

  /**
   * Threads on two store instances insert pending requests for the same subject and privilege at once, round after
   * round, each round for one thing (a time-bound elevation, or one action call): exactly one is stored per round.
   * Requests for other calls of the same action, inserted in the same rounds, are all stored.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  void concurrentPendingInsertsFromTwoInstancesThenExactlyOneStoredPerCall() throws Exception {
    JdbcGrantStore a = shared();
    JdbcGrantStore b = shared();
    int rounds = 30;
    List<ActionBinding> calls = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      calls.add(round % 2 == 0 ? null : ActionBinding.of("customers.erase", (long) round));
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    AtomicInteger duplicates = new AtomicInteger();
    CyclicBarrier barrier = new CyclicBarrier(THREADS);

    Race.run(THREADS, thread -> {
      JdbcGrantStore mine = thread % 2 == 0 ? a : b;
      for (int round = 0; round < rounds; round++) {
        String subject = "user-" + round;
        ActionBinding call = calls.get(round);
        RequestRecord same = call == null ? timeBoundPending(subject)
            : pendingRequestFor(callElevation(subject, "PRIV-" + round, call));
        RequestRecord ownCall = pendingRequestFor(callElevation(subject, "PRIV-" + round + "-" + thread,
            ActionBinding.of("customers.erase", (long) round, thread)));
        Race.await(barrier);
        try {
          mine.insert(same);
          winners.incrementAndGet(round);
        } catch (DuplicatePendingRequestException expected) {
          duplicates.incrementAndGet();
        }
        mine.insert(ownCall);
      }
    });

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("pending requests stored for round %d", round).isEqualTo(1);
      assertThat(a.requestsBy("user-" + round)).hasSize(1 + THREADS);
    }
    assertThat(duplicates.get()).isEqualTo(rounds * (THREADS - 1));
  }

  // ------------------------------------------------------------------------------------------ round trip

  @Test
  void roundTripWhenEveryRequestFieldSetThenKeptIncludingDenialsRemindersAndReview() {
    RequestRecord v0 = RequestRecord.builder(RequestId.random(), fullElevation())
        .createdAt(T0.plusMillis(1))
        .expiresAt(T0.plusSeconds(3600).plusMillis(2))
        .approvalsRequired(3)
        .approverGroups(Set.of("dba", "sre", "security"))
        .approvals(List.of(new Approval("bob", T0.plusMillis(3), "ok \"quoted\"\nsecond line",
            Set.of("dba", "oncall"), Duration.ofMinutes(10), ApprovalContext.of("slack", "sso-mfa")),
            new Approval("carol", T0.plusMillis(4), "")))
        .denials(List.of(new Approval("dave", T0.plusMillis(5), "not now \u202E", Set.of("sre"),
            Duration.ofSeconds(90).plusMillis(5), ApprovalContext.of("webhook"))))
        .breakGlass(true)
        .policyVersion("2026-01-01.3")
        .build();
    store().insert(v0);
    RequestRecord v1 = nextVersion(v0, b -> b.remindedAt(T0.plusMillis(6)).escalatedAt(T0.plusMillis(7))
        .review(T0.plusMillis(8), "erin", "reviewed:\r\nfine")
        .status(RequestStatus.DENIED).decision(T0.plusMillis(9), "dave", ReasonCode.DENIED_BY_APPROVER, ""));
    assertThat(store().update(v0, v1)).isTrue();

    RequestRecord found = store().findRequest(v0.id()).orElseThrow();

    assertSameRequest(found, v1);
    assertThat(found.approvals()).isEqualTo(v1.approvals());
    assertThat(found.denials()).isEqualTo(v1.denials());
    assertThat(found.remindedAt()).contains(T0.plusMillis(6));
    assertThat(found.escalatedAt()).contains(T0.plusMillis(7));
    assertThat(found.isBreakGlass()).isTrue();
    assertThat(found.isReviewOpen()).isFalse();
    assertThat(found.reviewedAt()).contains(T0.plusMillis(8));
    assertThat(found.reviewedBy()).contains("erin");
    assertThat(found.reviewComment()).contains("reviewed:\r\nfine");
    assertThat(found.decisionComment()).contains("");
    assertThat(found.request().action()).isEqualTo(v0.request().action()).isPresent();
    assertThat(found.approvals().get(0).context()).contains(ApprovalContext.of("slack", "sso-mfa"));
  }

  @Test
  void openReviewsWhenBreakGlassRequestsThenOnlyUnreviewedListed() {
    RequestRecord open = RequestRecord.builder(RequestId.random(), elevation("alice", "INC-9: outage"))
        .status(RequestStatus.APPROVED).createdAt(T0).expiresAt(T0.plusSeconds(60)).breakGlass(true).build();
    RequestRecord reviewed = RequestRecord.builder(RequestId.random(), elevation("bob", "INC-9: outage"))
        .status(RequestStatus.APPROVED).createdAt(T0).expiresAt(T0.plusSeconds(60)).breakGlass(true)
        .review(T0.plusSeconds(30), "carol", "ok").build();
    store().insert(open);
    store().insert(reviewed);
    store().insert(pendingRequest("dave"));

    assertThat(store().openReviews()).singleElement().satisfies(r -> assertSameRequest(r, open));
  }

  @Test
  void liveGrantsOfSubjectAndPrivilegeThenOnlyThatPairsLiveGrants() {
    Issued mine = autoApproved("alice");
    Issued revoked = autoApproved("alice");
    Issued others = autoApproved("bob");
    RequestRecord readRequest = RequestRecord.builder(RequestId.random(),
            ElevationRequest.builder(Subject.of("alice"), "db.prod.read").build())
        .status(RequestStatus.APPROVED).createdAt(T0).expiresAt(T0.plusSeconds(60)).build();
    Grant otherPrivilege = grantFor(readRequest, GrantId.random());
    for (Issued i : List.of(mine, revoked, others)) {
      store().insert(i.request(), i.grant());
    }
    store().insert(readRequest, otherPrivilege);
    store().update(revoked.grant(), revoke(revoked.grant(), "carol", "done"));

    assertThat(store().liveGrants("alice", DB_PROD_WRITE)).singleElement()
        .satisfies(g -> assertSameGrant(g, mine.grant()));
  }

  // ----------------------------------------------------------------------------------------------- failures

  @Test
  void findWhenRequestRowHasUnknownStatusThenJdbcStoreExceptionNamingColumnAndValue() {
    RequestRecord r = pendingRequest("alice");
    store().insert(r);
    execute(dataSource, "UPDATE jitguard_requests SET status = 'BOGUS' WHERE id = ?", r.id().value());

    assertThatThrownBy(() -> store().findRequest(r.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_requests").hasMessageContaining(r.id().value())
        .hasMessageContaining("status").hasMessageContaining("BOGUS");
    assertThat(store().requestsBy("alice")).as("a list leaves the corrupt row out").isEmpty();
  }

  @Test
  void findWhenJsonColumnIsUnparsableOrWrongShapeThenJdbcStoreException() {
    RequestRecord a = pendingRequest("alice");
    RequestRecord b = pendingRequest("bob");
    RequestRecord c = pendingRequest("carol");
    store().insert(a);
    store().insert(b);
    store().insert(c);
    execute(dataSource, "UPDATE jitguard_requests SET approvals = '[{\"approver\": \"x\"' WHERE id = ?",
        a.id().value());
    execute(dataSource, "UPDATE jitguard_requests SET subject_groups = '[1, 2]' WHERE id = ?", b.id().value());
    execute(dataSource, "UPDATE jitguard_requests SET denials = '[{\"approver\":\"x\",\"approvedAt\":1,"
        + "\"comment\":\"\",\"groups\":[],\"@class\":\"java.lang.Runtime\"}]' WHERE id = ?", c.id().value());

    assertThatThrownBy(() -> store().findRequest(a.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("approvals").hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> store().findRequest(b.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("subject_groups");
    assertThatThrownBy(() -> store().findRequest(c.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("denials").hasMessageContaining("unknown key");
    assertThat(store().pendingRequests()).as("a list leaves corrupt rows out").isEmpty();
  }

  @Test
  void findWhenActionOrChannelContextIsCorruptThenJdbcStoreException() {
    RequestRecord badDigest = pendingRequest("alice");
    RequestRecord channelOnly = pendingRequest("bob");
    RequestRecord badChannel = pendingRequest("carol");
    RequestRecord nestedContext = pendingRequest("dave");
    for (RequestRecord r : List.of(badDigest, channelOnly, badChannel, nestedContext)) {
      store().insert(r);
    }
    execute(dataSource, "UPDATE jitguard_requests SET action_digest = 'not-a-sha-256' WHERE id = ?",
        badDigest.id().value());
    execute(dataSource, "UPDATE jitguard_requests SET approvals = '[{\"approver\":\"x\",\"approvedAt\":1,"
        + "\"comment\":\"\",\"groups\":[],\"channel\":\"slack\"}]' WHERE id = ?", channelOnly.id().value());
    execute(dataSource, "UPDATE jitguard_requests SET denials = '[{\"approver\":\"x\",\"approvedAt\":1,"
        + "\"comment\":\"\",\"groups\":[],\"channel\":\"Slack <b>\",\"authentication\":\"sso\"}]' WHERE id = ?",
        badChannel.id().value());
    execute(dataSource, "UPDATE jitguard_requests SET approvals = '[{\"approver\":\"x\",\"approvedAt\":1,"
        + "\"comment\":\"\",\"groups\":[],\"channelContext\":{\"channel\":\"slack\","
        + "\"authentication\":\"sso\"}}]' WHERE id = ?", nestedContext.id().value());

    assertThatThrownBy(() -> store().findRequest(badDigest.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_requests").hasMessageContaining(badDigest.id().value())
        .hasMessageContaining("argumentDigest");
    assertThatThrownBy(() -> store().findRequest(channelOnly.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("approvals[0]").hasMessageContaining("channel without authentication");
    assertThatThrownBy(() -> store().findRequest(badChannel.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("denials[0]").hasMessageContaining("channel context")
        .hasMessageNotContaining("<b>");
    assertThatThrownBy(() -> store().findRequest(nestedContext.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("approvals[0]").hasMessageContaining("unknown key");
    assertThat(store().pendingRequests()).as("a list leaves corrupt rows out").isEmpty();
  }

  @Test
  void writeWhenActionColumnsHalfSetThenRejectedByTheSchema() {
    RequestRecord request = pendingRequest("alice");
    store().insert(request);
    Issued issued = autoApproved("bob");
    Grant actionGrant = issued.grant().toBuilder().action("customers.erase",
        ActionBinding.of("customers.erase", 42L).argumentDigest()).uses(1, 1).build();
    store().insert(issued.request(), actionGrant);

    assertThatThrownBy(() -> execute(dataSource, "UPDATE jitguard_requests SET action_preview = NULL WHERE id = ?",
        request.id().value())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> execute(dataSource, "UPDATE jitguard_grants SET action_digest = NULL WHERE id = ?",
        actionGrant.id().value())).isInstanceOf(IllegalStateException.class);

    assertThat(store().findRequest(request.id())).hasValueSatisfying(r -> assertSameRequest(r, request));
    assertThat(store().findGrant(actionGrant.id())).hasValueSatisfying(g -> assertSameGrant(g, actionGrant));
  }

  @Test
  void findWhenGrantRowIsCorruptThenJdbcStoreExceptionAndNoPartialGrant() {
    Issued unknownStatus = autoApproved("alice");
    Issued badWindow = autoApproved("bob");
    Issued badUses = autoApprovedWithUses("carol", 3);
    Issued nullColumn = autoApproved("dave");
    for (Issued i : List.of(unknownStatus, badWindow, badUses, nullColumn)) {
      store().insert(i.request(), i.grant());
    }
    execute(dataSource, "UPDATE jitguard_grants SET status = 'active' WHERE id = ?",
        unknownStatus.grant().id().value());
    execute(dataSource, "UPDATE jitguard_grants SET expires_at = not_before WHERE id = ?",
        badWindow.grant().id().value());
    execute(dataSource, "UPDATE jitguard_grants SET uses_left = 4 WHERE id = ?", badUses.grant().id().value());
    execute(dataSource, "UPDATE jitguard_grants SET approvers = 'null' WHERE id = ?",
        nullColumn.grant().id().value());

    for (Issued i : List.of(unknownStatus, badWindow, badUses, nullColumn)) {
      assertThatThrownBy(() -> store().findGrant(i.grant().id())).isInstanceOf(JdbcStoreException.class)
          .hasMessageContaining("jitguard_grants").hasMessageContaining(i.grant().id().value());
    }
    assertThat(store().liveGrants()).as("a list leaves corrupt rows out").isEmpty();
  }

  @Test
  void findWhenAmountColumnIsCorruptThenJdbcStoreExceptionNamingColumnAndNoPartialRecord() {
    BigDecimal limit = new BigDecimal("250.00");
    Issued notANumber = autoApprovedMetered("alice", limit);
    Issued overspent = autoApprovedMetered("bob", limit);
    Issued negativeLimit = autoApprovedMetered("carol", limit);
    for (Issued i : List.of(notANumber, overspent, negativeLimit)) {
      store().insert(i.request(), i.grant());
    }
    RequestRecord badRequest = pendingRequestFor(ElevationRequest.builder(Subject.of("dave", "dev"), DB_PROD_WRITE)
        .amountLimit(limit).build());
    store().insert(badRequest);
    execute(dataSource, "UPDATE jitguard_grants SET amount_used = 'abc' WHERE id = ?",
        notANumber.grant().id().value());
    execute(dataSource, "UPDATE jitguard_grants SET amount_used = '250.01' WHERE id = ?",
        overspent.grant().id().value());
    execute(dataSource, "UPDATE jitguard_grants SET amount_limit = '-5' WHERE id = ?",
        negativeLimit.grant().id().value());
    execute(dataSource, "UPDATE jitguard_requests SET amount_limit = '12,50' WHERE id = ?", badRequest.id().value());

    assertThatThrownBy(() -> store().findGrant(notANumber.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_grants").hasMessageContaining(notANumber.grant().id().value())
        .hasMessageContaining("amount_used").hasMessageContaining("\"abc\"");
    assertThatThrownBy(() -> store().findGrant(overspent.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining(overspent.grant().id().value()).hasMessageContaining("amountUsed 250.01");
    assertThatThrownBy(() -> store().findGrant(negativeLimit.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining(negativeLimit.grant().id().value()).hasMessageContaining("amountLimit");
    assertThatThrownBy(() -> store().findRequest(badRequest.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_requests").hasMessageContaining("amount_limit")
        .hasMessageContaining("\"12,50\"");
    assertThat(store().liveGrants()).as("a list leaves corrupt rows out").isEmpty();
    assertThat(store().requestsBy("dave")).as("a list leaves corrupt rows out").isEmpty();
  }

  @Test
  void writeWhenAmountColumnsHalfSetThenRejectedByTheSchema() {
    Issued metered = autoApprovedMetered("alice", new BigDecimal("250.00"));
    Issued unmetered = autoApproved("bob");
    store().insert(metered.request(), metered.grant());
    store().insert(unmetered.request(), unmetered.grant());

    assertThatThrownBy(() -> execute(dataSource, "UPDATE jitguard_grants SET amount_used = NULL WHERE id = ?",
        metered.grant().id().value())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> execute(dataSource, "UPDATE jitguard_grants SET amount_limit = '5' WHERE id = ?",
        unmetered.grant().id().value())).isInstanceOf(IllegalStateException.class);

    assertThat(store().findGrant(metered.grant().id())).hasValueSatisfying(g -> assertSameGrant(g, metered.grant()));
    assertThat(store().findGrant(unmetered.grant().id()))
        .hasValueSatisfying(g -> assertSameGrant(g, unmetered.grant()));
  }

  /**
   * Amounts whose plain decimal text would not read back equal keep their scale too: a negative scale
   * ({@code 1E+3}, which as plain text would come back as {@code 1000}, scale 0), a tiny amount and a fraction longer
   * than the ten places an amount may use, in trailing zeros. Plain amounts are stored as plain text, so SQL reports
   * can read them.
   */
  @Test
  void roundTripWhenAmountHasNegativeScaleOrLongFractionThenExact() {
    BigDecimal negativeScale = new BigDecimal("1E+3");
    BigDecimal tiny = new BigDecimal("0.00000010");
    BigDecimal trailingZeros = new BigDecimal("250.0000000000000000000000");
    Issued issued = autoApproved("alice");
    Grant grant = issued.grant().toBuilder().amount(negativeScale, tiny).build();
    RequestRecord request = pendingRequestFor(ElevationRequest.builder(Subject.of("bob", "dev"), DB_PROD_WRITE)
        .amountLimit(trailingZeros).build());
    store().insert(issued.request(), grant);
    store().insert(request);

    assertThat(store().findGrant(grant.id())).hasValueSatisfying(g -> {
      assertSameGrant(g, grant);
      assertThat(g.amountLimit().orElseThrow().scale()).isEqualTo(-3);
      assertThat(g.amountUsed().orElseThrow().scale()).isEqualTo(8);
    });
    assertThat(store().findRequest(request.id())).hasValueSatisfying(r -> {
      assertSameRequest(r, request);
      assertThat(r.request().amountLimit().orElseThrow().toPlainString()).isEqualTo("250.0000000000000000000000");
    });
    assertThat(column("jitguard_grants", "amount_used", grant.id().value())).isEqualTo("0.00000010");
    assertThat(column("jitguard_requests", "amount_limit", request.id().value()))
        .isEqualTo("250.0000000000000000000000");
  }

  /**
   * A database created before metered grants (the tables without the amount columns and their constraint) is
   * upgraded by the next start with {@code createSchema(true)}: the columns and the constraint are added, the
   * existing rows read as unmetered, and metered grants round-trip.
   */
  @Test
  void createSchemaWhenTablesPredateMeteredGrantsThenAmountColumnsAdded() {
    Issued old = autoApproved("alice");
    store().insert(old.request(), old.grant());
    execute(dataSource, "ALTER TABLE jitguard_grants DROP CONSTRAINT jitguard_grants_amount_whole");
    execute(dataSource, "ALTER TABLE jitguard_grants DROP COLUMN amount_used");
    execute(dataSource, "ALTER TABLE jitguard_grants DROP COLUMN amount_limit");
    execute(dataSource, "ALTER TABLE jitguard_requests DROP COLUMN amount_limit");
    assertThatThrownBy(() -> store().findGrant(old.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("does not fit the schema");

    JdbcGrantStore upgraded = shared();

    assertThat(upgraded.findGrant(old.grant().id())).hasValueSatisfying(g -> {
      assertSameGrant(g, old.grant());
      assertThat(g.isMetered()).isFalse();
    });
    assertThat(upgraded.findRequest(old.request().id())).hasValueSatisfying(r -> assertSameRequest(r, old.request()));
    Issued metered = autoApprovedMetered("bob", new BigDecimal("250.00"));
    upgraded.insert(metered.request(), metered.grant());
    assertThat(upgraded.findGrant(metered.grant().id()))
        .hasValueSatisfying(g -> assertSameGrant(g, metered.grant()));
    assertThatThrownBy(() -> execute(dataSource, "UPDATE jitguard_grants SET amount_used = NULL WHERE id = ?",
        metered.grant().id().value())).isInstanceOf(IllegalStateException.class);
    shared(); // and the upgraded schema runs the script again without change
  }

  private String column(String table, String column, String id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + table + " WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("row %s in %s", id, table).isTrue();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void operationsWhenDatabaseUnreachableThenJdbcStoreExceptionSayingSo() {
    JdbcGrantStore down = JdbcGrantStore.builder(unreachable()).dialect(dialect()).build();
    Issued issued = autoApproved("alice");

    assertThatThrownBy(() -> down.findGrant(issued.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("no usable connection").hasMessageContaining("fail closed");
    assertThatThrownBy(() -> down.insert(issued.request(), issued.grant())).isInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> down.update(issued.grant(), revoke(issued.grant(), "bob", "")))
        .isInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> down.liveGrants()).isInstanceOf(JdbcStoreException.class);
    assertThatThrownBy(() -> JdbcGrantStore.builder(unreachable()).build()).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("detect");
  }

  @Test
  void operationsWhenPoolExhaustedThenJdbcStoreExceptionAndRecoveredAfterwards() throws Exception {
    Issued issued = autoApproved("alice");
    store().insert(issued.request(), issued.grant());
    HikariDataSource tiny = closeLater(samePlace(dataSource, c -> {
      c.setMaximumPoolSize(1);
      c.setConnectionTimeout(250);
    }));
    JdbcGrantStore store = closeLater(JdbcGrantStore.builder(tiny).dialect(dialect()).build());

    try (Connection held = tiny.getConnection()) {
      assertThat(held.isValid(1)).isTrue();
      assertThatThrownBy(() -> store.findGrant(issued.grant().id())).isInstanceOf(JdbcStoreException.class)
          .hasMessageContaining("pool is exhausted");
      assertThatThrownBy(() -> store.update(issued.grant(), revoke(issued.grant(), "bob", "")))
          .isInstanceOf(JdbcStoreException.class);
    }

    assertThat(store.findGrant(issued.grant().id())).isPresent();
  }

  @Test
  @Timeout(60)
  void updateWhenRowLockedPastQueryTimeoutThenJdbcStoreExceptionNotFalse() throws Exception {
    Issued issued = autoApproved("alice");
    store().insert(issued.request(), issued.grant());
    JdbcGrantStore impatient = closeLater(JdbcGrantStore.builder(dataSource).queryTimeout(Duration.ofSeconds(1))
        .build());

    try (Connection locker = dataSource.getConnection()) {
      locker.setAutoCommit(false);
      try (PreparedStatement ps = locker.prepareStatement("SELECT version FROM jitguard_grants WHERE id = ? "
          + "FOR UPDATE")) {
        ps.setString(1, issued.grant().id().value());
        ps.executeQuery().close();
      }
      long start = System.nanoTime();
      assertThatThrownBy(() -> impatient.update(issued.grant(), revoke(issued.grant(), "bob", "")))
          .isInstanceOf(JdbcStoreException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
      locker.rollback();
    }

    assertThat(store().findGrant(issued.grant().id())).hasValueSatisfying(g -> assertSameGrant(g, issued.grant()));
  }

  @Test
  void guardWhenStoreFailsThenDeniesWithStoreFailure() {
    AtomicBoolean broken = new AtomicBoolean();
    JdbcGrantStore store = closeLater(JdbcGrantStore.builder(new Switchable(dataSource, broken))
        .dialect(dialect()).build());
    Policy policy = Policy.builder().version("jdbc-1")
        .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba").approvals(1)
            .maxUses(5).defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
        .build();
    TestClock clock = TestClock.create();
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance()
        .build()) {
      Subject alice = Subject.of("alice", "dev");
      Subject bob = Subject.of("bob", "dba");
      Decision pending = guard.request(ElevationRequest.builder(alice, DB_PROD_WRITE).uses(3).build());
      assertThat(pending).isInstanceOf(Decision.Pending.class);
      RequestId requestId = store.requestsBy("alice").get(0).id();
      assertThat(guard.approve(requestId, bob, "ok")).isInstanceOf(Decision.Granted.class);
      assertThat(guard.check(alice, DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);

      broken.set(true);

      assertThat(guard.check(alice, DB_PROD_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(guard.request(ElevationRequest.builder(Subject.of("carol", "dev"), DB_PROD_WRITE).build())
          .reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      broken.set(false);
      assertThat(guard.check(alice, DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);
    }
  }

  /**
   * A metered grant whose spent amount was corrupted in the database ({@code amount_used = 'abc'}) is never used:
   * once the guard reads the row again (after its staleness bound), a check with an amount is denied with
   * {@code STORE_FAILURE}, nothing is written over the corrupt value, and the grant works again once the row is
   * fixed.
   */
  @Test
  void guardWhenAmountUsedColumnIsCorruptThenCheckWithAmountDeniesWithStoreFailure() {
    Policy policy = Policy.builder().version("jdbc-metered")
        .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba").approvals(1)
            .maxAmount(new BigDecimal("100.00")).defaultDuration(Duration.ofMinutes(30))
            .maxDuration(Duration.ofHours(1)))
        .build();
    TestClock clock = TestClock.create();
    Subject alice = Subject.of("alice", "dev");
    BigDecimal ten = new BigDecimal("10.00");
    try (PrivilegeGuard guard = guard(policy, store(), clock)) {
      guard.request(ElevationRequest.builder(alice, DB_PROD_WRITE).justification("FIN-1: refunds").build());
      RequestId requestId = store().requestsBy("alice").get(0).id();
      Decision approved = guard.approve(requestId, Subject.of("bob", "dba"), "ok");
      assertThat(approved).isInstanceOf(Decision.Granted.class);
      Grant grant = ((Decision.Granted) approved).grant();
      assertThat(grant.amountLimit()).contains(new BigDecimal("100.00"));
      assertThat(guard.check(alice, DB_PROD_WRITE, ten)).isInstanceOf(Decision.Granted.class);
      assertThat(store().findGrant(grant.id()).orElseThrow().amountUsed()).contains(ten);

      execute(dataSource, "UPDATE jitguard_grants SET amount_used = 'abc' WHERE id = ?", grant.id().value());
      clock.advance(Duration.ofSeconds(2)); // past the default staleness bound: the guard reads the row again

      assertThat(guard.check(alice, DB_PROD_WRITE, ten).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(guard.check(alice, DB_PROD_WRITE, BigDecimal.ZERO).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(guard.check(alice, DB_PROD_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
      assertThat(column("jitguard_grants", "amount_used", grant.id().value())).isEqualTo("abc");

      execute(dataSource, "UPDATE jitguard_grants SET amount_used = '10.00' WHERE id = ?", grant.id().value());
      assertThat(guard.check(alice, DB_PROD_WRITE, ten)).isInstanceOf(Decision.Granted.class);
      assertThat(store().findGrant(grant.id()).orElseThrow().amountUsed()).contains(new BigDecimal("20.00"));
    }
  }

  /**
   * A restart: a guard on its own pool creates a grant (approved) and a pending request, then the guard, the store
   * and the pool are closed; a new guard on a new pool and store sees both, and the grant works at once.
   */
  @Test
  void restartWhenGuardAndPoolClosedThenNewGuardSeesGrantsAndPendingRequests() {
    Policy policy = Policy.builder().version("jdbc-restart")
        .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba").approvals(1)
            .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
        .privilege("db.prod.read", rule -> rule.eligibleGroups("dev").approverGroups("dba").approvals(1)
            .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
        .build();
    TestClock clock = TestClock.create();
    Subject alice = Subject.of("alice", "dev");
    Subject bob = Subject.of("bob", "dba");
    HikariDataSource firstPool = samePlace(dataSource, c -> c.setMaximumPoolSize(2));
    RequestId approvedId;
    try (JdbcGrantStore store = JdbcGrantStore.builder(firstPool).createSchema(true).build();
        PrivilegeGuard guard = guard(policy, store, clock)) {
      guard.request(ElevationRequest.builder(alice, DB_PROD_WRITE).justification("INC-1: restart test").build());
      guard.request(ElevationRequest.builder(alice, "db.prod.read").justification("INC-1: still pending").build());
      approvedId = guard.pendingRequests(alice).stream().filter(r -> r.privilege().equals(DB_PROD_WRITE))
          .findFirst().orElseThrow().id();
      assertThat(guard.approve(approvedId, bob, "ok")).isInstanceOf(Decision.Granted.class);
    } finally {
      firstPool.close();
    }

    HikariDataSource secondPool = closeLater(samePlace(dataSource, c -> c.setMaximumPoolSize(2)));
    try (JdbcGrantStore store = JdbcGrantStore.builder(secondPool).build();
        PrivilegeGuard guard = guard(policy, store, clock)) {
      assertThat(guard.check(alice, DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);
      assertThat(guard.activeGrants(alice)).singleElement()
          .satisfies(g -> assertThat(g.requestId()).isEqualTo(approvedId));
      assertThat(guard.pendingApprovals(bob)).singleElement()
          .satisfies(r -> assertThat(r.privilege().name()).isEqualTo("db.prod.read"));
    }
  }

  private static PrivilegeGuard guard(Policy policy, GrantStore store, TestClock clock) {
    return PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance().build();
  }

  // --------------------------------------------------------------------------------------- across instances

  /**
   * {@value #CONSUMERS} threads on two store instances (two pools, as two application instances would have) race to
   * take the only use of a grant, round after round: the conditional update lets exactly one win each round.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(300)
  void consumeSingleUseGrantFromTwoInstancesThenExactlyOneWinsEveryRound() throws Exception {
    JdbcGrantStore a = shared();
    JdbcGrantStore b = shared();
    int rounds = 100;
    List<GrantId> grants = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      Issued issued = autoApprovedWithUses("alice", 1);
      a.insert(issued.request(), issued.grant());
      grants.add(issued.grant().id());
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    CyclicBarrier barrier = new CyclicBarrier(CONSUMERS);

    Race.run(CONSUMERS, thread -> {
      JdbcGrantStore mine = thread % 2 == 0 ? a : b;
      for (int round = 0; round < rounds; round++) {
        Grant read = mine.findGrant(grants.get(round)).orElseThrow();
        Race.await(barrier);
        if (read.usesLeft().orElseThrow() == 1) {
          Grant consumed = nextVersion(read, g -> g.uses(1, 0).status(GrantStatus.CONSUMED)
              .ended(T0.plusSeconds(1), "alice", null));
          if (mine.update(read, consumed)) {
            winners.incrementAndGet(round);
          }
        }
      }
    });

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("uses taken in round %d", round).isEqualTo(1);
      Grant last = b.findGrant(grants.get(round)).orElseThrow();
      assertThat(last.version()).isEqualTo(1);
      assertThat(last.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(last.usesLeft()).hasValue(0);
    }
  }

  @Test
  @Timeout(60)
  void subscribeWhenAnotherInstanceRevokesThenListenerGetsTheGrantId() throws Exception {
    JdbcGrantStore listening = shared();
    JdbcGrantStore writing = shared();
    Issued issued = autoApproved("alice");
    writing.insert(issued.request(), issued.grant());
    LinkedBlockingQueue<GrantId> seen = new LinkedBlockingQueue<>();
    CountDownLatch failingCalled = new CountDownLatch(1);
    closeLater(listening.subscribe(id -> {
      failingCalled.countDown();
      throw new IllegalStateException("a listener that fails must not stop the others");
    }));
    closeLater(listening.subscribe(seen::add));

    assertThat(writing.update(issued.grant(), revoke(issued.grant(), "bob", "done"))).isTrue();

    assertThat(awaitId(seen, issued.grant().id(), Duration.ofSeconds(20))).isTrue();
    assertThat(failingCalled.await(20, TimeUnit.SECONDS)).isTrue();
    Issued later = autoApproved("bob");
    writing.insert(later.request(), later.grant());
    assertThat(awaitId(seen, later.grant().id(), Duration.ofSeconds(20))).isTrue();
  }

  @Test
  @Timeout(60)
  void subscribeWhenGrantChangedByHandThenListenerGetsTheGrantId() throws Exception {
    JdbcGrantStore listening = shared();
    Issued issued = autoApproved("alice");
    store().insert(issued.request(), issued.grant());
    LinkedBlockingQueue<GrantId> seen = new LinkedBlockingQueue<>();
    closeLater(listening.subscribe(seen::add));

    execute(dataSource, "UPDATE jitguard_grants SET status = 'REVOKED', version = version + 1 WHERE id = ?",
        issued.grant().id().value());

    assertThat(awaitId(seen, issued.grant().id(), Duration.ofSeconds(20))).isTrue();
  }

  @Test
  void subscribeWhenStoreClosedThenRefused() {
    JdbcGrantStore store = shared();
    store.close();

    assertThatThrownBy(() -> store.subscribe(id -> { })).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Waits for one grant id among the ids delivered, at most {@code max}.
   *
   * @param seen the delivered ids
   * @param wanted the id
   * @param max how long
   * @return true if delivered in time
   * @throws InterruptedException if interrupted
   */
  static boolean awaitId(LinkedBlockingQueue<GrantId> seen, GrantId wanted, Duration max)
      throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    for (long left = max.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      GrantId id = seen.poll(left, TimeUnit.NANOSECONDS);
      if (wanted.equals(id)) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------ one transaction

  @Test
  void inTransactionWhenBodyReturnsThenGrantChangeAndJoiningAuditEventCommittedTogether() {
    JdbcGrantStore store = (JdbcGrantStore) store();
    JdbcAuditSink audit = JdbcAuditSink.builder(dataSource).createSchema(true).joinTransactions(true).build();
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());
    Grant revoked = revoke(issued.grant(), "bob", "done");
    JdbcGrantStore other = shared();
    List<Integer> seenFromOutside = new CopyOnWriteArrayList<>();

    boolean won = store.inTransaction(() -> {
      boolean w = store.update(issued.grant(), revoked);
      audit.record(revokedEvent(issued.grant()));
      seenFromOutside.add(AuditRows.read(dataSource).size());
      seenFromOutside.add((int) other.findGrant(issued.grant().id()).orElseThrow().version());
      return w;
    });

    assertThat(won).isTrue();
    assertThat(seenFromOutside).as("audit rows and grant version seen by others before the commit")
        .containsExactly(0, 0);
    assertThat(AuditRows.read(dataSource)).singleElement().satisfies(e -> assertThat(e.type())
        .isEqualTo(AuditEventType.REVOKED));
    assertThat(store.findGrant(issued.grant().id())).hasValueSatisfying(g -> assertSameGrant(g, revoked));
  }

  @Test
  void inTransactionWhenBodyThrowsThenGrantChangeAndJoiningAuditEventRolledBackButOwnSinkKeepsItsEvent() {
    JdbcGrantStore store = (JdbcGrantStore) store();
    JdbcAuditSink joining = JdbcAuditSink.builder(dataSource).createSchema(true).joinTransactions(true).build();
    JdbcAuditSink separate = JdbcAuditSink.builder(dataSource).build();
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());
    RequestRecord pending = pendingRequest("carol");

    assertThatThrownBy(() -> store.inTransaction(() -> {
      store.update(issued.grant(), revoke(issued.grant(), "bob", "done"));
      store.insert(pending);
      joining.record(revokedEvent(issued.grant()));
      separate.record(AuditEvent.builder(AuditEventType.OPERATION_REFUSED, T0).subject("alice").build());
      assertThatThrownBy(() -> store.insert(pending)).isInstanceOf(IllegalStateException.class);
      throw new IllegalStateException("the body failed after its writes");
    })).hasMessage("the body failed after its writes");

    assertThat(store.findGrant(issued.grant().id())).hasValueSatisfying(g -> assertSameGrant(g, issued.grant()));
    assertThat(store.findRequest(pending.id())).isEmpty();
    assertThat(AuditRows.read(dataSource)).singleElement().satisfies(e -> assertThat(e.type())
        .isEqualTo(AuditEventType.OPERATION_REFUSED));
  }

  private static AuditEvent revokedEvent(Grant g) {
    return AuditEvent.builder(AuditEventType.REVOKED, T0.plusSeconds(300)).subject(g.subjectId())
        .privilege(g.privilege()).grantId(g.id()).requestId(g.requestId()).actor("bob").text("done").build();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** A data source that fails every call to getConnection while its switch is on, as a database that went down. */
  static final class Switchable implements DataSource {
    private final DataSource delegate;
    private final AtomicBoolean broken;

    Switchable(DataSource delegate, AtomicBoolean broken) {
      this.delegate = delegate;
      this.broken = broken;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (broken.get()) {
        throw new java.sql.SQLTransientConnectionException("connection refused (test switch)", "08001");
      }
      return delegate.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return delegate.isWrapperFor(iface);
    }
  }

  /**
   * A TCP port nothing listens on (taken from the system, then released).
   *
   * @return the port
   */
  static int closedPort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
