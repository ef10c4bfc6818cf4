package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Assembles flat properties ({@code [0].approval.groups[1] = leads}) into the tree of {@link DocNode}s a document
 * parses into: keys become mappings, {@code [n]} indices lists, values scalars typed by their Java type (a YAML
 * number arrives as a number, a {@code .properties} value as text). A name that is both a value and a parent, a
 * list index where keys were written (or the reverse) and a list with a gap in its indices are reported, never
 * guessed at. Each node is placed at the origin of the first property below it.
 */
final class PropertyTree {
  /** Longest list index accepted: no rule has that many entries of anything. */
  private static final int MAX_INDEX = 9_999;

  private static final class Node {
    final DocNode.Pos at;
    final String spath;
    DocNode.@Nullable Scalar scalar;
    @Nullable Map<String, Node> keys;
    @Nullable TreeMap<Integer, Node> items;

    Node(DocNode.Pos at, String spath) {
      this.at = at;
      this.spath = spath;
    }
  }

  private final DocProblems problems;
  private final Node root;

  PropertyTree(String prefix, DocProblems problems) {
    this.problems = problems;
    this.root = new Node(new DocNode.Pos(0, 0, ""), prefix);
  }

  /**
   * Adds one property.
   *
   * @param name the name's elements below the prefix: keys as written, list indices as {@code [n]}
   * @param value the value, typed as the property source holds it
   * @param origin where the property was set
   */
  void add(List<String> name, @Nullable Object value, String origin) {
    DocNode.Pos at = new DocNode.Pos(0, 0, origin);
    String spath = root.spath + render(name);
    DocNode.Scalar scalar = scalar(value, at, spath);
    if (scalar == null) {
      return;
    }
    Node n = root;
    for (String element : name) {
      Integer index = index(element);
      if (element.startsWith("[") && index == null) {
        problems.add(at, spath, "has the list index " + Text.quote(element) + "; number list entries [0], [1], ... "
            + "up to [" + MAX_INDEX + "]");
        return;
      }
      if (n.scalar != null || (index != null ? n.keys != null : n.items != null)) {
        conflict(n, at, spath);
        return;
      }
      String child = n.spath + (index != null ? element : "." + element);
      if (index != null) {
        n.items = n.items != null ? n.items : new TreeMap<>();
        n = n.items.computeIfAbsent(index, k -> new Node(at, child));
      } else {
        n.keys = n.keys != null ? n.keys : new LinkedHashMap<>();
        n = n.keys.computeIfAbsent(element, k -> new Node(at, child));
      }
    }
    if (n.scalar != null || n.keys != null || n.items != null) {
      conflict(n, at, spath);
      return;
    }
    n.scalar = scalar;
  }

  private void conflict(Node n, DocNode.Pos at, String spath) {
    String was = n.scalar != null ? "a value" : n.keys != null ? "a mapping" : "a list";
    problems.add(at, spath, "conflicts with " + n.spath + ", which is set as " + was + (n.at.origin().isEmpty()
        ? "" : " at " + n.at.origin()) + "; write each field in one form only");
  }

  /** @return the rules: the list under the prefix (empty when nothing, or an empty value, was set) */
  DocNode toDoc() {
    if (root.scalar != null && root.scalar.kind() == DocNode.Kind.STRING && root.scalar.text().isBlank()) {
      return new DocNode.Sequence(root.scalar.at(), List.of());
    }
    return root.scalar == null && root.keys == null && root.items == null
        ? new DocNode.Sequence(root.at, List.of()) : doc(root);
  }

  private DocNode doc(Node n) {
    if (n.scalar != null) {
      return n.scalar;
    }
    if (n.keys != null) {
      Map<String, DocNode.Entry> entries = new LinkedHashMap<>();
      n.keys.forEach((k, v) -> entries.put(k, new DocNode.Entry(k, v.at, doc(v))));
      return new DocNode.Mapping(n.at, entries);
    }
    List<DocNode> items = new ArrayList<>();
    int expected = 0;
    for (Map.Entry<Integer, Node> e : n.items.entrySet()) {
      if (e.getKey() != expected) {
        problems.add(e.getValue().at, e.getValue().spath, "is set, but " + n.spath + "[" + expected + "] is not; "
            + "number list entries from [0] without gaps");
        expected = e.getKey();
      }
      items.add(doc(e.getValue()));
      expected++;
    }
    return new DocNode.Sequence(n.at, items);
  }

  private @Nullable Integer index(String element) {
    if (element.length() < 3 || element.length() > 6 || !element.startsWith("[") || !element.endsWith("]")) {
      return null;
    }
    String digits = element.substring(1, element.length() - 1);
    return digits.chars().allMatch(c -> c >= '0' && c <= '9') ? Integer.valueOf(digits) : null;
  }

  private DocNode.@Nullable Scalar scalar(@Nullable Object value, DocNode.Pos at, String spath) {
    if (value == null) {
      return new DocNode.Scalar(at, DocNode.Kind.NULL, "null");
    }
    if (value instanceof CharSequence s) {
      return new DocNode.Scalar(at, DocNode.Kind.STRING, s.toString());
    }
    if (value instanceof Boolean b) {
      return new DocNode.Scalar(at, DocNode.Kind.BOOLEAN, b.toString());
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger) {
      return new DocNode.Scalar(at, DocNode.Kind.INTEGER, value.toString());
    }
    if (value instanceof BigDecimal d) {
      return new DocNode.Scalar(at, DocNode.Kind.DECIMAL, d.toPlainString());
    }
    if (value instanceof Double || value instanceof Float) {
      return new DocNode.Scalar(at, DocNode.Kind.DECIMAL, value.toString());
    }
    problems.add(at, spath, "holds a value of type " + value.getClass().getName() + ", which rules do not use; "
        + "write text, a number, true/false or a list");
    return null;
  }

  private static String render(List<String> name) {
    StringBuilder sb = new StringBuilder();
    for (String e : name) {
      sb.append(e.startsWith("[") ? "" : ".").append(e);
    }
    return sb.toString();
  }
}
