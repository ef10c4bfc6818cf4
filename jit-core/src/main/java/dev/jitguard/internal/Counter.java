package dev.jitguard.internal;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * A count not yet audited: one field while uncontended, a {@link LongAdder} once two threads collided on it (so an
 * uncontended grant does not carry an adder). The check's use and denial counters extend it.
 *
 * <p>Thread-safe.
 */
abstract class Counter {
  private static final AtomicLongFieldUpdater<Counter> COUNT =
      AtomicLongFieldUpdater.newUpdater(Counter.class, "count");
  private static final AtomicReferenceFieldUpdater<Counter, LongAdder> CONTENDED =
      AtomicReferenceFieldUpdater.newUpdater(Counter.class, LongAdder.class, "contended");

  private volatile long count;
  private volatile LongAdder contended;

  /** Counts one. */
  final void increment() {
    LongAdder a = contended;
    if (a == null) {
      long c = count;
      if (COUNT.compareAndSet(this, c, c + 1)) {
        return;
      }
      CONTENDED.compareAndSet(this, null, new LongAdder());
      a = contended;
    }
    a.increment();
  }

  /** The count, reset to zero. */
  final long drain() {
    long n = COUNT.getAndSet(this, 0);
    LongAdder a = contended;
    return a == null ? n : n + a.sumThenReset();
  }

  /** Puts back a count that could not be audited. */
  final void add(long n) {
    COUNT.addAndGet(this, n);
  }

  /** The count now. */
  final long pending() {
    long n = count;
    LongAdder a = contended;
    return a == null ? n : n + a.sum();
  }
}
