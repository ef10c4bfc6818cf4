package dev.jitguard;

import static dev.jitguard.Fixtures.ask;
import static dev.jitguard.Fixtures.invalid;
import static dev.jitguard.Fixtures.pendingId;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.RequestPosition;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Costs that follow the answer: with 10,000 unrelated pending requests stored, each operation reads from the store only
 * the records of its answer (counted by a store that counts every record it returns), and paged listings return each
 * record exactly once. No timing: the counts pin the complexity.
 */
class ListingCostTest {
  private static final int UNRELATED = 10_000;
  private static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  private static final Privilege REFUND = Privilege.of("payments.refund");
  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Subject CAROL = Subject.of("carol", "developers");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Subject FIONA = Subject.of("fiona", "finance");
  private static final Policy POLICY = Policy.builder()
      .privilege("db.prod.write", r -> r.eligibleGroups("developers").approverGroups("dba")
          .maxDuration(Duration.ofHours(4)).breakGlass(20, Duration.ofMinutes(30)))
      .privilege("payments.*", r -> r.eligibleGroups("developers").approverGroups("finance"))
      .build();

  private CountingStore store;
  private PrivilegeGuard guard;
  private final TestClock clock = TestClock.create();

  @BeforeEach
  void setUp() {
    store = new CountingStore(GrantStore.inMemory());
    guard = PrivilegeGuard.builder().withPolicy(POLICY).withClock(clock)
        .withAuditSink(new InMemoryAuditSink()).withGrantStore(store).withoutBackgroundMaintenance().build();
    for (int i = 0; i < UNRELATED; i++) {
      assertThat(guard.request(ask(Subject.of("user" + i, "developers"), REFUND).build()))
          .isInstanceOf(Decision.Pending.class);
    }
  }

  @AfterEach
  void tearDown() {
    guard.close();
  }

  @Test
  void everyOperationWhenTenThousandUnrelatedRecordsStoredThenReadsOnlyItsOwnRecords() {
    // Alice's own history (withdrawn requests, a revoked grant) is not part of any answer either.
    for (int i = 0; i < 20; i++) {
      guard.withdraw(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), ALICE);
    }
    Grant revoked = Fixtures.granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE).build())), BOB, "ok"));
    guard.revoke(revoked.id(), ALICE, "done");
    store.reads.set(0);
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    assertThat(store.reads.get()).as("records read by request()").isZero();

    store.reads.set(0);
    assertThat(guard.pendingRequests(ALICE)).extracting(RequestRecord::id).containsExactly(id);
    assertThat(store.reads.get()).as("records read by pendingRequests").isEqualTo(1);

    store.reads.set(0);
    assertThat(guard.pendingApprovals(BOB)).extracting(RequestRecord::id).containsExactly(id);
    assertThat(guard.pendingApprovals(BOB, PageRequest.first(10)).items()).extracting(RequestRecord::id)
        .containsExactly(id);
    assertThat(store.reads.get()).as("records read by pendingApprovals").isEqualTo(2);

    store.reads.set(0);
    Grant grant = Fixtures.granted(guard.approve(id, BOB, "ok"));
    assertThat(store.reads.get()).as("records read by approve").isLessThanOrEqualTo(3);

    store.reads.set(0);
    assertThat(guard.activeGrants(ALICE)).extracting(Grant::id).containsExactly(grant.id());
    assertThat(store.reads.get()).as("records read by activeGrants").isEqualTo(1);

    Fixtures.granted(guard.breakGlass(CAROL, DB_WRITE, "INC-77: orders DB down, pager escalation",
        Duration.ofMinutes(10)));
    store.reads.set(0);
    assertThat(guard.openReviews(BOB)).hasSize(1);
    assertThat(store.reads.get()).as("records read by openReviews").isEqualTo(1);

    store.reads.set(0);
    RequestId second = pendingId(guard.request(ask(CAROL, DB_WRITE).build()));
    guard.withdraw(second, CAROL);
    assertThat(store.reads.get()).as("records read by request() and withdraw").isLessThanOrEqualTo(3);
  }

  @Test
  void pendingApprovalsPagedWhileRequestsArriveThenEveryEarlierRequestExactlyOnceAndPagesReadOnlyTheirRecords() {
    Set<RequestId> before = new HashSet<>();
    guard.pendingApprovals(FIONA).forEach(r -> before.add(r.id()));
    assertThat(before).hasSize(UNRELATED);
    List<RequestId> seen = new ArrayList<>();
    PageRequest next = PageRequest.first(PageRequest.MAX_LIMIT);
    for (int pages = 0; pages < 100; pages++) {
      store.reads.set(0);
      Page<RequestRecord> page = guard.pendingApprovals(FIONA, next);
      assertThat(store.reads.get()).as("records read for one page").isLessThanOrEqualTo(PageRequest.MAX_LIMIT + 1);
      page.items().forEach(r -> seen.add(r.id()));
      guard.request(ask(Subject.of("late" + pages, "developers"), REFUND).build());
      if (page.nextCursor().isEmpty()) {
        break;
      }
      next = PageRequest.after(page.nextCursor().get(), PageRequest.MAX_LIMIT);
    }

    assertThat(seen).doesNotHaveDuplicates().containsAll(before);
  }

  /**
   * A maintenance run reads the live grants that are due (ending by now plus the longest expiry warning), not every
   * live grant: with 100 grants ending in hours and one ending now, it reads one grant (and the pending requests,
   * which it reminds, escalates or expires).
   */
  @Test
  void maintenanceWhenManyLiveGrantsThenReadsOnlyTheGrantsThatAreDue() {
    List<Grant> later = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Subject dev = Subject.of("dev" + i, "developers");
      later.add(Fixtures.granted(guard.approve(pendingId(guard.request(ask(dev, DB_WRITE)
          .duration(Duration.ofHours(4)).build())), BOB, "ok")));
    }
    Grant soon = Fixtures.granted(guard.approve(pendingId(guard.request(ask(ALICE, DB_WRITE)
        .duration(Duration.ofMinutes(5)).build())), BOB, "ok"));
    clock.advance(Duration.ofMinutes(6));
    int pending = store.pendingRequests().size();
    store.reads.set(0);

    guard.runMaintenance();

    assertThat(store.reads.get()).as("records read by a maintenance run, %d of them pending requests", pending)
        .isEqualTo(pending + 1L);
    assertThat(store.findGrant(soon.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.EXPIRED);
    assertThat(later).allSatisfy(g ->
        assertThat(store.findGrant(g.id()).orElseThrow().storedStatus()).isEqualTo(GrantStatus.ACTIVE));
  }

  @Test
  void pagedListingsWhenCursorIsBadOrForAnotherListingThenRejectedNamingCursor() {
    RequestId a = pendingId(guard.request(ask(ALICE, DB_WRITE).build()));
    RequestId b = pendingId(guard.request(ask(ALICE, REFUND).build()));
    Page<RequestRecord> first = guard.pendingRequests(ALICE, PageRequest.first(1));
    // Made at the same instant (a test clock): oldest first, then by id.
    RequestId earlier = a.value().compareTo(b.value()) < 0 ? a : b;
    assertThat(first.items()).extracting(RequestRecord::id).containsExactly(earlier);
    String cursor = first.nextCursor().orElseThrow();
    assertThat(guard.pendingRequests(ALICE, PageRequest.after(cursor, 5)).items()).hasSize(1);
    assertThat(guard.pendingRequests(ALICE, PageRequest.after(cursor, 5)).nextCursor()).isEmpty();

    assertThat(invalid(() -> guard.pendingApprovals(FIONA, PageRequest.after(cursor, 5))).field())
        .isEqualTo("cursor");
    assertThat(invalid(() -> guard.pendingRequests(CAROL, PageRequest.after(cursor, 5))).field())
        .isEqualTo("cursor");
    assertThat(invalid(() -> guard.activeGrants(ALICE, PageRequest.after("bm90LWEtY3Vyc29y", 5))).field())
        .isEqualTo("cursor");
    assertThat(invalid(() -> guard.openReviews(BOB, PageRequest.after("a", 5))).field()).isEqualTo("cursor");
    String[] parts = new String(java.util.Base64.getUrlDecoder().decode(cursor),
        java.nio.charset.StandardCharsets.US_ASCII).split("\\.");
    parts[3] = "31556889864403199"; // the last second an Instant holds: beyond any store's milliseconds
    String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(String.join(".", parts)
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(invalid(() -> guard.pendingRequests(ALICE, PageRequest.after(forged, 5))).field())
        .as("a forged time is bad input, not a store failure").isEqualTo("cursor");
    assertThat(invalid(() -> PageRequest.after("{\"x\":1}", 5)).field()).isEqualTo("cursor");
    assertThat(invalid(() -> PageRequest.first(0)).field()).isEqualTo("limit");
    assertThat(invalid(() -> PageRequest.first(PageRequest.MAX_LIMIT + 1)).getMessage()).contains("limit")
        .contains("nextCursor");
  }

  /** A store that counts every record it returns. */
  private static final class CountingStore implements GrantStore {
    final AtomicLong reads = new AtomicLong();
    private final GrantStore store;

    CountingStore(GrantStore store) {
      this.store = store;
    }

    private <T> List<T> count(List<T> list) {
      reads.addAndGet(list.size());
      return list;
    }

    private <T> Optional<T> count(Optional<T> found) {
      found.ifPresent(x -> reads.incrementAndGet());
      return found;
    }

    @Override
    public void insert(RequestRecord request) {
      store.insert(request);
    }

    @Override
    public void insert(RequestRecord request, Grant grant) {
      store.insert(request, grant);
    }

    @Override
    public Optional<RequestRecord> findRequest(RequestId id) {
      return count(store.findRequest(id));
    }

    @Override
    public boolean update(RequestRecord expected, RequestRecord updated) {
      return store.update(expected, updated);
    }

    @Override
    public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
      return store.update(expected, updated, issued);
    }

    @Override
    public List<RequestRecord> pendingRequests() {
      return count(store.pendingRequests());
    }

    @Override
    public List<RequestRecord> openReviews() {
      return count(store.openReviews());
    }

    @Override
    public List<RequestRecord> requestsBy(String subjectId) {
      return count(store.requestsBy(subjectId));
    }

    @Override
    public List<RequestRecord> pendingRequestsBy(String subjectId) {
      return count(store.pendingRequestsBy(subjectId));
    }

    @Override
    public List<RequestRecord> pendingRequests(Collection<PrivilegePattern> privileges, RequestPosition after,
        int limit) {
      return count(store.pendingRequests(privileges, after, limit));
    }

    @Override
    public List<RequestRecord> openReviews(RequestPosition after, int limit) {
      return count(store.openReviews(after, limit));
    }

    @Override
    public Optional<Grant> findGrant(GrantId id) {
      return count(store.findGrant(id));
    }

    @Override
    public boolean update(Grant expected, Grant updated) {
      return store.update(expected, updated);
    }

    @Override
    public List<Grant> grantsOf(String subjectId) {
      return count(store.grantsOf(subjectId));
    }

    @Override
    public List<Grant> grantsFrom(RequestId requestId) {
      return count(store.grantsFrom(requestId));
    }

    @Override
    public List<Grant> liveGrants() {
      return count(store.liveGrants());
    }

    @Override
    public List<Grant> liveGrantsEndingBy(java.time.Instant until) {
      return count(store.liveGrantsEndingBy(until));
    }

    @Override
    public List<Grant> liveGrantsOf(String subjectId) {
      return count(store.liveGrantsOf(subjectId));
    }

    @Override
    public List<Grant> liveGrants(String subjectId, Privilege privilege) {
      return count(store.liveGrants(subjectId, privilege));
    }
  }
}
