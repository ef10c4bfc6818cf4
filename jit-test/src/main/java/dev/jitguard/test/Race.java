package dev.jitguard.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a body on several threads released at once, with bounded waits, for the contract suites' concurrency tests. */
final class Race {
  /** The longest any single wait may take before the test fails instead of hanging. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private Race() {}

  /** The body of one racing thread. */
  @FunctionalInterface
  interface Body {
    /**
     * Runs on one thread.
     *
     * @param thread this thread's index, 0 to threads - 1
     * @throws Exception to fail the test
     */
    void run(int thread) throws Exception;
  }

  /**
   * Runs {@code body} on {@code threads} threads released together, waits at most {@link #WAIT} for each, and fails
   * with the first real failure (a broken barrier or an interrupt in the other threads is only a consequence of it).
   *
   * @param threads how many threads
   * @param body what each runs
   * @throws Exception if a thread failed or did not finish in time
   */
  static void run(int threads, Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int thread = i;
        futures.add(pool.submit(() -> {
          ready.countDown();
          await(go);
          body.run(thread);
          return null;
        }));
      }
      await(ready);
      go.countDown();
      List<Throwable> failures = new ArrayList<>();
      for (Future<?> f : futures) {
        try {
          f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        } catch (TimeoutException e) {
          failures.add(new TimeoutException("a racing thread did not finish within " + WAIT));
          break;
        }
      }
      if (!failures.isEmpty()) {
        failures.sort((x, y) -> Boolean.compare(isConsequence(x), isConsequence(y)));
        AssertionError error = new AssertionError(failures.size() + " of " + threads + " racing threads failed; "
            + "first: " + failures.get(0), failures.get(0));
        failures.subList(1, failures.size()).forEach(error::addSuppressed);
        throw error;
      }
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("racing threads did not stop within " + WAIT);
      }
    }
  }

  /**
   * Waits at a barrier, at most {@link #WAIT}.
   *
   * @param barrier the barrier
   * @throws Exception if broken, interrupted or timed out
   */
  static void await(CyclicBarrier barrier) throws Exception {
    barrier.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits for a latch, at most {@link #WAIT}.
   *
   * @param latch the latch
   * @throws Exception if interrupted or timed out
   */
  static void await(CountDownLatch latch) throws Exception {
    if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException("latch not released within " + WAIT);
    }
  }

  private static boolean isConsequence(Throwable t) {
    return t instanceof BrokenBarrierException || t instanceof InterruptedException;
  }
}
