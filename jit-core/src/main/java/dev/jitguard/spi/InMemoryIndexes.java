package dev.jitguard.spi;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.rule.PrivilegePattern;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory store's secondary indexes, of live records only: pending requests by requester and by privilege (in
 * {@link RequestPosition} order), open break-glass reviews, live grants by subject, and the grants of each request.
 * A record leaves them when it becomes terminal (or is evicted), so terminal records cost nothing on any listing.
 *
 * <p>The store updates them inside the atomic step of each write (the compare-and-set's compute, or the write lock of
 * a two-record write), from the record before and after the write; each index holds ids or positions, and a reader
 * reads the record itself and checks it again, so an index is a pre-filter and never the answer. Thread-safe.
 */
final class InMemoryIndexes {
  private final ConcurrentHashMap<String, Set<RequestId>> pendingBySubject = new ConcurrentHashMap<>();
  /** Pending positions by exact privilege name; {@link #pendingPrivileges} lists the names, sorted, for prefixes. */
  private final ConcurrentHashMap<String, ConcurrentSkipListSet<RequestPosition>> pendingByPrivilege =
      new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<String> pendingPrivileges = new ConcurrentSkipListSet<>();
  private final Set<RequestId> pending = ConcurrentHashMap.newKeySet();
  private final ConcurrentSkipListSet<RequestPosition> openReviews = new ConcurrentSkipListSet<>();
  private final ConcurrentHashMap<String, Set<GrantId>> liveBySubject = new ConcurrentHashMap<>();
  private final Set<GrantId> live = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<RequestId, Set<GrantId>> grantsByRequest = new ConcurrentHashMap<>();

  /** A request was written (before null: inserted) or removed (after null: evicted). */
  void request(@Nullable RequestRecord before, @Nullable RequestRecord after) {
    RequestRecord any = after != null ? after : before;
    if (any == null) {
      return;
    }
    boolean wasPending = before != null && before.status() == RequestStatus.PENDING;
    boolean isPending = after != null && after.status() == RequestStatus.PENDING;
    RequestPosition position = RequestPosition.of(any);
    if (isPending && !wasPending) {
      pending.add(any.id());
      pendingBySubject.compute(any.requesterId(), (k, ids) -> with(ids, any.id()));
      pendingByPrivilege.compute(any.privilege().name(), (k, set) -> {
        ConcurrentSkipListSet<RequestPosition> s = set != null ? set : new ConcurrentSkipListSet<>();
        s.add(position);
        pendingPrivileges.add(k);
        return s;
      });
    } else if (wasPending && !isPending) {
      pendingBySubject.compute(any.requesterId(), (k, ids) -> without(ids, any.id()));
      pendingByPrivilege.computeIfPresent(any.privilege().name(), (k, set) -> {
        set.remove(position);
        if (set.isEmpty()) {
          pendingPrivileges.remove(k);
          return null;
        }
        return set;
      });
      pending.remove(any.id());
    }
    boolean wasOpen = before != null && before.isReviewOpen();
    boolean isOpen = after != null && after.isReviewOpen();
    if (isOpen && !wasOpen) {
      openReviews.add(position);
    } else if (wasOpen && !isOpen) {
      openReviews.remove(position);
    }
  }

  /** A grant was written (before null: inserted) or removed (after null: evicted). */
  void grant(@Nullable Grant before, @Nullable Grant after) {
    Grant any = after != null ? after : before;
    if (any == null) {
      return;
    }
    boolean wasLive = before != null && !before.storedStatus().isTerminal();
    boolean isLive = after != null && !after.storedStatus().isTerminal();
    if (isLive && !wasLive) {
      live.add(any.id());
      liveBySubject.compute(any.subjectId(), (k, ids) -> with(ids, any.id()));
    } else if (wasLive && !isLive) {
      liveBySubject.compute(any.subjectId(), (k, ids) -> without(ids, any.id()));
      live.remove(any.id());
    }
    if (before == null) {
      grantsByRequest.compute(any.requestId(), (k, ids) -> with(ids, any.id()));
    } else if (after == null) {
      grantsByRequest.compute(any.requestId(), (k, ids) -> without(ids, any.id()));
    }
  }

  /** How many entries all the indexes hold (for tests: zero once every record ended and was evicted). */
  int size() {
    return pendingBySubject.size() + pendingByPrivilege.size() + pendingPrivileges.size() + pending.size()
        + openReviews.size() + liveBySubject.size() + live.size() + grantsByRequest.size();
  }

  Collection<RequestId> pendingOf(String subjectId) {
    return pendingBySubject.getOrDefault(subjectId, Set.of());
  }

  Collection<RequestId> pending() {
    return pending;
  }

  Collection<GrantId> liveOf(String subjectId) {
    return liveBySubject.getOrDefault(subjectId, Set.of());
  }

  Collection<GrantId> live() {
    return live;
  }

  Collection<GrantId> grantsOfRequest(RequestId requestId) {
    return grantsByRequest.getOrDefault(requestId, Set.of());
  }

  /**
   * Pending requests of privileges the patterns cover, in position order after {@code after}, read through
   * {@code find} and kept if {@code keep} says so, at most {@code limit}: a merge of the covered privileges' ordered
   * sets, reading only as many records as the page needs (plus those that changed meanwhile).
   */
  List<RequestRecord> pendingFor(Collection<PrivilegePattern> patterns, @Nullable RequestPosition after, int limit,
      Function<RequestId, @Nullable RequestRecord> find) {
    Set<String> names = new HashSet<>();
    for (PrivilegePattern p : patterns) {
      if (p.isWildcard()) {
        // Names strictly below the prefix: from "base." up to, not including, "base/" ('/' follows '.').
        names.addAll(pendingPrivileges.subSet(p.base() + ".", false, p.base() + "/", false));
      } else if (pendingPrivileges.contains(p.value())) {
        names.add(p.value());
      }
    }
    List<Iterator<RequestPosition>> sources = new ArrayList<>();
    for (String name : names) {
      ConcurrentSkipListSet<RequestPosition> set = pendingByPrivilege.get(name);
      if (set != null) {
        sources.add((after == null ? set : set.tailSet(after, false)).iterator());
      }
    }
    return merge(sources, limit, id -> {
      RequestRecord r = find.apply(id);
      return r != null && r.status() == RequestStatus.PENDING ? r : null;
    });
  }

  /** Open reviews in position order after {@code after}, at most {@code limit}. */
  List<RequestRecord> openReviews(@Nullable RequestPosition after, int limit,
      Function<RequestId, @Nullable RequestRecord> find) {
    Iterator<RequestPosition> it = (after == null ? openReviews : openReviews.tailSet(after, false)).iterator();
    return merge(List.of(it), limit, id -> {
      RequestRecord r = find.apply(id);
      return r != null && r.isReviewOpen() ? r : null;
    });
  }

  /** A k-way merge of ordered sources: the first {@code limit} positions whose record {@code read} returns. */
  private static List<RequestRecord> merge(List<Iterator<RequestPosition>> sources, int limit,
      Function<RequestId, @Nullable RequestRecord> read) {
    record Head(RequestPosition position, Iterator<RequestPosition> rest) { }
    PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> a.position().compareTo(b.position()));
    for (Iterator<RequestPosition> it : sources) {
      if (it.hasNext()) {
        heads.add(new Head(it.next(), it));
      }
    }
    List<RequestRecord> out = new ArrayList<>();
    while (out.size() < limit && !heads.isEmpty()) {
      Head h = heads.poll();
      RequestRecord r = read.apply(h.position().id());
      if (r != null) {
        out.add(r);
      }
      if (h.rest().hasNext()) {
        heads.add(new Head(h.rest().next(), h.rest()));
      }
    }
    return out;
  }

  private static <T> @Nullable Set<T> with(@Nullable Set<T> ids, T id) {
    if (ids == null) {
      return Set.of(id);
    }
    Set<T> next = new HashSet<>(ids);
    next.add(id);
    return Set.copyOf(next);
  }

  private static <T> @Nullable Set<T> without(@Nullable Set<T> ids, T id) {
    if (ids == null || !ids.contains(id)) {
      return ids;
    }
    if (ids.size() == 1) {
      return null;
    }
    Set<T> next = new HashSet<>(ids);
    next.remove(id);
    return Set.copyOf(next);
  }
}
