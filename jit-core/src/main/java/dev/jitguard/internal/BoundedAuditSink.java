package dev.jitguard.internal;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.spi.AuditSink;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The audit sink with a bound: each record is handed to a small pool of threads and waited for at most the configured
 * time, so a sink that hangs makes the guard deny (fail closed) instead of hanging every caller, plain checks
 * included. The caller still returns only once its own record is recorded, or failed. A call past the bound is
 * cancelled (its thread interrupted); while every pool thread is stuck in the sink, new records fail at once.
 *
 * <p>Thread-safe.
 */
final class BoundedAuditSink implements AuditSink {
  /** Most threads that may be inside the sink at once. */
  static final int MAX_THREADS = 16;

  private final AuditSink sink;
  private final Duration bound;
  private final ThreadPoolExecutor pool;

  BoundedAuditSink(AuditSink sink, Duration bound) {
    this.sink = sink;
    this.bound = bound;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(0, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "jitguard-audit-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void record(AuditEvent event) {
    Future<?> call;
    try {
      call = pool.submit(() -> sink.record(event));
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("the audit sink did not answer " + MAX_THREADS + " calls still waiting in it; "
          + "denied (fail closed)", e);
    }
    try {
      call.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new IllegalStateException("the audit sink did not answer within " + bound + "; denied (fail closed). "
          + "Raise PrivilegeGuard.Builder.withAuditTimeout(..) if the sink is only slow", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("the audit sink failed", cause);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the audit sink recorded a " + event.type() + " event", e);
    }
  }

  /** Stops the pool's idle threads; calls still in the sink end with it. */
  void close() {
    pool.shutdown();
  }
}
