package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import java.util.List;
import java.util.Map;

/**
 * A parsed policy document: plain mappings, lists and scalars, each with the line and column it was written at. No
 * Java type is ever chosen by the document; the binder reads these nodes into the builders.
 */
sealed interface DocNode permits DocNode.Mapping, DocNode.Sequence, DocNode.Scalar {

  /** @return the 1-based line of the node */
  int line();

  /** @return the 1-based column of the node */
  int column();

  /** @return a short description of the node for "but was ..." messages */
  String describe();

  /**
   * A field of a mapping.
   *
   * @param key the field name as written
   * @param line the key's line
   * @param column the key's column
   * @param value the value
   */
  record Entry(String key, int line, int column, DocNode value) {
    /** @return the key's position, as a node for error reports */
    DocNode keyNode() {
      return new Scalar(line, column, Kind.STRING, key);
    }
  }

  /**
   * A mapping (a JSON object).
   *
   * @param line line
   * @param column column
   * @param entries fields in document order
   */
  record Mapping(int line, int column, Map<String, Entry> entries) implements DocNode {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /**
   * A list (a JSON array).
   *
   * @param line line
   * @param column column
   * @param items items in order
   */
  record Sequence(int line, int column, List<DocNode> items) implements DocNode {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** The kind of a scalar as the parser saw it. */
  enum Kind {
    STRING, INTEGER, DECIMAL, BOOLEAN, NULL
  }

  /**
   * A scalar.
   *
   * @param line line
   * @param column column
   * @param kind kind
   * @param text the text as parsed (numbers and booleans in their textual form)
   */
  record Scalar(int line, int column, Kind kind, String text) implements DocNode {
    @Override
    public String describe() {
      return switch (kind) {
        case STRING -> "the text " + Text.quote(text);
        case INTEGER, DECIMAL -> "the number " + Text.quote(text).replace("\"", "");
        case BOOLEAN -> text;
        case NULL -> "null (no value)";
      };
    }
  }
}
