package dev.jitguard.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper of this package: tree model only (no data binding, so no polymorphic typing can ever be
 * reached), duplicate keys and trailing content rejected on input.
 */
final class Json {
  static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static void put(ObjectNode node, String field, Instant value) {
    node.put(field, value == null ? null : value.toString());
  }

  static void put(ObjectNode node, String field, Duration value) {
    node.put(field, value == null ? null : value.toString());
  }

  static ArrayNode strings(ObjectNode node, String field, Collection<String> values) {
    ArrayNode a = node.putArray(field);
    values.forEach(a::add);
    return a;
  }

  static byte[] bytes(ObjectNode node) {
    return MAPPER.writeValueAsBytes(node);
  }

  static String string(ObjectNode node) {
    return MAPPER.writeValueAsString(node);
  }
}
