package dev.jitguard.spi;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.rule.PrivilegePattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link GrantStore} in memory, built on Caffeine. Live records (pending requests, issued grants) are kept until
 * they end; records in a final status are evicted a retention period (24 hours) after their last change, except an
 * approved request, kept as long as its grant may live, and a break-glass use, kept until it is reviewed; so a
 * long-running process does not grow without bound. Eviction is memory hygiene only: expiry is decided
 * by the guard from each grant's {@code expiresAt} on every check, never by eviction.
 *
 * <p>Thread-safe; every transition is an atomic compare-and-set on the record's version. The two writes that touch
 * two records (a request with the grant it produced) hold a write lock and every read holds the read lock, so no read
 * sees one record of the pair without the other; writes of one record need no lock. The narrow queries (pending
 * requests of a requester or for some privileges, open reviews, live grants of a subject or in all) read secondary
 * indexes of live records ({@link InMemoryIndexes}), updated in the same atomic step as each write, so they cost what
 * their answer costs; terminal records are found by id only, and by the broad lists ({@link #requestsBy},
 * {@link #grantsOf}), which scan every record.
 */
final class InMemoryGrantStore implements GrantStore {
  /** How long requests and grants in a final status are kept (for listing and timelines) before eviction. */
  static final Duration RETENTION = Duration.ofHours(24);

  private final Cache<RequestId, RequestRecord> requests;
  private final Cache<GrantId, Grant> grants;
  private final ReentrantReadWriteLock pairs = new ReentrantReadWriteLock();
  private final InMemoryIndexes indexes = new InMemoryIndexes();

  InMemoryGrantStore() {
    this(com.github.benmanes.caffeine.cache.Ticker.systemTicker());
  }

  /** With the time source of retention (tests pass a fake one). */
  InMemoryGrantStore(com.github.benmanes.caffeine.cache.Ticker ticker) {
    long retentionNanos = RETENTION.toNanos();
    this.grants = Caffeine.newBuilder()
        .ticker(ticker)
        .expireAfter(new Retention<Grant>(g -> g.storedStatus().isTerminal() ? retentionNanos : Long.MAX_VALUE))
        .evictionListener((GrantId id, Grant g, com.github.benmanes.caffeine.cache.RemovalCause cause) ->
            indexes.grant(g, null))
        .build();
    this.requests = Caffeine.newBuilder()
        .ticker(ticker)
        .expireAfter(new Retention<RequestRecord>(r -> requestRetention(r, retentionNanos)))
        .evictionListener((RequestId id, RequestRecord r, com.github.benmanes.caffeine.cache.RemovalCause cause) ->
            indexes.request(r, null))
        .build();
  }

  /**
   * How long a request is kept from its last write: live ones (pending) forever; a break-glass use until it is
   * reviewed; an approved one as long as its grant may live (the guard re-evaluates the holder, as recorded with the
   * request, when the policy changes or an approver extends the grant), then the retention period; others for the
   * retention period.
   */
  private long requestRetention(RequestRecord r, long retentionNanos) {
    if (!r.status().isTerminal() || r.isReviewOpen()) {
      return Long.MAX_VALUE;
    }
    if (r.grantId().isPresent()) {
      Grant g = grants.getIfPresent(r.grantId().get());
      if (g != null && !g.storedStatus().isTerminal()) {
        long untilCap = Math.max(0, g.capExpiresAt().toEpochMilli() - System.currentTimeMillis());
        return Math.min(Long.MAX_VALUE / 2, untilCap * 1_000_000L) + retentionNanos;
      }
    }
    return retentionNanos;
  }


  @Override
  public void insert(RequestRecord request) {
    Objects.requireNonNull(request, "request cannot be null");
    boolean[] inserted = {false};
    requests.asMap().computeIfAbsent(request.id(), id -> {
      indexes.request(null, request);
      inserted[0] = true;
      return request;
    });
    if (!inserted[0]) {
      throw new IllegalStateException("request " + request.id() + " already exists");
    }
  }

  @Override
  public void insert(RequestRecord request, Grant grant) {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(grant, "grant cannot be null");
    Lock lock = pairs.writeLock();
    lock.lock();
    try {
      if (grants.asMap().containsKey(grant.id())) {
        throw new IllegalStateException("grant " + grant.id() + " already exists");
      }
      boolean[] inserted = {false};
      requests.asMap().computeIfAbsent(request.id(), id -> {
        if (grants.asMap().putIfAbsent(grant.id(), grant) != null) {
          throw new IllegalStateException("grant " + grant.id() + " already exists");
        }
        indexes.grant(null, grant);
        indexes.request(null, request);
        inserted[0] = true;
        return request;
      });
      if (!inserted[0]) {
        throw new IllegalStateException("request " + request.id() + " already exists");
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<RequestRecord> findRequest(RequestId id) {
    return read(() -> Optional.ofNullable(requests.getIfPresent(id)));
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated) {
    return update(expected, updated, null);
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    Lock lock = issued == null ? null : pairs.writeLock();
    if (lock != null) {
      lock.lock();
    }
    try {
      boolean[] replaced = {false};
      requests.asMap().computeIfPresent(expected.id(), (id, current) -> {
        if (current.version() != expected.version()) {
          return current;
        }
        if (issued != null && grants.asMap().putIfAbsent(issued.id(), issued) != null) {
          throw new IllegalStateException("grant " + issued.id() + " already exists");
        }
        if (issued != null) {
          indexes.grant(null, issued);
        }
        indexes.request(current, updated);
        replaced[0] = true;
        return updated;
      });
      return replaced[0];
    } finally {
      if (lock != null) {
        lock.unlock();
      }
    }
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    return read(() -> byIds(requests, indexes.pending(), r -> r.status() == RequestStatus.PENDING));
  }

  @Override
  public List<RequestRecord> openReviews() {
    return openReviews(null, Integer.MAX_VALUE);
  }

  @Override
  public List<RequestRecord> pendingRequestsBy(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    List<RequestRecord> out = read(() -> byIds(requests, indexes.pendingOf(subjectId),
        r -> r.status() == RequestStatus.PENDING && r.requesterId().equals(subjectId)));
    return out.stream().sorted(java.util.Comparator.comparing(RequestPosition::of)).toList();
  }

  @Override
  public List<RequestRecord> pendingRequests(Collection<PrivilegePattern> privileges,
      @Nullable RequestPosition after, int limit) {
    Objects.requireNonNull(privileges, "privileges cannot be null");
    positive(limit);
    return read(() -> indexes.pendingFor(privileges, after, limit, requests::getIfPresent));
  }

  @Override
  public List<RequestRecord> openReviews(@Nullable RequestPosition after, int limit) {
    positive(limit);
    return read(() -> indexes.openReviews(after, limit, requests::getIfPresent));
  }

  @Override
  public List<RequestRecord> requestsBy(String subjectId) {
    return select(requests, r -> r.requesterId().equals(subjectId));
  }

  @Override
  public Optional<Grant> findGrant(GrantId id) {
    return read(() -> Optional.ofNullable(grants.getIfPresent(id)));
  }

  @Override
  public boolean update(Grant expected, Grant updated) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    boolean[] replaced = {false};
    grants.asMap().computeIfPresent(expected.id(), (id, current) -> {
      if (current.version() != expected.version()) {
        return current;
      }
      indexes.grant(current, updated);
      replaced[0] = true;
      return updated;
    });
    return replaced[0];
  }

  @Override
  public List<Grant> grantsOf(String subjectId) {
    return select(grants, g -> g.subjectId().equals(subjectId));
  }

  @Override
  public List<Grant> grantsFrom(RequestId requestId) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    return read(() -> byIds(grants, indexes.grantsOfRequest(requestId), g -> g.requestId().equals(requestId)));
  }

  @Override
  public List<Grant> liveGrants() {
    return read(() -> byIds(grants, indexes.live(), g -> !g.storedStatus().isTerminal()));
  }

  @Override
  public List<Grant> liveGrantsOf(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return read(() -> byIds(grants, indexes.liveOf(subjectId),
        g -> !g.storedStatus().isTerminal() && g.subjectId().equals(subjectId)));
  }

  @Override
  public List<Grant> liveGrants(String subjectId, Privilege privilege) {
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return liveGrantsOf(subjectId).stream().filter(g -> g.privilege().equals(privilege)).toList();
  }

  /** The records of the ids an index gave that still pass the filter (the index is a pre-filter). */
  private static <K, V> List<V> byIds(Cache<K, V> cache, Collection<K> ids, Predicate<V> filter) {
    List<V> out = new ArrayList<>(ids.size());
    for (K id : ids) {
      V v = cache.getIfPresent(id);
      if (v != null && filter.test(v)) {
        out.add(v);
      }
    }
    return out;
  }

  private static void positive(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, but was " + limit);
    }
  }

  private <K, V> List<V> select(Cache<K, V> cache, Predicate<V> filter) {
    return read(() -> {
      List<V> out = new ArrayList<>();
      for (V v : cache.asMap().values()) {
        if (filter.test(v)) {
          out.add(v);
        }
      }
      return out;
    });
  }

  /** Runs a read under the read lock, so that it never sees half of a two-record write. */
  private <T> T read(Supplier<T> read) {
    Lock lock = pairs.readLock();
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
  }

  private static void checkNext(Object expectedId, Object updatedId, long expectedVersion, long updatedVersion) {
    if (!expectedId.equals(updatedId)) {
      throw new IllegalArgumentException("updated id " + updatedId + " differs from expected id " + expectedId);
    }
    if (updatedVersion != expectedVersion + 1) {
      throw new IllegalArgumentException("updated version must be " + (expectedVersion + 1) + ", but was "
          + updatedVersion);
    }
  }

  /** Entries in the secondary indexes, after pending evictions ran (for tests). */
  int indexedEntries() {
    requests.cleanUp();
    grants.cleanUp();
    return indexes.size();
  }

  @Override
  public String toString() {
    return "InMemoryGrantStore[requests=" + requests.estimatedSize() + ", grants=" + grants.estimatedSize() + "]";
  }

  /** Keeps live records forever and terminal ones for the retention period after their last write. */
  /** Keeps each record for the time its function gives, counted from its last write. */
  private static final class Retention<V> implements Expiry<Object, V> {
    private final java.util.function.ToLongFunction<V> nanos;

    Retention(java.util.function.ToLongFunction<V> nanos) {
      this.nanos = nanos;
    }

    @Override
    public long expireAfterCreate(Object key, V value, long currentTime) {
      return nanos.applyAsLong(value);
    }

    @Override
    public long expireAfterUpdate(Object key, V value, long currentTime, long currentDuration) {
      return nanos.applyAsLong(value);
    }

    @Override
    public long expireAfterRead(Object key, V value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
