package dev.jitguard;

import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An approval channel that records every call, so tests can prove who was told what, and how often. */
final class RecordingChannel implements ApprovalChannel {
  final List<RequestRecord> pending = new CopyOnWriteArrayList<>();
  final List<RequestRecord> decided = new CopyOnWriteArrayList<>();
  final List<RequestRecord> reminded = new CopyOnWriteArrayList<>();
  final List<RequestRecord> escalated = new CopyOnWriteArrayList<>();
  final List<RequestRecord> breakGlassUsed = new CopyOnWriteArrayList<>();
  final List<PrivilegeRule> rules = new CopyOnWriteArrayList<>();

  @Override
  public void requestPending(RequestRecord request, PrivilegeRule rule) {
    pending.add(request);
  }

  @Override
  public void requestDecided(RequestRecord request) {
    decided.add(request);
  }

  @Override
  public void remind(RequestRecord request, PrivilegeRule rule) {
    reminded.add(request);
    rules.add(rule);
  }

  @Override
  public void escalated(RequestRecord request, PrivilegeRule rule) {
    escalated.add(request);
    rules.add(rule);
  }

  @Override
  public void breakGlassUsed(RequestRecord request, PrivilegeRule rule) {
    breakGlassUsed.add(request);
    rules.add(rule);
  }

  static List<RequestId> ids(List<RequestRecord> records) {
    return records.stream().map(RequestRecord::id).toList();
  }
}
