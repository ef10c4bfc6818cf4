package dev.jitguard.audit;

import dev.jitguard.spi.BatchAuditSink;
import dev.jitguard.InvalidInputException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The tamper-evident JSON Lines audit file: one {@linkplain AuditJson JSON record} per line, each with a sequence
 * number and the SHA-256 of the previous line, optionally with Ed25519-signed checkpoints, size- and time-based
 * rotation that keeps the chain across files, and resume from the last record when reopened.
 *
 * <pre>{@code
 * FileAuditSink audit = FileAuditSink.builder(Path.of("/var/log/app/audit.jsonl"))
 *     .withSigningKey(AuditKeys.readKeyPair(Path.of("audit-key.pem"), Path.of("audit-key.pub.pem")))
 *     .withCheckpointEvery(1000)
 *     .withCheckpointInterval(Duration.ofMinutes(1))
 *     .withCheckpointFile(Path.of("/var/lib/app/checkpoints.jsonl"))
 *     .withMaxFileSize(256L * 1024 * 1024)
 *     .build();
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy)
 *     .withAuditSink(AsyncAuditSink.builder(audit).build())                  // group commit: many callers share one fsync
 *     .build();
 * }</pre>
 *
 * <p><b>Files.</b> The active file is the path given. When it rotates, it is renamed to
 * {@code <name>-<first seq, 12 digits>.<ext>} (for {@code audit.jsonl}: {@code audit-000000000001.jsonl}) and a new
 * active file is started; the first record of the new file links to the last of the old one, so the chain runs across
 * files. With a signing key, a checkpoint is written as the last record of every file before it is rotated. A lock
 * file {@code <name>.lock} keeps a second writer (in this or another process) off the chain.
 *
 * <p><b>Checkpoints.</b> With a signing key, a checkpoint record is appended after every
 * {@linkplain Builder#withCheckpointEvery N} records, when the {@linkplain Builder#withCheckpointInterval interval}
 * has passed at a record or a heartbeat (so an idle log still gets a fresh checkpoint every interval: it proves the
 * writer is alive), on rotation and on {@link #close()}. Each checkpoint can also go to a second destination: a
 * separate file ({@link Builder#withCheckpointFile}) and/or listeners ({@link Builder#onCheckpoint}); they are written
 * after the log itself was forced to storage, and their failure fails the record call (the guard denies).
 *
 * <p><b>Resume.</b> Opening an existing file continues its chain from its last record (or, if the active file is
 * missing or empty, from the last rotated file). If the active file ends with a record a failed write cut short (a
 * last line without its line feed that is not a whole record), that part is cut off and the cut is recorded as a
 * {@link dev.jitguard.event.AuditEventType#TORN_TAIL_RECOVERED} event; a whole record missing only its line feed gets
 * it. If the last line is anything else that is not a valid record, opening fails with an error and nothing is
 * appended: verify the log, and move the damaged file aside.
 *
 * <p><b>Thread-safety and failure.</b> Thread-safe: concurrent callers are serialised, so sequence numbers never repeat
 * and the chain never forks. If a write or a flush fails with an I/O error (a full disk), that call throws (fail
 * closed: the guard denies), and so does every later one until one of them repairs the file: it cuts back what the
 * failed write left after the end of the last complete write (complete records stay), records the cut as a
 * {@code TORN_TAIL_RECOVERED} event, and goes on; once the disk has room again the sink recovers by itself. If the file
 * is not what the sink wrote, or the failure is not an I/O error, the sink stops for good: check the file and reopen.
 */
public interface FileAuditSink extends BatchAuditSink, AutoCloseable {

  /** When {@link #record} and {@link #recordAll} return. */
  enum Durability {
    /**
     * After the batch was written and forced to the storage device ({@code FileChannel.force}, fdatasync): it
     * survives a power loss. The default.
     */
    FSYNC,
    /**
     * After the batch was written to the operating system ({@code write(2)}): it survives a crash of the process, not
     * of the machine. Checkpoints, rotation and close still force the file.
     */
    WRITE
  }

  /**
   * Starts a configuration.
   *
   * @param file the active log file; its directory must exist
   * @return the builder
   */
  static Builder builder(Path file) {
    return new Builder(file);
  }

  /** @return the active file */
  Path file();

  /** @return the log's id, written into every checkpoint */
  String logId();

  /** @return the sequence number of the last record written (0 for an empty log) */
  long lastSeq();

  /** @return the last checkpoint written by this sink or found at the end of the log when it was opened */
  Optional<Checkpoint> lastCheckpoint();

  /**
   * Writes a checkpoint if one is due (the checkpoint interval passed since the last one, even without new records)
   * and rotates the file if the rotation interval passed. The sink's own thread calls this unless the builder said
   * {@link Builder#withoutBackgroundHeartbeat()}; call it yourself then (tests, your own scheduler).
   *
   * @throws RuntimeException if the checkpoint could not be written
   */
  void heartbeat();

  /**
   * Writes a checkpoint now, covering every record so far.
   *
   * @return the checkpoint
   * @throws IllegalStateException if no signing key was configured
   */
  Checkpoint checkpoint();

  /**
   * Signs what is not signed yet (a final checkpoint, with a signing key), forces the file to storage and releases
   * the file and its lock. Idempotent. Later records throw.
   */
  @Override
  void close();

  /**
   * Configures a {@link FileAuditSink}. Each option may be set once; {@link #build()} opens the file. Not thread-safe.
   */
  final class Builder {
    final Path file;
    @Nullable String logId;
    @Nullable Durability durability;
    long maxFileSize;
    @Nullable Duration rotationInterval;
    @Nullable KeyPair signingKey;
    int checkpointEvery;
    @Nullable Duration checkpointInterval;
    @Nullable Path checkpointFile;
    final List<Consumer<Checkpoint>> checkpointListeners = new ArrayList<>();
    @Nullable Clock clock;
    boolean backgroundHeartbeat = true;
    private boolean heartbeatSet;
    LogChannels channels = LogChannels.DEFAULT;

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file cannot be null");
    }

    private static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * The log's id, written into every checkpoint so that a checkpoint of one log cannot pass for another's.
     * Defaults to the file name without its extension ({@code audit} for {@code audit.jsonl}).
     *
     * @param logId 1 to 64 characters of {@code A-Z a-z 0-9 . _ : -}
     * @return this builder
     */
    public Builder withLogId(String logId) {
      once(this.logId, "logId");
      Objects.requireNonNull(logId, "logId cannot be null");
      try {
        this.logId = Chain.requireId("logId", logId);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("logId", e.getMessage());
      }
      return this;
    }

    /**
     * When a record call returns. Defaults to {@link Durability#FSYNC}.
     *
     * @param durability the policy
     * @return this builder
     */
    public Builder withDurability(Durability durability) {
      once(this.durability, "durability");
      this.durability = Objects.requireNonNull(durability, "durability cannot be null");
      return this;
    }

    /**
     * Rotates the active file before a record would make it larger than this. A record is never split, so a file
     * holds at least one record, and may exceed the size by the checkpoint written before rotation.
     *
     * @param bytes at least 4096
     * @return this builder
     */
    public Builder withMaxFileSize(long bytes) {
      if (maxFileSize != 0) {
        throw new IllegalStateException("maxFileSize was already set to " + maxFileSize);
      }
      if (bytes < 4096) {
        throw new InvalidInputException("maxFileSize", "maxFileSize must be at least 4096 bytes, but was " + bytes);
      }
      this.maxFileSize = bytes;
      return this;
    }

    /**
     * Rotates the active file once its first record is this old (checked at each record and heartbeat).
     *
     * @param interval at least 1 second
     * @return this builder
     */
    public Builder withRotationInterval(Duration interval) {
      once(this.rotationInterval, "rotationInterval");
      Objects.requireNonNull(interval, "rotationInterval cannot be null");
      if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new InvalidInputException("rotationInterval", "rotationInterval must be at least PT1S, but was "
            + interval);
      }
      this.rotationInterval = interval;
      return this;
    }

    /**
     * Signs checkpoints with this Ed25519 key pair (see {@link AuditKeys}). The key is kept in memory only and never
     * logged.
     *
     * @param keyPair an Ed25519 key pair whose halves match
     * @return this builder
     */
    public Builder withSigningKey(KeyPair keyPair) {
      if (this.signingKey != null) {
        throw new IllegalStateException("signingKey was already set to the key " + AuditKeys.keyId(
            signingKey.getPublic()));
      }
      Objects.requireNonNull(keyPair, "signingKey cannot be null");
      if (!AuditKeys.matches(keyPair)) {
        throw new InvalidInputException("signingKey", "signingKey must be an Ed25519 key pair whose private key "
            + "belongs to its public key");
      }
      this.signingKey = keyPair;
      return this;
    }

    /**
     * Signs checkpoints with a key pair read from PEM files (PKCS#8 private key, X.509 public key).
     *
     * @param privateKeyFile the private key
     * @param publicKeyFile the public key
     * @return this builder
     */
    public Builder withSigningKey(Path privateKeyFile, Path publicKeyFile) {
      return withSigningKey(AuditKeys.readKeyPair(privateKeyFile, publicKeyFile));
    }

    /**
     * A checkpoint after this many records at most. Defaults to 1000. Needs a signing key.
     *
     * @param records between 1 and 10,000,000
     * @return this builder
     */
    public Builder withCheckpointEvery(int records) {
      if (checkpointEvery != 0) {
        throw new IllegalStateException("checkpointEvery was already set to " + checkpointEvery);
      }
      if (records < 1 || records > 10_000_000) {
        throw new InvalidInputException("checkpointEvery", "checkpointEvery must be between 1 and 10000000, but was "
            + records);
      }
      this.checkpointEvery = records;
      return this;
    }

    /**
     * A checkpoint at least this often: at the first record or heartbeat after the interval passed since the last
     * one, also when nothing was recorded (the heartbeat). Defaults to 1 minute. Needs a signing key.
     *
     * @param interval between 10 ms and 1 day
     * @return this builder
     */
    public Builder withCheckpointInterval(Duration interval) {
      once(this.checkpointInterval, "checkpointInterval");
      Objects.requireNonNull(interval, "checkpointInterval cannot be null");
      if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0) {
        throw new InvalidInputException("checkpointInterval", "checkpointInterval must be between PT0.01S and PT24H, "
            + "but was " + interval);
      }
      this.checkpointInterval = interval;
      return this;
    }

    /**
     * Also appends every checkpoint to this file (one JSON line each, forced to storage), the second destination
     * that shows a truncation of the log. Put it where whoever can write the log cannot. Needs a signing key.
     *
     * @param file the checkpoint file (created if missing)
     * @return this builder
     */
    public Builder withCheckpointFile(Path file) {
      once(this.checkpointFile, "checkpointFile");
      this.checkpointFile = Objects.requireNonNull(file, "checkpointFile cannot be null");
      return this;
    }

    /**
     * Adds a listener given every checkpoint after the log was forced to storage: a second destination such as a
     * remote store or a witness. Unlike event listeners, it is part of the audit trail: if it throws, the record
     * call that wrote the checkpoint fails and the guard denies. Called with the sink's lock held: keep it short and
     * never record into the same sink from it. Needs a signing key.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder onCheckpoint(Consumer<Checkpoint> listener) {
      checkpointListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
      return this;
    }

    /**
     * The time source for checkpoints, rotation and heartbeats. Defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      once(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * No heartbeat thread: the caller runs {@link FileAuditSink#heartbeat()} (tests with a controllable clock, hosts
     * with their own scheduler).
     *
     * @return this builder
     */
    public Builder withoutBackgroundHeartbeat() {
      if (heartbeatSet) {
        throw new IllegalStateException("backgroundHeartbeat was already set to false");
      }
      heartbeatSet = true;
      backgroundHeartbeat = false;
      return this;
    }

    /** Opens the log file's channels through these (tests: a disk that fills up). */
    Builder withChannels(LogChannels channels) {
      this.channels = Objects.requireNonNull(channels, "channels cannot be null");
      return this;
    }

    /**
     * Opens (or creates) the log, resumes its chain and takes its lock.
     *
     * @return the sink; close it when done
     * @throws IllegalStateException if the options contradict each other, the file's tail is damaged (other than a
     *     record a failed write cut short, which is repaired), or another writer holds the lock
     * @throws java.io.UncheckedIOException if the file cannot be opened
     */
    public FileAuditSink build() {
      if (signingKey == null && (checkpointEvery != 0 || checkpointInterval != null || checkpointFile != null
          || !checkpointListeners.isEmpty())) {
        throw new IllegalStateException("checkpoint options need a signing key: call withSigningKey(..) too");
      }
      return ChainedFileAuditSink.open(this);
    }
  }
}
