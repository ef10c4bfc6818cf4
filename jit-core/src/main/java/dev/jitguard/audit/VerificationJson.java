package dev.jitguard.audit;

import dev.jitguard.internal.util.Text;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/** The verifier's own JSON: the remembered verification state (written and read back) and the result report. */
final class VerificationJson {
  private VerificationJson() {}

  /** A verification state as JSON; see {@link VerifiedState#toJson()}. */
  static String stateToJson(VerifiedState s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(200);
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      if (s.logId().isPresent()) {
        g.writeStringProperty("log", s.logId().get());
      }
      g.writeNumberProperty("seq", s.seq());
      g.writeStringProperty("hash", s.hash());
      g.writeStringProperty("verified_at", s.verifiedAt().toString());
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** Reads a verification state strictly: known fields only, all required ones present. */
  static VerifiedState stateFromJson(String json) {
    byte[] b = AuditJsonReader.bytes(json);
    try (JsonParser p = AuditJson.FACTORY.createParser(ObjectReadContext.empty(), b)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new AuditFormatException("expected a JSON object, found " + p.currentToken());
      }
      boolean version = false;
      String log = null;
      long seq = -1;
      String hash = null;
      Instant at = null;
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "v" -> {
            if (AuditJsonReader.integer(p, name) != AuditJson.VERSION) {
              throw new AuditFormatException("unsupported state version; this reader knows version "
                  + AuditJson.VERSION);
            }
            version = true;
          }
          case "log" -> log = AuditJsonReader.id(p, name);
          case "seq" -> seq = AuditJsonReader.integer(p, name);
          case "hash" -> hash = AuditJsonReader.hash(p, name);
          case "verified_at" -> at = AuditJsonReader.instant(p, name);
          default -> throw new AuditFormatException("unknown field " + Text.quote(AuditJson.shorten(name)));
        }
      }
      if (p.nextToken() != null) {
        throw new AuditFormatException("more data after the JSON object");
      }
      if (!version || seq < 0 || hash == null || at == null) {
        throw new AuditFormatException("a verification state needs the fields v, seq, hash and verified_at");
      }
      return new VerifiedState(log, seq, hash, at);
    } catch (JacksonException e) {
      throw new AuditFormatException("not valid JSON: " + AuditJson.safe(e.getOriginalMessage()), e);
    }
  }

  /** A verification result as one JSON object, for scripts; see {@link VerificationResult#toJson()}. */
  static String resultToJson(VerificationResult r) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeStringProperty("status", r.status().name());
      g.writeNumberProperty("exit_code", r.status().exitCode());
      g.writeStringProperty("description", r.describe());
      VerificationResult.Summary s = r.summary();
      g.writeName("files");
      g.writeStartArray();
      for (String f : s.files()) {
        g.writeString(f);
      }
      g.writeEndArray();
      g.writeNumberProperty("records", s.records());
      g.writeNumberProperty("last_seq", s.lastSeq());
      g.writeStringProperty("last_hash", s.lastHash());
      g.writeNumberProperty("checkpoints", s.checkpoints());
      if (s.logId().isPresent()) {
        g.writeStringProperty("log", s.logId().get());
      }
      if (s.lastCheckpoint().isPresent()) {
        g.writeName("last_checkpoint");
        AuditJsonWriter.writeCheckpoint(g, s.lastCheckpoint().get());
      }
      g.writeStringProperty("verified_at", s.verifiedAt().toString());
      if (r instanceof VerificationResult.Tampered t) {
        g.writeNumberProperty("seq", t.seq());
        g.writeStringProperty("location", t.location());
        g.writeStringProperty("reason", t.reason());
      } else if (r instanceof VerificationResult.UnverifiedTail u) {
        g.writeNumberProperty("unverified_records", u.records());
        g.writeNumberProperty("first_unverified_seq", u.firstSeq());
        g.writeStringProperty("oldest_unverified", u.oldest().toString());
        g.writeStringProperty("age", u.age().toString());
      } else if (r instanceof VerificationResult.Rollback b) {
        g.writeStringProperty("reason", b.reason());
        g.writeName("remembered");
        g.writeRawValue(b.remembered().toJson());
      } else if (r instanceof VerificationResult.Stale st) {
        if (st.lastCheckpointTime().isPresent()) {
          g.writeStringProperty("last_checkpoint_time", st.lastCheckpointTime().get().toString());
        }
        g.writeStringProperty("age", st.age().toString());
        g.writeStringProperty("max_staleness", st.maxStaleness().toString());
      } else if (r instanceof VerificationResult.TornTail t) {
        g.writeStringProperty("location", t.location());
        g.writeNumberProperty("torn_bytes", t.bytes());
        g.writeBooleanProperty("complete_record", t.completeRecord());
        g.writeNumberProperty("unverified_records", t.unverifiedRecords());
      }
      g.writeEndObject();
    }
    return out.toString();
  }
}
