package dev.jitguard.spring.actuate;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.jitguard.Grant;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.spring.Fixtures;
import dev.jitguard.spring.web.WebTestApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;

/** With write access allowed, revocation through the actuator endpoint goes through the guard's rules. */
@SpringBootTest(classes = WebTestApplication.class, properties = "management.endpoint.jitguard.access=UNRESTRICTED")
@AutoConfigureMockMvc
@ActiveProfiles("webtest")
class JitGuardEndpointWriteTest {
  @Autowired
  MockMvc mvc;

  @Autowired
  PrivilegeGuard guard;

  @Test
  void revokeWhenAllowedThenOnlyThoseTheGuardPermitsMayRevoke() throws Exception {
    Grant g = grantAlice();
    mvc.perform(post("/actuator/jitguard/" + g.id()).contentType(MediaType.APPLICATION_JSON)
            .content("{\"reason\": \"offboarding\"}").with(httpBasic("erin", "pw")))
        .andExpect(status().isBadRequest());
    mvc.perform(post("/actuator/jitguard/" + g.id()).contentType(MediaType.APPLICATION_JSON)
            .content("{\"reason\": \"offboarding\"}").with(httpBasic("carol", "pw")))
        .andExpect(status().isOk()).andExpect(jsonPath("$.status").value("REVOKED"));
  }

  private Grant grantAlice() {
    var d = guard.request(dev.jitguard.ElevationRequest.builder(dev.jitguard.Subject.of("alice", "support"),
        "payments.refund").justification("INC-7: refund a double charge on order 4711").build());
    var p = (dev.jitguard.Decision.Pending) d;
    return ((dev.jitguard.Decision.Granted) guard.approve(p.request().id(),
        dev.jitguard.Subject.of("bob", "payments-leads"), "ok")).grant();
  }
}
