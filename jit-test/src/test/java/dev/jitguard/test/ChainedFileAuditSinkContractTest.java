package dev.jitguard.test;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The tamper-evident JSON Lines file sink against the whole audit sink contract, read back from the file through
 * {@link AuditLogReader}; after each test the log must also verify.
 */
class ChainedFileAuditSinkContractTest extends AuditSinkContract {
  static final KeyPair KEY = AuditKeys.generate();

  @TempDir
  Path dir;

  private FileAuditSink sink;

  @Override
  protected AuditSink createSink() {
    sink = FileAuditSink.builder(dir.resolve("audit.jsonl")).withSigningKey(KEY).withCheckpointEvery(100).build();
    return sink;
  }

  @Override
  protected List<AuditEvent> recordedEvents(AuditSink sink) {
    return AuditLogReader.readEvents(((FileAuditSink) sink).file());
  }

  @AfterEach
  void closeAndVerify() {
    sink.close();
    assertThat(AuditVerifier.builder().withPublicKey(KEY.getPublic()).build().verify(sink.file()))
        .isInstanceOf(VerificationResult.Ok.class);
  }
}
