package dev.jitguard.spring.web;

import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.test.TestClock;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * A small web application for the MockMvc tests. The JIT endpoints are deliberately open to anonymous callers at the
 * URL level: authorisation must come from the handlers and the guard, not from URL rules.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class WebTestApplication {

  @Bean
  TestClock testClock() {
    return TestClock.create();
  }

  @Bean
  RefundService refundService() {
    return new RefundService();
  }

  @Bean
  BudgetRefundService budgetRefundService() {
    return new BudgetRefundService();
  }

  @Bean
  InMemoryUserDetailsManager users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}pw").roles("SUPPORT").build(),
        User.withUsername("bob").password("{noop}pw").roles("PAYMENTS-LEADS").build(),
        User.withUsername("carol").password("{noop}pw").roles("ADMIN").build(),
        User.withUsername("erin").password("{noop}pw").roles("MARKETING").build());
  }

  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http
        .authorizeHttpRequests(a -> a
            .requestMatchers("/jit/**").permitAll()
            .requestMatchers(HttpMethod.GET, "/actuator/**").authenticated()
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .build();
  }

  /** The guarded service. */
  public static class RefundService {
    @RequiresElevation("payments.refund")
    public String refund(String order) {
      return "refunded " + order;
    }
  }

  /** The metered service: refunds from a budget, each spending its amount. */
  public static class BudgetRefundService {
    final AtomicInteger runs = new AtomicInteger();

    @RequiresElevation(value = "payments.budget-refund", amount = "amount")
    public String refund(String order, BigDecimal amount) {
      runs.incrementAndGet();
      return "refunded " + amount.toPlainString() + " on " + order;
    }

    @RequiresElevation(value = "payments.budget-refund", action = true, amount = "amount")
    public String refundOrder(String order, BigDecimal amount) {
      runs.incrementAndGet();
      return "refunded " + amount.toPlainString() + " on order " + order;
    }

    /** @return how many refunds ran */
    public int runs() {
      return runs.get();
    }
  }

  /** A budget refund: the amount is read exactly (JSON string or number). */
  public record BudgetRefund(String order, BigDecimal amount) { }

  /** Calls the guarded services (registered as a member class of this configuration). */
  @RestController
  public static class RefundController {
    private final RefundService service;
    private final BudgetRefundService budget;

    RefundController(RefundService service, BudgetRefundService budget) {
      this.service = service;
      this.budget = budget;
    }

    @PostMapping("/payments/refunds")
    public Map<String, String> refund(@RequestBody Map<String, String> body) {
      return Map.of("result", service.refund(body.getOrDefault("order", "?")));
    }

    @PostMapping("/payments/budget-refunds")
    public Map<String, String> budgetRefund(@RequestBody BudgetRefund body) {
      return Map.of("result", budget.refund(body.order(), body.amount()));
    }

    @PostMapping("/payments/order-refunds")
    public Map<String, String> orderRefund(@RequestBody BudgetRefund body) {
      return Map.of("result", budget.refundOrder(body.order(), body.amount()));
    }
  }
}
