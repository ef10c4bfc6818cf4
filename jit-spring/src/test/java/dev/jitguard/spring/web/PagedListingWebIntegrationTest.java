package dev.jitguard.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/** The listings' {@code limit} and {@code cursor} parameters, through the full Spring MVC and Security stack. */
@SpringBootTest(classes = WebTestApplication.class)
@AutoConfigureMockMvc
@ActiveProfiles("webtest")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class PagedListingWebIntegrationTest {
  private static final int REQUESTS = 5;

  @Autowired
  MockMvc mvc;

  @Autowired
  PrivilegeGuard guard;

  private final List<String> ids = new ArrayList<>();

  @BeforeEach
  void requests() {
    for (int i = 0; i < REQUESTS; i++) {
      Decision d = guard.request(ElevationRequest.builder(Subject.of("support" + i, "support"),
          Privilege.of("payments.refund")).justification("INC-7: refund a double charge on order 4711").build());
      ids.add(((Decision.Pending) d).request().id().value());
    }
  }

  @Test
  void approvalsWhenLimitGivenThenPagesFollowTheNextCursorAndReturnEachRequestOnce() throws Exception {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 10; pages++) {
      MockHttpServletRequestBuilder b = get("/jit/approvals").param("limit", "2").with(httpBasic("bob", "pw"));
      MvcResult r = mvc.perform(cursor == null ? b : b.param("cursor", cursor)).andExpect(status().isOk())
          .andReturn();
      List<String> page = JsonPath.read(r.getResponse().getContentAsString(), "$[*].id");
      assertThat(page.size()).isLessThanOrEqualTo(2);
      seen.addAll(page);
      cursor = r.getResponse().getHeader(JitGuardController.NEXT_CURSOR);
      if (cursor == null) {
        assertThat(r.getResponse().getHeader("Link")).isNull();
        break;
      }
      assertThat(r.getResponse().getHeader("Link")).isEqualTo("</jit/approvals?limit=2&cursor=" + cursor
          + ">; rel=\"next\"");
    }

    // All made at the same instant (a test clock): oldest first, then by id.
    assertThat(seen).containsExactlyElementsOf(ids.stream().sorted().toList());
  }

  @Test
  void approvalsWithoutLimitThenEveryRequestAndNoCursor() throws Exception {
    mvc.perform(get("/jit/approvals").with(httpBasic("bob", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$", hasSize(REQUESTS)))
        .andExpect(header().doesNotExist(JitGuardController.NEXT_CURSOR));
  }

  @Test
  void listingWhenCursorOrLimitIsBadThen400NamingIt() throws Exception {
    mvc.perform(get("/jit/approvals").param("cursor", "not-a-cursor").with(httpBasic("bob", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("cursor"));
    String cursor = mvc.perform(get("/jit/approvals").param("limit", "1").with(httpBasic("bob", "pw")))
        .andReturn().getResponse().getHeader(JitGuardController.NEXT_CURSOR);
    mvc.perform(get("/jit/requests").param("cursor", cursor).with(httpBasic("alice", "pw")))
        .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("cursor"));
    for (String limit : List.of("0", "501", "-1", "ten", "")) {
      mvc.perform(get("/jit/grants").param("limit", limit).with(httpBasic("alice", "pw")))
          .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("limit"));
    }
    mvc.perform(get("/jit/reviews").param("limit", "3").with(httpBasic("bob", "pw"))).andExpect(status().isOk())
        .andExpect(jsonPath("$", hasSize(0)));
  }
}
