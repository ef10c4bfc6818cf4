package dev.jitguard.internal;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.spi.GrantStore;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * A grant store of the application's own, with a bound on each call ({@link BoundedCalls}): one that hangs makes the
 * guard fail closed ({@code STORE_FAILURE}) instead of hanging its callers. The built-in stores are not wrapped: the
 * in-memory one cannot block and the JDBC one has its own query timeout.
 *
 * <p>Thread-safe if the store is.
 */
final class BoundedGrantStore implements GrantStore {
  private static final String WHAT = "the grant store";
  private final GrantStore store;
  private final BoundedCalls calls;

  private BoundedGrantStore(GrantStore store, BoundedCalls calls) {
    this.store = store;
    this.calls = calls;
  }

  /** The store, bounded unless it is one of the built-in ones. */
  static GrantStore of(GrantStore store, BoundedCalls calls) {
    String type = store.getClass().getName();
    boolean builtIn = type.equals("dev.jitguard.spi.InMemoryGrantStore")
        || type.equals("dev.jitguard.store.JdbcGrantStore");
    return builtIn ? store : new BoundedGrantStore(store, calls);
  }

  @Override
  public void insert(RequestRecord request) {
    calls.run(WHAT, () -> store.insert(request));
  }

  @Override
  public void insert(RequestRecord request, Grant grant) {
    calls.run(WHAT, () -> store.insert(request, grant));
  }

  @Override
  public Optional<RequestRecord> findRequest(RequestId id) {
    return calls.call(WHAT, () -> store.findRequest(id));
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated) {
    return calls.call(WHAT, () -> store.update(expected, updated));
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
    return calls.call(WHAT, () -> store.update(expected, updated, issued));
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    return calls.call(WHAT, store::pendingRequests);
  }

  @Override
  public List<RequestRecord> openReviews() {
    return calls.call(WHAT, store::openReviews);
  }

  @Override
  public List<RequestRecord> requestsBy(String subjectId) {
    return calls.call(WHAT, () -> store.requestsBy(subjectId));
  }

  @Override
  public Optional<Grant> findGrant(GrantId id) {
    return calls.call(WHAT, () -> store.findGrant(id));
  }

  @Override
  public boolean update(Grant expected, Grant updated) {
    return calls.call(WHAT, () -> store.update(expected, updated));
  }

  @Override
  public List<Grant> grantsOf(String subjectId) {
    return calls.call(WHAT, () -> store.grantsOf(subjectId));
  }

  @Override
  public List<Grant> grantsFrom(RequestId requestId) {
    return calls.call(WHAT, () -> store.grantsFrom(requestId));
  }

  @Override
  public List<Grant> liveGrantsEndingBy(java.time.Instant until) {
    return calls.call(WHAT, () -> store.liveGrantsEndingBy(until));
  }

  @Override
  public List<Grant> liveGrants() {
    return calls.call(WHAT, store::liveGrants);
  }

  @Override
  public List<Grant> liveGrants(String subjectId, Privilege privilege) {
    return calls.call(WHAT, () -> store.liveGrants(subjectId, privilege));
  }

  @Override
  public List<RequestRecord> pendingRequestsBy(String subjectId) {
    return calls.call(WHAT, () -> store.pendingRequestsBy(subjectId));
  }

  @Override
  public List<RequestRecord> pendingRequests(java.util.Collection<dev.jitguard.rule.PrivilegePattern> privileges,
      dev.jitguard.spi.@org.jspecify.annotations.Nullable RequestPosition after, int limit) {
    return calls.call(WHAT, () -> store.pendingRequests(privileges, after, limit));
  }

  @Override
  public List<RequestRecord> openReviews(dev.jitguard.spi.@org.jspecify.annotations.Nullable RequestPosition after,
      int limit) {
    return calls.call(WHAT, () -> store.openReviews(after, limit));
  }

  @Override
  public List<Grant> liveGrantsOf(String subjectId) {
    return calls.call(WHAT, () -> store.liveGrantsOf(subjectId));
  }

  @Override
  public boolean isShared() {
    return store.isShared();
  }

  @Override
  public AutoCloseable subscribe(Consumer<GrantId> listener) {
    return store.subscribe(listener);
  }

  @Override
  public OptionalLong clockOffsetMillis() {
    return calls.call(WHAT, store::clockOffsetMillis);
  }

  @Override
  public String toString() {
    return store.toString();
  }
}
