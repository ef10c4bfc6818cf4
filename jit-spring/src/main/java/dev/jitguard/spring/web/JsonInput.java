package dev.jitguard.spring.web;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Amounts;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.node.DecimalNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request body read strictly: a JSON object whose fields are all in an allow-list. A field the server owns
 * (status, approvals, expiry, ids, the requester) or any other unknown field is rejected with
 * {@link InvalidInputException} naming it, so that nothing a client adds is silently ignored or, worse, trusted.
 */
final class JsonInput {
  /** Fields only JIT Guard sets; named explicitly in the error so the client learns why. */
  static final Set<String> SERVER_OWNED = Set.of("id", "requestId", "grantId", "status", "subject", "requester",
      "requesterId", "approvals", "approvers", "approvalsRequired", "approverGroups", "denials", "expiresAt",
      "createdAt", "notBefore", "issuedAt", "decidedAt", "decidedBy", "decision", "decisionReason", "version",
      "policyVersion", "breakGlass", "reviewedAt", "reviewedBy", "capExpiresAt", "usesLeft", "outcome",
      "reasonCode", "groups", "amountUsed", "amountLeft");

  private final Map<String, JsonNode> fields;

  private JsonInput(Map<String, JsonNode> fields) {
    this.fields = fields;
  }

  static JsonInput read(@Nullable JsonNode body, List<String> allowed) {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    if (body == null || body.isNull() || body.isMissingNode()) {
      return new JsonInput(fields);
    }
    if (!body.isObject()) {
      throw new InvalidInputException("body", "the request body must be a JSON object with the fields "
          + allowed + ", but was a JSON " + body.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    for (Map.Entry<String, JsonNode> e : body.properties()) {
      String name = e.getKey();
      if (!allowed.contains(name)) {
        String shown = printable(name);
        if (SERVER_OWNED.contains(name)) {
          throw new InvalidInputException(shown, shown + " is set by JIT Guard and cannot be set by the client; "
              + "send only " + allowed);
        }
        throw new InvalidInputException(shown, shown + " is not a field of this request; send only " + allowed);
      }
      fields.put(name, e.getValue());
    }
    return new JsonInput(fields);
  }

  @Nullable String text(String name, int maxLength) {
    JsonNode n = fields.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isString()) {
      throw new InvalidInputException(name, name + " must be a JSON string, but was a JSON "
          + n.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    String s = n.stringValue();
    if (s.length() > maxLength) {
      throw new InvalidInputException(name, String.format(Locale.ROOT, "%s must be at most %d characters, but was %d",
          name, maxLength, s.length()));
    }
    return s;
  }

  @Nullable Duration duration(String name) {
    String s = text(name, 64);
    if (s == null) {
      return null;
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be an ISO-8601 duration such as \"PT30M\", but was "
          + quote(s));
    }
  }

  @Nullable Instant instant(String name) {
    String s = text(name, 64);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be an ISO-8601 instant such as "
          + "\"2026-01-01T09:00:00Z\", but was " + quote(s));
    }
  }

  /**
   * An exact decimal amount: a JSON string ({@code "100.00"}, plain decimal only) or a JSON number ({@code 100.00}),
   * exact only when the body was read as {@link ExactJson}.
   */
  @Nullable BigDecimal amount(String name) {
    JsonNode n = fields.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isString()) {
      return Amounts.parse(name, n.stringValue().trim());
    }
    if (n.isIntegralNumber() || n.isBigDecimal()) {
      return Amounts.callAmount(name, n.decimalValue());
    }
    if (n.isNumber()) {
      // A double: its decimal digits are already lost. ExactJson bodies never get here.
      throw new InvalidInputException(name, name + " must be an exact decimal; send it as a JSON string such as "
          + "\"100.00\"");
    }
    throw new InvalidInputException(name, name + " must be a decimal amount such as \"100.00\" (a JSON string or "
        + "number), but was a JSON " + n.getNodeType().name().toLowerCase(Locale.ROOT));
  }

  @Nullable Integer integer(String name) {
    JsonNode n = fields.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new InvalidInputException(name, name + " must be a whole number, but was " + quote(n.toString()));
    }
    return n.intValue();
  }

  /** Field names are client text: keep printable ASCII only, bounded. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && sb.length() < 64; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }

  private static String quote(String s) {
    String p = printable(s.length() > 64 ? s.substring(0, 64) : s);
    return "\"" + p.replace("\"", "'") + "\"";
  }

  /**
   * A request body whose top-level numbers keep their exact decimal value. Jackson reads a JSON number with a
   * fraction ({@code 100.10}) into a {@code double} unless the application's mapper enables
   * {@code USE_BIG_DECIMAL_FOR_FLOATS}, and a double cannot hold most amounts exactly; this body reads them from the
   * parser's text as {@link BigDecimal} whatever the mapper's settings.
   *
   * @param tree the body
   */
  @JsonDeserialize(using = ExactJson.Reader.class)
  record ExactJson(JsonNode tree) {

    /** Reads the top-level object field by field; nested values are read as usual. */
    static final class Reader extends ValueDeserializer<ExactJson> {
      @Override
      public ExactJson deserialize(JsonParser p, DeserializationContext ctxt) {
        if (!p.hasToken(JsonToken.START_OBJECT)) {
          return new ExactJson(ctxt.readTree(p));
        }
        ObjectNode object = ctxt.getNodeFactory().objectNode();
        for (String name = p.nextName(); name != null; name = p.nextName()) {
          JsonToken t = p.nextToken();
          object.set(name, t == JsonToken.VALUE_NUMBER_FLOAT ? DecimalNode.valueOf(p.getDecimalValue())
              : ctxt.readTree(p));
        }
        return new ExactJson(object);
      }
    }
  }
}
