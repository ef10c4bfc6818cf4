package dev.jitguard.audit;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When the chain is due for a signed checkpoint (after every N records, once the interval has passed) and the signing
 * itself. Without a signing key nothing is ever due. Not thread-safe: the sink's lock guards it.
 */
final class CheckpointSchedule {
  private final @Nullable PrivateKey signingKey;
  private final @Nullable String keyId;
  private final int every;
  private final Duration interval;

  private long sinceCheckpoint;
  private Instant lastCheckpointAt = Instant.EPOCH;
  private @Nullable Checkpoint lastCheckpoint;

  /**
   * @param signingKey the key pair to sign with, or null for a log without checkpoints
   * @param every records between checkpoints
   * @param interval the longest time between checkpoints
   */
  CheckpointSchedule(@Nullable KeyPair signingKey, int every, Duration interval) {
    this.signingKey = signingKey != null ? signingKey.getPrivate() : null;
    this.keyId = signingKey != null ? AuditKeys.keyId(signingKey.getPublic()) : null;
    this.every = every;
    this.interval = interval;
  }

  /** @return whether checkpoints are written at all (a signing key is set) */
  boolean signs() {
    return signingKey != null;
  }

  /** @return the longest time between checkpoints */
  Duration interval() {
    return interval;
  }

  /** @return the signing key's id, or null */
  @Nullable String keyId() {
    return keyId;
  }

  /** @return the last checkpoint written, or found at the end of the log when it was opened */
  @Nullable Checkpoint last() {
    return lastCheckpoint;
  }

  /** Starts the schedule for a new, empty log (also when a repair cut a log back to nothing). */
  void startNew(Instant now) {
    lastCheckpointAt = now;
    sinceCheckpoint = 0;
    lastCheckpoint = null;
  }

  /** Continues the schedule of a log that ends with {@code tail} (on opening, or after a repair re-read it). */
  void resumeAfter(AuditRecord tail) {
    if (tail instanceof AuditRecord.CheckpointRecord c) {
      lastCheckpoint = c.checkpoint();
      lastCheckpointAt = c.checkpoint().time();
      sinceCheckpoint = 0;
    } else {
      // The records after the last checkpoint are not signed yet (written before this sink opened, or before a
      // failed write); sign them at the next chance. A checkpoint of a failed write that never reached the file is
      // forgotten.
      if (lastCheckpoint != null && lastCheckpoint.seq() >= tail.seq()) {
        lastCheckpoint = null;
      }
      lastCheckpointAt = Instant.EPOCH;
      sinceCheckpoint = every;
    }
  }

  /** Counts an event record appended. */
  void recorded() {
    sinceCheckpoint++;
  }

  /** Whether a checkpoint is due after a record: N records since the last one, or the interval passed. */
  boolean dueAfterRecord(Instant now) {
    return signingKey != null && (sinceCheckpoint >= every || intervalPassed(now));
  }

  /** Whether a checkpoint is due on a heartbeat: the interval passed, with or without new records. */
  boolean dueOnHeartbeat(Instant now) {
    return signingKey != null && intervalPassed(now);
  }

  private boolean intervalPassed(Instant now) {
    return !now.isBefore(lastCheckpointAt.plus(interval));
  }

  /** Signs a checkpoint over the chain's head; changes nothing until {@link #written} says it is in the chain. */
  Checkpoint sign(String logId, long seq, String hash, Instant now) {
    return Checkpoint.sign(logId, seq, hash, now, Objects.requireNonNull(signingKey), Objects.requireNonNull(keyId));
  }

  /** Restarts the count and the interval from a checkpoint now in the chain. */
  void written(Checkpoint c, Instant now) {
    sinceCheckpoint = 0;
    lastCheckpointAt = now;
    lastCheckpoint = c;
  }
}
