package dev.jitguard.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.spring.Fixtures;
import dev.jitguard.spring.aop.DiscoveryFixtures.AsyncOp;
import dev.jitguard.spring.aop.DiscoveryFixtures.GuardedHandler;
import dev.jitguard.spring.aop.DiscoveryFixtures.Handler;
import dev.jitguard.spring.aop.DiscoveryFixtures.Op;
import dev.jitguard.spring.aop.DiscoveryFixtures.Saver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

/**
 * The annotation-discovery matrix, under interface-based (JDK) and class-based (CGLIB) proxies: every place a
 * declaration can live is enforced, and every declaration that cannot be enforced fails the start-up with a message
 * naming the class and method. Regression tests for the class of Spring Security CVE-2025-41248, CVE-2025-22223 and
 * CVE-2025-41232.
 */
class AnnotationDiscoveryTest {

  enum ProxyMode {
    JDK(false), CGLIB(true);

    final boolean targetClass;

    ProxyMode(boolean targetClass) {
      this.targetClass = targetClass;
    }
  }

  record Guarded(String name, Class<?> beanClass, Class<?> type, Function<Object, Object> call, String privilege) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Guarded> guarded() {
    Function<Object, Object> run = o -> ((Op) o).run();
    return List.of(
        new Guarded("method", DiscoveryFixtures.OnMethod.class, Op.class, run, "test.method"),
        new Guarded("class", DiscoveryFixtures.OnClass.class, Op.class, run, "test.class"),
        new Guarded("interface method", DiscoveryFixtures.OnInterfaceMethod.class, DiscoveryFixtures.AnnotatedOp.class,
            o -> ((DiscoveryFixtures.AnnotatedOp) o).run(), "test.interface-method"),
        new Guarded("interface type", DiscoveryFixtures.OnInterfaceType.class, DiscoveryFixtures.GuardedOp.class,
            o -> ((DiscoveryFixtures.GuardedOp) o).run(), "test.interface-type"),
        new Guarded("superclass, inherited", DiscoveryFixtures.InheritsFromSuperclass.class, Op.class, run,
            "test.superclass"),
        new Guarded("superclass, overridden", DiscoveryFixtures.OverridesSuperclass.class, Op.class, run,
            "test.superclass"),
        new Guarded("generic superclass, overridden (bridge)", DiscoveryFixtures.OverridesGenericSuperclass.class,
            Handler.class, o -> call((Handler<String>) o), "test.generic-superclass"),
        new Guarded("generic interface (bridge)", DiscoveryFixtures.ImplementsGenericInterface.class,
            GuardedHandler.class, o -> call((GuardedHandler<String>) o), "test.generic-interface"),
        new Guarded("interface method over a generic superclass", DiscoveryFixtures.SavesThroughGenericBase.class,
            Saver.class, o -> ((Saver) o).save("x"), "test.generic-hierarchy"),
        new Guarded("interface method implemented by an inherited generic method (javac bridge)",
            DiscoveryFixtures.SavesThroughGenericBaseBridge.class, Saver.class, o -> ((Saver) o).save("x"),
            "test.generic-hierarchy"),
        new Guarded("meta-annotation on method", DiscoveryFixtures.OnMetaAnnotation.class, Op.class, run, "test.meta"),
        new Guarded("meta-annotation on class", DiscoveryFixtures.OnMetaAnnotatedClass.class, Op.class, run,
            "test.meta"),
        new Guarded("method wins over type", DiscoveryFixtures.MethodOverridesType.class, Op.class, run,
            "test.method"));
  }

  @SuppressWarnings("unchecked")
  private static Object call(Handler<String> h) {
    return h.handle("x");
  }

  @SuppressWarnings("unchecked")
  private static Object call(GuardedHandler<String> h) {
    return h.handle("x");
  }

  static Stream<Arguments> guardedUnderEachProxy() {
    List<Arguments> out = new ArrayList<>();
    for (ProxyMode mode : ProxyMode.values()) {
      for (Guarded g : guarded()) {
        out.add(Arguments.of(g, mode));
      }
    }
    return out.stream();
  }

  private static ApplicationContextRunner runner(ProxyMode mode, Class<?> beanClass) {
    return Fixtures.runner()
        .withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withBean("fixture", (Class<Object>) beanClass);
  }

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("guardedUnderEachProxy")
  void declarationWhenNoElevationThenDeniedAndWhenElevatedThenRuns(Guarded g, ProxyMode mode) {
    runner(mode, g.beanClass()).run(context -> {
      assertThat(context).hasNotFailed();
      Object bean = context.getBean(g.type());
      if (mode == ProxyMode.JDK) {
        assertThat(AopUtils.isJdkDynamicProxy(bean)).as("JDK proxy").isTrue();
      } else {
        assertThat(AopUtils.isCglibProxy(bean)).as("CGLIB proxy").isTrue();
      }
      Fixtures.signIn("alice", "users");
      assertThatThrownBy(() -> g.call().apply(bean))
          .isInstanceOfSatisfying(ElevationRequiredException.class, e -> {
            assertThat(e.privilege().name()).isEqualTo(g.privilege());
            assertThat(e.reason()).isEqualTo(ReasonCode.NO_GRANT);
          });
      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", g.privilege());
      assertThat(g.call().apply(bean)).asString().isNotEmpty();
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ProxyMode.class)
  void unannotatedMethodAndObjectMethodsWhenNoElevationThenRun(ProxyMode mode) {
    runner(mode, DiscoveryFixtures.OnMethod.class).run(context -> {
      Fixtures.signIn("alice", "users");
      assertThat(context.getBean(Op.class).free()).isEqualTo("free");
    });
    runner(mode, DiscoveryFixtures.OnClass.class).run(context -> {
      Fixtures.signIn("alice", "users");
      Op op = context.getBean(Op.class);
      assertThat(op.toString()).isEqualTo("OnClass");
      assertThat(op.hashCode()).isEqualTo(op.hashCode());
      assertThat(op).isEqualTo(op);
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ProxyMode.class)
  void guardedMethodWhenNobodySignedInThenDeniedWithNoSubject(ProxyMode mode) {
    runner(mode, DiscoveryFixtures.OnMethod.class).run(context -> {
      assertThatThrownBy(() -> context.getBean(Op.class).run())
          .isInstanceOfSatisfying(ElevationRequiredException.class,
              e -> assertThat(e.reason()).isEqualTo(ReasonCode.NO_SUBJECT));
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ProxyMode.class)
  void futureMethodWhenDeniedThenFailedFutureAndBodyNeverRuns(ProxyMode mode) {
    runner(mode, DiscoveryFixtures.ReturnsFuture.class).run(context -> {
      Fixtures.signIn("alice", "users");
      CompletableFuture<String> f = context.getBean(AsyncOp.class).run();
      assertThat(f).isCompletedExceptionally();
      assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ElevationRequiredException.class);
      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.future");
      assertThat(context.getBean(AsyncOp.class).run().get()).isEqualTo("ran");
    });
  }

  record Failing(String name, Class<?> beanClass, List<String> fragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> failingUnderEachProxy() {
    String cls = DiscoveryFixtures.class.getName() + "$";
    List<Failing> failing = List.of(
        new Failing("private method", DiscoveryFixtures.PrivateMethod.class,
            List.of(cls + "PrivateMethod.secret()", "private")),
        new Failing("static method", DiscoveryFixtures.StaticMethod.class,
            List.of(cls + "StaticMethod.helper()", "static")),
        new Failing("final method", DiscoveryFixtures.FinalMethod.class,
            List.of(cls + "FinalMethod.run()", "final")),
        new Failing("final method of a guarded class", DiscoveryFixtures.FinalMethodOfGuardedClass.class,
            List.of(cls + "FinalMethodOfGuardedClass.run()", "final")),
        new Failing("interface and superclass disagree", DiscoveryFixtures.Ambiguous.class,
            List.of("ambiguous", "test.from-interface", "test.from-superclass", cls + "RefundBase.run()")),
        new Failing("two interfaces disagree", DiscoveryFixtures.AmbiguousTypes.class,
            List.of("ambiguous", "test.one", "test.two", cls + "AmbiguousTypes.run()")),
        new Failing("action = true with a parameter type that cannot be encoded",
            DiscoveryFixtures.UnsupportedActionParameter.class,
            List.of("cannot be encoded canonically", "java.lang.Thread", "parameter 0",
                cls + "UnsupportedActionParameter.run(")),
        new Failing("malformed privilege", DiscoveryFixtures.InvalidPrivilege.class,
            List.of("invalid privilege", "did you mean \"test.refund\"", cls + "InvalidPrivilege.run()")),
        new Failing("reactive return type", DiscoveryFixtures.ReturnsMono.class,
            List.of("reactive", "reactor.core.publisher.Mono", cls + "ReturnsMono.run()")));
    List<Arguments> out = new ArrayList<>();
    for (ProxyMode mode : ProxyMode.values()) {
      for (Failing f : failing) {
        out.add(Arguments.of(f, mode));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} under {1}")
  @MethodSource("failingUnderEachProxy")
  void declarationThatCannotBeEnforcedThenStartupFailsNamingTheMethod(Failing f, ProxyMode mode) {
    runner(mode, f.beanClass()).run(context -> {
      assertThat(context).hasFailed();
      Throwable root = context.getStartupFailure();
      while (root != null && !(root instanceof ElevationDeclarationException)) {
        root = root.getCause();
      }
      assertThat(root).as("an ElevationDeclarationException in %s", context.getStartupFailure()).isNotNull();
      assertThat(root.getMessage()).contains("fixture").contains(f.fragments());
    });
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ProxyMode.class)
  void guardedBeanCreatedBeforeAutoProxyingThenStartupFails(ProxyMode mode) {
    Fixtures.runner().withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withUserConfiguration(EarlyBeanConfig.class)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasMessageContaining("bean 'early'")
              .hasMessageContaining("not proxied").hasMessageContaining("before the auto-proxy creator");
        });
  }

  /** A PriorityOrdered post-processor that needs a guarded bean: that bean is created before any auto-proxying. */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class EarlyBeanConfig {
    @org.springframework.context.annotation.Bean
    static Op early() {
      return new DiscoveryFixtures.OnMethod();
    }

    @org.springframework.context.annotation.Bean
    static EagerPostProcessor eagerPostProcessor(ApplicationContext context) {
      return new EagerPostProcessor(context);
    }
  }

  static class EagerPostProcessor implements org.springframework.beans.factory.config.BeanPostProcessor,
      org.springframework.core.PriorityOrdered {
    EagerPostProcessor(ApplicationContext context) {
      context.getBean("early");
    }

    @Override
    public int getOrder() {
      return 0;
    }
  }
}
