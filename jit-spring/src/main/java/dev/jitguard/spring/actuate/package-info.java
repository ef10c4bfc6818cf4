/** The {@code jitguard} actuator endpoint: pending requests, active grants, guarded methods, and revocation. */
@NullMarked
package dev.jitguard.spring.actuate;

import org.jspecify.annotations.NullMarked;
