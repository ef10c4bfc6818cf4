package dev.jitguard.approval;

/**
 * A pending request could not be delivered to any webhook endpoint within its synchronous attempts. Thrown by
 * {@link WebhookApprovalChannel#requestPending}; the guard then denies the request with
 * {@link dev.jitguard.ReasonCode#APPROVAL_FAILURE} (fail closed). The message names the request, the endpoints (scheme,
 * host and port only) and what failed; never the secret or a full URL.
 */
public final class WebhookDeliveryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   */
  public WebhookDeliveryException(String message) {
    super(message);
  }
}
