/**
 * Approval channels that reach approvers outside the application and bring their decisions back safely: signed
 * webhook events ({@link dev.jitguard.approval.WebhookApprovalChannel}), the inbound decision endpoint that verifies
 * them ({@link dev.jitguard.approval.WebhookDecisionHandler}), signed approve/deny links
 * ({@link dev.jitguard.approval.ActionLinks}) and Slack-compatible messages
 * ({@link dev.jitguard.approval.SlackMessages}). The protocol is described in {@code docs/webhooks.md}.
 */
@NullMarked
package dev.jitguard.approval;

import org.jspecify.annotations.NullMarked;
