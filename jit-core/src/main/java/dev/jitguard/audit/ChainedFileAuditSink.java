package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link FileAuditSink}: one lock serialises every append, so the chain has one head and never forks. */
final class ChainedFileAuditSink implements FileAuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(ChainedFileAuditSink.class);

  private final Path file;
  private final Path dir;
  private final String baseName;
  private final String extension;
  private final Pattern rotatedPattern;
  private final String logId;
  private final Durability durability;
  private final long maxFileSize;
  private final @Nullable Duration rotationInterval;
  private final @Nullable PrivateKey signingKey;
  private final @Nullable String keyId;
  private final int checkpointEvery;
  private final Duration checkpointInterval;
  private final List<Consumer<Checkpoint>> checkpointListeners;
  private final Clock clock;

  private final ReentrantLock lock = new ReentrantLock();
  private final MessageDigest sha = Chain.sha256();
  private final LineBuffer buffer = new LineBuffer(64 * 1024);
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final @Nullable FileChannel checkpointChannel;
  private final @Nullable ScheduledExecutorService heartbeat;

  // Chain and file state, guarded by lock.
  private FileChannel channel;
  private long fileBytes;
  private long fileFirstSeq;
  private Instant fileStartedAt;
  private long seq;
  private String prevHash;
  private boolean lastIsCheckpoint;
  private boolean dirty;
  private boolean heartbeatFailureLogged;
  private long sinceCheckpoint;
  private Instant lastCheckpointAt;
  private @Nullable Checkpoint lastCheckpoint;
  private final List<Checkpoint> unpublished = new ArrayList<>();
  private @Nullable Throwable failure;
  private @Nullable RuntimeException unencodable;
  private boolean closed;

  private ChainedFileAuditSink(FileAuditSink.Builder b, FileChannel lockChannel, FileLock fileLock) {
    this.file = b.file.toAbsolutePath();
    this.dir = file.getParent();
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.baseName = dot > 0 ? name.substring(0, dot) : name;
    this.extension = dot > 0 ? name.substring(dot) : "";
    this.rotatedPattern = Pattern.compile(Pattern.quote(baseName) + "-(\\d{12,19})" + Pattern.quote(extension));
    this.logId = b.logId != null ? b.logId : defaultLogId(baseName);
    this.durability = b.durability != null ? b.durability : Durability.FSYNC;
    this.maxFileSize = b.maxFileSize;
    this.rotationInterval = b.rotationInterval;
    this.signingKey = b.signingKey != null ? b.signingKey.getPrivate() : null;
    this.keyId = b.signingKey != null ? AuditKeys.keyId(b.signingKey.getPublic()) : null;
    this.checkpointEvery = b.checkpointEvery != 0 ? b.checkpointEvery : 1000;
    this.checkpointInterval = b.checkpointInterval != null ? b.checkpointInterval : Duration.ofMinutes(1);
    this.checkpointListeners = List.copyOf(b.checkpointListeners);
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    FileChannel cp = null;
    try {
      if (b.checkpointFile != null) {
        cp = FileChannel.open(b.checkpointFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
      }
      resume();
    } catch (IOException e) {
      closeQuietly(cp);
      throw new UncheckedIOException("could not open the audit log '" + file + "'", e);
    } catch (RuntimeException e) {
      closeQuietly(cp);
      throw e;
    }
    this.checkpointChannel = cp;
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
    Tail tail = null;
    Path from = null;
    if (Files.exists(file) && Files.size(file) > 0) {
      from = file;
    } else {
      from = latestRotated();
    }
    if (from != null) {
      tail = readTail(from);
    }
    if (tail == null) {
      seq = 0;
      prevHash = Chain.GENESIS;
      lastIsCheckpoint = false;
      lastCheckpointAt = now;
    } else {
      seq = tail.record.seq();
      prevHash = tail.hash;
      lastIsCheckpoint = tail.record instanceof AuditRecord.CheckpointRecord;
      if (tail.record instanceof AuditRecord.CheckpointRecord c) {
        lastCheckpoint = c.checkpoint();
        lastCheckpointAt = c.checkpoint().time();
      } else {
        // The records after the last checkpoint were written before this sink opened; sign them at the next chance.
        lastCheckpointAt = Instant.EPOCH;
        sinceCheckpoint = checkpointEvery;
      }
    }
    boolean created = !Files.exists(file);
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (created) {
      forceDirectory();
    }
    fileBytes = channel.size();
    if (fileBytes > 0) {
      Tail first = readFirst(file);
      fileFirstSeq = first.record.seq();
      fileStartedAt = timeOf(first.record);
    } else {
      fileFirstSeq = 0;
      fileStartedAt = now;
    }
  }

  private @Nullable Path latestRotated() throws IOException {
    Path best = null;
    long bestSeq = -1;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = rotatedPattern.matcher(p.getFileName().toString());
        if (m.matches() && Files.size(p) > 0) {
          long first = Long.parseLong(m.group(1));
          if (first > bestSeq) {
            bestSeq = first;
            best = p;
          }
        }
      }
    }
    return best;
  }

  private record Tail(AuditRecord record, String hash) {}

  /** The last record of a file, checked: complete, valid, canonical. */
  private Tail readTail(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.read(last, size - 1);
      if (last.get(0) != '\n') {
        throw new IllegalStateException("the audit log '" + path + "' ends with an incomplete record (no line feed "
            + "after byte " + size + "): a write was cut short or the file was edited. The sink does not append to "
            + "a damaged chain: verify the log (VerifyCommand), keep the file as evidence, and move it aside");
      }
      int window = (int) Math.min(size, AuditJson.MAX_LINE_BYTES + 1L);
      ByteBuffer buf = ByteBuffer.allocate(window);
      ch.read(buf, size - window);
      byte[] b = buf.array();
      int end = window - 1;
      int start = end - 1;
      while (start >= 0 && b[start] != '\n') {
        start--;
      }
      start++;
      if (start == 0 && size > window) {
        throw damaged(path, size, "the last line is longer than " + AuditJson.MAX_LINE_BYTES + " bytes");
      }
      return check(path, size, b, start, end - start);
    }
  }

  private Tail readFirst(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      int window = (int) Math.min(ch.size(), AuditJson.MAX_LINE_BYTES + 1L);
      ByteBuffer buf = ByteBuffer.allocate(window);
      ch.read(buf, 0);
      byte[] b = buf.array();
      int end = 0;
      while (end < window && b[end] != '\n') {
        end++;
      }
      return check(path, 0, b, 0, end);
    }
  }

  private Tail check(Path path, long at, byte[] b, int off, int len) {
    AuditRecord record;
    try {
      record = AuditJson.readRecord(b, off, len);
    } catch (AuditFormatException e) {
      throw damaged(path, at, e.getMessage());
    }
    if (!AuditJson.isCanonical(b, off, len, record)) {
      throw damaged(path, at, "the line is not in canonical form (it was edited)");
    }
    return new Tail(record, Chain.hash(sha, b, off, len));
  }

  private static IllegalStateException damaged(Path path, long at, String why) {
    return new IllegalStateException("the audit log '" + path + "' has a damaged record near byte " + at + ": " + why
        + ". The sink does not append to a damaged chain: verify the log (VerifyCommand), keep the file as evidence, "
        + "and move it aside");
  }

  private static Instant timeOf(AuditRecord r) {
    return r instanceof AuditRecord.EventRecord e ? e.event().time()
        : ((AuditRecord.CheckpointRecord) r).checkpoint().time();
  }

  private @Nullable ScheduledExecutorService startHeartbeat() {
    Duration base;
    if (signingKey != null) {
      base = checkpointInterval;
    } else if (rotationInterval != null) {
      base = rotationInterval;
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
          if (checkpointDue(now)) {
            appendCheckpoint(now);
          }
        }
        flush(durability == Durability.FSYNC || !unpublished.isEmpty());
      } catch (IOException | RuntimeException e) {
        throw fail(e);
      }
      publish();
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
        if (signingKey != null && !now.isBefore(lastCheckpointAt.plus(checkpointInterval))) {
          appendCheckpoint(now);
        }
        flush(durability == Durability.FSYNC || !unpublished.isEmpty());
      } catch (IOException | RuntimeException e) {
        throw fail(e);
      }
      publish();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Checkpoint checkpoint() {
    if (signingKey == null) {
      throw new IllegalStateException("the audit log '" + file + "' has no signing key; configure one with "
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
      publish();
      return c;
    } finally {
      lock.unlock();
    }
  }

  private boolean checkpointDue(Instant now) {
    return signingKey != null
        && (sinceCheckpoint >= checkpointEvery || !now.isBefore(lastCheckpointAt.plus(checkpointInterval)));
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
    if (maxFileSize > 0 && fileBytes + mark > 0 && fileBytes + mark + len + 1 > maxFileSize) {
      buffer.truncate(mark);
      rotate(now);
      mark = buffer.size();
      len = encode(e, mark);
    }
    commit(mark, len, now);
    lastIsCheckpoint = false;
    sinceCheckpoint++;
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
    Checkpoint c = Checkpoint.sign(logId, seq, prevHash, now, Objects.requireNonNull(signingKey),
        Objects.requireNonNull(keyId));
    int mark = buffer.size();
    AuditJsonWriter.writeCheckpointRecord(buffer, seq + 1, prevHash, c);
    commit(mark, buffer.size() - mark, now);
    lastIsCheckpoint = true;
    sinceCheckpoint = 0;
    lastCheckpointAt = now;
    lastCheckpoint = c;
    unpublished.add(c);
    return c;
  }

  /** The line at {@code buffer[mark, mark+len)} becomes the chain's head. */
  private void commit(int mark, int len, Instant time) {
    prevHash = Chain.hash(sha, buffer.array(), mark, len);
    buffer.write('\n');
    seq++;
    if (fileBytes + mark == 0) {
      fileFirstSeq = seq;
      fileStartedAt = time;
    }
  }

  private void rotateIfDue(Instant now) throws IOException {
    if (rotationInterval != null && fileBytes + buffer.size() > 0
        && !now.isBefore(fileStartedAt.plus(rotationInterval))) {
      rotate(now);
    }
  }

  private void rotate(Instant now) throws IOException {
    if (signingKey != null && !lastIsCheckpoint) {
      appendCheckpoint(now);
    }
    flush(true);
    Path target = dir.resolve(String.format(Locale.ROOT, "%s-%012d%s", baseName, fileFirstSeq, extension));
    if (Files.exists(target)) {
      throw new IllegalStateException("cannot rotate the audit log '" + file + "': '" + target + "' already exists");
    }
    channel.close();
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    forceDirectory();
    fileBytes = 0;
    fileFirstSeq = 0;
    fileStartedAt = now;
  }

  /** Writes the buffer; with {@code force}, forces everything written so far to the storage device. */
  private void flush(boolean force) throws IOException {
    if (buffer.size() > 0) {
      ByteBuffer bb = ByteBuffer.wrap(buffer.array(), 0, buffer.size());
      while (bb.hasRemaining()) {
        channel.write(bb);
      }
      fileBytes += buffer.size();
      buffer.reset();
      dirty = true;
    }
    if (force && dirty) {
      channel.force(false);
      dirty = false;
    }
  }

  /** Sends new checkpoints to the second destinations, after the log itself was forced. */
  private void publish() {
    if (unpublished.isEmpty()) {
      return;
    }
    List<Checkpoint> batch = List.copyOf(unpublished);
    unpublished.clear();
    RuntimeException failed = null;
    for (Checkpoint c : batch) {
      if (checkpointChannel != null) {
        try {
          ByteBuffer bb = ByteBuffer.wrap((AuditJson.toLine(c) + "\n").getBytes(StandardCharsets.US_ASCII));
          while (bb.hasRemaining()) {
            checkpointChannel.write(bb);
          }
          checkpointChannel.force(false);
        } catch (IOException e) {
          failed = add(failed, new UncheckedIOException("could not write checkpoint " + c.seq()
              + " of audit log '" + logId + "' to its checkpoint file", e));
        }
      }
      for (Consumer<Checkpoint> l : checkpointListeners) {
        try {
          l.accept(c);
        } catch (RuntimeException e) {
          failed = add(failed, new IllegalStateException("a checkpoint listener failed on checkpoint " + c.seq()
              + " of audit log '" + logId + "'", e));
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static RuntimeException add(@Nullable RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can force a directory; the file itself is forced
    }
  }

  private void ensureUsable() {
    if (closed) {
      throw new IllegalStateException("the audit log '" + file + "' is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("the audit log '" + file + "' failed at seq " + seq + " and accepts no more "
          + "events (" + failure + "); check the disk and the end of the file, then reopen it", failure);
    }
  }

  private RuntimeException fail(Exception e) {
    failure = e;
    buffer.reset();
    unpublished.clear();
    if (e instanceof IOException io) {
      return new UncheckedIOException("could not write the audit log '" + file + "'; it accepts no more events "
          + "until reopened", io);
    }
    return (RuntimeException) e;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Queries and closing

  @Override
  public Path file() {
    return file;
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
      return Optional.ofNullable(lastCheckpoint);
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
          if (signingKey != null && !lastIsCheckpoint && seq > 0) {
            appendCheckpoint(clock.instant());
          }
          flush(true);
          publish();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not write the end of the audit log '" + file + "'", e);
      } finally {
        closeQuietly(channel);
        closeQuietly(checkpointChannel);
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
      closeQuietly(channel);
      closeQuietly(checkpointChannel);
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
    return "FileAuditSink[" + file + ", log " + logId + (keyId != null ? ", signed by " + keyId : "") + "]";
  }
}
