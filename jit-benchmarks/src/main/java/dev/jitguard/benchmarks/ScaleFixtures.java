package dev.jitguard.benchmarks;

import dev.jitguard.Approval;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * State at scale for the sweeps ({@link ScalingCheckBenchmark}, {@link ListingBenchmark},
 * {@link RequestApproveScalingBenchmark}, {@link HeapPerGrant}, {@link StartupHarness}), built through the public
 * API: records are made with the public {@link Grant} and {@link RequestRecord} builders, in the shape the guard
 * writes them, and stored through the {@link GrantStore} SPI before the guard is built, which then loads the live
 * grants at start as a restarted guard does. Issuing a million grants through {@code request()} one by one would
 * measure the set-up, not the sweep (and on the store of today it is quadratic: {@code request()} scans every stored
 * request).
 *
 * <p>The shape: {@code n} live grants are {@code n / 5} subjects ({@code "user-<i>"}, group {@code staff}) × the five
 * privileges {@link #PRIVILEGES}, each with its approved request, valid for 8 hours from the set-up. Pending requests
 * are for {@link #COMMON} (approver group {@code leads}) or, one in a hundred, {@link #RARE} (approver group
 * {@code rare-approvers}); nothing is ever pending for {@link #IDLE} (approver group {@code idle-approvers}).
 */
final class ScaleFixtures {
  static final String POLICY_VERSION = "scale-1";
  /** How long the grants made here live (long enough for a stored PostgreSQL data directory to be reused). */
  static final Duration LIVE = Duration.ofHours(8);
  static final int PRIVILEGES_PER_SUBJECT = 5;
  static final Privilege[] PRIVILEGES = {Privilege.of("scale.p0"), Privilege.of("scale.p1"),
      Privilege.of("scale.p2"), Privilege.of("scale.p3"), Privilege.of("scale.p4")};
  /** The privilege the check sweep checks. */
  static final Privilege CHECKED = PRIVILEGES[1];
  static final Privilege COMMON = Privilege.of("scale.common");
  static final Privilege RARE = Privilege.of("scale.rare");
  static final Privilege IDLE = Privilege.of("scale.idle");
  /** Requested and approved by the request → approve sweep (never auto-approved). */
  static final Privilege FLOW = Privilege.of("scale.flow");
  static final Subject LEAD = Subject.of("lena", "leads");
  static final Subject RARE_APPROVER = Subject.of("rita", "rare-approvers");
  static final Subject IDLE_APPROVER = Subject.of("ivan", "idle-approvers");
  static final String JUSTIFICATION = "SCALE-1: measure at scale";

  /** Record kinds, the first 8 hex digits of the ids made here, so that no two set-ups collide. */
  static final int KIND_GRANT = 1;
  static final int KIND_PENDING = 2;
  static final int KIND_TARGET = 3;

  private ScaleFixtures() {}

  /** The policy of every sweep: the five privileges, common, rare, idle and flow, each approved by one person. */
  static Policy policy() {
    Policy.Builder b = Policy.builder().version(POLICY_VERSION);
    for (Privilege p : PRIVILEGES) {
      b.privilege(p.toString(), r -> r.eligibleGroups("staff").approverGroups("leads").approvals(1)
          .maxDuration(LIVE));
    }
    b.privilege(COMMON.toString(), r -> r.eligibleGroups("staff").approverGroups("leads").approvals(1)
        .maxDuration(LIVE));
    b.privilege(RARE.toString(), r -> r.eligibleGroups("staff").approverGroups("rare-approvers").approvals(1)
        .maxDuration(LIVE));
    b.privilege(IDLE.toString(), r -> r.eligibleGroups("staff").approverGroups("idle-approvers").approvals(1)
        .maxDuration(LIVE));
    b.privilege(FLOW.toString(), r -> r.eligibleGroups("staff").approverGroups("leads").approvals(1)
        .defaultDuration(Duration.ofMinutes(30)).maxDuration(LIVE));
    return b.build();
  }

  /** A guard as in production but for a no-op audit sink and no maintenance thread; the system UTC clock. */
  static PrivilegeGuard guard(GrantStore store) {
    AuditSink noop = e -> { };
    return PrivilegeGuard.builder().withPolicy(policy()).withGrantStore(store).withAuditSink(noop)
        .withClock(Clock.systemUTC()).withoutBackgroundMaintenance().build();
  }

  static RequestId requestId(int kind, long seq) {
    return RequestId.of(String.format(Locale.ROOT, "%08x%024x", kind, seq));
  }

  static GrantId grantId(int kind, long seq) {
    return GrantId.of(String.format(Locale.ROOT, "%08x%024x", kind, seq));
  }

  static String subjectId(int i) {
    return "user-" + i;
  }

  /** An approved request and its live grant, as the guard writes them when a lead approves. */
  static RequestRecord approvedRequest(RequestId id, GrantId grant, Subject subject, Privilege privilege,
      Instant now) {
    ElevationRequest request = ElevationRequest.builder(subject, privilege).justification(JUSTIFICATION)
        .duration(LIVE).build();
    return RequestRecord.builder(id, request).createdAt(now).expiresAt(now.plus(Duration.ofHours(24)))
        .approvalsRequired(1).approverGroups(Set.of("leads")).policyVersion(POLICY_VERSION)
        .approvals(List.of(new Approval(LEAD.id(), now, "ok"))).status(RequestStatus.APPROVED).decision(now, LEAD.id(), ReasonCode.APPROVED, "ok").grantId(grant)
        .version(1).build();
  }

  static Grant liveGrant(GrantId id, RequestId request, String subjectId, Privilege privilege, Instant now) {
    return Grant.builder(id, request).subjectId(subjectId).privilege(privilege).status(GrantStatus.ACTIVE)
        .issuedAt(now).validity(now, now.plus(LIVE), now.plus(LIVE)).approvers(List.of(LEAD.id()))
        .policyVersion(POLICY_VERSION).build();
  }

  /** A pending request, as the guard stores it at intake. */
  static RequestRecord pendingRequest(RequestId id, Subject subject, Privilege privilege, String approverGroup,
      Instant now) {
    ElevationRequest request = ElevationRequest.builder(subject, privilege).justification(JUSTIFICATION)
        .duration(LIVE).build();
    return RequestRecord.builder(id, request).createdAt(now).expiresAt(now.plus(LIVE))
        .approvalsRequired(1).approverGroups(Set.of(approverGroup)).policyVersion(POLICY_VERSION).build();
  }

  /**
   * Stores {@code grants} live grants ({@code grants / 5} subjects × 5 privileges), each with its approved request.
   *
   * @return the subjects, in id order
   */
  static Subject[] loadLiveGrants(GrantStore store, int grants, int threads) {
    int subjects = grants / PRIVILEGES_PER_SUBJECT;
    Subject[] out = new Subject[subjects];
    Instant now = Instant.now();
    parallel(subjects, threads, i -> {
      Subject s = Subject.of(subjectId(i), "staff");
      out[i] = s;
      for (int j = 0; j < PRIVILEGES_PER_SUBJECT; j++) {
        long seq = (long) i * PRIVILEGES_PER_SUBJECT + j;
        RequestId rid = requestId(KIND_GRANT, seq);
        GrantId gid = grantId(KIND_GRANT, seq);
        store.insert(approvedRequest(rid, gid, s, PRIVILEGES[j], now),
            liveGrant(gid, rid, s.id(), PRIVILEGES[j], now));
      }
    });
    return out;
  }

  /**
   * Stores {@code count} pending requests, one per subject ({@code "asker-<i>"}): one in a hundred for
   * {@link #RARE}, the others for {@link #COMMON}.
   *
   * @return how many are for {@link #RARE}
   */
  static int loadPending(GrantStore store, int count, int threads) {
    Instant now = Instant.now();
    parallel(count, threads, i -> {
      boolean rare = i % 100 == 0;
      store.insert(pendingRequest(requestId(KIND_PENDING, i), Subject.of("asker-" + i, "staff"),
          rare ? RARE : COMMON, rare ? "rare-approvers" : "leads", now));
    });
    return (count + 99) / 100;
  }

  /** Runs {@code body(i)} for i in [0, n) on {@code threads} threads (a JDBC store: one connection each). */
  static void parallel(int n, int threads, IntConsumer body) {
    if (threads <= 1 || n < 1000) {
      for (int i = 0; i < n; i++) {
        body.accept(i);
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> parts = new ArrayList<>();
      int chunk = (n + threads - 1) / threads;
      for (int t = 0; t < threads; t++) {
        int from = t * chunk;
        int to = Math.min(n, from + chunk);
        parts.add(pool.submit(() -> {
          for (int i = from; i < to; i++) {
            body.accept(i);
          }
        }));
      }
      for (Future<?> f : parts) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("loading the store failed", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The floor's data: subject id → privilege → expiry (epoch ms), a nested {@link ConcurrentHashMap} of the same
   * subjects and privileges as {@link #loadLiveGrants}, with key strings of its own.
   */
  static ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> nestedFloor(int grants) {
    int subjects = grants / PRIVILEGES_PER_SUBJECT;
    long expiry = System.currentTimeMillis() + LIVE.toMillis();
    ConcurrentHashMap<String, ConcurrentHashMap<Privilege, Long>> m = new ConcurrentHashMap<>();
    for (int i = 0; i < subjects; i++) {
      ConcurrentHashMap<Privilege, Long> inner = new ConcurrentHashMap<>();
      for (Privilege p : PRIVILEGES) {
        inner.put(p, expiry);
      }
      m.put(subjectId(i), inner); // a new String: the guard's index and this map share no key
    }
    return m;
  }

  /** A permutation of [0, n), the same for the same seed: the order the spread-key benchmarks visit subjects in. */
  static int[] shuffled(int n, long seed) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    Random r = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  static void expectGranted(Decision d, String what) {
    if (!d.isGranted()) {
      throw new IllegalStateException(what + ": expected granted, got " + d.outcome() + "/" + d.reason() + ": "
          + d.message());
    }
  }

  static void expect(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }

  static String seconds(long startNanos) {
    return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }
}
