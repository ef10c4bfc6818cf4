package dev.jitguard.approval;

import dev.jitguard.RequestRecord;
import dev.jitguard.approval.WebhookDelivery.Status;
import dev.jitguard.approval.WebhookEvents.Event;
import dev.jitguard.rule.PrivilegeRule;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook channel. Each (event, endpoint) pair is a {@link Delivery} that moves through attempts on a bounded
 * worker pool; delays between attempts are timers on a single scheduler thread, so no thread sleeps. The deliveries of
 * one event share a {@link Group}: for the pending event, the caller waits on the group until one endpoint accepted
 * or all failed their synchronous attempts; background events start with a group that is already settled.
 */
final class DefaultWebhookApprovalChannel implements WebhookApprovalChannel {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookApprovalChannel.class);
  private static final String USER_AGENT = "jit-guard-webhook/" + WebhookEvents.SPEC_VERSION;

  private final List<URI> endpoints;
  private final SigningSecrets secrets;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final int synchronousAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final int maxOutstanding;
  private final Clock clock;
  private final List<Consumer<WebhookDelivery>> listeners;
  private final WebhookEvents events;
  private final HttpClient client;
  private final ThreadPoolExecutor workers;
  private final ScheduledThreadPoolExecutor timers;
  private final Set<Delivery> outstanding = ConcurrentHashMap.newKeySet();
  private final AtomicInteger outstandingCount = new AtomicInteger();
  private volatile boolean closed;

  DefaultWebhookApprovalChannel(WebhookApprovalChannel.Builder b, int maxAttempts, int synchronousAttempts) {
    this.endpoints = List.copyOf(b.endpoints);
    this.secrets = b.secrets;
    this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : Duration.ofSeconds(5);
    this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : Duration.ofSeconds(10);
    this.maxAttempts = maxAttempts;
    this.synchronousAttempts = synchronousAttempts;
    this.initialBackoff = b.initialBackoff != null ? b.initialBackoff : Duration.ofMillis(500);
    this.maxBackoff = b.maxBackoff != null ? b.maxBackoff : Duration.ofMinutes(1);
    this.jitter = b.jitter >= 0 ? b.jitter : 0.5;
    int threads = b.maxConcurrentDeliveries != 0 ? b.maxConcurrentDeliveries : 4;
    this.maxOutstanding = b.maxOutstandingDeliveries != 0 ? b.maxOutstandingDeliveries : 1000;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.listeners = List.copyOf(b.listeners);
    this.events = new WebhookEvents(b.links, clock);
    this.client = HttpClient.newBuilder()
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    ThreadFactory factory = daemonThreads("jitguard-webhook-");
    // Outstanding deliveries are capped at maxOutstanding, so the queue never overflows while the channel is open.
    this.workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(maxOutstanding), factory, new ThreadPoolExecutor.AbortPolicy());
    this.workers.allowCoreThreadTimeOut(true);
    this.timers = new ScheduledThreadPoolExecutor(1, daemonThreads("jitguard-webhook-timer-"));
    this.timers.setRemoveOnCancelPolicy(true);
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ------------------------------------------------------------------------------------------------ the SPI

  @Override
  public void requestPending(RequestRecord request, PrivilegeRule rule) {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(rule, "rule cannot be null");
    if (closed) {
      throw new WebhookDeliveryException("the webhook channel is closed; request " + request.id()
          + " cannot reach its approvers");
    }
    Event event = events.pending(request, rule);
    Group group = new Group(endpoints.size(), true);
    for (URI endpoint : endpoints) {
      start(new Delivery(event, endpoint, group));
    }
    boolean delivered;
    try {
      delivered = group.outcome.get(synchronousBudget().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      group.fail("no answer within " + synchronousBudget());
      delivered = group.outcome.getNow(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      group.fail("interrupted while waiting");
      delivered = group.outcome.getNow(false);
    } catch (ExecutionException e) {
      throw new IllegalStateException("unexpected failure of the delivery group", e);
    }
    if (!delivered) {
      throw new WebhookDeliveryException(String.format(Locale.ROOT,
          "request %s could not be delivered to any of %d webhook endpoint(s) within %d attempt(s) each: %s",
          request.id(), endpoints.size(), synchronousAttempts, group.describeFailures()));
    }
  }

  @Override
  public void requestDecided(RequestRecord request) {
    Objects.requireNonNull(request, "request cannot be null");
    background(events.decided(request));
    background(events.closed(request));
  }

  @Override
  public void remind(RequestRecord request, PrivilegeRule rule) {
    background(events.reminder(request, rule));
  }

  @Override
  public void escalated(RequestRecord request, PrivilegeRule rule) {
    background(events.escalated(request, rule));
  }

  @Override
  public void breakGlassUsed(RequestRecord request, PrivilegeRule rule) {
    background(events.breakGlass(request, rule));
  }

  @Override
  public void close() {
    closed = true;
    timers.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    for (Delivery d : new ArrayList<>(outstanding)) {
      finish(d, Status.CANCELLED, "the channel was closed");
    }
  }

  @Override
  public String toString() {
    List<String> hosts = new ArrayList<>();
    endpoints.forEach(u -> hosts.add(Endpoints.redact(u)));
    return "WebhookApprovalChannel[endpoints=" + hosts + ", maxAttempts=" + maxAttempts + ", synchronousAttempts="
        + synchronousAttempts + "]";
  }

  // ------------------------------------------------------------------------------------------------ deliveries

  /** The longest requestPending waits: every synchronous attempt timing out, plus the longest backoffs between. */
  private Duration synchronousBudget() {
    Duration budget = connectTimeout.plus(requestTimeout).multipliedBy(synchronousAttempts).plusSeconds(1);
    for (int n = 1; n < synchronousAttempts; n++) {
      budget = budget.plus(baseDelay(n));
    }
    return budget;
  }

  private void background(Event event) {
    if (closed) {
      LOG.warn("webhook channel is closed; event {} for request {} not sent", event.type(), event.requestId());
      return;
    }
    Group group = new Group(endpoints.size(), false);
    for (URI endpoint : endpoints) {
      start(new Delivery(event, endpoint, group));
    }
  }

  private void start(Delivery d) {
    if (outstandingCount.incrementAndGet() > maxOutstanding) {
      outstandingCount.decrementAndGet();
      d.finished.set(true);
      d.lastError = "too many outstanding deliveries (" + maxOutstanding + ")";
      d.group.firstPhaseFailed(d);
      LOG.warn("webhook {} for request {} to {} dropped: {}", d.event.type(), d.event.requestId(),
          Endpoints.redact(d.endpoint), d.lastError);
      report(d, Status.DROPPED, d.lastError);
      return;
    }
    outstanding.add(d);
    submit(d);
  }

  private void submit(Delivery d) {
    if (closed) {
      finish(d, Status.CANCELLED, "the channel was closed");
      return;
    }
    try {
      workers.execute(() -> attempt(d));
    } catch (RejectedExecutionException e) {
      finish(d, closed ? Status.CANCELLED : Status.DROPPED, "the delivery queue rejected the attempt");
    }
  }

  private void attempt(Delivery d) {
    if (closed) {
      finish(d, Status.CANCELLED, "the channel was closed");
      return;
    }
    if (d.group.hasFailed()) {
      finish(d, Status.CANCELLED, "the request was denied after its synchronous attempts failed");
      return;
    }
    int n = d.attempts.incrementAndGet();
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest request = HttpRequest.newBuilder(d.endpoint)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", USER_AGENT)
        .header(HEADER_EVENT_TYPE, d.event.type())
        .header(HEADER_EVENT_ID, d.event.id())
        .header(HEADER_IDEMPOTENCY_KEY, d.event.id())
        .header(HEADER_ATTEMPT, Integer.toString(n))
        .header(HEADER_TIMESTAMP, Long.toString(timestamp))
        .header(HEADER_SIGNATURE, WebhookSignature.sign(secrets, timestamp, d.event.body()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(d.event.body()))
        .build();
    boolean retryable;
    Duration retryAfter = Duration.ZERO;
    try {
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      d.lastStatus = status;
      if (status >= 200 && status < 300) {
        finish(d, Status.DELIVERED, "");
        return;
      }
      d.lastError = "HTTP " + status;
      retryable = status == 408 || status == 425 || status == 429 || status >= 500;
      retryAfter = retryAfter(response);
    } catch (IOException e) {
      d.lastStatus = -1;
      d.lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      retryable = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      finish(d, Status.CANCELLED, "interrupted");
      return;
    }
    LOG.debug("webhook attempt {} of {} for request {} to {} failed: {}", n, d.event.type(), d.event.requestId(),
        Endpoints.redact(d.endpoint), d.lastError);
    if (!retryable || n >= maxAttempts) {
      finish(d, Status.FAILED, d.lastError);
      return;
    }
    Duration delay = delay(n, retryAfter);
    if (d.group.foreground && n == synchronousAttempts) {
      // The synchronous attempts are used up: the request is delivered only if another endpoint accepted. Wait for
      // the group to settle, then retry in the background or stop.
      d.group.firstPhaseFailed(d);
      d.group.outcome.thenAccept(ok -> {
        if (ok) {
          schedule(d, delay);
        } else {
          finish(d, Status.CANCELLED, "the request was denied after its synchronous attempts failed ("
              + d.lastError + ")");
        }
      });
    } else {
      schedule(d, delay);
    }
  }

  private void schedule(Delivery d, Duration delay) {
    try {
      timers.schedule(() -> submit(d), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      finish(d, Status.CANCELLED, "the channel was closed");
    }
  }

  /** Exponential, capped, with jitter; at least what Retry-After asked, capped too. */
  Duration delay(int attempt, Duration retryAfter) {
    Duration base = baseDelay(attempt);
    long nanos = base.toNanos();
    long jittered = nanos - (long) (nanos * jitter * ThreadLocalRandom.current().nextDouble());
    Duration d = Duration.ofNanos(Math.max(jittered, 1));
    if (retryAfter.compareTo(d) > 0) {
      d = retryAfter.compareTo(maxBackoff) > 0 ? maxBackoff : retryAfter;
    }
    return d;
  }

  private Duration baseDelay(int attempt) {
    int shift = Math.min(attempt - 1, 30);
    Duration d = initialBackoff.multipliedBy(1L << shift);
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }

  private static Duration retryAfter(HttpResponse<?> response) {
    Optional<String> value = response.headers().firstValue("Retry-After");
    if (value.isPresent()) {
      long seconds = WebhookSignature.parseTimestamp(value.get().trim());
      if (seconds >= 0) {
        return Duration.ofSeconds(seconds);
      }
    }
    return Duration.ZERO;
  }

  private void finish(Delivery d, Status status, String error) {
    if (!d.finished.compareAndSet(false, true)) {
      return;
    }
    if (outstanding.remove(d)) {
      outstandingCount.decrementAndGet();
    }
    if (status == Status.DELIVERED) {
      d.group.delivered();
      if (d.group.hasFailed()) {
        LOG.warn("webhook {} for request {} reached {} only after the request was denied", d.event.type(),
            d.event.requestId(), Endpoints.redact(d.endpoint));
      }
    } else {
      d.group.firstPhaseFailed(d);
      if (status != Status.CANCELLED || !d.group.foreground) {
        LOG.warn("webhook {} for request {} to {} ended {} after {} attempt(s): {}", d.event.type(),
            d.event.requestId(), Endpoints.redact(d.endpoint), status, d.attempts.get(), error);
      }
    }
    report(d, status, error);
  }

  private void report(Delivery d, Status status, String error) {
    if (listeners.isEmpty()) {
      return;
    }
    WebhookDelivery result = new WebhookDelivery(d.event.id(), d.event.type(), d.event.requestId(), d.endpoint,
        d.attempts.get(), status, d.lastStatus, error);
    for (Consumer<WebhookDelivery> l : listeners) {
      try {
        l.accept(result);
      } catch (RuntimeException e) {
        LOG.warn("webhook delivery listener failed; ignored", e);
      }
    }
  }

  /** One event to one endpoint, through its attempts. Attempts never overlap, so the fields need no lock. */
  private static final class Delivery {
    final Event event;
    final URI endpoint;
    final Group group;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicBoolean finished = new AtomicBoolean();
    final AtomicBoolean firstPhaseReported = new AtomicBoolean();
    volatile int lastStatus = -1;
    volatile String lastError = "";

    Delivery(Event event, URI endpoint, Group group) {
      this.event = event;
      this.endpoint = endpoint;
      this.group = group;
    }
  }

  /**
   * The deliveries of one event. Its outcome is true once any endpoint accepted; false once every endpoint failed its
   * synchronous attempts (or the caller stopped waiting). Background groups are settled (true) from the start.
   */
  private static final class Group {
    final boolean foreground;
    final CompletableFuture<Boolean> outcome = new CompletableFuture<>();
    final AtomicInteger firstPhaseFailures = new AtomicInteger();
    final int size;
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    Group(int size, boolean foreground) {
      this.size = size;
      this.foreground = foreground;
      if (!foreground) {
        outcome.complete(true);
      }
    }

    void delivered() {
      outcome.complete(true);
    }

    void firstPhaseFailed(Delivery d) {
      if (!foreground || !d.firstPhaseReported.compareAndSet(false, true)) {
        return;
      }
      failures.add(Endpoints.redact(d.endpoint) + " " + (d.lastError.isEmpty() ? "failed" : d.lastError)
          + " after " + d.attempts.get() + " attempt(s)");
      if (firstPhaseFailures.incrementAndGet() >= size) {
        outcome.complete(false);
      }
    }

    void fail(String why) {
      if (outcome.complete(false)) {
        failures.add(why);
      }
    }

    boolean hasFailed() {
      return outcome.isDone() && !outcome.getNow(true);
    }

    String describeFailures() {
      synchronized (failures) {
        return failures.isEmpty() ? "no endpoint answered" : String.join("; ", failures);
      }
    }
  }
}
