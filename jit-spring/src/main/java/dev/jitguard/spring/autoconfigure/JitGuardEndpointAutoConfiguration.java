package dev.jitguard.spring.autoconfigure;

import dev.jitguard.PrivilegeGuard;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.SubjectResolver;
import dev.jitguard.spring.actuate.JitGuardEndpoint;
import dev.jitguard.spring.aop.ElevationBeanVerifier;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code jitguard} actuator endpoint, when actuator is present and the endpoint is exposed. */
@AutoConfiguration(after = JitGuardAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(PrivilegeGuard.class)
public class JitGuardEndpointAutoConfiguration {

  /**
   * The endpoint.
   *
   * @param guard the guard
   * @param store the grant store
   * @param subjects who is calling
   * @param clock the clock, if any
   * @param verifier the start-up verifier, if any
   * @return the endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  public JitGuardEndpoint jitGuardEndpoint(PrivilegeGuard guard, GrantStore store, SubjectResolver subjects,
      ObjectProvider<Clock> clock, ObjectProvider<ElevationBeanVerifier> verifier) {
    return new JitGuardEndpoint(guard, store, subjects, clock.getIfUnique(Clock::systemUTC), verifier.getIfUnique());
  }
}
