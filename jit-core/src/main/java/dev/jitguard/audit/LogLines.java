package dev.jitguard.audit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads a log as lines of bytes, each without its line feed, noting a last line that has none. */
final class LogLines implements Closeable {
  private final InputStream in;
  private final byte[] chunk = new byte[64 * 1024];
  private int chunkPos;
  private int chunkEnd;
  private byte[] line = new byte[1024];
  private int length;
  private boolean complete;
  private boolean tooLong;
  private long number;

  LogLines(InputStream in) {
    this.in = in;
  }

  /** Reads the next line; false at the end of the input. */
  boolean next() throws IOException {
    length = 0;
    tooLong = false;
    boolean any = false;
    while (true) {
      if (chunkPos == chunkEnd) {
        chunkEnd = in.read(chunk);
        chunkPos = 0;
        if (chunkEnd <= 0) {
          chunkEnd = 0;
          complete = false;
          if (any) {
            number++;
          }
          return any;
        }
      }
      any = true;
      int start = chunkPos;
      while (chunkPos < chunkEnd && chunk[chunkPos] != '\n') {
        chunkPos++;
      }
      append(start, chunkPos - start);
      if (chunkPos < chunkEnd) {
        chunkPos++;
        complete = true;
        number++;
        return true;
      }
    }
  }

  private void append(int from, int len) {
    int room = AuditJson.MAX_LINE_BYTES + 1 - length;
    if (len > room) {
      tooLong = true;
      len = Math.max(0, room);
    }
    if (length + len > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + len));
    }
    System.arraycopy(chunk, from, line, length, len);
    length += len;
  }

  byte[] bytes() {
    return line;
  }

  int length() {
    return length;
  }

  /** Whether the line ended with a line feed. */
  boolean complete() {
    return complete;
  }

  boolean tooLong() {
    return tooLong || length > AuditJson.MAX_LINE_BYTES;
  }

  /** The 1-based number of the current line. */
  long number() {
    return number;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
