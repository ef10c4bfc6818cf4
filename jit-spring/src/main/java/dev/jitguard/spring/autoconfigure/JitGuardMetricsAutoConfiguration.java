package dev.jitguard.spring.autoconfigure;

import dev.jitguard.PrivilegeGuard;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.PrivilegeGuardCustomizer;
import dev.jitguard.spring.metrics.MicrometerElevationMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters and observations of JIT Guard (see {@link MicrometerElevationMetrics}), when a
 * {@link MeterRegistry} bean exists. Observations go to the {@link ObservationRegistry} bean if there is one.
 */
@AutoConfiguration(before = JitGuardAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, ObservationRegistry.class, PrivilegeGuard.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "jit.enabled", matchIfMissing = true)
public class JitGuardMetricsAutoConfiguration {

  /**
   * The meters, registered now.
   *
   * @param registry the meter registry
   * @param observations the observation registry, if any
   * @param store the grant store
   * @param clock the clock, if any
   * @param properties the properties
   * @return the metrics
   */
  @Bean
  @ConditionalOnMissingBean
  public MicrometerElevationMetrics jitElevationMetrics(MeterRegistry registry,
      ObjectProvider<ObservationRegistry> observations, ObjectProvider<GrantStore> store,
      ObjectProvider<Clock> clock, JitGuardProperties properties) {
    return new MicrometerElevationMetrics(registry, observations.getIfUnique(() -> ObservationRegistry.NOOP),
        properties.getObservations().isAllowedChecks(), store.getObject(), clock.getIfUnique(Clock::systemUTC));
  }

  /**
   * Counts audit events through the guard's event listener.
   *
   * @param metrics the metrics
   * @return the customizer
   */
  @Bean
  public PrivilegeGuardCustomizer jitMetricsGuardCustomizer(MicrometerElevationMetrics metrics) {
    return builder -> builder.onEvent(metrics);
  }
}
