package dev.jitguard.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Outcome;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.spring.ActionPreviewRenderer;
import dev.jitguard.spring.Fixtures;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code @RequiresElevation(..., action = true)}: one approval per exact call, used once, under both proxy kinds. */
class ActionApprovalTest {

  /** The guarded interface. */
  public interface Customers {
    String erase(long id, String reason);

    int runs();
  }

  /** Counts erasures. */
  public static class CustomerBean implements Customers {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    @RequiresElevation(value = "test.erase", action = true)
    public String erase(long id, String reason) {
      runs.incrementAndGet();
      return "erased " + id;
    }

    @Override
    public int runs() {
      return runs.get();
    }
  }

  private static ApplicationContextRunner runner(AnnotationDiscoveryTest.ProxyMode mode) {
    return Fixtures.runner().withPropertyValues("spring.aop.proxy-target-class=" + mode.targetClass)
        .withBean("customers", CustomerBean.class);
  }

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  @ParameterizedTest
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void actionWhenApprovedThenSameArgumentsRunOnceAndOtherArgumentsAreRefused(AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).run(context -> {
      assertThat(context).hasNotFailed();
      Customers customers = context.getBean(Customers.class);
      assertThat(mode == AnnotationDiscoveryTest.ProxyMode.JDK ? AopUtils.isJdkDynamicProxy(customers)
          : AopUtils.isCglibProxy(customers)).isTrue();
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.signIn("alice", "users");

      ElevationRequiredException first = catchDenial(() -> customers.erase(7, "gdpr"));
      assertThat(first.reason()).isEqualTo(ReasonCode.NO_GRANT);
      ActionBinding call = ActionDenials.of(first);
      assertThat(call).isNotNull();
      assertThat(call.action()).isEqualTo("CustomerBean.erase");
      assertThat(call.argumentDigest()).isEqualTo(CanonicalArguments.standard().digest(7L, "gdpr"));
      assertThat(call.preview()).isEqualTo("CustomerBean.erase(7, gdpr)");

      Subject alice = Subject.of("alice", "users");
      Decision pending = guard.request(ElevationRequest.builder(alice, "test.erase")
          .justification("customer asked to be erased").action(call).build());
      assertThat(pending.outcome()).isEqualTo(Outcome.PENDING);
      Decision granted = guard.approve(((Decision.Pending) pending).request().id(), Subject.of("bob", "approvers"), "ok");
      assertThat(granted.isGranted()).isTrue();

      assertThat(catchDenial(() -> customers.erase(8, "gdpr")).reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThat(catchDenial(() -> customers.erase(7, "other")).reason()).isEqualTo(ReasonCode.ACTION_MISMATCH);
      assertThat(customers.erase(7, "gdpr")).isEqualTo("erased 7");
      assertThat(catchDenial(() -> customers.erase(7, "gdpr"))).isNotNull();
      assertThat(customers.runs()).isEqualTo(1);
      assertThat(guard.check(alice, dev.jitguard.Privilege.of("test.erase")).isGranted())
          .as("an action grant is no time-bound elevation").isFalse();
    });
  }

  @ParameterizedTest
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void actionWhenPreviewRendererBeanThenApproversSeeItsPreview(AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).withBean(ActionPreviewRenderer.class,
        () -> (action, method, args) -> "Erase customer " + args.get(0) + " because " + args.get(1))
        .run(context -> {
          Fixtures.signIn("alice", "users");
          ElevationRequiredException denied = catchDenial(() -> context.getBean(Customers.class).erase(7, "gdpr"));
          assertThat(ActionDenials.of(denied).preview()).isEqualTo("Erase customer 7 because gdpr");
        });
  }

  @ParameterizedTest
  @EnumSource(AnnotationDiscoveryTest.ProxyMode.class)
  void actionWhenNobodySignedInThenDenied(AnnotationDiscoveryTest.ProxyMode mode) {
    runner(mode).run(context -> assertThat(catchDenial(() -> context.getBean(Customers.class).erase(7, "x"))
        .reason()).isEqualTo(ReasonCode.NO_SUBJECT));
  }

  private static ElevationRequiredException catchDenial(Runnable call) {
    try {
      call.run();
    } catch (ElevationRequiredException e) {
      return e;
    }
    throw new AssertionError("expected a denial");
  }
}
