package dev.jitguard.store;

import dev.jitguard.internal.jdbc.JdbcSupport;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The grant store's two tables: their columns, the SQL on them, and the shipped schema script that creates them. */
final class GrantTables {
  /** The advisory lock key that serialises schema creation on PostgreSQL ("jitguard" in ASCII). */
  private static final long SCHEMA_LOCK = 0x6a69_7467_7561_7264L;
  /** The unique index that keeps one pending request per subject, privilege and action call. */
  static final String ONE_PENDING_INDEX = "jitguard_requests_one_pending";

  static final List<String> REQUEST_COLUMNS = List.of("id", "subject_id", "subject_groups",
      "subject_attributes", "privilege", "justification", "ticket", "duration", "start_at", "uses", "amount_limit",
      "action_name", "action_digest", "action_preview", "status",
      "created_at", "expires_at", "approvals_required", "approver_groups", "approvals", "denials", "reminded_at",
      "escalated_at", "break_glass", "reviewed_at", "reviewed_by", "review_comment", "decided_at", "decided_by",
      "decision_reason", "decision_comment", "grant_id", "policy_version", "version");
  static final List<String> GRANT_COLUMNS = List.of("id", "request_id", "subject_id", "privilege",
      "status", "issued_at", "not_before", "expires_at", "cap_expires_at", "uses_granted", "uses_left", "amount_limit",
      "amount_used", "action_name", "action_digest", "approvers",
      "ended_at", "ended_by", "end_reason", "policy_version", "version");

  /** Column name to its 1-based position in {@link #REQUEST_COLUMNS} (and so in every select of requests). */
  static final Map<String, Integer> REQUEST_INDEX = positions(REQUEST_COLUMNS);
  static final Map<String, Integer> GRANT_INDEX = positions(GRANT_COLUMNS);

  static final String INSERT_REQUEST = insertSql("jitguard_requests", REQUEST_COLUMNS);
  static final String UPDATE_REQUEST = updateSql("jitguard_requests", REQUEST_COLUMNS);
  private static final String SELECT_REQUESTS = "SELECT " + String.join(", ", REQUEST_COLUMNS)
      + " FROM jitguard_requests";
  private static final String REQUEST_ORDER = " ORDER BY created_at, id";
  static final String INSERT_GRANT = insertSql("jitguard_grants", GRANT_COLUMNS);
  static final String UPDATE_GRANT = updateSql("jitguard_grants", GRANT_COLUMNS);
  private static final String SELECT_GRANTS = "SELECT " + String.join(", ", GRANT_COLUMNS) + " FROM jitguard_grants";
  private static final String GRANT_ORDER = " ORDER BY issued_at, id";
  /**
   * Reads and locks a request at one version, before its compare-and-set update: the update must not write over a
   * row that cannot be read (see {@link CorruptRows}).
   */
  static final String LOCK_REQUEST = SELECT_REQUESTS + " WHERE id = ? AND version = ? FOR UPDATE";
  /** Reads and locks a grant at one version, as {@link #LOCK_REQUEST}. */
  static final String LOCK_GRANT = SELECT_GRANTS + " WHERE id = ? AND version = ? FOR UPDATE";
  /** The condition of a break-glass request whose review is open. */
  static final String OPEN_REVIEW = "break_glass AND reviewed_at IS NULL";
  /** The condition of a grant that is active or scheduled. */
  static final String LIVE = "status IN ('ACTIVE', 'SCHEDULED')";

  private GrantTables() {}

  /** Selects every request column, with a condition ({@code " WHERE ..."} or empty), in creation order. */
  static String selectRequests(String where) {
    return SELECT_REQUESTS + where + REQUEST_ORDER;
  }

  /** Selects every grant column, with a condition ({@code " WHERE ..."} or empty), in issue order. */
  static String selectGrants(String where) {
    return SELECT_GRANTS + where + GRANT_ORDER;
  }

  /**
   * The query that reads the database's clock in epoch milliseconds: PostgreSQL's {@code clock_timestamp()}, H2's
   * {@code CURRENT_TIMESTAMP}.
   */
  static String clockQuery(JdbcDialect dialect) {
    return dialect == JdbcDialect.POSTGRESQL
        ? "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)"
        : "SELECT DATEDIFF('MILLISECOND', TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00', CURRENT_TIMESTAMP(3))";
  }

  /**
   * The name of the shipped schema script for a dialect, in this class's package.
   *
   * @param dialect the dialect
   * @return {@code schema-h2.sql} or {@code schema-postgresql.sql}
   */
  static String schemaScript(JdbcDialect dialect) {
    return dialect == JdbcDialect.H2 ? "schema-h2.sql" : "schema-postgresql.sql";
  }

  /**
   * Runs the shipped schema script, which creates whatever is missing and changes nothing that exists; on PostgreSQL
   * under an advisory lock, so instances starting together do not fail on each other.
   */
  static void create(JdbcSupport jdbc, JdbcDialect dialect) {
    String script = JdbcSupport.loadScript(JdbcGrantStore.class, schemaScript(dialect));
    jdbc.runScript(script, dialect, SCHEMA_LOCK);
  }

  private static Map<String, Integer> positions(List<String> columns) {
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      out.put(columns.get(i), i + 1);
    }
    return Map.copyOf(out);
  }

  private static String insertSql(String table, List<String> columns) {
    return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
        + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
  }

  private static String updateSql(String table, List<String> columns) {
    return "UPDATE " + table + " SET " + columns.subList(1, columns.size()).stream().map(c -> c + " = ?")
        .collect(Collectors.joining(", ")) + " WHERE id = ? AND version = ?";
  }
}
