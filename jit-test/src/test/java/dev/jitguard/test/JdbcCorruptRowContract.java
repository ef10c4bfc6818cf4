package dev.jitguard.test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.store.JdbcGrantStore;
import dev.jitguard.store.JdbcStoreException;
import dev.jitguard.test.GrantStoreContract.Issued;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 11, item 5, "one corrupt row stops every instance": a row the JDBC store cannot read
 * (an unknown status, an id that is not an id, an amount or a JSON column that does not parse, a {@code NULL} where a
 * value is required) fails closed for its own record alone and is reported; everything else keeps working. Valid
 * records go in through the store or a guard, then one row is corrupted with plain SQL.
 *
 * <p>Mixed into {@link JdbcGrantStoreContract}, so every database it runs on (H2, PostgreSQL) runs these too.
 */
interface JdbcCorruptRowContract {

  /** @return the current test's store, on a fresh database */
  JdbcGrantStore storeUnderTest();

  /** @return the current test's database, for the SQL that corrupts rows */
  DataSource databaseUnderTest();

  // --------------------------------------------------------------------------------------------- the guard

  @Test
  default void guardBuiltWhenOneLiveGrantRowIsCorruptThenStartsAndDeniesOnlyThatGrant() {
    JdbcGrantStore store = storeUnderTest();
    TestClock clock = TestClock.create();
    Subject alice = Subject.of("alice", "dev");
    Subject carol = Subject.of("carol", "dev");
    Subject dave = Subject.of("dave", "dev");
    GrantId carols;
    try (PrivilegeGuard first = guard(store, clock)) {
      grantTo(first, alice);
      carols = grantTo(first, carol);
      grantTo(first, dave);
    }
    corrupt("jitguard_grants", "approvers = '[\"bob\"'", carols.value());
    long before = store.corruptRowReads();

    try (PrivilegeGuard guard = guard(store, clock)) {
      assertThat(guard.check(alice, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);
      assertThat(guard.check(dave, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);
      assertThat(guard.check(carol, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Denied.class);
      assertThat(guard.activeGrants(carol)).isEmpty();
      assertThat(guard.activeGrants(dave)).hasSize(1);
      assertThatThrownBy(() -> guard.revoke(carols, Subject.of("bob", "dba"), "INC-5: done"))
          .isInstanceOfSatisfying(OperationRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.STORE_FAILURE));
    }
    assertThat(store.corruptRowReads()).as("corrupt row reads while building and using the guard")
        .isGreaterThan(before);
    assertThat(column("jitguard_grants", "approvers", carols.value())).isEqualTo("[\"bob\"");
    assertThat(column("jitguard_grants", "version", carols.value())).isEqualTo("0");
  }

  @Test
  default void pendingApprovalsWhenOneRequestRowIsCorruptThenListsTheOthers() {
    JdbcGrantStore store = storeUnderTest();
    TestClock clock = TestClock.create();
    Subject bob = Subject.of("bob", "dba");
    try (PrivilegeGuard guard = guard(store, clock)) {
      RequestId alices = ask(guard, Subject.of("alice", "dev"));
      RequestId carols = ask(guard, Subject.of("carol", "dev"));
      RequestId daves = ask(guard, Subject.of("dave", "dev"));
      corrupt("jitguard_requests", "denials = '{not json'", carols.value());

      assertThat(guard.pendingApprovals(bob)).extracting(RequestRecord::id)
          .containsExactlyInAnyOrder(alices, daves);
      assertThatThrownBy(() -> guard.approve(carols, bob, "ok"))
          .isInstanceOfSatisfying(OperationRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.STORE_FAILURE));
      assertThatThrownBy(() -> guard.deny(carols, bob, "no"))
          .isInstanceOfSatisfying(OperationRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.STORE_FAILURE));
      assertThat(guard.approve(daves, bob, "ok")).isInstanceOf(Decision.Granted.class);
      assertThat(guard.pendingApprovals(bob)).extracting(RequestRecord::id).containsExactly(alices);
      assertThat(column("jitguard_requests", "denials", carols.value())).isEqualTo("{not json");
      assertThat(column("jitguard_requests", "status", carols.value())).isEqualTo("PENDING");
      assertThat(column("jitguard_requests", "version", carols.value())).isEqualTo("0");
      assertThat(store.grantsFrom(carols)).isEmpty();
      assertThat(rows("jitguard_grants WHERE request_id = ?", carols.value())).isZero();
    }
  }

  /**
   * An operator ends a grant by hand with a status the store does not know ({@code 'revoked'}, lower case): the
   * guard that still holds the grant from before must not use it, and nothing may write the old copy back over the
   * row (which would make it live again).
   */
  @Test
  default void checkWhenCachedGrantRowBecomesCorruptThenDeniedAndNeverWrittenBack() {
    JdbcGrantStore store = storeUnderTest();
    TestClock clock = TestClock.create();
    Subject alice = Subject.of("alice", "dev");
    Subject carol = Subject.of("carol", "dev");
    try (PrivilegeGuard guard = guard(store, clock)) {
      grantTo(guard, alice);
      GrantId carols = grantTo(guard, carol);
      Grant cached = store.findGrant(carols).orElseThrow();
      assertThat(guard.check(carol, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);

      corrupt("jitguard_grants", "status = 'revoked'", carols.value());
      clock.advance(Duration.ofSeconds(2)); // past the staleness bound: the guard reads the store again

      assertThat(guard.check(carol, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Denied.class);
      assertThat(guard.check(alice, GrantStoreContract.DB_PROD_WRITE)).isInstanceOf(Decision.Granted.class);
      assertThatThrownBy(() -> guard.revoke(carols, Subject.of("bob", "dba"), "INC-5: done"))
          .isInstanceOfSatisfying(OperationRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.STORE_FAILURE));
      assertThatThrownBy(() -> store.update(cached, GrantStoreContract.nextVersion(cached,
          g -> g.status(GrantStatus.ACTIVE)))).isInstanceOf(JdbcStoreException.class)
          .hasMessageContaining("jitguard_grants").hasMessageContaining(carols.value());
      assertThat(column("jitguard_grants", "status", carols.value())).isEqualTo("revoked");
      assertThat(column("jitguard_grants", "version", carols.value())).isEqualTo("0");
    }
  }

  // --------------------------------------------------------------------------------------------- the store

  @Test
  default void listsWhenOneRowIsCorruptThenLeaveItOutReturnTheOthersAndCountIt() {
    JdbcGrantStore store = storeUnderTest();
    Issued good = GrantStoreContract.autoApproved("alice");
    Issued badAmount = GrantStoreContract.autoApprovedMetered("alice", new BigDecimal("250.00"));
    Issued badId = GrantStoreContract.autoApproved("alice");
    Issued badJson = GrantStoreContract.autoApproved("alice");
    for (Issued i : List.of(good, badAmount, badId, badJson)) {
      store.insert(i.request(), i.grant());
    }
    RequestRecord pending = GrantStoreContract.pendingRequest("carol");
    RequestRecord pendingBadJson = GrantStoreContract.pendingRequest("carol");
    RequestRecord decidedByNull = GrantStoreContract.pendingRequest("dave");
    RequestRecord openReview = breakGlass("erin");
    RequestRecord reviewBadStatus = breakGlass("erin");
    for (RequestRecord r : List.of(pending, pendingBadJson, decidedByNull, openReview, reviewBadStatus)) {
      store.insert(r);
    }
    corrupt("jitguard_grants", "amount_used = 'abc'", badAmount.grant().id().value());
    corrupt("jitguard_grants", "id = 'not-an-id'", badId.grant().id().value());
    corrupt("jitguard_grants", "approvers = '[1, 2]'", badJson.grant().id().value());
    corrupt("jitguard_requests", "approvals = '[{'", pendingBadJson.id().value());
    corrupt("jitguard_requests", "status = 'DENIED', decided_at = created_at, decision_reason = 'DENIED_BY_APPROVER'",
        decidedByNull.id().value());
    corrupt("jitguard_requests", "status = 'BOGUS'", reviewBadStatus.id().value());

    assertThat(skipped(store, store::liveGrants)).singleElement()
        .satisfies(g -> GrantStoreContract.assertSameGrant(g, good.grant()));
    assertThat(store.corruptRowReads()).isEqualTo(3);
    assertThat(skipped(store, () -> store.liveGrants("alice", GrantStoreContract.DB_PROD_WRITE)))
        .extracting(Grant::id).containsExactly(good.grant().id());
    assertThat(skipped(store, () -> store.grantsOf("alice"))).extracting(Grant::id)
        .containsExactly(good.grant().id());
    assertThat(skipped(store, () -> store.grantsFrom(badAmount.request().id()))).isEmpty();
    assertThat(store.grantsFrom(good.request().id())).extracting(Grant::id).containsExactly(good.grant().id());
    assertThat(skipped(store, store::pendingRequests)).extracting(RequestRecord::id).containsExactly(pending.id());
    assertThat(skipped(store, () -> store.requestsBy("carol"))).extracting(RequestRecord::id)
        .containsExactly(pending.id());
    assertThat(skipped(store, () -> store.requestsBy("dave"))).isEmpty();
    assertThat(skipped(store, store::openReviews)).extracting(RequestRecord::id).containsExactly(openReview.id());
    assertThat(store.corruptRowReads()).isEqualTo(3 + 3 + 3 + 1 + 1 + 1 + 1 + 1);
  }

  /**
   * A page that met a corrupt row is filled from the rows after it: a short page would be taken for the end of the
   * listing, and every request after the corrupt one would be missing from an approver's inbox.
   */
  @Test
  default void pagedListingWhenARowIsCorruptThenPagesStayFullAndNothingAfterItIsMissed() {
    JdbcGrantStore store = storeUnderTest();
    List<RequestRecord> pending = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RequestRecord r = GrantStoreContract.pendingRequest("subject-" + i);
      store.insert(r);
      pending.add(r);
    }
    pending.sort(java.util.Comparator.comparing(dev.jitguard.spi.RequestPosition::of));
    RequestRecord broken = pending.get(1);                            // on the first page of two
    corrupt("jitguard_requests", "approvals = '[{'", broken.id().value());
    List<dev.jitguard.rule.PrivilegePattern> patterns =
        List.of(dev.jitguard.rule.PrivilegePattern.exactly(GrantStoreContract.DB_PROD_WRITE));

    List<RequestRecord> first = store.pendingRequests(patterns, null, 2);
    List<RequestRecord> second = store.pendingRequests(patterns,
        dev.jitguard.spi.RequestPosition.of(first.get(first.size() - 1)), 2);
    List<RequestRecord> third = store.pendingRequests(patterns,
        dev.jitguard.spi.RequestPosition.of(second.get(second.size() - 1)), 2);

    assertThat(first).extracting(RequestRecord::id).containsExactly(pending.get(0).id(), pending.get(2).id());
    assertThat(second).extracting(RequestRecord::id).containsExactly(pending.get(3).id(), pending.get(4).id());
    assertThat(third).extracting(RequestRecord::id).containsExactly(pending.get(5).id());
    assertThat(store.corruptRowReads()).isPositive();
  }

  /** The same when the corrupt part is the row's key itself: an id that is not an id still moves the page on. */
  @Test
  default void pagedListingWhenARowsIdIsCorruptThenPagesStayFullAndNothingAfterItIsMissed() {
    JdbcGrantStore store = storeUnderTest();
    List<RequestRecord> pending = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RequestRecord r = GrantStoreContract.pendingRequest("subject-" + i);
      store.insert(r);
      pending.add(r);
    }
    pending.sort(java.util.Comparator.comparing(dev.jitguard.spi.RequestPosition::of));
    // Renamed to sort right after the first, second of the page: the key no longer parses as an id.
    String notAnId = pending.get(0).id().value().substring(0, 31) + "g"; // 'g' is no hex digit; sorts after the first
    corrupt("jitguard_requests", "id = '" + notAnId + "'", pending.get(1).id().value());
    List<dev.jitguard.rule.PrivilegePattern> patterns =
        List.of(dev.jitguard.rule.PrivilegePattern.exactly(GrantStoreContract.DB_PROD_WRITE));

    List<RequestRecord> first = store.pendingRequests(patterns, null, 2);
    List<RequestRecord> rest = store.pendingRequests(patterns,
        dev.jitguard.spi.RequestPosition.of(first.get(first.size() - 1)), 2);

    assertThat(first).extracting(RequestRecord::id).containsExactly(pending.get(0).id(), pending.get(2).id());
    assertThat(rest).extracting(RequestRecord::id).containsExactly(pending.get(3).id());
  }

  @Test
  default void findWhenRowIsCorruptThenThatIdFailsClosedAndOthersAreFound() {
    JdbcGrantStore store = storeUnderTest();
    Issued good = GrantStoreContract.autoApproved("alice");
    Issued bad = GrantStoreContract.autoApproved("bob");
    store.insert(good.request(), good.grant());
    store.insert(bad.request(), bad.grant());
    RequestRecord badRequest = GrantStoreContract.pendingRequest("carol");
    store.insert(badRequest);
    corrupt("jitguard_grants", "subject_id = ''", bad.grant().id().value());
    corrupt("jitguard_requests", "status = 'BOGUS'", badRequest.id().value());

    assertThatThrownBy(() -> store.findGrant(bad.grant().id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_grants").hasMessageContaining(bad.grant().id().value())
        .hasMessageContaining("fail closed");
    assertThatThrownBy(() -> store.findRequest(badRequest.id())).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining("jitguard_requests").hasMessageContaining(badRequest.id().value())
        .hasMessageContaining("BOGUS");
    assertThat(store.corruptRowReads()).isEqualTo(2);
    assertThat(store.findGrant(good.grant().id())).hasValueSatisfying(
        g -> GrantStoreContract.assertSameGrant(g, good.grant()));
    assertThat(store.findRequest(bad.request().id())).hasValueSatisfying(
        r -> GrantStoreContract.assertSameRequest(r, bad.request()));
    assertThat(store.findGrant(GrantId.random())).isEmpty();
  }

  @Test
  default void updateWhenStoredRowIsCorruptThenNeverSucceedsAndRowUnchanged() {
    JdbcGrantStore store = storeUnderTest();
    Issued issued = GrantStoreContract.autoApprovedWithUses("alice", 3);
    store.insert(issued.request(), issued.grant());
    Grant grant = store.findGrant(issued.grant().id()).orElseThrow();
    RequestRecord pending = GrantStoreContract.pendingRequest("carol");
    store.insert(pending);
    RequestRecord request = store.findRequest(pending.id()).orElseThrow();
    corrupt("jitguard_grants", "approvers = 'null'", grant.id().value());
    corrupt("jitguard_requests", "subject_attributes = '{\"team\": 7}'", request.id().value());

    Grant used = GrantStoreContract.nextVersion(grant, g -> g.uses(3, 2));
    assertThatThrownBy(() -> store.update(grant, used)).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining(grant.id().value()).hasMessageContaining("approvers");
    RequestRecord withdrawn = GrantStoreContract.nextVersion(request, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(GrantStoreContract.T0.plusSeconds(5), "carol", ReasonCode.WITHDRAWN, null));
    assertThatThrownBy(() -> store.update(request, withdrawn)).isInstanceOf(JdbcStoreException.class)
        .hasMessageContaining(request.id().value()).hasMessageContaining("subject_attributes");
    GrantId issuedId = GrantId.random();
    RequestRecord approved = GrantStoreContract.approve(request, "bob", issuedId);
    assertThatThrownBy(() -> store.update(request, approved, GrantStoreContract.grantFor(approved, issuedId)))
        .isInstanceOf(JdbcStoreException.class).hasMessageContaining(request.id().value());

    assertThat(store.corruptRowReads()).isEqualTo(3);
    assertThat(column("jitguard_grants", "approvers", grant.id().value())).isEqualTo("null");
    assertThat(column("jitguard_grants", "uses_left", grant.id().value())).isEqualTo("3");
    assertThat(column("jitguard_grants", "version", grant.id().value())).isEqualTo("0");
    assertThat(column("jitguard_requests", "status", request.id().value())).isEqualTo("PENDING");
    assertThat(column("jitguard_requests", "version", request.id().value())).isEqualTo("0");
    assertThat(rows("jitguard_grants WHERE id = ?", issuedId.value())).isZero();
    Grant stale = GrantStoreContract.nextVersion(grant, g -> g);
    assertThat(store.update(stale, GrantStoreContract.nextVersion(stale, g -> g)))
        .as("an update from a version the row does not have").isFalse();
  }

  /**
   * The log line of a corrupt row: at ERROR, once per row however often it is read, naming the table and the id, and
   * a single line of printable ASCII even when the corrupt value holds a line break and a bidi control.
   */
  @Test
  default void corruptRowWhenReadRepeatedlyThenLoggedOnceAtErrorOnOneEscapedLine() {
    JdbcGrantStore store = storeUnderTest();
    RequestRecord good = GrantStoreContract.pendingRequest("alice");
    RequestRecord bad = GrantStoreContract.pendingRequest("alice");
    store.insert(good);
    store.insert(bad);
    try (Connection c = databaseUnderTest().getConnection();
        PreparedStatement ps = c.prepareStatement("UPDATE jitguard_requests SET status = ? WHERE id = ?")) {
      ps.setString(1, "X\nERROR forged\u202e");
      ps.setString(2, bad.id().value());
      assertThat(ps.executeUpdate()).isEqualTo(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, UTF_8));
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(store.requestsBy("alice")).extracting(RequestRecord::id).containsExactly(good.id());
      }
    } finally {
      System.setOut(original);
    }

    List<String> lines = captured.toString(UTF_8).lines().toList();
    assertThat(lines).filteredOn(l -> l.contains("corrupt row")).singleElement().satisfies(line -> {
      assertThat(line).startsWith("ERROR ").contains("jitguard_requests").contains(bad.id().value())
          .contains("\\n").contains("\\u202e").contains("corruptRowReads()");
      assertThat(line.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)).as("printable ASCII: %s", line).isTrue();
    });
    assertThat(lines).noneMatch(l -> l.startsWith("ERROR forged"));
    assertThat(store.corruptRowReads()).isEqualTo(3);
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static Policy policy() {
    return Policy.builder().version("jdbc-corrupt-rows")
        .privilege("db.prod.write", rule -> rule.eligibleGroups("dev").approverGroups("dba").approvals(1)
            .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
        .build();
  }

  private static PrivilegeGuard guard(JdbcGrantStore store, TestClock clock) {
    return PrivilegeGuard.builder().withPolicy(policy()).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance().build();
  }

  private static RequestId ask(PrivilegeGuard guard, Subject requester) {
    Decision d = guard.request(ElevationRequest.builder(requester, GrantStoreContract.DB_PROD_WRITE)
        .justification("INC-5: corrupt rows").build());
    assertThat(d).isInstanceOf(Decision.Pending.class);
    return guard.pendingRequests(requester).get(0).id();
  }

  private static GrantId grantTo(PrivilegeGuard guard, Subject requester) {
    Decision d = guard.approve(ask(guard, requester), Subject.of("bob", "dba"), "ok");
    assertThat(d).isInstanceOf(Decision.Granted.class);
    return ((Decision.Granted) d).grant().id();
  }

  private static RequestRecord breakGlass(String subjectId) {
    return RequestRecord.builder(RequestId.random(), GrantStoreContract.elevation(subjectId, "INC-9: outage"))
        .status(RequestStatus.APPROVED).createdAt(GrantStoreContract.T0)
        .expiresAt(GrantStoreContract.T0.plusSeconds(60)).breakGlass(true).build();
  }

  /** Changes one row with plain SQL, as a bad migration, a hand edit or a restore gone wrong would. */
  private void corrupt(String table, String set, String id) {
    JdbcGrantStoreContract.execute(databaseUnderTest(), "UPDATE " + table + " SET " + set + " WHERE id = ?", id);
  }

  /** Runs a list and returns it; the store's count of corrupt row reads must have grown meanwhile. */
  private <T> List<T> skipped(JdbcGrantStore store, Supplier<List<T>> list) {
    long before = store.corruptRowReads();
    List<T> out = list.get();
    assertThat(store.corruptRowReads()).as("corrupt row reads").isGreaterThan(before);
    return out;
  }

  private String column(String table, String column, String id) {
    try (Connection c = databaseUnderTest().getConnection();
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

  private long rows(String fromWhere, String param) {
    try (Connection c = databaseUnderTest().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + fromWhere)) {
      ps.setString(1, param);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
