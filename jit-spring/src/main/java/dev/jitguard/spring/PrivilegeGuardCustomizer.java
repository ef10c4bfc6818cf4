package dev.jitguard.spring;

import dev.jitguard.PrivilegeGuard;

/**
 * Customises the {@link PrivilegeGuard.Builder} of the auto-configured guard before it is built, for example to add
 * an audit event listener ({@link PrivilegeGuard.Builder#onEvent}). Beans of this type are applied in
 * {@link org.springframework.core.Ordered order}. Options that are already set by the auto-configuration (policy,
 * store, sink, channel, clock) cannot be set again: declare a bean of the SPI type instead.
 */
@FunctionalInterface
public interface PrivilegeGuardCustomizer {

  /**
   * Customises the builder.
   *
   * @param builder the builder
   */
  void customize(PrivilegeGuard.Builder builder);
}
