package dev.jitguard.store;

import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.internal.util.Text;
import dev.jitguard.internal.jdbc.GrantChangeFeed;
import dev.jitguard.internal.jdbc.JdbcSupport;
import dev.jitguard.internal.jdbc.JsonColumns;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.GrantStore;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link GrantStore} in a relational database, H2 or PostgreSQL, through plain JDBC on a {@link DataSource}. Shared
 * by every application instance that uses the same database: requests, approvals and grants survive restarts, and a
 * change made by one instance is seen by the others.
 *
 * <pre>{@code
 * JdbcGrantStore store = JdbcGrantStore.builder(dataSource)
 *     .createSchema(true)                  // or run schema-postgresql.sql / schema-h2.sql in your migrations
 *     .queryTimeout(Duration.ofSeconds(2))
 *     .build();
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store).build();
 * }</pre>
 *
 * <p><b>Transitions.</b> Every update is one conditional statement, {@code UPDATE ... WHERE id = ? AND version = ?}:
 * of two instances approving, denying, revoking or consuming the same version at once, the database lets exactly one
 * row update succeed, and the other gets {@code false}. The two writes that touch two records (a request with the
 * grant it produced) run in one transaction. Budgeted and metered grants are consumed by the guard through
 * {@link #update(Grant, Grant)}, so each use is taken, and each amount spent, exactly once across instances; the store
 * does no arithmetic and keeps amounts as exact decimal text (scale included).
 *
 * <p><b>One pending request per subject, privilege and action call</b> (the guard's rule: the same time-bound
 * elevation, or the same action name and argument digest) is enforced by a unique index in the schema, so two
 * instances cannot both insert one: the second {@link #insert(RequestRecord)} throws
 * {@link DuplicatePendingRequestException}. Requests for different calls of one action are different requests.
 *
 * <p><b>Time.</b> The store never reads a clock and never asks the database for the time: instants are written as
 * given, in epoch milliseconds (UTC), by the instance that made the change. Expiry is decided by the guard's clock on
 * the instance doing the check against the grant's absolute {@code expiresAt}; clock skew between instances shifts
 * expiry by at most the skew (keep the hosts on NTP).
 *
 * <p><b>Changes from other instances.</b> {@link #isShared()} is true. {@link #subscribe} on PostgreSQL holds one
 * connection that {@code LISTEN}s to channel {@code jitguard_grants}, which the schema's trigger notifies with the
 * grant id on every insert and update of a grant; on H2 it polls a change counter every
 * {@linkplain Builder#pollInterval(Duration) poll interval}. Own writes are reported too.
 *
 * <p><b>Failures.</b> Every failure (database down, pool exhausted, statement past the
 * {@linkplain Builder#queryTimeout(Duration) query timeout}, corrupt row) throws {@link JdbcStoreException}; a
 * partial record is never returned. Thread-safe. See {@code docs/jdbc.md} for the schema and operations.
 */
public final class JdbcGrantStore implements GrantStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcGrantStore.class);
  private static final String COMPONENT = "JDBC grant store";
  /** The advisory lock key that serialises schema creation on PostgreSQL ("jitguard" in ASCII). */
  private static final long SCHEMA_LOCK = 0x6a69_7467_7561_7264L;
  /** The unique index that keeps one pending request per subject, privilege and action call. */
  static final String ONE_PENDING_INDEX = "jitguard_requests_one_pending";

  private static final List<String> REQUEST_COLUMNS = List.of("id", "subject_id", "subject_groups",
      "subject_attributes", "privilege", "justification", "ticket", "duration", "start_at", "uses", "amount_limit",
      "action_name", "action_digest", "action_preview", "status",
      "created_at", "expires_at", "approvals_required", "approver_groups", "approvals", "denials", "reminded_at",
      "escalated_at", "break_glass", "reviewed_at", "reviewed_by", "review_comment", "decided_at", "decided_by",
      "decision_reason", "decision_comment", "grant_id", "policy_version", "version");
  private static final List<String> GRANT_COLUMNS = List.of("id", "request_id", "subject_id", "privilege",
      "status", "issued_at", "not_before", "expires_at", "cap_expires_at", "uses_granted", "uses_left", "amount_limit",
      "amount_used", "action_name", "action_digest", "approvers",
      "ended_at", "ended_by", "end_reason", "policy_version", "version");

  /** Column name to its 1-based position in {@link #REQUEST_COLUMNS} (and so in every select of requests). */
  private static final Map<String, Integer> REQUEST_INDEX = positions(REQUEST_COLUMNS);
  private static final Map<String, Integer> GRANT_INDEX = positions(GRANT_COLUMNS);

  private static final String INSERT_REQUEST = insertSql("jitguard_requests", REQUEST_COLUMNS);
  private static final String UPDATE_REQUEST = updateSql("jitguard_requests", REQUEST_COLUMNS);
  private static final String SELECT_REQUESTS = "SELECT " + String.join(", ", REQUEST_COLUMNS)
      + " FROM jitguard_requests";
  private static final String REQUEST_ORDER = " ORDER BY created_at, id";
  private static final String INSERT_GRANT = insertSql("jitguard_grants", GRANT_COLUMNS);
  private static final String UPDATE_GRANT = updateSql("jitguard_grants", GRANT_COLUMNS);
  private static final String SELECT_GRANTS = "SELECT " + String.join(", ", GRANT_COLUMNS) + " FROM jitguard_grants";
  private static final String GRANT_ORDER = " ORDER BY issued_at, id";
  private static final String LIVE = "status IN ('ACTIVE', 'SCHEDULED')";

  private final JdbcSupport jdbc;
  private final JdbcDialect dialect;
  private final DataSource notifications;
  private final Duration pollInterval;
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final Object feedLock = new Object();
  private @Nullable GrantChangeFeed feed;
  private volatile boolean closed;

  private JdbcGrantStore(Builder b, JdbcDialect dialect) {
    this.jdbc = new JdbcSupport(b.dataSource, b.queryTimeout, COMPONENT);
    this.dialect = dialect;
    this.notifications = b.notificationDataSource == null ? b.dataSource : b.notificationDataSource;
    this.pollInterval = b.pollInterval;
  }

  /**
   * Starts a builder.
   *
   * @param dataSource where the tables are; a pooled one (HikariCP, ...) in production
   * @return the builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** @return the dialect in use, detected or set */
  public JdbcDialect dialect() {
    return dialect;
  }

  // ------------------------------------------------------------------------------------------------- requests

  @Override
  public void insert(RequestRecord request) {
    Objects.requireNonNull(request, "request cannot be null");
    try {
      jdbc.single(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, INSERT_REQUEST)) {
          bind(ps, 1, requestValues(request));
          ps.executeUpdate();
        }
        return null;
      });
    } catch (SQLException e) {
      throw insertFailure("request", request, e);
    }
  }

  @Override
  public void insert(RequestRecord request, Grant grant) {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(grant, "grant cannot be null");
    String[] step = {"request"};
    try {
      jdbc.transaction(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, INSERT_REQUEST)) {
          bind(ps, 1, requestValues(request));
          ps.executeUpdate();
        }
        step[0] = "grant";
        try (PreparedStatement ps = jdbc.prepare(c, INSERT_GRANT)) {
          bind(ps, 1, grantValues(grant));
          ps.executeUpdate();
        }
        return null;
      });
    } catch (SQLException e) {
      if (step[0].equals("grant") && JdbcSupport.isUniqueViolation(e)) {
        throw new IllegalStateException("grant " + grant.id() + " already exists; request " + request.id()
            + " was not stored either");
      }
      throw insertFailure("request", request, e);
    }
  }

  private RuntimeException insertFailure(String what, RequestRecord request, SQLException e) {
    if (JdbcSupport.isUniqueViolation(e)) {
      if (JdbcSupport.violates(e, ONE_PENDING_INDEX)) {
        return duplicatePending(request);
      }
      return new IllegalStateException(what + " " + request.id() + " already exists");
    }
    return jdbc.failure("insert request " + request.id(), e);
  }

  private static DuplicatePendingRequestException duplicatePending(RequestRecord request) {
    String call = request.request().action().map(a -> " and the same call of action " + Text.quote(a.action())
        + " (argument digest " + a.argumentDigest() + ")").orElse("");
    return new DuplicatePendingRequestException("Subject " + Text.quote(request.requesterId())
        + " already has a pending request for '" + request.privilege() + "'" + call + "; request " + request.id()
        + " was not stored (one pending request per subject, privilege and action call)");
  }

  @Override
  public Optional<RequestRecord> findRequest(RequestId id) {
    Objects.requireNonNull(id, "id cannot be null");
    List<RequestRecord> found = queryRequests("find request " + id, " WHERE id = ?", id.value());
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    try {
      return jdbc.single(c -> updateRequest(c, expected, updated));
    } catch (SQLException e) {
      throw updateFailure(expected, updated, e);
    }
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated, Grant issued) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    Objects.requireNonNull(issued, "issued cannot be null");
    String[] step = {"request"};
    try {
      return jdbc.transaction(c -> {
        if (!updateRequest(c, expected, updated)) {
          return false;
        }
        step[0] = "grant";
        try (PreparedStatement ps = jdbc.prepare(c, INSERT_GRANT)) {
          bind(ps, 1, grantValues(issued));
          ps.executeUpdate();
        }
        return true;
      });
    } catch (SQLException e) {
      if (step[0].equals("grant") && JdbcSupport.isUniqueViolation(e)) {
        throw new IllegalStateException("grant " + issued.id() + " already exists; request " + expected.id()
            + " was not updated either");
      }
      throw updateFailure(expected, updated, e);
    }
  }

  private boolean updateRequest(Connection c, RequestRecord expected, RequestRecord updated)
      throws SQLException {
    try (PreparedStatement ps = jdbc.prepare(c, UPDATE_REQUEST)) {
      Object[] values = requestValues(updated);
      int next = bind(ps, 1, Arrays.copyOfRange(values, 1, values.length));
      ps.setString(next, expected.id().value());
      ps.setLong(next + 1, expected.version());
      return ps.executeUpdate() == 1;
    }
  }

  private RuntimeException updateFailure(RequestRecord expected, RequestRecord updated, SQLException e) {
    if (JdbcSupport.isUniqueViolation(e) && JdbcSupport.violates(e, ONE_PENDING_INDEX)) {
      return duplicatePending(updated);
    }
    return jdbc.failure("update request " + expected.id() + " from version " + expected.version(), e);
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    return queryRequests("list pending requests", " WHERE status = 'PENDING'");
  }

  @Override
  public List<RequestRecord> openReviews() {
    return queryRequests("list open break-glass reviews", " WHERE break_glass AND reviewed_at IS NULL");
  }

  @Override
  public List<RequestRecord> requestsBy(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return queryRequests("list the requests of " + Text.quote(subjectId), " WHERE subject_id = ?", subjectId);
  }

  private List<RequestRecord> queryRequests(String operation, String where, String... params) {
    try {
      return jdbc.read(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, SELECT_REQUESTS + where + REQUEST_ORDER)) {
          for (int i = 0; i < params.length; i++) {
            ps.setString(i + 1, params[i]);
          }
          try (ResultSet rs = ps.executeQuery()) {
            List<RequestRecord> out = new ArrayList<>();
            while (rs.next()) {
              out.add(readRequest(rs));
            }
            return out;
          }
        }
      });
    } catch (SQLException e) {
      throw jdbc.failure(operation, e);
    }
  }

  // --------------------------------------------------------------------------------------------------- grants

  @Override
  public Optional<Grant> findGrant(GrantId id) {
    Objects.requireNonNull(id, "id cannot be null");
    List<Grant> found = queryGrants("find grant " + id, " WHERE id = ?", id.value());
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public boolean update(Grant expected, Grant updated) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    try {
      return jdbc.single(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, UPDATE_GRANT)) {
          Object[] values = grantValues(updated);
          int next = bind(ps, 1, Arrays.copyOfRange(values, 1, values.length));
          ps.setString(next, expected.id().value());
          ps.setLong(next + 1, expected.version());
          return ps.executeUpdate() == 1;
        }
      });
    } catch (SQLException e) {
      throw jdbc.failure("update grant " + expected.id() + " from version " + expected.version(), e);
    }
  }

  @Override
  public List<Grant> grantsOf(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return queryGrants("list the grants of " + Text.quote(subjectId), " WHERE subject_id = ?", subjectId);
  }

  @Override
  public List<Grant> grantsFrom(RequestId requestId) {
    Objects.requireNonNull(requestId, "requestId cannot be null");
    return queryGrants("list the grants of request " + requestId, " WHERE request_id = ?", requestId.value());
  }

  @Override
  public List<Grant> liveGrants() {
    return queryGrants("list live grants", " WHERE " + LIVE);
  }

  @Override
  public List<Grant> liveGrants(String subjectId, Privilege privilege) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return queryGrants("list the live grants of " + Text.quote(subjectId) + " for '" + privilege + "'",
        " WHERE subject_id = ? AND privilege = ? AND " + LIVE, subjectId, privilege.name());
  }

  private List<Grant> queryGrants(String operation, String where, String... params) {
    try {
      return jdbc.read(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, SELECT_GRANTS + where + GRANT_ORDER)) {
          for (int i = 0; i < params.length; i++) {
            ps.setString(i + 1, params[i]);
          }
          try (ResultSet rs = ps.executeQuery()) {
            List<Grant> out = new ArrayList<>();
            while (rs.next()) {
              out.add(readGrant(rs));
            }
            return out;
          }
        }
      });
    } catch (SQLException e) {
      throw jdbc.failure(operation, e);
    }
  }

  // --------------------------------------------------------------------------------------- sharing and closing

  /**
   * How far the database's clock is ahead of this host's, from one query: the database's time minus the midpoint of
   * this host's clock read before and after it (so the uncertainty is half the round trip). The guard decides time by
   * the database's clock when the two differ by more than {@link dev.jitguard.Consistency#CLOCK_TOLERANCE_MILLIS}
   * ms. PostgreSQL answers with {@code clock_timestamp()}, H2 with {@code CURRENT_TIMESTAMP}.
   *
   * @return the offset in milliseconds
   * @throws JdbcStoreException if the database cannot be read
   */
  @Override
  public OptionalLong clockOffsetMillis() {
    String sql = dialect == JdbcDialect.POSTGRESQL
        ? "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)"
        : "SELECT DATEDIFF('MILLISECOND', TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00', CURRENT_TIMESTAMP(3))";
    try {
      return jdbc.read(c -> {
        try (PreparedStatement ps = jdbc.prepare(c, sql)) {
          long before = System.currentTimeMillis();
          try (ResultSet rs = ps.executeQuery()) {
            long after = System.currentTimeMillis();
            if (!rs.next()) {
              throw new SQLException("the database returned no time");
            }
            return OptionalLong.of(rs.getLong(1) - (before + after) / 2);
          }
        }
      });
    } catch (SQLException e) {
      throw jdbc.failure("read the database's clock", e);
    }
  }

  /** @return true: the database is shared by every instance that uses it */
  @Override
  public boolean isShared() {
    return true;
  }

  /**
   * Calls the listener with the id of each grant inserted or updated in the database, by any instance (this one
   * included) or by hand. On PostgreSQL the first subscription opens a listening connection (from the
   * {@linkplain Builder#notificationDataSource notification data source}, by default the store's own, where it holds
   * one connection while anyone is subscribed) and returns once it listens, or after the query timeout if the
   * database cannot be reached (it then keeps trying with backoff). On H2 it polls every
   * {@linkplain Builder#pollInterval poll interval}. Listeners run on the feed's daemon thread; one that throws is
   * logged and skipped. Closing the last subscription stops the thread.
   *
   * @param listener called with each changed grant id; fast, must not block
   * @return closes this subscription
   */
  @Override
  public AutoCloseable subscribe(Consumer<GrantId> listener) {
    Objects.requireNonNull(listener, "listener cannot be null");
    Registration registration = new Registration(listener);
    synchronized (feedLock) {
      if (closed) {
        throw new IllegalStateException("the JDBC grant store is closed; build a new one to subscribe");
      }
      listeners.add(registration);
      if (feed == null) {
        GrantChangeFeed f = dialect == JdbcDialect.POSTGRESQL
            ? GrantChangeFeed.postgres(notifications, this::dispatch)
            : GrantChangeFeed.polling(jdbc, pollInterval, this::dispatch);
        feed = f;
        if (!f.start("jitguard-grant-changes", Duration.ofSeconds(jdbc.queryTimeoutSeconds()))) {
          LOG.warn("grant change feed is not listening yet after {} s; it keeps trying in the background",
              jdbc.queryTimeoutSeconds());
        }
      }
    }
    return () -> unsubscribe(registration);
  }

  private void unsubscribe(Registration registration) {
    GrantChangeFeed stop = null;
    synchronized (feedLock) {
      if (listeners.remove(registration) && listeners.isEmpty()) {
        stop = feed;
        feed = null;
      }
    }
    if (stop != null) {
      stop.close();
    }
  }

  private void dispatch(GrantId id) {
    for (Registration r : listeners) {
      try {
        r.listener.accept(id);
      } catch (RuntimeException e) {
        LOG.warn("grant change listener {} failed for grant {}; ignored", r.listener, id, e);
      }
    }
  }

  /**
   * Runs {@code body} in one database transaction: every write of this store, and of any
   * {@link dev.jitguard.audit.JdbcAuditSink} built with {@code joinTransactions(true)} on the same {@code DataSource}
   * instance, made by the current thread inside the body goes through one connection and commits when the body
   * returns, or rolls back when it throws. Calls nest (the inner joins the outer). Each write inside runs under a
   * savepoint, so a write that fails (a duplicate id, say) is undone alone and the body may go on.
   *
   * <pre>{@code
   * store.inTransaction(() -> {
   *   boolean won = store.update(read, revoked);
   *   if (won) {
   *     audit.record(revokedEvent);       // same transaction: both or neither
   *   }
   *   return won;
   * });
   * }</pre>
   *
   * @param body the work
   * @param <T> its result type
   * @return what the body returned
   * @throws JdbcStoreException if the transaction could not begin or commit (then nothing of it is stored)
   */
  public <T> T inTransaction(Supplier<T> body) {
    return JdbcSupport.inTransaction(jdbc.dataSource(), body, COMPONENT);
  }

  /** Stops the change feed, if one runs. The data source is the caller's: it stays open. */
  @Override
  public void close() {
    GrantChangeFeed stop;
    synchronized (feedLock) {
      closed = true;
      listeners.clear();
      stop = feed;
      feed = null;
    }
    if (stop != null) {
      stop.close();
    }
  }

  @Override
  public String toString() {
    return "JdbcGrantStore[dialect=" + dialect + ", queryTimeout=" + jdbc.queryTimeoutSeconds() + "s]";
  }

  private static final class Registration {
    final Consumer<GrantId> listener;

    Registration(Consumer<GrantId> listener) {
      this.listener = listener;
    }
  }

  // ------------------------------------------------------------------------------------------ rows and values

  private static Object[] requestValues(RequestRecord r) {
    ElevationRequest q = r.request();
    return new Object[] {
        r.id().value(),
        q.subject().id(),
        JsonColumns.strings(q.subject().groups()),
        JsonColumns.stringMap(q.subject().attributes()),
        q.privilege().name(),
        q.justification(),
        stringOrNull(q.ticket().orElse(null)),
        stringOrNull(q.duration().map(Duration::toString).orElse(null)),
        millisOrNull(q.startAt().orElse(null)),
        q.uses().isPresent() ? (Object) q.uses().getAsInt() : new SqlNull(Types.INTEGER),
        amountOrNull(q.amountLimit().orElse(null)),
        stringOrNull(q.action().map(ActionBinding::action).orElse(null)),
        stringOrNull(q.action().map(ActionBinding::argumentDigest).orElse(null)),
        stringOrNull(q.action().map(ActionBinding::preview).orElse(null)),
        r.status().name(),
        r.createdAt().toEpochMilli(),
        r.expiresAt().toEpochMilli(),
        r.approvalsRequired(),
        JsonColumns.strings(r.approverGroups()),
        JsonColumns.approvals(r.approvals()),
        JsonColumns.approvals(r.denials()),
        millisOrNull(r.remindedAt().orElse(null)),
        millisOrNull(r.escalatedAt().orElse(null)),
        r.isBreakGlass(),
        millisOrNull(r.reviewedAt().orElse(null)),
        stringOrNull(r.reviewedBy().orElse(null)),
        stringOrNull(r.reviewComment().orElse(null)),
        millisOrNull(r.decidedAt().orElse(null)),
        stringOrNull(r.decidedBy().orElse(null)),
        stringOrNull(r.decisionReason().map(ReasonCode::name).orElse(null)),
        stringOrNull(r.decisionComment().orElse(null)),
        stringOrNull(r.grantId().map(GrantId::value).orElse(null)),
        r.policyVersion(),
        r.version()};
  }

  private static Object[] grantValues(Grant g) {
    return new Object[] {
        g.id().value(),
        g.requestId().value(),
        g.subjectId(),
        g.privilege().name(),
        g.storedStatus().name(),
        g.issuedAt().toEpochMilli(),
        g.notBefore().toEpochMilli(),
        g.expiresAt().toEpochMilli(),
        g.capExpiresAt().toEpochMilli(),
        g.usesGranted().orElse(0),
        g.usesLeft().orElse(0),
        amountOrNull(g.amountLimit().orElse(null)),
        amountOrNull(g.amountUsed().orElse(null)),
        stringOrNull(g.action().orElse(null)),
        stringOrNull(g.argumentDigest().orElse(null)),
        JsonColumns.strings(g.approvers()),
        millisOrNull(g.endedAt().orElse(null)),
        stringOrNull(g.endedBy().orElse(null)),
        stringOrNull(g.endReason().orElse(null)),
        g.policyVersion(),
        g.version()};
  }

  private static Object millisOrNull(@Nullable Instant at) {
    return at == null ? new SqlNull(Types.BIGINT) : (Object) at.toEpochMilli();
  }

  private static Object stringOrNull(@Nullable String s) {
    return s == null ? new SqlNull(Types.VARCHAR) : s;
  }

  /**
   * An amount as text that {@code new BigDecimal(text)} reads back equal, scale included ({@code 250.00} stays
   * {@code 250.00}): the plain decimal, or for a negative scale ({@code 1E+3}) the scientific form, whose plain
   * decimal would come back with scale 0.
   */
  private static Object amountOrNull(@Nullable BigDecimal amount) {
    if (amount == null) {
      return new SqlNull(Types.VARCHAR);
    }
    return amount.scale() < 0 ? amount.toString() : amount.toPlainString();
  }

  /** A SQL NULL of a column type ({@link Types}). */
  private record SqlNull(int type) {}

  private static int bind(PreparedStatement ps, int first, Object[] values) throws SQLException {
    int i = first;
    for (Object v : values) {
      if (v instanceof SqlNull n) {
        ps.setNull(i, n.type());
      } else if (v instanceof String s) {
        ps.setString(i, s);
      } else if (v instanceof Long l) {
        ps.setLong(i, l);
      } else if (v instanceof Integer n) {
        ps.setInt(i, n);
      } else if (v instanceof Boolean b) {
        ps.setBoolean(i, b);
      } else {
        throw new IllegalStateException("cannot bind " + v.getClass());
      }
      i++;
    }
    return i;
  }

  private RequestRecord readRequest(ResultSet rs) throws SQLException {
    Row row = new Row(rs, "jitguard_requests", REQUEST_INDEX);
    try {
      RequestId id = RequestId.of(row.string("id"));
      Subject.Builder subject = Subject.builder(row.string("subject_id"))
          .groups(JsonColumns.readStrings(row.string("subject_groups"), "subject_groups"));
      for (Map.Entry<String, String> e
          : JsonColumns.readStringMap(row.string("subject_attributes"), "subject_attributes").entrySet()) {
        subject.attribute(e.getKey(), e.getValue());
      }
      ElevationRequest.Builder q = ElevationRequest.builder(subject.build(), Privilege.of(row.string("privilege")));
      String justification = row.string("justification");
      if (!justification.isEmpty()) {
        q.justification(justification);
      }
      String ticket = row.optionalString("ticket");
      if (ticket != null) {
        q.ticket(ticket);
      }
      String duration = row.optionalString("duration");
      if (duration != null) {
        q.duration(row.duration(duration, "duration"));
      }
      Instant startAt = row.optionalInstant("start_at");
      if (startAt != null) {
        q.startAt(startAt);
      }
      Integer uses = row.optionalInt("uses");
      if (uses != null) {
        q.uses(uses);
      }
      BigDecimal amountLimit = row.optionalAmount("amount_limit");
      if (amountLimit != null) {
        q.amountLimit(amountLimit);
      }
      String actionName = row.optionalString("action_name");
      String actionDigest = row.optionalString("action_digest");
      String actionPreview = row.optionalString("action_preview");
      if (actionName != null || actionDigest != null || actionPreview != null) {
        if (actionName == null || actionDigest == null || actionPreview == null) {
          throw new IllegalArgumentException("columns action_name, action_digest and action_preview must be all "
              + "set or all NULL");
        }
        q.action(new ActionBinding(actionName, actionDigest, actionPreview));
      }
      RequestRecord.Builder b = RequestRecord.builder(id, q.build())
          .status(row.enumValue(RequestStatus.class, "status"))
          .createdAt(row.instant("created_at"))
          .expiresAt(row.instant("expires_at"))
          .approvalsRequired(row.integer("approvals_required"))
          .approverGroups(Set.copyOf(JsonColumns.readStrings(row.string("approver_groups"), "approver_groups")))
          .approvals(JsonColumns.readApprovals(row.string("approvals"), "approvals"))
          .denials(JsonColumns.readApprovals(row.string("denials"), "denials"));
      Instant remindedAt = row.optionalInstant("reminded_at");
      if (remindedAt != null) {
        b.remindedAt(remindedAt);
      }
      Instant escalatedAt = row.optionalInstant("escalated_at");
      if (escalatedAt != null) {
        b.escalatedAt(escalatedAt);
      }
      b.breakGlass(row.bool("break_glass"));
      Instant reviewedAt = row.optionalInstant("reviewed_at");
      if (reviewedAt != null) {
        b.review(reviewedAt, row.string("reviewed_by"), row.string("review_comment"));
      }
      Instant decidedAt = row.optionalInstant("decided_at");
      if (decidedAt != null) {
        b.decision(decidedAt, row.string("decided_by"), row.enumValue(ReasonCode.class, "decision_reason"),
            row.optionalString("decision_comment"));
      }
      String grantId = row.optionalString("grant_id");
      if (grantId != null) {
        b.grantId(GrantId.of(grantId));
      }
      return b.policyVersion(row.string("policy_version")).version(row.longValue("version")).build();
    } catch (RuntimeException e) {
      throw row.corrupt(e);
    }
  }

  private Grant readGrant(ResultSet rs) throws SQLException {
    Row row = new Row(rs, "jitguard_grants", GRANT_INDEX);
    try {
      Grant.Builder b = Grant.builder(GrantId.of(row.string("id")), RequestId.of(row.string("request_id")))
          .subjectId(Subject.canonicalId(row.string("subject_id")))
          .privilege(Privilege.of(row.string("privilege")))
          .status(row.enumValue(GrantStatus.class, "status"))
          .issuedAt(row.instant("issued_at"))
          .validity(row.instant("not_before"), row.instant("expires_at"), row.instant("cap_expires_at"))
          .uses(row.integer("uses_granted"), row.integer("uses_left"));
      BigDecimal amountLimit = row.optionalAmount("amount_limit");
      BigDecimal amountUsed = row.optionalAmount("amount_used");
      if ((amountLimit == null) != (amountUsed == null)) {
        throw new IllegalArgumentException("columns amount_limit and amount_used must be both set or both NULL");
      }
      b.amount(amountLimit, amountUsed); // the builder checks them as for any grant: limit positive, used within it
      String actionName = row.optionalString("action_name");
      String actionDigest = row.optionalString("action_digest");
      if (actionName != null || actionDigest != null) {
        if (actionName == null || actionDigest == null) {
          throw new IllegalArgumentException("columns action_name and action_digest must be both set or both NULL");
        }
        b.action(actionName, actionDigest);
      }
      return b.approvers(JsonColumns.readStrings(row.string("approvers"), "approvers"))
          .ended(row.optionalInstant("ended_at"), row.optionalString("ended_by"), row.optionalString("end_reason"))
          .policyVersion(row.string("policy_version"))
          .version(row.longValue("version"))
          .build();
    } catch (RuntimeException e) {
      throw row.corrupt(e);
    }
  }

  /** Typed, validated access to one result row; every problem names the column. */
  private static final class Row {
    private final ResultSet rs;
    private final String table;
    private final Map<String, Integer> columns;

    Row(ResultSet rs, String table, Map<String, Integer> columns) {
      this.rs = rs;
      this.table = table;
      this.columns = columns;
    }

    private int column(String name) {
      Integer i = columns.get(name);
      if (i == null) {
        throw new IllegalStateException("no column " + name + " is selected from " + table);
      }
      return i;
    }

    String string(String name) throws SQLException {
      String v = rs.getString(column(name));
      if (v == null) {
        throw new IllegalArgumentException("column " + name + " is NULL");
      }
      return v;
    }

    @Nullable String optionalString(String name) throws SQLException {
      return rs.getString(column(name));
    }

    long longValue(String name) throws SQLException {
      Long v = optionalLong(name);
      if (v == null) {
        throw new IllegalArgumentException("column " + name + " is NULL");
      }
      return v;
    }

    @Nullable Long optionalLong(String name) throws SQLException {
      long v = rs.getLong(column(name));
      return rs.wasNull() ? null : v;
    }

    int integer(String name) throws SQLException {
      Integer v = optionalInt(name);
      if (v == null) {
        throw new IllegalArgumentException("column " + name + " is NULL");
      }
      return v;
    }

    @Nullable Integer optionalInt(String name) throws SQLException {
      int v = rs.getInt(column(name));
      return rs.wasNull() ? null : v;
    }

    boolean bool(String name) throws SQLException {
      boolean v = rs.getBoolean(column(name));
      if (rs.wasNull()) {
        throw new IllegalArgumentException("column " + name + " is NULL");
      }
      return v;
    }

    Instant instant(String name) throws SQLException {
      return Instant.ofEpochMilli(longValue(name));
    }

    @Nullable Instant optionalInstant(String name) throws SQLException {
      Long v = optionalLong(name);
      return v == null ? null : Instant.ofEpochMilli(v);
    }

    /** An amount, exactly as written (same scale); its range is checked by the domain type it goes into. */
    @Nullable BigDecimal optionalAmount(String name) throws SQLException {
      String v = optionalString(name);
      if (v == null) {
        return null;
      }
      try {
        return new BigDecimal(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("column " + name + " has " + quoteShort(v)
            + ", which is not a decimal number");
      }
    }

    Duration duration(String value, String name) {
      try {
        return Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("column " + name + " has " + quoteShort(value)
            + ", which is not an ISO-8601 duration");
      }
    }

    <E extends Enum<E>> E enumValue(Class<E> type, String name) throws SQLException {
      String v = string(name);
      try {
        return Enum.valueOf(type, v);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("column " + name + " has an unknown value " + quoteShort(v)
            + " (expected one of " + Arrays.stream(type.getEnumConstants()).map(Enum::name)
            .collect(Collectors.joining(", ")) + ")");
      }
    }

    JdbcStoreException corrupt(RuntimeException e) {
      String id;
      try {
        id = rs.getString(1);
      } catch (SQLException x) {
        id = "?";
      }
      return new JdbcStoreException(COMPONENT + " found a corrupt row in table " + table + " (id "
          + quoteShort(String.valueOf(id)) + "): " + e.getMessage() + "; fix or remove the row (the guard denies "
          + "what depends on it, fail closed)", e);
    }

    private static String quoteShort(String v) {
      return Text.quote(v.length() > 64 ? v.substring(0, 64) + "..." : v);
    }
  }

  // ------------------------------------------------------------------------------------------------- helpers

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

  private static void checkNext(Object expectedId, Object updatedId, long expectedVersion, long updatedVersion) {
    Objects.requireNonNull(expectedId, "expected cannot be null");
    Objects.requireNonNull(updatedId, "updated cannot be null");
    if (!expectedId.equals(updatedId)) {
      throw new IllegalArgumentException("updated id " + updatedId + " differs from expected id " + expectedId);
    }
    if (updatedVersion != expectedVersion + 1) {
      throw new IllegalArgumentException("updated version must be " + (expectedVersion + 1) + ", but was "
          + updatedVersion);
    }
  }

  // ------------------------------------------------------------------------------------------------- builder

  /**
   * Builds a {@link JdbcGrantStore}. Each option may be set once and is checked when set. Not thread-safe.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable JdbcDialect dialect;
    private @Nullable Boolean createSchema;
    private @Nullable Duration queryTimeout;
    private @Nullable DataSource notificationDataSource;
    private @Nullable Duration pollInterval;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    }

    /**
     * The database dialect. By default it is detected from the database's product name when the store is built
     * (which needs a connection); set it to build without connecting.
     *
     * @param dialect H2 or POSTGRESQL
     * @return this builder
     */
    public Builder dialect(JdbcDialect dialect) {
      Objects.requireNonNull(dialect, "dialect cannot be null");
      once(this.dialect, "dialect");
      this.dialect = dialect;
      return this;
    }

    /**
     * Whether {@link #build()} runs the shipped schema script ({@code schema-postgresql.sql} or
     * {@code schema-h2.sql} in {@code dev/jitguard/store/}), which creates whatever is missing and changes nothing
     * that exists. Off by default: production schemas usually come from the application's migrations.
     *
     * @param createSchema true to create the schema at start-up
     * @return this builder
     */
    public Builder createSchema(boolean createSchema) {
      once(this.createSchema, "createSchema");
      this.createSchema = createSchema;
      return this;
    }

    /**
     * The longest any statement may run before it is cancelled and the operation fails (fail closed). Whole
     * seconds; rounded up. Getting a connection is bounded by the pool's own timeout (HikariCP's
     * {@code connectionTimeout}). Default 5 seconds.
     *
     * @param timeout positive, at most an hour
     * @return this builder
     */
    public Builder queryTimeout(Duration timeout) {
      JdbcSupport.timeoutSeconds(timeout);
      once(this.queryTimeout, "queryTimeout");
      this.queryTimeout = timeout;
      return this;
    }

    /**
     * Where the PostgreSQL {@code LISTEN} connection of {@link JdbcGrantStore#subscribe} comes from. By default the
     * store's data source, from which it then holds one connection while anyone is subscribed: size the pool for
     * it, or pass a small unpooled data source here.
     *
     * @param notifications a data source for the same database
     * @return this builder
     */
    public Builder notificationDataSource(DataSource notifications) {
      Objects.requireNonNull(notifications, "notificationDataSource cannot be null");
      once(this.notificationDataSource, "notificationDataSource");
      this.notificationDataSource = notifications;
      return this;
    }

    /**
     * How often {@link JdbcGrantStore#subscribe} polls for changes on H2, which has no notifications. Default one
     * second. Unused on PostgreSQL.
     *
     * @param interval between 10 milliseconds and one hour
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      Objects.requireNonNull(interval, "pollInterval cannot be null");
      if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("pollInterval must be between PT0.01S and PT1H, but was " + interval);
      }
      once(this.pollInterval, "pollInterval");
      this.pollInterval = interval;
      return this;
    }

    private static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * Builds the store: detects the dialect if it was not set and creates the schema if asked to.
     *
     * @return the store
     * @throws JdbcStoreException if the database cannot be reached to detect the dialect or create the schema
     * @throws IllegalStateException if the database is neither H2 nor PostgreSQL
     */
    public JdbcGrantStore build() {
      if (queryTimeout == null) {
        queryTimeout = Duration.ofSeconds(5);
      }
      if (pollInterval == null) {
        pollInterval = Duration.ofSeconds(1);
      }
      JdbcDialect d = dialect != null ? dialect : JdbcSupport.detect(dataSource, COMPONENT);
      JdbcGrantStore store = new JdbcGrantStore(this, d);
      if (Boolean.TRUE.equals(createSchema)) {
        String script = JdbcSupport.loadScript(JdbcGrantStore.class, schemaScript(d));
        store.jdbc.runScript(script, d, SCHEMA_LOCK);
      }
      return store;
    }
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
}
