package dev.jitguard.test;

import dev.jitguard.audit.InMemoryAuditSink;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.store.JdbcGrantStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two application instances on one real PostgreSQL (embedded, from {@link Databases}): two guards, each with its own
 * {@link JdbcGrantStore}, its own HikariCP pool and so its own index (cache), on the same schema, with the real
 * system clock. What one approves the other uses; what one revokes the other denies, and how long that takes is
 * measured (figures printed and written to {@code target/postgres-revocation-propagation.txt}); strict mode denies
 * at the very next check; 64 threads on both instances take a single-use action grant exactly once, round after
 * round, and spend a metered grant exactly up to its limit; a restarted instance sees every grant and pending
 * request; a database that goes away denies with {@code STORE_FAILURE}.
 *
 * <p>No sleeps: waiting is a bounded polling loop; the propagation measurement parks 50 microseconds between checks so
 * that it does not starve the notification thread and the database of the machine's two cores.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresTwoInstancesTest {
  /** The staleness bound of cached mode in these tests. */
  private static final Duration BOUND = Duration.ofSeconds(1);
  private static final int REPETITIONS = 20;
  private static final int CONSUMERS = 64;
  private static final int ROUNDS = 50;
  private static final int METERED_ROUNDS = 50;
  /** Where the measured figures go, one line per measurement, besides standard output. */
  private static final Path FIGURES = Path.of("target", "postgres-revocation-propagation.txt");

  private static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  private static final Privilege ERASE = Privilege.of("customers.erase");
  private static final Privilege REFUND = Privilege.of("payments.refund");
  private static final BigDecimal MAX_REFUNDS = new BigDecimal("100.00");
  private static final Subject BOB = Subject.of("bob", "dba");
  private static final Subject PAT = Subject.of("pat", "privacy");
  private static final Subject SAM = Subject.of("sam", "support");
  private static final Subject FIONA = Subject.of("fiona", "finance");
  private static final Policy POLICY = Policy.builder().version("two-instances")
      .privilege("db.prod.write", r -> r.eligibleGroups("dev").approverGroups("dba").approvals(1)
          .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
      .privilege("customers.erase", r -> r.eligibleGroups("support").approverGroups("privacy").approvals(1)
          .maxUses(10).pendingTtl(Duration.ofHours(1)))
      .privilege("payments.refund", r -> r.eligibleGroups("support").approverGroups("finance").approvals(1)
          .maxAmount(MAX_REFUNDS).defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
      .build();

  private final String schema = Databases.newPostgresSchema();
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeAll
  static void startFiguresAfresh() throws IOException {
    Files.deleteIfExists(FIGURES);
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  /** One application instance: its own pool, store (cache, LISTEN connection) and guard. */
  private record Instance(HikariDataSource pool, JdbcGrantStore store, PrivilegeGuard guard)
      implements AutoCloseable {
    @Override
    public void close() {
      guard.close();
      store.close();
      pool.close();
    }
  }

  private Instance instance(Consistency consistency, int poolSize) {
    HikariDataSource pool = Databases.postgresPool(schema, poolSize + 1); // + the LISTEN connection
    JdbcGrantStore store = JdbcGrantStore.builder(pool).createSchema(true).queryTimeout(Duration.ofSeconds(5))
        .build();
    PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store)
        .withAuditSink(new InMemoryAuditSink()).withoutBackgroundMaintenance().withConsistency(consistency).build();
    Instance i = new Instance(pool, store, guard);
    cleanup.add(i);
    return i;
  }

  private Instance cached() {
    return instance(Consistency.cached(BOUND), 4);
  }

  private static Subject developer(String id) {
    return Subject.of(id, "dev");
  }

  private static RequestId pendingId(Decision d) {
    assertThat(d).as("expected a pending decision, got %s", d).isInstanceOf(Decision.Pending.class);
    return ((Decision.Pending) d).request().id();
  }

  private static Grant granted(Decision d) {
    assertThat(d).as("expected a granted decision, got %s", d).isInstanceOf(Decision.Granted.class);
    return ((Decision.Granted) d).grant();
  }

  /** A time-bound grant of db.prod.write for a developer: requested on one instance, approved on another. */
  private static Grant timeBoundGrant(Subject subject, PrivilegeGuard requestOn, PrivilegeGuard approveOn) {
    RequestId id = pendingId(requestOn.request(ElevationRequest.builder(subject, DB_WRITE)
        .justification("INC-1: two instances").build()));
    return granted(approveOn.approve(id, BOB, "ok"));
  }

  private static ElevationRequest eraseRequest(ActionBinding call) {
    return ElevationRequest.builder(SAM, ERASE).justification("PRIV-7: GDPR erasure").action(call).build();
  }

  /**
   * Checks until the decision matches, as fast as reasonable (a 50 µs park between checks), at most {@code max}.
   *
   * @return nanoseconds from {@code since} to the first matching decision, or -1 if none within {@code max}
   */
  private static long nanosUntil(PrivilegeGuard guard, Subject subject, Predicate<Decision> wanted, long since,
      Duration max, List<Decision> last) {
    long deadline = since + max.toNanos();
    while (true) {
      Decision d = guard.check(subject, DB_WRITE);
      long now = System.nanoTime();
      if (wanted.test(d)) {
        last.add(d);
        return now - since;
      }
      if (now - deadline > 0) {
        last.add(d);
        return -1;
      }
      LockSupport.parkNanos(50_000);
    }
  }

  private static double millis(long nanos) {
    return nanos / 1_000_000.0;
  }

  private static String summary(String what, List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    int n = sorted.size();
    double median = medianMillis(sorted);
    return String.format(Locale.ROOT, "%s: n=%d min=%.2f ms median=%.2f ms max=%.2f ms (all: %s)", what, n,
        millis(sorted.get(0)), median, millis(sorted.get(n - 1)),
        nanos.stream().map(x -> String.format(Locale.ROOT, "%.2f", millis(x))).toList());
  }

  private static void record(String line) {
    System.out.println("[PostgresTwoInstancesTest] " + line);
    try {
      Files.createDirectories(FIGURES.getParent());
      Files.writeString(FIGURES, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double medianMillis(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? millis(sorted.get(n / 2)) : (millis(sorted.get(n / 2 - 1)) + millis(sorted.get(n / 2))) / 2;
  }

  // ------------------------------------------------------------------------------------------------ approve / use

  /**
   * A grant approved on instance A is used on instance B, which had just answered "no grant" for the pair (a cached
   * negative answer): B grants within the bound, in practice as soon as the insert's notification arrived; and the
   * other way round, a request made on B and approved on A.
   */
  @Test
  void approveOnOneInstanceThenUsableOnTheOtherWithinTheBound() {
    Instance a = cached();
    Instance b = cached();
    Subject alice = developer("alice");
    assertThat(b.guard().check(alice, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);

    Grant grant = timeBoundGrant(alice, a.guard(), a.guard());
    long approved = System.nanoTime();

    List<Decision> seen = new ArrayList<>();
    long delay = nanosUntil(b.guard(), alice, Decision::isGranted, approved, BOUND.multipliedBy(3), seen);
    assertThat(delay).as("B granted the grant approved on A (last decision %s)", seen).isNotNegative()
        .isLessThan(BOUND.toNanos());
    assertThat(((Decision.Granted) seen.get(0)).grant().id()).isEqualTo(grant.id());
    record(String.format(Locale.ROOT, "approval on A usable on B after %.2f ms", millis(delay)));

    Subject carol = developer("carol");
    RequestId onB = pendingId(b.guard().request(ElevationRequest.builder(carol, DB_WRITE)
        .justification("INC-2: the other way").build()));
    assertThat(a.guard().pendingApprovals(BOB)).extracting(RequestRecord::id).contains(onB);
    granted(a.guard().approve(onB, BOB, "ok"));
    assertThat(b.guard().check(carol, DB_WRITE).isGranted()).isTrue();
  }

  // ------------------------------------------------------------------------------------------------ revocation

  /**
   * Revoke on A, denied on B: {@value #REPETITIONS} times, each for a new grant that B has just used (so B answers
   * from its cache), the time from {@code revoke()} returning on A to B's first denied check, checking every 50 µs.
   * Every delay must be inside the 1-second bound, and the typical one (the median) far inside it: the revocation
   * reaches B through PostgreSQL's NOTIFY, not through the cache expiring.
   */
  @Test
  void revokeOnOneInstanceThenDeniedOnTheOtherAndPropagationMeasured() {
    Instance a = cached();
    Instance b = cached();
    List<Long> delays = new ArrayList<>();
    Map<ReasonCode, Integer> reasons = new EnumMap<>(ReasonCode.class);

    for (int i = 0; i < REPETITIONS + 2; i++) {
      Subject dev = developer("dev-" + i);
      Grant grant = timeBoundGrant(dev, a.guard(), b.guard());
      List<Decision> seen = new ArrayList<>();
      assertThat(nanosUntil(b.guard(), dev, Decision::isGranted, System.nanoTime(), BOUND.multipliedBy(3), seen))
          .as("B uses the grant before the revocation (last %s)", seen).isNotNegative();
      assertThat(b.guard().check(dev, DB_WRITE).isGranted()).isTrue();

      a.guard().revoke(grant.id(), BOB, "rotation " + i);
      long revoked = System.nanoTime();
      long delay = nanosUntil(b.guard(), dev, d -> !d.isGranted(), revoked, BOUND.multipliedBy(3), seen);

      assertThat(delay).as("B denied after the revocation on A (repetition %d)", i).isNotNegative();
      Decision denied = seen.get(seen.size() - 1);
      assertThat(denied.reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
      if (i >= 2) { // the first two warm up the JIT and the connections
        delays.add(delay);
        reasons.merge(denied.reason(), 1, Integer::sum);
      }
      assertThat(b.guard().check(dev, DB_WRITE).isGranted()).as("still denied afterwards").isFalse();
    }

    record(summary("revocation on A denied on B (cached, bound " + BOUND.toMillis() + " ms, LISTEN/NOTIFY)",
        delays) + " reasons " + reasons);
    assertThat(delays).allSatisfy(d -> assertThat(d).isLessThan(BOUND.toNanos()));
    assertThat(medianMillis(delays)).as("median propagation delay, ms").isLessThan(BOUND.toMillis() / 4.0);
  }

  /**
   * The bound without notifications: B's store listens on a port where nothing answers (as if every notification
   * were lost), so only the staleness bound makes B re-read. B still denies within the bound (plus one database
   * read).
   */
  @Test
  void revokeOnOneInstanceWithNotificationsLostThenDeniedOnTheOtherWithinTheBound() {
    Instance a = cached();
    HikariDataSource pool = Databases.postgresPool(schema, 4);
    cleanup.add(pool);
    org.postgresql.ds.PGSimpleDataSource nowhere = new org.postgresql.ds.PGSimpleDataSource();
    nowhere.setServerNames(new String[] {"127.0.0.1"});
    nowhere.setPortNumbers(new int[] {JdbcGrantStoreContract.closedPort()});
    nowhere.setDatabaseName("postgres");
    nowhere.setUser("postgres");
    nowhere.setConnectTimeout(1);
    JdbcGrantStore deaf = JdbcGrantStore.builder(pool).notificationDataSource(nowhere)
        .queryTimeout(Duration.ofSeconds(1)).build();
    cleanup.add(deaf);
    PrivilegeGuard b = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(deaf)
        .withAuditSink(new InMemoryAuditSink()).withoutBackgroundMaintenance()
        .withConsistency(Consistency.cached(BOUND)).build();
    cleanup.add(b);
    List<Long> delays = new ArrayList<>();

    for (int i = 0; i < 5; i++) {
      Subject dev = developer("deaf-" + i);
      Grant grant = timeBoundGrant(dev, a.guard(), a.guard());
      List<Decision> seen = new ArrayList<>();
      assertThat(nanosUntil(b, dev, Decision::isGranted, System.nanoTime(), BOUND.multipliedBy(3), seen))
          .as("B uses the grant (last %s)", seen).isNotNegative();

      a.guard().revoke(grant.id(), BOB, "rotation");
      long revoked = System.nanoTime();
      long delay = nanosUntil(b, dev, d -> !d.isGranted(), revoked, BOUND.multipliedBy(3), seen);

      assertThat(delay).as("B denied after the revocation (repetition %d)", i).isNotNegative()
          .isLessThan(BOUND.plusMillis(250).toNanos());
      assertThat(seen.get(seen.size() - 1).reason()).isEqualTo(ReasonCode.GRANT_REVOKED);
      delays.add(delay);
    }
    record(summary("revocation on A denied on B without notifications (staleness bound " + BOUND.toMillis()
        + " ms only)", delays));
  }

  /** Strict mode: B confirms every check with the database, so the check right after the revocation is denied. */
  @Test
  void strictModeThenDeniedOnTheVeryNextCheck() {
    Instance a = instance(Consistency.strict(), 4);
    Instance b = instance(Consistency.strict(), 4);

    for (int i = 0; i < 10; i++) {
      Subject dev = developer("strict-" + i);
      assertThat(b.guard().check(dev, DB_WRITE).reason()).isEqualTo(ReasonCode.NO_GRANT);
      Grant grant = timeBoundGrant(dev, a.guard(), a.guard());
      assertThat(b.guard().check(dev, DB_WRITE).isGranted()).as("granted at the very next check").isTrue();
      assertThat(b.guard().check(dev, DB_WRITE).isGranted()).isTrue();

      a.guard().revoke(grant.id(), BOB, "done");

      assertThat(b.guard().check(dev, DB_WRITE).reason()).as("denied at the very next check")
          .isEqualTo(ReasonCode.GRANT_REVOKED);
    }
  }

  // ------------------------------------------------------------------------------------------------ action grants

  /**
   * {@value #CONSUMERS} threads, half on each instance, call {@code checkAction} for the same approved call at the
   * same moment, {@value #ROUNDS} rounds, a new single-use action grant each round: exactly one is granted every
   * round; every other thread is denied as consumed (or sees no live grant), never a store failure.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  void singleUseActionGrantConsumedByThreadsOnBothInstancesThenExactlyOneGrantedEveryRound() throws Exception {
    Instance a = instance(Consistency.cached(BOUND), 16);
    Instance b = instance(Consistency.cached(BOUND), 16);
    List<ActionBinding> calls = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      ActionBinding call = ActionBinding.of("customers.erase", (long) round);
      RequestId id = pendingId((round % 2 == 0 ? a : b).guard().request(eraseRequest(call)));
      Grant grant = granted((round % 2 == 0 ? b : a).guard().approve(id, PAT, "checked"));
      assertThat(grant.isActionBound()).isTrue();
      assertThat(grant.usesLeft()).hasValue(1);
      calls.add(call);
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(ROUNDS);
    Set<ReasonCode> denials = ConcurrentHashMap.newKeySet();
    CyclicBarrier barrier = new CyclicBarrier(CONSUMERS);

    Race.run(CONSUMERS, thread -> {
      PrivilegeGuard mine = (thread % 2 == 0 ? a : b).guard();
      for (int round = 0; round < ROUNDS; round++) {
        Race.await(barrier);
        Decision d = mine.checkAction(SAM, ERASE, calls.get(round));
        if (d.isGranted()) {
          winners.incrementAndGet(round);
        } else {
          denials.add(d.reason());
        }
      }
    });

    for (int round = 0; round < ROUNDS; round++) {
      assertThat(winners.get(round)).as("granted checks in round %d", round).isEqualTo(1);
      assertThat(a.guard().checkAction(SAM, ERASE, calls.get(round)).reason())
          .isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
    assertThat(denials).isSubsetOf(ReasonCode.GRANT_CONSUMED, ReasonCode.NO_GRANT)
        .contains(ReasonCode.GRANT_CONSUMED);
  }

  /**
   * {@value #CONSUMERS} threads, half on each instance, each spend 10.00 at the same moment from one metered grant
   * of 100.00 issued on instance A, {@value #METERED_ROUNDS} rounds, a new grant each round: exactly ten checks are
   * granted every round, and they saw the spent total go 10.00, 20.00, ... 100.00, each step once (nothing spent
   * twice, nothing lost); every other thread is denied for the amount or as consumed, never a store failure; the
   * stored grant ends CONSUMED with exactly 100.00 spent.
   *
   * @throws Exception if a racing thread fails or does not finish in time
   */
  @Test
  void meteredGrantSpentByThreadsOnBothInstancesThenExactlyTheLimitGrantedEveryRound() throws Exception {
    Instance a = instance(Consistency.cached(BOUND), 16);
    Instance b = instance(Consistency.cached(BOUND), 16);
    BigDecimal ten = new BigDecimal("10.00");
    List<Subject> payers = new ArrayList<>();
    List<Grant> grants = new ArrayList<>();
    List<Set<BigDecimal>> spentSeen = new ArrayList<>();
    for (int round = 0; round < METERED_ROUNDS; round++) {
      Subject payer = Subject.of("payer-" + round, "support");
      Grant grant = granted(a.guard().approve(pendingId(a.guard().request(ElevationRequest.builder(payer, REFUND)
          .justification("FIN-" + round + ": refunds after the outage").build())), FIONA, "ok"));
      assertThat(grant.amountLimit()).contains(MAX_REFUNDS);
      assertThat(grant.amountUsed()).contains(BigDecimal.ZERO);
      for (Instance i : List.of(a, b)) { // a plain check never spends a metered grant (and warms both caches)
        assertThat(i.guard().check(payer, REFUND).reason()).isEqualTo(ReasonCode.AMOUNT_REQUIRED);
      }
      payers.add(payer);
      grants.add(grant);
      spentSeen.add(ConcurrentHashMap.newKeySet());
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(METERED_ROUNDS);
    Set<ReasonCode> denials = ConcurrentHashMap.newKeySet();
    CyclicBarrier barrier = new CyclicBarrier(CONSUMERS);

    Race.run(CONSUMERS, thread -> {
      PrivilegeGuard mine = (thread % 2 == 0 ? a : b).guard();
      for (int round = 0; round < METERED_ROUNDS; round++) {
        Race.await(barrier);
        Decision d = mine.check(payers.get(round), REFUND, ten);
        if (d.isGranted()) {
          winners.incrementAndGet(round);
          spentSeen.get(round).add(((Decision.Granted) d).grant().amountUsed().orElseThrow());
        } else {
          denials.add(d.reason());
        }
      }
    });

    List<BigDecimal> steps = new ArrayList<>();
    for (int k = 1; k <= 10; k++) {
      steps.add(ten.multiply(BigDecimal.valueOf(k)));
    }
    for (int round = 0; round < METERED_ROUNDS; round++) {
      assertThat(winners.get(round)).as("granted checks in round %d", round).isEqualTo(10);
      assertThat(spentSeen.get(round)).as("spent totals seen in round %d", round)
          .containsExactlyInAnyOrderElementsOf(steps);
      Grant stored = b.store().findGrant(grants.get(round).id()).orElseThrow();
      assertThat(stored.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(stored.amountUsed()).hasValueSatisfying(u -> {
        assertThat(u).isEqualTo(MAX_REFUNDS);
        assertThat(u.toPlainString()).isEqualTo("100.00");
      });
      assertThat(stored.version()).isEqualTo(10);
      assertThat(a.guard().check(payers.get(round), REFUND, ten).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
    assertThat(denials).isSubsetOf(ReasonCode.AMOUNT_EXCEEDED, ReasonCode.GRANT_CONSUMED);
  }

  /**
   * Budgets of uses through the plain {@code check} (not only action grants) hold across instances: single-use grants
   * and budgets of seven, each raced by 64 threads split over two guards with their own pools and caches. Exactly the
   * budget is granted every round, and the store ends CONSUMED with nothing left.
   */
  @Test
  void budgetedGrantCheckedByThreadsOnBothInstancesThenExactlyTheBudgetGrantedEveryRound() throws Exception {
    Instance a = instance(Consistency.cached(BOUND), 16);
    Instance b = instance(Consistency.cached(BOUND), 16);
    int rounds = 30;
    List<Subject> devs = new ArrayList<>();
    List<Grant> grants = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Subject dev = Subject.of("dev-" + round, "dev");
      int budget = round % 2 == 0 ? 1 : 7;
      Grant grant = granted(a.guard().approve(pendingId(a.guard().request(ElevationRequest.builder(dev, DB_WRITE)
          .justification("OPS-" + round + ": a repair with a budget").uses(budget).build())), BOB, "ok"));
      assertThat(grant.usesLeft()).hasValue(budget);
      devs.add(dev);
      grants.add(grant);
    }
    AtomicIntegerArray winners = new AtomicIntegerArray(rounds);
    Set<ReasonCode> denials = ConcurrentHashMap.newKeySet();
    CyclicBarrier barrier = new CyclicBarrier(CONSUMERS);

    Race.run(CONSUMERS, thread -> {
      PrivilegeGuard mine = (thread % 2 == 0 ? a : b).guard();
      for (int round = 0; round < rounds; round++) {
        Race.await(barrier);
        Decision d = mine.check(devs.get(round), DB_WRITE);
        if (d.isGranted()) {
          winners.incrementAndGet(round);
        } else {
          denials.add(d.reason());
        }
      }
    });

    for (int round = 0; round < rounds; round++) {
      int budget = round % 2 == 0 ? 1 : 7;
      assertThat(winners.get(round)).as("granted checks in round %d (budget %d)", round, budget).isEqualTo(budget);
      Grant stored = b.store().findGrant(grants.get(round).id()).orElseThrow();
      assertThat(stored.storedStatus()).isEqualTo(GrantStatus.CONSUMED);
      assertThat(stored.usesLeft()).hasValue(0);
      assertThat(a.guard().check(devs.get(round), DB_WRITE).reason()).isEqualTo(ReasonCode.GRANT_CONSUMED);
    }
    assertThat(denials).containsOnly(ReasonCode.GRANT_CONSUMED);
  }

  /**
   * The one-pending-request rule holds across instances and counts the action call: asking for the same call on
   * both instances gives one request; asking for other calls of the same action gives each its own request.
   */
  @Test
  void actionRequestsOnBothInstancesThenOnePerCall() {
    Instance a = cached();
    Instance b = cached();
    ActionBinding erase42 = ActionBinding.of("customers.erase", 42L);
    ActionBinding erase43 = ActionBinding.of("customers.erase", 43L);

    RequestId first = pendingId(a.guard().request(eraseRequest(erase42)));
    RequestId again = pendingId(b.guard().request(eraseRequest(erase42)));
    RequestId other = pendingId(b.guard().request(eraseRequest(erase43)));
    RequestId timeBound = pendingId(a.guard().request(ElevationRequest.builder(SAM, ERASE)
        .justification("PRIV-9: a time-bound elevation").build()));

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(timeBound).isNotIn(first, other);
    assertThat(a.guard().pendingApprovals(PAT)).extracting(RequestRecord::id)
        .containsExactlyInAnyOrder(first, other, timeBound);
  }

  // ------------------------------------------------------------------------------------------------ restart

  /**
   * Grants and pending requests made by one instance survive it: the guard, its store and its pool are closed, and a
   * new instance on the same database sees every grant (time-bound and action) and every pending request.
   */
  @Test
  void restartWhenGuardAndPoolClosedThenNewInstanceSeesGrantsAndPendingRequests() {
    Instance first = cached();
    Subject alice = developer("alice");
    Subject carol = developer("carol");
    ActionBinding approvedCall = ActionBinding.of("customers.erase", 7L);
    ActionBinding pendingCall = ActionBinding.of("customers.erase", 8L);
    Grant timeBound = timeBoundGrant(alice, first.guard(), first.guard());
    Grant action = granted(first.guard().approve(pendingId(first.guard().request(eraseRequest(approvedCall))), PAT,
        "ok"));
    RequestId pendingTimeBound = pendingId(first.guard().request(ElevationRequest.builder(carol, DB_WRITE)
        .justification("INC-3: pending across the restart").build()));
    RequestId pendingAction = pendingId(first.guard().request(eraseRequest(pendingCall)));
    first.close();
    cleanup.remove(first);
    assertThat(first.pool().isClosed()).isTrue();

    Instance restarted = cached();

    assertThat(restarted.guard().check(alice, DB_WRITE)).isInstanceOfSatisfying(Decision.Granted.class,
        g -> assertThat(g.grant().id()).isEqualTo(timeBound.id()));
    assertThat(restarted.guard().activeGrants(SAM)).extracting(Grant::id).containsExactly(action.id());
    assertThat(restarted.guard().pendingApprovals(BOB)).extracting(RequestRecord::id)
        .containsExactly(pendingTimeBound);
    assertThat(restarted.guard().pendingApprovals(PAT)).singleElement().satisfies(r -> {
      assertThat(r.id()).isEqualTo(pendingAction);
      assertThat(r.request().action()).contains(pendingCall);
    });
    assertThat(restarted.guard().pendingRequests(carol)).extracting(RequestRecord::id)
        .containsExactly(pendingTimeBound);
    assertThat(restarted.guard().checkAction(SAM, ERASE, approvedCall)).isInstanceOfSatisfying(
        Decision.Granted.class, g -> assertThat(g.grant().id()).isEqualTo(action.id()));
    assertThat(restarted.guard().checkAction(SAM, ERASE, approvedCall).reason())
        .isEqualTo(ReasonCode.GRANT_CONSUMED);
    assertThat(restarted.guard().checkAction(SAM, ERASE, pendingCall).reason()).isEqualTo(ReasonCode.NO_GRANT);
    assertThat(pendingId(restarted.guard().request(eraseRequest(pendingCall)))).isEqualTo(pendingAction);
  }

  // ------------------------------------------------------------------------------------------------ failures

  /**
   * The database goes away under an instance (its pool is shut down): a strict check and an action check are denied
   * with {@code STORE_FAILURE} at once; a cached check keeps its answer at most for the bound and is then denied with
   * {@code STORE_FAILURE}, never granted from a stale cache beyond it. The other instance is unaffected.
   */
  @Test
  void databaseFailsDuringCheckThenStoreFailureNeverGranted() {
    Instance a = cached();
    Instance strict = instance(Consistency.strict(), 4);
    Instance cachedB = cached();
    Subject alice = developer("alice");
    timeBoundGrant(alice, a.guard(), a.guard());
    ActionBinding call = ActionBinding.of("customers.erase", 1L);
    granted(a.guard().approve(pendingId(a.guard().request(eraseRequest(call))), PAT, "ok"));
    assertThat(strict.guard().check(alice, DB_WRITE).isGranted()).isTrue();
    List<Decision> seen = new ArrayList<>();
    assertThat(nanosUntil(cachedB.guard(), alice, Decision::isGranted, System.nanoTime(), BOUND.multipliedBy(3),
        seen)).isNotNegative();

    strict.pool().close();
    cachedB.pool().close();
    long down = System.nanoTime();

    assertThat(strict.guard().check(alice, DB_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    assertThat(strict.guard().checkAction(SAM, ERASE, call).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    assertThat(cachedB.guard().checkAction(SAM, ERASE, call).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    long delay = nanosUntil(cachedB.guard(), alice, d -> !d.isGranted(), down, BOUND.multipliedBy(3), seen);
    assertThat(delay).as("cached instance stops granting within the bound").isNotNegative()
        .isLessThan(BOUND.plusMillis(250).toNanos());
    assertThat(seen.get(seen.size() - 1).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    for (int i = 0; i < 100; i++) {
      assertThat(cachedB.guard().check(alice, DB_WRITE).reason()).isEqualTo(ReasonCode.STORE_FAILURE);
    }
    assertThat(a.guard().check(alice, DB_WRITE).isGranted()).as("the other instance is unaffected").isTrue();
    assertThat(a.guard().checkAction(SAM, ERASE, call).isGranted()).isTrue();
  }
}
