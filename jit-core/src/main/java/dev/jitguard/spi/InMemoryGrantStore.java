package dev.jitguard.spi;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A {@link GrantStore} in memory, built on Caffeine. Live records (pending requests, issued grants) are kept until
 * they end; records in a final status are evicted a retention period (24 hours) after their last
 * change, so a long-running process does not grow without bound. Eviction is memory hygiene only: expiry is decided
 * by the guard from each grant's {@code expiresAt} on every check, never by eviction.
 *
 * <p>Thread-safe; every transition is an atomic compare-and-set on the record's version. The two writes that touch
 * two records (a request with the grant it produced) hold a write lock and every read holds the read lock, so no read
 * sees one record of the pair without the other; writes of one record need no lock. Listing scans all records, which
 * suits tests, examples and single-process applications with up to some hundred thousand records.
 */
final class InMemoryGrantStore implements GrantStore {
  /** How long requests and grants in a final status are kept (for listing and timelines) before eviction. */
  static final Duration RETENTION = Duration.ofHours(24);

  private final Cache<RequestId, RequestRecord> requests;
  private final Cache<GrantId, Grant> grants;
  private final ReentrantReadWriteLock pairs = new ReentrantReadWriteLock();

  InMemoryGrantStore() {
    long retentionNanos = RETENTION.toNanos();
    this.requests = Caffeine.newBuilder()
                .expireAfter(new RetainTerminal<RequestRecord>(retentionNanos, r -> r.status().isTerminal()))
        .build();
    this.grants = Caffeine.newBuilder()
                .expireAfter(new RetainTerminal<Grant>(retentionNanos, g -> g.storedStatus().isTerminal()))
        .build();
  }


  @Override
  public void insert(RequestRecord request) {
    Objects.requireNonNull(request, "request cannot be null");
    if (requests.asMap().putIfAbsent(request.id(), request) != null) {
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
    return select(requests, r -> r.status() == RequestStatus.PENDING);
  }

  @Override
  public List<RequestRecord> openReviews() {
    return select(requests, RequestRecord::isReviewOpen);
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
    return select(grants, g -> g.requestId().equals(requestId));
  }

  @Override
  public List<Grant> liveGrants() {
    return select(grants, g -> !g.storedStatus().isTerminal());
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

  @Override
  public String toString() {
    return "InMemoryGrantStore[requests=" + requests.estimatedSize() + ", grants=" + grants.estimatedSize() + "]";
  }

  /** Keeps live records forever and terminal ones for the retention period after their last write. */
  private static final class RetainTerminal<V> implements Expiry<Object, V> {
    private final long retentionNanos;
    private final Predicate<V> terminal;

    RetainTerminal(long retentionNanos, Predicate<V> terminal) {
      this.retentionNanos = retentionNanos;
      this.terminal = terminal;
    }

    @Override
    public long expireAfterCreate(Object key, V value, long currentTime) {
      return terminal.test(value) ? retentionNanos : Long.MAX_VALUE;
    }

    @Override
    public long expireAfterUpdate(Object key, V value, long currentTime, long currentDuration) {
      return terminal.test(value) ? retentionNanos : Long.MAX_VALUE;
    }

    @Override
    public long expireAfterRead(Object key, V value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
