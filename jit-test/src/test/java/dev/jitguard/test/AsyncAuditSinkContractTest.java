package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.audit.AsyncAuditSink;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.AuditKeys;
import dev.jitguard.audit.AuditLogReader;
import dev.jitguard.audit.AuditVerifier;
import dev.jitguard.audit.FileAuditSink;
import dev.jitguard.audit.VerificationResult;
import dev.jitguard.spi.AuditSink;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous group-commit wrapper around the file sink against the whole audit sink contract: what a record
 * call acknowledged is in the file when the call returns, read back through {@link AuditLogReader}.
 */
class AsyncAuditSinkContractTest extends AuditSinkContract {
  static final KeyPair KEY = AuditKeys.generate();

  @TempDir
  Path dir;

  private Path file;
  private AsyncAuditSink sink;

  @Override
  protected AuditSink createSink() {
    file = dir.resolve("audit.jsonl");
    sink = AsyncAuditSink.builder(FileAuditSink.builder(file).withSigningKey(KEY).build()).build();
    return sink;
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return AuditLogReader.readEvents(file);   // no close first: record() returned, so it is in the file
  }

  @AfterEach
  void closeAndVerify() {
    sink.close();
    assertThat(AuditVerifier.builder().withPublicKey(KEY.getPublic()).build().verify(file))
        .isInstanceOf(VerificationResult.Ok.class);
  }
}
