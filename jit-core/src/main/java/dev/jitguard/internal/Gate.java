package dev.jitguard.internal;

/** Whether the guard is open: closed by {@code close()}, after which only revocation and reads proceed. */
final class Gate {
  private volatile boolean closed;

  boolean isClosed() {
    return closed;
  }

  /** Closes the gate; true the first time. */
  synchronized boolean close() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /** Refuses an operation that gives access on a closed guard. */
  void ensureOpen(String action) {
    if (closed) {
      throw Refusals.closed(action);
    }
  }
}
