package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import java.util.List;
import java.util.Map;

/**
 * A parsed policy document, or the rules of a property source: plain mappings, lists and scalars, each with where it
 * was written (the line and column of a document, the origin of a property). No Java type is ever chosen by the
 * input; the binder reads these nodes into the builders.
 */
sealed interface DocNode permits DocNode.Mapping, DocNode.Sequence, DocNode.Scalar {

  /** @return where the node was written */
  Pos at();

  /** @return the 1-based line of the node in its document, 0 if not known */
  default int line() {
    return at().line();
  }

  /** @return the 1-based column of the node in its document, 0 if not known */
  default int column() {
    return at().column();
  }

  /** @return a short description of the node for "but was ..." messages */
  String describe();

  /**
   * Where a node was written.
   *
   * @param line the 1-based line in a document, 0 if not known
   * @param column the 1-based column in a document, 0 if not known
   * @param origin where a property was set (a file and position, an environment variable), empty if not known or
   *     for a document, whose source is known to the caller
   */
  record Pos(int line, int column, String origin) {
    static Pos of(int line, int column) {
      return new Pos(line, column, "");
    }
  }

  /**
   * A field of a mapping.
   *
   * @param key the field name as written
   * @param keyAt where the key was written
   * @param value the value
   */
  record Entry(String key, Pos keyAt, DocNode value) {
    Entry(String key, int line, int column, DocNode value) {
      this(key, Pos.of(line, column), value);
    }

    /** @return the key's position, as a node for error reports */
    DocNode keyNode() {
      return new Scalar(keyAt, Kind.STRING, key);
    }
  }

  /**
   * A mapping (a JSON object).
   *
   * @param at where it starts
   * @param entries fields in the order written
   */
  record Mapping(Pos at, Map<String, Entry> entries) implements DocNode {
    Mapping(int line, int column, Map<String, Entry> entries) {
      this(Pos.of(line, column), entries);
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /**
   * A list (a JSON array).
   *
   * @param at where it starts
   * @param items items in order
   */
  record Sequence(Pos at, List<DocNode> items) implements DocNode {
    Sequence(int line, int column, List<DocNode> items) {
      this(Pos.of(line, column), items);
    }

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
   * @param at where it was written
   * @param kind kind
   * @param text the text as parsed (numbers and booleans in their textual form)
   */
  record Scalar(Pos at, Kind kind, String text) implements DocNode {
    Scalar(int line, int column, Kind kind, String text) {
      this(Pos.of(line, column), kind, text);
    }

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
