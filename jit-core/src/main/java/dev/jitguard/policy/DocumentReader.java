package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.dataformat.yaml.JacksonYAMLParseException;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads a JSON or YAML document into {@link DocNode}s with a Jackson streaming parser, recording the line and column
 * of every node. This is the only place that touches Jackson, and it never binds to Java types: no data binding, no
 * default typing, no polymorphic type handling. YAML tags, anchors and aliases are rejected, so a document can never
 * name a class or expand into something larger than it looks.
 */
final class DocumentReader {
  /** Deeper than any valid document (the deepest valid path has 6 levels); stops deeply nested input early. */
  static final int MAX_DEPTH = 16;

  private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_DEPTH + 4)
      .maxStringLength(PolicyDocuments.MAX_BYTES)
      .maxNameLength(1_000)
      .maxNumberLength(100)
      .build();

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(CONSTRAINTS)
      .build();

  private static final YAMLFactory YAML = YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(CONSTRAINTS)
      .build();

  private static final Pattern YAML_MARK = Pattern.compile("line (\\d+), column (\\d+)");

  private final DocProblems problems;
  private final PolicyDocuments.Format format;
  /** Paths of the mappings being read, innermost last, for errors the parser raises mid-mapping. */
  private final List<String> open = new ArrayList<>();

  private DocumentReader(DocProblems problems, PolicyDocuments.Format format) {
    this.problems = problems;
    this.format = format;
  }

  /**
   * Parses a document.
   *
   * @return the root node, or null if the document is empty or not well-formed (the problem was added)
   */
  static @Nullable DocNode read(byte[] bytes, PolicyDocuments.Format format, DocProblems problems) {
    TokenStreamFactory factory = format == PolicyDocuments.Format.YAML ? YAML : JSON;
    return read(bytes, format, problems, b -> factory.createParser(ObjectReadContext.empty(), b));
  }

  /**
   * Parses a document with the parser {@code opener} makes: the production path passes the shared factories; tests
   * pass a parser that fails the way a buggy parser would.
   */
  static @Nullable DocNode read(byte[] bytes, PolicyDocuments.Format format, DocProblems problems,
      Function<byte[], JsonParser> opener) {
    return new DocumentReader(problems, format).read(bytes, opener);
  }

  private @Nullable DocNode read(byte[] bytes, Function<byte[], JsonParser> opener) {
    JsonParser p;
    try {
      p = opener.apply(bytes);
    } catch (JacksonException e) {
      syntax(e, null);
      return null;
    } catch (RuntimeException e) {
      parserFailure(e, null);
      return null;
    }
    try (p) {
      JsonToken first = p.nextToken();
      if (first == null) {
        problems.add(1, 1, "", "the document is empty; a policy document needs at least \"policies\" with one "
            + "rule, for example {\"policies\": {\"logs.read\": {...}}}");
        return null;
      }
      DocNode root = value(p, "", 0);
      JsonToken extra = p.nextToken();
      if (extra != null) {
        TokenStreamLocation at = p.currentTokenLocation();
        problems.add(at.getLineNr(), at.getColumnNr(), "", format == PolicyDocuments.Format.YAML
            ? "the file holds more than one YAML document; a policy file holds exactly one (remove the \"---\" "
                + "separator and everything after it, or merge the documents)"
            : "there is more content after the end of the document; a policy file holds exactly one JSON object");
        return null;
      }
      return root;
    } catch (JacksonException e) {
      syntax(e, p);
      return null;
    } catch (TooDeep e) {
      problems.add(e.line, e.column, e.path, String.format(Locale.ROOT, "is nested more than %d levels deep; no "
          + "valid policy document is, check the indentation or brackets", MAX_DEPTH));
      return null;
    } catch (RuntimeException e) {
      parserFailure(e, p);
      return null;
    }
  }

  /**
   * The parser itself failed with something other than a syntax error (an {@code IndexOutOfBoundsException} from a
   * parser bug, say, such as SnakeYAML Engine 3.0.1 on a surrogate pair at its 1,024-character buffer boundary). The
   * document may well be valid, so the problem says so, points at where the parser stopped, and says what to do; it
   * never escapes as the parser's own exception type.
   */
  private void parserFailure(RuntimeException e, @Nullable JsonParser p) {
    int line = 0;
    int column = 0;
    if (p != null) {
      try {
        TokenStreamLocation at = p.currentLocation();
        line = Math.max(at.getLineNr(), 0);
        column = line > 0 ? Math.max(at.getColumnNr(), 0) : 0;
      } catch (RuntimeException ignored) {
        // The parser is broken; report the failure without a position.
      }
    }
    String detail = e.getMessage() == null ? "" : " " + Text.quote(e.getMessage());
    problems.add(line, column, open.isEmpty() ? "" : open.get(open.size() - 1), "could not be read: the " + format
        + " parser failed unexpectedly (" + e.getClass().getName() + detail + ")" + (line > 0 ? " at or after this "
            + "position" : "") + ". This is a fault of the parser, not necessarily of the document; as a "
        + "work-around, remove or move non-ASCII characters such as emoji near this position (comments included) "
        + "or convert the document to " + (format == PolicyDocuments.Format.YAML ? "JSON" : "YAML") + ", and report "
        + "the parser version and this message to the JIT Guard maintainers");
  }

  private DocNode value(JsonParser p, String path, int depth) {
    JsonToken t = p.currentToken();
    TokenStreamLocation at = p.currentTokenLocation();
    int line = at.getLineNr();
    int column = at.getColumnNr();
    if (depth > MAX_DEPTH) {
      throw new TooDeep(line, column, path);
    }
    yamlExtras(p, line, column, path);
    switch (t) {
      case START_OBJECT -> {
        Map<String, DocNode.Entry> entries = new LinkedHashMap<>();
        open.add(path);
        JsonToken n;
        while ((n = p.nextToken()) == JsonToken.PROPERTY_NAME) {
          String key = p.currentName();
          TokenStreamLocation k = p.currentTokenLocation();
          p.nextToken();
          DocNode v = value(p, child(path, key), depth + 1);
          entries.put(key, new DocNode.Entry(key, k.getLineNr(), k.getColumnNr(), v));
        }
        open.remove(open.size() - 1);
        if (n != JsonToken.END_OBJECT) {
          throw new IllegalStateException("unexpected token " + n + " in a mapping");
        }
        return new DocNode.Mapping(line, column, entries);
      }
      case START_ARRAY -> {
        List<DocNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(value(p, path + "[" + items.size() + "]", depth + 1));
        }
        return new DocNode.Sequence(line, column, items);
      }
      case VALUE_STRING -> {
        return new DocNode.Scalar(line, column, DocNode.Kind.STRING, p.getString());
      }
      case VALUE_NUMBER_INT -> {
        return new DocNode.Scalar(line, column, DocNode.Kind.INTEGER, p.getString());
      }
      case VALUE_NUMBER_FLOAT -> {
        return new DocNode.Scalar(line, column, DocNode.Kind.DECIMAL, p.getString());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new DocNode.Scalar(line, column, DocNode.Kind.BOOLEAN, t == JsonToken.VALUE_TRUE ? "true" : "false");
      }
      case VALUE_NULL -> {
        return new DocNode.Scalar(line, column, DocNode.Kind.NULL, "null");
      }
      default -> {
        // VALUE_EMBEDDED_OBJECT (YAML binary) and anything else: never turned into an object.
        problems.add(line, column, path, "holds a value of kind " + t + " that policy documents do not use; write "
            + "text, a number, true/false, a list or a mapping");
        return new DocNode.Scalar(line, column, DocNode.Kind.NULL, "null");
      }
    }
  }

  /** YAML tags would name types ({@code !!javax.script.ScriptEngineManager}); anchors and aliases hide content. */
  private void yamlExtras(JsonParser p, int line, int column, String path) {
    if (!(p instanceof YAMLParser y)) {
      return;
    }
    String tag = y.getTypeId();
    if (tag != null) {
      problems.add(line, column, path, "has the YAML tag " + Text.quote(tag) + ", but policy documents do not "
          + "accept tags: a document holds plain values and can never name a type; remove the tag");
    }
    String anchor = y.getObjectId();
    if (anchor != null) {
      problems.add(line, column, path, "has the YAML anchor " + Text.quote("&" + anchor) + ", but policy documents "
          + "do not accept anchors and aliases; write the value out in full");
    }
    if (y.isCurrentAlias()) {
      problems.add(line, column, path, "is the YAML alias " + Text.quote("*" + y.getString()) + ", but policy "
          + "documents do not accept anchors and aliases; write the value out in full");
    }
  }

  private void syntax(JacksonException e, @Nullable JsonParser p) {
    String original = e.getOriginalMessage();
    String message = original == null ? e.getClass().getSimpleName() : original;
    TokenStreamLocation at = e.getLocation();
    int line = at == null ? 0 : at.getLineNr();
    int column = at == null ? 0 : at.getColumnNr();
    if (message.startsWith("Duplicate Object property")) {
      String key = p == null ? null : p.currentName();
      if (key == null) {
        int q1 = message.indexOf('"');
        int q2 = message.lastIndexOf('"');
        key = q1 >= 0 && q2 > q1 ? message.substring(q1 + 1, q2) : "?";
      }
      String parent = open.isEmpty() ? "" : open.get(open.size() - 1);
      // Jackson reports the position after the key; point at the key itself.
      if (p instanceof YAMLParser) {
        TokenStreamLocation keyAt = p.currentTokenLocation();
        line = keyAt.getLineNr();
        column = keyAt.getColumnNr();
      } else if (column - key.length() - 2 >= 1) {
        column = column - key.length() - 2;
      }
      problems.add(line, column, child(parent, key), "is defined twice in the same mapping; a second definition "
          + "would silently replace the first, so keep exactly one (merge the two)");
      return;
    }
    if (e instanceof JacksonYAMLParseException) {
      // snakeyaml's message: context and problem lines, each followed by a mark and an excerpt of the input.
      List<String> parts = new ArrayList<>();
      for (String l : message.split("\n")) {
        if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
          parts.add(l.strip());
        }
      }
      Matcher m = YAML_MARK.matcher(message);
      while (m.find()) {
        line = Integer.parseInt(m.group(1));
        column = Integer.parseInt(m.group(2));
      }
      message = String.join(": ", parts);
    }
    // The parser's message may quote the input; PolicyDocumentException.Problem keeps it to one printable line.
    StringBuilder sb = new StringBuilder("is not well-formed ").append(format).append(": ").append(message);
    sb.append("; fix the syntax at this position (a validator or your editor's ").append(format)
        .append(" mode shows the exact spot)");
    problems.add(line, column, open.isEmpty() ? "" : open.get(open.size() - 1), sb.toString());
  }

  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** Nesting beyond {@link #MAX_DEPTH}. */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;
    final String path;

    TooDeep(int line, int column, String path) {
      super(null, null, false, false);
      this.line = line;
      this.column = column;
      this.path = path;
    }
  }
}
