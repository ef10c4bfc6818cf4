package dev.jitguard.store;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.internal.util.Text;
import dev.jitguard.internal.jdbc.JdbcSupport;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.spi.DuplicatePendingRequestException;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.RequestPosition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

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
 * {@linkplain Builder#queryTimeout(Duration) query timeout}) throws {@link JdbcStoreException}; a partial record is
 * never returned. A <b>corrupt row</b> fails closed for its own record alone: lists leave it out (a corrupt grant is
 * not live, a corrupt request cannot be approved) and return the readable rows, {@link #findGrant}/{@link #findRequest}
 * of it throw {@link JdbcStoreException}, and an update of it never succeeds; each is logged and counted
 * ({@link #corruptRowReads()}). Thread-safe. See {@code docs/jdbc.md} for the schema and operations.
 */
public final class JdbcGrantStore implements GrantStore, AutoCloseable {
  /** What this is, in messages. */
  static final String COMPONENT = "JDBC grant store";

  private final JdbcSupport jdbc;
  private final JdbcDialect dialect;
  private final GrantChangeSubscribers subscribers;
  private final RowReads reads;

  private JdbcGrantStore(Builder b, JdbcDialect dialect) {
    this.jdbc = new JdbcSupport(b.dataSource, b.queryTimeout, COMPONENT);
    this.dialect = dialect;
    this.reads = new RowReads(jdbc);
    this.subscribers = new GrantChangeSubscribers(jdbc, dialect,
        b.notificationDataSource == null ? b.dataSource : b.notificationDataSource, b.pollInterval);
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
        try (PreparedStatement ps = jdbc.prepare(c, GrantTables.INSERT_REQUEST)) {
          GrantRows.bind(ps, 1, GrantRows.requestValues(request));
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
        try (PreparedStatement ps = jdbc.prepare(c, GrantTables.INSERT_REQUEST)) {
          GrantRows.bind(ps, 1, GrantRows.requestValues(request));
          ps.executeUpdate();
        }
        step[0] = "grant";
        try (PreparedStatement ps = jdbc.prepare(c, GrantTables.INSERT_GRANT)) {
          GrantRows.bind(ps, 1, GrantRows.grantValues(grant));
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
      if (JdbcSupport.violates(e, GrantTables.ONE_PENDING_INDEX)) {
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
    return reads.find("find request " + id, GrantTables.selectRequests(" WHERE id = ?"), GrantRows::readRequest,
        id.value());
  }

  @Override
  public boolean update(RequestRecord expected, RequestRecord updated) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    try {
      return jdbc.transaction(c -> updateRequest(c, expected, updated));
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
        try (PreparedStatement ps = jdbc.prepare(c, GrantTables.INSERT_GRANT)) {
          GrantRows.bind(ps, 1, GrantRows.grantValues(issued));
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

  /**
   * The compare-and-set of a request, after {@link RowReads#readableAt} (never over a corrupt row); false if the
   * version differs or the request is gone.
   */
  private boolean updateRequest(Connection c, RequestRecord expected, RequestRecord updated)
      throws SQLException {
    if (!reads.readableAt(c, GrantTables.LOCK_REQUEST, GrantRows::readRequest, expected.id().value(),
        expected.version())) {
      return false;
    }
    try (PreparedStatement ps = jdbc.prepare(c, GrantTables.UPDATE_REQUEST)) {
      Object[] values = GrantRows.requestValues(updated);
      int next = GrantRows.bind(ps, 1, Arrays.copyOfRange(values, 1, values.length));
      ps.setString(next, expected.id().value());
      ps.setLong(next + 1, expected.version());
      return ps.executeUpdate() == 1;
    }
  }

  private RuntimeException updateFailure(RequestRecord expected, RequestRecord updated, SQLException e) {
    if (JdbcSupport.isUniqueViolation(e) && JdbcSupport.violates(e, GrantTables.ONE_PENDING_INDEX)) {
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
    return queryRequests("list open break-glass reviews", " WHERE " + GrantTables.OPEN_REVIEW);
  }

  @Override
  public List<RequestRecord> requestsBy(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return queryRequests("list the requests of " + Text.quote(subjectId), " WHERE subject_id = ?", subjectId);
  }

  @Override
  public List<RequestRecord> pendingRequestsBy(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return queryRequests("list the pending requests of " + Text.quote(subjectId),
        " WHERE subject_id = ? AND status = 'PENDING'", subjectId);
  }

  /** Filtered in SQL on an index, a page at a time: see {@link ListingQueries#pendingFor}. */
  @Override
  public List<RequestRecord> pendingRequests(Collection<PrivilegePattern> privileges,
      @Nullable RequestPosition after, int limit) {
    Objects.requireNonNull(privileges, "privileges cannot be null");
    if (privileges.isEmpty()) {
      ListingQueries.positive(limit);
      return List.of();
    }
    return ListingQueries.readPage(reads, (from, n) -> ListingQueries.pendingFor(dialect, privileges, from, n),
        after, limit);
  }

  /** Filtered in SQL on an index, a page at a time: see {@link ListingQueries#openReviews}. */
  @Override
  public List<RequestRecord> openReviews(@Nullable RequestPosition after, int limit) {
    return ListingQueries.readPage(reads, ListingQueries::openReviews, after, limit);
  }

  private List<RequestRecord> queryRequests(String operation, String where, String... params) {
    return reads.list(operation, GrantTables.selectRequests(where), GrantRows::readRequest, params);
  }

  // --------------------------------------------------------------------------------------------------- grants

  @Override
  public Optional<Grant> findGrant(GrantId id) {
    Objects.requireNonNull(id, "id cannot be null");
    return reads.find("find grant " + id, GrantTables.selectGrants(" WHERE id = ?"), GrantRows::readGrant,
        id.value());
  }

  @Override
  public boolean update(Grant expected, Grant updated) {
    checkNext(expected.id(), updated.id(), expected.version(), updated.version());
    try {
      return jdbc.transaction(c -> {
        if (!reads.readableAt(c, GrantTables.LOCK_GRANT, GrantRows::readGrant, expected.id().value(),
            expected.version())) {
          return false;
        }
        try (PreparedStatement ps = jdbc.prepare(c, GrantTables.UPDATE_GRANT)) {
          Object[] values = GrantRows.grantValues(updated);
          int next = GrantRows.bind(ps, 1, Arrays.copyOfRange(values, 1, values.length));
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
    return queryGrants("list live grants", " WHERE " + GrantTables.LIVE);
  }

  /** Filtered in SQL on the index {@code jitguard_grants_ending}. */
  @Override
  public List<Grant> liveGrantsEndingBy(java.time.Instant until) {
    Objects.requireNonNull(until, "until cannot be null");
    return reads.list("list live grants ending by " + until, GrantTables.selectGrants(" WHERE " + GrantTables.LIVE
        + " AND expires_at <= ?"), GrantRows::readGrant, until.toEpochMilli());
  }

  @Override
  public List<Grant> liveGrants(String subjectId, Privilege privilege) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    Objects.requireNonNull(privilege, "privilege cannot be null");
    return queryGrants("list the live grants of " + Text.quote(subjectId) + " for '" + privilege + "'",
        " WHERE subject_id = ? AND privilege = ? AND " + GrantTables.LIVE, subjectId, privilege.name());
  }

  @Override
  public List<Grant> liveGrantsOf(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId cannot be null");
    return queryGrants("list the live grants of " + Text.quote(subjectId),
        " WHERE subject_id = ? AND " + GrantTables.LIVE, subjectId);
  }

  private List<Grant> queryGrants(String operation, String where, String... params) {
    return reads.list(operation, GrantTables.selectGrants(where), GrantRows::readGrant, params);
  }

  // ------------------------------------------------------------------------------------------------ corrupt rows

  /**
   * How many times a read of this store met a corrupt row (an unknown status, an id that is not an id, an amount or a
   * JSON column that does not parse, a {@code NULL} where a value is required, values the domain types reject) since
   * it was built: each list that left one out, each {@code findGrant}/{@code findRequest} that refused one and each
   * update refused because the stored row is corrupt counts once. Each corrupt row is also logged at ERROR, once per
   * row and problem, with its table and id. Zero in a healthy database: alert on any increase, then fix or remove the
   * row (see {@code docs/jdbc.md}, "Corrupt rows").
   *
   * <p>A corrupt row fails closed for its own record only: a corrupt grant is not live (left out of every list, so
   * checks that need it are denied), a corrupt request is left out of every list (so it cannot be approved), a
   * single read of either throws {@link JdbcStoreException}, and the compare-and-set update of either never
   * succeeds (it throws, and the row is left as it is).
   *
   * @return the count, from zero
   */
  public long corruptRowReads() {
    return reads.corruptRows().count();
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
    String sql = GrantTables.clockQuery(dialect);
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
    return subscribers.subscribe(listener);
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
    subscribers.close();
  }

  @Override
  public String toString() {
    return "JdbcGrantStore[dialect=" + dialect + ", queryTimeout=" + jdbc.queryTimeoutSeconds() + "s]";
  }

  // ------------------------------------------------------------------------------------------------- helpers

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
     * Builds the store: detects the dialect if it was not set and creates the schema if asked to. On an H2 file
     * database whose {@code WRITE_DELAY} is not 0 it logs a warning (once), since H2 then loses the last commits in a
     * crash; see {@code docs/jdbc.md}.
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
        GrantTables.create(store.jdbc, d);
      }
      if (d == JdbcDialect.H2 && (dialect == null || Boolean.TRUE.equals(createSchema))) {
        // Only when the build connects anyway: a dialect set without createSchema means "build without connecting".
        H2Durability.warnIfDelayed(dataSource);
      }
      return store;
    }
  }
}
