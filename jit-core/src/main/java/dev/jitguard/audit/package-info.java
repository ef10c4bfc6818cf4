/**
 * The audit sinks and the tamper-evident log: the versioned JSON schema ({@link dev.jitguard.audit.AuditJson}), the
 * hash-chained JSON Lines file with signed checkpoints ({@link dev.jitguard.audit.FileAuditSink}), group commit
 * ({@link dev.jitguard.audit.AsyncAuditSink}), the JDBC and in-memory sinks, and the verifier
 * ({@link dev.jitguard.audit.AuditVerifier}) with the timeline view ({@link dev.jitguard.audit.AuditTimeline}). The
 * events themselves are in {@link dev.jitguard.event}.
 */
@NullMarked
package dev.jitguard.audit;

import org.jspecify.annotations.NullMarked;
