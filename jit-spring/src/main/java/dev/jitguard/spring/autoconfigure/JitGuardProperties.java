package dev.jitguard.spring.autoconfigure;

import dev.jitguard.policy.Policy;
import dev.jitguard.spring.aop.ElevationAdvisor;
import dev.jitguard.spring.aop.ElevationBeanVerifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of JIT Guard under {@code jit.*}.
 *
 * <pre>
 * jit:
 *   policy:
 *     administrators:
 *       groups: [admin]
 *     rules:
 *       - privilege: payments.refund
 *         eligible:
 *           groups: [support]
 *         approval:
 *           groups: [payments-leads]
 *         justification:
 *           min-length: 20
 *         max-duration: PT1H
 *   web:
 *     enabled: true
 * </pre>
 */
@ConfigurationProperties("jit")
public class JitGuardProperties {

  /** Whether JIT Guard is enabled. When false, nothing is configured and @RequiresElevation is not enforced. */
  private boolean enabled = true;

  private final Advisor advisor = new Advisor();

  private final SubjectMapping subject = new SubjectMapping();

  private final Policy policy = new Policy();

  private final Store store = new Store();

  private final Maintenance maintenance = new Maintenance();

  private final Consistency consistency = new Consistency();

  private final Web web = new Web();

  private final Observations observations = new Observations();

  private final Validation validation = new Validation();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Advisor getAdvisor() {
    return advisor;
  }

  public SubjectMapping getSubject() {
    return subject;
  }

  public Policy getPolicy() {
    return policy;
  }

  public Store getStore() {
    return store;
  }

  public Maintenance getMaintenance() {
    return maintenance;
  }

  public Consistency getConsistency() {
    return consistency;
  }

  public Web getWeb() {
    return web;
  }

  public Observations getObservations() {
    return observations;
  }

  public Validation getValidation() {
    return validation;
  }

  /** The @RequiresElevation advisor. */
  public static class Advisor {
    /**
     * Order of the @RequiresElevation advisor among other advisors. The default runs after Spring Security's
     * method authorization (@PreAuthorize 200, @Secured 300, JSR-250 400) and before @Transactional.
     */
    private int order = ElevationAdvisor.DEFAULT_ORDER;

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** How the current subject is read from Spring Security. */
  public static class SubjectMapping {
    /**
     * Authority prefixes removed before an authority becomes a group (the first match is removed), so that
     * ROLE_SUPPORT becomes the group "support".
     */
    private List<String> stripPrefixes = new ArrayList<>(List.of("ROLE_"));

    public List<String> getStripPrefixes() {
      return stripPrefixes;
    }

    public void setStripPrefixes(List<String> stripPrefixes) {
      this.stripPrefixes = stripPrefixes;
    }
  }

  /** The policy, when no ElevationPolicy bean is declared. */
  public static class Policy {
    /** Version recorded with every decision, to trace it to the rules that made it. */
    private String version = "properties";

    /**
     * Location of a policy document (JSON or YAML, format from the extension), such as
     * classpath:jitguard-policy.yaml or file:/etc/app/policy.yaml. Mutually exclusive with jit.policy.rules; an
     * invalid document fails the start-up naming the file, line and column.
     */
    private @Nullable String location;

    /** Whether to reload the document at jit.policy.location when it changes (file: locations only). */
    private boolean watch;

    /** How often a watched document's content is compared when no file-system change event arrives. */
    private Duration watchInterval = Duration.ofSeconds(2);

    private final Administrators administrators = new Administrators();

    // jit.policy.rules is not a field: PropertiesPolicy reads it from the Environment through the table of rule
    // fields that policy documents use (dev.jitguard.rule.RuleField), so that an unknown field fails the start-up
    // instead of being ignored. Its metadata is in META-INF/additional-spring-configuration-metadata.json.

    public String getVersion() {
      return version;
    }

    public void setVersion(String version) {
      this.version = version;
    }

    public @Nullable String getLocation() {
      return location;
    }

    public void setLocation(@Nullable String location) {
      this.location = location;
    }

    public boolean isWatch() {
      return watch;
    }

    public void setWatch(boolean watch) {
      this.watch = watch;
    }

    public Duration getWatchInterval() {
      return watchInterval;
    }

    public void setWatchInterval(Duration watchInterval) {
      this.watchInterval = watchInterval;
    }

    public Administrators getAdministrators() {
      return administrators;
    }
  }

  /** Administrators: may revoke any grant and deny any request; never approve their own requests. */
  public static class Administrators {
    /** Groups whose members are administrators. */
    private List<String> groups = new ArrayList<>();

    /** Administrators by subject id. */
    private List<String> subjects = new ArrayList<>();

    public List<String> getGroups() {
      return groups;
    }

    public void setGroups(List<String> groups) {
      this.groups = groups;
    }

    public List<String> getSubjects() {
      return subjects;
    }

    public void setSubjects(List<String> subjects) {
      this.subjects = subjects;
    }
  }

  /** Where requests and grants are kept. */
  public static class Store {
    /**
     * Grant store: auto (the default: jdbc when the application has a DataSource bean, memory otherwise), memory
     * (nothing survives a restart) or jdbc (JdbcGrantStore on the application's DataSource; PostgreSQL 11+ or H2 2.x).
     */
    private StoreType type = StoreType.AUTO;

    private final Jdbc jdbc = new Jdbc();

    public StoreType getType() {
      return type;
    }

    public void setType(StoreType type) {
      this.type = type;
    }

    public Jdbc getJdbc() {
      return jdbc;
    }
  }

  /** The JDBC grant store. */
  public static class Jdbc {
    /**
     * Whether to run the shipped schema script (CREATE ... IF NOT EXISTS: jitguard_requests, jitguard_grants) at
     * start-up. Turn it off when migrations (Flyway, Liquibase) create the tables.
     */
    private boolean createSchema = true;

    /** Query timeout of every statement of the store (whole seconds, rounded up). */
    private Duration queryTimeout = Duration.ofSeconds(5);

    public boolean isCreateSchema() {
      return createSchema;
    }

    public void setCreateSchema(boolean createSchema) {
      this.createSchema = createSchema;
    }

    public Duration getQueryTimeout() {
      return queryTimeout;
    }

    public void setQueryTimeout(Duration queryTimeout) {
      this.queryTimeout = queryTimeout;
    }
  }

  /** Grant store kinds. */
  public enum StoreType {
    /** JDBC when a DataSource bean exists, in memory otherwise. */
    AUTO,
    /** In memory (Caffeine). */
    MEMORY,
    /** A relational database through the application's DataSource. */
    JDBC
  }

  /** The guard's periodic work (expiries, reminders, flushing use counters). */
  public static class Maintenance {
    /** Whether the guard runs its maintenance on its own thread. Tests driving a clock turn it off. */
    private boolean enabled = true;

    /** Period of the maintenance, between 10 ms and 1 hour. */
    private Duration interval = Duration.ofSeconds(5);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }
  }

  /** Freshness of checks against a grant store shared by several instances. */
  public static class Consistency {
    /** Whether every check confirms with a shared store (no staleness, one store round trip per check). */
    private boolean strict;

    /** Staleness bound of cached checks against a shared store. */
    private Duration maxStaleness = Duration.ofSeconds(1);

    public boolean isStrict() {
      return strict;
    }

    public void setStrict(boolean strict) {
      this.strict = strict;
    }

    public Duration getMaxStaleness() {
      return maxStaleness;
    }

    public void setMaxStaleness(Duration maxStaleness) {
      this.maxStaleness = maxStaleness;
    }
  }

  /** Web integration (Spring MVC). */
  public static class Web {
    /** The base path of the REST endpoints when {@code jit.web.base-path} is not set. */
    public static final String DEFAULT_BASE_PATH = "/jit";

    /** Whether the REST endpoints (create, list, approve, deny, withdraw, revoke, extend, review) are exposed. */
    private boolean enabled;

    /**
     * Base path of the REST endpoints, such as /admin/elevation: starts with '/', has no trailing '/', and its
     * segments hold only letters, digits, '_', '.' and '-' (no empty, '.' or '..' segment). Anything else fails the
     * start-up.
     */
    private String basePath = DEFAULT_BASE_PATH;

    /** Whether a denied @RequiresElevation call becomes an HTTP 403 application/problem+json response. */
    private boolean problemDetails = true;

    /**
     * Key (at least 32 bytes) that signs the actionToken of an action denial. Unset: a random key per process, so
     * tokens are accepted only by the instance that issued them, until it restarts.
     */
    private @Nullable String actionTokenSecret;

    /** How long the actionToken of an action denial can be exchanged for a request. */
    private Duration actionTokenTtl = Duration.ofMinutes(15);

    public @Nullable String getActionTokenSecret() {
      return actionTokenSecret;
    }

    public void setActionTokenSecret(@Nullable String actionTokenSecret) {
      this.actionTokenSecret = actionTokenSecret;
    }

    public Duration getActionTokenTtl() {
      return actionTokenTtl;
    }

    public void setActionTokenTtl(Duration actionTokenTtl) {
      this.actionTokenTtl = actionTokenTtl;
    }

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getBasePath() {
      return basePath;
    }

    /**
     * Sets the base path of the REST endpoints.
     *
     * @param basePath a path such as {@code /admin/elevation}
     * @throws IllegalArgumentException if the path does not start with '/', ends with '/', has an empty, '.' or '..'
     *     segment, or a character other than letters, digits, '_', '.', '-' and the '/' between segments
     */
    public void setBasePath(String basePath) {
      this.basePath = checkBasePath(basePath);
    }

    private static String checkBasePath(@Nullable String path) {
      String problem = basePathProblem(path);
      if (path != null && problem == null) {
        return path;
      }
      throw new IllegalArgumentException(String.format(Locale.ROOT, "jit.web.base-path must be a path such as "
          + "/admin/elevation ('/' before each segment of letters, digits, '_', '.' or '-'; no trailing '/'), but %s "
          + "%s; set jit.web.base-path to such a path, or remove it to use the default %s", quote(path), problem,
          DEFAULT_BASE_PATH));
    }

    private static @Nullable String basePathProblem(@Nullable String path) {
      if (path == null || path.isEmpty()) {
        return "is empty";
      }
      if (path.charAt(0) != '/') {
        return "does not start with '/'";
      }
      if (path.endsWith("/")) {
        return "ends with '/'";
      }
      for (int i = 0; i < path.length(); i++) {
        char c = path.charAt(i);
        boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
            || c == '.' || c == '-' || c == '/';
        if (!allowed) {
          return "contains " + printable(c);
        }
      }
      for (String segment : path.substring(1).split("/", -1)) {
        if (segment.isEmpty()) {
          return "contains an empty segment ('//')";
        }
        if (segment.equals(".") || segment.equals("..")) {
          return "contains a '" + segment + "' segment";
        }
      }
      return null;
    }

    private static String quote(@Nullable String s) {
      if (s == null) {
        return "the value";
      }
      StringBuilder sb = new StringBuilder("'");
      for (int i = 0; i < s.length() && i < 100; i++) {
        char c = s.charAt(i);
        sb.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf(c) : String.format(Locale.ROOT, "\\u%04x",
            (int) c));
      }
      return sb.append(s.length() > 100 ? "...'" : "'").toString();
    }

    private static String printable(char c) {
      return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    public boolean isProblemDetails() {
      return problemDetails;
    }

    public void setProblemDetails(boolean problemDetails) {
      this.problemDetails = problemDetails;
    }
  }

  /** Micrometer observations of check decisions. */
  public static class Observations {
    /**
     * Whether allowed checks are observed too. Off by default: the allow path only increments a pre-registered
     * counter, so that it stays allocation-free; denied checks are always observed.
     */
    private boolean allowedChecks;

    public boolean isAllowedChecks() {
      return allowedChecks;
    }

    public void setAllowedChecks(boolean allowedChecks) {
      this.allowedChecks = allowedChecks;
    }
  }

  /** Start-up validation. */
  public static class Validation {
    /** What to do when a privilege required by @RequiresElevation has no policy rule. */
    private ElevationBeanVerifier.MissingRule missingRule = ElevationBeanVerifier.MissingRule.WARN;

    public ElevationBeanVerifier.MissingRule getMissingRule() {
      return missingRule;
    }

    public void setMissingRule(ElevationBeanVerifier.MissingRule missingRule) {
      this.missingRule = missingRule;
    }
  }
}
