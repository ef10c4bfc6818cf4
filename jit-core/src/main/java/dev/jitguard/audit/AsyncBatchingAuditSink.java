package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.spi.BatchAuditSink;
import dev.jitguard.spi.AuditSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The {@link AsyncAuditSink}: an {@link ArrayBlockingQueue}, one writer thread, one future per event. */
final class AsyncBatchingAuditSink implements AsyncAuditSink {
  private static final long POLL_MILLIS = 50;

  private final AuditSink delegate;
  private final int capacity;
  private final int maxBatch;
  private final Duration enqueueTimeout;
  private final Duration writeTimeout;
  private final boolean closeDelegate;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean closed;

  private static final class Pending {
    final AuditEvent event;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Pending(AuditEvent event) {
      this.event = event;
    }
  }

  AsyncBatchingAuditSink(AsyncAuditSink.Builder b) {
    this.delegate = b.delegate;
    this.capacity = b.queueCapacity != 0 ? b.queueCapacity : 8192;
    this.maxBatch = b.maxBatchSize != 0 ? b.maxBatchSize : 1024;
    this.enqueueTimeout = b.enqueueTimeout != null ? b.enqueueTimeout : Duration.ofSeconds(1);
    this.writeTimeout = b.writeTimeout != null ? b.writeTimeout : Duration.ofSeconds(30);
    this.closeDelegate = b.closeDelegate == null || b.closeDelegate;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = new Thread(this::drainLoop, "jitguard-audit-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  @Override
  public void record(AuditEvent event) {
    Pending p = new Pending(java.util.Objects.requireNonNull(event, "event cannot be null"));
    if (closed) {
      throw closedException();
    }
    boolean queued;
    try {
      queued = queue.offer(p, enqueueTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for room in the audit queue; the event was not "
          + "recorded", e);
    }
    if (!queued) {
      throw new RejectedExecutionException(String.format(Locale.ROOT, "the audit queue is full (%d events waiting) "
          + "and stayed full for %s; the %s event was not recorded, so the guard denies. The audit destination is "
          + "too slow or stuck: check it, or raise queueCapacity or enqueueTimeout", capacity, enqueueTimeout,
          event.type()));
    }
    if (closed && queue.remove(p)) {
      // close() began before this event arrived and the writer had not taken it: it is not recorded
      throw closedException();
    }
    try {
      p.done.get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException("the audit sink failed to record a " + event.type() + " event: " + cause,
          cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the audit sink did not record a " + event.type() + " event within "
          + writeTimeout + "; the guard denies (the event may still be written later)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the audit record to be written", e);
    }
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("the asynchronous audit sink is closed; the event was not recorded");
  }

  private void drainLoop() {
    List<Pending> batch = new ArrayList<>(maxBatch);
    while (true) {
      Pending first;
      try {
        first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // only close() could interrupt, and it does not: keep draining
        continue;
      }
      if (first == null) {
        if (closed && queue.isEmpty()) {
          return;
        }
        continue;
      }
      batch.add(first);
      queue.drainTo(batch, maxBatch - 1);
      write(batch);
      batch.clear();
    }
  }

  private void write(List<Pending> batch) {
    try {
      if (delegate instanceof BatchAuditSink b) {
        List<AuditEvent> events = new ArrayList<>(batch.size());
        for (Pending p : batch) {
          events.add(p.event);
        }
        b.recordAll(events);
        for (Pending p : batch) {
          p.done.complete(null);
        }
      } else {
        for (Pending p : batch) {
          try {
            delegate.record(p.event);
            p.done.complete(null);
          } catch (RuntimeException e) {
            p.done.completeExceptionally(e);
          }
        }
      }
    } catch (RuntimeException | Error e) {
      for (Pending p : batch) {
        p.done.completeExceptionally(e);
      }
      if (e instanceof Error err) {
        throw err;
      }
    }
  }

  @Override
  public int queued() {
    return queue.size();
  }

  @Override
  public void close() {
    if (closed && !writer.isAlive()) {
      return;
    }
    closed = true;
    try {
      writer.join(writeTimeout.toMillis() + 2 * POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while draining the audit queue", e);
    }
    if (writer.isAlive()) {
      throw new IllegalStateException("the audit queue was not drained within " + writeTimeout + " ("
          + queue.size() + " events left); the delegate is stuck");
    }
    if (closeDelegate && delegate instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("closing the audit sink behind the queue failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "AsyncAuditSink[" + delegate + ", " + queue.size() + "/" + capacity + " queued]";
  }
}
