package dev.jitguard.test;

import static dev.jitguard.test.GrantStoreContract.DB_PROD_WRITE;
import static dev.jitguard.test.GrantStoreContract.T0;
import static dev.jitguard.test.GrantStoreContract.THREADS;
import static dev.jitguard.test.GrantStoreContract.autoApproved;
import static dev.jitguard.test.GrantStoreContract.breakGlassAt;
import static dev.jitguard.test.GrantStoreContract.expiredLongAgo;
import static dev.jitguard.test.GrantStoreContract.nextVersion;
import static dev.jitguard.test.GrantStoreContract.pendingAt;
import static dev.jitguard.test.GrantStoreContract.pendingRequest;
import static dev.jitguard.test.GrantStoreContract.revoke;
import static dev.jitguard.test.GrantStoreContract.scheduled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.test.GrantStoreContract.Issued;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of the grant store's narrow queries (issue 12): a requester's pending requests, a subject's live
 * grants, the live grants ending by a time, pending requests for privilege patterns and open reviews, paged by
 * position. Each selects exactly its records, pages each exactly once while others are inserted, and agrees with
 * racing writers. Mixed into {@link GrantStoreContract}, so every store that extends it runs these too.
 */
public interface GrantStoreQueryContract {

  /**
   * The store of the current test.
   *
   * @return the store created for this test
   */
  GrantStore storeUnderTest();

  /** The pending requests of one requester: only theirs, only pending, oldest first. */
  @Test
  default void pendingRequestsByThenOnlyThatRequestersPendingOnesOldestFirst() {
    GrantStore store = storeUnderTest();
    RequestRecord later = pendingAt("alice", DB_PROD_WRITE, T0.plusSeconds(2));
    RequestRecord earlier = pendingAt("alice", DB_PROD_WRITE, T0.plusSeconds(1));
    RequestRecord withdrawn = pendingAt("alice", DB_PROD_WRITE, T0);
    store.insert(later);
    store.insert(earlier);
    store.insert(withdrawn);
    store.insert(pendingAt("bob", DB_PROD_WRITE, T0));
    assertThat(store.update(withdrawn, nextVersion(withdrawn, b -> b.status(RequestStatus.WITHDRAWN)))).isTrue();

    assertThat(store.pendingRequestsBy("alice")).extracting(RequestRecord::id)
        .containsExactly(earlier.id(), later.id());
    assertThat(store.pendingRequestsBy("carol")).isEmpty();
  }

  /** Maintenance reads only what is due: live grants ending at or before a time, the end itself included. */
  @Test
  default void liveGrantsEndingByThenLiveGrantsEndingAtOrBeforeThatTimeOnly() {
    GrantStore store = storeUnderTest();
    Issued active = autoApproved("alice");                                // ends at T0 + 1,860 s
    Issued scheduled = scheduled("bob");                                  // ends a day later
    Issued longExpired = expiredLongAgo("carol");                         // stored ACTIVE, ended a year ago
    Issued revoked = autoApproved("dave");
    for (Issued i : List.of(active, scheduled, longExpired, revoked)) {
      store.insert(i.request(), i.grant());
    }
    assertThat(store.update(revoked.grant(), revoke(revoked.grant(), "admin", "done"))).isTrue();
    Instant activeEnd = active.grant().expiresAt();

    assertThat(grantIds(store.liveGrantsEndingBy(activeEnd)))
        .containsExactlyInAnyOrder(active.grant().id(), longExpired.grant().id());
    assertThat(grantIds(store.liveGrantsEndingBy(activeEnd.minusMillis(1)))).containsExactly(longExpired.grant().id());
    assertThat(grantIds(store.liveGrantsEndingBy(T0.plus(Duration.ofDays(2))))).containsExactlyInAnyOrder(
        active.grant().id(), scheduled.grant().id(), longExpired.grant().id());
  }

  /** The live grants of one subject: only theirs, only live (a revoked one left out). */
  @Test
  default void liveGrantsOfThenOnlyThatSubjectsLiveGrants() {
    GrantStore store = storeUnderTest();
    Issued kept = autoApproved("alice");
    Issued revoked = autoApproved("alice");
    Issued other = autoApproved("bob");
    for (Issued i : List.of(kept, revoked, other)) {
      store.insert(i.request(), i.grant());
    }
    assertThat(store.update(revoked.grant(), revoke(revoked.grant(), "admin", "done"))).isTrue();

    assertThat(store.liveGrantsOf("alice")).extracting(Grant::id).containsExactly(kept.grant().id());
    assertThat(store.liveGrantsOf("carol")).isEmpty();
  }

  /**
   * Pending requests for privilege patterns: exact names and everything strictly below a prefix, nothing else (not a
   * sibling with a longer name, not the prefix itself, not a decided request), in creation-then-id order; paging by
   * the last position returns each exactly once.
   */
  @Test
  default void pendingRequestsForPatternsThenMatchingOnesPagedEachExactlyOnce() {
    GrantStore store = storeUnderTest();
    List<Privilege> matching = List.of(Privilege.of("db.prod.read"), Privilege.of("db.prod.write"),
        Privilege.of("db.prod.a.b"), Privilege.of("pay.refund"));
    List<Privilege> other = List.of(Privilege.of("db.prodx.read"), Privilege.of("db.prod"), Privilege.of("pay"),
        Privilege.of("pay.refund.more"), Privilege.of("db.pro"));
    List<RequestRecord> expected = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      Instant at = T0.plusSeconds(i / 3);
      RequestRecord r = pendingAt("user" + i, matching.get(i % matching.size()), at);
      store.insert(r);
      expected.add(r);
      store.insert(pendingAt("user" + i, other.get(i % other.size()), at));
    }
    RequestRecord decided = pendingAt("zed", Privilege.of("pay.refund"), T0);
    store.insert(decided);
    assertThat(store.update(decided, nextVersion(decided, b -> b.status(RequestStatus.WITHDRAWN)))).isTrue();
    expected.sort(java.util.Comparator.comparing(dev.jitguard.spi.RequestPosition::of));
    Set<dev.jitguard.rule.PrivilegePattern> patterns = Set.of(dev.jitguard.rule.PrivilegePattern.of("db.prod.*"),
        dev.jitguard.rule.PrivilegePattern.of("pay.refund"));

    List<RequestRecord> all = store.pendingRequests(patterns, null, 1000);
    List<RequestRecord> paged = new ArrayList<>();
    dev.jitguard.spi.RequestPosition after = null;
    for (int pages = 0; pages < 100; pages++) {
      List<RequestRecord> page = store.pendingRequests(patterns, after, 5);
      assertThat(page.size()).isLessThanOrEqualTo(5);
      if (page.isEmpty()) {
        break;
      }
      paged.addAll(page);
      after = dev.jitguard.spi.RequestPosition.of(page.get(page.size() - 1));
    }

    assertThat(all).extracting(RequestRecord::id).containsExactlyElementsOf(requestIds(expected));
    assertThat(paged).extracting(RequestRecord::id).containsExactlyElementsOf(requestIds(expected));
    assertThat(store.pendingRequests(Set.of(), null, 10)).isEmpty();
  }

  /**
   * Paging while requests keep arriving: every request stored before the first page is returned exactly once, and
   * no request twice.
   */
  @Test
  default void pendingRequestsPagedWhileInsertingThenEveryEarlierRequestExactlyOnce() {
    GrantStore store = storeUnderTest();
    Set<dev.jitguard.rule.PrivilegePattern> patterns = Set.of(dev.jitguard.rule.PrivilegePattern.of("db.prod.*"));
    List<RequestRecord> before = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      RequestRecord r = pendingAt("user" + i, DB_PROD_WRITE, T0.plusSeconds(i % 7));
      store.insert(r);
      before.add(r);
    }
    List<RequestId> seen = new ArrayList<>();
    dev.jitguard.spi.RequestPosition after = null;
    for (int pages = 0; pages < 100; pages++) {
      List<RequestRecord> page = store.pendingRequests(patterns, after, 4);
      if (page.isEmpty()) {
        break;
      }
      page.forEach(r -> seen.add(r.id()));
      after = dev.jitguard.spi.RequestPosition.of(page.get(page.size() - 1));
      store.insert(pendingAt("early" + pages, DB_PROD_WRITE, T0.minusSeconds(1)));
      store.insert(pendingAt("late" + pages, DB_PROD_WRITE, T0.plusSeconds(100 + pages)));
    }

    assertThat(seen).doesNotHaveDuplicates().containsAll(requestIds(before));
  }

  /** Open reviews, paged: only break-glass uses not reviewed yet, in creation order, each once. */
  @Test
  default void openReviewsPagedThenOnlyOpenOnesInOrderEachOnce() {
    GrantStore store = storeUnderTest();
    List<RequestRecord> open = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      RequestRecord r = breakGlassAt("user" + i, T0.plusSeconds(i / 2));
      store.insert(r);
      open.add(r);
    }
    RequestRecord reviewed = breakGlassAt("zed", T0);
    store.insert(reviewed);
    assertThat(store.update(reviewed, nextVersion(reviewed, b -> b.review(T0, "carol", "ok")))).isTrue();
    store.insert(pendingRequest("alice"));
    open.sort(java.util.Comparator.comparing(dev.jitguard.spi.RequestPosition::of));

    List<RequestRecord> first = store.openReviews(null, 3);
    List<RequestRecord> rest = store.openReviews(dev.jitguard.spi.RequestPosition.of(first.get(2)), 100);

    assertThat(first).extracting(RequestRecord::id).containsExactlyElementsOf(requestIds(open.subList(0, 3)));
    assertThat(rest).extracting(RequestRecord::id).containsExactlyElementsOf(requestIds(open.subList(3, 7)));
    assertThat(store.openReviews()).extracting(RequestRecord::id).containsExactlyInAnyOrderElementsOf(requestIds(open));
  }

  /**
   * Writers racing on few privileges (inserting pending requests, withdrawing every other one, issuing and revoking
   * grants) while readers page: every page holds only pending requests, and once quiet every narrow query agrees
   * exactly with what was written.
   *
   * @throws Exception if a thread failed
   */
  @Test
  @Timeout(120)
  default void narrowQueriesWhenWritersRaceThenPagesHoldOnlyMatchesAndQuietStateAgrees() throws Exception {
    GrantStore store = storeUnderTest();
    int perThread = 30;
    List<Privilege> privileges = List.of(Privilege.of("race.a"), Privilege.of("race.b"), Privilege.of("race.c.d"));
    Set<dev.jitguard.rule.PrivilegePattern> patterns = Set.of(dev.jitguard.rule.PrivilegePattern.of("race.*"));
    Set<RequestId> stillPending = ConcurrentHashMap.newKeySet();
    Set<GrantId> stillLive = ConcurrentHashMap.newKeySet();

    Race.run(THREADS, thread -> {
      String subject = "racer" + thread;
      for (int i = 0; i < perThread; i++) {
        if (thread % 2 == 1 && i % 3 == 0) {
          List<RequestRecord> page = store.pendingRequests(patterns, null, 10);
          assertThat(page).allSatisfy(r -> assertThat(r.status()).isEqualTo(RequestStatus.PENDING));
        }
        RequestRecord r = pendingAt(subject, privileges.get(i % privileges.size()), T0.plusMillis(i));
        store.insert(r);
        if (i % 2 == 0) {
          assertThat(store.update(r, nextVersion(r, b -> b.status(RequestStatus.WITHDRAWN)))).isTrue();
        } else {
          stillPending.add(r.id());
        }
        Issued issued = autoApproved(subject);
        store.insert(issued.request(), issued.grant());
        if (i % 2 == 0) {
          assertThat(store.update(issued.grant(), revoke(issued.grant(), "admin", "race"))).isTrue();
        } else {
          stillLive.add(issued.grant().id());
        }
      }
    });

    assertThat(store.pendingRequests(patterns, null, 10_000)).extracting(RequestRecord::id)
        .containsExactlyInAnyOrderElementsOf(stillPending);
    List<RequestId> byRequester = new ArrayList<>();
    List<GrantId> liveOf = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      store.pendingRequestsBy("racer" + t).forEach(r -> byRequester.add(r.id()));
      store.liveGrantsOf("racer" + t).forEach(g -> liveOf.add(g.id()));
    }
    assertThat(byRequester).containsExactlyInAnyOrderElementsOf(stillPending);
    assertThat(liveOf).containsExactlyInAnyOrderElementsOf(stillLive);
  }

  private static List<RequestId> requestIds(List<RequestRecord> records) {
    return records.stream().map(RequestRecord::id).toList();
  }

  private static List<GrantId> grantIds(Collection<Grant> grants) {
    return grants.stream().map(Grant::id).toList();
  }
}
