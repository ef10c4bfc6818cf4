package dev.jitguard.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The active file of a chained audit log and its rotation: appends and forces lines, decides when the file is due to
 * rotate (by size or age), renames it to {@code <name>-<first seq, 12 digits>.<ext>}, and finds the newest rotated
 * file. Not thread-safe: the sink's lock guards it.
 */
final class AuditLogFile {
  private final Path file;
  private final Path dir;
  private final String baseName;
  private final String extension;
  private final Pattern rotatedPattern;
  private final long maxFileSize;
  private final @Nullable Duration rotationInterval;
  private final LogChannels channels;

  private @Nullable FileChannel channel;
  /**
   * Bytes written to the active file by complete writes (not counting lines still in the sink's buffer, nor what a
   * failed write left): the end of the last complete record, where a repair may cut back to.
   */
  private long bytes;
  /** The seq of the active file's first record, 0 while it has none. */
  private long firstSeq;
  private Instant startedAt;
  /** Written since the last force. */
  private boolean dirty;

  /**
   * Names the files; opens nothing.
   *
   * @param file the active file, absolute
   * @param maxFileSize the size that makes it rotate, or 0 for none
   * @param rotationInterval the age that makes it rotate, or null for none
   * @param channels how to open the file for writing
   */
  AuditLogFile(Path file, long maxFileSize, @Nullable Duration rotationInterval, LogChannels channels) {
    this.file = file;
    this.dir = file.getParent();
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    this.baseName = dot > 0 ? name.substring(0, dot) : name;
    this.extension = dot > 0 ? name.substring(dot) : "";
    this.rotatedPattern = Pattern.compile(Pattern.quote(baseName) + "-(\\d{12,19})" + Pattern.quote(extension));
    this.maxFileSize = maxFileSize;
    this.rotationInterval = rotationInterval;
    this.channels = channels;
  }

  /** @return the active file */
  Path path() {
    return file;
  }

  /** @return the file name without its extension */
  String baseName() {
    return baseName;
  }

  /** @return the bytes of the active file that complete writes put there: where its last complete record ends */
  long written() {
    return bytes;
  }

  /** @return the age that makes the file rotate, or null */
  @Nullable Duration rotationInterval() {
    return rotationInterval;
  }

  /**
   * The file whose last record the chain continues from: the active file if it has any bytes, else the newest
   * non-empty rotated file.
   *
   * @return the file, or null for a new log
   */
  @Nullable Path resumeFrom() throws IOException {
    if (Files.exists(file) && Files.size(file) > 0) {
      return file;
    }
    return latestRotated();
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

  /**
   * Opens the active file for appending, creating it if missing, and reads where it starts (its first record, checked).
   *
   * @param now the start time of a file without records
   * @param sha the digest to hash the first record with
   */
  void open(Instant now, MessageDigest sha) throws IOException {
    boolean created = !Files.exists(file);
    channel = channels.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (created) {
      forceDirectory();
    }
    bytes = channel.size();
    if (bytes > 0) {
      LogFileEnds.End first = LogFileEnds.first(file, sha);
      firstSeq = first.record().seq();
      startedAt = LogFileEnds.timeOf(first.record());
    } else {
      firstSeq = 0;
      startedAt = now;
    }
  }

  /**
   * Notes a record about to be written: if neither the file nor the {@code pending} bytes before it hold a record,
   * it is the file's first.
   */
  void noteRecord(int pending, long seq, Instant time) {
    if (bytes + pending == 0) {
      firstSeq = seq;
      startedAt = time;
    }
  }

  /** Whether a line of {@code len} bytes after {@code pending} buffered bytes would take the file past its size. */
  boolean wouldOverflow(int pending, int len) {
    return maxFileSize > 0 && bytes + pending > 0 && bytes + pending + len + 1 > maxFileSize;
  }

  /** Whether the file, holding anything (written or {@code pending}), is older than the rotation interval. */
  boolean rotationDue(Instant now, int pending) {
    return rotationInterval != null && bytes + pending > 0 && !now.isBefore(startedAt.plus(rotationInterval));
  }

  /**
   * Writes the buffer and empties it; with {@code force}, forces everything written so far to the storage device. If
   * the write fails, the buffer is left as it was and {@link #written()} does not move: part of it may be in the file.
   */
  void write(LineBuffer buffer, boolean force) throws IOException {
    FileChannel ch = openChannel();
    if (buffer.size() > 0) {
      ByteBuffer bb = ByteBuffer.wrap(buffer.array(), 0, buffer.size());
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      bytes += buffer.size();
      buffer.reset();
      dirty = true;
    }
    if (force && dirty) {
      ch.force(false);
      dirty = false;
    }
  }

  private FileChannel openChannel() throws IOException {
    if (channel == null) {
      throw new ClosedChannelException();
    }
    return channel;
  }

  /**
   * Renames the active file to its rotated name and starts a new, empty one. The caller has written and forced
   * everything first.
   */
  void rotate(Instant now) throws IOException {
    Path target = dir.resolve(String.format(Locale.ROOT, "%s-%012d%s", baseName, firstSeq, extension));
    if (Files.exists(target)) {
      throw new IllegalStateException("cannot rotate the audit log '" + file + "': '" + target + "' already exists");
    }
    openChannel().close();
    channel = null;
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    bytes = 0;
    firstSeq = 0;
    startedAt = now;
    channel = channels.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    forceDirectory();
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can force a directory; the file itself is forced
    }
  }

  /** Closes the active file, ignoring failures; {@link #open} opens it again. */
  void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (Exception ignored) {
        // best effort while failing or closing
      }
      channel = null;
    }
  }
}
