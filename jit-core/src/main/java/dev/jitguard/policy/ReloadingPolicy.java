package dev.jitguard.policy;

import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.Subject;
import dev.jitguard.spi.ElevationPolicy;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy loaded from a document file that can be reloaded on demand ({@link #reload()}) and, optionally, whenever
 * the file changes ({@link Builder#withWatch(Duration)}).
 *
 * <p>A reload is atomic: the new {@link Policy} is built and validated completely, then swapped in with one
 * reference write, so every call sees one whole policy. Before {@link #reload()} returns, the guards built on this
 * policy ({@link #subscribe}) have applied the new version: live grants it no longer allows have ended. A document
 * that is not valid never replaces the policy in force and never turns into "allow": the old rules stay, and the
 * listeners are told why the new document was rejected. If the first load fails, {@link Builder#build()} fails.
 *
 * <pre>{@code
 * try (ReloadingPolicy policy = ReloadingPolicy.builder(Path.of("/etc/jitguard/policy.yaml"))
 *     .withWatch(Duration.ofSeconds(10))
 *     .onReload(result -> log.info("policy reload: {}", result))
 *     .build()) {
 *   PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy)...build();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Reloads are serialised; listeners are called on the thread that reloads (the caller of
 * {@link #reload()} or the watcher thread), one outcome at a time, and must not call {@link #reload()} themselves. A
 * listener's exception is logged and changes nothing.
 */
public final class ReloadingPolicy implements ElevationPolicy, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingPolicy.class);

  private final Path path;
  private final String source;
  private final PolicyDocuments.Loader loader;
  private final List<Consumer<ReloadResult>> listeners;
  /** Guards (and other subscribers) told of each new version before the reload returns. */
  private final List<Runnable> subscribers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicReference<PolicyDocuments.Loaded> current;
  private final Object reloadLock = new Object();
  private final CountDownLatch closed = new CountDownLatch(1);
  /** What the watcher last saw: a content hash or a read failure; it reloads only when this changes. */
  private @Nullable String lastSeen;
  private final @Nullable Thread watcher;
  private final @Nullable WatchService watchService;

  private ReloadingPolicy(Builder b, PolicyDocuments.Loaded first) {
    this.path = b.path;
    this.source = b.path.toString();
    this.loader = b.loader;
    this.listeners = List.copyOf(b.listeners);
    this.current = new AtomicReference<>(first);
    this.lastSeen = first.sha256();
    if (b.pollInterval == null) {
      this.watchService = null;
      this.watcher = null;
      return;
    }
    this.watchService = openWatchService(b.path);
    Duration interval = b.pollInterval;
    Thread t = new Thread(() -> watch(interval), "jitguard-policy-watch-" + b.path.getFileName());
    t.setDaemon(true);
    this.watcher = t;
    t.start();
  }

  /**
   * Starts a reloading policy for a document file.
   *
   * @param path the {@code .json}, {@code .yaml} or {@code .yml} file
   * @return the builder
   */
  public static Builder builder(Path path) {
    return new Builder(path);
  }

  @Override
  public Optional<PrivilegeRule> ruleFor(Privilege privilege) {
    return current.get().policy().ruleFor(privilege);
  }

  @Override
  public boolean isAdministrator(Subject subject) {
    return current.get().policy().isAdministrator(subject);
  }

  /** @return the rules of the policy in force */
  @Override
  public Optional<java.util.Collection<PrivilegeRule>> allRules() {
    return current.get().policy().allRules();
  }

  /** @return the version of the policy in force: the document's version and its content hash */
  @Override
  public String version() {
    return current.get().policy().version();
  }

  @Override
  public ElevationPolicy snapshot() {
    return current();
  }

  /**
   * Each guard built on this policy subscribes here: when a reload puts a new version in force, every subscriber is
   * called before {@link #reload()} returns (a guard ends the live grants the new version no longer allows).
   */
  @Override
  public AutoCloseable subscribe(Runnable onChange) {
    java.util.Objects.requireNonNull(onChange, "onChange cannot be null");
    subscribers.add(onChange);
    return () -> subscribers.remove(onChange);
  }

  /**
   * The policy in force, immutable: a consistent snapshot of the rules for several lookups.
   *
   * @return the current policy
   */
  public Policy current() {
    return current.get().policy();
  }

  /** @return the document file */
  public Path path() {
    return path;
  }

  /**
   * Reads the document again and, if it changed and is valid, puts it in force. Tells the listeners the outcome.
   *
   * @return loaded (a new version is in force), unchanged (same bytes) or rejected (the old version stays in force)
   */
  public ReloadResult reload() {
    synchronized (reloadLock) {
      return reloadLocked(false);
    }
  }

  private @Nullable ReloadResult reloadLocked(boolean onlyIfChanged) {
    PolicyDocuments.Loaded old = current.get();
    ReloadResult result;
    try {
      byte[] bytes = PolicyDocuments.readFile(path, source);
      String sha = PolicyDocuments.sha256(bytes);
      if (onlyIfChanged && sha.equals(lastSeen)) {
        return null;
      }
      lastSeen = sha;
      if (sha.equals(old.sha256())) {
        result = new ReloadResult.Unchanged(old.policy().version());
      } else {
        PolicyDocuments.Loaded next = loader.read(bytes, source);
        current.set(next);
        result = new ReloadResult.Loaded(old.policy().version(), next.policy().version());
        for (Runnable s : subscribers) {
          try {
            s.run();
          } catch (RuntimeException e) {
            LOG.error("a subscriber of policy {} failed on the change to version {}; ignored", source,
                next.policy().version(), e);
          }
        }
      }
    } catch (PolicyDocumentException e) {
      String seen = "rejected:" + e.getMessage();
      if (onlyIfChanged && seen.equals(lastSeen)) {
        return null;
      }
      lastSeen = seen;
      result = new ReloadResult.Rejected(old.policy().version(), e);
    } catch (RuntimeException e) {
      // A bug, not a document problem: still never replaces the policy in force.
      LOG.error("Reloading policy document {} failed unexpectedly; keeping version {}", source,
          old.policy().version(), e);
      result = new ReloadResult.Rejected(old.policy().version(), PolicyDocuments.single(source,
          "could not be loaded because of an internal error (" + e.getClass().getName() + "); the policy in force "
              + "was kept, see the log"));
    }
    for (Consumer<ReloadResult> l : listeners) {
      try {
        l.accept(result);
      } catch (RuntimeException e) {
        LOG.warn("Policy reload listener {} failed on {}; ignored", l, result, e);
      }
    }
    return result;
  }

  private void watch(Duration interval) {
    long millis = Math.max(1, interval.toMillis());
    try {
      while (closed.getCount() > 0) {
        if (watchService != null) {
          WatchKey key = watchService.poll(millis, TimeUnit.MILLISECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        } else if (closed.await(millis, TimeUnit.MILLISECONDS)) {
          return;
        }
        if (closed.getCount() == 0) {
          return;
        }
        // Any event in the directory (editors replace files, Kubernetes swaps symlinks) and every interval: compare
        // the content, reload only when it differs from what was last seen.
        synchronized (reloadLock) {
          reloadLocked(true);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("Policy watcher for {} stopped; call reload() to pick up changes", source, e);
      if (e instanceof Error err) {
        throw err;
      }
    }
  }

  private static @Nullable WatchService openWatchService(Path path) {
    Path dir = path.toAbsolutePath().getParent();
    if (dir == null) {
      return null;
    }
    WatchService ws = null;
    try {
      ws = dir.getFileSystem().newWatchService();
      dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      return ws;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("Cannot watch {} for changes ({}); polling it instead", dir, e.toString());
      if (ws != null) {
        try {
          ws.close();
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
      return null;
    }
  }

  /** Stops the watcher, if any. The policy keeps answering with the rules in force. */
  @Override
  public void close() {
    closed.countDown();
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        LOG.debug("Closing the watch service of {} failed", source, e);
      }
    }
    if (watcher != null) {
      watcher.interrupt();
      try {
        watcher.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "ReloadingPolicy[" + source + ", version=" + version() + "]";
  }

  /** The outcome of a reload. */
  public sealed interface ReloadResult permits ReloadResult.Loaded, ReloadResult.Unchanged, ReloadResult.Rejected {
    /** @return the version in force after this reload */
    String version();

    /**
     * A new version is in force.
     *
     * @param previousVersion the version replaced
     * @param version the version now in force
     */
    record Loaded(String previousVersion, String version) implements ReloadResult {}

    /**
     * The document has the same bytes as the version in force; nothing changed.
     *
     * @param version the version in force
     */
    record Unchanged(String version) implements ReloadResult {}

    /**
     * The document could not be read or is not valid; the version in force stays.
     *
     * @param version the version still in force
     * @param error every problem found
     */
    record Rejected(String version, PolicyDocumentException error) implements ReloadResult {}
  }

  /** Builds a {@link ReloadingPolicy}. Each option may be set once; listeners may be added several times. */
  public static final class Builder {
    private final Path path;
    private PolicyDocuments.Loader loader = PolicyDocuments.loader();
    private boolean loaderSet;
    private @Nullable Duration pollInterval;
    private final List<Consumer<ReloadResult>> listeners = new ArrayList<>();

    private Builder(Path path) {
      this.path = Objects.requireNonNull(path, "path cannot be null");
    }

    /**
     * The loader (on-call source, explicit format) to read the document with. Its options are copied at
     * {@link #build()}.
     *
     * @param loader the loader
     * @return this builder
     */
    public Builder withLoader(PolicyDocuments.Loader loader) {
      Objects.requireNonNull(loader, "loader cannot be null");
      if (loaderSet) {
        throw new IllegalStateException("loader was already set");
      }
      this.loader = loader;
      this.loaderSet = true;
      return this;
    }

    /**
     * Reloads when the file changes: a daemon thread watches the file's directory
     * ({@link java.nio.file.WatchService}) and, as a fallback for file systems without change events, compares the
     * file's content every {@code pollInterval}. Only changed content is reloaded and reported. {@link #close()}
     * stops the thread.
     *
     * @param pollInterval how often to compare the content when no change event arrives; 10 ms to 1 hour
     * @return this builder
     */
    public Builder withWatch(Duration pollInterval) {
      Objects.requireNonNull(pollInterval, "pollInterval cannot be null");
      if (this.pollInterval != null) {
        throw new IllegalStateException("pollInterval was already set to " + this.pollInterval);
      }
      if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidInputException("pollInterval", "pollInterval must be between PT0.01S and PT1H, but was "
            + pollInterval);
      }
      this.pollInterval = pollInterval;
      return this;
    }

    /**
     * Adds a listener told of every reload's outcome (not of the first load, which {@link #build()} reports by
     * returning or throwing).
     *
     * @param listener the listener; must be fast, must not call {@code reload()}
     * @return this builder
     */
    public Builder onReload(Consumer<ReloadResult> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
      return this;
    }

    /**
     * Loads the document and, if asked, starts watching it.
     *
     * @return the policy
     * @throws PolicyDocumentException if the document cannot be read or is not valid: there is no policy to fall
     *     back to, so creation fails
     */
    public ReloadingPolicy build() {
      PolicyDocuments.Loader l = loader.copy();
      this.loader = l;
      String source = path.toString();
      PolicyDocuments.Loaded first = l.read(PolicyDocuments.readFile(path, source), source);
      return new ReloadingPolicy(this, first);
    }
  }
}
