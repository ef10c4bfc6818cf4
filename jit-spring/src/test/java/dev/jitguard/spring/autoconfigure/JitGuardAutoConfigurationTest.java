package dev.jitguard.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyDocumentException;
import dev.jitguard.policy.ReloadingPolicy;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.ElevationChecks;
import dev.jitguard.spring.Fixtures;
import dev.jitguard.spring.SubjectResolver;
import dev.jitguard.spring.actuate.JitGuardEndpoint;
import dev.jitguard.spring.aop.ElevationAdvisor;
import dev.jitguard.spring.aop.ElevationBeanVerifier;
import dev.jitguard.spring.metrics.MicrometerElevationMetrics;
import dev.jitguard.spring.security.SpringSecuritySubjectResolver;
import dev.jitguard.spring.web.ElevationProblemAdvice;
import dev.jitguard.spring.web.JitGuardController;
import dev.jitguard.store.JdbcGrantStore;
import dev.jitguard.test.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.core.context.SecurityContextHolder;

/** Every condition of the auto-configuration: defaults, each SPI bean replaced, and each optional integration. */
class JitGuardAutoConfigurationTest {
  private final ApplicationContextRunner runner = Fixtures.runner();

  private static final Policy USER_POLICY = Policy.builder().version("mine")
      .privilege("mine.thing", r -> r.eligibleGroups("users").approverGroups("approvers")).build();

  @Test
  void defaultsWhenNothingDeclaredThenEveryBeanIsThere() {
    runner.run(context -> {
      assertThat(context).hasNotFailed()
          .hasSingleBean(PrivilegeGuard.class).hasSingleBean(ElevationPolicy.class).hasSingleBean(GrantStore.class)
          .hasSingleBean(AuditSink.class).hasSingleBean(ApprovalChannel.class).hasSingleBean(ElevationChecks.class)
          .hasSingleBean(ElevationAdvisor.class).hasSingleBean(ElevationBeanVerifier.class)
          .hasSingleBean(SubjectResolver.class)
          .doesNotHaveBean(MicrometerElevationMetrics.class).doesNotHaveBean(ElevationProblemAdvice.class)
          .doesNotHaveBean(JitGuardController.class).doesNotHaveBean(JitGuardEndpoint.class);
      assertThat(context.getBean(SubjectResolver.class)).isInstanceOf(SpringSecuritySubjectResolver.class);
      assertThat(context.getBean(ElevationPolicy.class).version()).isEqualTo("test-1");
    });
  }

  @Test
  void disabledWhenJitEnabledFalseThenNothingIsConfigured() {
    runner.withPropertyValues("jit.enabled=false").run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(PrivilegeGuard.class).doesNotHaveBean(ElevationAdvisor.class));
  }

  @Test
  void userPolicyBeanWhenDeclaredThenReplacesTheProperties() {
    runner.withBean(ElevationPolicy.class, () -> USER_POLICY).run(context -> {
      assertThat(context).hasSingleBean(ElevationPolicy.class);
      assertThat(context.getBean(ElevationPolicy.class)).isSameAs(USER_POLICY);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Decision d = guard.request(ElevationRequest.builder(Subject.of("alice", "users"), "mine.thing").build());
      assertThat(d.outcome()).isEqualTo(dev.jitguard.Outcome.PENDING);
    });
  }

  @Test
  void userStoreSinkChannelWhenDeclaredThenTheGuardUsesThem() {
    GrantStore store = GrantStore.inMemory();
    InMemoryAuditSink sink = new InMemoryAuditSink();
    ApprovalChannel channel = (request, rule) -> { };
    runner.withBean(GrantStore.class, () -> store).withBean(AuditSink.class, () -> sink)
        .withBean(ApprovalChannel.class, () -> channel)
        .run(context -> {
          assertThat(context.getBean(GrantStore.class)).isSameAs(store);
          assertThat(context.getBean(AuditSink.class)).isSameAs(sink);
          assertThat(context.getBean(ApprovalChannel.class)).isSameAs(channel);
          Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.thing");
          assertThat(store.liveGrants()).hasSize(1);
          assertThat(sink.events()).isNotEmpty();
        });
  }

  @Test
  void userGuardAndResolverWhenDeclaredThenReplaceTheDefaults() {
    PrivilegeGuard mine = PrivilegeGuard.builder().withPolicy(USER_POLICY).withoutBackgroundMaintenance().build();
    SubjectResolver resolver = () -> Subject.of("svc-batch");
    runner.withBean(PrivilegeGuard.class, () -> mine).withBean(SubjectResolver.class, () -> resolver)
        .run(context -> {
          assertThat(context.getBean(PrivilegeGuard.class)).isSameAs(mine);
          assertThat(context.getBean(SubjectResolver.class)).isSameAs(resolver);
          assertThat(context.getBean(ElevationChecks.class).currentSubject()).contains(Subject.of("svc-batch"));
        });
    mine.close();
  }

  @Test
  void clockBeanWhenDeclaredThenTheGuardUsesIt() {
    runner.run(context -> {
      TestClock clock = context.getBean(TestClock.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Fixtures.grant(guard, "alice", "test.thing");
      Subject alice = Subject.of("alice", "users");
      assertThat(guard.check(alice, Privilege.of("test.thing")).isGranted()).isTrue();
      clock.advance(Duration.ofMinutes(31));
      assertThat(guard.check(alice, Privilege.of("test.thing")).reason()).isEqualTo(ReasonCode.GRANT_EXPIRED);
    });
  }

  @Test
  void springSecurityWhenAbsentThenNobodyIsResolved() {
    runner.withClassLoader(new FilteredClassLoader(SecurityContextHolder.class)).run(context -> {
      assertThat(context).hasNotFailed();
      SubjectResolver resolver = context.getBean(SubjectResolver.class);
      assertThat(resolver).isNotInstanceOf(SpringSecuritySubjectResolver.class);
      assertThat(resolver.currentSubject()).isNull();
    });
  }

  @Test
  void propertiesPolicyWhenDefinedThenMappedOntoTheRules() {
    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
        .withPropertyValues("jit.maintenance.enabled=false",
            "jit.policy.version=v7",
            "jit.policy.administrators.groups=admins",
            "jit.policy.rules[0].privilege=payments.refund",
            "jit.policy.rules[0].eligible.groups=support",
            "jit.policy.rules[0].deny.subjects=mallory",
            "jit.policy.rules[0].approval.groups=payments-leads",
            "jit.policy.rules[0].approval.approvals=2",
            "jit.policy.rules[0].approval.pending-ttl=PT4H",
            "jit.policy.rules[0].justification.min-length=20",
            "jit.policy.rules[0].ticket.required=true",
            "jit.policy.rules[0].ticket.pattern=[A-Z]+-[0-9]+",
            "jit.policy.rules[0].max-duration=PT2H",
            "jit.policy.rules[0].default-duration=PT30M",
            "jit.policy.rules[0].break-glass.min-reason-length=15",
            "jit.policy.rules[0].break-glass.max-duration=PT15M",
            "jit.policy.rules[1].privilege=reports.*",
            "jit.policy.rules[1].eligible.groups=support",
            "jit.policy.rules[1].auto-approve[0].always=true")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ElevationPolicy policy = context.getBean(ElevationPolicy.class);
          assertThat(policy.version()).isEqualTo("v7");
          assertThat(policy.isAdministrator(Subject.of("carol", "admins"))).isTrue();
          var rule = policy.ruleFor(Privilege.of("payments.refund")).orElseThrow();
          assertThat(rule.approval().approvalsRequired()).isEqualTo(2);
          assertThat(rule.approval().approverGroups()).containsExactly("payments-leads");
          assertThat(rule.limits().minJustificationLength()).isEqualTo(20);
          assertThat(rule.limits().ticketRequired()).isTrue();
          assertThat(rule.limits().maxDuration()).isEqualTo(Duration.ofHours(2));
          assertThat(rule.limits().defaultDuration()).isEqualTo(Duration.ofMinutes(30));
          assertThat(rule.approval().pendingTtl()).isEqualTo(Duration.ofHours(4));
          assertThat(rule.breakGlass()).isPresent();
          assertThat(rule.eligibility().denies(Subject.of("mallory", "support"))).isTrue();
          PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
          Decision d = guard.request(ElevationRequest.builder(Subject.of("alice", "support"), "reports.monthly")
              .build());
          assertThat(d.reason()).isEqualTo(ReasonCode.AUTO_APPROVED);
        });
  }

  @Test
  void propertiesPolicyWhenInvalidThenStartupFailsNamingTheProperty() {
    runner.withPropertyValues("jit.policy.rules[1].privilege=payments.refund",
        "jit.policy.rules[1].eligible.groups=support",
        "jit.policy.rules[1].approval.approvals=2").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("jit.policy.rules[1]")
              .hasMessageContaining("payments.refund").hasMessageContaining("could ever be approved");
        });
  }

  @Test
  void propertiesPolicyWhenMaxAmountThenThePrivilegeIsMeteredAndRequestsAreCapped() {
    runner.withPropertyValues("jit.policy.rules[1].privilege=budget.refund",
        "jit.policy.rules[1].eligible.groups=users",
        "jit.policy.rules[1].approval.groups=approvers",
        "jit.policy.rules[1].max-amount=500.00").run(context -> {
          assertThat(context).hasNotFailed();
          var rule = context.getBean(ElevationPolicy.class).ruleFor(Privilege.of("budget.refund")).orElseThrow();
          assertThat(rule.limits().maxAmount()).contains(new BigDecimal("500.00"));
          assertThat(context.getBean(ElevationPolicy.class).ruleFor(Privilege.of("test.other")).orElseThrow()
              .limits().maxAmount()).as("other rules are not metered").isEmpty();
          PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
          Subject alice = Subject.of("alice", "users");
          Decision tooMuch = guard.request(ElevationRequest.builder(alice, "budget.refund")
              .amountLimit(new BigDecimal("500.01")).build());
          assertThat(tooMuch.reason()).isEqualTo(ReasonCode.AMOUNT_EXCEEDS_MAX);
          Decision pending = guard.request(ElevationRequest.builder(alice, "budget.refund").build());
          Decision granted = guard.approve(((Decision.Pending) pending).request().id(),
              Subject.of("bob", "approvers"), "ok");
          assertThat(((Decision.Granted) granted).grant().amountLimit())
              .as("a request without a limit gets the rule's maximum").contains(new BigDecimal("500.00"));
        });
  }

  @Test
  void propertiesPolicyWhenMaxAmountInvalidThenStartupFailsNamingTheProperty() {
    for (String bad : new String[] {"ten", "-5", "0", "1.5e2", "0.00000000001"}) {
      runner.withPropertyValues("jit.policy.rules[1].privilege=budget.refund",
          "jit.policy.rules[1].eligible.groups=users",
          "jit.policy.rules[1].approval.groups=approvers",
          "jit.policy.rules[1].max-amount=" + bad).run(context -> {
            assertThat(context).as("max-amount=%s", bad).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("jit.policy.rules[1]")
                .hasMessageContaining("budget.refund").hasMessageContaining("max");
          });
    }
  }

  private static final ApplicationContextRunner DOC_RUNNER = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class))
      .withUserConfiguration(Fixtures.ClockConfig.class).withPropertyValues("jit.maintenance.enabled=false");

  @Test
  void policyLocationWhenClasspathDocumentThenItIsThePolicy() {
    DOC_RUNNER.withPropertyValues("jit.policy.location=classpath:policies/doc-policy.yaml").run(context -> {
      assertThat(context).hasNotFailed();
      ElevationPolicy policy = context.getBean(ElevationPolicy.class);
      assertThat(policy.version()).startsWith("doc-1#");
      assertThat(policy).isNotInstanceOf(ReloadingPolicy.class);
      Decision d = context.getBean(PrivilegeGuard.class).request(ElevationRequest.builder(
          Subject.of("alice", "users"), "doc.thing").justification("ticket 42, customer").build());
      assertThat(d.outcome()).isEqualTo(dev.jitguard.Outcome.PENDING);
    });
  }

  @Test
  void policyLocationWhenRulesAlsoSetThenStartupFailsNamingBoth() {
    runner.withPropertyValues("jit.policy.location=classpath:policies/doc-policy.yaml").run(context -> {
      assertThat(context).hasFailed();
      assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("jit.policy.location")
          .contains("jit.policy.rules").contains("mutually exclusive");
    });
  }

  @Test
  void policyLocationWhenDocumentBrokenThenStartupFailsWithFileLineAndColumn() {
    DOC_RUNNER.withPropertyValues("jit.policy.location=classpath:policies/broken-policy.yaml").run(context -> {
      assertThat(context).hasFailed();
      Throwable root = context.getStartupFailure();
      while (root.getCause() != null) {
        root = root.getCause();
      }
      assertThat(root).isInstanceOf(PolicyDocumentException.class);
      assertThat(root.getMessage()).contains("broken-policy.yaml").contains("5:").contains("maxDuration");
    });
  }

  @Test
  void policyLocationWhenMissingThenStartupFails() {
    DOC_RUNNER.withPropertyValues("jit.policy.location=classpath:policies/nope.yaml").run(context -> {
      assertThat(context).hasFailed();
      assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("nope.yaml");
    });
    DOC_RUNNER.withPropertyValues("jit.policy.location=file:/nonexistent/jit/policy.yaml").run(context -> {
      assertThat(context).hasFailed();
      assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("policy.yaml");
    });
  }

  @Test
  void policyWatchWhenFileLocationThenReloadingPolicyClosedWithTheContext(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    try (var in = getClass().getResourceAsStream("/policies/doc-policy.yaml")) {
      Files.write(file, in.readAllBytes());
    }
    DOC_RUNNER.withPropertyValues("jit.policy.location=" + file.toUri(), "jit.policy.watch=true",
        "jit.policy.watch-interval=1s").run(context -> {
          assertThat(context).hasNotFailed();
          ReloadingPolicy policy = (ReloadingPolicy) context.getBean(ElevationPolicy.class);
          assertThat(watchers()).isNotEmpty();
          assertThat(policy.version()).startsWith("doc-1#");
          Files.writeString(file, Files.readString(file).replace("doc-1", "doc-2"));
          policy.reload();
          assertThat(policy.version()).startsWith("doc-2#");
        });
    assertThat(watchers()).isEmpty(); // close() joins the watcher thread
  }

  private static java.util.List<Thread> watchers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("jitguard-policy-watch-")).toList();
  }

  @Test
  void policyWatchWhenFileLocationWithoutWatchThenPlainPolicy(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    try (var in = getClass().getResourceAsStream("/policies/doc-policy.yaml")) {
      Files.write(file, in.readAllBytes());
    }
    DOC_RUNNER.withPropertyValues("jit.policy.location=file:" + file).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ElevationPolicy.class)).isNotInstanceOf(ReloadingPolicy.class);
      assertThat(context.getBean(ElevationPolicy.class).version()).startsWith("doc-1#");
    });
  }

  @Test
  void policyWatchWhenClasspathOrNoLocationThenStartupFails() {
    DOC_RUNNER.withPropertyValues("jit.policy.location=classpath:policies/doc-policy.yaml", "jit.policy.watch=true")
        .run(context -> assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("file: location"));
    runner.withPropertyValues("jit.policy.watch=true")
        .run(context -> assertThat(Fixtures.rootMessage(context.getStartupFailure()))
            .contains("jit.policy.location"));
  }

  private static DataSource h2(String name) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
    return ds;
  }

  @Test
  void storeWhenNoDataSourceThenInMemory() {
    runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(GrantStore.class)
        .doesNotHaveBean(JdbcGrantStore.class));
  }

  @Test
  void storeWhenDataSourceThenJdbcWithTheSchemaCreated() {
    DataSource ds = h2("autoStore");
    runner.withBean(DataSource.class, () -> ds).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(JdbcGrantStore.class);
      PrivilegeGuard guard = context.getBean(PrivilegeGuard.class);
      Decision d = guard.request(ElevationRequest.builder(Subject.of("alice", "users"), "test.refund")
          .justification("customer called about order 1234").build());
      assertThat(d.outcome()).isEqualTo(dev.jitguard.Outcome.PENDING);
      try (var c = ds.getConnection(); var rs = c.createStatement().executeQuery(
          "select count(*) from jitguard_requests")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    });
  }

  @Test
  void storeWhenJdbcChosenExplicitlyThenJdbc() {
    DataSource ds = h2("explicitStore");
    runner.withPropertyValues("jit.store.type=jdbc", "jit.store.jdbc.query-timeout=2s")
        .withBean(DataSource.class, () -> ds)
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(JdbcGrantStore.class));
  }

  @Test
  void storeWhenCreateSchemaFalseAndNoTablesThenStartupFailsNamingTheTable() {
    runner.withPropertyValues("jit.store.jdbc.create-schema=false")
        .withBean(DataSource.class, () -> h2("noSchema")).run(context -> {
          assertThat(context).hasFailed();
          assertThat(Fixtures.rootMessage(context.getStartupFailure())).containsIgnoringCase("jitguard_grants");
        });
  }

  @Test
  void storeWhenMemoryChosenWithADataSourceThenInMemory() {
    runner.withPropertyValues("jit.store.type=memory").withBean(DataSource.class, () -> h2("memoryChosen"))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(GrantStore.class)
            .doesNotHaveBean(JdbcGrantStore.class));
  }

  @Test
  void storeWhenUserBeanAndDataSourceThenTheUserBeanWins() {
    GrantStore mine = GrantStore.inMemory();
    runner.withBean(DataSource.class, () -> h2("userWins")).withBean(GrantStore.class, () -> mine)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(GrantStore.class).doesNotHaveBean(JdbcGrantStore.class);
          assertThat(context.getBean(GrantStore.class)).isSameAs(mine);
        });
  }

  @Test
  void storeWhenJdbcChosenWithoutADataSourceThenStartupFailsWithAClearMessage() {
    runner.withPropertyValues("jit.store.type=jdbc").run(context -> assertThat(context.getStartupFailure())
        .rootCause().hasMessageContaining("needs exactly one DataSource"));
  }

  @Test
  void storeWhenContextClosesThenTheJdbcStoreIsClosed() {
    JdbcGrantStore[] seen = new JdbcGrantStore[1];
    runner.withBean(DataSource.class, () -> h2("closed")).run(context -> {
      seen[0] = context.getBean(JdbcGrantStore.class);
    });
    assertThat(seen[0].toString()).isNotNull();
    assertThatThrownBy(() -> seen[0].subscribe(id -> { })).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void missingRuleWhenFailThenStartupFailsNamingThePrivilegeAndMethod() {
    runner.withPropertyValues("jit.validation.missing-rule=fail")
        .withBean("fixture", Unruled.class).run(context -> {
          assertThat(context).hasFailed();
          assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("'other.thing'")
              .contains("Unruled.run()");
        });
  }

  static class Unruled {
    @dev.jitguard.annotation.RequiresElevation("other.thing")
    public String run() {
      return "ran";
    }
  }

  @Test
  void metricsWhenMeterRegistryPresentThenConfigured() {
    runner.withConfiguration(AutoConfigurations.of(JitGuardMetricsAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class).run(context -> {
          assertThat(context).hasSingleBean(MicrometerElevationMetrics.class);
          SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
          assertThat(registry.find("jit.checks").tag("reason", "NO_GRANT").counter()).isNotNull();
          assertThat(registry.find("jit.grants.active").gauge()).isNotNull();
        });
    runner.withConfiguration(AutoConfigurations.of(JitGuardMetricsAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(MicrometerElevationMetrics.class));
  }

  private final WebApplicationContextRunner web = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitGuardAutoConfiguration.class,
          JitGuardWebMvcAutoConfiguration.class, JitGuardEndpointAutoConfiguration.class,
          EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class))
      .withUserConfiguration(Fixtures.ClockConfig.class)
      .withPropertyValues(Fixtures.POLICY);

  @Test
  void webWhenServletAppThenProblemAdviceAndEndpointsOnlyWhenEnabled() {
    web.run(context -> assertThat(context).hasSingleBean(ElevationProblemAdvice.class)
        .doesNotHaveBean(JitGuardController.class));
    web.withPropertyValues("jit.web.enabled=true").run(context -> assertThat(context)
        .hasSingleBean(ElevationProblemAdvice.class).hasSingleBean(JitGuardController.class));
    web.withPropertyValues("jit.web.problem-details=false").run(context -> assertThat(context)
        .doesNotHaveBean(ElevationProblemAdvice.class));
    runner.withConfiguration(AutoConfigurations.of(JitGuardWebMvcAutoConfiguration.class))
        .withPropertyValues("jit.web.enabled=true")
        .run(context -> assertThat(context).doesNotHaveBean(ElevationProblemAdvice.class)
            .doesNotHaveBean(JitGuardController.class));
  }

  @Test
  void webBasePathWhenValidThenStartsWithIt() {
    for (String good : new String[] {"/admin/elevation", "/jit", "/api/v1.2/jit_guard-x", "/a..b/.well-known"}) {
      web.withPropertyValues("jit.web.enabled=true", "jit.web.base-path=" + good).run(context -> {
        assertThat(context).as("base-path=%s", good).hasNotFailed();
        assertThat(context.getBean(JitGuardProperties.class).getWeb().getBasePath()).isEqualTo(good);
      });
    }
  }

  @Test
  void webBasePathWhenInvalidThenStartupFailsNamingThePropertyTheValueAndTheFix() {
    String[][] cases = {
        {"", "is empty"},
        {"admin/elevation", "does not start with '/'"},
        {"/admin/", "ends with '/'"},
        {"/", "ends with '/'"},
        {"/admin//elevation", "contains an empty segment ('//')"},
        {"/admin/../jit", "contains a '..' segment"},
        {"/admin/./jit", "contains a '.' segment"},
        {"/..", "contains a '..' segment"},
        {"/admin/*", "contains '*'"},
        {"/admin/**", "contains '*'"},
        {"/admin/{id}", "contains '{'"},
        {"/admin elevation", "contains ' '"},
        {"/admin%2F..", "contains '%'"},
        {"/admin;x=1", "contains ';'"},
    };
    for (String[] c : cases) {
      String bad = c[0];
      web.withPropertyValues("jit.web.enabled=true", "jit.web.base-path=" + bad).run(context -> {
        assertThat(context).as("base-path=%s", bad).hasFailed();
        assertThat(Fixtures.rootMessage(context.getStartupFailure())).as("base-path=%s", bad)
            .startsWith("jit.web.base-path must be a path such as /admin/elevation")
            .contains("but '" + bad + "' " + c[1])
            .contains("set jit.web.base-path to such a path, or remove it to use the default /jit");
      });
    }
  }

  @Test
  void webBasePathWhenControlCharacterThenTheMessageEscapesIt() {
    char bell = 7;
    web.withPropertyValues("jit.web.enabled=true", "jit.web.base-path=/admin" + bell + "x").run(context -> {
      assertThat(context).hasFailed();
      assertThat(Fixtures.rootMessage(context.getStartupFailure())).contains("'/admin\\u0007x' contains U+0007")
          .doesNotContain(String.valueOf(bell));
    });
  }

  @Test
  void actuatorEndpointWhenExposedThenPresentAndWhenNotThenAbsent() {
    web.run(context -> assertThat(context).doesNotHaveBean(JitGuardEndpoint.class));
    web.withPropertyValues("management.endpoints.web.exposure.include=jitguard")
        .run(context -> assertThat(context).hasSingleBean(JitGuardEndpoint.class));
    web.withPropertyValues("management.endpoints.web.exposure.include=jitguard",
        "management.endpoint.jitguard.access=NONE")
        .run(context -> assertThat(context).doesNotHaveBean(JitGuardEndpoint.class));
  }
}
