package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.internal.util.Text;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JsonGenerator;

/** Writes events, chained records and checkpoints in the {@link AuditJson} schema, in canonical form. */
final class AuditJsonWriter {
  private AuditJsonWriter() {}

  /** An event on its own, without chain fields; see {@link AuditJson#toJson(AuditEvent)}. */
  static String toJson(AuditEvent event) {
    Objects.requireNonNull(event, "event cannot be null");
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      writeEventFields(g, event);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** A chained record's canonical encoding; see {@link AuditJson#toLine(AuditRecord)}. */
  static String toLine(AuditRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    writeRecord(out, record);
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** A line of a separate checkpoint file; see {@link AuditJson#toLine(Checkpoint)}. */
  static String toLine(Checkpoint checkpoint) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      g.writeName("checkpoint");
      writeCheckpoint(g, checkpoint);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /** Whether {@code line[off, off+len)} is exactly the canonical encoding of {@code record}. */
  static boolean isCanonical(byte[] line, int off, int len, AuditRecord record) {
    LineBuffer out = new LineBuffer(len + 16);
    writeRecord(out, record);
    return out.size() == len && Arrays.equals(out.array(), 0, len, line, off, off + len);
  }

  /** Writes a record's canonical encoding, without the line feed. */
  static void writeRecord(OutputStream out, AuditRecord record) {
    if (record instanceof AuditRecord.EventRecord e) {
      writeEventRecord(out, e.seq(), e.prev(), e.event());
    } else {
      AuditRecord.CheckpointRecord c = (AuditRecord.CheckpointRecord) record;
      writeCheckpointRecord(out, c.seq(), c.prev(), c.checkpoint());
    }
  }

  /** Writes an event record's canonical encoding, without the line feed. */
  static void writeEventRecord(OutputStream out, long seq, String prev, AuditEvent event) {
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      g.writeNumberProperty("seq", seq);
      g.writeStringProperty("prev", prev);
      writeEventFields(g, event);
      g.writeEndObject();
    }
  }

  /** Writes a checkpoint record's canonical encoding, without the line feed. */
  static void writeCheckpointRecord(OutputStream out, long seq, String prev, Checkpoint checkpoint) {
    try (JsonGenerator g = AuditJson.generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      g.writeNumberProperty("seq", seq);
      g.writeStringProperty("prev", prev);
      g.writeName("checkpoint");
      writeCheckpoint(g, checkpoint);
      g.writeEndObject();
    }
  }

  /** Writes an event's fields (not {@code v}) into an open object. */
  static void writeEventFields(JsonGenerator g, AuditEvent e) {
    g.writeStringProperty("type", e.type().name());
    g.writeStringProperty("time", e.time().toString());
    if (e.subject().isPresent()) {
      g.writeStringProperty("subject", e.subject().get());
    }
    if (e.privilege().isPresent()) {
      g.writeStringProperty("privilege", e.privilege().get().name());
    }
    if (e.requestId().isPresent()) {
      g.writeStringProperty("request", e.requestId().get().value());
    }
    if (e.grantId().isPresent()) {
      g.writeStringProperty("grant", e.grantId().get().value());
    }
    if (e.actor().isPresent()) {
      g.writeStringProperty("actor", e.actor().get());
    }
    if (e.reason().isPresent()) {
      g.writeStringProperty("reason", e.reason().get().name());
    }
    if (e.policyVersion().isPresent()) {
      g.writeStringProperty("policy", e.policyVersion().get());
    }
    if (e.count() != 1) {
      g.writeNumberProperty("count", e.count());
    }
    if (!e.details().isEmpty()) {
      g.writeName("details");
      g.writeStartObject();
      for (Map.Entry<String, String> d : e.details().entrySet()) {
        if (!isValidUtf16(d.getKey())) {
          // JSON readers reject escaped lone surrogates in names: such a record could never be read back.
          throw new IllegalArgumentException("detail key " + Text.quote(AuditJson.shorten(d.getKey()))
              + " contains an unpaired surrogate; detail keys must be valid UTF-16");
        }
        g.writeStringProperty(d.getKey(), d.getValue());
      }
      g.writeEndObject();
    }
    if (e.text().isPresent()) {
      g.writeStringProperty("text", e.text().get());
    }
  }

  /** Writes a checkpoint as an object: its fields in schema order. */
  static void writeCheckpoint(JsonGenerator g, Checkpoint c) {
    g.writeStartObject();
    g.writeStringProperty("log", c.logId());
    g.writeNumberProperty("seq", c.seq());
    g.writeStringProperty("hash", c.hash());
    g.writeStringProperty("time", c.time().toString());
    g.writeStringProperty("key", c.keyId());
    g.writeStringProperty("sig", c.signature());
    g.writeEndObject();
  }

  private static boolean isValidUtf16(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
