package dev.jitguard.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;

/** Reads the first and the last record of an existing log file, checked complete, valid and canonical, for resume. */
final class LogFileEnds {
  private LogFileEnds() {}

  /** A record read back, with the hash of its line. */
  record End(AuditRecord record, String hash) {}

  /** The last record of a file, checked: complete, valid, canonical. */
  static End last(Path path, MessageDigest sha) throws IOException {
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
      return check(path, size, b, start, end - start, sha);
    }
  }

  /** The first record of a non-empty file, checked: valid, canonical. */
  static End first(Path path, MessageDigest sha) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      int window = (int) Math.min(ch.size(), AuditJson.MAX_LINE_BYTES + 1L);
      ByteBuffer buf = ByteBuffer.allocate(window);
      ch.read(buf, 0);
      byte[] b = buf.array();
      int end = 0;
      while (end < window && b[end] != '\n') {
        end++;
      }
      return check(path, 0, b, 0, end, sha);
    }
  }

  private static End check(Path path, long at, byte[] b, int off, int len, MessageDigest sha) {
    AuditRecord record;
    try {
      record = AuditJson.readRecord(b, off, len);
    } catch (AuditFormatException e) {
      throw damaged(path, at, e.getMessage());
    }
    if (!AuditJson.isCanonical(b, off, len, record)) {
      throw damaged(path, at, "the line is not in canonical form (it was edited)");
    }
    return new End(record, Chain.hash(sha, b, off, len));
  }

  private static IllegalStateException damaged(Path path, long at, String why) {
    return new IllegalStateException("the audit log '" + path + "' has a damaged record near byte " + at + ": " + why
        + ". The sink does not append to a damaged chain: verify the log (VerifyCommand), keep the file as evidence, "
        + "and move it aside");
  }

  /** When a record was made: its event's time or its checkpoint's. */
  static Instant timeOf(AuditRecord r) {
    return r instanceof AuditRecord.EventRecord e ? e.event().time()
        : ((AuditRecord.CheckpointRecord) r).checkpoint().time();
  }
}
