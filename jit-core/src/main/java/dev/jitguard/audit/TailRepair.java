package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs the end of the active log file that a failed write left, before the sink continues its chain: a record cut
 * short (no line feed, classified {@linkplain LastLine.Kind#TORN torn}) is cut off, a whole record missing only its
 * line feed gets it; complete records are never removed, and anything else is refused as damage. Keeps the cuts until
 * the sink has recorded them in the chain.
 *
 * <p>Two moments: after a write of this sink failed, it knows the offset where its last complete write ended and the
 * bytes it was writing, so the file beyond that offset must be a prefix of those bytes ({@link #afterFailedWrite});
 * when a sink opens a file another process left, only the {@link LastLine} rule applies ({@link #onOpen}). Not
 * thread-safe: the sink's lock guards it.
 */
final class TailRepair {
  private static final Logger LOG = LoggerFactory.getLogger(TailRepair.class);
  private static final byte[] NOTHING = new byte[0];

  /** The {@code found} value of a cut found after this sink's own write failed. */
  static final String AFTER_FAILED_WRITE = "after_failed_write";
  /** The {@code found} value of a cut found when the sink opened the file. */
  static final String ON_OPEN = "on_open";

  private final Path file;
  private final LogChannels channels;
  /** A write failed: the file's end is to be repaired before the next append. */
  private boolean due;
  /** Where the last complete write to the active file ended when the write failed. */
  private long goodOffset;
  /** What the failed write was writing from {@link #goodOffset}. */
  private byte[] unconfirmed = NOTHING;
  /** The failed write carried only this sink's records of earlier cuts (they are written again, not cut twice). */
  private boolean onlyRecordsOfCuts;
  /** Cuts made and not yet recorded in the chain (the record of a cut can itself fail to be written). */
  private final List<Cut> unrecorded = new ArrayList<>();

  /**
   * @param file the active log file
   * @param channels how to open it for the repair
   */
  TailRepair(Path file, LogChannels channels) {
    this.file = file;
    this.channels = channels;
  }

  /**
   * Notes a failed write. Only the first failure since the last repair counts: later ones (the repair itself failing)
   * keep the good offset and the bytes of the write that left the end to repair. A write that fails while cuts wait to
   * be recorded is the write of their records (the sink writes them first, on their own).
   *
   * @param written where the last complete write to the active file ended ({@link AuditLogFile#written()})
   * @param buffer what the failed write was writing from there (or nothing, if it failed before or after writing)
   */
  void writeFailed(long written, LineBuffer buffer) {
    if (!due) {
      due = true;
      goodOffset = written;
      unconfirmed = Arrays.copyOf(buffer.array(), buffer.size());
      onlyRecordsOfCuts = !unrecorded.isEmpty();
    }
  }

  /** @return whether a write failed and the file's end is not repaired yet */
  boolean due() {
    return due;
  }

  /**
   * Repairs what the failed write left (see {@link #afterFailedWrite(Path, long, byte[], LogChannels)}); may run
   * again if what follows fails. Call {@link #done()} once the chain's head was read back from the repaired file. A
   * cut of nothing but this sink's own records of earlier cuts is not added: those cuts are still waiting and their
   * records are written again in full, so a disk that stays full does not make the list grow.
   *
   * @throws IllegalStateException if the file is not what this sink wrote
   * @throws IOException if the file cannot be read or repaired (the disk may still be full)
   */
  void repairAfterFailedWrite() throws IOException {
    Cut cut = afterFailedWrite(file, goodOffset, unconfirmed, channels);
    if (!onlyRecordsOfCuts) {
      add(cut);
    }
  }

  /** The repair is complete: the next failure is a new one. */
  void done() {
    due = false;
    unconfirmed = NOTHING;
    onlyRecordsOfCuts = false;
  }

  /**
   * Repairs the end of the file a sink is opening (see {@link #onOpen(Path, LogChannels)}).
   *
   * @throws IllegalStateException if the end is damaged
   * @throws IOException if the file cannot be read or repaired
   */
  void repairOnOpen() throws IOException {
    add(onOpen(file, channels));
  }

  private void add(@Nullable Cut cut) {
    if (cut != null) {
      unrecorded.add(cut);
    }
  }

  /** @return the cuts not yet recorded in the chain, oldest first */
  List<Cut> unrecorded() {
    return List.copyOf(unrecorded);
  }

  /** The cuts returned by {@link #unrecorded()} are in the chain now, forced. */
  void recorded() {
    unrecorded.clear();
  }

  /**
   * Bytes cut off the end of the log: the evidence the sink records in the chain.
   *
   * @param file the file name (without its directory)
   * @param offset where the file now ends: the end of its last complete record
   * @param bytes how many bytes were removed
   * @param sha256 the SHA-256 of the removed bytes, lowercase hex
   * @param found {@link #AFTER_FAILED_WRITE} or {@link #ON_OPEN}
   */
  record Cut(String file, long offset, int bytes, String sha256, String found) {
    /** @return the event that records this cut in the chain */
    AuditEvent toEvent(Instant now) {
      return AuditEvent.builder(AuditEventType.TORN_TAIL_RECOVERED, now).actor("system").detail("file", file)
          .detail("offset", offset).detail("bytes_removed", bytes).detail("sha256", sha256).detail("found", found)
          .build();
    }
  }

  /**
   * Repairs the end of a file this sink was writing when a write failed.
   *
   * @param file the active file
   * @param goodOffset where the sink's last complete write to it ended (0 after a rotation)
   * @param unconfirmed the bytes the failed write was writing from there
   * @param channels how to open the file for the repair
   * @return the cut, or null if nothing was removed
   * @throws IllegalStateException if the file is not what this sink wrote: shorter than the good offset, longer than
   *     the failed write, different bytes, or an end that is not a torn record
   * @throws IOException if the file cannot be read or repaired (the disk may still be full: try again later)
   */
  private static @Nullable Cut afterFailedWrite(Path file, long goodOffset, byte[] unconfirmed, LogChannels channels)
      throws IOException {
    if (!Files.exists(file)) {
      if (goodOffset == 0) {
        return null; // a rotation moved the file away and could not start the next one
      }
      throw damaged(file, 0, "the file is gone, but this sink had written " + goodOffset + " bytes to it");
    }
    try (FileChannel ch = channels.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size < goodOffset) {
        throw damaged(file, size, "the file is " + size + " bytes long, shorter than the " + goodOffset
            + " bytes this sink had written");
      }
      if (size - goodOffset > unconfirmed.length) {
        throw damaged(file, goodOffset, (size - goodOffset) + " bytes follow the last complete write, more than the "
            + unconfirmed.length + " bytes the failed write was writing");
      }
      int n = (int) (size - goodOffset);
      byte[] b = read(ch, goodOffset, n);
      int differs = Arrays.mismatch(b, 0, n, unconfirmed, 0, n);
      if (differs >= 0) {
        throw damaged(file, goodOffset + differs, "the bytes after the last complete write are not the ones the "
            + "failed write was writing");
      }
      if (n == 0 || b[n - 1] == '\n') {
        return null;
      }
      int start = lastLineFeed(b, n) + 1;
      return repair(ch, file, goodOffset + start, b, start, n - start, AFTER_FAILED_WRITE);
    }
  }

  /**
   * Repairs the end of a file a sink is opening, left by an earlier writer.
   *
   * @param file the active file
   * @param channels how to open the file for the repair
   * @return the cut, or null if nothing was removed
   * @throws IllegalStateException if the last line has no line feed and is not a torn or unterminated record
   * @throws IOException if the file cannot be read or repaired
   */
  private static @Nullable Cut onOpen(Path file, LogChannels channels) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return null;
    }
    try (FileChannel ch = channels.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      int window = (int) Math.min(size, AuditJson.MAX_LINE_BYTES + 1L);
      byte[] b = read(ch, size - window, window);
      if (window == 0 || b[window - 1] == '\n') {
        return null;
      }
      int start = lastLineFeed(b, window) + 1;
      if (start == 0 && size > window) {
        throw damaged(file, size - window, "its last line has no line feed and is longer than "
            + AuditJson.MAX_LINE_BYTES + " bytes");
      }
      return repair(ch, file, size - window + start, b, start, window - start, ON_OPEN);
    }
  }

  private static @Nullable Cut repair(FileChannel ch, Path file, long at, byte[] b, int off, int len, String found)
      throws IOException {
    LastLine.Kind kind = LastLine.classify(b, off, len);
    if (kind == LastLine.Kind.DAMAGED) {
      throw damaged(file, at, "its last line has no line feed and is " + LastLine.describe(kind));
    }
    if (kind == LastLine.Kind.UNTERMINATED) {
      ByteBuffer lf = ByteBuffer.wrap(new byte[] {'\n'});
      while (lf.hasRemaining()) {
        ch.write(lf, at + len);
      }
      ch.force(false);
      LOG.warn("the last record of audit log '{}' (at byte {}) was complete but had no line feed; added it", file,
          at);
      return null;
    }
    ch.truncate(at);
    ch.force(false);
    String sha = Chain.hex(Chain.sha256().digest(Arrays.copyOfRange(b, off, off + len)));
    LOG.warn("removed the torn end of audit log '{}': {} bytes after byte {} (SHA-256 {}), a record a failed write "
        + "cut short; the removal is recorded in the chain", file, len, at, sha);
    return new Cut(file.getFileName().toString(), at, len, sha, found);
  }

  private static int lastLineFeed(byte[] b, int n) {
    int i = n - 1;
    while (i >= 0 && b[i] != '\n') {
      i--;
    }
    return i;
  }

  private static byte[] read(FileChannel ch, long from, int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (ch.read(buf, from + buf.position()) < 0) {
        throw new EOFException("the file ended while reading " + n + " bytes from byte " + from);
      }
    }
    return buf.array();
  }

  private static IllegalStateException damaged(Path file, long at, String why) {
    return new IllegalStateException("the audit log '" + file + "' has a damaged end near byte " + at + ": " + why
        + ". The sink repairs only a record that a failed write cut short, and does not append to a damaged chain: "
        + "verify the log (VerifyCommand), keep the file as evidence, and move it aside");
  }
}
