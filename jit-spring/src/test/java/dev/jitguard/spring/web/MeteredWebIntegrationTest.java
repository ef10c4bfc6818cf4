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
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Metered grants over HTTP, through the full Spring MVC and Spring Security stack: requesting one with
 * {@code amountLimit}, the calls of a {@code @RequiresElevation(amount = "amount")} method spending it, the 403 that
 * says how much the call needed and how much is left, and the 400 for a bad amount or limit.
 */
@SpringBootTest(classes = WebTestApplication.class)
@AutoConfigureMockMvc
@ActiveProfiles("webtest")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class MeteredWebIntegrationTest {
  private static final String JUSTIFICATION = "INC-7: refund a double charge on order 4711";

  @Autowired
  MockMvc mvc;

  private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder b, String body) {
    return b.contentType(MediaType.APPLICATION_JSON).content(body);
  }

  private MockHttpServletRequestBuilder refund(String user) {
    return json(post("/payments/refunds"), "{\"order\": \"4711\"}").with(httpBasic(user, "pw"));
  }

  @Autowired
  WebTestApplication.BudgetRefundService budget;

  private MockHttpServletRequestBuilder budgetRefund(String user, String amount) {
    return json(post("/payments/budget-refunds"), "{\"order\": \"4711\", \"amount\": " + amount + "}")
        .with(httpBasic(user, "pw"));
  }

  private String requestBudgetAsAlice(String amountLimit) throws Exception {
    String body = mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.budget-refund\", "
            + "\"justification\": \"" + JUSTIFICATION + "\", \"amountLimit\": " + amountLimit + "}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.outcome").value("PENDING"))
        .andReturn().getResponse().getContentAsString();
    return JsonPath.read(body, "$.request.id");
  }

  @Test
  void meteredCallDeniedThen403WithTheAmountAndTheMostAGrantMaySpend() throws Exception {
    mvc.perform(budgetRefund("alice", "\"40.00\""))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.reasonCode").value("NO_GRANT"))
        .andExpect(jsonPath("$.privilege").value("payments.budget-refund"))
        .andExpect(jsonPath("$.amount").value("40.00"))
        .andExpect(jsonPath("$.amountLeft").doesNotExist())
        .andExpect(jsonPath("$.howToRequest.endpoint").value("/jit/requests"))
        .andExpect(jsonPath("$.howToRequest.maxAmount").value("500.00"));
    mvc.perform(refund("alice")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.amount").doesNotExist())
        .andExpect(jsonPath("$.howToRequest.maxAmount").doesNotExist());
    org.assertj.core.api.Assertions.assertThat(budget.runs()).isZero();
  }

  @Test
  void meteredGrantRequestedWithAmountLimitThenCallsSpendItAndTheOnePastItIsRefusedWithWhatIsLeft()
      throws Exception {
    String requestId = requestBudgetAsAlice("100.00");
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw")))
        .andExpect(jsonPath("$[0].amountLimit").value("100.00"));
    mvc.perform(json(post("/jit/requests/" + requestId + "/approve"), "{\"comment\": \"ok\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.outcome").value("GRANTED"))
        .andExpect(jsonPath("$.grant.amountLimit").value("100.00"))
        .andExpect(jsonPath("$.grant.amountUsed").value("0"))
        .andExpect(jsonPath("$.grant.amountLeft").value("100.00"));

    mvc.perform(budgetRefund("alice", "40.00")).andExpect(status().isOk())
        .andExpect(jsonPath("$.result").value("refunded 40.00 on 4711"));
    mvc.perform(budgetRefund("alice", "\"40.00\"")).andExpect(status().isOk());
    mvc.perform(get("/jit/grants").with(httpBasic("alice", "pw")))
        .andExpect(jsonPath("$[0].amountUsed").value("80.00"))
        .andExpect(jsonPath("$[0].amountLeft").value("20.00"));
    mvc.perform(budgetRefund("alice", "40.00"))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.reasonCode").value("AMOUNT_EXCEEDED"))
        .andExpect(jsonPath("$.detail", containsString("20.00 left of 100.00")))
        .andExpect(jsonPath("$.amount").value("40.00"))
        .andExpect(jsonPath("$.amountLeft").value("20.00"))
        .andExpect(jsonPath("$.amountLimit").value("100.00"))
        .andExpect(jsonPath("$.howToRequest.maxAmount").value("500.00"));
    org.assertj.core.api.Assertions.assertThat(budget.runs()).as("the refund past the total never ran")
        .isEqualTo(2);
    mvc.perform(budgetRefund("alice", "20.00")).andExpect(status().isOk());
    mvc.perform(get("/jit/grants").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));
    mvc.perform(budgetRefund("alice", "0.01")).andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("GRANT_CONSUMED"))
        .andExpect(jsonPath("$.amount").value("0.01"));
  }

  @Test
  void meteredCallWithNegativeOrMissingAmountThen400NamingTheParameterAndNothingRuns() throws Exception {
    approveAsBobFor(requestBudgetAsAlice("\"100.00\""));
    for (String amount : new String[] {"-40.00", "\"-0.01\"", "null", "0.00000000001"}) {
      mvc.perform(budgetRefund("alice", amount))
          .andExpect(status().isBadRequest())
          .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/invalid-input"))
          .andExpect(jsonPath("$.field").value("amount"))
          .andExpect(jsonPath("$.instance").value("/payments/budget-refunds"));
    }
    org.assertj.core.api.Assertions.assertThat(budget.runs()).isZero();
    mvc.perform(get("/jit/grants").with(httpBasic("alice", "pw")))
        .andExpect(jsonPath("$[0].amountUsed").value("0"));
  }

  @Test
  void amountLimitWhenExactDecimalThenKeptExactlyAndWhenBadThen400NamingIt() throws Exception {
    requestBudgetAsAlice("\"123.45\"");
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw")))
        .andExpect(jsonPath("$[0].amountLimit").value("123.45"));
    mvc.perform(post("/jit/requests/" + JsonPath.read(mvc.perform(get("/jit/requests")
            .with(httpBasic("alice", "pw"))).andReturn().getResponse().getContentAsString(), "$[0].id")
            + "/withdraw").with(httpBasic("alice", "pw")))
        .andExpect(status().isOk());
    // As a double, 0.1000000000000000000001 would silently become 0.1; read exactly it has too many places.
    for (String bad : new String[] {"\"ten\"", "-5", "\"-5\"", "0", "\"0.00\"", "true", "[1]", "{}",
        "\"1e3\"", "\" \"", "0.1000000000000000000001", "1e40", "\"12.345678901234\""}) {
      expect400("{\"privilege\": \"payments.budget-refund\", \"justification\": \"" + JUSTIFICATION
          + "\", \"amountLimit\": " + bad + "}", "amountLimit");
    }
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));
    mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.budget-refund\", \"justification\": \""
            + JUSTIFICATION + "\", \"amountLimit\": 500.01}").with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/request-denied"))
        .andExpect(jsonPath("$.reasonCode").value("AMOUNT_EXCEEDS_MAX"));
    for (String field : new String[] {"amountUsed", "amountLeft"}) {
      mvc.perform(json(post("/jit/requests"), "{\"privilege\": \"payments.budget-refund\", \"" + field
              + "\": \"0\"}").with(httpBasic("alice", "pw")))
          .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value(field))
          .andExpect(jsonPath("$.detail", startsWith(field + " is set by JIT Guard")));
    }
  }

  @Test
  void amountLimitOnDryRunThenExplainsTheCap() throws Exception {
    mvc.perform(json(post("/jit/requests?dryRun=true"), "{\"privilege\": \"payments.budget-refund\", "
            + "\"justification\": \"" + JUSTIFICATION + "\", \"amountLimit\": 900}").with(httpBasic("alice", "pw")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.reasonCode").value("AMOUNT_EXCEEDS_MAX"));
  }

  @Test
  void meteredActionDeniedThenTokenAndAmountLimitRequestApprovalOfThatCallUpToATotal() throws Exception {
    String body = mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"4711\", \"amount\": 30.00}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("NO_GRANT"))
        .andExpect(jsonPath("$.amount").value("30.00"))
        .andExpect(jsonPath("$.action.preview").value("BudgetRefundService.refundOrder(4711)"))
        .andExpect(jsonPath("$.howToRequest.requiredFields[1]").value("actionToken"))
        .andExpect(jsonPath("$.howToRequest.maxAmount").value("500.00"))
        .andReturn().getResponse().getContentAsString();
    String token = JsonPath.read(body, "$.howToRequest.actionToken");
    String created = mvc.perform(json(post("/jit/requests"), "{\"actionToken\": \"" + token + "\", "
            + "\"justification\": \"" + JUSTIFICATION + "\", \"amountLimit\": \"50.00\", \"uses\": 5}").with(httpBasic("alice", "pw")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.request.amountLimit").value("50.00"))
        .andExpect(jsonPath("$.request.action.preview").value("BudgetRefundService.refundOrder(4711)"))
        .andReturn().getResponse().getContentAsString();
    approveAsBobFor(JsonPath.read(created, "$.request.id"));

    mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"4711\", \"amount\": 30.00}")
        .with(httpBasic("alice", "pw"))).andExpect(status().isOk());
    mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"4711\", \"amount\": 30.00}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("AMOUNT_EXCEEDED"))
        .andExpect(jsonPath("$.amount").value("30.00"))
        .andExpect(jsonPath("$.amountLeft").value("20.00"))
        .andExpect(jsonPath("$.amountLimit").value("50.00"));
    mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"4712\", \"amount\": 1}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("ACTION_MISMATCH"))
        .andExpect(jsonPath("$.amountLeft").doesNotExist());
    mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"4711\", \"amount\": \"20.00\"}")
        .with(httpBasic("alice", "pw"))).andExpect(status().isOk());
    org.assertj.core.api.Assertions.assertThat(budget.runs()).isEqualTo(2);
  }

  /**
   * An action argument with an unpaired surrogate has no canonical form: it used to answer 400 through the preview
   * check, or, past the preview's 2000 characters, a 403 offering approval of a digest shared with the same text
   * ending in '?'. Now both answer 400 naming the argument, and no digest is offered.
   */
  @Test
  void actionCallWithUnpairedSurrogateInAnArgumentThen400NamingTheArgumentAndNoDigestOffered() throws Exception {
    for (String order : new String[] {"47\\ud80011", "x".repeat(2500) + "\\ud800"}) {
      mvc.perform(json(post("/payments/order-refunds"), "{\"order\": \"" + order + "\", \"amount\": 30.00}")
              .with(httpBasic("alice", "pw")))
          .andExpect(status().isBadRequest())
          .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/invalid-input"))
          .andExpect(jsonPath("$.field").value("arguments"))
          .andExpect(jsonPath("$.detail", startsWith("argument 0 has an unpaired surrogate U+D800 at index ")))
          .andExpect(jsonPath("$.detail", containsString("pass valid UTF-16 text")))
          .andExpect(jsonPath("$.action").doesNotExist())
          .andExpect(jsonPath("$.howToRequest").doesNotExist());
    }
    org.assertj.core.api.Assertions.assertThat(budget.runs()).isZero();
  }

  private void approveAsBobFor(String requestId) throws Exception {
    mvc.perform(json(post("/jit/requests/" + requestId + "/approve"), "{\"comment\": \"ok\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.outcome").value("GRANTED"));
  }

  private void expect400(String body, String field) throws Exception {
    mvc.perform(json(post("/jit/requests"), body).with(httpBasic("alice", "pw")))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://jitguard.dev/problems/invalid-input"))
        .andExpect(jsonPath("$.field").value(field));
  }
}
