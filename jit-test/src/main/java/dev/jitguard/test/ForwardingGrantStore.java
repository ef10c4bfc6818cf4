package dev.jitguard.test;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.RequestPosition;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link GrantStore} that forwards every call to another one, calling {@link #beforeCall()} first. Extend it to
 * inject faults (throw from {@code beforeCall}) or to observe writes, overriding only what differs:
 *
 * <pre>{@code
 * class FlakyStore extends ForwardingGrantStore {
 *   volatile boolean down;
 *   FlakyStore() { super(GrantStore.inMemory()); }
 *   @Override protected void beforeCall() { if (down) throw new IllegalStateException("database down"); }
 * }
 * }</pre>
 *
 * Thread-safe if the delegate and the subclass are.
 */
public abstract class ForwardingGrantStore implements GrantStore {
  private final GrantStore delegate;

  /**
   * Creates the store.
   *
   * @param delegate where calls go
   */
  protected ForwardingGrantStore(GrantStore delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate cannot be null");
  }

  /** @return the store calls go to (override to switch stores, as a test of a restored database does) */
  protected GrantStore delegate() {
    return delegate;
  }

  /** Runs before every forwarded call; throw here to simulate a failing store. Does nothing by default. */
  protected void beforeCall() {}

  @Override
  public void insert(RequestRecord request) {
    beforeCall();
    delegate().insert(request);
  }

  @Override
  public void insert(RequestRecord request, Grant grant) {
    beforeCall();
    delegate().insert(request, grant);
  }

  @Override
  public Optional<RequestRecord> findRequest(RequestId id) {
    beforeCall();
    return delegate().findRequest(id);
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated) {
    beforeCall();
    return delegate().update(expected, updated);
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
    beforeCall();
    return delegate().update(expected, updated, issued);
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    beforeCall();
    return delegate().pendingRequests();
  }

  @Override
  public List<RequestRecord> openReviews() {
    beforeCall();
    return delegate().openReviews();
  }

  @Override
  public List<RequestRecord> requestsBy(String subjectId) {
    beforeCall();
    return delegate().requestsBy(subjectId);
  }

  @Override
  public List<RequestRecord> pendingRequestsBy(String subjectId) {
    beforeCall();
    return delegate().pendingRequestsBy(subjectId);
  }

  @Override
  public List<RequestRecord> pendingRequests(Collection<PrivilegePattern> privileges, @Nullable RequestPosition after,
      int limit) {
    beforeCall();
    return delegate().pendingRequests(privileges, after, limit);
  }

  @Override
  public List<RequestRecord> openReviews(@Nullable RequestPosition after, int limit) {
    beforeCall();
    return delegate().openReviews(after, limit);
  }

  @Override
  public Optional<Grant> findGrant(GrantId id) {
    beforeCall();
    return delegate().findGrant(id);
  }

  @Override
  public boolean update(Grant expected, Grant updated) {
    beforeCall();
    return delegate().update(expected, updated);
  }

  @Override
  public List<Grant> grantsOf(String subjectId) {
    beforeCall();
    return delegate().grantsOf(subjectId);
  }

  @Override
  public List<Grant> grantsFrom(RequestId requestId) {
    beforeCall();
    return delegate().grantsFrom(requestId);
  }

  @Override
  public List<Grant> liveGrants() {
    beforeCall();
    return delegate().liveGrants();
  }

  @Override
  public List<Grant> liveGrants(String subjectId, Privilege privilege) {
    beforeCall();
    return delegate().liveGrants(subjectId, privilege);
  }

  @Override
  public List<Grant> liveGrantsEndingBy(java.time.Instant until) {
    beforeCall();
    return delegate().liveGrantsEndingBy(until);
  }

  @Override
  public List<Grant> liveGrantsOf(String subjectId) {
    beforeCall();
    return delegate().liveGrantsOf(subjectId);
  }

  @Override
  public boolean isShared() {
    return delegate().isShared();
  }

  @Override
  public AutoCloseable subscribe(Consumer<GrantId> listener) {
    return delegate().subscribe(listener);
  }

  @Override
  public OptionalLong clockOffsetMillis() {
    beforeCall();
    return delegate().clockOffsetMillis();
  }
}
