package dev.jitguard.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Nothing outside jit-core uses its internals: jit-spring, the test kit and the examples (everything a user copies
 * from) reach the guard through its API and SPIs only.
 */
class ModuleBoundariesTest {
  private static final JavaClasses ALL = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.jitguard");

  @Test
  void noModuleButJitCoreImportsItsInternals() {
    assertThat(ALL.containPackage("dev.jitguard.spring")).as("jit-spring is on the classpath").isTrue();
    assertThat(ALL.containPackage("dev.jitguard.test")).as("jit-test is on the classpath").isTrue();
    assertThat(ALL.containPackage("dev.jitguard.examples.backoffice")).as("the examples are imported").isTrue();
    noClasses().that().resideInAnyPackage("dev.jitguard.spring..", "dev.jitguard.test..",
            "dev.jitguard.examples..")
        .should().dependOnClassesThat().resideInAPackage("dev.jitguard.internal..")
        .check(ALL);
  }
}
