package dev.jitguard.spi;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Privilege;
import dev.jitguard.RequestStatus;
import dev.jitguard.rule.PrivilegePattern;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Where requests and grants are kept: the source of truth for their lifecycle.
 *
 * <p>Records are immutable and versioned. Every transition is a compare-and-set: an update succeeds only if the stored
 * record still has the version of {@code expected}, and {@code updated} must carry {@code expected.version() + 1}.
 * This is how two approvers racing, an approval racing a denial, or a revocation racing a use end in exactly one
 * outcome, in one process or across several sharing a database.
 *
 * <p>The guard keeps its own in-memory index of live grants for the check hot path, filled from this store at start
 * and kept current by its own writes; a store shared by several guards (a database) must also tell them about changes
 * made elsewhere (a later version of the SPI adds that).
 *
 * <p><b>Contract.</b> Implementations must be thread-safe and linearizable per record. Any exception means "the store
 * failed": the guard denies with {@link dev.jitguard.ReasonCode#STORE_FAILURE} and never assumes a write happened or
 * did not. Lists return snapshots, never live views. Calls must not re-enter the guard. The abstract contract test
 * suite {@code dev.jitguard.test.GrantStoreContract} in {@code jit-test} checks all of this; every implementation
 * should extend it.
 *
 * <p><b>Narrow queries.</b> The guard lists with the narrow queries ({@link #pendingRequestsBy},
 * {@link #liveGrantsOf}, {@link #pendingRequests(Collection, RequestPosition, int)},
 * {@link #openReviews(RequestPosition, int)}), so that each operation costs what its answer costs. Their defaults
 * are built on the broad methods (correct, but they read every record the broad method returns); a store that keeps
 * many records should answer them from an index, as the in-memory and JDBC stores do.
 */
public interface GrantStore {

  /**
   * Stores a new request.
   *
   * @param request the request, version 0
   * @throws IllegalStateException if a request with the same id exists
   * @throws DuplicatePendingRequestException if the store enforces one pending request per subject, privilege and
   *     action call (none, or the same action name and argument digest), as the guard does (shared stores should: a
   *     unique index), and one exists; the guard then returns the existing one
   */
  void insert(RequestRecord request);

  /**
   * Stores a new request and the grant it produced, atomically (auto-approval).
   *
   * @param request the request, version 0, status APPROVED
   * @param grant the grant, version 0
   * @throws IllegalStateException if either id exists
   */
  void insert(RequestRecord request, Grant grant);

  /**
   * Finds a request.
   *
   * @param id the id
   * @return the current version, if stored
   */
  Optional<RequestRecord> findRequest(RequestId id);

  /**
   * Replaces a request if it still has {@code expected}'s version.
   *
   * @param expected the version the caller read
   * @param updated the next version ({@code expected.version() + 1}, same id)
   * @return true if replaced, false if the stored version differs (someone else won) or the request is gone
   */
  boolean update(RequestRecord expected, RequestRecord updated);

  /**
   * Replaces a request if it still has {@code expected}'s version and, in the same atomic step, stores the grant it
   * produced (the approval that completes a request).
   *
   * @param expected the version the caller read
   * @param updated the next version
   * @param issued the new grant, version 0
   * @return true if both were written, false (and nothing written) if the stored version differs
   */
  boolean update(RequestRecord expected, RequestRecord updated, Grant issued);

  /**
   * All requests with status PENDING (expired ones included until the guard expires them).
   *
   * @return a snapshot
   */
  List<RequestRecord> pendingRequests();

  /**
   * Every break-glass request whose after-the-fact review is still open.
   *
   * @return a snapshot
   */
  List<RequestRecord> openReviews();

  /**
   * Every request made by a subject, in any status.
   *
   * @param subjectId canonical subject id
   * @return a snapshot
   */
  List<RequestRecord> requestsBy(String subjectId);

  /**
   * The pending requests of one requester (status PENDING, expired ones included until the guard expires them),
   * oldest first (by {@link RequestPosition}). The guard asks it on every request (one pending request per subject,
   * privilege and call) and to list a requester's own requests. The default filters {@link #requestsBy}.
   *
   * @param subjectId canonical subject id
   * @return a snapshot
   */
  default List<RequestRecord> pendingRequestsBy(String subjectId) {
    return ordered(requestsBy(subjectId), r -> r.status() == RequestStatus.PENDING, null, Integer.MAX_VALUE);
  }

  /**
   * A page of the pending requests (status PENDING, expired ones included) whose privilege one of the patterns
   * covers ({@link PrivilegePattern#matches}), in {@link RequestPosition} order (creation time, then id), strictly
   * after {@code after}, at most {@code limit} of them. Paging by the position of the last request returned reads
   * every matching request exactly once, whatever is inserted or decided meanwhile (requests are created at the
   * current time, so those inserted meanwhile come after the position and appear on a later page). The guard asks it
   * for an approver's pending approvals, with the patterns of the rules that list the approver. The default filters
   * {@link #pendingRequests()}.
   *
   * @param privileges the patterns; empty: nothing matches
   * @param after the position to start after, or null for the first page
   * @param limit at most this many, positive
   * @return a snapshot
   */
  default List<RequestRecord> pendingRequests(Collection<PrivilegePattern> privileges, @Nullable RequestPosition after,
      int limit) {
    List<PrivilegePattern> patterns = List.copyOf(privileges);
    return ordered(pendingRequests(), r -> patterns.stream().anyMatch(p -> p.matches(r.privilege())), after, limit);
  }

  /**
   * A page of the break-glass requests whose review is open, in {@link RequestPosition} order, strictly after
   * {@code after}, at most {@code limit} of them (paging as {@link #pendingRequests(Collection, RequestPosition,
   * int)}). The default filters {@link #openReviews()}.
   *
   * @param after the position to start after, or null for the first page
   * @param limit at most this many, positive
   * @return a snapshot
   */
  default List<RequestRecord> openReviews(@Nullable RequestPosition after, int limit) {
    return ordered(openReviews(), RequestRecord::isReviewOpen, after, limit);
  }

  /**
   * Finds a grant.
   *
   * @param id the id
   * @return the current version, if stored
   */
  Optional<Grant> findGrant(GrantId id);

  /**
   * Replaces a grant if it still has {@code expected}'s version.
   *
   * @param expected the version the caller read
   * @param updated the next version ({@code expected.version() + 1}, same id)
   * @return true if replaced, false if the stored version differs or the grant is gone
   */
  boolean update(Grant expected, Grant updated);

  /**
   * Every grant held by a subject, in any status.
   *
   * @param subjectId canonical subject id
   * @return a snapshot
   */
  List<Grant> grantsOf(String subjectId);

  /**
   * Every grant produced by a request.
   *
   * @param requestId the request
   * @return a snapshot
   */
  List<Grant> grantsFrom(RequestId requestId);

  /**
   * Every grant whose stored status is not terminal (ACTIVE or SCHEDULED), whatever the time: what the guard indexes
   * at start and sweeps for expiry.
   *
   * @return a snapshot
   */
  List<Grant> liveGrants();

  /**
   * Live grants of one subject for one privilege: stored status ACTIVE or SCHEDULED, whatever the time. A shared
   * store answers it from the database; the guard calls it when its index has no fresh answer for the pair and, in
   * strict mode, on every check. The default filters {@link #grantsOf}.
   *
   * @param subjectId canonical subject id
   * @param privilege the privilege
   * @return a snapshot
   */
  default List<Grant> liveGrants(String subjectId, Privilege privilege) {
    List<Grant> out = new ArrayList<>();
    for (Grant g : grantsOf(subjectId)) {
      if (g.privilege().equals(privilege) && !g.storedStatus().isTerminal()) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * The live grants of one subject: stored status ACTIVE or SCHEDULED, whatever the time, in any order. The guard
   * asks it to list a subject's active grants. The default filters {@link #grantsOf}.
   *
   * @param subjectId canonical subject id
   * @return a snapshot
   */
  default List<Grant> liveGrantsOf(String subjectId) {
    List<Grant> out = new ArrayList<>();
    for (Grant g : grantsOf(subjectId)) {
      if (!g.storedStatus().isTerminal()) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * Live grants (stored status ACTIVE or SCHEDULED) that end ({@link Grant#expiresAt()}) at or before {@code until}:
   * what maintenance expires and warns about, so that each run reads what is due rather than every live grant. A
   * database answers it from an index on the end time. The default filters {@link #liveGrants()}.
   *
   * @param until the latest end to include
   * @return a snapshot
   */
  default List<Grant> liveGrantsEndingBy(java.time.Instant until) {
    java.util.Objects.requireNonNull(until, "until cannot be null");
    List<Grant> out = new ArrayList<>();
    for (Grant g : liveGrants()) {
      if (!g.expiresAt().isAfter(until)) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * Whether other processes may change this store (a database shared by several application instances). The guard
   * then confirms what its index does not know with the store, re-reads what it knows within its staleness bound,
   * and listens to {@link #subscribe}. In-memory stores are not shared.
   *
   * @return true for a store shared between processes
   */
  default boolean isShared() {
    return false;
  }

  /**
   * Tells the listener the id of each grant changed by another process, as soon
   * as the store learns of it (PostgreSQL {@code LISTEN/NOTIFY}, for example). Best effort: the guard's staleness
   * bound still holds if a notification is lost. The listener must be fast and must not throw.
   *
   * @param listener called with the id of each changed grant
   * @return a handle that ends the subscription
   */
  default AutoCloseable subscribe(Consumer<GrantId> listener) {
    return () -> { };
  }

  /**
   * How far the store's clock is ahead of this host's system clock ({@link System#currentTimeMillis()}), in
   * milliseconds, measured now (negative: behind). A store shared by several hosts answers it from the database's
   * clock, so that every instance can decide expiry by that one clock instead of its own: the guard measures it at
   * start and on every maintenance run, and reads its own clock corrected by the offset when it exceeds
   * {@value dev.jitguard.Consistency#CLOCK_TOLERANCE_MILLIS} ms. Empty (the default) when the store has no clock of
   * its own, as in memory. Must be quick (one round trip) and may throw; the guard then keeps its last correction.
   *
   * @return the offset, or empty
   */
  default OptionalLong clockOffsetMillis() {
    return OptionalLong.empty();
  }

  /**
   * The requests that pass a filter and come after a position, in {@link RequestPosition} order, at most a limit:
   * the defaults of the paged queries, for stores that answer them from their broad lists.
   *
   * @param requests the records to select from
   * @param filter which to keep
   * @param after the position to start after, or null
   * @param limit at most this many, positive
   * @return a new list
   * @throws IllegalArgumentException if the limit is not positive
   */
  private static List<RequestRecord> ordered(Collection<RequestRecord> requests, Predicate<RequestRecord> filter,
      @Nullable RequestPosition after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
    return requests.stream().filter(filter).map(r -> java.util.Map.entry(RequestPosition.of(r), r))
        .filter(e -> e.getKey().isAfter(after)).sorted(java.util.Map.Entry.comparingByKey())
        .limit(limit).map(java.util.Map.Entry::getValue).toList();
  }

  /**
   * An in-memory store built on Caffeine: records live in memory only, terminal ones are evicted after a retention
   * period (24 hours by default). Nothing survives a restart. The default of {@link dev.jitguard.PrivilegeGuard}.
   *
   * @return a new, empty store
   */
  static GrantStore inMemory() {
    return new InMemoryGrantStore();
  }
}
