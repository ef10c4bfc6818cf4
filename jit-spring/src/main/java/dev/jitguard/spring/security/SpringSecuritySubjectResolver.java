package dev.jitguard.spring.security;

import dev.jitguard.InvalidInputException;
import dev.jitguard.Subject;
import dev.jitguard.spring.SubjectResolver;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

/**
 * The current subject from Spring Security: {@link Authentication#getName()} becomes the subject id and each
 * authority a group, with the first matching configured prefix removed ({@code ROLE_PAYMENTS-LEADS} becomes the group
 * {@code payments-leads}). Ids and groups are canonicalised by {@link Subject} (NFKC, lowercase with
 * {@code Locale.ROOT}).
 *
 * <p>Nobody (null) is returned for no authentication, an unauthenticated one, an anonymous one, and one whose name or
 * an authority is not a valid identifier (whitespace, control or invisible characters): failing closed is safer than
 * dropping a group that a deny rule might name. The mapping is cached per thread for the last
 * {@code Authentication} instance seen (by identity, weakly held), so the check on the hot path allocates nothing;
 * an {@code Authentication} whose authorities change in place is therefore seen with its old groups until it is
 * replaced (Spring Security's own tokens are immutable). Thread-safe.
 */
public final class SpringSecuritySubjectResolver implements SubjectResolver {
  private static final Logger LOG = LoggerFactory.getLogger(SpringSecuritySubjectResolver.class);

  private final List<String> stripPrefixes;
  private final @Nullable SecurityContextHolderStrategy strategy;
  private final AuthenticationTrustResolver trust = new AuthenticationTrustResolverImpl();
  private final ThreadLocal<Cache> cache = ThreadLocal.withInitial(Cache::new);

  /**
   * Creates the resolver.
   *
   * @param stripPrefixes authority prefixes removed before an authority becomes a group (first match wins)
   * @param strategy the security context holder strategy, or null for {@link SecurityContextHolder}'s current one
   */
  public SpringSecuritySubjectResolver(List<String> stripPrefixes, @Nullable SecurityContextHolderStrategy strategy) {
    this.stripPrefixes = List.copyOf(Objects.requireNonNull(stripPrefixes, "stripPrefixes cannot be null"));
    this.strategy = strategy;
  }

  @Override
  public @Nullable Subject currentSubject() {
    SecurityContextHolderStrategy s = strategy != null ? strategy : SecurityContextHolder.getContextHolderStrategy();
    Authentication authentication = s.getContext().getAuthentication();
    if (authentication == null || !authentication.isAuthenticated() || trust.isAnonymous(authentication)) {
      return null;
    }
    Cache c = cache.get();
    if (c.authentication.get() == authentication) {
      return c.subject;
    }
    Subject subject = toSubject(authentication);
    c.authentication = new WeakReference<>(authentication);
    c.subject = subject;
    return subject;
  }

  /**
   * Maps an authentication to a subject, without caching.
   *
   * @param authentication the authentication
   * @return the subject, or null if its name or an authority is not a valid identifier
   */
  public @Nullable Subject toSubject(Authentication authentication) {
    try {
      List<String> groups = new ArrayList<>();
      for (GrantedAuthority a : authentication.getAuthorities()) {
        String name = a.getAuthority();
        if (name == null || name.isEmpty()) {
          continue;
        }
        for (String prefix : stripPrefixes) {
          if (name.startsWith(prefix) && name.length() > prefix.length()) {
            name = name.substring(prefix.length());
            break;
          }
        }
        groups.add(name);
      }
      return Subject.builder(authentication.getName()).groups(groups).build();
    } catch (InvalidInputException e) {
      LOG.warn("the authenticated principal cannot be mapped to a JIT Guard subject ({}); treating the caller as "
          + "unauthenticated, so guarded calls are denied", e.getMessage());
      return null;
    }
  }

  private static final class Cache {
    WeakReference<Authentication> authentication = new WeakReference<>(null);
    @Nullable Subject subject;
  }
}
