/**
 * Audit events and the sinks that record them: the versioned JSON schema ({@link dev.jitguard.audit.AuditJson}), the
 * tamper-evident JSON Lines file with signed checkpoints ({@link dev.jitguard.audit.FileAuditSink}), group commit
 * ({@link dev.jitguard.audit.AsyncAuditSink}), composites, SLF4J, JDBC and in-memory sinks, and the verifier
 * ({@link dev.jitguard.audit.AuditVerifier}) with the timeline view ({@link dev.jitguard.audit.AuditTimeline}).
 */
@NullMarked
package dev.jitguard.audit;

import org.jspecify.annotations.NullMarked;
