package dev.jitguard.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitguard.ElevationRequiredException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.spring.Fixtures;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.SimpleTransactionStatus;

/** The advisor runs after Spring Security's @PreAuthorize and before @Transactional. */
class OrderingTest {

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  @Test
  void deniedCallWhenTransactionalThenNoTransactionIsOpened() {
    Fixtures.runner().withUserConfiguration(TransactionConfig.class).run(context -> {
      RecordingTransactionManager tx = context.getBean(RecordingTransactionManager.class);
      Refunds refunds = context.getBean(Refunds.class);
      Fixtures.signIn("alice", "users");

      assertThatThrownBy(refunds::refund).isInstanceOf(ElevationRequiredException.class);
      assertThat(tx.begun).as("transactions begun by a denied call").hasValue(0);

      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.refund");
      assertThat(refunds.refund()).isEqualTo("refunded");
      assertThat(tx.begun).hasValue(1);
      assertThat(tx.committed).hasValue(1);
    });
  }

  @Test
  void callWhenPreAuthorizeDeniesThenSpringSecurityAnswersFirst() {
    Fixtures.runner().withUserConfiguration(MethodSecurityConfig.class).run(context -> {
      Refunds refunds = context.getBean(Refunds.class);
      Fixtures.signIn("alice", "users");
      assertThatThrownBy(refunds::refund).isInstanceOf(AuthorizationDeniedException.class);

      Fixtures.grant(context.getBean(PrivilegeGuard.class), "alice", "test.refund");
      assertThatThrownBy(refunds::refund).as("an elevation does not replace the role")
          .isInstanceOf(AuthorizationDeniedException.class);

      Fixtures.signIn("dave", "users", "FINANCE");
      assertThatThrownBy(refunds::refund).as("the role does not replace an elevation")
          .isInstanceOf(ElevationRequiredException.class);
    });
  }

  @Test
  void advisorOrderWhenSetThenUsed() {
    Fixtures.runner().withPropertyValues("jit.advisor.order=42")
        .run(context -> assertThat(context.getBean(ElevationAdvisor.class).getOrder()).isEqualTo(42));
    Fixtures.runner()
        .run(context -> assertThat(context.getBean(ElevationAdvisor.class).getOrder())
            .isEqualTo(ElevationAdvisor.DEFAULT_ORDER).isBetween(401, Integer.MAX_VALUE - 1));
  }

  interface Refunds {
    String refund();
  }

  static class TransactionalRefunds implements Refunds {
    @Override
    @Transactional
    @RequiresElevation("test.refund")
    public String refund() {
      return "refunded";
    }
  }

  static class PreAuthorizedRefunds implements Refunds {
    @Override
    @PreAuthorize("hasRole('FINANCE')")
    @RequiresElevation("test.refund")
    public String refund() {
      return "refunded";
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  static class TransactionConfig {
    @Bean
    RecordingTransactionManager transactionManager() {
      return new RecordingTransactionManager();
    }

    @Bean
    Refunds refunds() {
      return new TransactionalRefunds();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableMethodSecurity
  static class MethodSecurityConfig {
    @Bean
    Refunds refunds() {
      return new PreAuthorizedRefunds();
    }
  }

  /** Counts the transactions it is asked to begin. */
  static class RecordingTransactionManager implements PlatformTransactionManager {
    final AtomicInteger begun = new AtomicInteger();
    final AtomicInteger committed = new AtomicInteger();

    @Override
    public TransactionStatus getTransaction(TransactionDefinition definition) {
      begun.incrementAndGet();
      return new SimpleTransactionStatus(true);
    }

    @Override
    public void commit(TransactionStatus status) {
      committed.incrementAndGet();
    }

    @Override
    public void rollback(TransactionStatus status) { }
  }
}
