package dev.jitguard.audit;

import dev.jitguard.InvalidInputException;
import dev.jitguard.spi.AuditSink;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Puts a bounded queue and one writer thread in front of another sink, so that many callers share one write and one
 * fsync (group commit) while each caller still gets the {@link AuditSink} guarantee: {@link #record} returns only
 * once the batch holding its event was recorded by the delegate, durably per the delegate's own policy (for a
 * {@link FileAuditSink}: written, and forced to storage with {@link FileAuditSink.Durability#FSYNC}).
 *
 * <p><b>When the queue is full</b> {@code record} blocks for at most the {@linkplain Builder#withEnqueueTimeout
 * enqueue timeout}, then throws {@link java.util.concurrent.RejectedExecutionException}: the event is not recorded and
 * the guard denies. If the delegate does not finish the batch within the {@linkplain Builder#withWriteTimeout write
 * timeout}, or fails, {@code record} throws too (the event may still reach the log later: recorded but denied is the
 * safe direction).
 *
 * <p><b>Batches.</b> The writer takes everything queued, up to the {@linkplain Builder#withMaxBatchSize maximum batch
 * size}, and hands it to {@link dev.jitguard.spi.BatchAuditSink#recordAll} in one call (or to {@code record}, one by one, for a sink
 * that is not a batch sink). Events keep the order in which their {@code record} calls entered the queue.
 *
 * <p><b>Closing.</b> {@link #close()} stops accepting events (later calls throw), writes every event already queued,
 * waits for the writer thread, then closes the delegate if it is {@link AutoCloseable}. Nothing that was accepted is
 * lost on a clean stop, and no {@code record} call returns before its event is recorded, so a crash loses only events
 * whose callers were still waiting (and got no decision).
 */
public interface AsyncAuditSink extends AuditSink, AutoCloseable {

  /**
   * Starts a configuration.
   *
   * @param delegate the sink that does the writing; a {@link dev.jitguard.spi.BatchAuditSink} gets whole batches
   * @return the builder
   */
  static Builder builder(AuditSink delegate) {
    return new Builder(delegate);
  }

  /** @return how many events are queued and not yet handed to the delegate */
  int queued();

  /**
   * Writes what is queued, stops the writer and closes the delegate if it is {@link AutoCloseable}. Idempotent.
   *
   * @throws IllegalStateException if the queue could not be drained within the write timeout
   */
  @Override
  void close();

  /** Configures an {@link AsyncAuditSink}. Each option may be set once. Not thread-safe. */
  final class Builder {
    final AuditSink delegate;
    int queueCapacity;
    int maxBatchSize;
    @Nullable Duration enqueueTimeout;
    @Nullable Duration writeTimeout;
    @Nullable Boolean closeDelegate;

    private Builder(AuditSink delegate) {
      this.delegate = Objects.requireNonNull(delegate, "delegate cannot be null");
    }

    private static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    /**
     * How many events may wait. Defaults to 8192.
     *
     * @param capacity between 1 and 1,000,000
     * @return this builder
     */
    public Builder withQueueCapacity(int capacity) {
      if (queueCapacity != 0) {
        throw new IllegalStateException("queueCapacity was already set to " + queueCapacity);
      }
      if (capacity < 1 || capacity > 1_000_000) {
        throw new InvalidInputException("queueCapacity", "queueCapacity must be between 1 and 1000000, but was "
            + capacity);
      }
      queueCapacity = capacity;
      return this;
    }

    /**
     * The most events handed to the delegate in one batch (one fsync). Defaults to 1024.
     *
     * @param size between 1 and 100,000
     * @return this builder
     */
    public Builder withMaxBatchSize(int size) {
      if (maxBatchSize != 0) {
        throw new IllegalStateException("maxBatchSize was already set to " + maxBatchSize);
      }
      if (size < 1 || size > 100_000) {
        throw new InvalidInputException("maxBatchSize", "maxBatchSize must be between 1 and 100000, but was " + size);
      }
      maxBatchSize = size;
      return this;
    }

    /**
     * How long {@code record} waits for room in a full queue before it throws (and the guard denies). Defaults to
     * 1 second.
     *
     * @param timeout between 0 and 10 minutes; 0 throws at once when full
     * @return this builder
     */
    public Builder withEnqueueTimeout(Duration timeout) {
      once(enqueueTimeout, "enqueueTimeout");
      enqueueTimeout = check("enqueueTimeout", timeout, Duration.ZERO);
      return this;
    }

    /**
     * How long {@code record} waits for its batch to be recorded before it throws (and the guard denies). Defaults
     * to 30 seconds.
     *
     * @param timeout between 1 ms and 10 minutes
     * @return this builder
     */
    public Builder withWriteTimeout(Duration timeout) {
      once(writeTimeout, "writeTimeout");
      writeTimeout = check("writeTimeout", timeout, Duration.ofMillis(1));
      return this;
    }

    /**
     * Whether {@link AsyncAuditSink#close()} also closes the delegate (when it is {@link AutoCloseable}). Defaults to
     * true.
     *
     * @param close whether to close it
     * @return this builder
     */
    public Builder withCloseDelegate(boolean close) {
      once(closeDelegate, "closeDelegate");
      closeDelegate = close;
      return this;
    }

    private static Duration check(String name, Duration d, Duration min) {
      Objects.requireNonNull(d, name + " cannot be null");
      if (d.compareTo(min) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new InvalidInputException(name, name + " must be between " + min + " and PT10M, but was " + d);
      }
      return d;
    }

    /**
     * Starts the writer thread.
     *
     * @return the sink; close it when done
     */
    public AsyncAuditSink build() {
      return new AsyncBatchingAuditSink(this);
    }
  }
}
