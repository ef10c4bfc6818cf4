package dev.jitguard.internal;

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
 * Calls into plug-ins with a bound: each call is handed to a small pool of threads and waited for at most the
 * configured time, so a plug-in that hangs makes the guard fail closed instead of hanging its callers. The caller
 * still returns only once the call completed, failed, or ran out of time. A call past the bound is cancelled (its
 * thread interrupted); while every pool thread is stuck, new calls fail at once.
 *
 * <p>Thread-safe.
 */
final class BoundedCalls implements AutoCloseable {
  /** Most threads that may be inside plug-ins at once. */
  static final int MAX_THREADS = 16;

  private final Duration bound;
  private final ThreadPoolExecutor pool;

  BoundedCalls(Duration bound, String threadName) {
    this.bound = bound;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(0, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs a call within the bound.
   *
   * @param what what is called, for the message ("the audit sink")
   * @param call the call
   * @throws RuntimeException the call's own exception, or an {@link IllegalStateException} if it did not complete in
   *     time, could not start, or the caller was interrupted
   */
  void run(String what, Runnable call) {
    call(what, () -> {
      call.run();
      return null;
    });
  }

  /**
   * Calls within the bound and returns the result.
   *
   * @param what what is called, for the message
   * @param call the call
   * @param <T> the result type
   * @return the call's result
   * @throws RuntimeException as {@link #run}
   */
  <T> T call(String what, java.util.function.Supplier<T> call) {
    Future<T> f;
    try {
      f = pool.submit(call::get);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException(what + " did not answer " + MAX_THREADS + " calls still waiting in it; failed "
          + "closed", e);
    }
    try {
      return f.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new IllegalStateException(what + " did not answer within " + bound + "; failed closed. Raise "
          + "PrivilegeGuard.Builder.withSpiTimeout(..) if it is only slow", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(what + " failed", cause);
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    }
  }

  /** Stops the pool's idle threads; calls still running end with it. */
  @Override
  public void close() {
    pool.shutdown();
  }
}
