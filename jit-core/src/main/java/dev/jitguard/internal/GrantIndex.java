package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The guard's index of grants for the check hot path: subject id → privilege → {@link Slot}. A two-level map needs
 * no composite key, so a lookup allocates nothing. Slots also carry the counters that keep per-call audit work off
 * the hot path (uses and denials, flushed by maintenance).
 */
final class GrantIndex {
  private final ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Slot>> bySubject = new ConcurrentHashMap<>();
  /** The cached denials of a privilege, one per check reason, for new slots. */
  private final Function<Privilege, Decision.Denied[]> denials;
  private volatile java.util.function.BiConsumer<Grant, Grant> onAnomaly = (arrived, cached) -> { };

  GrantIndex(Function<Privilege, Decision.Denied[]> denials) {
    this.denials = denials;
  }

  /** The slot, or null: the lookup of the hot path. */
  Slot find(String subjectId, Privilege privilege) {
    ConcurrentHashMap<Privilege, Slot> slots = bySubject.get(subjectId);
    return slots == null ? null : slots.get(privilege);
  }

  /** The slot, created if absent and never a dead one. */
  Slot slot(String subjectId, Privilege privilege) {
    while (true) {
      Slot s = bySubject.computeIfAbsent(subjectId, k -> new ConcurrentHashMap<>())
          .computeIfAbsent(privilege, p -> new Slot(subjectId, p, denials.apply(p)));
      if (!s.dead) {
        return s;
      }
      removeDead(s);
    }
  }

  /**
   * Adds or replaces a grant (by id). A record that says the grant ended always wins over one that says it is live,
   * whatever their versions: after a database restore, or a failover to a replica a write behind, the store may hold
   * (and a revocation may write) a version no higher than the one cached, and that must never keep a grant alive.
   * Otherwise the newest version wins and older ones arriving late are ignored. A version that went backwards (an
   * ended record not above the live one cached, or a newer record saying an ended grant is live again) is an anomaly
   * of the store: it is reported to {@link #onAnomaly}, and the ended record is kept.
   */
  void upsert(Grant grant) {
    Grant anomaly = null;
    Grant cached = null;
    while (true) {
      Slot s = slot(grant.subjectId(), grant.privilege());
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        Entry[] es = s.entries;
        int i = 0;
        while (i < es.length && !es[i].grant.id().equals(grant.id())) {
          i++;
        }
        if (i == es.length) {
          Entry[] copy = Arrays.copyOf(es, es.length + 1);
          copy[es.length] = new Entry(grant, null);
          s.entries = copy;
          break;
        }
        Grant current = es[i].grant;
        boolean currentEnded = current.storedStatus().isTerminal();
        boolean incomingEnded = grant.storedStatus().isTerminal();
        boolean take;
        if (currentEnded != incomingEnded) {
          take = incomingEnded; // ended wins, in either order
          if (incomingEnded ? grant.version() <= current.version() : grant.version() > current.version()) {
            anomaly = grant;
            cached = current;
          }
        } else {
          take = grant.version() > current.version();
        }
        if (take) {
          Entry[] copy = es.clone();
          copy[i] = new Entry(grant, es[i]);
          s.entries = copy;
        }
        break;
      }
    }
    if (anomaly != null) {
      onAnomaly.accept(anomaly, cached);
    }
  }

  /**
   * Who is told of a version that went backwards (the engine logs and audits it).
   *
   * @param listener told the record that arrived and the one cached
   */
  void onAnomaly(java.util.function.BiConsumer<Grant, Grant> listener) {
    this.onAnomaly = listener;
  }

  /** Every slot, for maintenance. */
  List<Slot> slots() {
    List<Slot> out = new ArrayList<>();
    for (ConcurrentHashMap<Privilege, Slot> m : bySubject.values()) {
      out.addAll(m.values());
    }
    return out;
  }

  /** Drops a slot that has no entries and no counts; returns true if it was dropped. */
  boolean dropIfIdle(Slot s) {
    synchronized (s) {
      if (s.entries.length > 0 || s.deniedChecks.sum() != 0 || s.dead) {
        return false;
      }
      s.dead = true;
    }
    removeDead(s);
    return true;
  }

  /**
   * Unlinks a dead slot. The per-subject map stays, even when empty: removing it could race with a writer that
   * already holds it and lose a grant from the index.
   */
  private void removeDead(Slot s) {
    ConcurrentHashMap<Privilege, Slot> slots = bySubject.get(s.subjectId);
    if (slots != null) {
      slots.remove(s.privilege, s);
    }
  }

  /** Removes entries matching the filter (already flushed by the caller). */
  void removeEntries(Slot s, Predicate<Entry> remove) {
    synchronized (s) {
      Entry[] es = s.entries;
      int keep = 0;
      for (Entry e : es) {
        if (!remove.test(e)) {
          keep++;
        }
      }
      if (keep == es.length) {
        return;
      }
      Entry[] copy = new Entry[keep];
      int i = 0;
      for (Entry e : es) {
        if (!remove.test(e)) {
          copy[i++] = e;
        }
      }
      s.entries = copy;
    }
  }

  /** The grants and counters of one subject and privilege. */
  static final class Slot {
    private static final Entry[] EMPTY = new Entry[0];
    private static final AtomicLongFieldUpdater<Slot> DENIALS_RECORDED =
        AtomicLongFieldUpdater.newUpdater(Slot.class, "denialsRecorded");

    static {
      if (ReasonCode.values().length > Long.SIZE) {
        throw new AssertionError("one bit per ReasonCode no longer fits Slot.denialsRecorded");
      }
    }

    final String subjectId;
    final Privilege privilege;
    volatile Entry[] entries = EMPTY;
    /** Cached denials for this privilege, indexed by reason ordinal; replaced when the policy changes. */
    volatile Decision.Denied[] denials;
    /** Denied checks not yet audited. */
    final LongAdder deniedChecks = new LongAdder();
    /** One bit per reason ordinal: the reasons already recorded as an event in this flush period. */
    volatile long denialsRecorded;
    volatile boolean dead;
    /** With a shared store: until when (epoch ms) the entries are fresh enough to answer without the store. */
    volatile long freshUntil;

    Slot(String subjectId, Privilege privilege, Decision.Denied[] denials) {
      this.subjectId = subjectId;
      this.privilege = privilege;
      this.denials = denials;
    }

    /** True once per reason and flush period: the caller records the first denial for that reason as an event. */
    boolean claimFirstDenial(ReasonCode why) {
      long bit = 1L << why.ordinal();
      while (true) {
        long seen = denialsRecorded;
        if ((seen & bit) != 0) {
          return false;
        }
        if (DENIALS_RECORDED.compareAndSet(this, seen, seen | bit)) {
          return true;
        }
      }
    }

    /** Starts a new flush period. */
    void resetFirstDenial() {
      denialsRecorded = 0;
    }
  }

  /** One grant in a slot, with its use counter. */
  static final class Entry {
    private static final AtomicIntegerFieldUpdater<Entry> FIRST_USE =
        AtomicIntegerFieldUpdater.newUpdater(Entry.class, "firstUse");

    final Grant grant;
    /** Uses not yet audited. */
    final LongAdder uses;
    /** 0: no use recorded yet; 1: the first use is being recorded; 2: a use is recorded. */
    volatile int firstUse;
    /**
     * The grant's final status once known (stored terminal, or seen expired). The guard's clock never goes backwards,
     * so an expired grant stays expired and a check need not read the clock again for it. Not carried over to a newer
     * version of the grant.
     */
    volatile GrantStatus ended;

    Entry(Grant grant, Entry previous) {
      this.grant = grant;
      this.uses = previous != null ? previous.uses : new LongAdder();
      this.firstUse = previous != null ? previous.firstUse : 0;
      this.ended = grant.storedStatus().isTerminal() ? grant.storedStatus() : null;
    }

    /** Whether a use of this grant is recorded, so that later uses may be counted and summarised. */
    boolean useRecorded() {
      return firstUse == 2;
    }

    /** Claims the recording of the first use; false if another check has claimed it or a use is recorded. */
    boolean claimFirstUse() {
      return FIRST_USE.compareAndSet(this, 0, 1);
    }

    /** A use is recorded: from now on uses are counted. */
    void markUseRecorded() {
      firstUse = 2;
    }

    /** The claimed first-use record failed: the next check tries again. */
    void releaseFirstUse() {
      FIRST_USE.compareAndSet(this, 1, 0);
    }
  }
}
