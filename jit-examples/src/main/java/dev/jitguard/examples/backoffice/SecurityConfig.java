package dev.jitguard.examples.backoffice;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who is who in the example. Real applications authenticate against their identity provider; JIT Guard only needs
 * Spring Security's {@code Authentication}: its name becomes the subject id, its roles (without {@code ROLE_}) the
 * groups the policy speaks of.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfig {

  /**
   * Three people, with example passwords ({noop}: plain text, for this demo only).
   *
   * @return the users
   */
  @Bean
  InMemoryUserDetailsManager users() {
    return new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}alice-pw").roles("SUPPORT").build(),
        User.withUsername("bob").password("{noop}bob-pw").roles("PAYMENTS-LEADS").build(),
        User.withUsername("carol").password("{noop}carol-pw").roles("ADMIN").build());
  }

  /**
   * Every endpoint needs an authenticated caller (HTTP Basic, stateless); what each may do is decided by JIT Guard
   * in the guarded services and in its own endpoints. CSRF protection is off because there is no browser session:
   * every call carries its credentials.
   *
   * @param http the builder
   * @return the filter chain
   * @throws Exception if the configuration fails
   */
  @Bean
  SecurityFilterChain security(HttpSecurity http) throws Exception {
    return http
        .authorizeHttpRequests(a -> a
            .requestMatchers(HttpMethod.GET, "/actuator/health").permitAll()
            .anyRequest().authenticated())
        .httpBasic(Customizer.withDefaults())
        .csrf(c -> c.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .build();
  }
}
