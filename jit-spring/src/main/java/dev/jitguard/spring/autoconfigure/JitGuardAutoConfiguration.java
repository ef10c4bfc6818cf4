package dev.jitguard.spring.autoconfigure;

import dev.jitguard.Consistency;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.action.CanonicalArguments;
import dev.jitguard.spring.ActionPreviewRenderer;
import dev.jitguard.spring.ElevationCheckListener;
import dev.jitguard.spring.ElevationChecks;
import dev.jitguard.spring.PrivilegeGuardCustomizer;
import dev.jitguard.spring.SubjectResolver;
import dev.jitguard.spring.aop.ElevationAdvisor;
import dev.jitguard.spring.aop.ElevationAttributeResolver;
import dev.jitguard.spring.aop.ElevationBeanVerifier;
import dev.jitguard.spring.aop.ElevationMethodInterceptor;
import dev.jitguard.policy.PolicyDocuments;
import dev.jitguard.policy.ReloadingPolicy;
import java.io.IOException;
import java.nio.file.Path;
import dev.jitguard.MonotonicClock;
import java.time.Clock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Auto-configures JIT Guard: the policy (from {@code jit.policy.*}), the grant store, audit sink and approval channel
 * (each {@code @ConditionalOnMissingBean}: declare a bean of the SPI type to replace the default), the
 * {@link PrivilegeGuard}, the current-subject resolver (Spring Security when present), the programmatic
 * {@link ElevationChecks}, and the {@code @RequiresElevation} advisor with its start-up verifier. It registers an
 * auto-proxy creator if none exists (class-based proxies unless {@code spring.aop.proxy-target-class=false}), so
 * enforcement does not depend on AspectJ or on Boot's AOP auto-configuration.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnBooleanProperty(name = "jit.enabled", matchIfMissing = true)
@EnableConfigurationProperties(JitGuardProperties.class)
@Import({JitGuardAutoConfiguration.AutoProxyRegistrar.class, JitGuardAutoConfiguration.InMemoryStoreConfiguration.class,
    JitGuardAutoConfiguration.JdbcStoreConfiguration.class, JitGuardAutoConfiguration.SpringSecuritySubjects.class,
    JitGuardAutoConfiguration.NoSubjects.class})
public class JitGuardAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(JitGuardAutoConfiguration.class);

  /**
   * The policy: from the document at {@code jit.policy.location} (JSON or YAML, read with
   * {@link PolicyDocuments}; reloaded on change when {@code jit.policy.watch=true} and the location is a file), or
   * else from {@code jit.policy.rules} (the fields of a policy document rule, in kebab-case; an unknown or misspelt
   * field fails the start-up naming the property and where it was set). Setting both fails the start-up, as does a
   * document that is not valid (the message names the file, line and column).
   *
   * @param properties the properties
   * @param resources resolves the location ({@code classpath:}, {@code file:})
   * @param onCall the on-call source, if any, for rules that auto-approve on-call people
   * @param environment where {@code jit.policy.rules} is read from
   * @return the policy ({@link ReloadingPolicy} when watching, closed with the context)
   */
  @Bean
  @ConditionalOnMissingBean
  public ElevationPolicy jitElevationPolicy(JitGuardProperties properties, ResourceLoader resources,
      ObjectProvider<OnCallSource> onCall, Environment environment) {
    JitGuardProperties.Policy p = properties.getPolicy();
    String location = p.getLocation();
    boolean rules = PropertiesPolicy.hasRules(environment);
    if (location != null && !location.isBlank()) {
      if (rules) {
        throw new IllegalStateException("jit.policy.location=" + location + " and jit.policy.rules are both set; "
            + "they are mutually exclusive: keep the rules in the policy document, or remove jit.policy.location");
      }
      PolicyDocuments.Loader loader = PolicyDocuments.loader().withClassLoader(resources.getClassLoader() != null
          ? resources.getClassLoader() : JitGuardAutoConfiguration.class.getClassLoader());
      onCall.ifUnique(loader::withOnCallSource);
      return policyDocument(location.trim(), p, resources, loader);
    }
    if (p.isWatch()) {
      throw new IllegalStateException("jit.policy.watch=true needs jit.policy.location (a file: location)");
    }
    if (!rules) {
      LOG.warn("JIT Guard has no policy rules: every elevation request will be denied (UNKNOWN_PRIVILEGE). Define "
          + "rules under jit.policy.rules, a document at jit.policy.location, or declare an ElevationPolicy bean");
    }
    return PropertiesPolicy.build(p, environment, onCall.getIfUnique());
  }

  private static ElevationPolicy policyDocument(String location, JitGuardProperties.Policy p,
      ResourceLoader resources, PolicyDocuments.Loader loader) {
    if (location.startsWith(ResourceLoader.CLASSPATH_URL_PREFIX)) {
      if (p.isWatch()) {
        throw new IllegalStateException("jit.policy.watch=true needs a file: location, but jit.policy.location="
            + location + " is on the classpath, which does not change while the application runs");
      }
      return loader.loadResource(location.substring(ResourceLoader.CLASSPATH_URL_PREFIX.length()));
    }
    Resource resource = resources.getResource(location);
    Path path = filePath(resource);
    if (path == null) {
      throw new IllegalStateException("jit.policy.location=" + location + " is neither a classpath: resource nor a "
          + "file (" + resource.getDescription() + "); use classpath:name.yaml or file:/path/to/policy.yaml");
    }
    if (p.isWatch()) {
      ReloadingPolicy policy = ReloadingPolicy.builder(path).withLoader(loader).withWatch(p.getWatchInterval())
          .onReload(r -> LOG.info("JIT Guard policy {}: {}", path, r)).build();
      LOG.info("JIT Guard policy loaded from {} (version {}), reloaded when it changes", path, policy.version());
      return policy;
    }
    return loader.load(path);
  }

  private static @Nullable Path filePath(Resource resource) {
    try {
      return resource.isFile() ? resource.getFile().toPath() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The audit sink: one escaped line per event to the SLF4J logger {@code dev.jitguard.audit} at INFO.
   *
   * @return the sink
   */
  @Bean
  @ConditionalOnMissingBean
  public AuditSink jitAuditSink() {
    if (!LoggerFactory.getLogger(AuditSink.SLF4J_LOGGER_NAME).isInfoEnabled()) {
      LOG.warn("The audit logger '{}' has INFO disabled: the default audit sink cannot record, so JIT Guard will "
          + "deny every decision with AUDIT_FAILURE (fail closed). Enable INFO for it, or declare an AuditSink bean",
          AuditSink.SLF4J_LOGGER_NAME);
    }
    return AuditSink.slf4j();
  }

  /**
   * The approval channel: in-process (approvers use the REST endpoints or the guard's API).
   *
   * @return the channel
   */
  @Bean
  @ConditionalOnMissingBean
  public ApprovalChannel jitApprovalChannel() {
    return ApprovalChannel.inProcess();
  }

  /**
   * The guard, built from the SPI beans, a {@link Clock} bean and a {@link MonotonicClock} bean if there is exactly
   * one of each (a test kit {@code TestClock} bean is both), an {@link OnCallSource} bean if there is one, and every
   * {@link PrivilegeGuardCustomizer}.
   *
   * @param policy the policy
   * @param store the grant store
   * @param sink the audit sink
   * @param channel the approval channel
   * @param clock the clock, if any
   * @param monotonic the monotonic clock, if any
   * @param onCall the on-call source, if any
   * @param customizers customizers
   * @param properties the properties
   * @return the guard, closed with the context
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public PrivilegeGuard jitPrivilegeGuard(ElevationPolicy policy, GrantStore store, AuditSink sink,
      ApprovalChannel channel, ObjectProvider<Clock> clock, ObjectProvider<MonotonicClock> monotonic,
      ObjectProvider<OnCallSource> onCall,
      ObjectProvider<PrivilegeGuardCustomizer> customizers, JitGuardProperties properties) {
    PrivilegeGuard.Builder b = PrivilegeGuard.builder().withPolicy(policy).withGrantStore(store).withAuditSink(sink)
        .withApprovalChannel(channel);
    clock.ifUnique(b::withClock);
    monotonic.ifUnique(b::withMonotonicClock);
    onCall.ifUnique(b::withOnCallSource);
    JitGuardProperties.Maintenance m = properties.getMaintenance();
    if (m.isEnabled()) {
      b.withMaintenanceInterval(m.getInterval());
    } else {
      b.withoutBackgroundMaintenance();
    }
    JitGuardProperties.Consistency c = properties.getConsistency();
    b.withConsistency(c.isStrict() ? Consistency.strict() : Consistency.cached(c.getMaxStaleness()));
    customizers.orderedStream().forEach(customizer -> customizer.customize(b));
    return b.build();
  }

  /**
   * The programmatic guard, for self-invocation and code no proxy reaches.
   *
   * @param guard the guard
   * @param subjects who is calling
   * @param listener told of each decision
   * @return the programmatic guard
   */
  @Bean
  @ConditionalOnMissingBean
  public ElevationChecks jitElevationChecks(PrivilegeGuard guard, SubjectResolver subjects,
      ObjectProvider<ElevationCheckListener> listener) {
    return new ElevationChecks(guard, subjects, listener.getIfUnique(() -> ElevationCheckListener.NOOP));
  }

  /**
   * Annotation discovery, shared by the advisor and the verifier.
   *
   * @return the resolver
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  public static ElevationAttributeResolver jitElevationAttributeResolver() {
    return new ElevationAttributeResolver();
  }

  /**
   * The {@code @RequiresElevation} advisor. Static and with lazy collaborators: it is needed while beans are
   * post-processed, and must not create the guard that early.
   *
   * @param resolver annotation discovery
   * @param guard the guard
   * @param subjects who is calling
   * @param listener told of each decision
   * @param encoding digests action arguments
   * @param preview renders action previews
   * @param environment for {@code jit.advisor.order}
   * @return the advisor
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  public static ElevationAdvisor jitElevationAdvisor(ElevationAttributeResolver resolver,
      ObjectProvider<PrivilegeGuard> guard, ObjectProvider<SubjectResolver> subjects,
      ObjectProvider<ElevationCheckListener> listener, ObjectProvider<CanonicalArguments> encoding,
      ObjectProvider<ActionPreviewRenderer> preview, Environment environment) {
    int order = Binder.get(environment).bind("jit.advisor.order", Integer.class).orElse(ElevationAdvisor.DEFAULT_ORDER);
    ElevationMethodInterceptor interceptor = new ElevationMethodInterceptor(resolver, guard::getObject,
        subjects::getObject, () -> listener.getIfUnique(() -> ElevationCheckListener.NOOP),
        () -> encoding.getIfUnique(CanonicalArguments::standard),
        () -> preview.getIfUnique(() -> ActionPreviewRenderer.DEFAULT));
    return new ElevationAdvisor(interceptor, order);
  }

  /**
   * Fails the start-up when a {@code @RequiresElevation} cannot be enforced.
   *
   * @param resolver annotation discovery
   * @param policy the policy, for privileges without a rule
   * @param encoding for the parameter types of action methods
   * @param environment for {@code jit.validation.missing-rule}
   * @return the verifier
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean
  public static ElevationBeanVerifier jitElevationBeanVerifier(ElevationAttributeResolver resolver,
      ObjectProvider<ElevationPolicy> policy, ObjectProvider<CanonicalArguments> encoding,
      Environment environment) {
    ElevationBeanVerifier.MissingRule missing = Binder.get(environment)
        .bind("jit.validation.missing-rule", ElevationBeanVerifier.MissingRule.class)
        .orElse(ElevationBeanVerifier.MissingRule.WARN);
    return new ElevationBeanVerifier(resolver, policy::getIfUnique, missing,
        () -> encoding.getIfUnique(CanonicalArguments::standard));
  }

  /**
   * The canonical encoding of the arguments of {@code @RequiresElevation(..., action = true)} methods. Declare a bean
   * ({@code CanonicalArguments.builder().encoder(Money.class, ...).build()}) to add encoders for your types.
   *
   * @return the standard encoding
   */
  @Bean
  @ConditionalOnMissingBean
  public static CanonicalArguments jitCanonicalArguments() {
    return CanonicalArguments.standard();
  }

  /**
   * The in-memory grant store: {@code jit.store.type=memory}, or {@code auto} (the default) without a
   * {@link DataSource} bean.
   */
  @Configuration(proxyBeanMethods = false)
  @Conditional(StoreTypeCondition.Memory.class)
  static class InMemoryStoreConfiguration {
    @Bean
    @ConditionalOnMissingBean
    GrantStore jitGrantStore() {
      return GrantStore.inMemory();
    }
  }

  /**
   * The JDBC grant store on the application's {@link DataSource}: {@code jit.store.type=jdbc}, or {@code auto} (the
   * default) when a {@code DataSource} bean exists. The schema is created at start-up unless
   * {@code jit.store.jdbc.create-schema=false}; the store is closed with the context (the data source stays the
   * application's).
   */
  @Configuration(proxyBeanMethods = false)
  @Conditional(StoreTypeCondition.Jdbc.class)
  static class JdbcStoreConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(GrantStore.class)
    dev.jitguard.store.JdbcGrantStore jitGrantStore(ObjectProvider<DataSource> dataSource,
        JitGuardProperties properties) {
      DataSource ds = dataSource.getIfUnique();
      if (ds == null) {
        throw new IllegalStateException("jit.store.type=jdbc needs exactly one DataSource bean (or a primary one), "
            + "and there is " + (dataSource.stream().findAny().isPresent() ? "more than one" : "none")
            + "; add spring-boot-starter-jdbc and a database, or set jit.store.type=memory");
      }
      JitGuardProperties.Jdbc jdbc = properties.getStore().getJdbc();
      return dev.jitguard.store.JdbcGrantStore.builder(ds).createSchema(jdbc.isCreateSchema())
          .queryTimeout(jdbc.getQueryTimeout()).build();
    }
  }

  /** The current subject from Spring Security's Authentication. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
  static class SpringSecuritySubjects {
    @Bean
    @ConditionalOnMissingBean
    SubjectResolver jitSubjectResolver(JitGuardProperties properties,
        ObjectProvider<org.springframework.security.core.context.SecurityContextHolderStrategy> strategy) {
      return new dev.jitguard.spring.security.SpringSecuritySubjectResolver(
          properties.getSubject().getStripPrefixes(), strategy.getIfUnique());
    }
  }

  /** Without Spring Security and without a resolver bean, nobody is ever authenticated: every call is denied. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass("org.springframework.security.core.context.SecurityContextHolder")
  static class NoSubjects {
    @Bean
    @ConditionalOnMissingBean
    SubjectResolver jitSubjectResolver() {
      LOG.warn("Spring Security is not on the classpath and no SubjectResolver bean is declared: JIT Guard cannot "
          + "tell who is calling, so every @RequiresElevation call will be denied (NO_SUBJECT). Declare a "
          + "SubjectResolver bean");
      return SubjectResolver.none();
    }
  }

  /**
   * Registers an auto-proxy creator (if the context has none) that applies infrastructure advisors such as ours,
   * with class-based proxies unless {@code spring.aop.proxy-target-class=false}, like Spring Boot.
   */
  static class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {
    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
      this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
      AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
      if (environment.getProperty("spring.aop.proxy-target-class", Boolean.class, Boolean.TRUE)) {
        AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
      }
    }
  }
}
