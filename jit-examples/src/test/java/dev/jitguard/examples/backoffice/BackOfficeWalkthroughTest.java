package dev.jitguard.examples.backoffice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives docs/spring-walkthrough.md over real HTTP against the running back office: call, 403 with hints, request,
 * approve as another user, call again, revoke, denied again; then the same for erasing a customer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BackOfficeWalkthroughTest {
  private static final Map<String, String> PASSWORDS = Map.of("alice", "alice-pw", "bob", "bob-pw", "carol", "carol-pw");

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();

  record Reply(int status, String contentType, JsonNode body) { }

  private Reply call(String user, String method, String path, String body) throws Exception {
    String basic = Base64.getEncoder().encodeToString((user + ":" + PASSWORDS.get(user))
        .getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("Authorization", "Basic " + basic)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    String text = r.body();
    return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
        text.isEmpty() ? null : json.readTree(text));
  }

  @Test
  void refundWalkthroughCallDeniedRequestApproveCallRevokeDenied() throws Exception {
    String refund = "{\"order\": \"4711\", \"amountCents\": 1500}";

    Reply denied = call("alice", "POST", "/payments/refunds", refund);
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.contentType()).startsWith("application/problem+json");
    assertThat(denied.body().get("reasonCode").asString()).isEqualTo("NO_GRANT");
    assertThat(denied.body().get("eligible").asBoolean()).isTrue();
    assertThat(denied.body().get("howToRequest").get("endpoint").asString()).isEqualTo("/jit/requests");
    assertThat(denied.body().get("howToRequest").get("maxDuration").asString()).isEqualTo("PT1H");

    Reply requested = call("alice", "POST", "/jit/requests", "{\"privilege\": \"payments.refund\", "
        + "\"justification\": \"INC-7: customer charged twice for order 4711\", \"duration\": \"PT30M\"}");
    assertThat(requested.status()).isEqualTo(201);
    assertThat(requested.body().get("outcome").asString()).isEqualTo("PENDING");
    String requestId = requested.body().get("request").get("id").asString();

    Reply selfApproval = call("alice", "POST", "/jit/requests/" + requestId + "/approve", null);
    assertThat(selfApproval.status()).isEqualTo(403);
    assertThat(selfApproval.body().get("reasonCode").asString()).isEqualTo("SELF_APPROVAL");

    Reply inbox = call("bob", "GET", "/jit/approvals", null);
    assertThat(inbox.body().get(0).get("id").asString()).isEqualTo(requestId);
    Reply approved = call("bob", "POST", "/jit/requests/" + requestId + "/approve",
        "{\"comment\": \"double charge confirmed\"}");
    assertThat(approved.status()).isEqualTo(200);
    assertThat(approved.body().get("outcome").asString()).isEqualTo("GRANTED");
    String grantId = approved.body().get("grant").get("id").asString();

    Reply refunded = call("alice", "POST", "/payments/refunds", refund);
    assertThat(refunded.status()).isEqualTo(201);
    assertThat(refunded.body().get("orderId").asString()).isEqualTo("4711");

    Reply revoked = call("carol", "POST", "/jit/grants/" + grantId + "/revoke", "{\"reason\": \"refund done\"}");
    assertThat(revoked.body().get("status").asString()).isEqualTo("REVOKED");
    Reply deniedAgain = call("alice", "POST", "/payments/refunds", refund);
    assertThat(deniedAgain.status()).isEqualTo(403);
    assertThat(deniedAgain.body().get("reasonCode").asString()).isEqualTo("GRANT_REVOKED");
  }

  @Test
  void eraseCustomerIsAnActionApprovalForExactlyThatCallUsedOnce() throws Exception {
    Reply denied = call("alice", "DELETE", "/customers/43", null);
    assertThat(denied.status()).isEqualTo(403);
    JsonNode action = denied.body().get("action");
    assertThat(action.get("action").asString()).isEqualTo("CustomerService.erase");
    assertThat(action.get("argumentDigest").asString()).hasSize(64);
    assertThat(action.get("preview").asString()).isEqualTo("CustomerService.erase(43)");
    JsonNode how = denied.body().get("howToRequest");
    assertThat(how.get("requiredFields").values()).extracting(JsonNode::asString)
        .containsExactly("privilege", "actionToken", "justification", "ticket");
    String token = how.get("actionToken").asString();

    Reply noTicket = call("alice", "POST", "/jit/requests", "{\"actionToken\": \"" + token + "\", "
        + "\"justification\": \"erasure request from the customer by mail\"}");
    assertThat(noTicket.status()).isEqualTo(403);
    assertThat(noTicket.body().get("reasonCode").asString()).isEqualTo("TICKET_REQUIRED");
    assertThat(call("bob", "POST", "/jit/requests", "{\"actionToken\": \"" + token + "\", \"ticket\": "
        + "\"GDPR-17\", \"justification\": \"erasure request from the customer by mail\"}").body().get("field")
        .asString()).as("a token is for the user it was issued to").isEqualTo("actionToken");

    String id = call("alice", "POST", "/jit/requests", "{\"actionToken\": \"" + token + "\", \"ticket\": "
        + "\"GDPR-17\", \"justification\": \"erasure request from the customer by mail\"}").body().get("request")
        .get("id").asString();
    assertThat(call("bob", "POST", "/jit/requests/" + id + "/approve", null).status()).as("bob is no admin")
        .isEqualTo(404);
    JsonNode toApprove = call("carol", "GET", "/jit/approvals", null).body().get(0);
    assertThat(call("carol", "GET", "/jit/approvals?limit=1", null).body().valueStream()
        .map(n -> n.get("id").asString()).toList()).as("the first page of one").containsExactly(id);
    assertThat(toApprove.get("action").get("preview").asString()).as("the server's preview")
        .isEqualTo("CustomerService.erase(43)");
    assertThat(call("carol", "POST", "/jit/requests/" + id + "/approve", "{\"comment\": \"verified\"}").status())
        .isEqualTo(200);

    Reply other = call("alice", "DELETE", "/customers/42", null);
    assertThat(other.status()).as("approved for 43, not 42").isEqualTo(403);
    assertThat(other.body().get("reasonCode").asString()).isEqualTo("ACTION_MISMATCH");
    assertThat(call("alice", "DELETE", "/customers/43", null).status()).isEqualTo(204);
    Reply again = call("alice", "DELETE", "/customers/43", null);
    assertThat(again.status()).as("used once").isEqualTo(403);
    List<String> names = call("alice", "GET", "/customers", null).body().valueStream()
        .map(n -> n.get("NAME").asString()).toList();
    assertThat(names).containsExactly("Dana Example");
  }
}
