/**
 * What the guard records and tells listeners: {@link dev.jitguard.event.AuditEvent} and its
 * {@link dev.jitguard.event.AuditEventType}. Sinks ({@link dev.jitguard.spi.AuditSink}) and listeners receive these.
 */
@NullMarked
package dev.jitguard.event;

import org.jspecify.annotations.NullMarked;
