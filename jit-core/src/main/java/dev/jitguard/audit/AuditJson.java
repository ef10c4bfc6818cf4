package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.internal.util.Text;
import java.io.OutputStream;
import java.io.Writer;
import tools.jackson.core.JsonGenerator;
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
 * as {@link java.time.Instant#toString()}. Every record has exactly one canonical encoding; the verifier re-encodes each line
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

  /** The schema's one JSON factory: the escaping above, strict duplicate detection, caller's streams left open. */
  static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .characterEscapes(new AsciiOnly())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .build();

  private AuditJson() {}

  // ---------------------------------------------------------------------------------------------------------------
  // Writing (AuditJsonWriter)

  /**
   * Encodes an event on its own, without chain fields: {@code {"v":1,"type":...}}.
   *
   * @param event the event
   * @return one line of printable ASCII, without a line feed
   */
  public static String toJson(AuditEvent event) {
    return AuditJsonWriter.toJson(event);
  }

  /**
   * Encodes a chained record: its canonical encoding.
   *
   * @param record the record
   * @return one line of printable ASCII, without a line feed
   */
  public static String toLine(AuditRecord record) {
    return AuditJsonWriter.toLine(record);
  }

  /**
   * Encodes a checkpoint as a line of a separate checkpoint file: {@code {"v":1,"checkpoint":{...}}}.
   *
   * @param checkpoint the checkpoint
   * @return one line of printable ASCII, without a line feed
   */
  public static String toLine(Checkpoint checkpoint) {
    return AuditJsonWriter.toLine(checkpoint);
  }

  /** Whether {@code line[off, off+len)} is exactly the canonical encoding of {@code record}. */
  static boolean isCanonical(byte[] line, int off, int len, AuditRecord record) {
    return AuditJsonWriter.isCanonical(line, off, len, record);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading (AuditJsonReader)

  /**
   * Reads an event written by {@link #toJson(AuditEvent)} (no chain fields allowed).
   *
   * @param json one JSON object
   * @return the event
   * @throws AuditFormatException if it does not follow the schema
   */
  public static AuditEvent readEvent(String json) {
    return AuditJsonReader.readEvent(json);
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
    byte[] b = AuditJsonReader.bytes(line);
    return readRecord(b, 0, b.length);
  }

  /** Reads the chained log line {@code line[off, off+len)}, as {@link #readRecord(String)}. */
  static AuditRecord readRecord(byte[] line, int off, int len) {
    return AuditJsonReader.readRecord(line, off, len);
  }

  /**
   * Reads one line of a separate checkpoint file, as written by {@link #toLine(Checkpoint)}.
   *
   * @param line the line, without the line feed
   * @return the checkpoint (its signature not yet checked)
   * @throws AuditFormatException if it does not follow the schema
   */
  public static Checkpoint readCheckpoint(String line) {
    return AuditJsonReader.readCheckpoint(line);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shared by the writer and the reader

  /**
   * A generator with the audit escaping, for callers in this package that write JSON (verifier output, timeline).
   *
   * @param out where to write (not closed by the generator)
   * @return the generator
   */
  static JsonGenerator generator(OutputStream out) {
    return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
  }

  /** A generator with the audit escaping, on characters (the verifier's report). */
  static JsonGenerator generator(Writer out) {
    return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
  }

  /** A user value cut to 80 characters for a message (quote it with {@link Text#quote}). */
  static String shorten(String s) {
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
}
