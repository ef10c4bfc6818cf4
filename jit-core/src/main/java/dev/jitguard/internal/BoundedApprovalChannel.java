package dev.jitguard.internal;

import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;

/**
 * The approval channel with a bound ({@link BoundedCalls}): a channel that hangs while delivering a request makes the
 * request fail closed ({@code APPROVAL_FAILURE}) instead of hanging the requester; notices that follow a decision
 * (decided, reminders, escalation, break-glass) are bounded too, and their failures logged as before.
 *
 * <p>Thread-safe.
 */
final class BoundedApprovalChannel implements ApprovalChannel {
  private final ApprovalChannel channel;
  private final BoundedCalls calls;

  BoundedApprovalChannel(ApprovalChannel channel, BoundedCalls calls) {
    this.channel = channel;
    this.calls = calls;
  }

  @Override
  public void requestPending(RequestRecord request, PrivilegeRule rule) {
    calls.run("the approval channel", () -> channel.requestPending(request, rule));
  }

  @Override
  public void requestDecided(RequestRecord request) {
    calls.run("the approval channel", () -> channel.requestDecided(request));
  }

  @Override
  public void remind(RequestRecord request, PrivilegeRule rule) {
    calls.run("the approval channel", () -> channel.remind(request, rule));
  }

  @Override
  public void escalated(RequestRecord request, PrivilegeRule rule) {
    calls.run("the approval channel", () -> channel.escalated(request, rule));
  }

  @Override
  public void breakGlassUsed(RequestRecord request, PrivilegeRule rule) {
    calls.run("the approval channel", () -> channel.breakGlassUsed(request, rule));
  }
}
