package dev.jitguard.audit;

import dev.jitguard.internal.util.Text;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The verdict of {@link AuditVerifier}: one of {@link Ok}, {@link Tampered}, {@link UnverifiedTail},
 * {@link Rollback}, {@link Stale} or {@link TornTail}, each with a {@link Summary} of what was read. When several
 * apply, the first in this order wins: TAMPERED, ROLLBACK, TORN_TAIL, STALE, UNVERIFIED_TAIL, OK.
 */
public sealed interface VerificationResult {

  /** The verdicts, with the exit code of the command-line verifier. */
  enum Status {
    /** Every record is chained and covered by a valid checkpoint; nothing contradicts the remembered state. */
    OK(0),
    /** The log (or its checkpoint file) was changed: see {@link Tampered#seq()} and {@link Tampered#reason()}. */
    TAMPERED(1),
    /** The chain is intact but its last records are not covered by a checkpoint yet. */
    UNVERIFIED_TAIL(2),
    /** The log no longer contains, or contradicts, the state a previous verification remembered. */
    ROLLBACK(3),
    /** The last checkpoint is older than the allowed staleness (only when a maximum staleness was set). */
    STALE(4),
    /**
     * The chain is intact, but the last line has no line feed: a write was cut short (a full disk, a crash). A warning,
     * not tampering: see {@link TornTail}.
     */
    TORN_TAIL(5);

    private final int exitCode;

    Status(int exitCode) {
      this.exitCode = exitCode;
    }

    /** @return the exit code of {@code VerifyCommand} for this verdict */
    public int exitCode() {
      return exitCode;
    }
  }

  /** @return the verdict */
  Status status();

  /** @return what was read */
  Summary summary();

  /** @return one or two sentences for people, printable ASCII */
  String describe();

  /**
   * The verdict as one JSON object (ASCII only): {@code status}, {@code exit_code}, {@code description}, what was read
   * ({@code files}, {@code records}, {@code last_seq}, {@code last_hash}, {@code checkpoints}, {@code log},
   * {@code last_checkpoint}) and the fields of the verdict ({@code seq}, {@code location}, {@code reason} for
   * TAMPERED; {@code unverified_records}, {@code first_unverified_seq}, {@code oldest_unverified}, {@code age} for
   * UNVERIFIED_TAIL; {@code reason}, {@code remembered} for ROLLBACK; {@code last_checkpoint_time}, {@code age},
   * {@code max_staleness} for STALE; {@code location}, {@code torn_bytes}, {@code complete_record},
   * {@code unverified_records} for TORN_TAIL). Durations are ISO-8601.
   *
   * @return the JSON, without a trailing line feed
   */
  default String toJson() {
    return VerificationJson.resultToJson(this);
  }

  /**
   * What to remember for the next verification (the head of the log now: for TORN_TAIL, the last complete record),
   * for verdicts that do not indicate tampering or rollback.
   *
   * @return the state, or empty for TAMPERED and ROLLBACK
   */
  default Optional<VerifiedState> newState() {
    return Optional.empty();
  }

  /**
   * What the verifier read.
   *
   * @param files the files, in chain order
   * @param records how many records were read and chained before the verdict (all, unless TAMPERED)
   * @param lastSeq the sequence number of the last record read (0: none)
   * @param lastHash the hash of that record (64 zeros: none)
   * @param checkpoints how many valid checkpoints the log holds (up to the first problem)
   * @param lastCheckpoint the last valid checkpoint in the log
   * @param logId the log's id, from its checkpoints
   * @param verifiedAt when the verification ran (the verifier's clock)
   */
  record Summary(List<String> files, long records, long lastSeq, String lastHash, long checkpoints,
      Optional<Checkpoint> lastCheckpoint, Optional<String> logId, Instant verifiedAt) {
    /**
     * Copies the file list.
     *
     * @param files see the record description
     * @param records see the record description
     * @param lastSeq see the record description
     * @param lastHash see the record description
     * @param checkpoints see the record description
     * @param lastCheckpoint see the record description
     * @param logId see the record description
     * @param verifiedAt see the record description
     */
    public Summary {
      files = List.copyOf(files);
      Objects.requireNonNull(lastHash, "lastHash cannot be null");
      Objects.requireNonNull(lastCheckpoint, "lastCheckpoint cannot be null");
      Objects.requireNonNull(logId, "logId cannot be null");
      Objects.requireNonNull(verifiedAt, "verifiedAt cannot be null");
    }

    String text() {
      String cp = lastCheckpoint.map(c -> ", " + checkpoints + (checkpoints == 1 ? " checkpoint" : " checkpoints")
          + "; the last covers seq " + c.seq() + ", signed " + c.time() + " by " + c.keyId()).orElse(", no checkpoint");
      return records + (records == 1 ? " record in " : " records in ") + files.size()
          + (files.size() == 1 ? " file" : " files") + (lastSeq > 0 ? " (seq 1.." + lastSeq + ")" : "") + cp
          + logId.map(id -> ", log " + Text.quote(id)).orElse("");
    }

    VerifiedState state() {
      return new VerifiedState(logId.orElse(null), lastSeq, lastHash, verifiedAt);
    }
  }

  /**
   * Everything verified.
   *
   * @param summary what was read
   */
  record Ok(Summary summary) implements VerificationResult {
    @Override
    public Status status() {
      return Status.OK;
    }

    @Override
    public String describe() {
      return "OK: " + summary.text() + ". Every record is chained and covered by a valid checkpoint.";
    }

    @Override
    public Optional<VerifiedState> newState() {
      return Optional.of(summary.state());
    }
  }

  /**
   * The first place where verification failed.
   *
   * @param summary what was read up to there
   * @param seq the first sequence number from which the log is no longer what was written, as far as the chain
   *     shows: for an unreadable, edited or out-of-place line, its position; for a broken link (record N's prev is
   *     not the hash of record N-1), N-1, the earliest record that may have been changed; for a checkpoint that no
   *     longer matches (a consistent rewrite without the key), the first record after the previous valid checkpoint;
   *     for a cut found through the checkpoint file, the first missing record; 0 if the problem is in a checkpoint
   *     file rather than the log
   * @param location the file and line, or the checkpoint file and line
   * @param reason what is wrong, printable ASCII
   */
  record Tampered(Summary summary, long seq, String location, String reason) implements VerificationResult {
    @Override
    public Status status() {
      return Status.TAMPERED;
    }

    @Override
    public String describe() {
      return "TAMPERED at seq " + seq + " (" + location + "): " + reason;
    }
  }

  /**
   * The chain is intact, but its last records are not signed yet: they could have been changed, or more records after
   * them removed, without a trace (the writer may also have stopped before its next checkpoint).
   *
   * @param summary what was read
   * @param records how many records follow the last checkpoint
   * @param firstSeq the first of them
   * @param oldest the time of the first of them
   * @param age how long ago that was (verifier's clock)
   */
  record UnverifiedTail(Summary summary, long records, long firstSeq, Instant oldest, Duration age)
      implements VerificationResult {
    @Override
    public Status status() {
      return Status.UNVERIFIED_TAIL;
    }

    @Override
    public String describe() {
      return "UNVERIFIED_TAIL: " + summary.text() + ". The last " + (records == 1 ? "record" : records + " records")
          + " (seq " + (records == 1 ? firstSeq : firstSeq + ".." + summary.lastSeq()) + ", the oldest from " + oldest
          + ", " + age + " ago) " + (records == 1 ? "is" : "are") + " chained but not covered by a checkpoint yet.";
    }

    @Override
    public Optional<VerifiedState> newState() {
      return Optional.of(summary.state());
    }
  }

  /**
   * The log does not extend what was verified before.
   *
   * @param summary what was read
   * @param remembered the state of the earlier verification
   * @param reason what contradicts it, printable ASCII
   */
  record Rollback(Summary summary, VerifiedState remembered, String reason) implements VerificationResult {
    @Override
    public Status status() {
      return Status.ROLLBACK;
    }

    @Override
    public String describe() {
      return "ROLLBACK: " + reason;
    }
  }

  /**
   * The chain is intact, but the writer has not proved it is alive recently enough: its last checkpoint is older than
   * the maximum staleness (or there is none). Either the writer stopped, or the end of the log was cut.
   *
   * @param summary what was read
   * @param lastCheckpointTime the time of the last checkpoint, if any
   * @param age how old it is (or the age of the first record, without a checkpoint)
   * @param maxStaleness the allowed age
   */
  record Stale(Summary summary, Optional<Instant> lastCheckpointTime, Duration age, Duration maxStaleness)
      implements VerificationResult {
    @Override
    public Status status() {
      return Status.STALE;
    }

    @Override
    public String describe() {
      return "STALE: " + summary.text() + ". " + lastCheckpointTime.map(t -> "The last checkpoint was signed " + t
          + ", " + age + " ago").orElse("There is no checkpoint") + ", more than the allowed " + maxStaleness
          + ": the writer stopped, or the end of the log was removed.";
    }

    @Override
    public Optional<VerifiedState> newState() {
      return Optional.of(summary.state());
    }
  }

  /**
   * The log's last line has no line feed, and it is what a write cut short leaves: the start of a record that never
   * ends (a full disk, a crash), or a whole record missing only its line feed. Every record before it verifies as
   * usual. A warning, not tampering: nothing before it was changed as far as the chain shows, but the bytes of a
   * cut-short record cannot be checked, and a cut inside the last line looks the same. The file sink that wrote the
   * log repairs it when it writes again or reopens the log (it cuts the partial record off, or adds the missing line
   * feed) and records each cut in the chain as a {@code TORN_TAIL_RECOVERED} event.
   *
   * @param summary what was read: the records before the incomplete line (and the last record itself, when only its
   *     line feed is missing)
   * @param location the file and line of the incomplete line
   * @param bytes its length in bytes
   * @param completeRecord whether it is a whole record that verified, missing only its line feed
   * @param unverifiedRecords how many of the records read follow the last checkpoint
   */
  record TornTail(Summary summary, String location, long bytes, boolean completeRecord, long unverifiedRecords)
      implements VerificationResult {
    @Override
    public Status status() {
      return Status.TORN_TAIL;
    }

    @Override
    public String describe() {
      String unsigned = unverifiedRecords == 0 ? "" : "; " + (unverifiedRecords == 1 ? "the last record is"
          : "the last " + unverifiedRecords + " records are") + " not covered by a checkpoint yet";
      return "TORN_TAIL: " + summary.text() + ". " + (completeRecord
          ? "The last record (" + location + ", " + bytes + " bytes) is complete and verifies but has no line feed: "
              + "a write stopped just before it" + unsigned + ". The writer adds the line feed when it writes again."
          : "The last line (" + location + ", " + bytes + " bytes) has no line feed: a write was cut short (a full "
              + "disk or a crash), and the records before it verify" + unsigned + ". The writer cuts it off and "
              + "records the cut when it writes again or reopens the log.");
    }

    @Override
    public Optional<VerifiedState> newState() {
      return Optional.of(summary.state());
    }
  }
}
