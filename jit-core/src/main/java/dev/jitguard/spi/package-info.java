/**
 * The plug-in interfaces behind {@link dev.jitguard.PrivilegeGuard}: where rules come from
 * ({@link dev.jitguard.spi.ElevationPolicy}), how pending requests reach approvers
 * ({@link dev.jitguard.spi.ApprovalChannel}), where requests and grants are kept
 * ({@link dev.jitguard.spi.GrantStore}) and where the audit trail goes ({@link dev.jitguard.spi.AuditSink}). Each
 * states its thread-safety and what an exception means; the guard fails closed on every SPI exception.
 */
@NullMarked
package dev.jitguard.spi;

import org.jspecify.annotations.NullMarked;
