package dev.jitguard.store;

import dev.jitguard.GrantId;
import dev.jitguard.internal.jdbc.GrantChangeFeed;
import dev.jitguard.internal.jdbc.JdbcSupport;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The grant store's change subscribers: starts the change feed with the first, fans it out, stops it with the last. */
final class GrantChangeSubscribers {
  /** The store's logger, so that log settings for {@link JdbcGrantStore} keep covering these messages. */
  private static final Logger LOG = LoggerFactory.getLogger(JdbcGrantStore.class);

  private final JdbcSupport jdbc;
  private final JdbcDialect dialect;
  private final DataSource notifications;
  private final Duration pollInterval;
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final Object feedLock = new Object();
  private @Nullable GrantChangeFeed feed;
  private volatile boolean closed;

  GrantChangeSubscribers(JdbcSupport jdbc, JdbcDialect dialect, DataSource notifications, Duration pollInterval) {
    this.jdbc = jdbc;
    this.dialect = dialect;
    this.notifications = notifications;
    this.pollInterval = pollInterval;
  }

  /** Adds a listener, starting the feed if it is the first; see {@link JdbcGrantStore#subscribe}. */
  AutoCloseable subscribe(Consumer<GrantId> listener) {
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

  /** Drops every listener, stops the feed if one runs, and refuses later subscriptions. */
  void close() {
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

  private static final class Registration {
    final Consumer<GrantId> listener;

    Registration(Consumer<GrantId> listener) {
      this.listener = listener;
    }
  }
}
