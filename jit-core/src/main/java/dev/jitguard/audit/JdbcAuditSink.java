package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.internal.jdbc.JdbcSupport;
import dev.jitguard.internal.jdbc.JsonColumns;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.store.JdbcDialect;
import dev.jitguard.store.JdbcStoreException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * An {@link AuditSink} that writes one row per event to table {@code jitguard_audit_events}, on H2 or PostgreSQL,
 * through plain JDBC. Every field of the event is a column (instants in epoch milliseconds, UTC); the details map is a
 * JSON object of strings. User text is stored verbatim: escaping is for whoever displays it. The {@code seq} column
 * gives the order events were recorded in.
 *
 * <p>{@link #record} returns once the row is committed (the event is durable as far as the database is), or throws
 * {@link JdbcStoreException}, and the guard fails closed.
 *
 * <p><b>Joining the grant store's transaction.</b> Built with {@link Builder#joinTransactions(boolean)
 * joinTransactions(true)}, an event recorded on a thread that runs inside
 * {@link dev.jitguard.store.JdbcGrantStore#inTransaction} for the same {@code DataSource} instance is written through
 * that transaction's connection: it commits with the grant change or not at all. Outside such a transaction, and
 * always without the option, each event is committed on its own. Thread-safe.
 */
public final class JdbcAuditSink implements AuditSink {
  private static final String COMPONENT = "JDBC audit sink";
  /** The advisory lock key that serialises schema creation on PostgreSQL ("jitaudit" in ASCII). */
  private static final long SCHEMA_LOCK = 0x6a69_7461_7564_6974L;
  private static final String INSERT = "INSERT INTO jitguard_audit_events (event_type, event_time, subject_id, "
      + "privilege, request_id, grant_id, actor, reason, user_text, policy_version, event_count, details) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final JdbcSupport jdbc;
  private final JdbcDialect dialect;
  private final boolean joinTransactions;

  private JdbcAuditSink(Builder b, JdbcDialect dialect) {
    this.jdbc = new JdbcSupport(b.dataSource, b.queryTimeout == null ? Duration.ofSeconds(5) : b.queryTimeout,
        COMPONENT);
    this.dialect = dialect;
    this.joinTransactions = Boolean.TRUE.equals(b.joinTransactions);
  }

  /**
   * Starts a builder.
   *
   * @param dataSource where table {@code jitguard_audit_events} is
   * @return the builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** @return the dialect in use, detected or set */
  public JdbcDialect dialect() {
    return dialect;
  }

  @Override
  public void record(AuditEvent event) {
    Objects.requireNonNull(event, "event cannot be null");
    String details = JsonColumns.stringMap(event.details());
    JdbcSupport.Work<Void> insert = c -> {
      try (PreparedStatement ps = jdbc.prepare(c, INSERT)) {
        ps.setString(1, event.type().name());
        ps.setLong(2, event.time().toEpochMilli());
        setString(ps, 3, event.subject());
        setString(ps, 4, event.privilege().map(Privilege::name));
        setString(ps, 5, event.requestId().map(RequestId::value));
        setString(ps, 6, event.grantId().map(GrantId::value));
        setString(ps, 7, event.actor());
        setString(ps, 8, event.reason().map(ReasonCode::name));
        setString(ps, 9, event.text());
        setString(ps, 10, event.policyVersion());
        ps.setLong(11, event.count());
        ps.setString(12, details);
        ps.executeUpdate();
      }
      return null;
    };
    try {
      if (joinTransactions || !jdbc.inBoundTransaction()) {
        jdbc.single(insert);
      } else {
        // A transaction is bound for this data source, but this sink must not join it: write on a connection of
        // its own, committed at once, whatever happens to the transaction.
        JdbcSupport.withoutBinding(jdbc.dataSource(), () -> jdbc.single(insert));
      }
    } catch (SQLException e) {
      throw jdbc.failure("record audit event " + event.type() + event.requestId().map(id -> " of request " + id)
          .orElse(""), e);
    }
  }

  private static void setString(PreparedStatement ps, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      ps.setString(index, value.get());
    } else {
      ps.setNull(index, Types.VARCHAR);
    }
  }

  @Override
  public String toString() {
    return "JdbcAuditSink[dialect=" + dialect + ", joinTransactions=" + joinTransactions + "]";
  }

  /** Builds a {@link JdbcAuditSink}. Each option may be set once and is checked when set. Not thread-safe. */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable JdbcDialect dialect;
    private @Nullable Boolean createSchema;
    private @Nullable Duration queryTimeout;
    private @Nullable Boolean joinTransactions;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    }

    /**
     * The database dialect; detected from the database's product name when not set (which needs a connection).
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
     * {@code schema-h2.sql} in {@code dev/jitguard/audit/}); idempotent. Off by default.
     *
     * @param createSchema true to create the table at start-up
     * @return this builder
     */
    public Builder createSchema(boolean createSchema) {
      once(this.createSchema, "createSchema");
      this.createSchema = createSchema;
      return this;
    }

    /**
     * The longest an insert may run before it is cancelled and {@link #record} fails. Whole seconds, rounded up.
     * Default 5 seconds.
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
     * Whether events recorded inside {@link dev.jitguard.store.JdbcGrantStore#inTransaction} on the same
     * {@code DataSource} instance join that transaction (committed with the grant change, or rolled back with it).
     * Off by default: every event is committed on its own, so that the record of a failed change survives the
     * rollback of the change.
     *
     * @param join true to join
     * @return this builder
     */
    public Builder joinTransactions(boolean join) {
      once(this.joinTransactions, "joinTransactions");
      this.joinTransactions = join;
      return this;
    }

    private static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * Builds the sink: detects the dialect if it was not set and creates the table if asked to.
     *
     * @return the sink
     * @throws JdbcStoreException if the database cannot be reached to detect the dialect or create the table
     * @throws IllegalStateException if the database is neither H2 nor PostgreSQL
     */
    public JdbcAuditSink build() {
      JdbcDialect d = dialect != null ? dialect : JdbcSupport.detect(dataSource, COMPONENT);
      JdbcAuditSink sink = new JdbcAuditSink(this, d);
      if (Boolean.TRUE.equals(createSchema)) {
        String script = JdbcSupport.loadScript(JdbcAuditSink.class,
            d == JdbcDialect.H2 ? "schema-h2.sql" : "schema-postgresql.sql");
        sink.jdbc.runScript(script, d, SCHEMA_LOCK);
      }
      return sink;
    }
  }
}
