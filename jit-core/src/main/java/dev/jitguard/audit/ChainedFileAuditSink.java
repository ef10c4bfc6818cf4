package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FileAuditSink}: one lock serialises every append, so the chain has one head and never forks. This class
 * keeps the chain (sequence number, previous hash, records encoded into the write buffer) and the fail-closed state;
 * the active file and its rotation are in {@link AuditLogFile}, reading an existing log back for resume in
 * {@link LogFileEnds}, when to sign a checkpoint in {@link CheckpointSchedule}, and the checkpoint file and listeners
 * in {@link CheckpointPublisher}.
 */
final class ChainedFileAuditSink implements FileAuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(ChainedFileAuditSink.class);

  private final AuditLogFile file;
  private final String logId;
  private final Durability durability;
  private final CheckpointSchedule checkpoints;
  private final CheckpointPublisher publisher;
  private final Clock clock;

  private final ReentrantLock lock = new ReentrantLock();
  private final MessageDigest sha = Chain.sha256();
  private final LineBuffer buffer = new LineBuffer(64 * 1024);
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final @Nullable ScheduledExecutorService heartbeat;

  // Chain state, guarded by lock.
  private long seq;
  private String prevHash;
  private boolean lastIsCheckpoint;
  private boolean heartbeatFailureLogged;
  private @Nullable Throwable failure;
  private @Nullable RuntimeException unencodable;
  private boolean closed;

  private ChainedFileAuditSink(FileAuditSink.Builder b, FileChannel lockChannel, FileLock fileLock) {
    this.file = new AuditLogFile(b.file.toAbsolutePath(), b.maxFileSize, b.rotationInterval);
    this.logId = b.logId != null ? b.logId : defaultLogId(file.baseName());
    this.durability = b.durability != null ? b.durability : Durability.FSYNC;
    this.checkpoints = new CheckpointSchedule(b.signingKey, b.checkpointEvery != 0 ? b.checkpointEvery : 1000,
        b.checkpointInterval != null ? b.checkpointInterval : Duration.ofMinutes(1));
    List<Consumer<Checkpoint>> listeners = List.copyOf(b.checkpointListeners);
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    CheckpointPublisher cp = null;
    try {
      cp = CheckpointPublisher.open(b.checkpointFile, logId, listeners);
      resume();
    } catch (IOException e) {
      if (cp != null) {
        cp.close();
      }
      throw new UncheckedIOException("could not open the audit log '" + file.path() + "'", e);
    } catch (RuntimeException e) {
      if (cp != null) {
        cp.close();
      }
      throw e;
    }
    this.publisher = cp;
    this.heartbeat = b.backgroundHeartbeat ? startHeartbeat() : null;
  }

  private static String defaultLogId(String baseName) {
    if (!Chain.isId(baseName)) {
      throw new IllegalStateException("the file name '" + baseName + "' is not a valid log id; set one with "
          + "withLogId(..): 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
    }
    return baseName;
  }

  static FileAuditSink open(FileAuditSink.Builder b) {
    Path file = b.file.toAbsolutePath();
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    FileChannel lockChannel;
    try {
      lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the lock file '" + lockFile + "' of the audit log", e);
    }
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      lock = null;
    }
    if (lock == null) {
      closeQuietly(lockChannel);
      throw new IllegalStateException("another writer holds the audit log '" + file + "' (lock file '" + lockFile
          + "'); two writers on one chain would fork it. Close the other sink first, or give this one another file");
    }
    try {
      return new ChainedFileAuditSink(b, lockChannel, lock);
    } catch (RuntimeException e) {
      try {
        lock.release();
      } catch (IOException ignored) {
        // closing the channel releases it too
      }
      closeQuietly(lockChannel);
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Opening and resuming

  private void resume() throws IOException {
    Instant now = clock.instant();
    Path from = file.resumeFrom();
    LogFileEnds.End tail = from == null ? null : LogFileEnds.last(from, sha);
    if (tail == null) {
      seq = 0;
      prevHash = Chain.GENESIS;
      lastIsCheckpoint = false;
      checkpoints.startNew(now);
    } else {
      seq = tail.record().seq();
      prevHash = tail.hash();
      lastIsCheckpoint = tail.record() instanceof AuditRecord.CheckpointRecord;
      checkpoints.resumeAfter(tail.record());
    }
    file.open(now, sha);
  }

  private @Nullable ScheduledExecutorService startHeartbeat() {
    Duration base;
    if (checkpoints.signs()) {
      base = checkpoints.interval();
    } else if (file.rotationInterval() != null) {
      base = file.rotationInterval();
    } else {
      return null;
    }
    long period = Math.max(10, Math.min(10_000, base.toMillis() / 4));
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "jitguard-audit-heartbeat");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(() -> {
      try {
        heartbeat();
      } catch (RuntimeException e) {
        if (!heartbeatFailureLogged) {
          heartbeatFailureLogged = true;
          LOG.error("audit heartbeat for log '{}' failed; records fail until the sink is reopened", logId, e);
        }
      }
    }, period, period, TimeUnit.MILLISECONDS);
    return s;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Appending

  @Override
  public void recordAll(List<AuditEvent> events) {
    Objects.requireNonNull(events, "events cannot be null");
    for (AuditEvent e : events) {
      Objects.requireNonNull(e, "events cannot contain null");
    }
    lock.lock();
    try {
      ensureUsable();
      Instant now = clock.instant();
      RuntimeException unrecordable = null;
      try {
        rotateIfDue(now);
        for (AuditEvent e : events) {
          unrecordable = appendEvent(e, now);
          if (unrecordable != null) {
            break;
          }
          if (checkpoints.dueAfterRecord(now)) {
            appendCheckpoint(now);
          }
        }
        flush(durability == Durability.FSYNC || publisher.hasPending());
      } catch (IOException | RuntimeException e) {
        throw fail(e);
      }
      publisher.publish();
      if (unrecordable != null) {
        throw unrecordable;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void heartbeat() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      ensureUsable();
      Instant now = clock.instant();
      try {
        rotateIfDue(now);
        if (checkpoints.dueOnHeartbeat(now)) {
          appendCheckpoint(now);
        }
        flush(durability == Durability.FSYNC || publisher.hasPending());
      } catch (IOException | RuntimeException e) {
        throw fail(e);
      }
      publisher.publish();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Checkpoint checkpoint() {
    if (!checkpoints.signs()) {
      throw new IllegalStateException("the audit log '" + file.path() + "' has no signing key; configure one with "
          + "withSigningKey(..) to write checkpoints");
    }
    lock.lock();
    try {
      ensureUsable();
      Checkpoint c;
      try {
        c = appendCheckpoint(clock.instant());
        flush(true);
      } catch (IOException | RuntimeException e) {
        throw fail(e);
      }
      publisher.publish();
      return c;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Encodes, chains and buffers one event. Returns why it cannot be recorded (too long, not encodable), with nothing
   * changed, or null when it was appended.
   */
  private @Nullable RuntimeException appendEvent(AuditEvent e, Instant now) throws IOException {
    int mark = buffer.size();
    int len = encode(e, mark);
    if (len < 0) {
      return unencodable;
    }
    if (file.wouldOverflow(mark, len)) {
      buffer.truncate(mark);
      rotate(now);
      mark = buffer.size();
      len = encode(e, mark);
    }
    commit(mark, len, now);
    lastIsCheckpoint = false;
    checkpoints.recorded();
    return null;
  }

  /** Encodes the event as the next record at {@code mark}; its length, or -1 (see {@link #unencodable}). */
  private int encode(AuditEvent e, int mark) {
    try {
      AuditJsonWriter.writeEventRecord(buffer, seq + 1, prevHash, e);
    } catch (RuntimeException ex) {
      buffer.truncate(mark);
      unencodable = new IllegalArgumentException("a " + e.type() + " event cannot be written as JSON and was not "
          + "recorded (the events before it in its batch were): " + ex.getMessage(), ex);
      return -1;
    }
    int len = buffer.size() - mark;
    if (len > AuditJson.MAX_LINE_BYTES) {
      buffer.truncate(mark);
      unencodable = new IllegalArgumentException(String.format(Locale.ROOT, "a %s event is longer than %d bytes as "
          + "JSON and was not recorded (the events before it in its batch were)", e.type(),
          AuditJson.MAX_LINE_BYTES));
      return -1;
    }
    return len;
  }

  private Checkpoint appendCheckpoint(Instant now) {
    Checkpoint c = checkpoints.sign(logId, seq, prevHash, now);
    int mark = buffer.size();
    AuditJsonWriter.writeCheckpointRecord(buffer, seq + 1, prevHash, c);
    commit(mark, buffer.size() - mark, now);
    lastIsCheckpoint = true;
    checkpoints.written(c, now);
    publisher.add(c);
    return c;
  }

  /** The line at {@code buffer[mark, mark+len)} becomes the chain's head. */
  private void commit(int mark, int len, Instant time) {
    prevHash = Chain.hash(sha, buffer.array(), mark, len);
    buffer.write('\n');
    seq++;
    file.noteRecord(mark, seq, time);
  }

  private void rotateIfDue(Instant now) throws IOException {
    if (file.rotationDue(now, buffer.size())) {
      rotate(now);
    }
  }

  /** Ends the file with a checkpoint (with a signing key), forces it, and starts the next one. */
  private void rotate(Instant now) throws IOException {
    if (checkpoints.signs() && !lastIsCheckpoint) {
      appendCheckpoint(now);
    }
    flush(true);
    file.rotate(now);
  }

  /** Writes the buffer; with {@code force}, forces everything written so far to the storage device. */
  private void flush(boolean force) throws IOException {
    file.write(buffer, force);
  }

  private void ensureUsable() {
    if (closed) {
      throw new IllegalStateException("the audit log '" + file.path() + "' is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("the audit log '" + file.path() + "' failed at seq " + seq + " and accepts no "
          + "more events (" + failure + "); check the disk and the end of the file, then reopen it", failure);
    }
  }

  private RuntimeException fail(Exception e) {
    failure = e;
    buffer.reset();
    publisher.discard();
    if (e instanceof IOException io) {
      return new UncheckedIOException("could not write the audit log '" + file.path() + "'; it accepts no more "
          + "events until reopened", io);
    }
    return (RuntimeException) e;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Queries and closing

  @Override
  public Path file() {
    return file.path();
  }

  @Override
  public String logId() {
    return logId;
  }

  @Override
  public long lastSeq() {
    lock.lock();
    try {
      return seq;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Checkpoint> lastCheckpoint() {
    lock.lock();
    try {
      return Optional.ofNullable(checkpoints.last());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (heartbeat != null) {
      heartbeat.shutdown();
    }
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (failure == null) {
          if (checkpoints.signs() && !lastIsCheckpoint && seq > 0) {
            appendCheckpoint(clock.instant());
          }
          flush(true);
          publisher.publish();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not write the end of the audit log '" + file.path() + "'", e);
      } finally {
        file.close();
        publisher.close();
        try {
          fileLock.release();
        } catch (IOException ignored) {
          // closing the channel releases it too
        }
        closeQuietly(lockChannel);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops without a final checkpoint or flush, as a crash would: for tests of resume and unsigned tails. */
  void abandon() {
    if (heartbeat != null) {
      heartbeat.shutdownNow();
    }
    lock.lock();
    try {
      if (!closed) {
        try {
          flush(false);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      closed = true;
      file.close();
      publisher.close();
      closeQuietly(lockChannel);
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort while failing or closing
      }
    }
  }

  @Override
  public String toString() {
    String keyId = checkpoints.keyId();
    return "FileAuditSink[" + file.path() + ", log " + logId + (keyId != null ? ", signed by " + keyId : "") + "]";
  }
}
