package dev.jitguard.approval;

import static dev.jitguard.approval.Fixtures.ALICE;
import static dev.jitguard.approval.Fixtures.BOB;
import static dev.jitguard.approval.Fixtures.DB_WRITE;
import static dev.jitguard.approval.Fixtures.POLICY;
import static dev.jitguard.approval.Fixtures.SECRET;
import static dev.jitguard.approval.Fixtures.SECRETS;
import static dev.jitguard.approval.Fixtures.T0;
import static dev.jitguard.approval.Fixtures.ask;
import static dev.jitguard.approval.Fixtures.hmacHex;
import static dev.jitguard.approval.Fixtures.pendingId;
import static dev.jitguard.approval.Fixtures.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.jitguard.Decision;
import dev.jitguard.InvalidInputException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.approval.Receiver.Received;
import dev.jitguard.approval.WebhookDelivery.Status;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.ApprovalChannel;
import dev.jitguard.spi.AuditSink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WebhookApprovalChannelTest {
  private final MutableClock clock = new MutableClock(T0);
  private final InMemoryAuditSink audit = new InMemoryAuditSink();
  private final LinkedBlockingQueue<WebhookDelivery> deliveries = new LinkedBlockingQueue<>();
  private final List<WebhookDelivery> seenDeliveries = new ArrayList<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private Receiver receiver;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = new Receiver();
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (AutoCloseable c : closeLast) {
      c.close();
    }
    receiver.close();
  }

  /** Small timeouts and backoff, no jitter, every delivery outcome recorded. */
  private WebhookApprovalChannel.Builder channel(URI... endpoints) {
    URI[] more = endpoints.length > 1 ? java.util.Arrays.copyOfRange(endpoints, 1, endpoints.length) : new URI[0];
    return WebhookApprovalChannel.builder()
        .withEndpoints(endpoints.length == 0 ? receiver.uri() : endpoints[0], more)
        .withSecrets(SECRETS)
        .withClock(clock)
        .withConnectTimeout(Duration.ofSeconds(2))
        .withJitter(0)
        .onDelivery(deliveries::add);
  }

  private WebhookApprovalChannel open(WebhookApprovalChannel.Builder b) {
    WebhookApprovalChannel c = b.build();
    closeLast.add(0, c);
    return c;
  }

  private PrivilegeGuard guard(ApprovalChannel channel) {
    PrivilegeGuard g = PrivilegeGuard.builder().withPolicy(POLICY).withApprovalChannel(channel)
        .withAuditSink(audit).withClock(clock).withoutBackgroundMaintenance().build();
    closeLast.add(0, g);
    return g;
  }

  /**
   * Waits (bounded) for the final outcome of a delivery matching the predicate. Outcomes already seen are kept, so
   * waiting for one never loses another that arrived first.
   */
  private WebhookDelivery awaitDelivery(Predicate<WebhookDelivery> which) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      for (WebhookDelivery d : seenDeliveries) {
        if (which.test(d)) {
          return d;
        }
      }
      long left = deadline - System.nanoTime();
      WebhookDelivery d = left > 0 ? deliveries.poll(left, TimeUnit.NANOSECONDS) : null;
      if (d == null) {
        return fail("no matching delivery within 10 s; saw %s", seenDeliveries);
      }
      seenDeliveries.add(d);
    }
  }

  private static Predicate<WebhookDelivery> ofType(String type) {
    return d -> d.eventType().equals(type);
  }

  private static void assertSignedBy(String secret, Received r) {
    long ts = Long.parseLong(r.header(WebhookApprovalChannel.HEADER_TIMESTAMP));
    assertThat(r.header(WebhookApprovalChannel.HEADER_SIGNATURE))
        .isEqualTo("v1=" + hmacHex(secret, signed(ts, r.body())));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  // ------------------------------------------------------------------------------------------------ pending

  @Test
  void requestPendingWhenEndpointAcceptsThenSignedEventWithIdempotencyKeyDelivered() throws Exception {
    ActionLinks links = ActionLinks.builder().withBaseUri(URI.create("http://127.0.0.1:9/jit/decide"))
        .withSecrets(SigningSecrets.of("links-secret-0123456789-abcdefghijklmn")).withClock(clock).build();
    PrivilegeGuard guard = guard(open(channel().withActionLinks(links)));

    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE)));

    Received r = receiver.awaitType(WebhookApprovalChannel.EVENT_REQUEST_PENDING);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.header(WebhookApprovalChannel.HEADER_TIMESTAMP)).isEqualTo(Long.toString(T0.getEpochSecond()));
    assertSignedBy(SECRET, r);
    assertThat(WebhookSignature.verify(SECRETS, r.header(WebhookApprovalChannel.HEADER_TIMESTAMP),
        r.header(WebhookApprovalChannel.HEADER_SIGNATURE), r.body(), T0, Duration.ofMinutes(5)))
        .isEqualTo(WebhookSignature.Result.VALID);
    String key = id.value() + ":request.pending:0";
    assertThat(r.header(WebhookApprovalChannel.HEADER_IDEMPOTENCY_KEY)).isEqualTo(key);
    assertThat(r.header(WebhookApprovalChannel.HEADER_EVENT_ID)).isEqualTo(key);
    assertThat(r.header(WebhookApprovalChannel.HEADER_ATTEMPT)).isEqualTo("1");

    JsonNode e = r.json();
    assertThat(e.get("specVersion").stringValue()).isEqualTo("1");
    assertThat(e.get("type").stringValue()).isEqualTo("request.pending");
    assertThat(e.get("id").stringValue()).isEqualTo(key);
    assertThat(e.get("occurredAt").stringValue()).isEqualTo(T0.toString());
    JsonNode q = e.get("request");
    assertThat(q.get("id").stringValue()).isEqualTo(id.value());
    assertThat(q.get("privilege").stringValue()).isEqualTo("db.prod.write");
    assertThat(q.get("requester").get("id").stringValue()).isEqualTo("alice");
    assertThat(q.get("requester").get("groups").get(0).stringValue()).isEqualTo("developers");
    assertThat(q.get("justification").stringValue()).isEqualTo(Fixtures.JUSTIFICATION);
    assertThat(q.get("ticket").isNull()).isTrue();
    assertThat(q.get("duration").stringValue()).isEqualTo("PT30M");
    assertThat(q.get("startAt").isNull()).isTrue();
    assertThat(q.get("uses").isNull()).isTrue();
    assertThat(q.get("approvalsRequired").intValue()).isEqualTo(1);
    assertThat(q.get("approverGroups").get(0).stringValue()).isEqualTo("dba");
    assertThat(q.get("expiresAt").stringValue()).isEqualTo(T0.plus(Duration.ofHours(1)).toString());
    assertThat(q.get("status").stringValue()).isEqualTo("PENDING");
    assertThat(e.get("recipients").get("groups").get(0).stringValue()).isEqualTo("dba");
    assertThat(e.get("recipients").get("excludedSubjects").get(0).stringValue()).isEqualTo("alice");
    URI approve = URI.create(e.get("links").get("approve").stringValue());
    assertThat(approve.toString()).startsWith("http://127.0.0.1:9/jit/decide?token=v1.");
    assertThat(links.verify(ActionLinks.tokenOf(approve).orElseThrow()))
        .isEqualTo(new ActionLinks.Valid(id, Verdict.APPROVE, T0.plus(Duration.ofHours(1))));
    assertThat(e.has("decision")).isFalse();

    WebhookDelivery d = awaitDelivery(ofType("request.pending"));
    assertThat(d.status()).isEqualTo(Status.DELIVERED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(d.lastStatusCode()).isEqualTo(200);
  }

  @Test
  void requestPendingWhenEndpointAnswers500ThenRetriedAfterBackoffAndRequestPending() throws Exception {
    receiver.thenReply(500);
    PrivilegeGuard guard = guard(open(channel().withSynchronousAttempts(2)
        .withBackoff(Duration.ofMillis(150), Duration.ofSeconds(1))));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d).isInstanceOf(Decision.Pending.class);
    List<Received> attempts = receiver.await(r -> "request.pending".equals(r.type()), 2, Duration.ofSeconds(5));
    assertThat(attempts).extracting(r -> r.header(WebhookApprovalChannel.HEADER_IDEMPOTENCY_KEY))
        .containsOnly(pendingId(d).value() + ":request.pending:0");
    assertThat(attempts).extracting(r -> r.header(WebhookApprovalChannel.HEADER_ATTEMPT)).containsExactly("1", "2");
    assertThat(attempts.get(1).bodyText()).isEqualTo(attempts.get(0).bodyText());
    assertThat(attempts.get(1).nanoTime() - attempts.get(0).nanoTime())
        .as("the retry waits for the backoff").isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
    attempts.forEach(r -> assertSignedBy(SECRET, r));
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.DELIVERED);
    assertThat(delivery.attempts()).isEqualTo(2);
  }

  @Test
  void requestPendingWhenFirstAttemptFailsThenRequestDeniedApprovalFailureAndNotRetried() throws Exception {
    receiver.thenReply(500);
    PrivilegeGuard guard = guard(open(channel()));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d).isInstanceOf(Decision.Denied.class);
    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    assertThat(guard.pendingRequests(ALICE)).isEmpty();
    assertThat(audit.events(AuditEventType.DENIED)).extracting(e -> e.reason().orElseThrow())
        .containsExactly(ReasonCode.APPROVAL_FAILURE);
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.CANCELLED);
    assertThat(delivery.attempts()).isEqualTo(1);
    assertThat(delivery.lastStatusCode()).isEqualTo(500);
    assertThat(receiver.all()).hasSize(1);
  }

  @Test
  void requestPendingWhenReceiverTimesOutThenRetriedAndRequestDenied() throws Exception {
    receiver.thenReply(Receiver.HANG, Receiver.HANG);
    PrivilegeGuard guard = guard(open(channel().withRequestTimeout(Duration.ofMillis(300))
        .withSynchronousAttempts(2).withBackoff(Duration.ofMillis(20), Duration.ofMillis(100))));

    long start = System.nanoTime();
    Decision d = guard.request(ask(ALICE, DB_WRITE));
    long elapsed = System.nanoTime() - start;

    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    assertThat(Duration.ofNanos(elapsed)).as("requestPending waits a bounded time").isLessThan(Duration.ofSeconds(5));
    List<Received> attempts = receiver.await(r -> "request.pending".equals(r.type()), 2, Duration.ofSeconds(5));
    assertThat(attempts).extracting(r -> r.header(WebhookApprovalChannel.HEADER_IDEMPOTENCY_KEY))
        .hasSize(2).containsOnly(attempts.get(0).header(WebhookApprovalChannel.HEADER_IDEMPOTENCY_KEY));
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.CANCELLED);
    assertThat(delivery.attempts()).isEqualTo(2);
    assertThat(delivery.lastError()).contains("HttpTimeoutException");
    assertThat(receiver.all()).hasSize(2);
  }

  @Test
  void requestPendingWhenFirstAttemptTimesOutThenRetriedAndRequestPending() throws Exception {
    receiver.thenReply(Receiver.HANG);
    PrivilegeGuard guard = guard(open(channel().withRequestTimeout(Duration.ofMillis(300))
        .withSynchronousAttempts(2).withBackoff(Duration.ofMillis(20), Duration.ofMillis(100))));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d).isInstanceOf(Decision.Pending.class);
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.DELIVERED);
    assertThat(delivery.attempts()).isEqualTo(2);
  }

  @Test
  void requestPendingWhenConnectionRefusedThenRequestDeniedApprovalFailure() throws Exception {
    URI dead = URI.create("http://127.0.0.1:" + freePort() + "/hook");
    PrivilegeGuard guard = guard(open(channel(dead)));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    assertThat(d.message()).contains("could not be delivered to approvers");
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.CANCELLED);
    assertThat(delivery.lastStatusCode()).isEqualTo(-1);
    assertThat(delivery.lastError()).contains("ConnectException");
  }

  @Test
  void requestPendingWhenEndpointRejects400ThenNotRetriedAndRequestDenied() throws Exception {
    receiver.thenReply(400);
    PrivilegeGuard guard = guard(open(channel().withSynchronousAttempts(3)));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d.reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    WebhookDelivery delivery = awaitDelivery(ofType("request.pending"));
    assertThat(delivery.status()).isEqualTo(Status.FAILED);
    assertThat(delivery.attempts()).isEqualTo(1);
    assertThat(receiver.all()).hasSize(1);
  }

  @Test
  void requestPendingWhenOneOfTwoEndpointsIsDownThenPendingAndTheDeadOneRetriedInBackground() throws Exception {
    URI dead = URI.create("http://127.0.0.1:" + freePort() + "/hook");
    PrivilegeGuard guard = guard(open(channel(receiver.uri(), dead).withMaxAttempts(3)
        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50))));

    Decision d = guard.request(ask(ALICE, DB_WRITE));

    assertThat(d).isInstanceOf(Decision.Pending.class);
    WebhookDelivery toDead = awaitDelivery(x -> x.endpoint().equals(dead));
    assertThat(toDead.status()).isEqualTo(Status.FAILED);
    assertThat(toDead.attempts()).isEqualTo(3);
  }

  @Test
  void requestPendingWhenChannelClosedThenRequestDenied() {
    WebhookApprovalChannel channel = open(channel());
    PrivilegeGuard guard = guard(channel);
    channel.close();

    assertThat(guard.request(ask(ALICE, DB_WRITE)).reason()).isEqualTo(ReasonCode.APPROVAL_FAILURE);
    assertThat(receiver.all()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------ best effort

  @Test
  void approveThenRequesterToldOfDecisionAndApproversToldSomeoneElseDecided() throws Exception {
    PrivilegeGuard guard = guard(open(channel()));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE)));
    receiver.awaitType("request.pending");

    assertThat(guard.approve(id, BOB, "checked the migration").isGranted()).isTrue();

    JsonNode decided = receiver.awaitType(WebhookApprovalChannel.EVENT_REQUEST_DECIDED).json();
    assertThat(decided.get("id").stringValue()).isEqualTo(id.value() + ":request.decided:1");
    assertThat(decided.get("recipients").get("subjects").get(0).stringValue()).isEqualTo("alice");
    assertThat(decided.get("decision").get("status").stringValue()).isEqualTo("APPROVED");
    assertThat(decided.get("decision").get("decidedBy").stringValue()).isEqualTo("bob");
    assertThat(decided.get("decision").get("comment").stringValue()).isEqualTo("checked the migration");
    assertThat(decided.get("decision").get("grantId").isString()).isTrue();
    JsonNode closed = receiver.awaitType(WebhookApprovalChannel.EVENT_REQUEST_CLOSED).json();
    assertThat(closed.get("id").stringValue()).isEqualTo(id.value() + ":request.closed:1");
    assertThat(closed.get("recipients").get("groups").get(0).stringValue()).isEqualTo("dba");
    assertThat(closed.get("recipients").get("subjects").get(0).stringValue()).isEqualTo("bob");
    assertThat(closed.get("recipients").get("excludedSubjects").get(0).stringValue()).isEqualTo("alice");
    assertThat(closed.get("decision").get("decidedBy").stringValue()).isEqualTo("bob");
  }

  @Test
  void withdrawThenApproversToldTheRequestIsClosed() throws Exception {
    PrivilegeGuard guard = guard(open(channel()));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE)));

    guard.withdraw(id, ALICE);

    JsonNode closed = receiver.awaitType("request.closed").json();
    assertThat(closed.get("decision").get("status").stringValue()).isEqualTo("WITHDRAWN");
    assertThat(closed.get("decision").get("decidedBy").stringValue()).isEqualTo("alice");
  }

  @Test
  void decisionEventWhenEndpointFailsThenRetriedInBackgroundUntilDelivered() throws Exception {
    PrivilegeGuard guard = guard(open(channel().withBackoff(Duration.ofMillis(20), Duration.ofMillis(100))));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE)));
    receiver.awaitType("request.pending");
    receiver.thenReply(503, 503);

    assertThat(guard.deny(id, BOB, "not during the freeze").status().name()).isEqualTo("DENIED");

    WebhookDelivery decided = awaitDelivery(ofType("request.decided").and(x -> x.status() == Status.DELIVERED));
    WebhookDelivery closed = awaitDelivery(ofType("request.closed").and(x -> x.status() == Status.DELIVERED));
    assertThat(decided.attempts() + closed.attempts()).isEqualTo(4);
    List<Received> all = receiver.await(r -> r.type().startsWith("request.d") || r.type().equals("request.closed"),
        4, Duration.ofSeconds(5));
    assertThat(all).extracting(Received::type).containsOnly("request.decided", "request.closed");
    assertThat(all.stream().map(r -> r.header(WebhookApprovalChannel.HEADER_IDEMPOTENCY_KEY)).distinct())
        .containsExactlyInAnyOrder(id.value() + ":request.decided:1", id.value() + ":request.closed:1");
  }

  @Test
  void reminderAndEscalationThenEventsToApproversAndFallbackGroups() throws Exception {
    PrivilegeGuard guard = guard(open(channel()));
    RequestId id = pendingId(guard.request(ask(ALICE, DB_WRITE)));

    clock.advance(Duration.ofMinutes(11));
    guard.runMaintenance();
    JsonNode reminder = receiver.awaitType(WebhookApprovalChannel.EVENT_REQUEST_REMINDER).json();
    assertThat(reminder.get("request").get("id").stringValue()).isEqualTo(id.value());
    assertThat(reminder.get("recipients").get("groups").get(0).stringValue()).isEqualTo("dba");
    assertThat(reminder.get("occurredAt").stringValue()).isEqualTo(T0.plus(Duration.ofMinutes(11)).toString());

    clock.advance(Duration.ofMinutes(10));
    guard.runMaintenance();
    JsonNode escalated = receiver.awaitType(WebhookApprovalChannel.EVENT_REQUEST_ESCALATED).json();
    assertThat(escalated.get("recipients").get("groups").get(0).stringValue()).isEqualTo("sre-leads");
    assertThat(escalated.get("id").stringValue()).isNotEqualTo(reminder.get("id").stringValue());
  }

  @Test
  void breakGlassThenSkippedApproversTold() throws Exception {
    PrivilegeGuard guard = guard(open(channel()));

    Decision d = guard.breakGlass(ALICE, DB_WRITE, "orders down, INC-99, restoring now", Duration.ofMinutes(20));

    assertThat(d.isGranted()).isTrue();
    JsonNode e = receiver.awaitType(WebhookApprovalChannel.EVENT_BREAK_GLASS_USED).json();
    assertThat(e.get("request").get("breakGlass").booleanValue()).isTrue();
    assertThat(e.get("request").get("justification").stringValue()).isEqualTo("orders down, INC-99, restoring now");
    assertThat(e.get("recipients").get("groups").get(0).stringValue()).isEqualTo("dba");
  }

  @Test
  void listenerWhenItThrowsThenDeliveryUnaffected() throws Exception {
    PrivilegeGuard guard = guard(open(channel().onDelivery(d -> {
      throw new IllegalStateException("listener bug");
    })));

    assertThat(guard.request(ask(ALICE, DB_WRITE))).isInstanceOf(Decision.Pending.class);
    assertThat(awaitDelivery(ofType("request.pending")).status()).isEqualTo(Status.DELIVERED);
  }

  // ------------------------------------------------------------------------------------------------ builder

  @Test
  void builderWhenEndpointIsPlainHttpOffLoopbackThenRejected() {
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withEndpoints(URI.create("http://example.com/hook")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("must use https");
    assertThatThrownBy(() -> WebhookApprovalChannel.builder()
        .withEndpoints(URI.create("https://user:pw@example.com/hook")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("credentials")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withEndpoints(URI.create("/relative")))
        .isInstanceOf(InvalidInputException.class);
    assertThat(WebhookApprovalChannel.builder().withEndpoints(URI.create("https://relay.example.com/h"),
        URI.create("http://localhost:8080/h"), URI.create("http://127.0.0.2/h"))).isNotNull();
  }

  @Test
  void builderWhenOptionSetTwiceOrRequiredMissingThenRejected() {
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withSecrets(SECRETS).withSecrets(SECRETS))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secrets was already set")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withEndpoints(receiver.uri()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secrets are required");
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withEndpoints(receiver.uri()).withSecrets(SECRETS)
        .withMaxAttempts(2).withSynchronousAttempts(3).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("at most maxAttempts");
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withJitter(1.5))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> WebhookApprovalChannel.builder().withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("maxBackoff");
  }

  @Test
  void toStringWhenEndpointPathHoldsASecretThenOnlyHostShown() {
    WebhookApprovalChannel c = open(WebhookApprovalChannel.builder()
        .withEndpoints(URI.create("https://hooks.example.com/services/T000/B000/s3cr3t")).withSecrets(SECRETS));
    assertThat(c.toString()).contains("hooks.example.com").doesNotContain("s3cr3t").doesNotContain(SECRET);
  }
}
