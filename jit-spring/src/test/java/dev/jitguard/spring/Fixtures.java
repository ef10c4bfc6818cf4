package dev.jitguard.spring;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import dev.jitguard.spring.autoconfigure.JitGuardAutoConfiguration;

/** Shared test setup: a policy for every {@code test.*} privilege, users, a controllable clock. */
public final class Fixtures {
  /** Requesters: group users. Approvers: group approvers. */
  public static final String[] POLICY = {
      "jit.maintenance.enabled=false",
      "jit.policy.version=test-1",
      "jit.policy.administrators.groups=admins",
      "jit.policy.rules[0].privilege=test.*",
      "jit.policy.rules[0].eligible.groups=users",
      "jit.policy.rules[0].approval.groups=approvers",
      "jit.policy.rules[0].justification.min-length=10",
      "jit.policy.rules[0].max-duration=PT1H",
  };

  private Fixtures() { }

  /** A runner with JIT Guard's auto-configuration, the test policy and a {@link TestClock} bean. */
  public static ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
        .withUserConfiguration(ClockConfig.class)
        .withPropertyValues(POLICY);
  }

  /** Signs in as a user with roles (ROLE_ prefixed authorities). */
  public static void signIn(String name, String... roles) {
    List<SimpleGrantedAuthority> authorities = Arrays.stream(roles).map(r -> new SimpleGrantedAuthority("ROLE_" + r))
        .toList();
    SecurityContextHolder.getContext().setAuthentication(
        UsernamePasswordAuthenticationToken.authenticated(name, "n/a", authorities));
  }

  /** Signs out. */
  public static void signOut() {
    SecurityContextHolder.clearContext();
  }

  /** Requests the privilege as the user (group users) and has bob (group approvers) approve it. */
  public static Grant grant(PrivilegeGuard guard, String user, String privilege) {
    Decision d = guard.request(ElevationRequest.builder(Subject.of(user, "users"), Privilege.of(privilege))
        .justification("INC-1: a test needs it").duration(Duration.ofMinutes(30)).build());
    if (!(d instanceof Decision.Pending p)) {
      throw new AssertionError("expected pending, got " + d);
    }
    Decision approved = guard.approve(p.request().id(), Subject.of("bob", "approvers"), "ok");
    if (!(approved instanceof Decision.Granted g)) {
      throw new AssertionError("expected granted, got " + approved);
    }
    return g.grant();
  }

  /** The message of the innermost cause (or of the throwable itself). */
  public static String rootMessage(Throwable t) {
    return org.springframework.core.NestedExceptionUtils.getMostSpecificCause(t).getMessage();
  }

  /** A controllable clock bean the guard picks up. */
  @Configuration(proxyBeanMethods = false)
  public static class ClockConfig {
    @Bean
    TestClock testClock() {
      return TestClock.create();
    }
  }
}
