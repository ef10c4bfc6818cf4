package dev.jitguard.spring.autoconfigure;

import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyPropertiesException;
import dev.jitguard.policy.RuleProperties;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.OnCallSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Builds a {@link Policy} from {@code jit.policy.*}: the version and administrators from {@link JitGuardProperties},
 * the rules under {@code jit.policy.rules} read from the {@link Environment} as a generic tree and bound by
 * {@link RuleProperties}, through the same table of fields as policy documents. So the rules accept exactly the
 * fields of a document (in kebab-case or camelCase), and an unknown or misspelt one fails the start-up naming the
 * property, the closest accepted field and where it was set, instead of being ignored.
 *
 * <p>Like Spring's own binding of a list, the rules come from the property source of highest precedence that sets
 * any of them: a list is replaced as a whole, never merged element by element with a lower source.
 */
final class PropertiesPolicy {
  static final String RULES = "jit.policy.rules";
  private static final ConfigurationPropertyName RULES_NAME = ConfigurationPropertyName.of(RULES);

  private PropertiesPolicy() { }

  /** @return whether the rules' property source sets any rule (an empty list, {@code rules: []}, sets none) */
  static boolean hasRules(Environment environment) {
    IterableConfigurationPropertySource source = source(environment);
    return source != null && source.stream().anyMatch(name -> RULES_NAME.isAncestorOf(name)
        || name.equals(RULES_NAME) && !isBlank(source.getConfigurationProperty(name)));
  }

  private static boolean isBlank(@Nullable ConfigurationProperty property) {
    return property == null || property.getValue() == null || property.getValue().toString().isBlank();
  }

  static Policy build(JitGuardProperties.Policy properties, Environment environment,
      @Nullable OnCallSource onCall) {
    Policy.Builder policy = Policy.builder().version(properties.getVersion());
    policy.administratorGroups(properties.getAdministrators().getGroups().toArray(String[]::new));
    policy.administratorSubjects(properties.getAdministrators().getSubjects().toArray(String[]::new));
    for (PrivilegeRule rule : rules(environment, onCall)) {
      policy.rule(rule);
    }
    return policy.build();
  }

  /**
   * The rules under {@code jit.policy.rules}.
   *
   * @throws PolicyPropertiesException naming every property that is not valid
   */
  static List<PrivilegeRule> rules(Environment environment, @Nullable OnCallSource onCall) {
    IterableConfigurationPropertySource source = source(environment);
    if (source == null) {
      return List.of();
    }
    RuleProperties.Reader reader = RuleProperties.reader(RULES);
    if (onCall != null) {
      reader.withOnCallSource(onCall);
    }
    source.stream().filter(name -> name.equals(RULES_NAME) || RULES_NAME.isAncestorOf(name)).forEach(name -> {
      ConfigurationProperty property = source.getConfigurationProperty(name);
      if (property != null) {
        reader.property(elements(name), property.getValue(),
            property.getOrigin() == null ? "" : property.getOrigin().toString());
      }
    });
    return reader.read();
  }

  /** The elements below {@code jit.policy.rules}, as written: keys, and {@code [n]} for list indices. */
  private static List<String> elements(ConfigurationPropertyName name) {
    List<String> out = new ArrayList<>();
    for (int i = RULES_NAME.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
      String element = name.getElement(i, Form.ORIGINAL);
      out.add(name.isNumericIndex(i) ? "[" + element + "]" : element);
    }
    return out;
  }

  /** The source of highest precedence that sets the rules, as Spring's binder chooses the source of a list. */
  private static @Nullable IterableConfigurationPropertySource source(Environment environment) {
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      boolean present = source.getConfigurationProperty(RULES_NAME) != null
          || source.containsDescendantOf(RULES_NAME) == ConfigurationPropertyState.PRESENT;
      if (present && source instanceof IterableConfigurationPropertySource iterable) {
        return iterable;
      }
      if (present) {
        throw new IllegalStateException(RULES + " is set in a property source that cannot list its properties ("
            + source.getUnderlyingSource() + "), so its rules cannot be read completely; set them in "
            + "application.yml, application.properties or environment variables instead");
      }
    }
    return null;
  }
}
