package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.internal.util.Text;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * The audit event schema, version {@value #VERSION}, and its only reader and writer. Explicit code on Jackson's
 * streaming API: the domain types carry no Jackson annotations, nothing is bound by reflection and no type
 * information is ever read from the input (so there is no polymorphic deserialization to abuse).
 *
 * <h2>An event line</h2>
 * One JSON object per line, fields in this order, optional ones omitted when absent:
 * <pre>
 * v          1                                   required, the schema version
 * seq        1, 2, 3 ...                         chained logs only: the record's position
 * prev       64 lowercase hex                    chained logs only: SHA-256 of the previous record's line
 * type       AuditEventType name                 required
 * time       ISO-8601 instant (Instant.toString) required
 * subject    string                              whom the event is about (requester, grant holder)
 * privilege  privilege name
 * request    request id (32 hex)
 * grant      grant id (32 hex)
 * actor      string                              who acted (approver, revoker, "policy", "system")
 * reason     ReasonCode name
 * policy     string                              policy version that decided
 * count      integer, omitted when 1             summaries (USES, CHECKS_DENIED)
 * details    object of string values, keys sorted (Java String order), omitted when empty:
 *            duration, expires_at, approvers, ticket, ..., and for action approvals "action", "argument_digest" and "preview"
 * text       string                              user text (justification, comment), verbatim
 * </pre>
 * A checkpoint record is {@code {"v":1,"seq":..,"prev":..,"checkpoint":{"log":..,"seq":..,"hash":..,"time":..,
 * "key":..,"sig":..}}}; a line of a separate checkpoint file is {@code {"v":1,"checkpoint":{...}}}.
 *
 * <h2>Escaping</h2>
 * Strings are stored verbatim and JSON-escaped; in addition every character outside printable ASCII (controls, DEL,
 * and everything from U+0080 on, including line and paragraph separators and bidi controls) is written as
 * {@code \}{@code uXXXX} (upper-case hex). A line is therefore plain printable ASCII and contains no line break: user
 * text cannot end a line, start a fake record, or hide anything from a terminal.
 *
 * <h2>Canonical encoding</h2>
 * The canonical encoding of a record is the exact bytes of its line as this class writes it, without the line feed:
 * the field order above, no whitespace, the escaping above, integers in decimal without sign or leading zeros, times
 * as {@link Instant#toString()}. Every record has exactly one canonical encoding; the verifier re-encodes each line
 * it reads and treats any difference as tampering. A record's hash is the SHA-256 of its canonical encoding.
 *
 * <h2>Reading</h2>
 * Strict: exactly one JSON object per line and nothing after it; {@code v} must be {@value #VERSION}; unknown and
 * duplicated fields, {@code null}s, wrong types (a number in quotes, a fraction for an integer) and invalid ids or
 * names are errors ({@link AuditFormatException}) that name the field. Lines longer than {@value #MAX_LINE_BYTES}
 * bytes are rejected.
 */
public final class AuditJson {
  /** The schema version written into every line as {@code "v"}. */
  public static final int VERSION = 1;
  /** The longest line written or read, in bytes. */
  public static final int MAX_LINE_BYTES = 1 << 20;

  static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .characterEscapes(new AsciiOnly())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .build();

  private AuditJson() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Writing

  /**
   * Encodes an event on its own, without chain fields: {@code {"v":1,"type":...}}.
   *
   * @param event the event
   * @return one line of printable ASCII, without a line feed
   */
  public static String toJson(AuditEvent event) {
    Objects.requireNonNull(event, "event cannot be null");
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
      writeEventFields(g, event);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  /**
   * Encodes a chained record: its canonical encoding.
   *
   * @param record the record
   * @return one line of printable ASCII, without a line feed
   */
  public static String toLine(AuditRecord record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    writeRecord(out, record);
    return out.toString(StandardCharsets.US_ASCII);
  }

  /**
   * Encodes a checkpoint as a line of a separate checkpoint file: {@code {"v":1,"checkpoint":{...}}}.
   *
   * @param checkpoint the checkpoint
   * @return one line of printable ASCII, without a line feed
   */
  public static String toLine(Checkpoint checkpoint) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
      g.writeName("checkpoint");
      writeCheckpoint(g, checkpoint);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  static void writeRecord(OutputStream out, AuditRecord record) {
    if (record instanceof AuditRecord.EventRecord e) {
      writeEventRecord(out, e.seq(), e.prev(), e.event());
    } else {
      AuditRecord.CheckpointRecord c = (AuditRecord.CheckpointRecord) record;
      writeCheckpointRecord(out, c.seq(), c.prev(), c.checkpoint());
    }
  }

  static void writeEventRecord(OutputStream out, long seq, String prev, AuditEvent event) {
    try (JsonGenerator g = generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
      g.writeNumberProperty("seq", seq);
      g.writeStringProperty("prev", prev);
      writeEventFields(g, event);
      g.writeEndObject();
    }
  }

  static void writeCheckpointRecord(OutputStream out, long seq, String prev, Checkpoint checkpoint) {
    try (JsonGenerator g = generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
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
          throw new IllegalArgumentException("detail key " + Text.quote(shorten(d.getKey())) + " contains an "
              + "unpaired surrogate; detail keys must be valid UTF-16");
        }
        g.writeStringProperty(d.getKey(), d.getValue());
      }
      g.writeEndObject();
    }
    if (e.text().isPresent()) {
      g.writeStringProperty("text", e.text().get());
    }
  }

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

  /**
   * A generator with the audit escaping, for callers in this package that write JSON (verifier output, timeline).
   *
   * @param out where to write (not closed by the generator)
   * @return the generator
   */
  static JsonGenerator generator(OutputStream out) {
    return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
  }

  static JsonGenerator generator(Writer out) {
    return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads an event written by {@link #toJson(AuditEvent)} (no chain fields allowed).
   *
   * @param json one JSON object
   * @return the event
   * @throws AuditFormatException if it does not follow the schema
   */
  public static AuditEvent readEvent(String json) {
    Parsed p = parse(bytes(json), 0, -1, Shape.EVENT);
    return p.event;
  }

  /**
   * Reads one line of a chained log: an event record or a checkpoint record. Does not check that the line is the
   * canonical encoding of what it says (the verifier does).
   *
   * @param line the line, without the line feed
   * @return the record
   * @throws AuditFormatException if it does not follow the schema
   */
  public static AuditRecord readRecord(String line) {
    byte[] b = bytes(line);
    return readRecord(b, 0, b.length);
  }

  static AuditRecord readRecord(byte[] line, int off, int len) {
    Parsed p = parse(line, off, len, Shape.RECORD);
    if (p.checkpoint != null) {
      return new AuditRecord.CheckpointRecord(p.seq, p.prev, p.checkpoint);
    }
    return new AuditRecord.EventRecord(p.seq, p.prev, p.event);
  }

  /**
   * Reads one line of a separate checkpoint file, as written by {@link #toLine(Checkpoint)}.
   *
   * @param line the line, without the line feed
   * @return the checkpoint (its signature not yet checked)
   * @throws AuditFormatException if it does not follow the schema
   */
  public static Checkpoint readCheckpoint(String line) {
    return parse(bytes(line), 0, -1, Shape.CHECKPOINT_LINE).checkpoint;
  }

  /** Whether {@code line[off, off+len)} is exactly the canonical encoding of {@code record}. */
  static boolean isCanonical(byte[] line, int off, int len, AuditRecord record) {
    Bytes out = new Bytes(len + 16);
    writeRecord(out, record);
    return out.size() == len && java.util.Arrays.equals(out.array(), 0, len, line, off, off + len);
  }

  private static byte[] bytes(String s) {
    return Objects.requireNonNull(s, "json cannot be null").getBytes(StandardCharsets.UTF_8);
  }

  private enum Shape { EVENT, RECORD, CHECKPOINT_LINE }

  private static final class Parsed {
    long seq = -1;
    String prev;
    AuditEvent event;
    Checkpoint checkpoint;
  }

  private static Parsed parse(byte[] b, int off, int len, Shape shape) {
    int length = len < 0 ? b.length - off : len;
    if (length > MAX_LINE_BYTES) {
      throw new AuditFormatException("line is " + length + " bytes long, more than the limit of " + MAX_LINE_BYTES);
    }
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), b, off, length)) {
      Parsed out = parseTop(p, shape);
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw new AuditFormatException("more data after the JSON object (" + trailing + "); a line holds one record");
      }
      return out;
    } catch (JacksonException e) {
      throw new AuditFormatException("not valid JSON: " + safe(e.getOriginalMessage()), e);
    }
  }

  private static Parsed parseTop(JsonParser p, Shape shape) {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new AuditFormatException("expected a JSON object, found " + p.currentToken());
    }
    Parsed out = new Parsed();
    boolean version = false;
    EventFields ev = new EventFields();
    boolean eventSeen = false;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "v" -> {
          long v = integer(p, name);
          if (v != VERSION) {
            throw new AuditFormatException("unsupported schema version " + v + "; this reader knows version "
                + VERSION);
          }
          version = true;
        }
        case "seq", "prev" -> {
          if (shape != Shape.RECORD) {
            throw new AuditFormatException("field \"" + name + "\" is only allowed in a chained log record");
          }
          if (name.equals("seq")) {
            out.seq = integer(p, name);
            if (out.seq < 1) {
              throw new AuditFormatException("field \"seq\" must be at least 1, but was " + out.seq);
            }
          } else {
            out.prev = hash(p, name);
          }
        }
        case "checkpoint" -> {
          if (shape == Shape.EVENT) {
            throw new AuditFormatException("field \"checkpoint\" is not allowed in an event");
          }
          out.checkpoint = checkpoint(p);
        }
        default -> {
          if (shape == Shape.CHECKPOINT_LINE || !ev.read(p, name)) {
            throw new AuditFormatException("unknown field " + Text.quote(shorten(name)));
          }
          eventSeen = true;
        }
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw new AuditFormatException("expected a field name or the end of the object, found " + p.currentToken());
    }
    if (!version) {
      throw new AuditFormatException("field \"v\" (the schema version) is missing");
    }
    if (shape == Shape.RECORD) {
      if (out.seq < 0) {
        throw new AuditFormatException("field \"seq\" is missing");
      }
      if (out.prev == null) {
        throw new AuditFormatException("field \"prev\" is missing");
      }
    }
    if (out.checkpoint != null) {
      if (eventSeen) {
        throw new AuditFormatException("a checkpoint record has no event fields");
      }
      return out;
    }
    if (shape == Shape.CHECKPOINT_LINE) {
      throw new AuditFormatException("field \"checkpoint\" is missing");
    }
    out.event = ev.build();
    return out;
  }

  /** The event fields of one object, checked as they are read. */
  private static final class EventFields {
    AuditEventType type;
    Instant time;
    String subject;
    Privilege privilege;
    RequestId request;
    GrantId grant;
    String actor;
    ReasonCode reason;
    String policy;
    long count = 1;
    Map<String, String> details;
    String text;

    boolean read(JsonParser p, String name) {
      switch (name) {
        case "type" -> type = enumValue(AuditEventType.class, p, name);
        case "time" -> time = instant(p, name);
        case "subject" -> subject = string(p, name);
        case "privilege" -> {
          String v = string(p, name);
          try {
            privilege = Privilege.of(v);
          } catch (IllegalArgumentException e) {
            throw new AuditFormatException("field \"privilege\" is not a valid privilege name: " + Text.quote(
                shorten(v)));
          }
        }
        case "request" -> {
          String v = string(p, name);
          try {
            request = RequestId.of(v);
          } catch (IllegalArgumentException e) {
            throw new AuditFormatException("field \"request\" is not a request id: " + Text.quote(shorten(v)));
          }
        }
        case "grant" -> {
          String v = string(p, name);
          try {
            grant = GrantId.of(v);
          } catch (IllegalArgumentException e) {
            throw new AuditFormatException("field \"grant\" is not a grant id: " + Text.quote(shorten(v)));
          }
        }
        case "actor" -> actor = string(p, name);
        case "reason" -> reason = enumValue(ReasonCode.class, p, name);
        case "policy" -> policy = string(p, name);
        case "count" -> count = integer(p, name);
        case "details" -> details = details(p);
        case "text" -> text = string(p, name);
        default -> {
          return false;
        }
      }
      return true;
    }

    AuditEvent build() {
      if (type == null) {
        throw new AuditFormatException("field \"type\" is missing");
      }
      if (time == null) {
        throw new AuditFormatException("field \"time\" is missing");
      }
      AuditEvent.Builder b = AuditEvent.builder(type, time).subject(subject).privilege(privilege).requestId(request)
          .grantId(grant).actor(actor).reason(reason).policyVersion(policy).count(count).text(text);
      if (details != null) {
        details.forEach(b::detail);
      }
      return b.build();
    }
  }

  private static Map<String, String> details(JsonParser p) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new AuditFormatException("field \"details\" must be an object of strings, but was " + p.currentToken());
    }
    Map<String, String> out = new TreeMap<>();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String key = p.currentName();
      p.nextToken();
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw new AuditFormatException("detail " + Text.quote(shorten(key)) + " must be a string, but was "
            + p.currentToken());
      }
      out.put(key, p.getString());
    }
    return out;
  }

  private static Checkpoint checkpoint(JsonParser p) {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new AuditFormatException("field \"checkpoint\" must be an object, but was " + p.currentToken());
    }
    String log = null;
    long seq = -1;
    String hash = null;
    Instant time = null;
    String key = null;
    String sig = null;
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "log" -> log = id(p, "checkpoint.log");
        case "seq" -> {
          seq = integer(p, "checkpoint.seq");
          if (seq < 0) {
            throw new AuditFormatException("field \"checkpoint.seq\" must be at least 0, but was " + seq);
          }
        }
        case "hash" -> hash = hash(p, "checkpoint.hash");
        case "time" -> time = instant(p, "checkpoint.time");
        case "key" -> key = id(p, "checkpoint.key");
        case "sig" -> sig = string(p, "checkpoint.sig");
        default -> throw new AuditFormatException("unknown field " + Text.quote("checkpoint." + shorten(name)));
      }
    }
    if (log == null || seq < 0 || hash == null || time == null || key == null || sig == null) {
      throw new AuditFormatException("a checkpoint needs the fields log, seq, hash, time, key and sig");
    }
    try {
      return new Checkpoint(log, seq, hash, time, key, sig);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("invalid checkpoint: " + safe(e.getMessage()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Verification state

  static String stateToJson(VerifiedState s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(200);
    try (JsonGenerator g = generator(out)) {
      g.writeStartObject();
      g.writeNumberProperty("v", VERSION);
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

  static VerifiedState stateFromJson(String json) {
    byte[] b = bytes(json);
    try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), b)) {
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
            if (integer(p, name) != VERSION) {
              throw new AuditFormatException("unsupported state version; this reader knows version " + VERSION);
            }
            version = true;
          }
          case "log" -> log = id(p, name);
          case "seq" -> seq = integer(p, name);
          case "hash" -> hash = hash(p, name);
          case "verified_at" -> at = instant(p, name);
          default -> throw new AuditFormatException("unknown field " + Text.quote(shorten(name)));
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
      throw new AuditFormatException("not valid JSON: " + safe(e.getOriginalMessage()), e);
    }
  }

  static String resultToJson(VerificationResult r) {
    java.io.StringWriter out = new java.io.StringWriter();
    try (JsonGenerator g = generator(out)) {
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
        writeCheckpoint(g, s.lastCheckpoint().get());
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
      }
      g.writeEndObject();
    }
    return out.toString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Value helpers

  private static String string(JsonParser p, String name) {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw new AuditFormatException("field \"" + name + "\" must be a string, but was " + p.currentToken());
    }
    return p.getString();
  }

  private static long integer(JsonParser p, String name) {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw new AuditFormatException("field \"" + name + "\" must be an integer, but was " + p.currentToken());
    }
    JsonParser.NumberType t = p.getNumberType();
    if (t != JsonParser.NumberType.INT && t != JsonParser.NumberType.LONG) {
      throw new AuditFormatException("field \"" + name + "\" is out of range");
    }
    return p.getLongValue();
  }

  private static String hash(JsonParser p, String name) {
    String v = string(p, name);
    if (!Chain.isHash(v)) {
      throw new AuditFormatException("field \"" + name + "\" must be 64 lowercase hex characters (a SHA-256), but was "
          + Text.quote(shorten(v)));
    }
    return v;
  }

  private static String id(JsonParser p, String name) {
    String v = string(p, name);
    if (!Chain.isId(v)) {
      throw new AuditFormatException("field \"" + name + "\" is not a valid id: " + Text.quote(shorten(v)));
    }
    return v;
  }

  private static Instant instant(JsonParser p, String name) {
    String v = string(p, name);
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new AuditFormatException("field \"" + name + "\" must be an ISO-8601 instant such as "
          + "2026-01-31T09:00:00Z, but was " + Text.quote(shorten(v)));
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, JsonParser p, String name) {
    String v = string(p, name);
    try {
      return Enum.valueOf(type, v);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("field \"" + name + "\" has an unknown value " + Text.quote(shorten(v)));
    }
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

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** Escapes a parser message (it may quote the input) to printable ASCII, at most 200 characters. */
  static String safe(String message) {
    if (message == null) {
      return "(no detail)";
    }
    StringBuilder out = new StringBuilder();
    Text.escapeInto(message.length() > 200 ? message.substring(0, 200) + "..." : message, out);
    return out.toString();
  }

  /** JSON escaping plus DEL; with {@link JsonWriteFeature#ESCAPE_NON_ASCII} nothing outside printable ASCII is left. */
  private static final class AsciiOnly extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] codes = CharacterEscapes.standardAsciiEscapesForJSON();

    AsciiOnly() {
      codes[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return codes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }

  /** A growable byte buffer the sinks reuse: one line or one batch of lines. */
  static final class Bytes extends OutputStream {
    private byte[] buf;
    private int size;

    Bytes(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    @Override
    public void close() {
      // nothing to release; generators must not close the buffer for the next line
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    byte[] array() {
      return buf;
    }

    int size() {
      return size;
    }

    void truncate(int newSize) {
      size = newSize;
    }

    void reset() {
      size = 0;
    }
  }
}
