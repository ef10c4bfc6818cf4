package dev.jitguard.spring.autoconfigure;

import dev.jitguard.PrivilegeGuard;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spring.SubjectResolver;
import dev.jitguard.spring.web.ElevationProblemAdvice;
import dev.jitguard.spring.web.ActionTokens;
import dev.jitguard.spring.web.ElevationProblems;
import dev.jitguard.spring.web.JitGuardController;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Spring MVC integration: the 403 problem response for denied calls ({@code jit.web.problem-details}, on by default)
 * and the REST endpoints ({@code jit.web.enabled}, off by default).
 */
@AutoConfiguration(after = JitGuardAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, ProblemDetail.class})
@ConditionalOnBean(PrivilegeGuard.class)
public class JitGuardWebMvcAutoConfiguration {

  /**
   * Builds problem responses.
   *
   * @param guard the guard
   * @param subjects who is calling
   * @param policy the policy, if it is a bean
   * @param properties the properties
   * @param tokens signs the {@code actionToken} of action denials
   * @param clock the clock, if any
   * @return the builder
   */
  @Bean
  @ConditionalOnMissingBean
  public ElevationProblems jitElevationProblems(PrivilegeGuard guard, SubjectResolver subjects,
      ObjectProvider<ElevationPolicy> policy, JitGuardProperties properties, ActionTokens tokens,
      ObjectProvider<Clock> clock) {
    JitGuardProperties.Web web = properties.getWeb();
    String endpoint = web.isEnabled() ? web.getBasePath() + "/requests" : null;
    return new ElevationProblems(guard, subjects, policy.getIfUnique(), endpoint, tokens,
        clock.getIfUnique(Clock::systemUTC));
  }

  /**
   * Signs the {@code actionToken} of an action denial (HMAC-SHA256), so the create-request endpoint can trust the
   * call and its server-computed preview. The key is {@code jit.web.action-token-secret} when set (needed when
   * several instances share requests), a random key per process otherwise.
   *
   * @param properties the properties
   * @param clock the clock, if any
   * @return the tokens
   */
  @Bean
  @ConditionalOnMissingBean
  public ActionTokens jitActionTokens(JitGuardProperties properties, ObjectProvider<Clock> clock) {
    JitGuardProperties.Web web = properties.getWeb();
    String secret = web.getActionTokenSecret();
    byte[] key = null;
    if (secret != null && !secret.isEmpty()) {
      key = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (key.length < 32) {
        throw new IllegalStateException("jit.web.action-token-secret must be at least 32 bytes long");
      }
    }
    return new ActionTokens(key, clock.getIfUnique(Clock::systemUTC), web.getActionTokenTtl());
  }

  /**
   * The 403 problem response for {@code ElevationRequiredException}.
   *
   * @param problems builds the responses
   * @return the advice
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "jit.web.problem-details", matchIfMissing = true)
  public ElevationProblemAdvice jitElevationProblemAdvice(ElevationProblems problems) {
    return new ElevationProblemAdvice(problems);
  }

  /**
   * The REST endpoints.
   *
   * @param guard the guard
   * @param subjects who is calling
   * @param problems builds problem responses
   * @param clock the clock, if any
   * @return the controller
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "jit.web.enabled")
  public JitGuardController jitGuardController(PrivilegeGuard guard, SubjectResolver subjects,
      ElevationProblems problems, ObjectProvider<Clock> clock) {
    return new JitGuardController(guard, subjects, problems, clock.getIfUnique(Clock::systemUTC));
  }
}
