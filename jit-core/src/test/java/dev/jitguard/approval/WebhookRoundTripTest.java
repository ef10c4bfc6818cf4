package dev.jitguard.approval;

import dev.jitguard.audit.InMemoryAuditSink;
import static dev.jitguard.approval.Fixtures.ALICE;
import static dev.jitguard.approval.Fixtures.DB_WRITE;
import static dev.jitguard.approval.Fixtures.POLICY;
import static dev.jitguard.approval.Fixtures.SECRETS;
import static dev.jitguard.approval.Fixtures.T0;
import static dev.jitguard.approval.Fixtures.ask;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.jitguard.Decision;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.approval.Receiver.Received;
import dev.jitguard.spi.AuditSink;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The whole loop over real HTTP: the guard's webhook channel posts the pending event to a relay; the relay (here the
 * test, standing in for a chat bot that authenticated the approver) posts the signed decision back to the decision
 * endpoint; the grant works; the requester and the approvers are told.
 */
class WebhookRoundTripTest {

  @Test
  void pendingEventThenSignedDecisionBackThenGrantedAndEveryoneTold() throws Exception {
    MutableClock clock = new MutableClock(T0);
    ExecutorService executor = Executors.newFixedThreadPool(2);
    HttpServer decisions = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    try (Receiver relay = new Receiver();
        WebhookApprovalChannel channel = WebhookApprovalChannel.builder().withEndpoints(relay.uri())
            .withSecrets(SECRETS).withClock(clock).build();
        PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(POLICY).withApprovalChannel(channel)
            .withAuditSink(new InMemoryAuditSink()).withClock(clock).withoutBackgroundMaintenance().build()) {
      WebhookDecisionHandler handler = WebhookDecisionHandler.builder(guard).withSecrets(SECRETS).withClock(clock)
          .build();
      decisions.setExecutor(executor);
      decisions.createContext("/jit/decisions", JdkHttpHandlers.decisions(handler));
      decisions.start();
      URI decisionUri = URI.create("http://127.0.0.1:" + decisions.getAddress().getPort() + "/jit/decisions");

      Decision asked = guard.request(ask(ALICE, DB_WRITE));
      assertThat(asked).isInstanceOf(Decision.Pending.class);

      // The relay verifies the event as any receiver would, then shows it to bob, who clicks "approve".
      Received pending = relay.awaitType(WebhookApprovalChannel.EVENT_REQUEST_PENDING);
      assertThat(WebhookSignature.verify(SECRETS, pending.header(WebhookApprovalChannel.HEADER_TIMESTAMP),
          pending.header(WebhookApprovalChannel.HEADER_SIGNATURE), pending.body(), clock.instant(),
          Duration.ofMinutes(5))).isEqualTo(WebhookSignature.Result.VALID);
      String requestId = pending.json().get("request").get("id").stringValue();
      clock.advance(Duration.ofSeconds(42));
      byte[] body = ("{\"requestId\":\"" + requestId + "\",\"decision\":\"approve\",\"approver\":{\"id\":\"bob\","
          + "\"groups\":[\"dba\"]},\"comment\":\"go\",\"channel\":\"slack\",\"authentication\":\"sso-mfa\"}")
          .getBytes(StandardCharsets.UTF_8);
      long ts = clock.instant().getEpochSecond();
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(decisionUri)
          .timeout(Duration.ofSeconds(10))
          .header(WebhookApprovalChannel.HEADER_TIMESTAMP, Long.toString(ts))
          .header(WebhookApprovalChannel.HEADER_SIGNATURE, WebhookSignature.sign(SECRETS, ts, body))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
      JsonNode decided = relay.awaitType(WebhookApprovalChannel.EVENT_REQUEST_DECIDED).json();
      assertThat(decided.get("recipients").get("subjects").get(0).stringValue()).isEqualTo("alice");
      assertThat(decided.get("decision").get("status").stringValue()).isEqualTo("APPROVED");
      JsonNode approval = decided.get("request").get("approvals").get(0);
      assertThat(approval.get("approver").stringValue()).isEqualTo("bob");
      assertThat(approval.get("channel").stringValue()).isEqualTo("slack");
      assertThat(approval.get("authentication").stringValue()).isEqualTo("sso-mfa");
      JsonNode closed = relay.awaitType(WebhookApprovalChannel.EVENT_REQUEST_CLOSED).json();
      assertThat(closed.get("recipients").get("groups").get(0).stringValue()).isEqualTo("dba");
      assertThat(closed.get("decision").get("decidedBy").stringValue()).isEqualTo("bob");
    } finally {
      decisions.stop(0);
      executor.shutdownNow();
    }
  }
}
