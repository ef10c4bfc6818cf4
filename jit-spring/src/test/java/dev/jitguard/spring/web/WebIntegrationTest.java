package dev.jitguard.spring.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.test.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/** The 403 problem response and every REST endpoint, through the full Spring MVC and Spring Security stack. */
@SpringBootTest(classes = WebTestApplication.class)
@AutoConfigureMockMvc
@ActiveProfiles("webtest")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class WebIntegrationTest {
  private static final String JUSTIFICATION = "INC-7: refund a double charge on order 4711";

  @Autowired
  MockMvc mvc;

  @Autowired
  PrivilegeGuard guard;

  @Autowired
  TestClock clock;

  private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder b, String body) {
    return b.contentType(MediaType.APPLICATION_JSON).content(body);
  }

  private MockHttpServletRequestBuilder refund(String user) {
    return json(post("/payments/refunds"), "{\"order\": \"4711\"}").with(httpBasic(user, "pw"));
  }

  private String requestAsAlice() throws Exception {
    String body = mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.refund\", \"justification\": \""
            + JUSTIFICATION + "\", \"duration\": \"PT30M\"}").with(httpBasic("alice", "pw")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.outcome").value("PENDING"))
        .andExpect(jsonPath("$.reasonCode").value("PENDING_APPROVAL"))
        .andExpect(jsonPath("$.request.requester").value("alice"))
        .andExpect(jsonPath("$.request.status").value("PENDING"))
        .andReturn().getResponse().getContentAsString();
    return JsonPath.read(body, "$.request.id");
  }

  private String approveAsBob(String requestId) throws Exception {
    String body = mvc.perform(json(post("/jit/requests/" + requestId + "/approve"), "{\"comment\": \"ok\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.outcome").value("GRANTED"))
        .andExpect(jsonPath("$.grant.subject").value("alice"))
        .andExpect(jsonPath("$.grant.status").value("ACTIVE"))
        .andReturn().getResponse().getContentAsString();
    return JsonPath.read(body, "$.grant.id");
  }

  @Test
  void deniedCallThenHttp403ProblemWithWhatTheClientNeeds() throws Exception {
    mvc.perform(refund("alice"))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/elevation-required"))
        .andExpect(jsonPath("$.title").value("Elevation required"))
        .andExpect(jsonPath("$.status").value(403))
        .andExpect(jsonPath("$.detail").value("No active elevation for 'payments.refund'."))
        .andExpect(jsonPath("$.instance").value("/payments/refunds"))
        .andExpect(jsonPath("$.privilege").value("payments.refund"))
        .andExpect(jsonPath("$.reasonCode").value("NO_GRANT"))
        .andExpect(jsonPath("$.hint", containsString("justification of at least 20 characters")))
        .andExpect(jsonPath("$.eligible").value(true))
        .andExpect(jsonPath("$.howToRequest.endpoint").value("/jit/requests"))
        .andExpect(jsonPath("$.howToRequest.method").value("POST"))
        .andExpect(jsonPath("$.howToRequest.requiredFields[0]").value("privilege"))
        .andExpect(jsonPath("$.howToRequest.requiredFields[1]").value("justification"))
        .andExpect(jsonPath("$.howToRequest.maxDuration").value("PT1H"))
        .andExpect(jsonPath("$.pendingRequestId").doesNotExist());
  }

  @Test
  void deniedCallWhenRequestPendingThenProblemCarriesItsId() throws Exception {
    String id = requestAsAlice();
    mvc.perform(refund("alice")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.pendingRequestId").value(id));
  }

  @Test
  void deniedCallWhenNotEligibleThenProblemSaysSo() throws Exception {
    mvc.perform(refund("erin")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("NO_GRANT"))
        .andExpect(jsonPath("$.eligible").value(false));
  }

  @Test
  void walkthroughRequestApproveCallExtendRevoke() throws Exception {
    String requestId = requestAsAlice();
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$", hasSize(1))).andExpect(jsonPath("$[0].id").value(requestId));
    mvc.perform(get("/jit/approvals").with(httpBasic("bob", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$", hasSize(1))).andExpect(jsonPath("$[0].id").value(requestId));
    mvc.perform(get("/jit/approvals").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));

    String grantId = approveAsBob(requestId);
    mvc.perform(refund("alice")).andExpect(status().isOk()).andExpect(jsonPath("$.result").value("refunded 4711"));
    mvc.perform(get("/jit/grants").with(httpBasic("alice", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$[0].id").value(grantId)).andExpect(jsonPath("$[0].status").value("ACTIVE"));

    mvc.perform(json(post("/jit/grants/" + grantId + "/extend"), "{\"extension\": \"PT15M\", \"reason\": \"more\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.expiresAt").value("2026-01-01T09:45:00Z"));

    mvc.perform(json(post("/jit/grants/" + grantId + "/revoke"), "{\"reason\": \"done\"}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.status").value("REVOKED"));
    mvc.perform(refund("alice")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("GRANT_REVOKED"));
  }

  @Test
  void expiredGrantThenCallDeniedAgain() throws Exception {
    approveAsBob(requestAsAlice());
    mvc.perform(refund("alice")).andExpect(status().isOk());
    clock.advance(Duration.ofMinutes(31));
    mvc.perform(refund("alice")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("GRANT_EXPIRED"));
  }

  @Test
  void dryRunThenExplainsAndStoresNothing() throws Exception {
    mvc.perform(json(post("/jit/requests?dryRun=true"), "{\"privilege\": \"payments.refund\", \"justification\": \""
            + JUSTIFICATION + "\"}").with(httpBasic("alice", "pw")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.wouldBe").value("PENDING"))
        .andExpect(jsonPath("$.approverGroups[0]").value("payments-leads"))
        .andExpect(jsonPath("$.policyVersion").value("web-test"));
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));
  }

  @Test
  void requestDeniedByPolicyThen403ProblemWithReason() throws Exception {
    mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.refund\", \"justification\": \"short\"}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/request-denied"))
        .andExpect(jsonPath("$.reasonCode").value("JUSTIFICATION_TOO_SHORT"));
    mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.refund\", \"justification\": \""
            + JUSTIFICATION + "\"}").with(httpBasic("erin", "pw")))
        .andExpect(status().isForbidden()).andExpect(jsonPath("$.reasonCode").value("NOT_ELIGIBLE"));
  }

  @Test
  void denyWithdrawAndRevokeRequest() throws Exception {
    String first = requestAsAlice();
    mvc.perform(json(post("/jit/requests/" + first + "/deny"), "{\"comment\": \"use the batch tool\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.status").value("DENIED"));

    String second = requestAsAlice();
    mvc.perform(post("/jit/requests/" + second + "/withdraw").with(httpBasic("alice", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.status").value("WITHDRAWN"));

    String third = requestAsAlice();
    String grantId = approveAsBob(third);
    mvc.perform(json(post("/jit/requests/" + third + "/revoke"), "{\"reason\": \"incident closed\"}")
            .with(httpBasic("carol", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$[0].id").value(grantId))
        .andExpect(jsonPath("$[0].status").value("REVOKED"));
  }

  @Test
  void refusedOperationsThenProblemWithReasonCode() throws Exception {
    String id = requestAsAlice();
    mvc.perform(post("/jit/requests/" + id + "/approve").with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.reasonCode").value("SELF_APPROVAL"));
    mvc.perform(post("/jit/requests/" + id + "/approve").with(httpBasic("erin", "pw")))
        .andExpect(status().isNotFound()).andExpect(jsonPath("$.reasonCode").value("NOT_PERMITTED"));
    mvc.perform(post("/jit/requests/0123456789abcdef0123456789abcdef/approve").with(httpBasic("bob", "pw")))
        .andExpect(status().isNotFound()).andExpect(jsonPath("$.reasonCode").value("NOT_PERMITTED"));
    mvc.perform(post("/jit/requests/" + id + "/withdraw").with(httpBasic("bob", "pw")))
        .andExpect(status().isNotFound());
    String grantId = approveAsBob(id);
    mvc.perform(post("/jit/grants/" + grantId + "/revoke").with(httpBasic("erin", "pw")))
        .andExpect(status().isNotFound()).andExpect(jsonPath("$.reasonCode").value("NOT_PERMITTED"));
    mvc.perform(json(post("/jit/grants/" + grantId + "/extend"), "{\"extension\": \"PT2H\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isForbidden()).andExpect(jsonPath("$.reasonCode").value("EXTENSION_EXCEEDS_CAP"));
  }

  @Test
  void anonymousCallerThenHandlersAnswer401EvenWhereUrlRulesLetThrough() throws Exception {
    mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.refund\"}"))
        .andExpect(status().isUnauthorized())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.reasonCode").value("NO_SUBJECT"));
    mvc.perform(post("/jit/requests/0123456789abcdef0123456789abcdef/approve")).andExpect(status().isUnauthorized());
    mvc.perform(get("/jit/approvals")).andExpect(status().isUnauthorized());
    mvc.perform(get("/jit/grants")).andExpect(status().isUnauthorized());
  }

  @Test
  void badInputThen400NamingTheField() throws Exception {
    expect400("{\"justification\": \"" + JUSTIFICATION + "\"}", "privilege");
    expect400("{\"privilege\": \"Payments.Refund\"}", "privilege");
    expect400("{\"privilege\": 42}", "privilege");
    expect400("{\"privilege\": \"payments.refund\", \"duration\": \"thirty minutes\"}", "duration");
    expect400("{\"privilege\": \"payments.refund\", \"duration\": \"PT-5M\"}", "duration");
    expect400("{\"privilege\": \"payments.refund\", \"startAt\": \"tomorrow\"}", "startAt");
    expect400("{\"privilege\": \"payments.refund\", \"uses\": \"many\"}", "uses");
    expect400("{\"privilege\": \"payments.refund\", \"uses\": 0}", "uses");
    expect400("{\"privilege\": \"payments.refund\", \"ticket\": \"INC 1\\n2\"}", "ticket");
    expect400("{\"privilege\": \"payments.refund\", \"colour\": \"red\"}", "colour");
    expect400("[1, 2]", "body");
    expect400("{not json", "body");
    mvc.perform(post("/jit/requests/not-an-id/approve").with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("requestId"));
    mvc.perform(post("/jit/grants/xyz/revoke").with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("grantId"));
    mvc.perform(json(post("/jit/requests?dryRun=maybe"), "{\"privilege\": \"payments.refund\"}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("dryRun"));
    String id = requestAsAlice();
    mvc.perform(json(post("/jit/requests/" + id + "/approve"), "{\"shortenTo\": \"soon\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("shortenTo"));
  }

  @Test
  void serverOwnedFieldsThen400AndNothingChanges() throws Exception {
    for (String field : new String[] {"status", "approvals", "expiresAt", "requester", "id", "grantId", "subject"}) {
      mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.refund\", \"justification\": \""
              + JUSTIFICATION + "\", \"" + field + "\": \"APPROVED\"}").with(httpBasic("alice", "pw")))
          .andExpect(status().isBadRequest())
          .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.field").value(field))
          .andExpect(jsonPath("$.detail", startsWith(field + " is set by JIT Guard and cannot be set by the client")));
    }
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));
    String id = requestAsAlice();
    mvc.perform(json(post("/jit/requests/" + id + "/approve"), "{\"comment\": \"ok\", \"approvals\": 5}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("approvals"));
    mvc.perform(get("/jit/approvals").with(httpBasic("bob", "pw"))).andExpect(jsonPath("$[0].approvals", hasSize(0)));
  }

  @Test
  void breakGlassReviewsThenListedAndReviewed() throws Exception {
    var d = guard.breakGlass(Subject.of("alice", "support"), Privilege.of("payments.refund"),
        "card processor outage, refunds stuck", Duration.ofMinutes(10));
    String id = ((dev.jitguard.Decision.Granted) d).grant().requestId().value();
    mvc.perform(get("/jit/reviews").with(httpBasic("bob", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$[0].id").value(id)).andExpect(jsonPath("$[0].reviewOpen").value(true));
    mvc.perform(post("/jit/reviews/" + id).with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("comment"));
    mvc.perform(json(post("/jit/reviews/" + id), "{\"comment\": \"justified, outage INC-9\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.reviewOpen").value(false));
  }

  @Test
  void actuatorEndpointThenListsAndWriteIsOffByDefault() throws Exception {
    String requestId = requestAsAlice();
    mvc.perform(get("/actuator/jitguard").with(httpBasic("carol", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$.pendingRequests[0].id").value(requestId))
        .andExpect(jsonPath("$.activeGrants", hasSize(0)))
        .andExpect(jsonPath("$.guardedMethods['payments.refund'][0]", containsString("RefundService.refund")));
    String grantId = approveAsBob(requestId);
    mvc.perform(get("/actuator/jitguard").with(httpBasic("carol", "pw")))
        .andExpect(jsonPath("$.activeGrants[0].id").value(grantId));
    int status = mvc.perform(json(post("/actuator/jitguard/" + grantId), "{\"reason\": \"x\"}")
        .with(httpBasic("carol", "pw"))).andReturn().getResponse().getStatus();
    org.assertj.core.api.Assertions.assertThat(status).as("write operation refused by default").isBetween(400, 499);
    org.assertj.core.api.Assertions.assertThat(guard.check(Subject.of("alice"), Privilege.of("payments.refund"))
        .isGranted()).isTrue();
  }

  private void expect400(String body, String field) throws Exception {
    mvc.perform(json(post("/jit/requests"), body).with(httpBasic("alice", "pw")))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/invalid-input"))
        .andExpect(jsonPath("$.field").value(field));
  }
}
