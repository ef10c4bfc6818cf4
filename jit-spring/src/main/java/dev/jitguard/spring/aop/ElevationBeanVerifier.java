package dev.jitguard.spring.aop;

import dev.jitguard.Privilege;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.spi.ElevationPolicy;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Verifies at start-up that every {@code @RequiresElevation} in the application is enforced, and fails the
 * application otherwise ({@link ElevationDeclarationException}, naming the bean, class and method):
 *
 * <ul>
 *   <li>a declaration on a private or static method (no proxy can intercept it), or on a final method, or a public
 *       final method covered by a type-level declaration (a class-based proxy cannot override it);</li>
 *   <li>an ambiguous declaration (different privileges inherited from an interface and a superclass), a malformed
 *       privilege, a parameter of an {@code action = true} method whose type {@link CanonicalArguments} cannot encode,
 *       an {@code amount} that names no parameter or a parameter that cannot hold an exact amount, a reactive return
 *       type;</li>
 *   <li>a bean with guarded methods that is not proxied with the {@link ElevationAdvisor} (created before the
 *       auto-proxy creator, for example as a dependency of a {@code BeanPostProcessor}).</li>
 * </ul>
 *
 * <p>It is a {@link BeanPostProcessor} without an order, so it runs after the auto-proxy creator and sees the proxy;
 * singletons created before it was registered are checked when all singletons are instantiated. It also keeps the
 * inventory of guarded methods by privilege, and warns (or fails, see {@code jit.validation.missing-rule}) about
 * privileges that no policy rule covers. Calls from inside a bean to its own methods (self-invocation) bypass the
 * proxy and cannot be detected here: use {@code ElevationChecks} in such methods.
 */
public final class ElevationBeanVerifier implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware {
  private static final Logger LOG = LoggerFactory.getLogger(ElevationBeanVerifier.class);

  /** What to do when a guarded privilege has no policy rule. */
  public enum MissingRule {
    /** Nothing. */
    IGNORE,
    /** Log a warning (the default): every call will be denied until a rule exists. */
    WARN,
    /** Fail the start-up. */
    FAIL
  }

  private final ElevationAttributeResolver resolver;
  private final Supplier<@Nullable ElevationPolicy> policy;
  private final MissingRule missingRule;
  private final Supplier<CanonicalArguments> encoding;
  private volatile @Nullable CanonicalArguments canonical;
  private final Set<String> verifiedNames = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Class<?>, ClassReport> reports = new ConcurrentHashMap<>();
  private final Map<String, String> deferred = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<Privilege, Set<String>> inventory = Collections.synchronizedMap(new TreeMap<>());
  private @Nullable ConfigurableListableBeanFactory beanFactory;
  private volatile boolean singletonsDone;

  /**
   * Creates the verifier.
   *
   * @param resolver the resolver the advisor uses
   * @param policy the policy, to report privileges without a rule (looked up after start-up; may supply null)
   * @param missingRule what to do about privileges without a rule
   */
  public ElevationBeanVerifier(ElevationAttributeResolver resolver, Supplier<@Nullable ElevationPolicy> policy,
      MissingRule missingRule) {
    this(resolver, policy, missingRule, CanonicalArguments::standard);
  }

  /**
   * Creates the verifier, checking parameter types of {@code action = true} methods against an encoding.
   *
   * @param resolver the resolver the advisor uses
   * @param policy the policy, to report privileges without a rule (looked up after start-up; may supply null)
   * @param missingRule what to do about privileges without a rule
   * @param encoding the canonical encoding the interceptor digests action arguments with
   */
  public ElevationBeanVerifier(ElevationAttributeResolver resolver, Supplier<@Nullable ElevationPolicy> policy,
      MissingRule missingRule, Supplier<CanonicalArguments> encoding) {
    this.encoding = Objects.requireNonNull(encoding, "encoding cannot be null");
    this.resolver = Objects.requireNonNull(resolver, "resolver cannot be null");
    this.policy = Objects.requireNonNull(policy, "policy cannot be null");
    this.missingRule = Objects.requireNonNull(missingRule, "missingRule cannot be null");
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
    if (beanFactory instanceof ConfigurableListableBeanFactory c) {
      this.beanFactory = c;
    }
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
    verify(bean, beanName, true);
    return bean;
  }

  @Override
  public void afterSingletonsInstantiated() {
    ConfigurableListableBeanFactory bf = beanFactory;
    if (bf != null) {
      Map<String, String> again;
      synchronized (deferred) {
        again = new LinkedHashMap<>(deferred);
        deferred.clear();
      }
      for (String name : again.keySet()) {
        Object exposed = bf.getSingleton(name);
        if (exposed != null) {
          verify(exposed, name, false);
        }
      }
      for (String name : bf.getSingletonNames()) {
        Object singleton = bf.getSingleton(name);
        if (singleton != null && !(singleton instanceof FactoryBean) && !verifiedNames.contains(name)) {
          verify(singleton, name, false);
        }
      }
    }
    singletonsDone = true;
    checkRules();
  }

  /**
   * Every guarded method found so far, by privilege: the application's inventory of elevated operations.
   *
   * @return privilege name → methods, sorted
   */
  public Map<String, List<String>> inventory() {
    Map<String, List<String>> out = new TreeMap<>();
    synchronized (inventory) {
      inventory.forEach((p, methods) -> out.put(p.name(), List.copyOf(methods)));
    }
    return out;
  }

  private void verify(Object bean, String beanName, boolean mayDefer) {
    if (bean instanceof ElevationAdvisor || bean instanceof CanonicalArguments) {
      return;
    }
    verifiedNames.add(beanName);
    Class<?> userClass = ClassUtils.getUserClass(AopUtils.getTargetClass(bean));
    if (userClass.getName().startsWith("java.") || userClass.getName().startsWith("org.springframework.")) {
      return;
    }
    if (canonical == null) {
      // outside computeIfAbsent: looking the bean up may create it, and creating it runs this post-processor again
      canonical = encoding.get();
    }
    ClassReport report = reports.computeIfAbsent(userClass, this::inspect);
    List<String> problems = new ArrayList<>(report.problems());
    if (problems.isEmpty() && report.guardedExample() != null && !isProxiedByUs(bean)) {
      ConfigurableListableBeanFactory bf = beanFactory;
      if (mayDefer && !singletonsDone && bf != null && bf.isCurrentlyInCreation(beanName)) {
        // A circular reference may have exposed an early proxy; look at what the container finally exposes.
        deferred.put(beanName, beanName);
        return;
      }
      problems.add("the bean has guarded methods (for example " + report.guardedExample()
          + ") but is not proxied by JIT Guard's advisor, so calls would run unguarded. It was probably created "
          + "before the auto-proxy creator (as a dependency of a BeanPostProcessor or BeanFactoryPostProcessor); "
          + "inject it lazily (ObjectProvider or @Lazy) there");
    }
    if (!problems.isEmpty()) {
      throw new ElevationDeclarationException(beanName, userClass, problems);
    }
  }

  /** The declarations of a class, once per class (beans of other scopes are created again and again). */
  private ClassReport inspect(Class<?> userClass) {
    List<String> problems = new ArrayList<>();
    String example = null;
    for (Method m : ReflectionUtils.getAllDeclaredMethods(userClass)) {
      int mods = m.getModifiers();
      if (m.isSynthetic() || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Method specific = ClassUtils.getMostSpecificMethod(m, userClass);
      String where = ElevationAttributeResolver.describe(specific);
      if (Modifier.isPrivate(mods) || Modifier.isStatic(mods)) {
        if (ElevationAttributeResolver.isDeclaredOn(m)) {
          ElevationAttribute a = resolver.resolve(m, userClass);
          problems.add(a.problem() != null ? a.problem() : "@RequiresElevation on " + where + " cannot be enforced: "
              + "the method is " + (Modifier.isPrivate(mods) ? "private" : "static"));
        }
        continue;
      }
      ElevationAttribute a = resolver.resolve(m, userClass);
      if (!a.isGuarded()) {
        continue;
      }
      if (a.kind() == ElevationAttribute.Kind.INVALID) {
        problems.add(a.problem());
        continue;
      }
      if (a.isAction()) {
        CanonicalArguments canonical = Objects.requireNonNull(this.canonical);
        Class<?>[] types = specific.getParameterTypes();
        java.lang.reflect.Parameter[] params = specific.getParameters();
        for (int i = 0; i < types.length; i++) {
          if (!canonical.supports(types[i])) {
            problems.add("@RequiresElevation(value = \"" + a.privilege() + "\", action = true) on " + where
                + ": parameter " + i + " (" + params[i].getName() + ") of type " + types[i].getName()
                + " cannot be encoded canonically, so the call cannot be bound to its arguments. Use a supported type "
                + "(strings, whole numbers, BigDecimal, enums, dates and times, UUIDs, records, collections, maps), "
                + "or declare a CanonicalArguments bean with an ArgumentEncoder for " + types[i].getSimpleName());
          }
        }
      }
      // A final method cannot be overridden by a class-based proxy. (A final class cannot be proxied that way at all:
      // Spring fails the start-up itself, or the bean is reported below as not proxied.)
      if (Modifier.isFinal(specific.getModifiers())) {
        problems.add(ElevationAttributeResolver.notInterceptable(where, "final", a.privilege()));
        continue;
      }
      if (example == null) {
        example = where;
      }
      synchronized (inventory) {
        inventory.computeIfAbsent(a.privilege(), k -> new TreeSet<>()).add(where);
      }
    }
    return new ClassReport(List.copyOf(new LinkedHashSet<>(problems)), example);
  }

  private record ClassReport(List<String> problems, @Nullable String guardedExample) { }

  private static boolean isProxiedByUs(Object bean) {
    if (!(bean instanceof Advised advised)) {
      return false;
    }
    for (Advisor a : advised.getAdvisors()) {
      if (a instanceof ElevationAdvisor) {
        return true;
      }
    }
    return false;
  }

  private void checkRules() {
    if (missingRule == MissingRule.IGNORE) {
      return;
    }
    ElevationPolicy p = policy.get();
    if (p == null) {
      return;
    }
    List<String> missing = new ArrayList<>();
    synchronized (inventory) {
      inventory.forEach((privilege, methods) -> {
        boolean covered;
        try {
          covered = p.ruleFor(privilege).isPresent();
        } catch (RuntimeException e) {
          covered = true; // a failing policy denies at request time; not a declaration problem
        }
        if (!covered) {
          missing.add("'" + privilege + "' (required by " + String.join(", ", methods) + ")");
        }
      });
    }
    if (missing.isEmpty()) {
      return;
    }
    String message = "No policy rule covers " + String.join("; ", missing) + ": every call will be denied with "
        + "UNKNOWN_PRIVILEGE hints until a rule exists. Add rules under jit.policy.rules, or set "
        + "jit.validation.missing-rule=ignore";
    if (missingRule == MissingRule.FAIL) {
      throw new IllegalStateException(message);
    }
    LOG.warn(message);
  }
}
