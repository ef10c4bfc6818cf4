package dev.jitguard.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.rule.RuleField;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The configuration metadata that spring-boot-configuration-processor generates at build time from
 * {@link JitGuardProperties} (and the actuator endpoint): IDEs complete and explain {@code jit.*} from it, so every
 * property must be there with a type and a description.
 */
class ConfigurationMetadataTest {
  private static final String METADATA = "META-INF/spring-configuration-metadata.json";
  private static final String PROPERTIES = JitGuardProperties.class.getName();

  private static Map<String, JsonNode> properties;

  @BeforeAll
  static void readTheMetadataOfThisModule() throws IOException {
    JsonNode ours = null;
    List<URL> candidates = Collections.list(ConfigurationMetadataTest.class.getClassLoader().getResources(METADATA));
    for (URL url : candidates) {
      JsonNode metadata;
      try (InputStream in = url.openStream()) {
        metadata = JsonMapper.builder().build().readTree(in);
      }
      for (JsonNode group : metadata.path("groups")) {
        if (group.path("name").asString().equals("jit") && group.path("type").asString().equals(PROPERTIES)) {
          assertThat(ours).as("one metadata file describes jit.*, among %s", candidates).isNull();
          ours = metadata;
        }
      }
    }
    assertThat(ours).as("generated metadata for %s among %s", PROPERTIES, candidates).isNotNull();
    properties = new LinkedHashMap<>();
    for (JsonNode p : ours.path("properties")) {
      properties.put(p.path("name").asString(), p);
    }
  }

  private static JsonNode property(String name) {
    assertThat(properties).as("metadata properties").containsKey(name);
    return properties.get(name);
  }

  private static void assertDocumented(String name, String type, String descriptionPart) {
    JsonNode p = property(name);
    assertThat(p.path("type").asString()).as("type of %s", name).isEqualTo(type);
    assertThat(p.path("description").asString()).as("description of %s", name).contains(descriptionPart);
    assertThat(p.path("sourceType").asString()).as("source of %s", name).startsWith(PROPERTIES);
  }

  @Test
  void documentedPropertiesWhenBuiltThenPresentWithTypeAndDescription() {
    assertDocumented("jit.enabled", "java.lang.Boolean", "Whether JIT Guard is enabled");
    assertDocumented("jit.policy.location", "java.lang.String", "Location of a policy document");
    assertDocumented("jit.policy.rules", "java.util.List<java.util.Map<java.lang.String,java.lang.Object>>",
        "Rules, one per privilege or privilege prefix");
    assertDocumented("jit.store.type", PROPERTIES + "$StoreType", "Grant store");
    assertDocumented("jit.web.enabled", "java.lang.Boolean", "REST endpoints");
    assertDocumented("jit.web.base-path", "java.lang.String", "Base path of the REST endpoints");
    assertDocumented("jit.observations.allowed-checks", "java.lang.Boolean", "Whether allowed checks are observed");
  }

  @Test
  void defaultsWhenBuiltThenRecorded() {
    assertThat(property("jit.enabled").path("defaultValue").asBoolean()).isTrue();
    assertThat(property("jit.web.enabled").path("defaultValue").asBoolean()).isFalse();
    assertThat(property("jit.web.base-path").path("defaultValue").asString())
        .isEqualTo(JitGuardProperties.Web.DEFAULT_BASE_PATH);
    assertThat(property("jit.store.type").path("defaultValue").asString()).isEqualTo("auto");
    assertThat(property("jit.observations.allowed-checks").path("defaultValue").asBoolean()).isFalse();
  }

  /**
   * A rule's fields (max-amount, approval.require-comment, ...) are not JavaBean properties: they are the fields of a
   * policy document rule, read from the Environment through the table both share ({@link RuleField}), so they have
   * no metadata entries of their own. {@code jit.policy.rules} is described once (additional metadata) and says
   * where the fields are documented.
   */
  @Test
  void ruleFieldsWhenBuiltThenDescribedByTheRulesListWithALinkToTheFieldReference() {
    assertThat(properties.keySet()).as("per-rule entries").noneMatch(name -> name.startsWith("jit.policy.rules")
        && !name.equals("jit.policy.rules"));
    String description = property("jit.policy.rules").path("description").asString();
    assertThat(description).contains("fields of a policy document rule in kebab-case")
        .contains(RuleField.REQUIRE_COMMENT.propertyPath())
        .contains(RuleField.EXTENSION_REQUIRES_APPROVAL.propertyPath())
        .contains("An unknown or misspelt field fails the start-up")
        .contains("docs/spring.md#policy-rules-jitpolicyrules");
    assertThat(property("jit.policy.rules").path("sourceType").asString())
        .isEqualTo(JitGuardProperties.Policy.class.getName());
  }

  @Test
  void everyPropertyWhenBuiltThenHasATypeAndADescription() {
    List<String> undocumented = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : properties.entrySet()) {
      if (e.getValue().path("type").asString().isBlank() || e.getValue().path("description").asString().isBlank()) {
        undocumented.add(e.getKey());
      }
    }
    assertThat(properties.keySet()).as("jit.* properties").filteredOn(n -> n.startsWith("jit.")).hasSizeGreaterThan(20);
    assertThat(undocumented).as("properties without a type or a Javadoc description (document the field)").isEmpty();
  }
}
