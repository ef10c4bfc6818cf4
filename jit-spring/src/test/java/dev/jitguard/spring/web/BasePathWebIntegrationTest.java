package dev.jitguard.spring.web;

import static org.hamcrest.Matchers.hasSize;
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
 * A non-default {@code jit.web.base-path}: the endpoints answer under it and only under it, and the 403 problem
 * response sends clients there.
 */
@SpringBootTest(classes = WebTestApplication.class, properties = "jit.web.base-path=" + BasePathWebIntegrationTest.BASE)
@AutoConfigureMockMvc
@ActiveProfiles("webtest")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class BasePathWebIntegrationTest {
  static final String BASE = "/admin/elevation";
  private static final String JUSTIFICATION = "INC-7: refund a double charge on order 4711";
  private static final String REQUEST = "{\"privilege\": \"payments.refund\", \"justification\": \"" + JUSTIFICATION
      + "\", \"duration\": \"PT30M\"}";

  @Autowired
  MockMvc mvc;

  private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder b, String body) {
    return b.contentType(MediaType.APPLICATION_JSON).content(body);
  }

  private MockHttpServletRequestBuilder refund(String user) {
    return json(post("/payments/refunds"), "{\"order\": \"4711\"}").with(httpBasic(user, "pw"));
  }

  private String requestAsAlice() throws Exception {
    String body = mvc.perform(json(post(BASE + "/requests"), REQUEST).with(httpBasic("alice", "pw")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.outcome").value("PENDING"))
        .andExpect(jsonPath("$.request.requester").value("alice"))
        .andReturn().getResponse().getContentAsString();
    return JsonPath.read(body, "$.request.id");
  }

  @Test
  void basePathWhenSetThenRequestListAndApproveAnswerUnderIt() throws Exception {
    String requestId = requestAsAlice();
    mvc.perform(get(BASE + "/requests").with(httpBasic("alice", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$", hasSize(1))).andExpect(jsonPath("$[0].id").value(requestId));
    mvc.perform(get(BASE + "/approvals").with(httpBasic("bob", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$[0].id").value(requestId));

    mvc.perform(json(post(BASE + "/requests/" + requestId + "/approve"), "{\"comment\": \"ok\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.outcome").value("GRANTED"))
        .andExpect(jsonPath("$.grant.subject").value("alice"))
        .andExpect(jsonPath("$.grant.status").value("ACTIVE"));
    mvc.perform(get(BASE + "/requests").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));
    mvc.perform(refund("alice")).andExpect(status().isOk()).andExpect(jsonPath("$.result").value("refunded 4711"));
  }

  @Test
  void basePathWhenSetThenDefaultPathAnswers404AndChangesNothing() throws Exception {
    mvc.perform(json(post("/jit/requests"), REQUEST).with(httpBasic("alice", "pw"))).andExpect(status().isNotFound());
    mvc.perform(get("/jit/requests").with(httpBasic("alice", "pw"))).andExpect(status().isNotFound());
    mvc.perform(get(BASE + "/requests").with(httpBasic("alice", "pw"))).andExpect(jsonPath("$", hasSize(0)));

    String requestId = requestAsAlice();
    mvc.perform(json(post("/jit/requests/" + requestId + "/approve"), "{\"comment\": \"ok\"}")
            .with(httpBasic("bob", "pw")))
        .andExpect(status().isNotFound());
    mvc.perform(get(BASE + "/requests").with(httpBasic("alice", "pw")))
        .andExpect(jsonPath("$[0].id").value(requestId)).andExpect(jsonPath("$[0].status").value("PENDING"));
    mvc.perform(refund("alice")).andExpect(status().isForbidden());
  }

  @Test
  void deniedCallWhenBasePathSetThenProblemPointsAtIt() throws Exception {
    mvc.perform(refund("alice"))
        .andExpect(status().isForbidden())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.reasonCode").value("NO_GRANT"))
        .andExpect(jsonPath("$.howToRequest.endpoint").value(BASE + "/requests"))
        .andExpect(jsonPath("$.howToRequest.method").value("POST"));
    mvc.perform(json(post(BASE + "/requests"), "{\"privilege\": \"payments.refund\", \"justification\": \"short\"}")
            .with(httpBasic("alice", "pw")))
        .andExpect(status().isForbidden())
        .andExpect(jsonPath("$.reasonCode").value("JUSTIFICATION_TOO_SHORT"))
        .andExpect(jsonPath("$.instance").value(BASE + "/requests"));
  }
}
