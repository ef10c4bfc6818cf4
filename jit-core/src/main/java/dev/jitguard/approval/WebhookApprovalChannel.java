package dev.jitguard.approval;

import dev.jitguard.InvalidInputException;
import dev.jitguard.RequestRecord;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ApprovalChannel;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An {@link ApprovalChannel} that POSTs signed JSON events to webhook endpoints: a relay that posts to chat, a
 * ticketing system, your own service. Decisions come back through a {@link WebhookDecisionHandler}, which calls the
 * guard, so they pass the same decision function as in-process approvals.
 *
 * <pre>{@code
 * SigningSecrets secrets = SigningSecrets.of(System.getenv("JITGUARD_WEBHOOK_SECRET"));
 * WebhookApprovalChannel channel = WebhookApprovalChannel.builder()
 *     .withEndpoints(URI.create("https://relay.example.com/jit-events"))
 *     .withSecrets(secrets)
 *     .build();
 * PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withApprovalChannel(channel).build();
 * }</pre>
 *
 * <p><b>Events.</b> {@value #EVENT_REQUEST_PENDING} (a request needs approvers), {@value #EVENT_REQUEST_REMINDER},
 * {@value #EVENT_REQUEST_ESCALATED}, {@value #EVENT_BREAK_GLASS_USED}, and for every final status two events:
 * {@value #EVENT_REQUEST_DECIDED} addressed to the requester and {@value #EVENT_REQUEST_CLOSED} addressed to the
 * approvers (someone else already decided: nothing left to do). Each carries a {@code recipients} object that says
 * whom to tell. The schema is in {@code docs/webhooks.md}.
 *
 * <p><b>Headers.</b> Every attempt is signed anew: {@value #HEADER_TIMESTAMP} (Unix seconds) and
 * {@value #HEADER_SIGNATURE} {@code v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>} (see
 * {@link WebhookSignature}); {@value #HEADER_IDEMPOTENCY_KEY} and {@value #HEADER_EVENT_ID} carry the event id,
 * {@code <request id>:<type>:<record version>}, the same on every retry so receivers can drop duplicates;
 * {@value #HEADER_EVENT_TYPE} and {@value #HEADER_ATTEMPT} help routing and debugging.
 *
 * <p><b>Fail closed on the pending event.</b> {@link #requestPending} sends the event to every endpoint at once and
 * waits until one endpoint accepts it (any 2xx) or every endpoint has failed its
 * {@link Builder#withSynchronousAttempts synchronous attempts} (default 1: the first attempt). In the second case it
 * throws {@link WebhookDeliveryException}, so the guard denies the request with
 * {@link dev.jitguard.ReasonCode#APPROVAL_FAILURE}: a request nobody can see is never left pending, and the requester
 * learns at once. Once one endpoint accepted, the endpoints that failed are retried in the background. The wait is
 * bounded: at most the synchronous attempts times (connect timeout + request timeout), plus their backoff, plus one
 * second.
 *
 * <p><b>Everything else is best effort</b>, in the background: reminders, escalations, break-glass and decision
 * events never block or fail the guard's operation. Failed attempts (network errors, timeouts, 408, 425, 429 and
 * 5xx) are retried with exponential backoff and jitter up to {@link Builder#withMaxAttempts a maximum}; other
 * statuses (3xx, 4xx) are final. Redirects are never followed. {@code Retry-After} (seconds) is honoured up to the
 * maximum backoff.
 *
 * <p><b>Resources.</b> Deliveries run on a bounded pool of daemon threads with a bounded number of outstanding
 * deliveries; beyond it an event is dropped (and a pending request denied). Close the channel when the application
 * stops; the guard does not close it.
 *
 * <p>Thread-safe. The channel never calls back into the guard.
 */
public interface WebhookApprovalChannel extends ApprovalChannel, AutoCloseable {
  /** Header: Unix seconds when this attempt was signed. */
  String HEADER_TIMESTAMP = "X-JitGuard-Timestamp";
  /** Header: {@code v1=<hex>}. */
  String HEADER_SIGNATURE = "X-JitGuard-Signature";
  /** Header: stable per event, identical on every retry. */
  String HEADER_IDEMPOTENCY_KEY = "X-JitGuard-Idempotency-Key";
  /** Header: the event id (equal to the idempotency key). */
  String HEADER_EVENT_ID = "X-JitGuard-Event-Id";
  /** Header: the event type. */
  String HEADER_EVENT_TYPE = "X-JitGuard-Event";
  /** Header: the attempt number, from 1. */
  String HEADER_ATTEMPT = "X-JitGuard-Delivery-Attempt";

  /** Event: a request waits for approvers. */
  String EVENT_REQUEST_PENDING = "request.pending";
  /** Event: a request is still pending after the policy's reminder delay. */
  String EVENT_REQUEST_REMINDER = "request.reminder";
  /** Event: a request is still pending after the escalation delay; the fallback groups may approve now. */
  String EVENT_REQUEST_ESCALATED = "request.escalated";
  /** Event: someone used break-glass; the approvers who were skipped are told. */
  String EVENT_BREAK_GLASS_USED = "break_glass.used";
  /** Event, for the requester: the request reached a final status. */
  String EVENT_REQUEST_DECIDED = "request.decided";
  /** Event, for the approvers: the request was decided (or withdrawn, or expired); nothing left to do. */
  String EVENT_REQUEST_CLOSED = "request.closed";

  /**
   * Starts a builder; endpoints and secrets are required.
   *
   * @return the builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Sends {@value #EVENT_REQUEST_PENDING} and waits for the first endpoint to accept it (see the class
   * description).
   *
   * @throws WebhookDeliveryException if no endpoint accepted it within the synchronous attempts
   */
  @Override
  void requestPending(RequestRecord request, PrivilegeRule rule);

  /** Stops the delivery threads; deliveries still outstanding end {@link WebhookDelivery.Status#CANCELLED}. */
  @Override
  void close();

  /**
   * Configures a {@link WebhookApprovalChannel}. Each option may be set once; {@link #build()} copies the
   * configuration. Not thread-safe.
   */
  final class Builder {
    List<URI> endpoints;
    SigningSecrets secrets;
    Duration connectTimeout;
    Duration requestTimeout;
    int maxAttempts;
    int synchronousAttempts;
    Duration initialBackoff;
    Duration maxBackoff;
    double jitter = -1;
    int maxConcurrentDeliveries;
    int maxOutstandingDeliveries;
    ActionLinks links;
    Clock clock;
    final List<Consumer<WebhookDelivery>> listeners = new ArrayList<>();

    private Builder() {}

    private static void once(boolean set, String name, Object current) {
      if (set) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    private static Duration between(String name, Duration d, Duration min, Duration max) {
      Objects.requireNonNull(d, name + " cannot be null");
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new InvalidInputException(name, String.format(Locale.ROOT, "%s must be between %s and %s, but was %s",
            name, min, max, d));
      }
      return d;
    }

    private static int between(String name, int n, int min, int max) {
      if (n < min || n > max) {
        throw new InvalidInputException(name, String.format(Locale.ROOT, "%s must be between %d and %d, but was %d",
            name, min, max, n));
      }
      return n;
    }

    /**
     * Where events go. Required. Each endpoint receives every event.
     *
     * @param first an https URL (http only on a loopback host such as 127.0.0.1, for tests and local relays)
     * @param more further endpoints
     * @return this builder
     */
    public Builder withEndpoints(URI first, URI... more) {
      once(endpoints != null, "endpoints", endpoints == null ? null : endpoints.size() + " endpoint(s)");
      Objects.requireNonNull(more, "endpoints cannot be null");
      List<URI> all = new ArrayList<>();
      all.add(Endpoints.check("endpoint", first));
      for (URI u : more) {
        URI checked = Endpoints.check("endpoint", u);
        if (all.contains(checked)) {
          throw new InvalidInputException("endpoint", "endpoint " + Endpoints.redact(checked) + " is listed twice");
        }
        all.add(checked);
      }
      between("endpoints", all.size(), 1, 16);
      this.endpoints = List.copyOf(all);
      return this;
    }

    /**
     * The secrets; the first one signs every event. Required. (A channel only signs; the other secrets matter to a
     * {@link WebhookDecisionHandler} built with the same {@link SigningSecrets}.)
     *
     * @param secrets the secrets
     * @return this builder
     */
    public Builder withSecrets(SigningSecrets secrets) {
      once(this.secrets != null, "secrets", this.secrets);
      this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
      return this;
    }

    /**
     * How long to wait for a TCP/TLS connection. Defaults to 5 seconds.
     *
     * @param timeout between 10 ms and 1 minute
     * @return this builder
     */
    public Builder withConnectTimeout(Duration timeout) {
      once(connectTimeout != null, "connectTimeout", connectTimeout);
      this.connectTimeout = between("connectTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(1));
      return this;
    }

    /**
     * How long to wait for the response to one attempt. Defaults to 10 seconds.
     *
     * @param timeout between 10 ms and 5 minutes
     * @return this builder
     */
    public Builder withRequestTimeout(Duration timeout) {
      once(requestTimeout != null, "requestTimeout", requestTimeout);
      this.requestTimeout = between("requestTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(5));
      return this;
    }

    /**
     * How many attempts per event and endpoint, in all. Defaults to 6.
     *
     * @param attempts between 1 and 20
     * @return this builder
     */
    public Builder withMaxAttempts(int attempts) {
      once(maxAttempts != 0, "maxAttempts", maxAttempts);
      this.maxAttempts = between("maxAttempts", attempts, 1, 20);
      return this;
    }

    /**
     * How many attempts {@link WebhookApprovalChannel#requestPending} waits for before giving up and letting the
     * guard deny the request. Defaults to 1 (the first attempt); at most {@link #withMaxAttempts the maximum}.
     *
     * @param attempts between 1 and 5
     * @return this builder
     */
    public Builder withSynchronousAttempts(int attempts) {
      once(synchronousAttempts != 0, "synchronousAttempts", synchronousAttempts);
      this.synchronousAttempts = between("synchronousAttempts", attempts, 1, 5);
      return this;
    }

    /**
     * The delay before the second attempt, doubled for each further attempt up to {@code max}. Defaults to 500 ms and
     * 1 minute.
     *
     * @param initial between 1 ms and 1 hour
     * @param max at least {@code initial}, at most 1 hour
     * @return this builder
     */
    public Builder withBackoff(Duration initial, Duration max) {
      once(initialBackoff != null, "backoff", initialBackoff + ".." + maxBackoff);
      between("initialBackoff", initial, Duration.ofMillis(1), Duration.ofHours(1));
      between("maxBackoff", max, initial, Duration.ofHours(1));
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * How much of each backoff delay is random: a delay {@code d} becomes a uniform value in
     * {@code [d * (1 - jitter), d]}, so that many instances do not retry in step. Defaults to 0.5.
     *
     * @param jitter between 0 (none) and 1
     * @return this builder
     */
    public Builder withJitter(double jitter) {
      once(this.jitter >= 0, "jitter", this.jitter);
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new InvalidInputException("jitter", "jitter must be between 0 and 1, but was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * How many attempts may be in flight at once (the size of the delivery thread pool). Defaults to 4.
     *
     * @param n between 1 and 64
     * @return this builder
     */
    public Builder withMaxConcurrentDeliveries(int n) {
      once(maxConcurrentDeliveries != 0, "maxConcurrentDeliveries", maxConcurrentDeliveries);
      this.maxConcurrentDeliveries = between("maxConcurrentDeliveries", n, 1, 64);
      return this;
    }

    /**
     * How many deliveries (one event to one endpoint, until it ends) may be outstanding, waiting or retrying; beyond
     * that new ones are {@link WebhookDelivery.Status#DROPPED dropped}. Defaults to 1000.
     *
     * @param n between 1 and 100,000
     * @return this builder
     */
    public Builder withMaxOutstandingDeliveries(int n) {
      once(maxOutstandingDeliveries != 0, "maxOutstandingDeliveries", maxOutstandingDeliveries);
      this.maxOutstandingDeliveries = between("maxOutstandingDeliveries", n, 1, 100_000);
      return this;
    }

    /**
     * Adds signed approve/deny links ({@code links.approve}, {@code links.deny}) to the pending, reminder and
     * escalation events. Without it, events carry no links.
     *
     * @param links the links
     * @return this builder
     */
    public Builder withActionLinks(ActionLinks links) {
      once(this.links != null, "actionLinks", this.links);
      this.links = Objects.requireNonNull(links, "actionLinks cannot be null");
      return this;
    }

    /**
     * The time source for signature timestamps and event times. Defaults to {@link Clock#systemUTC()}.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder withClock(Clock clock) {
      once(this.clock != null, "clock", this.clock);
      this.clock = Objects.requireNonNull(clock, "clock cannot be null");
      return this;
    }

    /**
     * Adds a listener told how each delivery ended (metrics, alerts). Runs on a delivery thread; an exception there
     * is logged and changes nothing.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder onDelivery(Consumer<WebhookDelivery> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
      return this;
    }

    /**
     * Builds the channel and starts no thread until the first event.
     *
     * @return the channel
     * @throws IllegalStateException if endpoints or secrets are missing, or the synchronous attempts exceed the
     *     maximum
     */
    public WebhookApprovalChannel build() {
      if (endpoints == null || secrets == null) {
        throw new IllegalStateException("endpoints and secrets are required: call withEndpoints(URI...) and "
            + "withSecrets(SigningSecrets.of(..))");
      }
      int max = maxAttempts != 0 ? maxAttempts : 6;
      int sync = synchronousAttempts != 0 ? synchronousAttempts : 1;
      if (sync > max) {
        throw new IllegalStateException(String.format(Locale.ROOT,
            "synchronousAttempts (%d) must be at most maxAttempts (%d)", sync, max));
      }
      return new DefaultWebhookApprovalChannel(this, max, sync);
    }
  }
}
