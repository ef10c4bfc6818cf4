package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.spi.BatchAuditSink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The asynchronous group-commit wrapper: durability per caller, full queue, clean close, batches. */
@Timeout(60)
class AsyncAuditSinkTest {
  static final Instant T0 = FileAuditSinkTest.T0;

  @TempDir
  Path dir;

  final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopPool() throws Exception {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** A batch sink that blocks until released and remembers its batches. */
  static final class GateSink implements BatchAuditSink, AutoCloseable {
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    final List<AuditEvent> recorded = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    volatile RuntimeException failure;

    @Override
    public void recordAll(List<AuditEvent> events) {
      entered.countDown();
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (failure != null) {
        throw failure;
      }
      batches.add(events.size());
      recorded.addAll(events);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static AuditEvent event(int i) {
    return AuditEvent.builder(AuditEventType.USED, T0).subject("alice").text("event " + i).build();
  }

  /** Waits without sleeping for a condition another thread makes true. */
  static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within 30 s");
      }
      Thread.onSpinWait();
    }
  }

  Future<?> recordInBackground(AuditSink sink, AuditEvent e) {
    return pool.submit(() -> sink.record(e));
  }

  @Test
  void recordWhenEightThreadsThenEveryEventInTheFileOnceAndChainValid() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AsyncAuditSink sink = AsyncAuditSink.builder(FileAuditSink.builder(file).withSigningKey(FileAuditSinkTest.KEY)
        .withoutBackgroundHeartbeat().build()).build();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < 500; i++) {
          sink.record(event(thread * 1000 + i));
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    sink.close();

    List<AuditEvent> events = AuditLogReader.readEvents(file);
    assertThat(events).hasSize(4000);
    assertThat(events.stream().map(e -> e.text().orElseThrow()).distinct().count()).isEqualTo(4000);
    assertThat(AuditVerifier.builder().withPublicKey(FileAuditSinkTest.KEY.getPublic()).build().verify(file))
        .isInstanceOf(VerificationResult.Ok.class);
  }

  /**
   * Closing while eight threads keep recording: every call that returned is in the log, nothing is in the log twice,
   * and a call refused because of the close left nothing behind.
   */
  @Test
  void closeWhileRecordingThenEveryAcceptedEventIsInTheLogAndRefusedOnesAreNot() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AsyncAuditSink sink = AsyncAuditSink.builder(FileAuditSink.builder(file).build()).withMaxBatchSize(64).build();
    Set<String> returned = ConcurrentHashMap.newKeySet();
    Set<String> refused = ConcurrentHashMap.newKeySet();
    CountDownLatch started = new CountDownLatch(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; ; i++) {
          AuditEvent e = event(thread * 1_000_000 + i);
          try {
            sink.record(e);
            returned.add(e.text().orElseThrow());
          } catch (IllegalStateException closed) {
            refused.add(e.text().orElseThrow());
            return null;
          }
          if (i == 20) {
            started.countDown();
          }
        }
      }));
    }
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    sink.close();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }

    List<String> inLog = AuditLogReader.readEvents(file).stream().map(e -> e.text().orElseThrow()).toList();
    assertThat(new HashSet<>(inLog)).hasSameSizeAs(inLog).containsAll(returned).doesNotContainAnyElementsOf(refused);
    assertThat(refused).hasSize(8);
    assertThat(inLog.size()).isEqualTo(returned.size());
  }

  /** Full queue: the caller waits at most the enqueue timeout, then gets an exception (and the guard denies). */
  @Test
  void recordWhenQueueFullThenThrowsAfterTheEnqueueTimeout() throws Exception {
    GateSink delegate = new GateSink();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).withQueueCapacity(2).withMaxBatchSize(1)
        .withEnqueueTimeout(Duration.ofMillis(50)).build();
    Future<?> first = recordInBackground(sink, event(1));
    await(() -> delegate.entered.getCount() == 0);            // taken by the writer, stuck in the delegate
    Future<?> second = recordInBackground(sink, event(2));
    Future<?> third = recordInBackground(sink, event(3));
    await(() -> sink.queued() == 2);

    long start = System.nanoTime();
    assertThatThrownBy(() -> sink.record(event(4))).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("audit queue is full (2 events waiting)").hasMessageContaining("PT0.05S")
        .hasMessageContaining("guard denies");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));

    delegate.gate.countDown();
    first.get(30, TimeUnit.SECONDS);
    second.get(30, TimeUnit.SECONDS);
    third.get(30, TimeUnit.SECONDS);
    sink.close();
    assertThat(delegate.recorded).extracting(e -> e.text().orElseThrow())
        .containsExactlyInAnyOrder("event 1", "event 2", "event 3").first().isEqualTo("event 1");
  }

  @Test
  void requestWhenAuditQueueFullThenGuardDeniesWithAuditFailure() throws Exception {
    GateSink delegate = new GateSink();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).withQueueCapacity(1).withMaxBatchSize(1)
        .withEnqueueTimeout(Duration.ZERO).build();
    Future<?> stuck = recordInBackground(sink, event(1));
    await(() -> delegate.entered.getCount() == 0);
    Future<?> waiting = recordInBackground(sink, event(2));
    await(() -> sink.queued() == 1);
    Policy policy = Policy.builder().version("v1").privilege("db.prod.write", r -> r.eligibleGroups("developers")
        .approverGroups("dba").approvals(1)).build();
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withAuditSink(sink)
        .withoutBackgroundMaintenance().build()) {

      Decision d = guard.request(ElevationRequest.builder(Subject.of("alice", "developers"),
          Privilege.of("db.prod.write")).justification("INC-42: repair the orders table").build());

      assertThat(d).isInstanceOfSatisfying(Decision.Denied.class,
          denied -> assertThat(denied.reason()).isEqualTo(ReasonCode.AUDIT_FAILURE));
      delegate.gate.countDown();
      stuck.get(30, TimeUnit.SECONDS);
      waiting.get(30, TimeUnit.SECONDS);
    }
    sink.close();
  }

  /** Group commit: callers that queue while a batch is written share the next batch (one write, one fsync). */
  @Test
  void recordWhenCallersQueueDuringAWriteThenTheyShareTheNextBatch() throws Exception {
    GateSink delegate = new GateSink();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).build();
    Future<?> first = recordInBackground(sink, event(0));
    await(() -> delegate.entered.getCount() == 0);
    List<Future<?>> rest = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      rest.add(recordInBackground(sink, event(i)));
    }
    await(() -> sink.queued() == 10);

    assertThatThrownBy(() -> rest.get(0).get(20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    delegate.gate.countDown();
    first.get(30, TimeUnit.SECONDS);
    for (Future<?> f : rest) {
      f.get(30, TimeUnit.SECONDS);
    }

    assertThat(delegate.batches).containsExactly(1, 10);
    sink.close();
    assertThat(delegate.closed).isTrue();
  }

  @Test
  void recordWhenDelegateFailsThenEveryCallerOfTheBatchGetsTheFailure() {
    GateSink delegate = new GateSink();
    delegate.failure = new IllegalStateException("disk full");
    delegate.gate.countDown();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).build();

    assertThatThrownBy(() -> sink.record(event(1))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failed to record a USED event").hasRootCauseMessage("disk full");
    sink.close();
  }

  @Test
  void recordWhenDelegateTooSlowThenThrowsAfterTheWriteTimeout() throws Exception {
    GateSink delegate = new GateSink();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).withWriteTimeout(Duration.ofMillis(30)).build();

    assertThatThrownBy(() -> sink.record(event(1))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("within PT0.03S");
    delegate.gate.countDown();
    sink.close();
    assertThat(delegate.recorded).hasSize(1); // written later: recorded but denied, the safe direction
  }

  @Test
  void recordWhenNotABatchSinkThenOneByOne() {
    InMemoryAuditSink memory = new InMemoryAuditSink();
    AsyncAuditSink sink = AsyncAuditSink.builder(memory).build();
    for (int i = 0; i < 5; i++) {
      sink.record(event(i));
    }
    sink.close();

    assertThat(memory.events()).extracting(e -> e.text().orElseThrow())
        .containsExactly("event 0", "event 1", "event 2", "event 3", "event 4");
  }

  @Test
  void recordWhenClosedThenThrowsAndCloseIsIdempotent() {
    GateSink delegate = new GateSink();
    delegate.gate.countDown();
    AsyncAuditSink sink = AsyncAuditSink.builder(delegate).withCloseDelegate(false).build();
    sink.record(event(1));
    sink.close();
    sink.close();

    assertThatThrownBy(() -> sink.record(event(2))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(delegate.closed).isFalse();
  }

  @Test
  void builderWhenOutOfRangeOrSetTwiceThenRefused() {
    AsyncAuditSink.Builder b = AsyncAuditSink.builder(new InMemoryAuditSink());
    assertThatThrownBy(() -> b.withQueueCapacity(0)).hasMessageContaining("queueCapacity must be between 1");
    assertThatThrownBy(() -> b.withEnqueueTimeout(Duration.ofMinutes(11))).hasMessageContaining("PT10M");
    b.withMaxBatchSize(10);
    assertThatThrownBy(() -> b.withMaxBatchSize(20)).hasMessage("maxBatchSize was already set to 10");
  }
}
