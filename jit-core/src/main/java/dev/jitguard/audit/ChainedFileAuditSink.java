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
 * {@link LogFileEnds}, repairing the end a failed write left in {@link TailRepair}, when to sign a checkpoint in
 * {@link CheckpointSchedule}, and the checkpoint file and listeners in {@link CheckpointPublisher}.
 *
 * <p><b>A failed write</b> (an {@link IOException}: a full disk) fails its call and every call after it until the next
 * call manages to repair the file: cut back what the failed write left after the end of the last complete write (the
 * good offset, {@link AuditLogFile#written()}), re-read the chain's head from the file, record each cut as a
 * {@link dev.jitguard.event.AuditEventType#TORN_TAIL_RECOVERED} event and force it. Until that succeeds every call
 * throws (the guard denies); once there is room again, the next call succeeds without an operator. Any other failure,
 * and a file that is not what this sink wrote, stop the sink for good, as before.
 */
final class ChainedFileAuditSink implements FileAuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(ChainedFileAuditSink.class);

  private final AuditLogFile file;
  private final String logId;
  private final Durability durability;
  private final CheckpointSchedule checkpoints;
  private final CheckpointPublisher publisher;
  private final Clock clock;
  private final TailRepair repair;

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
    this.file = new AuditLogFile(b.file.toAbsolutePath(), b.maxFileSize, b.rotationInterval, b.channels);
    this.repair = new TailRepair(file.path(), b.channels);
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
      repair.repairOnOpen();
      resume(clock.instant());
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
    if (!repair.unrecorded().isEmpty()) {
      recordCutsNow();
    }
    this.heartbeat = b.backgroundHeartbeat ? startHeartbeat() : null;
  }

  /**
   * Records at once the cut made on opening, so the evidence is in the chain before anything else happens. If the disk
   * is still full, the sink opens anyway and fails its calls until a later one writes the record.
   */
  private void recordCutsNow() {
    lock.lock();
    try {
      recordCuts(clock.instant());
      publisher.publish();
    } catch (IOException e) {
      RuntimeException failed = fail(e);
      LOG.warn("could not record the repair of audit log '{}' yet; records fail until it is written", logId, failed);
    } catch (RuntimeException e) {
      file.close();
      publisher.close();
      throw e;
    } finally {
      lock.unlock();
    }
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

  /** Reads the chain's head (the last record, checked) from the files and opens the active one for appending. */
  private void resume(Instant now) throws IOException {
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
          LOG.error("audit heartbeat for log '{}' failed; records fail until a write succeeds again", logId, e);
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
        repairIfDue(now);
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
        repairIfDue(now);
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
        Instant now = clock.instant();
        repairIfDue(now);
        c = appendCheckpoint(now);
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

  // ---------------------------------------------------------------------------------------------------------------
  // Repairing after a failed write

  /**
   * After a failed write: cuts what it left at the end of the file, re-reads the chain's head from the file (the
   * records the failed write completed stay in the chain), and records the cut. Throws while the disk is still full.
   */
  private void repairIfDue(Instant now) throws IOException {
    if (repair.due()) {
      file.close();
      repair.repairAfterFailedWrite();
      resume(now);
      repair.done();
      heartbeatFailureLogged = false;
      LOG.info("audit log '{}' writes again from seq {}", logId, seq + 1);
    }
    if (!repair.unrecorded().isEmpty()) {
      recordCuts(now);
    }
  }

  /** Appends a record of each cut not recorded yet, and forces them, before anything else is appended. */
  private void recordCuts(Instant now) throws IOException {
    for (TailRepair.Cut c : repair.unrecorded()) {
      appendEvent(c.toEvent(now), now);
      if (checkpoints.dueAfterRecord(now)) {
        appendCheckpoint(now);
      }
    }
    flush(true);
    repair.recorded();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Encoding and chaining

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

  /**
   * Fails the current call. An I/O failure makes the next call repair the file (the first one keeps the good offset
   * and the bytes being written); any other failure stops the sink.
   */
  private RuntimeException fail(Exception e) {
    if (e instanceof IOException io) {
      repair.writeFailed(file.written(), buffer);
      buffer.reset();
      publisher.discard();
      return new UncheckedIOException("could not write the audit log '" + file.path() + "' (" + io.getMessage()
          + "): the events of this call are not recorded (those that reached the file whole stay in the chain). The "
          + "sink repairs the end of the file and goes on at its next write, once the disk has room again", io);
    }
    failure = e;
    buffer.reset();
    publisher.discard();
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
        Instant now = clock.instant();
        if (failure == null && repair.due()) {
          try {
            repairIfDue(now);
          } catch (IOException e) {
            failure = e;
            LOG.warn("closing audit log '{}' without repairing its end ({}); the next sink to open it repairs it",
                logId, e.toString());
          }
        }
        if (failure == null) {
          if (checkpoints.signs() && !lastIsCheckpoint && seq > 0) {
            appendCheckpoint(now);
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
