package dev.jitguard.spring.web;

import dev.jitguard.Approval;
import dev.jitguard.Decision;
import dev.jitguard.DryRun;
import dev.jitguard.Grant;
import dev.jitguard.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * JSON views of requests, grants and decisions: plain maps of strings, numbers and lists, in a stable order. Amounts
 * are exact decimal strings ({@code "100.00"}).
 */
final class Views {

  private Views() { }

  static Map<String, Object> request(RequestRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id().value());
    m.put("privilege", r.privilege().name());
    m.put("status", r.status().name());
    m.put("requester", r.requesterId());
    m.put("justification", r.request().justification());
    r.request().ticket().ifPresent(t -> m.put("ticket", t));
    r.request().duration().ifPresent(d -> m.put("duration", d.toString()));
    r.request().startAt().ifPresent(s -> m.put("startAt", s.toString()));
    r.request().uses().ifPresent(u -> m.put("uses", u));
    r.request().amountLimit().ifPresent(a -> m.put("amountLimit", a.toPlainString()));
    r.request().action().ifPresent(a -> {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("action", a.action());
      am.put("argumentDigest", a.argumentDigest());
      am.put("preview", a.preview()); // computed by the server at the denied call
      m.put("action", am);
    });
    m.put("createdAt", r.createdAt().toString());
    m.put("expiresAt", r.expiresAt().toString());
    m.put("approvalsRequired", r.approvalsRequired());
    m.put("approverGroups", new ArrayList<>(new TreeSet<>(r.approverGroups())));
    List<Map<String, Object>> approvals = new ArrayList<>();
    for (Approval a : r.approvals()) {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("approver", a.approver());
      am.put("at", a.approvedAt().toString());
      am.put("comment", a.comment());
      approvals.add(am);
    }
    m.put("approvals", approvals);
    r.decidedBy().ifPresent(d -> m.put("decidedBy", d));
    r.decisionReason().ifPresent(d -> m.put("decisionReason", d.name()));
    r.grantId().ifPresent(g -> m.put("grantId", g.value()));
    if (r.isBreakGlass()) {
      m.put("breakGlass", true);
      m.put("reviewOpen", r.isReviewOpen());
    }
    return m;
  }

  static Map<String, Object> grant(Grant g, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id().value());
    m.put("requestId", g.requestId().value());
    m.put("subject", g.subjectId());
    m.put("privilege", g.privilege().name());
    m.put("status", g.statusAt(now).name());
    m.put("notBefore", g.notBefore().toString());
    m.put("expiresAt", g.expiresAt().toString());
    m.put("capExpiresAt", g.capExpiresAt().toString());
    g.usesLeft().ifPresent(u -> m.put("usesLeft", u));
    if (g.isMetered()) {
      // Strings, so that no JSON client reads them as binary floating point.
      m.put("amountLimit", g.amountLimit().orElseThrow().toPlainString());
      m.put("amountUsed", g.amountUsed().orElseThrow().toPlainString());
      m.put("amountLeft", g.amountLeft().orElseThrow().toPlainString());
    }
    m.put("approvers", g.approvers());
    return m;
  }

  static Map<String, Object> decision(Decision d, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("outcome", d.outcome().name());
    m.put("reasonCode", d.reason().name());
    m.put("privilege", d.privilege().name());
    m.put("message", d.message());
    m.put("hint", d.hint());
    if (d instanceof Decision.Granted g) {
      m.put("grant", grant(g.grant(), now));
    } else if (d instanceof Decision.Pending p) {
      m.put("request", request(p.request()));
      m.put("suggestedApprovers", p.suggestedApprovers());
    }
    return m;
  }

  static Map<String, Object> dryRun(DryRun d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("wouldBe", d.wouldBe().name());
    m.put("reasonCode", d.reason().name());
    m.put("message", d.message());
    m.put("hint", d.hint());
    d.duration().ifPresent(x -> m.put("duration", x.toString()));
    m.put("approvalsRequired", d.approvalsRequired());
    m.put("approverGroups", new ArrayList<>(new TreeSet<>(d.approverGroups())));
    m.put("approverSubjects", new ArrayList<>(new TreeSet<>(d.approverSubjects())));
    m.put("policyVersion", d.policyVersion());
    return m;
  }
}
