package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitguard.RequestId;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.RequestPosition;
import dev.jitguard.store.JdbcGrantStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JDBC store's listing queries use an index on PostgreSQL, not a sequential scan: over tables of 100,000 requests
 * and 100,000 grants (mostly ended, as after months of use), analysed, each listing's SQL, captured as the store sends
 * it with its parameters, is explained and its plan checked.
 */
class PostgresListingPlanTest {
  private static final int ROWS = 100_000;
  private static final String PENDING = "jitguard_requests_pending";
  private static HikariDataSource pool;
  private static JdbcGrantStore store;
  /** The queries the store ran: SQL and its parameters by index. */
  private static final List<Map.Entry<String, Map<Integer, Object>>> QUERIES = new ArrayList<>();

  @BeforeAll
  static void fill() throws SQLException {
    pool = Databases.postgresPool(2);
    store = JdbcGrantStore.builder(recording(pool)).createSchema(true).build();
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      // Every 50th request pending (2,000, over 100 privileges), every 1,000th a break-glass use not reviewed yet.
      s.execute("INSERT INTO jitguard_requests (id, subject_id, subject_groups, subject_attributes, privilege, "
          + "justification, status, created_at, expires_at, approvals_required, approver_groups, approvals, denials, "
          + "break_glass, policy_version, version) SELECT md5('r' || g), 'user' || g, '[]', '{}', "
          + "'app' || ((g / 50) % 100) || '.run', 'bulk', CASE WHEN g % 50 = 0 THEN 'PENDING' ELSE 'EXPIRED' END, "
          + "1700000000000 + g, 1700003600000 + g, 1, '[]', '[]', '[]', g % 1000 = 1, 'v1', 0 "
          + "FROM generate_series(1, " + ROWS + ") g");
      // Every 20th grant live, 10 grants per subject.
      s.execute("INSERT INTO jitguard_grants (id, request_id, subject_id, privilege, status, issued_at, not_before, "
          + "expires_at, cap_expires_at, uses_granted, uses_left, approvers, policy_version, version) "
          + "SELECT md5('g' || g), md5('r' || g), 'user' || (g % 10000), 'app' || (g % 100) || '.run', "
          + "CASE WHEN g % 20 = 0 THEN 'ACTIVE' ELSE 'EXPIRED' END, 1700000000000 + g, 1700000000000 + g, "
          + "1700003600000 + g, 1700003600000 + g, 0, 0, '[]', 'v1', 0 FROM generate_series(1, " + ROWS + ") g");
      s.execute("ANALYZE jitguard_requests");
      s.execute("ANALYZE jitguard_grants");
    }
  }

  @AfterAll
  static void close() {
    store.close();
    pool.close();
  }

  @Test
  void pendingRequestsForPatternsWhenTableIsLargeThenIndexScan() throws SQLException {
    Set<PrivilegePattern> patterns = Set.of(PrivilegePattern.of("app7.*"), PrivilegePattern.of("app42.run"));
    assertThat(plans(() -> store.pendingRequests(patterns, null, 50))).allSatisfy(indexed(PENDING));
    RequestPosition after = new RequestPosition(Instant.ofEpochMilli(1700000000000L + 50_000), RequestId.random());
    assertThat(plans(() -> store.pendingRequests(patterns, after, 50))).allSatisfy(indexed(PENDING));
  }

  @Test
  void openReviewsWhenTableIsLargeThenIndexScan() throws SQLException {
    assertThat(plans(() -> store.openReviews(null, 50))).allSatisfy(indexed("jitguard_requests_open_review"));
    RequestPosition after = new RequestPosition(Instant.ofEpochMilli(1700000000000L + 50_000), RequestId.random());
    assertThat(plans(() -> store.openReviews(after, 50))).allSatisfy(indexed("jitguard_requests_open_review"));
  }

  @Test
  void pendingRequestsOfOneRequesterWhenTableIsLargeThenIndexScan() throws SQLException {
    assertThat(plans(() -> store.pendingRequestsBy("user500"))).allSatisfy(indexed("jitguard_requests_"));
  }

  @Test
  void liveGrantsOfOneSubjectWhenTableIsLargeThenIndexScan() throws SQLException {
    assertThat(plans(() -> store.liveGrantsOf("user20"))).allSatisfy(indexed("jitguard_grants_subject"));
  }

  @Test
  void liveGrantsEndingByWhenTableIsLargeThenIndexScan() throws SQLException {
    Instant soon = Instant.ofEpochMilli(1700003600000L + 1_000); // about 50 of the 5,000 live grants end by then
    assertThat(plans(() -> store.liveGrantsEndingBy(soon))).allSatisfy(indexed("jitguard_grants_ending"));
  }

  private static java.util.function.Consumer<String> indexed(String index) {
    return plan -> assertThat(plan).as(plan).doesNotContain("Seq Scan").contains("Index").contains(index);
  }

  /** Runs a listing, then explains each query it sent, with the same parameters. */
  private static List<String> plans(Runnable listing) throws SQLException {
    List<Map.Entry<String, Map<Integer, Object>>> sent;
    synchronized (QUERIES) {
      QUERIES.clear();
      listing.run();
      sent = List.copyOf(QUERIES);
    }
    assertThat(sent).isNotEmpty();
    List<String> plans = new ArrayList<>();
    try (Connection c = pool.getConnection()) {
      for (Map.Entry<String, Map<Integer, Object>> q : sent) {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + q.getKey())) {
          for (Map.Entry<Integer, Object> p : q.getValue().entrySet()) {
            ps.setObject(p.getKey(), p.getValue());
          }
          StringBuilder plan = new StringBuilder(q.getKey()).append('\n');
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              plan.append(rs.getString(1)).append('\n');
            }
          }
          plans.add(plan.toString());
        }
      }
    }
    return plans;
  }

  /** A data source whose prepared queries are recorded with their parameters when executed. */
  private static DataSource recording(DataSource ds) {
    return proxy(DataSource.class, ds, (target, m, args) -> {
      Object out = m.invoke(target, args);
      return out instanceof Connection c ? proxy(Connection.class, c, (ct, cm, cargs) -> {
        Object made = cm.invoke(ct, cargs);
        if (made instanceof PreparedStatement ps && cm.getName().equals("prepareStatement")) {
          String sql = (String) cargs[0];
          Map<Integer, Object> params = new TreeMap<>();
          return proxy(PreparedStatement.class, ps, (pt, pm, pargs) -> {
            if (pm.getName().startsWith("set") && pargs != null && pargs.length == 2 && pargs[0] instanceof Integer i) {
              params.put(i, pargs[1]);
            }
            if (pm.getName().equals("executeQuery") && !sql.startsWith("EXPLAIN")) {
              synchronized (QUERIES) {
                QUERIES.add(Map.entry(sql, new TreeMap<>(params)));
              }
            }
            return pm.invoke(pt, pargs);
          });
        }
        return made;
      }) : out;
    });
  }

  /** How each proxied call is handled, given the real object. */
  private interface Handler {
    Object handle(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable;
  }

  private static <T> T proxy(Class<T> type, T target, Handler h) {
    InvocationHandler ih = (p, m, args) -> {
      try {
        return h.handle(target, m, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return type.cast(Proxy.newProxyInstance(PostgresListingPlanTest.class.getClassLoader(), new Class<?>[] {type},
        ih));
  }
}
