/**
 * The JIT Guard API: {@link dev.jitguard.PrivilegeGuard} and the immutable values it speaks in
 * ({@link dev.jitguard.Subject}, {@link dev.jitguard.Privilege}, {@link dev.jitguard.ElevationRequest},
 * {@link dev.jitguard.Decision}, {@link dev.jitguard.Grant}, {@link dev.jitguard.RequestRecord}).
 */
@NullMarked
package dev.jitguard;

import org.jspecify.annotations.NullMarked;
