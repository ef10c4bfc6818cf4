package dev.jitguard;

import dev.jitguard.internal.util.Identifiers;
import dev.jitguard.internal.util.Text;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is acting: a person, a service account or a bot, as the host application authenticated it.
 *
 * <p>Identifiers (the id and the group names) are canonicalised once, here: Unicode NFKC, then lowercase with
 * {@link java.util.Locale#ROOT}. So {@code "Alice"} and {@code "alice"} are the same subject everywhere in JIT Guard,
 * including the no-self-approval rule. Identifiers containing whitespace, control or invisible (format, bidi)
 * characters are rejected. Instances are immutable and thread-safe.
 */
public final class Subject {
  private final String id;
  private final Set<String> groups;
  private final Map<String, String> attributes;

  private Subject(Builder b) {
    this.id = b.id;
    this.groups = Collections.unmodifiableSet(new TreeSet<>(b.groups));
    this.attributes = Collections.unmodifiableMap(new TreeMap<>(b.attributes));
  }

  /**
   * A subject with an id and groups.
   *
   * @param id the subject id, canonicalised
   * @param groups group names, canonicalised
   * @return the subject
   * @throws InvalidInputException if an identifier is malformed
   */
  public static Subject of(String id, String... groups) {
    return builder(id).groups(groups).build();
  }

  /**
   * Starts a builder for a subject.
   *
   * @param id the subject id, canonicalised
   * @return the builder
   * @throws InvalidInputException if the id is malformed
   */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * Canonicalises a subject id the way {@link #of} does, for comparing stored ids with user input.
   *
   * @param id the raw id
   * @return the canonical id
   * @throws InvalidInputException if the id is malformed
   */
  public static String canonicalId(String id) {
    return Identifiers.canonical("subject.id", id);
  }

  /**
   * The canonical id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * The canonical group names, sorted.
   *
   * @return an unmodifiable set
   */
  public Set<String> groups() {
    return groups;
  }

  /**
   * Whether the subject is in a group.
   *
   * @param group a canonical group name
   * @return true if it is
   */
  public boolean inGroup(String group) {
    return groups.contains(group);
  }

  /**
   * Attributes (department, employment type, ...), sorted by key.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> attributes() {
    return attributes;
  }

  /**
   * One attribute.
   *
   * @param key the attribute key
   * @return the value, if present
   */
  public Optional<String> attribute(String key) {
    return Optional.ofNullable(attributes.get(key));
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof Subject s && id.equals(s.id) && groups.equals(s.groups)
        && attributes.equals(s.attributes));
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, groups, attributes);
  }

  @Override
  public String toString() {
    return "Subject[id=" + Text.quote(id) + ", groups=" + groups + "]";
  }

  /** Builds a {@link Subject}; each setter validates its value immediately. Not thread-safe. */
  public static final class Builder {
    private final String id;
    private final Set<String> groups = new TreeSet<>();
    private final Map<String, String> attributes = new LinkedHashMap<>();

    private Builder(String id) {
      this.id = Identifiers.canonical("subject.id", id);
    }

    /**
     * Adds groups.
     *
     * @param groups group names, canonicalised
     * @return this builder
     */
    public Builder groups(String... groups) {
      Objects.requireNonNull(groups, "groups cannot be null");
      for (String g : groups) {
        this.groups.add(Identifiers.canonical("subject.groups", g));
      }
      return this;
    }

    /**
     * Adds groups.
     *
     * @param groups group names, canonicalised
     * @return this builder
     */
    public Builder groups(Collection<String> groups) {
      Objects.requireNonNull(groups, "groups cannot be null");
      return groups(groups.toArray(String[]::new));
    }

    /**
     * Sets an attribute.
     *
     * @param key a key in the privilege-segment grammar ({@code [a-z][a-z0-9_-]*})
     * @param value printable text of at most 256 characters
     * @return this builder
     */
    public Builder attribute(String key, String value) {
      Objects.requireNonNull(key, "attribute key cannot be null");
      Objects.requireNonNull(value, "attribute value cannot be null");
      if (!key.matches("[a-z][a-z0-9_-]{0,63}")) {
        throw new InvalidInputException("subject.attributes", "attribute key " + Text.quote(key.length() > 80
            ? key.substring(0, 80) + "..." : key) + " is invalid; use lowercase ASCII [a-z][a-z0-9_-]*, at most 64 "
            + "characters");
      }
      attributes.put(key, Text.token("subject.attributes." + key, value, 256));
      return this;
    }

    /**
     * Builds the subject.
     *
     * @return the immutable subject
     */
    public Subject build() {
      return new Subject(this);
    }
  }
}
