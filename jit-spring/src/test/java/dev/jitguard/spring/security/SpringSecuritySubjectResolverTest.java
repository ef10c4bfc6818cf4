package dev.jitguard.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitguard.Subject;
import dev.jitguard.spring.Fixtures;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;

class SpringSecuritySubjectResolverTest {
  private final SpringSecuritySubjectResolver resolver = new SpringSecuritySubjectResolver(List.of("ROLE_", "SCOPE_"),
      null);

  @AfterEach
  void signOut() {
    Fixtures.signOut();
  }

  @Test
  void authenticatedUserThenNameIsIdAndAuthoritiesAreGroupsWithoutPrefix() {
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated("Alice",
        null, AuthorityUtils.createAuthorityList("ROLE_SUPPORT", "SCOPE_refunds", "audit-readers")));
    Subject s = resolver.currentSubject();
    assertThat(s).isNotNull();
    assertThat(s.id()).isEqualTo("alice");
    assertThat(s.groups()).containsExactlyInAnyOrder("support", "refunds", "audit-readers");
    assertThat(resolver.currentSubject()).as("cached per authentication").isSameAs(s);
  }

  @Test
  void noAnonymousOrUnauthenticatedThenNobody() {
    assertThat(resolver.currentSubject()).isNull();
    SecurityContextHolder.getContext().setAuthentication(new AnonymousAuthenticationToken("k", "anonymousUser",
        AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS")));
    assertThat(resolver.currentSubject()).isNull();
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.unauthenticated("alice",
        "pw"));
    assertThat(resolver.currentSubject()).isNull();
  }

  @Test
  void nameOrAuthorityNotAnIdentifierThenNobodyRatherThanAPartialSubject() {
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
        "alice smith", null, AuthorityUtils.NO_AUTHORITIES));
    assertThat(resolver.currentSubject()).isNull();
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated("alice",
        null, AuthorityUtils.createAuthorityList("ROLE_CONTRACTORS\u200B")));
    assertThat(resolver.currentSubject()).isNull();
  }

  @Test
  void newAuthenticationThenResolvedAgain() {
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated("alice",
        null, AuthorityUtils.createAuthorityList("ROLE_SUPPORT")));
    assertThat(resolver.currentSubject().id()).isEqualTo("alice");
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated("bob",
        null, AuthorityUtils.createAuthorityList("ROLE_PAYMENTS-LEADS")));
    assertThat(resolver.currentSubject().id()).isEqualTo("bob");
    assertThat(resolver.currentSubject().groups()).containsExactly("payments-leads");
  }
}
