package dev.jitguard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.jitguard.internal.ApprovalDecider;
import dev.jitguard.internal.Authorization;
import dev.jitguard.internal.BreakGlassDesk;
import dev.jitguard.internal.GrantLifecycle;
import dev.jitguard.internal.RequestDecisions;
import dev.jitguard.rule.ApprovalRequirement;
import dev.jitguard.rule.Eligibility;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The architecture, tested: packages in layers without cycles, the engine reached only through the guard's entry
 * point, and each security rule decided in one place that every path goes through.
 */
class ArchitectureTest {
  private static final JavaClasses CORE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.jitguard");

  /**
   * One slice per package, except three that are one piece by design: the API values with their basement (the root
   * package, {@code action}, {@code annotation} and {@code internal.util}: value types validate through the basement,
   * which throws the API's own exceptions); the entry point ({@link PrivilegeGuard}, its builder and the
   * package-private implementation that wires the engine); and the JDBC store with its own internals
   * ({@code store} and {@code internal.jdbc}, the provider module to be).
   */
  private static final SliceAssignment LAYERS = new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass c) {
      String pkg = c.getPackageName();
      if (!pkg.startsWith("dev.jitguard")) {
        return SliceIdentifier.ignore();
      }
      String top = c.getName().replaceAll("\\$.*", "");
      if (top.equals(PrivilegeGuard.class.getName()) || top.equals("dev.jitguard.DefaultPrivilegeGuard")) {
        return SliceIdentifier.of("entry");
      }
      if (pkg.equals("dev.jitguard") || pkg.equals("dev.jitguard.action") || pkg.equals("dev.jitguard.annotation")
          || pkg.equals("dev.jitguard.internal.util")) {
        return SliceIdentifier.of("api");
      }
      if (pkg.equals("dev.jitguard.store") || pkg.equals("dev.jitguard.internal.jdbc")) {
        return SliceIdentifier.of("jdbc store");
      }
      return SliceIdentifier.of(pkg.substring("dev.jitguard.".length()));
    }

    @Override
    public String getDescription() {
      return "packages of jit-core, the API values and the entry point each taken as one";
    }
  };

  @Test
  void packagesHaveNoCycles() {
    slices().assignedFrom(LAYERS).should().beFreeOfCycles().check(CORE);
  }

  @Test
  void theRuleModelAndTheEventsSitBelowTheSpi() {
    noClasses().that().resideInAnyPackage("dev.jitguard.rule..", "dev.jitguard.event..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.jitguard.spi..", "dev.jitguard.policy..",
            "dev.jitguard.audit..", "dev.jitguard.store..", "dev.jitguard.approval..")
        .check(CORE);
  }

  @Test
  void theSpiDependsOnNoImplementationPackage() {
    noClasses().that().resideInAPackage("dev.jitguard.spi")
        .should().dependOnClassesThat().resideInAnyPackage("dev.jitguard.policy..", "dev.jitguard.audit..",
            "dev.jitguard.store..", "dev.jitguard.approval..", "dev.jitguard.internal")
        .check(CORE);
  }

  @Test
  void spiFactoriesReturnTheInterfaceNeverAnImplementation() {
    methods().that().areDeclaredInClassesThat().resideInAPackage("dev.jitguard.spi")
        .and().areDeclaredInClassesThat().areInterfaces().and().areDeclaredInClassesThat().arePublic()
        .and().areStatic().and().arePublic()
        .should().haveRawReturnType(new DescribedPredicate<JavaClass>("a public SPI interface") {
          @Override
          public boolean test(JavaClass c) {
            return c.isInterface() && c.getPackageName().equals("dev.jitguard.spi");
          }
        })
        .check(CORE);
  }

  @Test
  void theEngineIsReachedOnlyThroughTheGuardsEntryPoint() {
    noClasses().that().resideOutsideOfPackage("dev.jitguard.internal")
        .and().doNotHaveFullyQualifiedName("dev.jitguard.DefaultPrivilegeGuard")
        .and().doNotHaveFullyQualifiedName(PrivilegeGuard.Builder.class.getName())
        .should().dependOnClassesThat().resideInAPackage("dev.jitguard.internal")
        .check(CORE);
  }

  @Test
  void theGuardsImplementationIsNotPublicApi() {
    classes().that().implement(PrivilegeGuard.class).should().notBePublic().check(CORE);
  }

  // ------------------------------------------------------------------------------------------------ one rule, one home

  @Test
  void onlyTheLedgerWritesTheGrantStore() {
    // BoundedGrantStore only forwards the Ledger's writes to a store of the application's own, within a time bound.
    noClasses().that().resideInAPackage("dev.jitguard.internal").and().doNotHaveSimpleName("Ledger")
        .and().doNotHaveSimpleName("BoundedGrantStore")
        .should().callMethodWhere(callTo(GrantStore.class, "insert", "update"))
        .check(CORE);
  }

  @Test
  void onlyTheApprovalDeciderAuthorizes() {
    noClasses().that().doNotBelongToAnyOf(ApprovalDecider.class)
        .should().callConstructorWhere(new DescribedPredicate<JavaAccess<?>>("a constructor of Authorization") {
          @Override
          public boolean test(JavaAccess<?> a) {
            return a.getTargetOwner().isEquivalentTo(Authorization.class);
          }
        })
        .check(CORE);
  }

  @Test
  void whoMayApproveAndWhoIsAnAdministratorAreDecidedOnlyByTheApprovalDecider() {
    // BoundedPolicy only forwards the decider's questions to a policy of the application's own, within a time bound.
    noClasses().that().doNotBelongToAnyOf(ApprovalDecider.class, ApprovalRequirement.class)
        .and().doNotHaveSimpleName("BoundedPolicy")
        .and().resideOutsideOfPackage("dev.jitguard.policy..")
        .should().callMethodWhere(callTo(ApprovalRequirement.class, "mayApprove"))
        .orShould().callMethodWhere(callTo(ElevationPolicy.class, "isAdministrator"))
        .check(CORE);
  }

  @Test
  void eligibilityIsDecidedOnlyByItsOneFunction() {
    noClasses().that().resideOutsideOfPackage("dev.jitguard.rule")
        .should().callMethodWhere(callTo(Eligibility.class, "lists", "denies"))
        .check(CORE);
  }

  @Test
  void everyActOnSomeoneElsesRequestOrGrantGoesThroughTheApprovalDecider() {
    ArchCondition<JavaMethod> authorizes = new ArchCondition<>("call ApprovalDecider.authorize, directly or through "
        + "methods of its own class") {
      @Override
      public void check(JavaMethod method, ConditionEvents events) {
        boolean found = reaches(method, ApprovalDecider.class, "authorize");
        events.add(new SimpleConditionEvent(method, found, method.getFullName()
            + (found ? " authorizes" : " changes someone else's record without ApprovalDecider.authorize")));
      }
    };
    Set<String> acts = Set.of(RequestDecisions.class.getName() + ".approve",
        RequestDecisions.class.getName() + ".deny", RequestDecisions.class.getName() + ".revokeRequest",
        GrantLifecycle.class.getName() + ".revoke", GrantLifecycle.class.getName() + ".extend",
        BreakGlassDesk.class.getName() + ".review");
    methods().that(new DescribedPredicate<JavaMethod>("are the public acts on someone else's request or grant") {
      @Override
      public boolean test(JavaMethod m) {
        return m.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)
            && acts.contains(m.getOwner().getName() + "." + m.getName());
      }
    }).should(authorizes).check(CORE);
    assertThat(CORE.get(RequestDecisions.class).getMethods().stream().filter(m -> m.getName().equals("approve")))
        .as("the rule above sees the operations it is about").isNotEmpty();
  }

  @Test
  void theDecisionMethodsAreTheOnesTheTestAbove() {
    // If a new public operation appears on these parts, decide whether it acts on someone else's record, and list it.
    assertThat(publicMethods(RequestDecisions.class)).containsExactlyInAnyOrder("approve", "deny", "withdraw",
        "revokeRequest", "pendingApprovals");
    assertThat(publicMethods(GrantLifecycle.class)).containsExactlyInAnyOrder("revoke", "extend", "activeGrants");
    assertThat(publicMethods(BreakGlassDesk.class)).containsExactlyInAnyOrder("breakGlass", "openReviews",
        "review");
  }

  private static Set<String> publicMethods(Class<?> type) {
    Set<String> out = new HashSet<>();
    for (JavaMethod m : CORE.get(type).getMethods()) {
      if (m.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)) {
        out.add(m.getName());
      }
    }
    return out;
  }

  /** Whether a method calls the target, directly or through methods of its own class (private helpers, loops). */
  private static boolean reaches(JavaMethod start, Class<?> owner, String name) {
    Deque<JavaCodeUnit> todo = new ArrayDeque<>();
    Set<JavaCodeUnit> seen = new HashSet<>();
    todo.add(start);
    while (!todo.isEmpty()) {
      JavaCodeUnit u = todo.pop();
      if (!seen.add(u)) {
        continue;
      }
      for (JavaMethodCall call : u.getMethodCallsFromSelf()) {
        AccessTarget.MethodCallTarget t = call.getTarget();
        if (t.getOwner().isEquivalentTo(owner) && t.getName().equals(name)) {
          return true;
        }
        if (t.getOwner().equals(start.getOwner())) {
          t.resolveMember().ifPresent(todo::add);
        }
      }
    }
    return false;
  }

  private static DescribedPredicate<JavaMethodCall> callTo(Class<?> owner, String... names) {
    Set<String> wanted = Set.of(names);
    return new DescribedPredicate<>("a call to " + owner.getSimpleName() + "." + wanted) {
      @Override
      public boolean test(JavaMethodCall call) {
        return call.getTarget().getOwner().isAssignableTo(owner) && wanted.contains(call.getTarget().getName());
      }
    };
  }
}
