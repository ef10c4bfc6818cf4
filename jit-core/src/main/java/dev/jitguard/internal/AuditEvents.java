package dev.jitguard.internal;

import dev.jitguard.ApprovalContext;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.time.Instant;

/** How the engine's audit events are shaped: one builder per kind of record they are about. */
final class AuditEvents {
  /** The actor of decisions the policy made on its own (auto-approval, a reload ending grants). */
  static final String POLICY_ACTOR = "policy";
  /** The actor of what the guard did on its own (expiry, failures, reminders). */
  static final String SYSTEM_ACTOR = "system";

  private AuditEvents() {}

  /** An event about a request being made, before it has a record. */
  static AuditEvent.Builder request(AuditEventType type, Instant now, ElevationRequest r, String version) {
    AuditEvent.Builder b = AuditEvent.builder(type, now).subject(r.subject().id()).actor(r.subject().id())
        .privilege(r.privilege()).policyVersion(version);
    if (!r.justification().isEmpty()) {
      b.text(r.justification());
    }
    r.ticket().ifPresent(t -> b.detail("ticket", t));
    r.action().ifPresent(a -> b.detail("action", a.action()).detail("argument_digest", a.argumentDigest())
        .detail("preview", a.preview()));
    return b;
  }

  /** An event about a stored request. */
  static AuditEvent.Builder of(AuditEventType type, Instant now, RequestRecord r) {
    return AuditEvent.builder(type, now).subject(r.requesterId()).privilege(r.privilege()).requestId(r.id())
        .policyVersion(r.policyVersion());
  }

  /** An event about a grant. */
  static AuditEvent.Builder of(AuditEventType type, Instant now, Grant g) {
    return AuditEvent.builder(type, now).subject(g.subjectId()).privilege(g.privilege()).requestId(g.requestId())
        .grantId(g.id()).policyVersion(g.policyVersion());
  }

  /** The record of a grant being issued. */
  static AuditEvent granted(Grant g, Instant now, ReasonCode reason) {
    AuditEvent.Builder b = of(AuditEventType.GRANTED, now, g).reason(reason)
        .detail("not_before", g.notBefore()).detail("expires_at", g.expiresAt());
    g.usesGranted().ifPresent(u -> b.detail("uses", u));
    g.action().ifPresent(a -> b.detail("action", a).detail("argument_digest", g.argumentDigest().orElse("")));
    if (!g.approvers().isEmpty()) {
      b.detail("approvers", String.join(",", g.approvers()));
    }
    String actor = reason == ReasonCode.BREAK_GLASS ? g.subjectId()
        : g.approvers().isEmpty() ? POLICY_ACTOR : g.approvers().get(g.approvers().size() - 1);
    return b.actor(actor).build();
  }

  /** Adds the channel and how it authenticated the approver, when the channel said. */
  static AuditEvent.Builder withContext(AuditEvent.Builder e, ApprovalContext context) {
    return context == null ? e : e.detail("channel", context.channel())
        .detail("authentication", context.authentication());
  }
}
