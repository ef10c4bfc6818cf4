package dev.jitguard.approval;

import dev.jitguard.RequestId;
import java.net.URI;
import java.util.Objects;

/**
 * How the delivery of one event to one endpoint ended, as told to
 * {@link WebhookApprovalChannel.Builder#onDelivery listeners} (metrics, alerts, tests).
 *
 * @param eventId the event's id, also its idempotency key
 * @param eventType the event's type, for example {@code request.pending}
 * @param requestId the request the event is about
 * @param endpoint where it was sent
 * @param attempts how many attempts were made (0 if none could start)
 * @param status how it ended
 * @param lastStatusCode the last HTTP status received, or -1 if none (network failure, timeout)
 * @param lastError a short description of the last failure (exception type and message, or the HTTP status); empty
 *     when delivered
 */
public record WebhookDelivery(String eventId, String eventType, RequestId requestId, URI endpoint, int attempts,
    Status status, int lastStatusCode, String lastError) {

  /**
   * Rejects nulls.
   *
   * @param eventId see the record description
   * @param eventType see the record description
   * @param requestId see the record description
   * @param endpoint see the record description
   * @param attempts see the record description
   * @param status see the record description
   * @param lastStatusCode see the record description
   * @param lastError see the record description
   */
  public WebhookDelivery {
    Objects.requireNonNull(eventId, "eventId cannot be null");
    Objects.requireNonNull(eventType, "eventType cannot be null");
    Objects.requireNonNull(requestId, "requestId cannot be null");
    Objects.requireNonNull(endpoint, "endpoint cannot be null");
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(lastError, "lastError cannot be null");
  }

  /** How a delivery ended. */
  public enum Status {
    /** The endpoint answered 2xx. */
    DELIVERED,
    /** Every attempt failed, or the endpoint answered a status that is not retried (3xx, most 4xx). */
    FAILED,
    /**
     * Stopped before its attempts ran out: the request's synchronous attempts all failed (so the request was denied
     * and announcing it further would mislead), or the channel was closed.
     */
    CANCELLED,
    /** Never attempted: too many deliveries were already outstanding. */
    DROPPED
  }
}
