package dev.jitguard.internal.jdbc;

import dev.jitguard.GrantId;
import dev.jitguard.InvalidInputException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns which grants other processes changed, on one daemon thread, and hands each grant id to a consumer.
 *
 * <ul>
 *   <li>{@link #postgres}: a connection that runs {@code LISTEN jitguard_grants} and waits for notifications (the
 *       schema's trigger sends {@code NOTIFY jitguard_grants, '<grant id>'} for every insert and update of a grant,
 *       delivered when the writing transaction commits). A dropped connection is replaced, with a backoff from
 *       {@value #MIN_BACKOFF_MILLIS} ms doubling to {@value #MAX_BACKOFF_MILLIS} ms; notifications sent while
 *       nobody listened are lost (the guard's staleness bound covers them). The connection is checked with
 *       {@link Connection#isValid} every {@value #VALIDATE_MILLIS} ms without traffic, so a silently dead connection
 *       is noticed too.</li>
 *   <li>{@link #polling}: for H2, which has no notifications, a query every interval for grants whose change counter
 *       (the {@code change_seq} column, drawn from a sequence on every insert and update) is above the last one seen.
 *       The lower bound trails by one poll, so a write that commits up to one interval after it drew its number is
 *       still seen.</li>
 * </ul>
 *
 * Best effort by contract: the consumer is called at least once for most changes (including this process's own
 * writes), never for a change that did not happen.
 */
public abstract class GrantChangeFeed implements AutoCloseable {
  /** The PostgreSQL notification channel the schema's trigger notifies. */
  public static final String CHANNEL = "jitguard_grants";
  static final long MIN_BACKOFF_MILLIS = 100;
  static final long MAX_BACKOFF_MILLIS = 30_000;
  static final long VALIDATE_MILLIS = 10_000;
  private static final int WAIT_MILLIS = 250;
  private static final Logger LOG = LoggerFactory.getLogger(GrantChangeFeed.class);

  private final Consumer<GrantId> consumer;
  private final Object lock = new Object();
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile boolean running = true;
  private @Nullable Thread thread;

  GrantChangeFeed(Consumer<GrantId> consumer) {
    this.consumer = Objects.requireNonNull(consumer, "consumer cannot be null");
  }

  /**
   * A feed that listens to PostgreSQL notifications.
   *
   * @param notifications where the listening connection comes from (held for as long as the feed runs)
   * @param consumer called with each changed grant id, on the feed's thread
   * @return the feed, not started
   */
  public static GrantChangeFeed postgres(DataSource notifications, Consumer<GrantId> consumer) {
    return new Listen(notifications, consumer);
  }

  /**
   * A feed that polls the grants' change counter.
   *
   * @param jdbc the store's plumbing
   * @param interval how often to poll
   * @param consumer called with each changed grant id, on the feed's thread
   * @return the feed, not started
   */
  public static GrantChangeFeed polling(JdbcSupport jdbc, Duration interval, Consumer<GrantId> consumer) {
    return new Poll(jdbc, interval, consumer);
  }

  /**
   * Starts the thread and waits until the feed is listening (the {@code LISTEN} ran, or the first counter was read),
   * at most {@code timeout}. If that takes longer the feed goes on trying in the background.
   *
   * @param name the thread name
   * @param timeout how long to wait
   * @return true if listening when this returns
   */
  public final boolean start(String name, Duration timeout) {
    Thread t = new Thread(this::loop, name);
    t.setDaemon(true);
    this.thread = t;
    t.start();
    try {
      return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops the thread (it ends within a poll), and releases the connection. */
  @Override
  public final void close() {
    running = false;
    synchronized (lock) {
      lock.notifyAll();
    }
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  final boolean running() {
    return running;
  }

  final void listening() {
    ready.countDown();
  }

  final void deliver(String payload) {
    GrantId id;
    try {
      id = GrantId.of(payload);
    } catch (InvalidInputException e) {
      LOG.warn("ignoring a grant change notification whose payload is not a grant id");
      return;
    }
    try {
      consumer.accept(id);
    } catch (RuntimeException e) {
      LOG.warn("a grant change listener failed for grant {}; the change is not retried", id, e);
    }
  }

  /** Waits, unless closed meanwhile. */
  final void pause(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lock) {
      while (running) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return;
        }
        try {
          lock.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          running = false;
          return;
        }
      }
    }
  }

  private void loop() {
    long backoff = MIN_BACKOFF_MILLIS;
    int failures = 0;
    while (running) {
      try {
        session(failures > 0);
        return;
      } catch (Exception | LinkageError e) {
        if (!running) {
          return;
        }
        failures++;
        if (failures == 1) {
          LOG.warn("grant change feed lost its connection; retrying with backoff (changes made meanwhile are seen "
              + "only after the guard's staleness bound)", e);
        } else {
          LOG.debug("grant change feed still failing (attempt {})", failures, e);
        }
        pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
    }
  }

  /**
   * Runs until closed; throws when the connection fails.
   *
   * @param reconnect true when an earlier session failed
   * @throws Exception on failure
   */
  abstract void session(boolean reconnect) throws Exception;

  // ------------------------------------------------------------------------------------------------- PostgreSQL

  private static final class Listen extends GrantChangeFeed {
    private final DataSource notifications;

    Listen(DataSource notifications, Consumer<GrantId> consumer) {
      super(consumer);
      this.notifications = Objects.requireNonNull(notifications, "notifications cannot be null");
    }

    @Override
    void session(boolean reconnect) throws Exception {
      try (Connection c = notifications.getConnection()) {
        PgApi pg = PgApi.of(c);
        Object pgConnection = c.unwrap(pg.connection);
        boolean auto = c.getAutoCommit();
        if (!auto) {
          c.setAutoCommit(true);
        }
        try {
          try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
          }
          if (reconnect) {
            LOG.info("grant change feed is listening again");
          }
          listening();
          long lastTraffic = System.nanoTime();
          while (running()) {
            Object[] notes = pg.poll(pgConnection, WAIT_MILLIS);
            long now = System.nanoTime();
            if (notes != null && notes.length > 0) {
              lastTraffic = now;
              for (Object n : notes) {
                if (CHANNEL.equals(pg.name(n))) {
                  deliver(pg.parameter(n));
                }
              }
            } else if (now - lastTraffic > TimeUnit.MILLISECONDS.toNanos(VALIDATE_MILLIS)) {
              if (!c.isValid(5)) {
                throw new SQLException("the listening connection is no longer valid", "08006");
              }
              lastTraffic = now;
            }
          }
        } finally {
          // Back to a pool, the connection must not go on collecting notifications nobody reads.
          try (Statement s = c.createStatement()) {
            s.execute("UNLISTEN *");
          } catch (SQLException e) {
            // broken: the pool discards it
          }
          if (!auto) {
            try {
              c.setAutoCommit(false);
            } catch (SQLException e) {
              // broken: the pool discards it
            }
          }
        }
      }
    }
  }

  /** The PostgreSQL driver's notification API, reached by reflection so that jit-core does not depend on it. */
  private static final class PgApi {
    final Class<?> connection;
    final Method getNotifications;
    final Method getName;
    final Method getParameter;

    private PgApi(Class<?> connection, Method getNotifications, Method getName, Method getParameter) {
      this.connection = connection;
      this.getNotifications = getNotifications;
      this.getName = getName;
      this.getParameter = getParameter;
    }

    static PgApi of(Connection c) throws SQLException {
      Set<ClassLoader> loaders = new LinkedHashSet<>();
      for (ClassLoader cl : new ClassLoader[] {c.getClass().getClassLoader(),
          Thread.currentThread().getContextClassLoader(), GrantChangeFeed.class.getClassLoader()}) {
        if (cl != null) {
          loaders.add(cl);
        }
      }
      for (ClassLoader cl : loaders) {
        try {
          Class<?> pgConnection = Class.forName("org.postgresql.PGConnection", false, cl);
          if (!c.isWrapperFor(pgConnection)) {
            continue;
          }
          Class<?> note = Class.forName("org.postgresql.PGNotification", false, pgConnection.getClassLoader());
          return new PgApi(pgConnection, pgConnection.getMethod("getNotifications", int.class),
              note.getMethod("getName"), note.getMethod("getParameter"));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
          // try the next class loader
        }
      }
      throw new SQLException("the notification connection does not unwrap to org.postgresql.PGConnection; "
          + "LISTEN/NOTIFY needs the PostgreSQL JDBC driver (pools such as HikariCP unwrap fine)", "0A000");
    }

    Object @Nullable [] poll(Object pgConnection, int millis) throws Exception {
      return (Object[]) invoke(getNotifications, pgConnection, millis);
    }

    String name(Object note) throws Exception {
      return (String) invoke(getName, note);
    }

    String parameter(Object note) throws Exception {
      return (String) invoke(getParameter, note);
    }

    private static @Nullable Object invoke(Method m, Object target, Object... args) throws Exception {
      try {
        return m.invoke(target, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw e;
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------- H2

  private static final class Poll extends GrantChangeFeed {
    private final JdbcSupport jdbc;
    private final long intervalMillis;
    private long floor = -1;
    private long lastMax;
    private final Map<String, Long> delivered = new HashMap<>();

    Poll(JdbcSupport jdbc, Duration interval, Consumer<GrantId> consumer) {
      super(consumer);
      this.jdbc = jdbc;
      this.intervalMillis = Math.max(1, interval.toMillis());
    }

    @Override
    void session(boolean reconnect) throws Exception {
      if (floor < 0) {
        long start = jdbc.read(c -> {
          try (PreparedStatement ps = jdbc.prepare(c, "SELECT COALESCE(MAX(change_seq), 0) FROM jitguard_grants");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
        floor = start;
        lastMax = start;
      }
      listening();
      while (running()) {
        pause(intervalMillis);
        if (!running()) {
          return;
        }
        List<Object[]> rows = jdbc.read(c -> {
          try (PreparedStatement ps = jdbc.prepare(c,
              "SELECT id, change_seq FROM jitguard_grants WHERE change_seq > ? ORDER BY change_seq")) {
            ps.setLong(1, floor);
            try (ResultSet rs = ps.executeQuery()) {
              List<Object[]> out = new ArrayList<>();
              while (rs.next()) {
                out.add(new Object[] {rs.getString(1), rs.getLong(2)});
              }
              return out;
            }
          }
        });
        long max = lastMax;
        for (Object[] row : rows) {
          String id = (String) row[0];
          long seq = (Long) row[1];
          max = Math.max(max, seq);
          Long seen = delivered.put(id, seq);
          if (seen == null || seen != seq) {
            deliver(id);
          }
        }
        floor = lastMax;
        lastMax = max;
        long keepAbove = floor;
        delivered.values().removeIf(seq -> seq <= keepAbove);
      }
    }
  }
}
