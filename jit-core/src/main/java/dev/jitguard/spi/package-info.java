/**
 * The plug-in interfaces behind {@link dev.jitguard.PrivilegeGuard}: where rules come from
 * ({@link dev.jitguard.spi.ElevationPolicy}), how pending requests reach approvers
 * ({@link dev.jitguard.spi.ApprovalChannel}), where requests and grants are kept
 * ({@link dev.jitguard.spi.GrantStore}), where the audit trail goes ({@link dev.jitguard.spi.AuditSink}) and who is
 * on call ({@link dev.jitguard.spi.OnCallSource}). Each states its thread-safety and what an exception means; the
 * guard fails closed on every SPI exception.
 *
 * <p>Factories on these interfaces return the interface. Their in-core defaults (the in-memory store, the SLF4J and
 * composite sinks, the in-process channel) are package-private here, so this package depends on no implementation
 * package; providers live in packages of their own and are built by their own builders.
 */
@NullMarked
package dev.jitguard.spi;

import org.jspecify.annotations.NullMarked;
