package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.spi.GrantStore;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link GrantStore}, as tests every implementation inherits (the model is ShedLock's
 * {@code AbstractLockProviderIntegrationTest}). Extend it, implement {@link #createStore()}, and run it with the rest
 * of your tests:
 *
 * <pre>{@code
 * class JdbcGrantStoreContractTest extends GrantStoreContract {
 *   @Override
 *   protected GrantStore createStore() {
 *     return JdbcGrantStore.create(freshlyMigratedDataSource());
 *   }
 * }
 * }</pre>
 *
 * <p>What it proves: inserts and finds for requests and grants; duplicate ids rejected with
 * {@link IllegalStateException}; the paired writes ({@code insert(request, grant)} and
 * {@code update(expected, updated, grant)}) write both records or neither, and no reader ever sees one of the two
 * without the other; every update is a compare-and-set on the version, with the next version and the same id
 * required; lists select the right records and are snapshots; every field of a record survives the store (instants
 * at millisecond precision, optional values empty or present, empty text kept as empty text, amounts of metered
 * grants exactly, scale included, and spent through the compare-and-set); the narrow queries (a requester's pending
 * requests, a subject's live grants, pending requests for privilege patterns and open reviews, paged by position)
 * select exactly their records, page each exactly once while others are inserted, and agree with racing writers; and,
 * with several
 * threads racing, exactly one compare-and-set wins each version step, no update is lost and no insert is lost.
 *
 * <p>The fixtures respect the rule a shared store should enforce, one pending request per subject, privilege and
 * action call (see {@link dev.jitguard.spi.DuplicatePendingRequestException}): every {@link #pendingRequest(String)}
 * asks for its own call of an action (a distinct argument digest), so a subject may have any number of them, as it
 * may in the guard. A store that enforces the rule passes this suite with its unique index in place.
 *
 * <p>Every test gets a new store from {@link #createStore()} and uses fixed instants (from
 * {@link TestClock#DEFAULT_START}) and random ids; none sleeps. The concurrency tests use {@value #THREADS} threads
 * and bounded waits (30 seconds each), so a store that deadlocks fails instead of hanging the build. The fixture
 * helpers ({@link #pendingRequest(String)}, {@link #autoApproved(String)},
 * {@link #nextVersion(RequestRecord, UnaryOperator)}, {@link #assertSameRequest(RequestRecord, RequestRecord)}, ...)
 * are protected so that implementation-specific tests in a subclass can use them.
 */
public abstract class GrantStoreContract implements GrantStoreQueryContract {
  /** How many threads the concurrency tests race. */
  protected static final int THREADS = 8;
  /** The instant the fixtures are built around. */
  protected static final Instant T0 = TestClock.DEFAULT_START;
  /** The privilege of the fixtures. */
  protected static final Privilege DB_PROD_WRITE = Privilege.of("db.prod.write");
  /** The action of the pending fixtures: each {@link #fixtureCall()} is another call of it. */
  protected static final String FIXTURE_ACTION = "fixture.call";
  private static final AtomicLong CALLS = new AtomicLong();

  private GrantStore store;

  /**
   * Creates the store under test. Called once per test; each call must return a new, empty store (a fresh database
   * schema, for example).
   *
   * @return a new, empty store
   */
  protected abstract GrantStore createStore();

  /** Gets a fresh store for the next test. */
  @BeforeEach
  public final void createFreshStore() {
    store = Objects.requireNonNull(createStore(), "createStore() returned null");
  }

  /**
   * The store of the current test.
   *
   * @return the store created for this test
   */
  protected final GrantStore store() {
    return store;
  }

  @Override
  public GrantStore storeUnderTest() {
    return store;
  }

  // ---------------------------------------------------------------------------------------------- insert and find

  /** A stored request is found by its id, and unknown ids find nothing. */
  @Test
  public void insertRequestThenFoundById() {
    RequestRecord request = pendingRequest("alice");

    store.insert(request);

    assertThat(store.findRequest(request.id())).hasValueSatisfying(found -> assertSameRequest(found, request));
    assertThat(store.findRequest(RequestId.random())).isEmpty();
  }

  /** A request and the grant it produced, inserted together, are both found. */
  @Test
  public void insertRequestWithGrantThenBothFound() {
    Issued issued = autoApproved("alice");

    store.insert(issued.request(), issued.grant());

    assertThat(store.findRequest(issued.request().id()))
        .hasValueSatisfying(found -> assertSameRequest(found, issued.request()));
    assertThat(store.findGrant(issued.grant().id()))
        .hasValueSatisfying(found -> assertSameGrant(found, issued.grant()));
    assertThat(store.findGrant(GrantId.random())).isEmpty();
  }

  /** A second insert with an id already stored throws {@link IllegalStateException} and keeps the first record. */
  @Test
  public void insertRequestWhenIdExistsThenIllegalStateAndFirstKept() {
    RequestRecord first = pendingRequest("alice");
    store.insert(first);
    RequestRecord sameId = RequestRecord.builder(first.id(), elevation("mallory", "other justification"))
        .createdAt(T0).expiresAt(T0.plus(Duration.ofHours(1))).approvalsRequired(1).build();

    assertThatThrownBy(() -> store.insert(sameId)).isInstanceOf(IllegalStateException.class);

    assertThat(store.findRequest(first.id())).hasValueSatisfying(found -> assertSameRequest(found, first));
    assertThat(store.requestsBy("mallory")).isEmpty();
  }

  /**
   * Inserting a request with a grant whose id is already stored throws {@link IllegalStateException} and writes
   * nothing: the request is not stored and the existing grant is unchanged.
   */
  @Test
  public void insertRequestWithGrantWhenGrantIdExistsThenIllegalStateAndNothingWritten() {
    Issued existing = autoApproved("alice");
    store.insert(existing.request(), existing.grant());
    RequestRecord other = approvedRequest(RequestId.random(), "bob", existing.grant().id());
    Grant clash = grantFor(other, existing.grant().id());

    assertThatThrownBy(() -> store.insert(other, clash)).isInstanceOf(IllegalStateException.class);

    assertThat(store.findRequest(other.id())).isEmpty();
    assertThat(store.requestsBy("bob")).isEmpty();
    assertThat(store.findGrant(existing.grant().id()))
        .hasValueSatisfying(found -> assertSameGrant(found, existing.grant()));
  }

  /**
   * Inserting a request whose id is already stored together with a new grant throws {@link IllegalStateException}
   * and writes nothing: the new grant is not stored and the existing request is unchanged.
   */
  @Test
  public void insertRequestWithGrantWhenRequestIdExistsThenIllegalStateAndNothingWritten() {
    RequestRecord existing = pendingRequest("alice");
    store.insert(existing);
    GrantId newGrantId = GrantId.random();
    RequestRecord sameId = approvedRequest(existing.id(), "alice", newGrantId);
    Grant grant = grantFor(sameId, newGrantId);

    assertThatThrownBy(() -> store.insert(sameId, grant)).isInstanceOf(IllegalStateException.class);

    assertThat(store.findGrant(newGrantId)).isEmpty();
    assertThat(store.grantsOf("alice")).isEmpty();
    assertThat(store.findRequest(existing.id())).hasValueSatisfying(found -> assertSameRequest(found, existing));
  }

  // ------------------------------------------------------------------------------------- compare-and-set: requests

  /** An update from the stored version to the next one returns true, and the next version is what is found. */
  @Test
  public void updateRequestWhenVersionMatchesThenReplaced() {
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    RequestRecord v1 = nextVersion(v0, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(T0.plusSeconds(60), "alice", ReasonCode.WITHDRAWN, null));

    assertThat(store.update(v0, v1)).isTrue();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v1));
  }

  /**
   * An update from a version that is no longer stored (someone else won) returns false and changes nothing: the
   * winner's version stays.
   */
  @Test
  public void updateRequestWhenExpectedIsStaleThenFalseAndWinnerKept() {
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    RequestRecord winner = nextVersion(v0, b -> b.status(RequestStatus.DENIED)
        .decision(T0.plusSeconds(60), "bob", ReasonCode.DENIED_BY_APPROVER, "no"));
    RequestRecord loser = nextVersion(v0, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(T0.plusSeconds(61), "alice", ReasonCode.WITHDRAWN, null));
    assertThat(store.update(v0, winner)).isTrue();

    assertThat(store.update(v0, loser)).isFalse();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, winner));
  }

  /** An update whose new version is not exactly the expected version plus one is rejected and changes nothing. */
  @Test
  public void updateRequestWhenUpdatedVersionIsNotNextThenIllegalArgumentAndUnchanged() {
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    RequestRecord skipping = v0.toBuilder().status(RequestStatus.WITHDRAWN).version(2).build();
    RequestRecord sameVersion = v0.toBuilder().status(RequestStatus.WITHDRAWN).build();
    RequestRecord backwards = v0.toBuilder().status(RequestStatus.WITHDRAWN).version(-1).build();

    assertThatThrownBy(() -> store.update(v0, skipping)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.update(v0, sameVersion)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.update(v0, backwards)).isInstanceOf(IllegalArgumentException.class);

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v0));
  }

  /** An update whose new record has another id is rejected and changes neither record. */
  @Test
  public void updateRequestWhenUpdatedHasOtherIdThenIllegalArgumentAndUnchanged() {
    RequestRecord v0 = pendingRequest("alice");
    RequestRecord other = pendingRequest("bob");
    store.insert(v0);
    store.insert(other);
    RequestRecord otherNext = nextVersion(other, b -> b.status(RequestStatus.WITHDRAWN));

    assertThatThrownBy(() -> store.update(v0, otherNext)).isInstanceOf(IllegalArgumentException.class);

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v0));
    assertThat(store.findRequest(other.id())).hasValueSatisfying(found -> assertSameRequest(found, other));
  }

  /** An update of a request that was never stored returns false and stores nothing. */
  @Test
  public void updateRequestWhenMissingThenFalseAndNothingStored() {
    RequestRecord v0 = pendingRequest("alice");
    RequestRecord v1 = nextVersion(v0, b -> b.status(RequestStatus.WITHDRAWN));

    assertThat(store.update(v0, v1)).isFalse();

    assertThat(store.findRequest(v0.id())).isEmpty();
    assertThat(store.requestsBy("alice")).isEmpty();
  }

  /** The approval that completes a request writes the next version of the request and the grant, together. */
  @Test
  public void updateRequestWithGrantWhenVersionMatchesThenBothWritten() {
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    GrantId grantId = GrantId.random();
    RequestRecord v1 = approve(v0, "bob", grantId);
    Grant grant = grantFor(v1, grantId);

    assertThat(store.update(v0, v1, grant)).isTrue();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v1));
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> assertSameGrant(found, grant));
    assertThat(ids(store.grantsFrom(v0.id()))).containsExactly(grantId);
  }

  /** An approval from a stale version returns false and writes neither the request nor the grant. */
  @Test
  public void updateRequestWithGrantWhenExpectedIsStaleThenFalseAndNeitherWritten() {
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    RequestRecord withdrawn = nextVersion(v0, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(T0.plusSeconds(30), "alice", ReasonCode.WITHDRAWN, null));
    assertThat(store.update(v0, withdrawn)).isTrue();
    GrantId grantId = GrantId.random();
    RequestRecord approved = approve(v0, "bob", grantId);

    assertThat(store.update(v0, approved, grantFor(approved, grantId))).isFalse();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, withdrawn));
    assertThat(store.findGrant(grantId)).isEmpty();
    assertThat(store.grantsFrom(v0.id())).isEmpty();
    assertThat(store.liveGrants()).isEmpty();
  }

  /** An approval of a request that was never stored returns false and stores no grant. */
  @Test
  public void updateRequestWithGrantWhenRequestMissingThenFalseAndNothingStored() {
    RequestRecord v0 = pendingRequest("alice");
    GrantId grantId = GrantId.random();
    RequestRecord v1 = approve(v0, "bob", grantId);

    assertThat(store.update(v0, v1, grantFor(v1, grantId))).isFalse();

    assertThat(store.findRequest(v0.id())).isEmpty();
    assertThat(store.findGrant(grantId)).isEmpty();
    assertThat(store.grantsOf("alice")).isEmpty();
  }

  /**
   * An approval whose grant id is already taken writes nothing: the store either throws or returns false, and in
   * both cases the request keeps its version and the existing grant is untouched.
   */
  @Test
  public void updateRequestWithGrantWhenGrantIdExistsThenNothingWritten() {
    Issued existing = autoApproved("bob");
    store.insert(existing.request(), existing.grant());
    RequestRecord v0 = pendingRequest("alice");
    store.insert(v0);
    RequestRecord v1 = approve(v0, "carol", existing.grant().id());
    Grant clash = grantFor(v1, existing.grant().id());

    boolean written;
    try {
      written = store.update(v0, v1, clash);
    } catch (RuntimeException expected) {
      written = false;
    }

    assertThat(written).as("update reported success although the grant id was taken").isFalse();
    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v0));
    assertThat(store.findGrant(existing.grant().id()))
        .hasValueSatisfying(found -> assertSameGrant(found, existing.grant()));
    assertThat(store.grantsOf("alice")).isEmpty();
  }

  // --------------------------------------------------------------------------------------- compare-and-set: grants

  /** A grant update from the stored version to the next one returns true, and the next version is found. */
  @Test
  public void updateGrantWhenVersionMatchesThenReplaced() {
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());
    Grant revoked = revoke(issued.grant(), "bob", "done");

    assertThat(store.update(issued.grant(), revoked)).isTrue();

    assertThat(store.findGrant(issued.grant().id())).hasValueSatisfying(found -> assertSameGrant(found, revoked));
  }

  /** A grant update from a stale version returns false and keeps the winner's version (revoke racing use). */
  @Test
  public void updateGrantWhenExpectedIsStaleThenFalseAndWinnerKept() {
    Issued issued = autoApprovedWithUses("alice", 3);
    store.insert(issued.request(), issued.grant());
    Grant v0 = issued.grant();
    Grant used = nextVersion(v0, b -> b.uses(3, 2));
    Grant revoked = revoke(v0, "bob", "rotation");
    assertThat(store.update(v0, revoked)).isTrue();

    assertThat(store.update(v0, used)).isFalse();

    assertThat(store.findGrant(v0.id())).hasValueSatisfying(found -> assertSameGrant(found, revoked));
  }

  /** A grant update whose new version is not the expected version plus one is rejected and changes nothing. */
  @Test
  public void updateGrantWhenUpdatedVersionIsNotNextThenIllegalArgumentAndUnchanged() {
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());
    Grant v0 = issued.grant();
    Grant skipping = v0.toBuilder().status(GrantStatus.REVOKED).version(2).build();
    Grant sameVersion = v0.toBuilder().status(GrantStatus.REVOKED).build();

    assertThatThrownBy(() -> store.update(v0, skipping)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.update(v0, sameVersion)).isInstanceOf(IllegalArgumentException.class);

    assertThat(store.findGrant(v0.id())).hasValueSatisfying(found -> assertSameGrant(found, v0));
  }

  /** A grant update whose new grant has another id is rejected and changes neither grant. */
  @Test
  public void updateGrantWhenUpdatedHasOtherIdThenIllegalArgumentAndUnchanged() {
    Issued first = autoApproved("alice");
    Issued second = autoApproved("bob");
    store.insert(first.request(), first.grant());
    store.insert(second.request(), second.grant());
    Grant secondRevoked = revoke(second.grant(), "carol", "");

    assertThatThrownBy(() -> store.update(first.grant(), secondRevoked)).isInstanceOf(IllegalArgumentException.class);

    assertThat(store.findGrant(first.grant().id())).hasValueSatisfying(found -> assertSameGrant(found, first.grant()));
    assertThat(store.findGrant(second.grant().id()))
        .hasValueSatisfying(found -> assertSameGrant(found, second.grant()));
  }

  /** An update of a grant that was never stored returns false and stores nothing. */
  @Test
  public void updateGrantWhenMissingThenFalseAndNothingStored() {
    Issued issued = autoApproved("alice");
    Grant revoked = revoke(issued.grant(), "bob", "done");

    assertThat(store.update(issued.grant(), revoked)).isFalse();

    assertThat(store.findGrant(issued.grant().id())).isEmpty();
    assertThat(store.grantsOf("alice")).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------------ lists

  /** {@code pendingRequests} lists exactly the requests whose stored status is PENDING, and follows transitions. */
  @Test
  public void pendingRequestsThenOnlyPendingOnes() {
    RequestRecord alicePending = pendingRequest("alice");
    RequestRecord bobPending = pendingRequest("bob");
    RequestRecord carolPending = pendingRequest("carol");
    store.insert(alicePending);
    store.insert(bobPending);
    store.insert(carolPending);
    Issued approved = autoApproved("alice");
    store.insert(approved.request(), approved.grant());
    store.update(carolPending, nextVersion(carolPending, b -> b.status(RequestStatus.EXPIRED)
        .decision(T0.plus(Duration.ofHours(1)), "system", ReasonCode.REQUEST_EXPIRED, null)));

    assertThat(requestIds(store.pendingRequests())).containsExactlyInAnyOrder(alicePending.id(), bobPending.id());

    store.update(alicePending, nextVersion(alicePending, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(T0.plusSeconds(5), "alice", ReasonCode.WITHDRAWN, null)));

    assertThat(requestIds(store.pendingRequests())).containsExactly(bobPending.id());
  }

  /** A request that is pending but past its deadline is still listed as pending until someone expires it. */
  @Test
  public void pendingRequestsWhenPastDeadlineThenStillListed() {
    RequestRecord overdue = RequestRecord.builder(RequestId.random(), elevation("alice", "INC-1: overdue"))
        .createdAt(T0.minus(Duration.ofDays(30))).expiresAt(T0.minus(Duration.ofDays(29)))
        .approvalsRequired(1).policyVersion("v1").build();
    store.insert(overdue);

    assertThat(requestIds(store.pendingRequests())).containsExactly(overdue.id());
  }

  /** {@code requestsBy} lists every request of that requester in any status, and nobody else's. */
  @Test
  public void requestsByThenEveryStatusOfThatRequesterOnly() {
    RequestRecord pending = pendingRequest("alice");
    RequestRecord denied = pendingRequest("alice");
    store.insert(pending);
    store.insert(denied);
    store.update(denied, nextVersion(denied, b -> b.status(RequestStatus.DENIED)
        .decision(T0.plusSeconds(60), "bob", ReasonCode.DENIED_BY_APPROVER, "not now")));
    Issued approved = autoApproved("alice");
    store.insert(approved.request(), approved.grant());
    RequestRecord bobs = pendingRequest("bob");
    store.insert(bobs);

    assertThat(requestIds(store.requestsBy("alice")))
        .containsExactlyInAnyOrder(pending.id(), denied.id(), approved.request().id());
    assertThat(requestIds(store.requestsBy("bob"))).containsExactly(bobs.id());
    assertThat(store.requestsBy("nobody")).isEmpty();
    assertThat(store.requestsBy("alice")).allSatisfy(r -> assertThat(r.requesterId()).isEqualTo("alice"));
  }

  /** {@code grantsOf} lists every grant the subject holds in any status, and nobody else's. */
  @Test
  public void grantsOfThenEveryStatusOfThatSubjectOnly() {
    Issued active = autoApproved("alice");
    Issued revoked = autoApproved("alice");
    Issued scheduled = scheduled("alice");
    Issued bobs = autoApproved("bob");
    for (Issued i : List.of(active, revoked, scheduled, bobs)) {
      store.insert(i.request(), i.grant());
    }
    store.update(revoked.grant(), revoke(revoked.grant(), "carol", "rotation"));

    assertThat(ids(store.grantsOf("alice")))
        .containsExactlyInAnyOrder(active.grant().id(), revoked.grant().id(), scheduled.grant().id());
    assertThat(ids(store.grantsOf("bob"))).containsExactly(bobs.grant().id());
    assertThat(store.grantsOf("nobody")).isEmpty();
  }

  /** {@code grantsFrom} lists the grants a request produced, whichever path wrote them, and no others. */
  @Test
  public void grantsFromThenOnlyThatRequestsGrants() {
    Issued autoApproved = autoApproved("alice");
    store.insert(autoApproved.request(), autoApproved.grant());
    RequestRecord pending = pendingRequest("alice");
    store.insert(pending);
    GrantId approvedGrantId = GrantId.random();
    RequestRecord approved = approve(pending, "bob", approvedGrantId);
    assertThat(store.update(pending, approved, grantFor(approved, approvedGrantId))).isTrue();
    RequestRecord withoutGrant = pendingRequest("alice");
    store.insert(withoutGrant);

    assertThat(ids(store.grantsFrom(autoApproved.request().id()))).containsExactly(autoApproved.grant().id());
    assertThat(ids(store.grantsFrom(pending.id()))).containsExactly(approvedGrantId);
    assertThat(store.grantsFrom(withoutGrant.id())).isEmpty();
    assertThat(store.grantsFrom(RequestId.random())).isEmpty();
  }

  /**
   * {@code liveGrants} lists the grants whose stored status is ACTIVE or SCHEDULED, whatever their validity window:
   * a stored ACTIVE grant past its expiry is live until the guard expires it; REVOKED, CONSUMED and EXPIRED are not.
   */
  @Test
  public void liveGrantsThenStoredActiveAndScheduledOnly() {
    Issued active = autoApproved("alice");
    Issued scheduled = scheduled("bob");
    Issued longExpired = expiredLongAgo("carol");
    Issued revoked = autoApproved("dave");
    Issued consumed = autoApprovedWithUses("erin", 1);
    Issued expired = autoApproved("frank");
    for (Issued i : List.of(active, scheduled, longExpired, revoked, consumed, expired)) {
      store.insert(i.request(), i.grant());
    }
    store.update(revoked.grant(), revoke(revoked.grant(), "zoe", "left the team"));
    store.update(consumed.grant(), nextVersion(consumed.grant(), b -> b.status(GrantStatus.CONSUMED).uses(1, 0)
        .ended(T0.plusSeconds(10), "erin", null)));
    store.update(expired.grant(), nextVersion(expired.grant(), b -> b.status(GrantStatus.EXPIRED)));

    assertThat(ids(store.liveGrants()))
        .containsExactlyInAnyOrder(active.grant().id(), scheduled.grant().id(), longExpired.grant().id());
  }

  /**
   * Lists are snapshots, not live views: inserts and updates made after a list was returned do not change it, and
   * the records in it stay the versions that were read.
   */
  @Test
  public void listsWhenStoreChangesAfterwardsThenReturnedListsUnchanged() {
    RequestRecord pending = pendingRequest("alice");
    store.insert(pending);
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());

    List<RequestRecord> pendingBefore = store.pendingRequests();
    List<RequestRecord> byAliceBefore = store.requestsBy("alice");
    List<Grant> ofAliceBefore = store.grantsOf("alice");
    List<Grant> fromBefore = store.grantsFrom(issued.request().id());
    List<Grant> liveBefore = store.liveGrants();

    store.update(pending, nextVersion(pending, b -> b.status(RequestStatus.WITHDRAWN)
        .decision(T0.plusSeconds(5), "alice", ReasonCode.WITHDRAWN, null)));
    store.update(issued.grant(), revoke(issued.grant(), "bob", "done"));
    store.insert(pendingRequest("alice"));
    Issued later = autoApproved("alice");
    store.insert(later.request(), later.grant());

    assertThat(pendingBefore).singleElement().satisfies(r -> assertSameRequest(r, pending));
    assertThat(requestIds(byAliceBefore)).containsExactlyInAnyOrder(pending.id(), issued.request().id());
    assertThat(byAliceBefore).allSatisfy(r -> assertThat(r.version()).isZero());
    assertThat(ofAliceBefore).singleElement().satisfies(g -> assertSameGrant(g, issued.grant()));
    assertThat(fromBefore).singleElement().satisfies(g -> assertSameGrant(g, issued.grant()));
    assertThat(liveBefore).singleElement().satisfies(g -> assertSameGrant(g, issued.grant()));
  }

  /**
   * Lists are safe to iterate while the store changes, and changing a returned list (if it is modifiable at all)
   * does not change the store.
   */
  @Test
  public void listsWhenIteratedWhileStoreChangesThenNoFailureAndStoreNotAffectedByListChanges() {
    for (int i = 0; i < 5; i++) {
      store.insert(pendingRequest("alice"));
      Issued issued = autoApproved("alice");
      store.insert(issued.request(), issued.grant());
    }

    int seen = 0;
    for (RequestRecord r : store.pendingRequests()) {
      store.update(r, nextVersion(r, b -> b.status(RequestStatus.WITHDRAWN)
          .decision(T0.plusSeconds(1), "alice", ReasonCode.WITHDRAWN, null)));
      store.insert(pendingRequest("alice"));
      seen++;
    }
    for (Grant g : store.liveGrants()) {
      store.update(g, revoke(g, "bob", ""));
      Issued more = autoApproved("alice");
      store.insert(more.request(), more.grant());
      seen++;
    }
    assertThat(seen).isEqualTo(10);

    clearIfModifiable(store.pendingRequests());
    clearIfModifiable(store.requestsBy("alice"));
    clearIfModifiable(store.grantsOf("alice"));
    clearIfModifiable(store.liveGrants());
    assertThat(store.pendingRequests()).hasSize(5);
    assertThat(store.requestsBy("alice")).hasSize(20);
    assertThat(store.grantsOf("alice")).hasSize(10);
    assertThat(store.liveGrants()).hasSize(5);
  }

  // ------------------------------------------------------------------------------------------------ round trip

  /**
   * Every field of a request survives the store, the first version and the next: the whole elevation request
   * (subject with groups and attributes, justification with line breaks, ticket, duration, start, uses), approvals,
   * approver groups, the decision, the grant id, the policy version and the version, with instants kept to the
   * millisecond.
   */
  @Test
  public void roundTripRequestWithEveryFieldThenEveryAccessorEqual() {
    RequestId id = RequestId.random();
    GrantId grantId = GrantId.random();
    RequestRecord v0 = RequestRecord.builder(id, fullElevation())
        .status(RequestStatus.PENDING)
        .createdAt(T0.plusMillis(123))
        .expiresAt(T0.plus(Duration.ofHours(4)).plusMillis(987))
        .approvalsRequired(2)
        .approverGroups(Set.of("sre", "dba"))
        .approvals(List.of(new Approval("bob", T0.plusSeconds(90).plusMillis(7), "ok \"from bob\"\nline 2")))
        .policyVersion("2026-01-01.3")
        .build();
    store.insert(v0);
    assertThat(store.findRequest(id)).hasValueSatisfying(found -> assertSameRequest(found, v0));

    RequestRecord v1 = nextVersion(v0, b -> b
        .status(RequestStatus.APPROVED)
        .approvals(List.of(v0.approvals().get(0), new Approval("carol", T0.plusSeconds(120).plusMillis(1), "")))
        .decision(T0.plusSeconds(120).plusMillis(1), "carol", ReasonCode.APPROVED, "second approval: \u00e7a va")
        .grantId(grantId));
    Grant grant = grantFor(v1, grantId);
    assertThat(store.update(v0, v1, grant)).isTrue();

    assertThat(store.findRequest(id)).hasValueSatisfying(found -> assertSameRequest(found, v1));
    assertThat(store.requestsBy("alice")).singleElement().satisfies(found -> assertSameRequest(found, v1));
  }

  /**
   * A request with only the required fields comes back with the optional ones still absent (no ticket, duration,
   * start, uses, decision or grant id), an empty justification and policy version still empty text, and no
   * approvals or approver groups.
   */
  @Test
  public void roundTripRequestWithOnlyRequiredFieldsThenOptionalsStayEmpty() {
    RequestRecord minimal = RequestRecord.builder(RequestId.random(),
            ElevationRequest.builder(Subject.of("alice"), DB_PROD_WRITE).build())
        .createdAt(T0)
        .expiresAt(T0.plusSeconds(1))
        .build();
    store.insert(minimal);

    assertThat(store.findRequest(minimal.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, minimal);
      assertThat(found.request().justification()).isEmpty();
      assertThat(found.request().ticket()).isEmpty();
      assertThat(found.request().duration()).isEmpty();
      assertThat(found.request().startAt()).isEmpty();
      assertThat(found.request().uses()).isEmpty();
      assertThat(found.decidedAt()).isEmpty();
      assertThat(found.decisionComment()).isEmpty();
      assertThat(found.grantId()).isEmpty();
      assertThat(found.policyVersion()).isEmpty();
    });
  }

  /**
   * A decision without a comment comes back without one, and a decision with an empty comment comes back with an
   * empty comment: absent and empty are different facts.
   */
  @Test
  public void roundTripDecisionCommentWhenAbsentOrEmptyThenKeptDistinct() {
    RequestRecord a = pendingRequest("alice");
    RequestRecord b = pendingRequest("alice");
    store.insert(a);
    store.insert(b);
    RequestRecord noComment = nextVersion(a, x -> x.status(RequestStatus.DENIED)
        .decision(T0.plusSeconds(3), "bob", ReasonCode.DENIED_BY_APPROVER, null));
    RequestRecord emptyComment = nextVersion(b, x -> x.status(RequestStatus.DENIED)
        .decision(T0.plusSeconds(3), "bob", ReasonCode.DENIED_BY_APPROVER, ""));
    assertThat(store.update(a, noComment)).isTrue();
    assertThat(store.update(b, emptyComment)).isTrue();

    assertThat(store.findRequest(a.id()).orElseThrow().decisionComment()).isEmpty();
    assertThat(store.findRequest(b.id()).orElseThrow().decisionComment()).contains("");
  }

  /**
   * Every field of a grant survives the store, the first version and the next: ids, subject, privilege, status,
   * the four instants to the millisecond, the budget of uses and what is left of it, approvers, how it ended (at,
   * by, reason with line breaks), the policy version and the version.
   */
  @Test
  public void roundTripGrantWithEveryFieldThenEveryAccessorEqual() {
    RequestRecord request = pendingRequest("alice");
    store.insert(request);
    GrantId grantId = GrantId.random();
    RequestRecord approved = approve(request, "bob", grantId);
    Grant v0 = Grant.builder(grantId, request.id())
        .subjectId("alice")
        .privilege(DB_PROD_WRITE)
        .status(GrantStatus.SCHEDULED)
        .issuedAt(T0.plusSeconds(120).plusMillis(1))
        .validity(T0.plusSeconds(600).plusMillis(250), T0.plusSeconds(2400).plusMillis(250),
            T0.plusSeconds(4200).plusMillis(250))
        .uses(5, 5)
        .approvers(List.of("bob", "carol"))
        .policyVersion("2026-01-01.3")
        .build();
    assertThat(store.update(request, approved, v0)).isTrue();
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> assertSameGrant(found, v0));

    Grant v1 = nextVersion(v0, b -> b.status(GrantStatus.ACTIVE).uses(5, 3));
    assertThat(store.update(v0, v1)).isTrue();
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> assertSameGrant(found, v1));

    Grant v2 = nextVersion(v1, b -> b.status(GrantStatus.REVOKED)
        .ended(T0.plusSeconds(1800).plusMillis(999), "dave", "rotation \"done\"\nsee INC-42"));
    assertThat(store.update(v1, v2)).isTrue();
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> assertSameGrant(found, v2));
    assertThat(store.grantsOf("alice")).singleElement().satisfies(found -> assertSameGrant(found, v2));
  }

  /**
   * A time-bound grant with no approvers and no end comes back with no budget, no approvers and no end; a grant
   * revoked with an empty reason comes back with an empty reason, not an absent one.
   */
  @Test
  public void roundTripGrantWithOnlyRequiredFieldsThenOptionalsStayEmpty() {
    Issued issued = autoApproved("alice");
    store.insert(issued.request(), issued.grant());

    assertThat(store.findGrant(issued.grant().id())).hasValueSatisfying(found -> {
      assertSameGrant(found, issued.grant());
      assertThat(found.usesGranted()).isEmpty();
      assertThat(found.usesLeft()).isEmpty();
      assertThat(found.approvers()).isEmpty();
      assertThat(found.endedAt()).isEmpty();
      assertThat(found.endedBy()).isEmpty();
      assertThat(found.endReason()).isEmpty();
    });

    Grant revoked = revoke(issued.grant(), "bob", "");
    assertThat(store.update(issued.grant(), revoked)).isTrue();
    assertThat(store.findGrant(issued.grant().id()).orElseThrow().endReason()).contains("");
  }

  /**
   * An action-bound request and the action grant it produced survive the store with every field: the action name
   * (with dots, spaces and non-ASCII), the argument digest and the preview (line breaks, quotes, bidi controls) of
   * the request, and the action name and digest of the grant, through its first version, a use that consumes it and
   * the lists that return it.
   */
  @Test
  public void roundTripActionBoundRequestAndGrantThenActionFieldsKept() {
    ActionBinding action = ActionBinding.of("CustomerService.erase customer \u00e9", CanonicalArguments.standard(),
            List.of(42L, "jane@example.com", UUID.fromString("8d0f3f4e-0c55-4a6e-9d7f-3f3a1d2b4c5e")))
        .withPreview("Erase customer 42 (\"Jane Doe\")\n3 open orders \u202E, refund \u20ac12.50");
    ElevationRequest ask = ElevationRequest.builder(Subject.of("alice", "support"), DB_PROD_WRITE)
        .justification("PRIV-7: GDPR erasure")
        .uses(2)
        .action(action)
        .build();
    RequestRecord v0 = RequestRecord.builder(RequestId.random(), ask)
        .createdAt(T0.plusMillis(5))
        .expiresAt(T0.plus(Duration.ofHours(1)))
        .approvalsRequired(1)
        .approverGroups(Set.of("privacy"))
        .policyVersion("v1")
        .build();
    store.insert(v0);
    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, v0);
      assertThat(found.request().action()).contains(action);
    });

    GrantId grantId = GrantId.random();
    RequestRecord v1 = approve(v0, "pat", grantId);
    Grant grant = grantFor(v1, grantId).toBuilder().action(action.action(), action.argumentDigest()).uses(2, 2)
        .build();
    assertThat(store.update(v0, v1, grant)).isTrue();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> assertSameRequest(found, v1));
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> {
      assertSameGrant(found, grant);
      assertThat(found.isActionBound()).isTrue();
      assertThat(found.action()).contains(action.action());
      assertThat(found.argumentDigest()).contains(action.argumentDigest());
    });
    assertThat(store.liveGrants("alice", DB_PROD_WRITE)).singleElement()
        .satisfies(found -> assertSameGrant(found, grant));

    Grant used = nextVersion(grant, b -> b.uses(2, 1));
    assertThat(store.update(grant, used)).isTrue();
    Grant consumed = nextVersion(used, b -> b.uses(2, 0).status(GrantStatus.CONSUMED)
        .ended(T0.plusSeconds(90), "alice", null));
    assertThat(store.update(used, consumed)).isTrue();

    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> assertSameGrant(found, consumed));
    assertThat(store.grantsFrom(v0.id())).singleElement().satisfies(found -> assertSameGrant(found, consumed));
    assertThat(store.requestsBy("alice")).singleElement().satisfies(found -> assertSameRequest(found, v1));
    assertThat(store.liveGrants()).isEmpty();
  }

  /**
   * Approvals and denials keep the channel context each decision came with (channel and authentication), next to
   * approvals without one, and with a duration limit on the same approval; through the first and the next version.
   */
  @Test
  public void roundTripApprovalsWithChannelContextThenContextKept() {
    Approval viaSlack = new Approval("bob", T0.plusMillis(11), "ok from chat", Set.of("dba"),
        Duration.ofMinutes(10), ApprovalContext.of("slack", "sso-mfa"));
    Approval inProcess = new Approval("carol", T0.plusMillis(12), "", Set.of("dba", "sre"), null);
    Approval deniedViaWebhook = new Approval("dave", T0.plusMillis(13), "not now", Set.of("sre"), null,
        ApprovalContext.of("webhook"));
    RequestRecord v0 = RequestRecord.builder(RequestId.random(), fixtureElevation("alice"))
        .createdAt(T0)
        .expiresAt(T0.plus(Duration.ofHours(1)))
        .approvalsRequired(3)
        .approverGroups(Set.of("dba", "sre"))
        .approvals(List.of(viaSlack, inProcess))
        .denials(List.of(deniedViaWebhook))
        .policyVersion("v1")
        .build();
    store.insert(v0);

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, v0);
      assertThat(found.approvals().get(0).context()).contains(ApprovalContext.of("slack", "sso-mfa"));
      assertThat(found.approvals().get(1).context()).isEmpty();
      assertThat(found.denials()).singleElement().satisfies(d -> assertThat(d.context())
          .contains(new ApprovalContext("webhook", ApprovalContext.UNSPECIFIED)));
    });

    Approval viaTicket = new Approval("erin", T0.plusSeconds(60), "approved in CHG-9", Set.of("dba"), null,
        ApprovalContext.of("ticketing.jira", "sso"));
    GrantId grantId = GrantId.random();
    RequestRecord v1 = nextVersion(v0, b -> b.status(RequestStatus.APPROVED)
        .approvals(append(v0.approvals(), viaTicket))
        .decision(T0.plusSeconds(60), "erin", ReasonCode.APPROVED, "approved in CHG-9")
        .grantId(grantId));
    assertThat(store.update(v0, v1, grantFor(v1, grantId))).isTrue();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, v1);
      assertThat(found.approvals()).extracting(Approval::channelContext).containsExactly(
          ApprovalContext.of("slack", "sso-mfa"), null, ApprovalContext.of("ticketing.jira", "sso"));
    });
  }

  /**
   * Each action call needs its own approval, so a subject may have several pending requests for one privilege at
   * once: for different calls of one action (other arguments), for another action with the same arguments, and a
   * time-bound request besides. A store that keeps one pending request per subject and privilege must count the
   * action call in, as the guard does: all of them are stored and listed.
   */
  @Test
  public void pendingRequestsForDifferentActionCallsOfSamePrivilegeThenAllStored() {
    ActionBinding erase42 = ActionBinding.of("customers.erase", 42L);
    ActionBinding erase43 = ActionBinding.of("customers.erase", 43L);
    ActionBinding export42 = ActionBinding.of("customers.export", 42L);
    RequestRecord first = pendingRequestFor(callElevation("alice", "PRIV-7: erase 42", erase42));
    RequestRecord second = pendingRequestFor(callElevation("alice", "PRIV-8: erase 43", erase43));
    RequestRecord otherAction = pendingRequestFor(callElevation("alice", "PRIV-9: export 42", export42));
    RequestRecord timeBound = pendingRequestFor(elevation("alice", "INC-7: fix a stuck migration"));

    store.insert(first);
    store.insert(second);
    store.insert(otherAction);
    store.insert(timeBound);

    assertThat(requestIds(store.pendingRequests()))
        .containsExactlyInAnyOrder(first.id(), second.id(), otherAction.id(), timeBound.id());
    assertThat(store.requestsBy("alice")).hasSize(4);
    assertThat(store.findRequest(second.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, second);
      assertThat(found.request().action()).contains(erase43);
    });
    assertThat(store.findRequest(timeBound.id())).hasValueSatisfying(found -> assertThat(found.request().action())
        .isEmpty());
  }

  /**
   * A request for a metered grant and the metered grant it produced keep their amounts exactly, scale included
   * ({@code 250.00} comes back as {@code 250.00}, equal by {@link BigDecimal#equals}, not only by
   * {@code compareTo}), through the request's insert and update, the paired write and the lists; nothing spent is
   * zero. A request without an amount limit and an unmetered grant come back with no amounts.
   */
  @Test
  public void roundTripMeteredGrantAndAmountLimitedRequestThenAmountsExactIncludingScale() {
    BigDecimal limit = new BigDecimal("250.00");
    ElevationRequest ask = ElevationRequest.builder(Subject.of("alice", "dev"), DB_PROD_WRITE)
        .justification("FIN-7: refunds for the outage")
        .duration(Duration.ofMinutes(30))
        .amountLimit(limit)
        .build();
    RequestRecord v0 = pendingRequestFor(ask);
    store.insert(v0);
    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, v0);
      assertThat(found.request().amountLimit()).hasValueSatisfying(a -> {
        assertThat(a).isEqualTo(limit);
        assertThat(a.toPlainString()).isEqualTo("250.00");
      });
    });

    GrantId grantId = GrantId.random();
    RequestRecord v1 = approve(v0, "bob", grantId);
    Grant metered = grantFor(v1, grantId).toBuilder().amount(limit, BigDecimal.ZERO).build();
    assertThat(store.update(v0, v1, metered)).isTrue();

    assertThat(store.findRequest(v0.id())).hasValueSatisfying(found -> {
      assertSameRequest(found, v1);
      assertThat(found.request().amountLimit().orElseThrow().toPlainString()).isEqualTo("250.00");
    });
    assertThat(store.findGrant(grantId)).hasValueSatisfying(found -> {
      assertSameGrant(found, metered);
      assertThat(found.isMetered()).isTrue();
      assertThat(found.amountLimit()).hasValueSatisfying(a -> {
        assertThat(a).isEqualTo(limit);
        assertThat(a.toPlainString()).isEqualTo("250.00");
      });
      assertThat(found.amountUsed()).hasValueSatisfying(u -> {
        assertThat(u).isEqualTo(BigDecimal.ZERO);
        assertThat(u.toPlainString()).isEqualTo("0");
      });
      assertThat(found.amountLeft()).contains(limit);
    });
    assertThat(store.liveGrants("alice", DB_PROD_WRITE)).singleElement()
        .satisfies(found -> assertSameGrant(found, metered));
    assertThat(store.grantsFrom(v0.id())).singleElement().satisfies(found -> assertSameGrant(found, metered));

    Issued unmetered = autoApproved("bob");
    store.insert(unmetered.request(), unmetered.grant());
    assertThat(store.findRequest(unmetered.request().id()).orElseThrow().request().amountLimit()).isEmpty();
    assertThat(store.findGrant(unmetered.grant().id())).hasValueSatisfying(found -> {
      assertSameGrant(found, unmetered.grant());
      assertThat(found.isMetered()).isFalse();
      assertThat(found.amountLimit()).isEmpty();
      assertThat(found.amountUsed()).isEmpty();
      assertThat(found.amountLeft()).isEmpty();
    });
  }

  /**
   * Spending from a metered grant is a compare-and-set like any other grant update: spending 40.50 from the stored
   * version persists exactly; a second spend built on the same, now stale, version returns false and changes
   * nothing (the 40.50 is not lost, the stale spend not added); spending the rest and consuming the grant persists
   * too.
   */
  @Test
  public void updateMeteredGrantWhenAmountSpentThenPersistedAndStaleSpendFalseAndUnchanged() {
    BigDecimal limit = new BigDecimal("250.00");
    Issued issued = autoApprovedMetered("alice", limit);
    store.insert(issued.request(), issued.grant());
    Grant v0 = issued.grant();
    Grant spent = nextVersion(v0, b -> b.amount(limit, new BigDecimal("40.50")));

    assertThat(store.update(v0, spent)).isTrue();

    assertThat(store.findGrant(v0.id())).hasValueSatisfying(found -> {
      assertSameGrant(found, spent);
      assertThat(found.amountUsed().orElseThrow().toPlainString()).isEqualTo("40.50");
      assertThat(found.amountLeft()).contains(new BigDecimal("209.50"));
    });

    Grant staleSpend = nextVersion(v0, b -> b.amount(limit, new BigDecimal("99.99")));
    assertThat(store.update(v0, staleSpend)).isFalse();

    assertThat(store.findGrant(v0.id())).hasValueSatisfying(found -> {
      assertSameGrant(found, spent);
      assertThat(found.version()).isEqualTo(1);
      assertThat(found.amountUsed()).contains(new BigDecimal("40.50"));
    });

    Grant consumed = nextVersion(spent, b -> b.amount(limit, new BigDecimal("250.00"))
        .status(GrantStatus.CONSUMED).ended(T0.plusSeconds(120), "alice", null));
    assertThat(store.update(spent, consumed)).isTrue();
    assertThat(store.findGrant(v0.id())).hasValueSatisfying(found -> {
      assertSameGrant(found, consumed);
      assertThat(found.amountLeft().orElseThrow().signum()).isZero();
    });
    assertThat(store.liveGrants()).isEmpty();
  }

  // ----------------------------------------------------------------------------------------------- concurrency

  /**
   * {@value #THREADS} threads read the same version of a request and race to update it, round after round: exactly
   * one wins each round, every winner built on the previous winner (no lost update), and the final version equals
   * the number of successful updates.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentRequestUpdatesThenExactlyOneWinnerPerVersion() throws Exception {
    int rounds = 200;
    RequestRecord initial = pendingRequest("alice");
    store.insert(initial);
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    AtomicInteger successes = new AtomicInteger();
    CyclicBarrier barrier = new CyclicBarrier(THREADS);

    Race.run(THREADS, thread -> {
      for (int round = 0; round < rounds; round++) {
        RequestRecord read = store.findRequest(initial.id()).orElseThrow();
        Race.await(barrier);
        RequestRecord next = nextVersion(read, b -> b.approvals(append(read.approvals(),
            new Approval("approver-" + thread, T0.plusMillis(read.version()), "version " + (read.version() + 1)))));
        if (store.update(read, next)) {
          winners.incrementAndGet(round);
          successes.incrementAndGet();
        }
        Race.await(barrier);
      }
    });

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("winners of round %d", round).isEqualTo(1);
    }
    RequestRecord last = store.findRequest(initial.id()).orElseThrow();
    assertThat(last.version()).isEqualTo(successes.get()).isEqualTo(rounds);
    assertThat(last.approvals()).hasSize(rounds);
    for (int i = 0; i < rounds; i++) {
      assertThat(last.approvals().get(i).comment()).isEqualTo("version " + (i + 1));
    }
  }

  /**
   * {@value #THREADS} threads read the same version of a budgeted grant and race to take one use, round after round:
   * exactly one wins each round, and the uses left and the version account for every successful update.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentGrantUpdatesThenExactlyOneWinnerPerVersion() throws Exception {
    int rounds = 200;
    int budget = 1_000;
    Issued issued = autoApprovedWithUses("alice", budget);
    store.insert(issued.request(), issued.grant());
    GrantId id = issued.grant().id();
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    AtomicInteger successes = new AtomicInteger();
    CyclicBarrier barrier = new CyclicBarrier(THREADS);

    Race.run(THREADS, thread -> {
      for (int round = 0; round < rounds; round++) {
        Grant read = store.findGrant(id).orElseThrow();
        Race.await(barrier);
        Grant next = nextVersion(read, b -> b.uses(budget, read.usesLeft().orElseThrow() - 1));
        if (store.update(read, next)) {
          winners.incrementAndGet(round);
          successes.incrementAndGet();
        }
        Race.await(barrier);
      }
    });

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("winners of round %d", round).isEqualTo(1);
    }
    Grant last = store.findGrant(id).orElseThrow();
    assertThat(last.version()).isEqualTo(successes.get()).isEqualTo(rounds);
    assertThat(last.usesLeft()).hasValue(budget - rounds);
  }

  /**
   * Threads updating a request and a grant as fast as they can, each retrying from what it reads: every version
   * number is won exactly once, the final versions equal the number of successful updates, and no update is lost
   * (each success added one to a counter in the record: the request's approvals required, the grant's uses taken).
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentUnsynchronizedUpdatesThenNoVersionWonTwiceAndNoUpdateLost() throws Exception {
    int attempts = 5_000;
    int budget = THREADS * attempts;
    RequestRecord request = pendingRequest("alice");
    store.insert(request);
    Issued issued = autoApprovedWithUses("bob", budget);
    store.insert(issued.request(), issued.grant());
    Set<Long> requestVersionsWon = ConcurrentHashMap.newKeySet();
    Set<Long> grantVersionsWon = ConcurrentHashMap.newKeySet();
    AtomicInteger requestSuccesses = new AtomicInteger();
    AtomicInteger grantSuccesses = new AtomicInteger();

    Race.run(THREADS, thread -> {
      for (int i = 0; i < attempts; i++) {
        if ((thread + i / 100) % 2 == 0) {
          RequestRecord read = store.findRequest(request.id()).orElseThrow();
          RequestRecord next = nextVersion(read, b -> b.approvalsRequired(read.approvalsRequired() + 1));
          if (store.update(read, next)) {
            requestSuccesses.incrementAndGet();
            assertThat(requestVersionsWon.add(next.version())).as("request version %d won twice", next.version())
                .isTrue();
          }
        } else {
          Grant read = store.findGrant(issued.grant().id()).orElseThrow();
          Grant next = nextVersion(read, b -> b.uses(budget, read.usesLeft().orElseThrow() - 1));
          if (store.update(read, next)) {
            grantSuccesses.incrementAndGet();
            assertThat(grantVersionsWon.add(next.version())).as("grant version %d won twice", next.version())
                .isTrue();
          }
        }
      }
    });

    RequestRecord lastRequest = store.findRequest(request.id()).orElseThrow();
    assertThat(requestSuccesses.get()).isPositive();
    assertThat(lastRequest.version()).isEqualTo(requestSuccesses.get());
    assertThat(requestVersionsWon).isEqualTo(versions(lastRequest.version()));
    assertThat(lastRequest.approvalsRequired()).isEqualTo(request.approvalsRequired() + requestSuccesses.get());
    Grant lastGrant = store.findGrant(issued.grant().id()).orElseThrow();
    assertThat(grantSuccesses.get()).isPositive();
    assertThat(lastGrant.version()).isEqualTo(grantSuccesses.get());
    assertThat(grantVersionsWon).isEqualTo(versions(lastGrant.version()));
    assertThat(lastGrant.usesLeft()).hasValue(budget - grantSuccesses.get());
  }

  /**
   * Two approvers racing, generalised: {@value #THREADS} threads each try to approve the same pending request with
   * their own grant, for many requests. Each request ends approved exactly once, with the winner's grant id, and
   * exactly that one grant stored; the losers' grants are never written.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentApprovalsWithGrantsThenExactlyOneGrantPerRequest() throws Exception {
    int rounds = 100;
    List<RequestRecord> requests = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      RequestRecord r = pendingRequest("alice");
      store.insert(r);
      requests.add(r);
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    AtomicReferenceArray<GrantId> winningGrant = new AtomicReferenceArray<>(rounds);
    CyclicBarrier barrier = new CyclicBarrier(THREADS);

    Race.run(THREADS, thread -> {
      for (int round = 0; round < rounds; round++) {
        RequestRecord read = store.findRequest(requests.get(round).id()).orElseThrow();
        GrantId grantId = GrantId.random();
        RequestRecord approved = approve(read, "approver-" + thread, grantId);
        Grant grant = grantFor(approved, grantId);
        Race.await(barrier);
        if (store.update(read, approved, grant)) {
          winners.incrementAndGet(round);
          winningGrant.set(round, grantId);
        }
      }
    });

    for (int round = 0; round < rounds; round++) {
      RequestId id = requests.get(round).id();
      assertThat(winners.get(round)).as("approvals that won for request %d", round).isEqualTo(1);
      RequestRecord stored = store.findRequest(id).orElseThrow();
      assertThat(stored.version()).isEqualTo(1);
      assertThat(stored.status()).isEqualTo(RequestStatus.APPROVED);
      assertThat(stored.grantId()).contains(winningGrant.get(round));
      assertThat(ids(store.grantsFrom(id))).containsExactly(winningGrant.get(round));
    }
    assertThat(store.liveGrants()).hasSize(rounds);
    assertThat(store.pendingRequests()).isEmpty();
  }

  /**
   * The paired writes are atomic for readers too, not only all-or-nothing: while one thread inserts requests with
   * their grants and approves pending requests with new grants, readers probing the write in flight never see one
   * record of a pair without the other. A reader that finds the grant then finds the request in its new version, and
   * a reader that finds the new version of the request then finds the grant.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentReadsDuringPairedWritesThenNeverOneRecordWithoutTheOther() throws Exception {
    int pairs = 4_000;
    List<RequestRecord> expected = new ArrayList<>();
    List<RequestRecord> before = new ArrayList<>(); // what the writer expects to replace (inserts: unused)
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      if (i % 2 == 0) {
        Issued issued = autoApproved("alice");
        before.add(issued.request());
        expected.add(issued.request());
        grants.add(issued.grant());
      } else {
        RequestRecord pending = pendingRequest("alice");
        store.insert(pending);
        GrantId grantId = GrantId.random();
        RequestRecord approved = approve(pending, "bob", grantId);
        before.add(pending);
        expected.add(approved);
        grants.add(grantFor(approved, grantId));
      }
    }
    AtomicInteger written = new AtomicInteger(-1);
    CountDownLatch readersStarted = new CountDownLatch(THREADS - 1);
    AtomicInteger tornReads = new AtomicInteger();
    Set<String> firstTorn = ConcurrentHashMap.newKeySet();

    Race.run(THREADS, thread -> {
      if (thread == 0) {
        Race.await(readersStarted);
        for (int i = 0; i < pairs; i++) {
          if (i % 2 == 0) {
            store.insert(expected.get(i), grants.get(i));
          } else {
            assertThat(store.update(before.get(i), expected.get(i), grants.get(i))).isTrue();
          }
          written.set(i);
        }
        return;
      }
      readersStarted.countDown();
      for (int last = written.get(); last < pairs - 1; last = written.get()) {
        int i = last + 1;
        RequestRecord want = expected.get(i);
        GrantId grantId = grants.get(i).id();
        boolean grantSeen = store.findGrant(grantId).isPresent();
        Optional<RequestRecord> request = store.findRequest(want.id());
        boolean requestWritten = request.isPresent() && request.get().version() == want.version();
        boolean grantSeenAfter = store.findGrant(grantId).isPresent();
        String half = null;
        if (grantSeen && !requestWritten) {
          half = (i % 2 == 0 ? "insert" : "update") + ": grant visible, request "
              + request.map(r -> "still at version " + r.version()).orElse("absent");
        } else if (requestWritten && !grantSeenAfter) {
          half = (i % 2 == 0 ? "insert" : "update") + ": request at version " + want.version()
              + " visible, grant absent";
        }
        if (half != null && tornReads.incrementAndGet() <= 5) {
          firstTorn.add("pair " + i + " (" + half + ")");
        }
      }
    });

    assertThat(tornReads.get()).as("reads that saw half of a paired write, for example %s", firstTorn).isZero();
    assertThat(store.liveGrants()).hasSize(pairs);
  }

  /**
   * Threads inserting distinct requests and request-grant pairs at the same time: every record is stored.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentInsertsOfDistinctIdsThenAllVisible() throws Exception {
    int perThread = 250;
    Set<RequestId> requestIds = ConcurrentHashMap.newKeySet();
    Set<GrantId> grantIds = ConcurrentHashMap.newKeySet();

    Race.run(THREADS, thread -> {
      String subject = "user-" + thread;
      for (int i = 0; i < perThread; i++) {
        RequestRecord pending = pendingRequest(subject);
        store.insert(pending);
        requestIds.add(pending.id());
        Issued issued = autoApproved(subject);
        store.insert(issued.request(), issued.grant());
        requestIds.add(issued.request().id());
        grantIds.add(issued.grant().id());
      }
    });

    assertThat(requestIds).hasSize(THREADS * perThread * 2);
    for (RequestId id : requestIds) {
      assertThat(store.findRequest(id)).as("request %s", id).isPresent();
    }
    for (GrantId id : grantIds) {
      assertThat(store.findGrant(id)).as("grant %s", id).isPresent();
    }
    assertThat(store.pendingRequests()).hasSize(THREADS * perThread);
    assertThat(store.liveGrants()).hasSize(THREADS * perThread);
    for (int thread = 0; thread < THREADS; thread++) {
      assertThat(store.requestsBy("user-" + thread)).hasSize(perThread * 2);
      assertThat(store.grantsOf("user-" + thread)).hasSize(perThread);
    }
  }

  /**
   * Threads inserting a request with the same id at the same time, for many ids: exactly one insert succeeds per id,
   * the others throw {@link IllegalStateException}, and the stored record is the winner's.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentInsertsOfSameIdThenExactlyOneSucceeds() throws Exception {
    int rounds = 100;
    List<RequestId> ids = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      ids.add(RequestId.random());
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    AtomicReferenceArray<String> winner = new AtomicReferenceArray<>(rounds);
    AtomicInteger refused = new AtomicInteger();
    CyclicBarrier barrier = new CyclicBarrier(THREADS);

    Race.run(THREADS, thread -> {
      for (int round = 0; round < rounds; round++) {
        String subject = "user-" + thread;
        RequestRecord record = RequestRecord.builder(ids.get(round), callElevation(subject, "INC-" + round,
                fixtureCall()))
            .createdAt(T0).expiresAt(T0.plus(Duration.ofHours(1))).approvalsRequired(1).build();
        Race.await(barrier);
        try {
          store.insert(record);
          winners.incrementAndGet(round);
          winner.set(round, subject);
        } catch (IllegalStateException expected) {
          refused.incrementAndGet();
        }
      }
    });

    for (int round = 0; round < rounds; round++) {
      assertThat(winners.get(round)).as("inserts that succeeded for id %d", round).isEqualTo(1);
      assertThat(store.findRequest(ids.get(round)).orElseThrow().requesterId()).isEqualTo(winner.get(round));
    }
    assertThat(refused.get()).isEqualTo(rounds * (THREADS - 1));
  }

  /**
   * Readers listing while a writer inserts, updates and revokes: no list call or iteration fails, and every record
   * in every list matches the list's selection (no torn or misfiled record).
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  @Timeout(120)
  public void concurrentListingWhileWritingThenEveryListedRecordMatchesSelection() throws Exception {
    int writes = 500;
    AtomicBoolean writing = new AtomicBoolean(true);
    CountDownLatch readersStarted = new CountDownLatch(THREADS - 1);
    AtomicInteger listsRead = new AtomicInteger();

    Race.run(THREADS, thread -> {
      if (thread == 0) {
        try {
          Race.await(readersStarted);
          for (int i = 0; i < writes; i++) {
            RequestRecord pending = pendingRequest(i % 2 == 0 ? "alice" : "bob");
            store.insert(pending);
            Issued issued = autoApproved(i % 2 == 0 ? "alice" : "bob");
            store.insert(issued.request(), issued.grant());
            if (i % 3 == 0) {
              store.update(pending, nextVersion(pending, b -> b.status(RequestStatus.WITHDRAWN)
                  .decision(T0.plusSeconds(1), pending.requesterId(), ReasonCode.WITHDRAWN, null)));
              store.update(issued.grant(), revoke(issued.grant(), "carol", "sweep"));
            }
          }
        } finally {
          writing.set(false);
        }
        return;
      }
      readersStarted.countDown();
      do {
        for (RequestRecord r : store.pendingRequests()) {
          assertThat(r.status()).isEqualTo(RequestStatus.PENDING);
        }
        for (RequestRecord r : store.requestsBy("alice")) {
          assertThat(r.requesterId()).isEqualTo("alice");
        }
        for (Grant g : store.grantsOf("bob")) {
          assertThat(g.subjectId()).isEqualTo("bob");
          for (Grant sibling : store.grantsFrom(g.requestId())) {
            assertThat(sibling.requestId()).isEqualTo(g.requestId());
          }
        }
        for (Grant g : store.liveGrants()) {
          assertThat(g.storedStatus().isTerminal()).as("terminal grant listed as live: %s", g).isFalse();
        }
        listsRead.incrementAndGet();
      } while (writing.get());
    });

    assertThat(listsRead.get()).isGreaterThanOrEqualTo(THREADS - 1);
    assertThat(store.requestsBy("alice")).hasSize(writes);
    assertThat(store.liveGrants()).hasSize(writes - (writes + 2) / 3);
  }

  // ------------------------------------------------------------------------------------------------- fixtures

  /**
   * A pending request of a privilege, made at an instant, for a new call of {@link #FIXTURE_ACTION}.
   *
   * @param subjectId the requester
   * @param privilege the privilege
   * @param at when it was made
   * @return the request, version 0
   */
  protected static RequestRecord pendingAt(String subjectId, Privilege privilege, Instant at) {
    ElevationRequest e = ElevationRequest.builder(Subject.of(subjectId, "dev"), privilege)
        .justification("INC-7: page through").duration(Duration.ofMinutes(30)).action(fixtureCall()).build();
    return RequestRecord.builder(RequestId.random(), e).createdAt(at).expiresAt(at.plus(Duration.ofHours(1)))
        .approvalsRequired(1).approverGroups(Set.of("dba")).policyVersion("v1").build();
  }

  /**
   * A break-glass use made at an instant, its review open.
   *
   * @param subjectId who used it
   * @param at when
   * @return the request, version 0, APPROVED
   */
  protected static RequestRecord breakGlassAt(String subjectId, Instant at) {
    return RequestRecord.builder(RequestId.random(), elevation(subjectId, "INC-9: the database is down"))
        .status(RequestStatus.APPROVED).breakGlass(true).createdAt(at).expiresAt(at)
        .decision(at, subjectId, ReasonCode.BREAK_GLASS, "INC-9: the database is down").grantId(GrantId.random())
        .policyVersion("v1").build();
  }

  /**
   * A request and the grant it produced.
   *
   * @param request the request, APPROVED, version 0
   * @param grant the grant, version 0
   */
  protected record Issued(RequestRecord request, Grant grant) {}

  /**
   * What a subject asks for in the fixtures.
   *
   * @param subjectId the requester
   * @param justification the justification
   * @return the elevation request
   */
  protected static ElevationRequest elevation(String subjectId, String justification) {
    return ElevationRequest.builder(Subject.of(subjectId, "dev"), DB_PROD_WRITE)
        .justification(justification)
        .duration(Duration.ofMinutes(30))
        .build();
  }

  /**
   * A new call of {@link #FIXTURE_ACTION}: a random argument digest, so no two calls are the same call.
   *
   * @return the action binding
   */
  protected static ActionBinding fixtureCall() {
    long n = CALLS.incrementAndGet();
    String digest = (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    return new ActionBinding(FIXTURE_ACTION, digest, FIXTURE_ACTION + "(#" + n + ")");
  }

  /**
   * What a subject asks for to run one exact call, for {@link #DB_PROD_WRITE}.
   *
   * @param subjectId the requester
   * @param justification the justification
   * @param action the call
   * @return the elevation request
   */
  protected static ElevationRequest callElevation(String subjectId, String justification, ActionBinding action) {
    return ElevationRequest.builder(Subject.of(subjectId, "dev"), DB_PROD_WRITE)
        .justification(justification)
        .duration(Duration.ofMinutes(30))
        .action(action)
        .build();
  }

  /**
   * What a subject asks for in the pending fixtures: its own new call of {@link #FIXTURE_ACTION}.
   *
   * @param subjectId the requester
   * @return the elevation request
   */
  protected static ElevationRequest fixtureElevation(String subjectId) {
    return callElevation(subjectId, "INC-7: fix a stuck migration", fixtureCall());
  }

  /**
   * An elevation request with every optional field set, the action it is bound to included.
   *
   * @return the request
   */
  protected static ElevationRequest fullElevation() {
    Subject alice = Subject.builder("alice").groups("dev", "oncall").attribute("department", "payments").build();
    return ElevationRequest.builder(alice, DB_PROD_WRITE)
        .justification("INC-42: repair the orders table\nrows 1-20 are corrupt; \"urgent\"")
        .ticket("INC-42")
        .duration(Duration.ofMinutes(30))
        .startAt(T0.plusSeconds(600).plusMillis(250))
        .uses(5)
        .action(ActionBinding.of("orders.repair", "orders", 1, 20).withPreview("Repair rows 1-20 of \"orders\"\n"
            + "(corrupt since INC-42)"))
        .build();
  }

  /**
   * A pending request, version 0, made at {@link #T0}, due an hour later, needing one approval from group dba, for
   * a new call of {@link #FIXTURE_ACTION} (see {@link #fixtureElevation}): each one is a different request for the
   * one-pending-request rule, so a subject can have several.
   *
   * @param subjectId the requester
   * @return the request
   */
  protected static RequestRecord pendingRequest(String subjectId) {
    return pendingRequestFor(fixtureElevation(subjectId));
  }

  /**
   * A pending request for an elevation, version 0, made at {@link #T0}, due an hour later, needing one approval from
   * group dba.
   *
   * @param elevation what is asked for
   * @return the request
   */
  protected static RequestRecord pendingRequestFor(ElevationRequest elevation) {
    return RequestRecord.builder(RequestId.random(), elevation)
        .createdAt(T0)
        .expiresAt(T0.plus(Duration.ofHours(1)))
        .approvalsRequired(1)
        .approverGroups(Set.of("dba"))
        .policyVersion("v1")
        .build();
  }

  /**
   * An auto-approved request, version 0, with the id of the grant it produced.
   *
   * @param id the request id
   * @param subjectId the requester
   * @param grantId the grant it produced
   * @return the request
   */
  protected static RequestRecord approvedRequest(RequestId id, String subjectId, GrantId grantId) {
    return RequestRecord.builder(id, elevation(subjectId, "INC-8: rotate credentials"))
        .status(RequestStatus.APPROVED)
        .createdAt(T0)
        .expiresAt(T0.plus(Duration.ofHours(1)))
        .decision(T0, "policy", ReasonCode.AUTO_APPROVED, null)
        .grantId(grantId)
        .policyVersion("v1")
        .build();
  }

  /**
   * The next version of a pending request, approved by one approver, pointing at a grant.
   *
   * @param read the version read
   * @param approver who approves
   * @param grantId the grant to issue
   * @return the next version
   */
  protected static RequestRecord approve(RequestRecord read, String approver, GrantId grantId) {
    Instant at = T0.plusSeconds(60);
    return nextVersion(read, b -> b.status(RequestStatus.APPROVED)
        .approvals(append(read.approvals(), new Approval(approver, at, "ok")))
        .decision(at, approver, ReasonCode.APPROVED, "ok")
        .grantId(grantId));
  }

  /**
   * An active, time-bound grant, version 0, for a request: valid 30 minutes from {@link #T0}.
   *
   * @param request the request it comes from
   * @param grantId its id
   * @return the grant
   */
  protected static Grant grantFor(RequestRecord request, GrantId grantId) {
    return Grant.builder(grantId, request.id())
        .subjectId(request.requesterId())
        .privilege(request.privilege())
        .issuedAt(T0.plusSeconds(60))
        .validity(T0.plusSeconds(60), T0.plusSeconds(60 + 1800), T0.plusSeconds(60 + 3600))
        .approvers(request.approvals().stream().map(Approval::approver).toList())
        .policyVersion(request.policyVersion())
        .build();
  }

  /**
   * An auto-approved request and its active, time-bound grant.
   *
   * @param subjectId the requester
   * @return both, version 0
   */
  protected static Issued autoApproved(String subjectId) {
    RequestId requestId = RequestId.random();
    GrantId grantId = GrantId.random();
    RequestRecord request = approvedRequest(requestId, subjectId, grantId);
    return new Issued(request, grantFor(request, grantId));
  }

  /**
   * An auto-approved request and its active grant with a budget of uses.
   *
   * @param subjectId the requester
   * @param uses the budget
   * @return both, version 0
   */
  protected static Issued autoApprovedWithUses(String subjectId, int uses) {
    Issued i = autoApproved(subjectId);
    return new Issued(i.request(), i.grant().toBuilder().uses(uses, uses).build());
  }

  /**
   * An auto-approved request and its active, time-bound, metered grant: nothing spent yet.
   *
   * @param subjectId the requester
   * @param limit the total its calls may spend
   * @return both, version 0
   */
  protected static Issued autoApprovedMetered(String subjectId, BigDecimal limit) {
    Issued i = autoApproved(subjectId);
    return new Issued(i.request(), i.grant().toBuilder().amount(limit, BigDecimal.ZERO).build());
  }

  /**
   * An auto-approved request and its SCHEDULED grant, starting a day after {@link #T0}.
   *
   * @param subjectId the requester
   * @return both, version 0
   */
  protected static Issued scheduled(String subjectId) {
    Issued i = autoApproved(subjectId);
    Instant start = T0.plus(Duration.ofDays(1));
    return new Issued(i.request(), i.grant().toBuilder().status(GrantStatus.SCHEDULED)
        .validity(start, start.plus(Duration.ofMinutes(30)), start.plus(Duration.ofHours(1))).build());
  }

  /**
   * An auto-approved request and its grant, stored as ACTIVE but whose window ended a year before {@link #T0}.
   *
   * @param subjectId the requester
   * @return both, version 0
   */
  protected static Issued expiredLongAgo(String subjectId) {
    Issued i = autoApproved(subjectId);
    Instant start = T0.minus(Duration.ofDays(365));
    return new Issued(i.request(), i.grant().toBuilder()
        .issuedAt(start)
        .validity(start, start.plus(Duration.ofMinutes(30)), start.plus(Duration.ofHours(1))).build());
  }

  /**
   * The next version of a grant, REVOKED.
   *
   * @param read the version read
   * @param by who revokes
   * @param reason why, verbatim
   * @return the next version
   */
  protected static Grant revoke(Grant read, String by, String reason) {
    return nextVersion(read, b -> b.status(GrantStatus.REVOKED).ended(T0.plusSeconds(300), by, reason));
  }

  /**
   * The next version of a request: its values, changed by {@code change}, with the version one higher.
   *
   * @param read the version read
   * @param change what changes
   * @return the next version
   */
  protected static RequestRecord nextVersion(RequestRecord read, UnaryOperator<RequestRecord.Builder> change) {
    return change.apply(read.toBuilder()).version(read.version() + 1).build();
  }

  /**
   * The next version of a grant: its values, changed by {@code change}, with the version one higher.
   *
   * @param read the version read
   * @param change what changes
   * @return the next version
   */
  protected static Grant nextVersion(Grant read, UnaryOperator<Grant.Builder> change) {
    return change.apply(read.toBuilder()).version(read.version() + 1).build();
  }

  /**
   * Asserts that two requests have equal values in every accessor (records have no {@code equals}, and a store
   * that reads from a database returns new instances).
   *
   * @param actual what the store returned
   * @param expected what was written
   */
  protected static void assertSameRequest(RequestRecord actual, RequestRecord expected) {
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(actual.id()).as("id").isEqualTo(expected.id());
    ElevationRequest a = actual.request();
    ElevationRequest e = expected.request();
    softly.assertThat(a.subject()).as("request.subject").isEqualTo(e.subject());
    softly.assertThat(a.subject().groups()).as("request.subject.groups").isEqualTo(e.subject().groups());
    softly.assertThat(a.subject().attributes()).as("request.subject.attributes")
        .isEqualTo(e.subject().attributes());
    softly.assertThat(a.privilege()).as("request.privilege").isEqualTo(e.privilege());
    softly.assertThat(a.justification()).as("request.justification").isEqualTo(e.justification());
    softly.assertThat(a.ticket()).as("request.ticket").isEqualTo(e.ticket());
    softly.assertThat(a.duration()).as("request.duration").isEqualTo(e.duration());
    softly.assertThat(a.startAt()).as("request.startAt").isEqualTo(e.startAt());
    softly.assertThat(a.uses()).as("request.uses").isEqualTo(e.uses());
    softly.assertThat(a.amountLimit()).as("request.amountLimit (BigDecimal.equals: scale counts)")
        .isEqualTo(e.amountLimit());
    softly.assertThat(a.action()).as("request.action").isEqualTo(e.action());
    softly.assertThat(actual.requesterId()).as("requesterId").isEqualTo(expected.requesterId());
    softly.assertThat(actual.privilege()).as("privilege").isEqualTo(expected.privilege());
    softly.assertThat(actual.status()).as("status").isEqualTo(expected.status());
    softly.assertThat(actual.createdAt()).as("createdAt").isEqualTo(expected.createdAt());
    softly.assertThat(actual.expiresAt()).as("expiresAt").isEqualTo(expected.expiresAt());
    softly.assertThat(actual.approvalsRequired()).as("approvalsRequired").isEqualTo(expected.approvalsRequired());
    softly.assertThat(actual.approverGroups()).as("approverGroups").isEqualTo(expected.approverGroups());
    softly.assertThat(actual.approvals()).as("approvals").isEqualTo(expected.approvals());
    softly.assertThat(actual.denials()).as("denials").isEqualTo(expected.denials());
    softly.assertThat(actual.decidedAt()).as("decidedAt").isEqualTo(expected.decidedAt());
    softly.assertThat(actual.decidedBy()).as("decidedBy").isEqualTo(expected.decidedBy());
    softly.assertThat(actual.decisionReason()).as("decisionReason").isEqualTo(expected.decisionReason());
    softly.assertThat(actual.decisionComment()).as("decisionComment").isEqualTo(expected.decisionComment());
    softly.assertThat(actual.grantId()).as("grantId").isEqualTo(expected.grantId());
    softly.assertThat(actual.policyVersion()).as("policyVersion").isEqualTo(expected.policyVersion());
    softly.assertThat(actual.version()).as("version").isEqualTo(expected.version());
    softly.assertAll();
  }

  /**
   * Asserts that two grants have equal values in every accessor.
   *
   * @param actual what the store returned
   * @param expected what was written
   */
  protected static void assertSameGrant(Grant actual, Grant expected) {
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(actual.id()).as("id").isEqualTo(expected.id());
    softly.assertThat(actual.requestId()).as("requestId").isEqualTo(expected.requestId());
    softly.assertThat(actual.subjectId()).as("subjectId").isEqualTo(expected.subjectId());
    softly.assertThat(actual.privilege()).as("privilege").isEqualTo(expected.privilege());
    softly.assertThat(actual.storedStatus()).as("storedStatus").isEqualTo(expected.storedStatus());
    softly.assertThat(actual.issuedAt()).as("issuedAt").isEqualTo(expected.issuedAt());
    softly.assertThat(actual.notBefore()).as("notBefore").isEqualTo(expected.notBefore());
    softly.assertThat(actual.expiresAt()).as("expiresAt").isEqualTo(expected.expiresAt());
    softly.assertThat(actual.capExpiresAt()).as("capExpiresAt").isEqualTo(expected.capExpiresAt());
    softly.assertThat(actual.isBudgeted()).as("isBudgeted").isEqualTo(expected.isBudgeted());
    softly.assertThat(actual.usesGranted()).as("usesGranted").isEqualTo(expected.usesGranted());
    softly.assertThat(actual.usesLeft()).as("usesLeft").isEqualTo(expected.usesLeft());
    softly.assertThat(actual.isMetered()).as("isMetered").isEqualTo(expected.isMetered());
    softly.assertThat(actual.amountLimit()).as("amountLimit (BigDecimal.equals: scale counts)")
        .isEqualTo(expected.amountLimit());
    softly.assertThat(actual.amountUsed()).as("amountUsed (BigDecimal.equals: scale counts)")
        .isEqualTo(expected.amountUsed());
    softly.assertThat(actual.isActionBound()).as("isActionBound").isEqualTo(expected.isActionBound());
    softly.assertThat(actual.action()).as("action").isEqualTo(expected.action());
    softly.assertThat(actual.argumentDigest()).as("argumentDigest").isEqualTo(expected.argumentDigest());
    softly.assertThat(actual.approvers()).as("approvers").isEqualTo(expected.approvers());
    softly.assertThat(actual.endedAt()).as("endedAt").isEqualTo(expected.endedAt());
    softly.assertThat(actual.endedBy()).as("endedBy").isEqualTo(expected.endedBy());
    softly.assertThat(actual.endReason()).as("endReason").isEqualTo(expected.endReason());
    softly.assertThat(actual.policyVersion()).as("policyVersion").isEqualTo(expected.policyVersion());
    softly.assertThat(actual.version()).as("version").isEqualTo(expected.version());
    softly.assertAll();
  }

  // ---------------------------------------------------------------------------------------------- plumbing

  private static <T> List<T> append(List<T> list, T element) {
    List<T> out = new ArrayList<>(list);
    out.add(element);
    return out;
  }

  private static Set<Long> versions(long upTo) {
    return LongStream.rangeClosed(1, upTo).boxed().collect(Collectors.toSet());
  }

  private static List<GrantId> ids(Collection<Grant> grants) {
    return grants.stream().map(Grant::id).toList();
  }

  private static List<RequestId> requestIds(Collection<RequestRecord> requests) {
    return requests.stream().map(RequestRecord::id).toList();
  }

  private static void clearIfModifiable(List<?> list) {
    try {
      list.clear();
    } catch (UnsupportedOperationException unmodifiable) {
      // fine: an unmodifiable snapshot
    }
  }
}
