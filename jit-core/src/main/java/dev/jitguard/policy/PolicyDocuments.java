package dev.jitguard.policy;

import dev.jitguard.internal.util.Text;
import dev.jitguard.spi.OnCallSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Loads a {@link Policy} from a JSON or YAML document: from a file, from the classpath or from text. A document is
 * applied field by field to {@link Policy#builder()} and {@link dev.jitguard.rule.PrivilegeRule#builder(String)}, so it means exactly
 * what the same calls in code mean and passes exactly the same validation.
 *
 * <pre>{@code
 * Policy policy = PolicyDocuments.load(Path.of("/etc/jitguard/policy.yaml"));
 * Policy withOnCall = PolicyDocuments.loader()
 *     .withOnCallSource(pagerDuty)
 *     .loadResource("policies/payments.yaml");
 * }</pre>
 *
 * <p>A document that is not valid is rejected whole with a {@link PolicyDocumentException} listing every problem
 * with its file, line, column, field path and fix. Unknown fields are errors (a typo must never weaken a rule).
 * Documents are plain data: they can never name a Java type (no polymorphic typing, no YAML tags, anchors or
 * aliases), and at most {@value #MAX_BYTES} bytes are read.
 *
 * <p>The loaded policy's {@link Policy#version() version} is the document's {@code version} followed by {@code #} and
 * the first 12 hex digits of the SHA-256 of the document's bytes (only the digits when the document has no version),
 * so every decision can be traced to the exact content that made it.
 */
public final class PolicyDocuments {
  /** The largest document read: 1 MiB. */
  public static final int MAX_BYTES = 1 << 20;

  private PolicyDocuments() {}

  /** The syntax of a document. */
  public enum Format {
    /** JSON (RFC 8259). */
    JSON,
    /** YAML 1.2, without tags, anchors or aliases. */
    YAML;

    /**
     * The format a file name implies.
     *
     * @param fileName a file or resource name
     * @return JSON for {@code .json}, YAML for {@code .yaml} and {@code .yml} (any case); empty otherwise
     */
    public static Optional<Format> forName(String fileName) {
      Objects.requireNonNull(fileName, "fileName cannot be null");
      String n = fileName.toLowerCase(Locale.ROOT);
      if (n.endsWith(".json")) {
        return Optional.of(JSON);
      }
      if (n.endsWith(".yaml") || n.endsWith(".yml")) {
        return Optional.of(YAML);
      }
      return Optional.empty();
    }
  }

  /**
   * Loads a document file; the format follows the file extension.
   *
   * @param path a {@code .json}, {@code .yaml} or {@code .yml} file
   * @return the policy
   * @throws PolicyDocumentException if the file cannot be read or the document is not valid
   */
  public static Policy load(Path path) {
    return loader().load(path);
  }

  /**
   * Loads a document from the classpath; the format follows the resource name's extension.
   *
   * @param resourceName for example {@code policies/payments.yaml}
   * @return the policy
   * @throws PolicyDocumentException if the resource is missing or the document is not valid
   */
  public static Policy loadResource(String resourceName) {
    return loader().loadResource(resourceName);
  }

  /**
   * Parses a document held in a string; the format follows the source name's extension.
   *
   * @param document the document text
   * @param sourceName a name for error messages, such as {@code policy.yaml}
   * @return the policy
   * @throws PolicyDocumentException if the document is not valid
   */
  public static Policy parse(String document, String sourceName) {
    return loader().parse(document, sourceName);
  }

  /**
   * Starts a loader with options: an on-call source (needed when documents use {@code autoApprove: [{onCall: ..}]}),
   * an explicit format, a class loader for resources.
   *
   * @return a new loader
   */
  public static Loader loader() {
    return new Loader();
  }

  /** A policy and the SHA-256 of the bytes it came from. */
  record Loaded(Policy policy, String sha256) {}

  /**
   * Loads policy documents with options. Each option may be set once. Once configured, a loader may be used any
   * number of times and from several threads.
   */
  public static final class Loader {
    private @Nullable OnCallSource onCallSource;
    private @Nullable Format format;
    private @Nullable ClassLoader classLoader;

    private Loader() {}

    /**
     * The on-call source that {@code onCall} auto-approval conditions ask. Without one, a document using them is
     * rejected.
     *
     * @param source the source
     * @return this loader
     */
    public Loader withOnCallSource(OnCallSource source) {
      Objects.requireNonNull(source, "source cannot be null");
      if (onCallSource != null) {
        throw new IllegalStateException("onCallSource was already set to " + onCallSource);
      }
      this.onCallSource = source;
      return this;
    }

    /**
     * The format of every document this loader reads, instead of guessing it from the file extension.
     *
     * @param format JSON or YAML
     * @return this loader
     */
    public Loader withFormat(Format format) {
      Objects.requireNonNull(format, "format cannot be null");
      if (this.format != null) {
        throw new IllegalStateException("format was already set to " + this.format);
      }
      this.format = format;
      return this;
    }

    /**
     * The class loader for {@link #loadResource}. Defaults to the thread's context class loader, else the one that
     * loaded JIT Guard.
     *
     * @param loader the class loader
     * @return this loader
     */
    public Loader withClassLoader(ClassLoader loader) {
      Objects.requireNonNull(loader, "loader cannot be null");
      if (classLoader != null) {
        throw new IllegalStateException("classLoader was already set to " + classLoader);
      }
      this.classLoader = loader;
      return this;
    }

    /**
     * Loads a document file.
     *
     * @param path the file
     * @return the policy
     * @throws PolicyDocumentException if the file cannot be read or the document is not valid
     */
    public Policy load(Path path) {
      Objects.requireNonNull(path, "path cannot be null");
      String source = path.toString();
      return read(readFile(path, source), source).policy();
    }

    /**
     * Loads a document from the classpath.
     *
     * @param resourceName the resource, for example {@code policies/payments.yaml} (a leading {@code /} is ignored)
     * @return the policy
     * @throws PolicyDocumentException if the resource is missing or the document is not valid
     */
    public Policy loadResource(String resourceName) {
      Objects.requireNonNull(resourceName, "resourceName cannot be null");
      String name = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
      ClassLoader cl = classLoader;
      if (cl == null) {
        cl = Thread.currentThread().getContextClassLoader();
      }
      if (cl == null) {
        cl = PolicyDocuments.class.getClassLoader();
      }
      byte[] bytes;
      try (InputStream in = cl.getResourceAsStream(name)) {
        if (in == null) {
          throw single(name, "no such resource on the classpath; check the name and that the file is packaged "
              + "(for example src/main/resources/" + name + ")");
        }
        bytes = readLimited(in, name);
      } catch (IOException e) {
        throw single(name, "cannot be read: " + describe(e));
      }
      return read(bytes, name).policy();
    }

    /**
     * Parses a document held in a string.
     *
     * @param document the document text
     * @param sourceName a name for error messages; its extension gives the format unless one was set
     * @return the policy
     * @throws PolicyDocumentException if the document is not valid
     */
    public Policy parse(String document, String sourceName) {
      Objects.requireNonNull(document, "document cannot be null");
      Objects.requireNonNull(sourceName, "sourceName cannot be null");
      byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > MAX_BYTES) {
        throw tooLarge(sourceName, bytes.length);
      }
      return read(bytes, sourceName).policy();
    }

    /** A copy with the same options, so a long-lived user is not affected by later changes to this loader. */
    Loader copy() {
      Loader l = new Loader();
      l.onCallSource = onCallSource;
      l.format = format;
      l.classLoader = classLoader;
      return l;
    }

    Loaded read(byte[] bytes, String source) {
      DocProblems problems = new DocProblems(source);
      Format f = format != null ? format : Format.forName(source).orElse(null);
      if (f == null) {
        problems.addDocument("cannot tell whether the document is JSON or YAML; name it *.json, *.yaml or *.yml, "
            + "or set the format with PolicyDocuments.loader().withFormat(..)");
        throw problems.toException();
      }
      String sha256 = sha256(bytes);
      DocNode root = DocumentReader.read(bytes, f, problems);
      Policy policy = root == null ? null : DocumentBinder.bind(root, sha256.substring(0, 12), onCallSource,
          problems);
      if (policy == null || !problems.isEmpty()) {
        throw problems.toException();
      }
      return new Loaded(policy, sha256);
    }
  }

  static byte[] readFile(Path path, String source) {
    try (InputStream in = Files.newInputStream(path)) {
      return readLimited(in, source);
    } catch (NoSuchFileException e) {
      throw single(source, "does not exist; check the path (the working directory is "
          + Text.quote(Path.of("").toAbsolutePath().toString()) + ")");
    } catch (IOException e) {
      throw single(source, "cannot be read: " + describe(e) + "; check that the path names a readable file");
    }
  }

  private static byte[] readLimited(InputStream in, String source) throws IOException {
    byte[] bytes = in.readNBytes(MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) {
      throw tooLarge(source, -1);
    }
    return bytes;
  }

  private static PolicyDocumentException tooLarge(String source, long size) {
    return single(source, String.format(Locale.ROOT, "is larger than the limit of %d bytes (1 MiB)%s; a policy "
        + "document that large cannot be reviewed: use prefix rules such as payments.* instead of one rule per "
        + "privilege", MAX_BYTES, size < 0 ? "" : String.format(Locale.ROOT, " at %d bytes", size)));
  }

  static PolicyDocumentException single(String source, String message) {
    return new PolicyDocumentException(source, List.of(new PolicyDocumentException.Problem(source, 0, 0, "",
        message)));
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + Text.quote(e.getMessage()));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
