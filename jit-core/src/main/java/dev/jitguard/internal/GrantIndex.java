package dev.jitguard.internal;

import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.action.ActionBinding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The guard's index of grants for the check hot path: subject id → privilege → {@link Slot}. A two-level map needs
 * no composite key, so a lookup allocates nothing. A slot holds its live grants only (active or scheduled, in
 * {@link Slot#live}), so a check costs what the subject holds now, not what it held; a grant that ends (revoked,
 * consumed, or expired as seen by a check or by maintenance) leaves the live array for a small {@link Ended} record,
 * kept for an hour to say why a check is denied and to keep the ended grant from coming back. Slots also carry the
 * counters that keep per-call audit work off the hot path (uses and denials, flushed by maintenance).
 *
 * <p>Memory follows live state: a slot with nothing live, nothing ended within the hour and nothing left to flush is
 * dropped by maintenance, and so is the subject's map once it has no slot. A denied check of a subject without a
 * slot makes one (its denials are summarised per subject), but at most {@link #MAX_DENIAL_SLOTS} per maintenance
 * period; beyond that, denials are counted per privilege only.
 */
final class GrantIndex {
  /** How many slots denied checks may create between two maintenance runs before they are counted per privilege. */
  static final int MAX_DENIAL_SLOTS = 10_000;

  /** Privileges a subject may hold before its slots are kept in a hash map rather than scanned in an array. */
  private static final int SMALL = 8;

  /**
   * Subject id → its slots: a {@code Slot[]} of at most {@link #SMALL} (most subjects hold one or a few privileges;
   * an array costs a fraction of a map), else an immutable {@code Map<Privilege, Slot>}. Either is replaced whole,
   * under the outer map's lock for the subject ({@code compute}), never changed in place.
   */
  private final ConcurrentHashMap<String, Object> bySubject = new ConcurrentHashMap<>();
  /** Denials of subjects that could get no slot of their own this period, per privilege; emptied by maintenance. */
  private final ConcurrentHashMap<Privilege, Slot> overflow = new ConcurrentHashMap<>();
  private final AtomicInteger denialSlots = new AtomicInteger();
  /** The cached denials of a privilege, one per check reason, for new slots. */
  private final Function<Privilege, Decision.Denied[]> denials;
  private volatile BiConsumer<Grant, Grant> onAnomaly = (arrived, cached) -> { };

  GrantIndex(Function<Privilege, Decision.Denied[]> denials) {
    this.denials = denials;
  }

  /** The slot, or null: the lookup of the hot path. */
  Slot find(String subjectId, Privilege privilege) {
    return lookup(bySubject.get(subjectId), privilege);
  }

  @SuppressWarnings("unchecked")
  private static Slot lookup(Object slots, Privilege privilege) {
    if (slots instanceof Slot[]) {
      int h = privilege.hashCode(); // cached by the name: a slot of another privilege is passed over on an int
      for (Slot s : (Slot[]) slots) {
        Privilege p = s.privilege;
        if (p == privilege || (p.hashCode() == h && p.equals(privilege))) {
          return s;
        }
      }
      return null;
    }
    return slots == null ? null : ((Map<Privilege, Slot>) slots).get(privilege);
  }


  /**
   * The slot, created if absent and never a dead one. The subject's map is created and removed under the outer map's
   * lock for that subject ({@code compute}), so a slot is never put into a map that is being removed.
   */
  Slot slot(String subjectId, Privilege privilege) {
    while (true) {
      Slot s = find(subjectId, privilege);
      if (s == null) {
        Slot[] made = new Slot[1];
        bySubject.compute(subjectId, (k, v) -> {
          Slot found = lookup(v, privilege);
          if (found != null) {
            made[0] = found;
            return v;
          }
          made[0] = new Slot(subjectId, privilege, denials.apply(privilege));
          return added(v, made[0]);
        });
        s = made[0];
      }
      if (!s.dead) {
        return s;
      }
      removeDead(s);
    }
  }

  /**
   * The slot a denied check is counted in: the subject's own if it has one; else a new one while fewer than
   * {@link #MAX_DENIAL_SLOTS} were made for denials this period; else the privilege's shared overflow slot.
   */
  Slot denialSlot(String subjectId, Privilege privilege) {
    Slot s = find(subjectId, privilege);
    if (s != null) {
      return s;
    }
    if (denialSlots.get() < MAX_DENIAL_SLOTS) {
      denialSlots.incrementAndGet();
      return slot(subjectId, privilege);
    }
    return overflow.computeIfAbsent(privilege, p -> new Slot(null, p, denials.apply(p)));
  }

  /**
   * Adds or replaces a grant (by id). A record that says the grant ended always wins over one that says it is live,
   * whatever their versions: after a database restore, or a failover to a replica a write behind, the store may hold
   * (and a revocation may write) a version no higher than the one cached, and that must never keep a grant alive.
   * Otherwise the newest version wins and older ones arriving late are ignored. A version that went backwards (an
   * ended record not above the live one cached, or a newer record saying an ended grant is live again) is an anomaly
   * of the store: it is reported to {@link #onAnomaly}, and the ended record is kept.
   *
   * <p>A newer live version replaces the grant in its entry (no copy of the slot; its counters carry over). A grant
   * that ends leaves the live array for an {@link Ended} record. A grant this guard saw expire (or that the store no
   * longer had) comes back only with a newer version from the store (an extension made elsewhere before it expired).
   */
  void upsert(Grant grant) {
    Grant anomaly = null;
    Grant cached = null;
    boolean incomingEnded = grant.storedStatus().isTerminal();
    GrantId id = grant.id();
    while (true) {
      Slot s = slot(grant.subjectId(), grant.privilege());
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        Entry[] live = s.live;
        int i = indexOf(live, id);
        if (i >= 0) {
          Entry e = live[i];
          Grant current = e.grant;
          if (incomingEnded) {
            if (grant.version() <= current.version()) {
              anomaly = grant;
              cached = current;
            }
            addEnded(s, Ended.stored(grant, e)); // first: a check that no longer sees it live sees why
            s.live = without(live, i);
          } else if (grant.version() > current.version()) {
            e.grant = grant;
          }
          break;
        }
        Ended[] ended = s.ended;
        int j = indexOf(ended, id);
        if (j < 0) {
          if (incomingEnded) {
            addEnded(s, Ended.stored(grant, null));
          } else {
            s.live = with(live, new Entry(grant));
          }
          break;
        }
        Ended t = ended[j];
        if (t.stored) {
          if (grant.version() > t.version) {
            if (incomingEnded) {
              replaceEnded(s, j, Ended.stored(grant, t.retired));
            } else {
              anomaly = grant; // a newer record says an ended grant is live again
              cached = grant.toBuilder().status(t.status).version(t.version).build();
            }
          }
        } else if (incomingEnded) {
          if (grant.version() <= t.version) {
            anomaly = grant;
            cached = grant.toBuilder().status(GrantStatus.ACTIVE).version(t.version).build();
          }
          replaceEnded(s, j, Ended.stored(grant, t.retired));
        } else if (grant.version() > t.version) {
          Entry e = t.retired != null ? t.retired : new Entry(grant);
          e.grant = grant;
          s.live = with(s.live, e); // first: a check never sees it neither live nor ended
          removeEnded(s, j);
        }
        break;
      }
    }
    if (anomaly != null) {
      onAnomaly.accept(anomaly, cached);
    }
  }

  /**
   * A check saw this live entry expired at {@code nowMillis}: it leaves the live array (the guard's time never goes
   * backwards, so it stays expired unless the store sends a newer version).
   */
  void expired(Slot s, Entry e, long nowMillis) {
    synchronized (s) {
      Entry[] live = s.live;
      int i = 0;
      while (i < live.length && live[i] != e) {
        i++;
      }
      Grant g = e.grant;
      if (i == live.length || g.statusAtMillis(nowMillis) != GrantStatus.EXPIRED) {
        return; // moved meanwhile, or extended in place
      }
      addEnded(s, new Ended(g, false, GrantStatus.EXPIRED, g.expiresAtMillis(), e));
      s.live = without(live, i);
    }
  }

  /**
   * The store no longer has this grant: it leaves the live array (its uses are still flushed), and its ended record
   * is kept for the retention period from now, like any other.
   */
  void gone(Slot s, GrantId id, long nowMillis) {
    synchronized (s) {
      Entry[] live = s.live;
      int i = indexOf(live, id);
      if (i >= 0) {
        Entry e = live[i];
        addEnded(s, new Ended(e.grant, false, null, nowMillis, e));
        s.live = without(live, i);
      }
    }
  }

  /**
   * Who is told of a version that went backwards (the engine logs and audits it).
   *
   * @param listener told the record that arrived and the one cached
   */
  void onAnomaly(BiConsumer<Grant, Grant> listener) {
    this.onAnomaly = listener;
  }

  /** Every slot of a subject, and every overflow slot, for maintenance. */
  List<Slot> slots() {
    List<Slot> out = new ArrayList<>();
    for (Object v : bySubject.values()) {
      out.addAll(all(v));
    }
    out.addAll(overflow.values());
    return out;
  }

  /** How many subjects the index holds state for (tests and diagnostics). */
  int subjectCount() {
    return bySubject.size();
  }

  /** How many slots the index holds, overflow slots included (tests and diagnostics). */
  int slotCount() {
    return slots().size();
  }

  /** A new maintenance period: denied checks may make slots again. */
  void newPeriod() {
    denialSlots.set(0);
  }

  /** Drops a slot that has nothing live, nothing ended and no counts; returns true if it was dropped. */
  boolean dropIfIdle(Slot s) {
    synchronized (s) {
      if (s.live.length > 0 || s.ended.length > 0 || s.pending() != 0 || s.dead) {
        return false;
      }
      s.dead = true;
    }
    if (s.subjectId == null) {
      overflow.remove(s.privilege, s);
    } else {
      removeDead(s);
    }
    return true;
  }

  /** Unlinks a dead slot, and the subject's map with it once empty (under the outer map's lock, see {@link #slot}). */
  private void removeDead(Slot s) {
    bySubject.computeIfPresent(s.subjectId, (k, v) -> removed(v, s));
  }

  @SuppressWarnings("unchecked")
  private static List<Slot> all(Object slots) {
    return slots instanceof Slot[] ? Arrays.asList((Slot[]) slots)
        : List.copyOf(((Map<Privilege, Slot>) slots).values());
  }

  /** The subject's slots with one more (the caller holds the subject's lock). */
  private static Object added(Object slots, Slot s) {
    if (slots == null) {
      return new Slot[] {s};
    }
    List<Slot> all = all(slots);
    if (all.size() < SMALL) {
      Slot[] copy = all.toArray(new Slot[all.size() + 1]);
      copy[all.size()] = s;
      return copy;
    }
    Map<Privilege, Slot> m = new HashMap<>();
    for (Slot x : all) {
      m.put(x.privilege, x);
    }
    m.put(s.privilege, s);
    return Map.copyOf(m);
  }

  /** The subject's slots without this one, or null if none is left (the caller holds the subject's lock). */
  private static Object removed(Object slots, Slot s) {
    List<Slot> rest = new ArrayList<>(all(slots));
    if (!rest.removeIf(x -> x == s)) {
      return slots;
    }
    if (rest.isEmpty()) {
      return null;
    }
    if (rest.size() <= SMALL) {
      return rest.toArray(new Slot[0]);
    }
    Map<Privilege, Slot> m = new HashMap<>();
    for (Slot x : rest) {
      m.put(x.privilege, x);
    }
    return Map.copyOf(m);
  }

  /** Removes ended records matching the filter (their uses already flushed by the caller). */
  void removeEnded(Slot s, Predicate<Ended> remove) {
    synchronized (s) {
      Ended[] es = s.ended;
      int keep = 0;
      for (Ended e : es) {
        if (!remove.test(e)) {
          keep++;
        }
      }
      if (keep == es.length) {
        return;
      }
      Ended[] copy = new Ended[keep];
      int i = 0;
      for (Ended e : es) {
        if (!remove.test(e)) {
          copy[i++] = e;
        }
      }
      setEnded(s, copy);
    }
  }

  // ------------------------------------------------------------------------------------------------ arrays

  private static int indexOf(Entry[] es, GrantId id) {
    for (int i = 0; i < es.length; i++) {
      if (es[i].grant.id().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(Ended[] es, GrantId id) {
    for (int i = 0; i < es.length; i++) {
      if (es[i].id.equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private static Entry[] with(Entry[] es, Entry e) {
    Entry[] copy = Arrays.copyOf(es, es.length + 1);
    copy[es.length] = e;
    return copy;
  }

  private static Entry[] without(Entry[] es, int i) {
    if (es.length == 1) {
      return Slot.EMPTY;
    }
    Entry[] copy = new Entry[es.length - 1];
    System.arraycopy(es, 0, copy, 0, i);
    System.arraycopy(es, i + 1, copy, i, es.length - i - 1);
    return copy;
  }

  private static void addEnded(Slot s, Ended e) {
    Ended[] es = s.ended;
    Ended[] copy = Arrays.copyOf(es, es.length + 1);
    copy[es.length] = e;
    setEnded(s, copy);
  }

  private static void replaceEnded(Slot s, int j, Ended e) {
    Ended[] copy = s.ended.clone();
    copy[j] = e;
    setEnded(s, copy);
  }

  private static void removeEnded(Slot s, int j) {
    Ended[] es = s.ended;
    Ended[] copy = new Ended[es.length - 1];
    System.arraycopy(es, 0, copy, 0, j);
    System.arraycopy(es, j + 1, copy, j, es.length - j - 1);
    setEnded(s, copy);
  }

  /** Sets the ended records and the summary the plain check reads (one bit per status of an ended plain grant). */
  private static void setEnded(Slot s, Ended[] es) {
    int plain = 0;
    for (Ended e : es) {
      if (e.action == null && e.status != null) {
        plain |= 1 << e.status.ordinal();
      }
    }
    s.ended = es.length == 0 ? Slot.NONE : es;
    s.plainEnded = plain;
  }

  // ------------------------------------------------------------------------------------------------ types

  /** The grants and counters of one subject and privilege; its count is the denied checks not yet audited. */
  static final class Slot extends Counter {
    static final Entry[] EMPTY = new Entry[0];
    static final Ended[] NONE = new Ended[0];
    private static final AtomicLongFieldUpdater<Slot> DENIALS_RECORDED =
        AtomicLongFieldUpdater.newUpdater(Slot.class, "denialsRecorded");

    static {
      if (ReasonCode.values().length > Long.SIZE) {
        throw new AssertionError("one bit per ReasonCode no longer fits Slot.denialsRecorded");
      }
    }

    /** The subject, or null for a privilege's overflow slot (denials of subjects beyond the period's bound). */
    final String subjectId;
    final Privilege privilege;
    /** The live grants (active or scheduled): the only ones a check walks to allow. */
    volatile Entry[] live = EMPTY;
    /**
     * Grants that ended within the hour, to say why a check is denied; read on the deny path only. A grant that ends
     * is added here before it leaves {@link #live}, so a check that reads {@code live} and then this never misses it.
     */
    volatile Ended[] ended = NONE;
    /** One bit per {@link GrantStatus} ordinal of the ended grants that are not action-bound (the plain check). */
    volatile int plainEnded;
    /** Cached denials for this privilege, indexed by reason ordinal; replaced when the policy changes. */
    volatile Decision.Denied[] denials;
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

  /** One live grant in a slot; its count is the uses not yet audited. */
  static final class Entry extends Counter {
    private static final AtomicIntegerFieldUpdater<Entry> FIRST_USE =
        AtomicIntegerFieldUpdater.newUpdater(Entry.class, "firstUse");

    /** The newest version seen; replaced in place by a newer live version (counters and first use carry over). */
    volatile Grant grant;
    /** 0: no use recorded yet; 1: the first use is being recorded; 2: a use is recorded. */
    volatile int firstUse;

    Entry(Grant grant) {
      this.grant = grant;
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

  /**
   * What is kept of a grant that left the live array: enough to say why a check is denied (its status, and for an
   * action grant the call it was for) and to keep a late live version of it out; plus its entry until maintenance has
   * flushed the uses counted in it.
   */
  static final class Ended {
    final GrantId id;
    final long version;
    /** REVOKED, CONSUMED or EXPIRED; null if the store no longer had the grant. */
    final GrantStatus status;
    /** Whether the store says it ended: then no live version is taken back, whatever its version. */
    final boolean stored;
    /** When it ended (epoch ms), for the retention of an hour. */
    final long endedAtMillis;
    /** The action and argument digest of an action grant; null for a plain one. */
    final String action;
    final String argumentDigest;
    /** The entry, until its uses are flushed (twice: a check that read it just before it ended may still count). */
    volatile Entry retired;
    /** Maintenance runs that flushed {@link #retired}. */
    int flushes;

    Ended(Grant g, boolean stored, GrantStatus status, long endedAtMillis, Entry retired) {
      this.id = g.id();
      this.version = g.version();
      this.status = status;
      this.stored = stored;
      this.endedAtMillis = endedAtMillis;
      this.action = g.action().orElse(null);
      this.argumentDigest = g.argumentDigest().orElse(null);
      this.retired = retired;
    }

    /** A grant the store says ended, ended when it was revoked or consumed, or at its expiry if that came first. */
    static Ended stored(Grant g, Entry retired) {
      long end = Math.min(g.expiresAtMillis(), g.endedAt().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
      return new Ended(g, true, g.storedStatus(), end, retired);
    }

    /** Whether this was a grant for exactly this call. */
    boolean isFor(ActionBinding call) {
      return action != null && action.equals(call.action()) && argumentDigest.equals(call.argumentDigest());
    }
  }
}
