package dev.jitguard.benchmarks;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.audit.AsyncAuditSink;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.AuditJson;
import dev.jitguard.audit.AuditKeys;
import dev.jitguard.audit.FileAuditSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of the tamper-evident audit file, in events per second, next to its baselines in the same run.
 *
 * <ul>
 *   <li>{@code chainedAsyncFsync}: what the guard calls, {@code AsyncAuditSink.builder(fileSink).build()}; each call returns only once
 *       its event is written and fsynced; concurrent callers share one fsync (group commit). Chained, signed
 *       checkpoints every 1000 records.</li>
 *   <li>{@code chainedAsyncWrite}: the same with {@code Durability.WRITE} (returns after write(2), no fsync per
 *       batch).</li>
 *   <li>{@code chainedBatch100Fsync}, {@code chainedBatch1000Fsync}: the file sink alone, 100 or 1000 events per
 *       {@code recordAll} call, one fsync each (what the asynchronous wrapper does when that many callers wait).</li>
 *   <li>{@code plainJsonLinesNoFsync}: baseline, the same events as plain JSON lines (same encoder, no chain, no hash,
 *       no fsync), one write per event.</li>
 *   <li>{@code fileChannelWriteForce}: floor, one pre-encoded 300-byte line written and forced per event.</li>
 *   <li>{@code fileChannelWrite100Force}, {@code fileChannelWrite1000Force}: floors for batches, 100 or 1000
 *       pre-encoded lines written and forced once.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar jit-benchmarks/target/benchmarks.jar AuditSinkBenchmark -bm thrpt -tu s -f 1 -wi 3 -w 2s
 * -i 5 -r 2s -t 4}. Files go to a fresh directory under {@code java.io.tmpdir}, deleted after each trial.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AuditSinkBenchmark {
  static final int BATCH = 100;
  static final int BIG_BATCH = 1000;
  static final KeyPair KEY = AuditKeys.generate();
  static final AuditEvent[] EVENTS = events(1024);

  static AuditEvent[] events(int n) {
    AuditEventType[] types = {AuditEventType.REQUESTED, AuditEventType.APPROVED, AuditEventType.GRANTED,
        AuditEventType.USED, AuditEventType.CHECK_DENIED, AuditEventType.GRANT_EXPIRED};
    Instant t0 = Instant.parse("2026-11-23T09:00:00Z");
    AuditEvent[] out = new AuditEvent[n];
    for (int i = 0; i < n; i++) {
      out[i] = AuditEvent.builder(types[i % types.length], t0.plusMillis(i * 137L))
          .subject("user-" + (i % 50))
          .privilege(Privilege.of("db.prod.write"))
          .requestId(RequestId.random())
          .grantId(GrantId.random())
          .actor("approver-" + (i % 7))
          .reason(ReasonCode.APPROVED)
          .policyVersion("2026-11-01.3")
          .detail("duration", Duration.ofMinutes(30))
          .text("INC-" + (1000 + i) + ": repair order " + (4000 + i) + " stuck in PAYING, see runbook")
          .build();
    }
    return out;
  }

  /** A fresh directory per trial, deleted afterwards. */
  abstract static class Dir {
    Path dir;

    void createDir() throws IOException {
      dir = Files.createTempDirectory("jitguard-audit-bench");
    }

    void deleteDir() throws IOException {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Each thread cycles through the prepared events. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    AuditEvent event() {
      return EVENTS[next++ & (EVENTS.length - 1)];
    }

    List<AuditEvent> batch(int size) {
      int from = (next += size) & (EVENTS.length - 1);
      return from + size <= EVENTS.length ? Arrays.asList(EVENTS).subList(from, from + size)
          : Arrays.asList(EVENTS).subList(0, size);
    }
  }

  static FileAuditSink.Builder fileSink(Path dir) {
    return FileAuditSink.builder(dir.resolve("audit.jsonl")).withSigningKey(KEY).withCheckpointEvery(1000)
        .withMaxFileSize(64L * 1024 * 1024).withoutBackgroundHeartbeat();
  }

  /** The group-commit wrapper over the chained file, fsync per batch. */
  @State(Scope.Benchmark)
  public static class AsyncFsync extends Dir {
    AsyncAuditSink sink;

    @Setup(Level.Trial)
    public void open() throws IOException {
      createDir();
      sink = AsyncAuditSink.builder(fileSink(dir).build()).withQueueCapacity(65_536).withMaxBatchSize(4096).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      sink.close();
      deleteDir();
    }
  }

  /** The group-commit wrapper over the chained file, written to the OS without fsync per batch. */
  @State(Scope.Benchmark)
  public static class AsyncWrite extends Dir {
    AsyncAuditSink sink;

    @Setup(Level.Trial)
    public void open() throws IOException {
      createDir();
      sink = AsyncAuditSink.builder(fileSink(dir).withDurability(FileAuditSink.Durability.WRITE).build())
          .withQueueCapacity(65_536).withMaxBatchSize(4096).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      sink.close();
      deleteDir();
    }
  }

  /** The chained file sink called directly with batches. */
  @State(Scope.Benchmark)
  public static class Direct extends Dir {
    FileAuditSink sink;

    @Setup(Level.Trial)
    public void open() throws IOException {
      createDir();
      sink = fileSink(dir).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      sink.close();
      deleteDir();
    }
  }

  /** A plain file channel for the baselines. */
  @State(Scope.Benchmark)
  public static class Plain extends Dir {
    FileChannel channel;
    byte[] line;
    byte[] hundredLines;
    byte[] thousandLines;

    @Setup(Level.Trial)
    public void open() throws IOException {
      createDir();
      channel = FileChannel.open(dir.resolve("plain.jsonl"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
      line = (AuditJson.toJson(EVENTS[0]) + "\n").getBytes(StandardCharsets.US_ASCII);
      hundredLines = repeat(line, BATCH);
      thousandLines = repeat(line, BIG_BATCH);
    }

    static byte[] repeat(byte[] line, int n) {
      byte[] out = new byte[line.length * n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(line, 0, out, i * line.length, line.length);
      }
      return out;
    }

    synchronized void write(byte[] bytes, boolean force) {
      try {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          channel.write(b);
        }
        if (force) {
          channel.force(false);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      channel.close();
      deleteDir();
    }
  }

  @Benchmark
  public void chainedAsyncFsync(AsyncFsync s, Cursor c) {
    s.sink.record(c.event());
  }

  @Benchmark
  public void chainedAsyncWrite(AsyncWrite s, Cursor c) {
    s.sink.record(c.event());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void chainedBatch100Fsync(Direct s, Cursor c) {
    s.sink.recordAll(c.batch(BATCH));
  }

  @Benchmark
  @OperationsPerInvocation(BIG_BATCH)
  public void chainedBatch1000Fsync(Direct s, Cursor c) {
    s.sink.recordAll(c.batch(BIG_BATCH));
  }

  @Benchmark
  public void plainJsonLinesNoFsync(Plain s, Cursor c) {
    s.write((AuditJson.toJson(c.event()) + "\n").getBytes(StandardCharsets.US_ASCII), false);
  }

  @Benchmark
  public void fileChannelWriteForce(Plain s) {
    s.write(s.line, true);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void fileChannelWrite100Force(Plain s) {
    s.write(s.hundredLines, true);
  }

  @Benchmark
  @OperationsPerInvocation(BIG_BATCH)
  public void fileChannelWrite1000Force(Plain s) {
    s.write(s.thousandLines, true);
  }
}
