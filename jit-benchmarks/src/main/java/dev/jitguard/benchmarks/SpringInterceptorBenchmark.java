package dev.jitguard.benchmarks;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.ElevationCheckListener;
import dev.jitguard.spring.aop.ElevationAdvisor;
import dev.jitguard.spring.aop.ElevationAttributeResolver;
import dev.jitguard.spring.aop.ElevationMethodInterceptor;
import dev.jitguard.spring.metrics.MicrometerElevationMetrics;
import dev.jitguard.spring.security.SpringSecuritySubjectResolver;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.aopalliance.intercept.MethodInterceptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authorization.ObservationAuthorizationManager;
import org.springframework.security.authorization.method.AuthorizationManagerBeforeMethodInterceptor;
import org.springframework.security.authorization.method.PreAuthorizeAuthorizationManager;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The {@code @RequiresElevation} interceptor of jit-spring next to Spring Security's {@code @PreAuthorize}, all in
 * the same run, all through class-based (CGLIB) proxies built with {@link ProxyFactory} (Spring Boot's default proxy
 * kind), plus the floors: the same proxy with a no-op interceptor, and the unproxied call.
 *
 * <p>Scenario (as in shared/research/perf.md): subject {@code user-42} with 10 authorities ({@code db:write} at index
 * 7) in a thread-local {@code SecurityContext}; {@code user-42} holds an active one-hour grant of {@code db.write}
 * (allow path) and none of {@code db.drop} (deny path: {@code ElevationRequiredException}, stackless, thrown and
 * caught). {@code @PreAuthorize("hasAuthority('db:write')")} allows and {@code hasAuthority('db:drop')} denies
 * ({@code AuthorizationDeniedException} with a stack trace). The {@code _metrics} variants add jit-spring's Micrometer
 * listener: a pre-registered counter per reason on every check, and on the deny path an observation handled by a
 * {@code DefaultMeterObservationHandler} on a {@code SimpleMeterRegistry} (what Spring Boot with actuator does). Their
 * like-for-like baseline is {@code preAuthorize_*_observed}: {@code @PreAuthorize} with Spring Security's
 * {@code ObservationAuthorizationManager} on the same registry, which is how Spring Boot wires method security when an
 * {@code ObservationRegistry} bean exists.
 *
 * <pre>
 * java -jar jit-benchmarks/target/benchmarks.jar SpringInterceptorBenchmark -bm avgt -tu ns -prof gc -f 1 -wi 3 -i 5 -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class SpringInterceptorBenchmark {

  /** The proxied bean: public, non-final, one method per variant. */
  public static class Accounts {
    @RequiresElevation("db.write")
    public int write(int x) {
      return x + 1;
    }

    @RequiresElevation("db.drop")
    public int drop(int x) {
      return x + 2;
    }

    @PreAuthorize("hasAuthority('db:write')")
    public int preAuthorizedWrite(int x) {
      return x + 1;
    }

    @PreAuthorize("hasAuthority('db:drop')")
    public int preAuthorizedDrop(int x) {
      return x + 2;
    }

    public int plain(int x) {
      return x + 1;
    }
  }

  /** The authenticated caller, set on each benchmark thread. */
  @State(Scope.Thread)
  public static class Caller {
    @Setup(Level.Trial)
    public void signIn() {
      List<GrantedAuthority> authorities = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        authorities.add(new SimpleGrantedAuthority(i == 7 ? "db:write" : "app:role-" + i));
      }
      SecurityContextHolder.getContext().setAuthentication(
          UsernamePasswordAuthenticationToken.authenticated("user-42", "n/a", authorities));
    }

    @TearDown(Level.Trial)
    public void signOut() {
      SecurityContextHolder.clearContext();
    }
  }

  int x = 42;
  private PrivilegeGuard guard;
  private Accounts direct;
  private Accounts noop;
  private Accounts elevation;
  private Accounts elevationWithMetrics;
  private Accounts preAuthorize;
  private Accounts preAuthorizeObserved;

  @Setup(Level.Trial)
  public void setUp() {
    Policy policy = Policy.builder().version("bench")
        .privilege("db.*", r -> r.eligibleSubjects("user-42").approverSubjects("approver")
            .maxDuration(Duration.ofHours(8)))
        .build();
    guard = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(GrantStore.inMemory())
        .withAuditSink(new InMemoryAuditSink()).withClock(Clock.systemUTC()).withoutBackgroundMaintenance().build();
    Decision pending = guard.request(ElevationRequest.builder(Subject.of("user-42"), "db.write")
        .duration(Duration.ofHours(1)).build());
    Decision granted = guard.approve(((Decision.Pending) pending).request().id(), Subject.of("approver"), "bench");
    if (!granted.isGranted()) {
      throw new IllegalStateException("setup: expected a grant, got " + granted);
    }

    SpringSecuritySubjectResolver subjects = new SpringSecuritySubjectResolver(List.of("ROLE_"), null);
    direct = new Accounts();
    noop = proxy(null, (MethodInterceptor) invocation -> invocation.proceed());
    elevation = proxy(new ElevationAdvisor(new ElevationMethodInterceptor(new ElevationAttributeResolver(),
        () -> guard, () -> subjects, () -> ElevationCheckListener.NOOP), ElevationAdvisor.DEFAULT_ORDER), null);

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    MicrometerElevationMetrics metrics = new MicrometerElevationMetrics(meters, observations, false,
        GrantStore.inMemory(), Clock.systemUTC());
    elevationWithMetrics = proxy(new ElevationAdvisor(new ElevationMethodInterceptor(
        new ElevationAttributeResolver(), () -> guard, () -> subjects, () -> metrics), ElevationAdvisor.DEFAULT_ORDER),
        null);
    preAuthorize = proxy(AuthorizationManagerBeforeMethodInterceptor.preAuthorize(), null);
    // What Spring Boot configures when an ObservationRegistry exists: every authorization observed.
    preAuthorizeObserved = proxy(AuthorizationManagerBeforeMethodInterceptor.preAuthorize(
        new ObservationAuthorizationManager<>(observations, new PreAuthorizeAuthorizationManager())), null);

    Caller check = new Caller();
    check.signIn();
    try {
      verify(elevation.write(1) == 2, "elevation allow");
      verify(elevationWithMetrics.write(1) == 2, "elevation allow (metrics)");
      verify(preAuthorize.preAuthorizedWrite(1) == 2, "@PreAuthorize allow");
      verify(noop.plain(1) == 2, "no-op proxy");
      verify(denied(() -> elevation.drop(1)), "elevation deny");
      verify(denied(() -> elevationWithMetrics.drop(1)), "elevation deny (metrics)");
      verify(denied(() -> preAuthorize.preAuthorizedDrop(1)), "@PreAuthorize deny");
      verify(preAuthorizeObserved.preAuthorizedWrite(1) == 2, "@PreAuthorize allow (observed)");
      verify(denied(() -> preAuthorizeObserved.preAuthorizedDrop(1)), "@PreAuthorize deny (observed)");
    } finally {
      check.signOut();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    guard.close();
  }

  private static Accounts proxy(org.springframework.aop.Advisor advisor, MethodInterceptor advice) {
    ProxyFactory factory = new ProxyFactory(new Accounts());
    factory.setProxyTargetClass(true);
    if (advisor != null) {
      factory.addAdvisor(advisor);
    } else {
      factory.addAdvice(advice);
    }
    Accounts proxy = (Accounts) factory.getProxy(Accounts.class.getClassLoader());
    if (!org.springframework.aop.support.AopUtils.isCglibProxy(proxy)) {
      throw new IllegalStateException("setup: expected a CGLIB proxy");
    }
    return proxy;
  }

  private static boolean denied(Runnable call) {
    try {
      call.run();
      return false;
    } catch (ElevationRequiredException | AccessDeniedException e) {
      return true;
    }
  }

  private static void verify(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("setup: " + what + " did not behave as expected");
    }
  }

  @Benchmark
  public int baseline_unproxied(Caller caller) {
    return direct.plain(x);
  }

  @Benchmark
  public int baseline_proxyNoopInterceptor(Caller caller) {
    return noop.plain(x);
  }

  @Benchmark
  public int elevation_allow(Caller caller) {
    return elevation.write(x);
  }

  @Benchmark
  public Object elevation_deny(Caller caller) {
    try {
      return elevation.drop(x);
    } catch (ElevationRequiredException e) {
      return e;
    }
  }

  @Benchmark
  public int elevation_allow_metrics(Caller caller) {
    return elevationWithMetrics.write(x);
  }

  @Benchmark
  public Object elevation_deny_metrics(Caller caller) {
    try {
      return elevationWithMetrics.drop(x);
    } catch (ElevationRequiredException e) {
      return e;
    }
  }

  @Benchmark
  public int preAuthorize_allow(Caller caller) {
    return preAuthorize.preAuthorizedWrite(x);
  }

  @Benchmark
  public Object preAuthorize_deny(Caller caller) {
    try {
      return preAuthorize.preAuthorizedDrop(x);
    } catch (AccessDeniedException e) {
      return e;
    }
  }

  @Benchmark
  public int preAuthorize_allow_observed(Caller caller) {
    return preAuthorizeObserved.preAuthorizedWrite(x);
  }

  @Benchmark
  public Object preAuthorize_deny_observed(Caller caller) {
    try {
      return preAuthorizeObserved.preAuthorizedDrop(x);
    } catch (AccessDeniedException e) {
      return e;
    }
  }
}
