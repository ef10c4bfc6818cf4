package dev.jitguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.rule.ApprovalStage;
import dev.jitguard.rule.AutoApproveCondition;
import dev.jitguard.rule.BreakGlass;
import dev.jitguard.rule.PrivilegePattern;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.rule.TimeWindow;
import java.io.IOException;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 7: {@code ActionBinding.of(null, ...)} threw a {@link NullPointerException} without a message. Every
 * public constructor, static factory and builder method of the API packages ({@code dev.jitguard},
 * {@code dev.jitguard.action}, {@code dev.jitguard.rule}, {@code dev.jitguard.policy}), and every method of a guard, is
 * called once per reference parameter with that parameter
 * null and every other one valid; each must reject it with the API's message naming the parameter
 * ({@code "action cannot be null"}), unless the parameter is {@link Nullable}. New methods are covered without
 * editing this test; a parameter type it cannot make a sample of fails it, so the table below grows with the API.
 */
class NullArgumentsTest {
  private static final List<String> PACKAGES = List.of("dev/jitguard", "dev/jitguard/action", "dev/jitguard/rule",
      "dev/jitguard/policy");

  private static final Subject ALICE = Subject.of("alice", "developers");
  private static final Privilege LOGS = Privilege.of("logs.read");
  /** The guard whose methods are called; a null argument must be rejected before anything is read or changed. */
  private static final PrivilegeGuard GUARD = PrivilegeGuard.builder()
      .withPolicy(dev.jitguard.policy.Policy.builder()
          .privilege("logs.read", r -> r.eligibleGroups("developers").approverGroups("sre"))
          .build())
      .withoutBackgroundMaintenance()
      .build();

  /** A valid value of each parameter type the scanned methods take. */
  private static final Map<Class<?>, Supplier<Object>> SAMPLES = new LinkedHashMap<>();

  /** A fresh receiver for each instance method of these builders. */
  private static final Map<Class<?>, Supplier<Object>> RECEIVERS = new LinkedHashMap<>();

  static {
    SAMPLES.put(String.class, () -> "a");
    SAMPLES.put(String[].class, () -> new String[] {"a"});
    SAMPLES.put(Object[].class, () -> new Object[] {"a"});
    SAMPLES.put(Object.class, () -> "a");
    SAMPLES.put(Privilege.class, () -> LOGS);
    SAMPLES.put(Subject.class, () -> ALICE);
    SAMPLES.put(Duration.class, () -> Duration.ofMinutes(5));
    SAMPLES.put(Instant.class, () -> Instant.parse("2030-01-01T00:00:00Z"));
    SAMPLES.put(BigDecimal.class, () -> BigDecimal.ONE);
    SAMPLES.put(Set.class, () -> Set.of("a"));
    SAMPLES.put(List.class, () -> List.of());
    SAMPLES.put(Collection.class, () -> List.of("a"));
    SAMPLES.put(Optional.class, Optional::empty);
    SAMPLES.put(RequestId.class, RequestId::random);
    SAMPLES.put(GrantId.class, GrantId::random);
    SAMPLES.put(ActionBinding.class, () -> ActionBinding.of("a.b", 1));
    SAMPLES.put(CanonicalArguments.class, CanonicalArguments::standard);
    SAMPLES.put(ElevationRequest.class, () -> ElevationRequest.builder(ALICE, LOGS).build());
    SAMPLES.put(ApprovalContext.class, () -> ApprovalContext.of("slack"));
    SAMPLES.put(PageRequest.class, () -> PageRequest.first(10));
    SAMPLES.put(ApprovalStage.class, () -> ApprovalStage.of("leads", 1, "leads"));
    SAMPLES.put(AutoApproveCondition.class, () -> AutoApproveCondition.memberOfAny("sre"));
    SAMPLES.put(TimeWindow.class, () -> TimeWindow.weekdays(LocalTime.of(9, 0), LocalTime.of(17, 0),
        ZoneOffset.UTC));
    SAMPLES.put(AutoApproveCondition[].class, () -> new AutoApproveCondition[] {AutoApproveCondition.always()});
    SAMPLES.put(java.util.function.Predicate.class, () -> (java.util.function.Predicate<Object>) x -> true);
    SAMPLES.put(dev.jitguard.rule.OnCallLookup.class, () -> (dev.jitguard.rule.OnCallLookup) (id, schedule, at) -> false);
    SAMPLES.put(Class.class, () -> java.time.Year.class);
    SAMPLES.put(dev.jitguard.action.ArgumentEncoder.class, () -> (dev.jitguard.action.ArgumentEncoder<Object>) String::valueOf);
    SAMPLES.put(Grant.class, () -> {
      Instant t = Instant.parse("2030-01-01T00:00:00Z");
      return Grant.builder(GrantId.random(), RequestId.random()).subjectId("alice").privilege(LOGS).issuedAt(t)
          .validity(t, t.plusSeconds(3600), t.plusSeconds(3600)).build();
    });
    SAMPLES.put(RequestRecord.class, () -> {
      Instant t = Instant.parse("2030-01-01T00:00:00Z");
      return RequestRecord.builder(RequestId.random(), ElevationRequest.builder(ALICE, LOGS).build()).createdAt(t)
          .expiresAt(t.plusSeconds(3600)).build();
    });
    SAMPLES.put(dev.jitguard.policy.PolicyDocumentException.class, () -> new dev.jitguard.policy.PolicyDocumentException(
        "p.yaml", List.of(new dev.jitguard.policy.PolicyDocumentException.Problem("p.yaml", 1, 1, "", "bad"))));
    SAMPLES.put(LocalTime.class, () -> LocalTime.of(9, 0));
    SAMPLES.put(java.time.ZoneId.class, () -> ZoneOffset.UTC);
    SAMPLES.put(Clock.class, Clock::systemUTC);
    SAMPLES.put(Consumer.class, () -> (Consumer<Object>) x -> { });
    SAMPLES.put(Consistency.class, Consistency::strict);
    SAMPLES.put(Decision.class, () -> new Decision.Denied(LOGS, ReasonCode.NO_GRANT, "m", "h"));
    SAMPLES.put(Decision.Denied.class, () -> new Decision.Denied(LOGS, ReasonCode.NO_GRANT, "m", "h"));
    SAMPLES.put(BreakGlass.class, () -> new BreakGlass(10, Duration.ofMinutes(30)));
    SAMPLES.put(PrivilegePattern.class, () -> PrivilegePattern.of("logs.*"));

    RECEIVERS.put(Subject.Builder.class, () -> Subject.builder("alice"));
    RECEIVERS.put(ElevationRequest.Builder.class, () -> ElevationRequest.builder(ALICE, LOGS));
    RECEIVERS.put(PrivilegeGuard.Builder.class, PrivilegeGuard::builder);
    RECEIVERS.put(dev.jitguard.rule.PrivilegeRuleBuilder.class, () -> PrivilegeRule.builder("logs.read"));
    RECEIVERS.put(CanonicalArguments.Builder.class, CanonicalArguments::builder);
    RECEIVERS.put(ActionBinding.class, () -> ActionBinding.of("a.b", 1));
    RECEIVERS.put(PrivilegeGuard.class, () -> GUARD);
    RECEIVERS.put(dev.jitguard.policy.Policy.Builder.class, dev.jitguard.policy.Policy::builder);
    RECEIVERS.put(dev.jitguard.policy.PolicyDocuments.Loader.class, dev.jitguard.policy.PolicyDocuments::loader);
  }

  @AfterAll
  static void closeGuard() {
    GUARD.close();
  }

  @Test
  void actionBindingOfANullActionThenTheMessageNamesAction() {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> ActionBinding.of(null, 42L));

    assertThat(t).isInstanceOf(NullPointerException.class).hasMessage("action cannot be null");
  }

  @Test
  void everyNullArgumentOfThePublicApiIsRejectedWithItsName() throws Exception {
    List<String> wrong = new ArrayList<>();
    List<String> untested = new ArrayList<>();
    int calls = 0;
    for (Class<?> type : apiClasses()) {
      for (Executable e : executables(type)) {
        Parameter[] params = e.getParameters();
        for (int i = 0; i < params.length; i++) {
          if (params[i].getType().isPrimitive() || isNullable(params[i].getAnnotatedType())) {
            continue;
          }
          Object[] args = new Object[params.length];
          String missing = null;
          for (int j = 0; j < params.length; j++) {
            if (j == i) {
              continue;
            }
            Object sample = sample(params[j].getType());
            if (sample == null) {
              missing = params[j].getType().getName();
            }
            args[j] = sample;
          }
          if (missing != null) {
            untested.add(describe(e) + " (no sample of " + missing + ")");
            continue;
          }
          Object receiver = null;
          if (!Modifier.isStatic(e.getModifiers()) && e instanceof Method) {
            receiver = RECEIVERS.get(type).get();
          }
          calls++;
          Throwable thrown = invoke(e, receiver, args);
          if (thrown instanceof NullPointerException npe) {
            String m = npe.getMessage();
            if (m == null || !m.endsWith(" cannot be null")) {
              wrong.add(describe(e) + " with " + params[i].getName() + " null: " + npe);
            }
          }
        }
      }
    }

    assertThat(untested).as("methods whose other parameters this test cannot fill; add a sample").isEmpty();
    assertThat(wrong).as("null arguments rejected without the API's message").isEmpty();
    assertThat(calls).as("calls made").isGreaterThan(100);
  }

  private static @Nullable Object sample(Class<?> type) {
    if (type.isPrimitive()) {
      return type == boolean.class ? Boolean.TRUE : type == long.class ? (Object) 1L : (Object) 1;
    }
    if (type.isEnum()) {
      return type.getEnumConstants()[0];
    }
    Supplier<Object> s = SAMPLES.get(type);
    return s == null ? null : s.get();
  }

  private static boolean isNullable(AnnotatedType type) {
    return type.isAnnotationPresent(Nullable.class);
  }

  private static Throwable invoke(Executable e, Object receiver, Object[] args) {
    try {
      if (e instanceof Method m) {
        m.invoke(receiver, args);
      } else {
        ((Constructor<?>) e).newInstance(args);
      }
      return null;
    } catch (InvocationTargetException ex) {
      return ex.getCause();
    } catch (ReflectiveOperationException ex) {
      throw new AssertionError(describe(e) + " could not be called", ex);
    }
  }

  /** Public constructors and static methods, plus instance methods of the builders (fresh receiver each call). */
  private static List<Executable> executables(Class<?> type) {
    List<Executable> out = new ArrayList<>();
    for (Constructor<?> c : type.getConstructors()) {
      if (!Throwable.class.isAssignableFrom(type)) {
        out.add(c);
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || m.getParameterCount() == 0
          || m.getName().equals("equals") || type.isEnum() && m.getName().equals("valueOf")) {
        continue;
      }
      if (Modifier.isStatic(m.getModifiers()) || RECEIVERS.containsKey(type)) {
        out.add(m);
      }
    }
    out.sort(Comparator.comparing(NullArgumentsTest::describe));
    return out;
  }

  private static List<Class<?>> apiClasses() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(Subject.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    for (String pkg : PACKAGES) {
      try (Stream<Path> files = Files.list(root.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
          String name = pkg.replace('/', '.') + "." + f.getFileName().toString().replace(".class", "");
          Class<?> c = Class.forName(name, false, NullArgumentsTest.class.getClassLoader());
          if (isPublicApi(c)) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }

  private static boolean isPublicApi(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass()) {
        return false;
      }
    }
    return !c.getName().contains("package-info");
  }

  private static String describe(Executable e) {
    StringBuilder sb = new StringBuilder(e.getDeclaringClass().getName().replace("dev.jitguard.", ""));
    sb.append(e instanceof Constructor ? "::new" : "." + e.getName()).append('(');
    Class<?>[] types = e.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(types[i].getSimpleName());
    }
    return sb.append(')').toString();
  }
}
