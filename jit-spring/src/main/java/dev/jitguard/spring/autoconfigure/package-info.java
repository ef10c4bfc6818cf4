/**
 * Spring Boot auto-configuration: the {@code jit.*} properties, the guard and its SPI beans (each replaceable by a
 * bean of your own), the advisor, the web layer, metrics and the actuator endpoint.
 */
@NullMarked
package dev.jitguard.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
