package dev.jitguard.audit;

import java.io.OutputStream;
import java.util.Arrays;

/** A growable byte buffer the sinks reuse: one line or one batch of lines. */
final class LineBuffer extends OutputStream {
  private byte[] buf;
  private int size;

  LineBuffer(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  @Override
  public void close() {
    // nothing to release; generators must not close the buffer for the next line
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }

  byte[] array() {
    return buf;
  }

  int size() {
    return size;
  }

  void truncate(int newSize) {
    size = newSize;
  }

  void reset() {
    size = 0;
  }
}
