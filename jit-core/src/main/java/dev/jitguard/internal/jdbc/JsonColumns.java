package dev.jitguard.internal.jdbc;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON text columns of the JDBC store and sink: lists of strings, string maps and approvals, written and read
 * through Jackson's tree model with fixed shapes. Nothing is bound to classes by name: no polymorphic typing, no
 * default typing, so a tampered column can never make the reader instantiate a type. Reading is strict: wrong types,
 * missing or unknown keys, duplicate keys and trailing content are rejected with {@link IllegalArgumentException}
 * (which the store reports as a corrupt row), never skipped.
 *
 * <p>Shapes: string lists {@code ["a","b"]}; string maps {@code {"k":"v"}}; approvals
 * {@code [{"approver":"bob","approvedAt":1767225600000,"comment":"ok","groups":["dba"],"durationLimit":"PT10M",
 * "channel":"slack","authentication":"sso-mfa"}]} with {@code approvedAt} in epoch milliseconds,
 * {@code durationLimit} (ISO-8601) omitted when absent, and {@code channel} and {@code authentication} (the
 * approval's {@link ApprovalContext}) both present or both omitted.
 */
public final class JsonColumns {
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final Set<String> APPROVAL_KEYS = Set.of("approver", "approvedAt", "comment", "groups",
      "durationLimit", "channel", "authentication");

  private JsonColumns() {}

  /**
   * Writes strings as a JSON array.
   *
   * @param values the strings
   * @return the JSON text
   */
  public static String strings(Collection<String> values) {
    ArrayNode array = JSON.createArrayNode();
    for (String v : values) {
      array.add(v);
    }
    return write(array);
  }

  /**
   * Reads a JSON array of strings.
   *
   * @param json the column value
   * @param column the column name, for messages
   * @return the strings, in order
   */
  public static List<String> readStrings(@Nullable String json, String column) {
    if ("[]".equals(json)) {
      return List.of();
    }
    return strings(parse(json, column), column);
  }

  /**
   * Writes a string map as a JSON object.
   *
   * @param values the map
   * @return the JSON text
   */
  public static String stringMap(Map<String, String> values) {
    ObjectNode object = JSON.createObjectNode();
    for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
      object.put(e.getKey(), e.getValue());
    }
    return write(object);
  }

  /**
   * Reads a JSON object of strings.
   *
   * @param json the column value
   * @param column the column name, for messages
   * @return the map, sorted by key
   */
  public static Map<String, String> readStringMap(@Nullable String json, String column) {
    if ("{}".equals(json)) {
      return Map.of();
    }
    JsonNode node = parse(json, column);
    if (!node.isObject()) {
      throw new IllegalArgumentException("column " + column + " must be a JSON object of strings");
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isString()) {
        throw new IllegalArgumentException("column " + column + " must be a JSON object of strings, but a value is "
            + e.getValue().getNodeType());
      }
      out.put(e.getKey(), e.getValue().stringValue());
    }
    return out;
  }

  /**
   * Writes approvals (or denials).
   *
   * @param approvals the approvals
   * @return the JSON text
   */
  public static String approvals(List<Approval> approvals) {
    ArrayNode array = JSON.createArrayNode();
    for (Approval a : approvals) {
      ObjectNode o = array.addObject();
      o.put("approver", a.approver());
      o.put("approvedAt", a.approvedAt().toEpochMilli());
      o.put("comment", a.comment());
      ArrayNode groups = o.putArray("groups");
      for (String g : new TreeSet<>(a.groups())) {
        groups.add(g);
      }
      if (a.durationLimit() != null) {
        o.put("durationLimit", a.durationLimit().toString());
      }
      ApprovalContext context = a.channelContext();
      if (context != null) {
        o.put("channel", context.channel());
        o.put("authentication", context.authentication());
      }
    }
    return write(array);
  }

  /**
   * Reads approvals (or denials).
   *
   * @param json the column value
   * @param column the column name, for messages
   * @return the approvals, in order
   */
  public static List<Approval> readApprovals(@Nullable String json, String column) {
    if ("[]".equals(json)) {
      return List.of();
    }
    JsonNode node = parse(json, column);
    if (!node.isArray()) {
      throw new IllegalArgumentException("column " + column + " must be a JSON array of approvals");
    }
    List<Approval> out = new ArrayList<>(node.size());
    int index = 0;
    for (JsonNode a : node) {
      String where = column + "[" + index++ + "]";
      if (!a.isObject()) {
        throw new IllegalArgumentException("column " + where + " must be a JSON object");
      }
      for (Iterator<String> names = a.propertyNames().iterator(); names.hasNext(); ) {
        String name = names.next();
        if (!APPROVAL_KEYS.contains(name)) {
          throw new IllegalArgumentException("column " + where + " has an unknown key (expected "
              + APPROVAL_KEYS + ")");
        }
      }
      String approver = requiredString(a, "approver", where);
      JsonNode at = a.get("approvedAt");
      if (at == null || !at.isIntegralNumber() || !at.canConvertToLong()) {
        throw new IllegalArgumentException("column " + where + ".approvedAt must be epoch milliseconds");
      }
      String comment = requiredString(a, "comment", where);
      JsonNode groups = a.get("groups");
      if (groups == null) {
        throw new IllegalArgumentException("column " + where + ".groups is missing");
      }
      Duration limit = null;
      JsonNode limitNode = a.get("durationLimit");
      if (limitNode != null && !limitNode.isNull()) {
        if (!limitNode.isString()) {
          throw new IllegalArgumentException("column " + where + ".durationLimit must be an ISO-8601 duration");
        }
        try {
          limit = Duration.parse(limitNode.stringValue());
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("column " + where + ".durationLimit is not an ISO-8601 duration", e);
        }
      }
      out.add(new Approval(approver, Instant.ofEpochMilli(at.longValue()), comment,
          Set.copyOf(strings(groups, where + ".groups")), limit, context(a, where)));
    }
    return out;
  }

  /** The channel context of an approval: both keys or neither; each a valid token. */
  private static @Nullable ApprovalContext context(JsonNode approval, String where) {
    boolean channel = approval.get("channel") != null;
    boolean authentication = approval.get("authentication") != null;
    if (!channel && !authentication) {
      return null;
    }
    if (channel != authentication) {
      throw new IllegalArgumentException("column " + where + " has " + (channel ? "channel" : "authentication")
          + " without " + (channel ? "authentication" : "channel") + " (the channel context needs both)");
    }
    String name = requiredString(approval, "channel", where);
    String strength = requiredString(approval, "authentication", where);
    try {
      return new ApprovalContext(name, strength);
    } catch (IllegalArgumentException e) {
      // The message quotes the value; say which field without echoing it.
      throw new IllegalArgumentException("column " + where + " has a channel context that is not two lowercase "
          + "tokens (channel and authentication)");
    }
  }

  private static String requiredString(JsonNode object, String key, String where) {
    JsonNode v = object.get(key);
    if (v == null || !v.isString()) {
      throw new IllegalArgumentException("column " + where + "." + key + " must be a string");
    }
    return v.stringValue();
  }

  private static List<String> strings(JsonNode node, String where) {
    if (!node.isArray()) {
      throw new IllegalArgumentException("column " + where + " must be a JSON array of strings");
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode v : node) {
      if (!v.isString()) {
        throw new IllegalArgumentException("column " + where + " must be a JSON array of strings, but an element is "
            + v.getNodeType());
      }
      out.add(v.stringValue());
    }
    return out;
  }

  private static JsonNode parse(@Nullable String json, String column) {
    if (json == null) {
      throw new IllegalArgumentException("column " + column + " is NULL");
    }
    try {
      return JSON.readTree(json);
    } catch (JacksonException e) {
      // The parser's message quotes the column's content; keep it out of the message (it may hold user text).
      throw new IllegalArgumentException("column " + column + " is not valid JSON (at character "
          + (e.getLocation() == null ? "?" : String.valueOf(e.getLocation().getCharOffset())) + ")");
    }
  }

  private static String write(JsonNode node) {
    return JSON.writeValueAsString(node);
  }
}
