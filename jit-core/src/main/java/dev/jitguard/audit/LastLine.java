package dev.jitguard.audit;

/**
 * What the bytes after the last line feed of a log are, when the log does not end with one: the one rule by which the
 * file sink decides what it may repair and the verifier decides between a torn tail and tampering.
 *
 * <p>The sink writes each record as one line, the JSON object first and its line feed last, so a write that stops
 * part-way (a full disk, a crash) leaves a prefix of a line: the start of a JSON object that never closes, or a whole
 * record without its line feed. Anything else in that place (more than one line's worth of bytes, a complete JSON
 * object that is not a record in canonical form, bytes after a complete object) is not what a failed write leaves.
 * Bytes that hold no JSON object at all (the zeros some file systems leave after a crash) count as torn.
 */
final class LastLine {
  private LastLine() {}

  /** The verdict on an incomplete last line. */
  enum Kind {
    /** A record cut short by a failed write: it may be removed. */
    TORN,
    /** A whole record in canonical form whose line feed is missing: it may be completed, never removed. */
    UNTERMINATED,
    /** Not what a failed write leaves: neither the sink nor the verifier may treat it as a torn write. */
    DAMAGED
  }

  /**
   * Classifies the bytes after a log's last line feed.
   *
   * @param b the bytes
   * @param off where they start
   * @param len how many (at least 1)
   * @return the verdict
   */
  static Kind classify(byte[] b, int off, int len) {
    if (len > AuditJson.MAX_LINE_BYTES) {
      return Kind.DAMAGED;
    }
    AuditRecord record = null;
    try {
      record = AuditJson.readRecord(b, off, len);
    } catch (AuditFormatException notARecord) {
      // a cut-short record does not parse; see below whether it could be one
    }
    if (record != null) {
      return AuditJson.isCanonical(b, off, len, record) ? Kind.UNTERMINATED : Kind.DAMAGED;
    }
    return closesAnObject(b, off, len) ? Kind.DAMAGED : Kind.TORN;
  }

  /** Whether a JSON object that starts at the first '{' closes within the bytes (strings and escapes respected). */
  private static boolean closesAnObject(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] != '{') {
      i++;
    }
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    for (; i < end; i++) {
      byte c = b[i];
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 0) {
          return true;
        }
      }
    }
    return false;
  }

  /** @return the verdict in words, for messages */
  static String describe(Kind kind) {
    return switch (kind) {
      case TORN -> "a record cut short by a failed write";
      case UNTERMINATED -> "a whole record whose line feed is missing";
      case DAMAGED -> "not what a failed write leaves (a complete JSON object that is not a canonical record, bytes "
          + "after one, or more than " + AuditJson.MAX_LINE_BYTES + " bytes)";
    };
  }
}
