package dev.jitguard.spring.web;

import dev.jitguard.annotation.RequiresElevation;
import dev.jitguard.test.TestClock;
import java.util.Map;
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

  /** Calls the guarded service (registered as a member class of this configuration). */
  @RestController
  public static class RefundController {
    private final RefundService service;

    RefundController(RefundService service) {
      this.service = service;
    }

    @PostMapping("/payments/refunds")
    public Map<String, String> refund(@RequestBody Map<String, String> body) {
      return Map.of("result", service.refund(body.getOrDefault("order", "?")));
    }
  }
}
