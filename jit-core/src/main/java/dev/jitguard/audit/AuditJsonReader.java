package dev.jitguard.audit;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.internal.util.Text;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;

/**
 * The strict reader of the {@link AuditJson} schema: one object per line, known fields only, each checked as it is
 * read; every problem is an {@link AuditFormatException} that names the field.
 */
final class AuditJsonReader {
  private AuditJsonReader() {}

  /** An event on its own, no chain fields allowed; see {@link AuditJson#readEvent(String)}. */
  static AuditEvent readEvent(String json) {
    Parsed p = parse(bytes(json), 0, -1, Shape.EVENT);
    return p.event;
  }

  /** One line of a chained log, {@code line[off, off+len)}; see {@link AuditJson#readRecord(String)}. */
  static AuditRecord readRecord(byte[] line, int off, int len) {
    Parsed p = parse(line, off, len, Shape.RECORD);
    if (p.checkpoint != null) {
      return new AuditRecord.CheckpointRecord(p.seq, p.prev, p.checkpoint);
    }
    return new AuditRecord.EventRecord(p.seq, p.prev, p.event);
  }

  /** One line of a separate checkpoint file; see {@link AuditJson#readCheckpoint(String)}. */
  static Checkpoint readCheckpoint(String line) {
    return parse(bytes(line), 0, -1, Shape.CHECKPOINT_LINE).checkpoint;
  }

  /** The UTF-8 bytes of a JSON text; null is rejected. */
  static byte[] bytes(String s) {
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
    if (length > AuditJson.MAX_LINE_BYTES) {
      throw new AuditFormatException("line is " + length + " bytes long, more than the limit of "
          + AuditJson.MAX_LINE_BYTES);
    }
    try (JsonParser p = AuditJson.FACTORY.createParser(ObjectReadContext.empty(), b, off, length)) {
      Parsed out = parseTop(p, shape);
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw new AuditFormatException("more data after the JSON object (" + trailing + "); a line holds one record");
      }
      return out;
    } catch (JacksonException e) {
      throw new AuditFormatException("not valid JSON: " + AuditJson.safe(e.getOriginalMessage()), e);
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
          if (v != AuditJson.VERSION) {
            throw new AuditFormatException("unsupported schema version " + v + "; this reader knows version "
                + AuditJson.VERSION);
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
            throw new AuditFormatException("unknown field " + Text.quote(AuditJson.shorten(name)));
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
                AuditJson.shorten(v)));
          }
        }
        case "request" -> {
          String v = string(p, name);
          try {
            request = RequestId.of(v);
          } catch (IllegalArgumentException e) {
            throw new AuditFormatException("field \"request\" is not a request id: "
                + Text.quote(AuditJson.shorten(v)));
          }
        }
        case "grant" -> {
          String v = string(p, name);
          try {
            grant = GrantId.of(v);
          } catch (IllegalArgumentException e) {
            throw new AuditFormatException("field \"grant\" is not a grant id: " + Text.quote(AuditJson.shorten(v)));
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
        throw new AuditFormatException("detail " + Text.quote(AuditJson.shorten(key)) + " must be a string, but was "
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
        default -> throw new AuditFormatException("unknown field "
            + Text.quote("checkpoint." + AuditJson.shorten(name)));
      }
    }
    if (log == null || seq < 0 || hash == null || time == null || key == null || sig == null) {
      throw new AuditFormatException("a checkpoint needs the fields log, seq, hash, time, key and sig");
    }
    try {
      return new Checkpoint(log, seq, hash, time, key, sig);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("invalid checkpoint: " + AuditJson.safe(e.getMessage()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Values: each checks its token and form, and names the field when it fails

  static String string(JsonParser p, String name) {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw new AuditFormatException("field \"" + name + "\" must be a string, but was " + p.currentToken());
    }
    return p.getString();
  }

  static long integer(JsonParser p, String name) {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw new AuditFormatException("field \"" + name + "\" must be an integer, but was " + p.currentToken());
    }
    JsonParser.NumberType t = p.getNumberType();
    if (t != JsonParser.NumberType.INT && t != JsonParser.NumberType.LONG) {
      throw new AuditFormatException("field \"" + name + "\" is out of range");
    }
    return p.getLongValue();
  }

  static String hash(JsonParser p, String name) {
    String v = string(p, name);
    if (!Chain.isHash(v)) {
      throw new AuditFormatException("field \"" + name + "\" must be 64 lowercase hex characters (a SHA-256), but was "
          + Text.quote(AuditJson.shorten(v)));
    }
    return v;
  }

  static String id(JsonParser p, String name) {
    String v = string(p, name);
    if (!Chain.isId(v)) {
      throw new AuditFormatException("field \"" + name + "\" is not a valid id: " + Text.quote(AuditJson.shorten(v)));
    }
    return v;
  }

  static Instant instant(JsonParser p, String name) {
    String v = string(p, name);
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new AuditFormatException("field \"" + name + "\" must be an ISO-8601 instant such as "
          + "2026-01-31T09:00:00Z, but was " + Text.quote(AuditJson.shorten(v)));
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, JsonParser p, String name) {
    String v = string(p, name);
    try {
      return Enum.valueOf(type, v);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("field \"" + name + "\" has an unknown value " + Text.quote(AuditJson.shorten(v)));
    }
  }
}
