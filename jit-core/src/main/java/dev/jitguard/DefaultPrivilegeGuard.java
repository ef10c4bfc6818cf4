package dev.jitguard;

import dev.jitguard.action.ActionBinding;
import dev.jitguard.internal.CheckPath;
import dev.jitguard.internal.Engine;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The implementation of {@link PrivilegeGuard}: wiring and delegation only. Each operation is decided by one part of
 * the engine ({@code dev.jitguard.internal}): the check path, request intake, decisions on requests (through the
 * approval decider), the grant lifecycle, break-glass, waiters and maintenance. Not API; build a guard with
 * {@link PrivilegeGuard#builder()}.
 */
final class DefaultPrivilegeGuard implements PrivilegeGuard {
  private final Engine engine;
  /** The check path, held directly: checks are the hot path. */
  private final CheckPath checks;

  DefaultPrivilegeGuard(Engine engine) {
    this.engine = engine;
    this.checks = engine.checks();
  }

  @Override
  public Decision request(ElevationRequest request) {
    return engine.intake().request(request);
  }

  @Override
  public DryRun dryRun(ElevationRequest request) {
    return engine.explanations().dryRun(request);
  }

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment) {
    return engine.decisions().approve(requestId, approver, comment, null, null);
  }

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo) {
    return engine.decisions().approve(requestId, approver, comment, requireShortening(shortenTo), null);
  }

  @Override
  public Decision approve(RequestId requestId, Subject approver, String comment, Duration shortenTo,
      ApprovalContext context) {
    return engine.decisions().approve(requestId, approver, comment, shortenTo, requireContext(context));
  }

  @Override
  public RequestRecord deny(RequestId requestId, Subject approver, String comment) {
    return engine.decisions().deny(requestId, approver, comment, null);
  }

  @Override
  public RequestRecord deny(RequestId requestId, Subject approver, String comment, ApprovalContext context) {
    return engine.decisions().deny(requestId, approver, comment, requireContext(context));
  }

  @Override
  public RequestRecord withdraw(RequestId requestId, Subject requester) {
    return engine.decisions().withdraw(requestId, requester);
  }

  @Override
  public Decision check(Subject subject, Privilege privilege) {
    return checks.check(subject, privilege);
  }

  @Override
  public Grant require(Subject subject, Privilege privilege) {
    return grantOrThrow(checks.check(subject, privilege));
  }

  @Override
  public Decision check(Subject subject, Privilege privilege, BigDecimal amount) {
    return checks.check(subject, privilege, amount);
  }

  @Override
  public Grant require(Subject subject, Privilege privilege, BigDecimal amount) {
    return grantOrThrow(checks.check(subject, privilege, amount));
  }

  @Override
  public Decision checkAction(Subject subject, Privilege privilege, ActionBinding action) {
    return checks.checkAction(subject, privilege, action, null);
  }

  @Override
  public Grant requireAction(Subject subject, Privilege privilege, ActionBinding action) {
    return grantOrThrow(checks.checkAction(subject, privilege, action, null));
  }

  @Override
  public Decision checkAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    return checks.checkAction(subject, privilege, action, Amounts.callAmount("amount", amount));
  }

  @Override
  public Grant requireAction(Subject subject, Privilege privilege, ActionBinding action, BigDecimal amount) {
    return grantOrThrow(checkAction(subject, privilege, action, amount));
  }

  @Override
  public CompletableFuture<Decision> decisionFuture(RequestId requestId, Subject waiter) {
    return engine.waiters().decisionFuture(requestId, waiter);
  }

  @Override
  public Decision awaitDecision(RequestId requestId, Subject waiter, Duration timeout) throws InterruptedException {
    return engine.waiters().awaitDecision(requestId, waiter, timeout);
  }

  @Override
  public Grant revoke(GrantId grantId, Subject actor, String reason) {
    return engine.lifecycle().revoke(grantId, actor, reason);
  }

  @Override
  public List<Grant> revokeRequest(RequestId requestId, Subject actor, String reason) {
    return engine.decisions().revokeRequest(requestId, actor, reason);
  }

  @Override
  public Grant extend(GrantId grantId, Subject actor, Duration extension, String reason) {
    return engine.lifecycle().extend(grantId, actor, extension, reason);
  }

  @Override
  public Decision breakGlass(Subject subject, Privilege privilege, String reason, Duration duration) {
    return engine.breakGlass().breakGlass(subject, privilege, reason, duration);
  }

  @Override
  public List<RequestRecord> openReviews(Subject reviewer) {
    return engine.breakGlass().openReviews(reviewer);
  }

  @Override
  public RequestRecord review(RequestId requestId, Subject reviewer, String comment) {
    return engine.breakGlass().review(requestId, reviewer, comment);
  }

  @Override
  public List<RequestRecord> pendingRequests(Subject requester) {
    return engine.intake().pendingRequests(requester);
  }

  @Override
  public List<RequestRecord> pendingApprovals(Subject approver) {
    return engine.decisions().pendingApprovals(approver);
  }

  @Override
  public List<Grant> activeGrants(Subject subject) {
    return engine.lifecycle().activeGrants(subject);
  }

  @Override
  public Page<RequestRecord> openReviews(Subject reviewer, PageRequest page) {
    return engine.breakGlass().openReviews(reviewer, page);
  }

  @Override
  public Page<RequestRecord> pendingRequests(Subject requester, PageRequest page) {
    return engine.intake().pendingRequests(requester, page);
  }

  @Override
  public Page<RequestRecord> pendingApprovals(Subject approver, PageRequest page) {
    return engine.decisions().pendingApprovals(approver, page);
  }

  @Override
  public Page<Grant> activeGrants(Subject subject, PageRequest page) {
    return engine.lifecycle().activeGrants(subject, page);
  }

  @Override
  public void runMaintenance() {
    engine.maintenance().run();
  }

  @Override
  public void close() {
    engine.close();
  }

  /** The grant of a granted decision; a denial is thrown, carrying the decision. */
  private static Grant grantOrThrow(Decision d) {
    if (d instanceof Decision.Granted g) {
      return g.grant();
    }
    throw new ElevationRequiredException(d);
  }

  private static Duration requireShortening(Duration shortenTo) {
    if (shortenTo == null) {
      throw new NullPointerException("shortenTo cannot be null");
    }
    return shortenTo;
  }

  private static ApprovalContext requireContext(ApprovalContext context) {
    if (context == null) {
      throw new NullPointerException("context cannot be null");
    }
    return context;
  }
}
