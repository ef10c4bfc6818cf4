package dev.jitguard.examples.backoffice;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives the refund-budget part of docs/spring-walkthrough.md (step 7) over real HTTP against the running back office:
 * a metered elevation of {@code payments.refund-budget} requested with an amount limit of 100.00 and approved by
 * another person; two refunds of 40.00 pass, a third is refused with what is left (20.00), a refund of 20.00 passes
 * and uses the elevation up.
 *
 * <p>Runs as the example does, on the JDBC grant store over H2 (its own database, because this context and
 * {@link BackOfficeWalkthroughTest}'s both create the example's tables).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties =
    "spring.datasource.url=jdbc:h2:mem:budget-walkthrough;DB_CLOSE_DELAY=-1")
class BudgetRefundWalkthroughTest {
  private static final Map<String, String> PASSWORDS = Map.of("alice", "alice-pw", "bob", "bob-pw");

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

  private Reply refund(String amount) throws Exception {
    return call("alice", "POST", "/payments/budget-refunds", "{\"order\": \"4711\", \"amount\": \"" + amount + "\"}");
  }

  @Test
  void refundBudgetWalkthroughRequestOneHundredSpendItAndTheRefundPastItIsRefusedWithWhatIsLeft() throws Exception {
    Reply denied = refund("40.00");
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.contentType()).startsWith("application/problem+json");
    assertThat(denied.body().get("reasonCode").asString()).isEqualTo("NO_GRANT");
    assertThat(denied.body().get("amount").asString()).isEqualTo("40.00");
    assertThat(denied.body().get("howToRequest").get("maxAmount").asString()).isEqualTo("500.00");

    Reply requested = call("alice", "POST", "/jit/requests", "{\"privilege\": \"payments.refund-budget\", "
        + "\"justification\": \"INC-9: partial refunds for the delayed orders\", \"amountLimit\": \"100.00\"}");
    assertThat(requested.status()).isEqualTo(201);
    assertThat(requested.body().get("outcome").asString()).isEqualTo("PENDING");
    assertThat(requested.body().get("request").get("amountLimit").asString()).isEqualTo("100.00");
    String requestId = requested.body().get("request").get("id").asString();

    assertThat(call("alice", "POST", "/jit/requests/" + requestId + "/approve", null).body().get("reasonCode")
        .asString()).isEqualTo("SELF_APPROVAL");
    Reply approved = call("bob", "POST", "/jit/requests/" + requestId + "/approve",
        "{\"comment\": \"delayed orders confirmed\"}");
    assertThat(approved.status()).isEqualTo(200);
    assertThat(approved.body().get("outcome").asString()).isEqualTo("GRANTED");
    JsonNode grant = approved.body().get("grant");
    assertThat(grant.get("amountLimit").asString()).isEqualTo("100.00");
    assertThat(grant.get("amountLeft").asString()).isEqualTo("100.00");

    Reply first = refund("40.00");
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.body().get("amountCents").asLong()).isEqualTo(4000);
    assertThat(refund("40.00").status()).isEqualTo(201);

    Reply negative = refund("-40.00");
    assertThat(negative.status()).as("a negative amount would refill the budget").isEqualTo(400);
    assertThat(negative.body().get("field").asString()).isEqualTo("amount");

    Reply exceeded = refund("40.00");
    assertThat(exceeded.status()).isEqualTo(403);
    assertThat(exceeded.contentType()).startsWith("application/problem+json");
    assertThat(exceeded.body().get("reasonCode").asString()).isEqualTo("AMOUNT_EXCEEDED");
    assertThat(exceeded.body().get("amount").asString()).isEqualTo("40.00");
    assertThat(exceeded.body().get("amountLeft").asString()).isEqualTo("20.00");
    assertThat(exceeded.body().get("amountLimit").asString()).isEqualTo("100.00");

    JsonNode mine = call("alice", "GET", "/jit/grants", null).body().get(0);
    assertThat(mine.get("amountUsed").asString()).isEqualTo("80.00");
    assertThat(mine.get("amountLeft").asString()).isEqualTo("20.00");

    assertThat(refund("20.00").status()).isEqualTo(201);
    assertThat(call("alice", "GET", "/jit/grants", null).body().size()).as("used up").isZero();
    Reply after = refund("1.00");
    assertThat(after.status()).isEqualTo(403);
    assertThat(after.body().get("reasonCode").asString()).isEqualTo("GRANT_CONSUMED");
  }
}
