package dev.jitguard.approval;

import dev.jitguard.Approval;
import dev.jitguard.ElevationRequest;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegeRule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds the JSON events of the webhook protocol (schema in docs/webhooks.md, version {@value #SPEC_VERSION}). */
final class WebhookEvents {
  static final String SPEC_VERSION = "1";

  /** One event, ready to sign and send; the id is also the idempotency key. */
  record Event(String id, String type, RequestId requestId, byte[] body) {}

  private final @Nullable ActionLinks links;
  private final Clock clock;

  WebhookEvents(@Nullable ActionLinks links, Clock clock) {
    this.links = links;
    this.clock = clock;
  }

  /** Stable per event: the same request, type and record version always give the same key. */
  static String idempotencyKey(RequestRecord r, String type) {
    return r.id().value() + ":" + type + ":" + r.version();
  }

  Event pending(RequestRecord r, PrivilegeRule rule) {
    return build(WebhookApprovalChannel.EVENT_REQUEST_PENDING, r, r.createdAt(), rule,
        approvers(r, rule.approval().approverSubjects(), rule.approval().approverGroups()), true);
  }

  Event reminder(RequestRecord r, PrivilegeRule rule) {
    return build(WebhookApprovalChannel.EVENT_REQUEST_REMINDER, r, r.remindedAt().orElse(clock.instant()), rule,
        approvers(r, rule.approval().approverSubjects(), rule.approval().approverGroups()), true);
  }

  Event escalated(RequestRecord r, PrivilegeRule rule) {
    return build(WebhookApprovalChannel.EVENT_REQUEST_ESCALATED, r, r.escalatedAt().orElse(clock.instant()), rule,
        approvers(r, Set.of(), rule.escalation().groups()), true);
  }

  Event breakGlass(RequestRecord r, PrivilegeRule rule) {
    return build(WebhookApprovalChannel.EVENT_BREAK_GLASS_USED, r, r.decidedAt().orElse(r.createdAt()), rule,
        approvers(r, rule.approval().approverSubjects(), rule.approval().approverGroups()), false);
  }

  /** For the requester: the outcome of their request. */
  Event decided(RequestRecord r) {
    ObjectNode recipients = Json.object();
    Json.strings(recipients, "subjects", List.of(r.requesterId()));
    recipients.putArray("groups");
    recipients.putArray("excludedSubjects");
    return build(WebhookApprovalChannel.EVENT_REQUEST_DECIDED, r, r.decidedAt().orElse(clock.instant()), null,
        recipients, false);
  }

  /** For the approvers: someone already decided (or the requester withdrew, or it expired); nothing left to do. */
  Event closed(RequestRecord r) {
    Set<String> acted = new TreeSet<>();
    r.approvals().forEach(a -> acted.add(a.approver()));
    r.denials().forEach(a -> acted.add(a.approver()));
    ObjectNode recipients = Json.object();
    Json.strings(recipients, "subjects", acted);
    Json.strings(recipients, "groups", r.approverGroups());
    Json.strings(recipients, "excludedSubjects", List.of(r.requesterId()));
    return build(WebhookApprovalChannel.EVENT_REQUEST_CLOSED, r, r.decidedAt().orElse(clock.instant()), null,
        recipients, false);
  }

  /** Listed approvers and groups; the requester and whoever already acted are excluded. */
  private static ObjectNode approvers(RequestRecord r, Set<String> subjects, Set<String> groups) {
    Set<String> excluded = new LinkedHashSet<>();
    excluded.add(r.requesterId());
    r.approvals().forEach(a -> excluded.add(a.approver()));
    r.denials().forEach(a -> excluded.add(a.approver()));
    Set<String> to = new TreeSet<>(subjects);
    to.removeAll(excluded);
    ObjectNode recipients = Json.object();
    Json.strings(recipients, "subjects", to);
    Json.strings(recipients, "groups", new TreeSet<>(groups));
    Json.strings(recipients, "excludedSubjects", excluded);
    return recipients;
  }

  private Event build(String type, RequestRecord r, Instant occurredAt, @Nullable PrivilegeRule rule,
      ObjectNode recipients, boolean withLinks) {
    String id = idempotencyKey(r, type);
    ObjectNode root = Json.object();
    root.put("specVersion", SPEC_VERSION);
    root.put("type", type);
    root.put("id", id);
    Json.put(root, "occurredAt", occurredAt);
    root.set("request", request(r, rule));
    root.set("recipients", recipients);
    if (withLinks && links != null) {
      ObjectNode l = root.putObject("links");
      l.put("approve", links.link(r, Verdict.APPROVE).toString());
      l.put("deny", links.link(r, Verdict.DENY).toString());
    }
    if (r.decidedAt().isPresent()) {
      ObjectNode d = root.putObject("decision");
      d.put("status", r.status().name());
      d.put("reason", r.decisionReason().map(Enum::name).orElse(null));
      d.put("decidedBy", r.decidedBy().orElse(null));
      Json.put(d, "decidedAt", r.decidedAt().get());
      d.put("comment", r.decisionComment().orElse(null));
      d.put("grantId", r.grantId().map(g -> g.value()).orElse(null));
    }
    return new Event(id, type, r.id(), Json.bytes(root));
  }

  private static ObjectNode request(RequestRecord r, @Nullable PrivilegeRule rule) {
    ElevationRequest q = r.request();
    ObjectNode n = Json.object();
    n.put("id", r.id().value());
    n.put("privilege", r.privilege().name());
    ObjectNode requester = n.putObject("requester");
    requester.put("id", q.subject().id());
    Json.strings(requester, "groups", q.subject().groups());
    n.put("justification", q.justification());
    n.put("ticket", q.ticket().orElse(null));
    Duration duration = q.duration().orElse(rule == null ? null : rule.limits().defaultDuration());
    Json.put(n, "duration", duration);
    Json.put(n, "startAt", q.startAt().orElse(null));
    if (q.uses().isPresent()) {
      n.put("uses", q.uses().getAsInt());
    } else {
      n.putNull("uses");
    }
    n.put("status", r.status().name());
    n.put("breakGlass", r.isBreakGlass());
    n.put("approvalsRequired", r.approvalsRequired());
    Json.strings(n, "approverGroups", r.approverGroups());
    approvals(n.putArray("approvals"), r.approvals());
    approvals(n.putArray("denials"), r.denials());
    Json.put(n, "createdAt", r.createdAt());
    Json.put(n, "expiresAt", r.expiresAt());
    n.put("policyVersion", r.policyVersion());
    n.put("version", r.version());
    return n;
  }

  private static void approvals(ArrayNode out, List<Approval> approvals) {
    for (Approval a : approvals) {
      ObjectNode o = out.addObject();
      o.put("approver", a.approver());
      Json.put(o, "at", a.approvedAt());
      o.put("comment", a.comment());
      o.put("channel", a.context().map(c -> c.channel()).orElse(null));
      o.put("authentication", a.context().map(c -> c.authentication()).orElse(null));
    }
  }
}
