package dev.jitguard.audit;

import dev.jitguard.internal.util.Text;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The running state of one verification by {@link AuditVerifier}: walks the hash chain record by record, checking
 * each line's sequence, canonical form, link to the previous record and, for a checkpoint, what it signs; the first
 * bad line is the verdict. Not thread-safe: one per verification.
 */
final class ChainWalk {
  /** The incomplete last line of the last file, when it is what a failed write leaves. */
  record TornLine(String location, long bytes, boolean completeRecord) {}

  final Instant now;
  private final @Nullable String expectedLogId;
  private final Function<Checkpoint, @Nullable String> signatureCheck;
  final List<String> files = new ArrayList<>();
  final MessageDigest sha = Chain.sha256();
  long lastSeq;
  String prevHash = Chain.GENESIS;
  long covered;
  long checkpointCount;
  @Nullable Checkpoint lastCheckpoint;
  @Nullable String logId;
  @Nullable Instant firstTime;
  @Nullable Instant tailTime;
  @Nullable AuditRecord lastRecord;
  @Nullable TornLine torn;
  final Map<Long, Checkpoint> checkpointsAt = new HashMap<>();

  ChainWalk(Instant now, @Nullable String expectedLogId, Function<Checkpoint, @Nullable String> signatureCheck) {
    this.now = now;
    this.expectedLogId = expectedLogId;
    this.signatureCheck = signatureCheck;
  }

  /**
   * Checks one line and makes it the head; a verdict if it is bad. An incomplete last line of the last file is
   * noted as {@link #torn} when {@link LastLine} says a failed write left it: not counted if cut short, checked as a
   * record if only its line feed is missing.
   */
  @Nullable VerificationResult line(String file, LogLines lines, boolean lastFile) {
    long expected = lastSeq + 1;
    String where = file + " line " + lines.number();
    if (!lines.complete()) {
      if (!lastFile) {
        return tampered(expected, where, "the file ends inside a record (no line feed), but the log goes on in "
            + "another file: the file was cut, or the files were mixed up");
      }
      LastLine.Kind kind = lines.tooLong() ? LastLine.Kind.DAMAGED : LastLine.classify(lines.bytes(), 0,
          lines.length());
      if (kind == LastLine.Kind.DAMAGED) {
        return tampered(expected, where, "the last line has no line feed and is " + LastLine.describe(kind));
      }
      torn = new TornLine(where, lines.length(), kind == LastLine.Kind.UNTERMINATED);
      if (kind == LastLine.Kind.TORN) {
        return null;
      }
    }
    if (lines.tooLong()) {
      return tampered(expected, where, "the line is longer than " + AuditJson.MAX_LINE_BYTES + " bytes");
    }
    byte[] b = lines.bytes();
    int len = lines.length();
    AuditRecord r;
    try {
      r = AuditJson.readRecord(b, 0, len);
    } catch (AuditFormatException e) {
      return tampered(expected, where, "not a valid record: " + e.getMessage());
    }
    if (r.seq() != expected) {
      return tampered(expected, where, r.seq() < expected
          ? "found seq " + r.seq() + " again where seq " + expected + " was expected: a record was duplicated, "
              + "inserted or moved"
          : "found seq " + r.seq() + " where seq " + expected + " was expected: records " + expected + ".."
              + (r.seq() - 1) + " are missing or were moved");
    }
    if (!AuditJson.isCanonical(b, 0, len, r)) {
      return tampered(expected, where, "the line is not in canonical form: it was edited");
    }
    if (!r.prev().equals(prevHash)) {
      return tampered(Math.max(1, expected - 1), where, expected == 1
          ? "the first record's prev is not 64 zeros: the start of the log was removed or the record was changed"
          : "the prev of record " + expected + " is not the hash of record " + (expected - 1) + ": record "
              + (expected - 1) + " was changed, or a record was inserted, removed or moved between them");
    }
    Instant time;
    if (r instanceof AuditRecord.CheckpointRecord cr) {
      Checkpoint c = cr.checkpoint();
      time = c.time();
      if (c.seq() != expected - 1 || !c.hash().equals(prevHash)) {
        return tampered(covered + 1, where, "the checkpoint at seq " + expected + " signs seq " + c.seq()
            + " with hash " + c.hash() + ", but the chain before it ends at seq " + (expected - 1) + " with hash "
            + prevHash + ": records " + (covered + 1) + ".." + (expected - 1) + " (after the previous valid "
            + "checkpoint) were rewritten with recomputed hashes, or the checkpoint was moved");
      }
      if (expectedLogId != null && !expectedLogId.equals(c.logId())) {
        return tampered(expected, where, "the checkpoint is for log " + Text.quote(c.logId()) + ", not "
            + Text.quote(expectedLogId));
      }
      if (logId != null && !logId.equals(c.logId())) {
        return tampered(expected, where, "the checkpoint is for log " + Text.quote(c.logId())
            + ", but earlier checkpoints name " + Text.quote(logId));
      }
      String problem = signatureCheck.apply(c);
      if (problem != null) {
        return tampered(expected, where, problem);
      }
      logId = c.logId();
      lastCheckpoint = c;
      checkpointCount++;
      covered = expected;
      tailTime = null;
    } else {
      time = ((AuditRecord.EventRecord) r).event().time();
      if (tailTime == null) {
        tailTime = time;
      }
    }
    if (firstTime == null) {
      firstTime = time;
    }
    prevHash = Chain.hash(sha, b, 0, len);
    lastSeq = expected;
    lastRecord = r;
    return null;
  }

  VerificationResult.Summary summary() {
    return new VerificationResult.Summary(files, lastSeq, lastSeq, prevHash, checkpointCount,
        Optional.ofNullable(lastCheckpoint), Optional.ofNullable(logId), now);
  }

  VerificationResult tampered(long seq, String where, String why) {
    return new VerificationResult.Tampered(summary(), seq, where, why);
  }
}
