package dev.jitguard.spring;

import dev.jitguard.Subject;
import org.jspecify.annotations.Nullable;

/**
 * Says who is calling right now. With Spring Security on the classpath the default reads the current
 * {@code Authentication} (its name becomes the subject id, its authorities the groups); declare a bean of this type to
 * replace it (a header set by a gateway, a service account, a test).
 *
 * <p><b>Contract.</b> Thread-safe and fast: it runs before every guarded call, on the calling thread. Return
 * {@code null} when there is nobody (anonymous, unauthenticated, or an identity that cannot be mapped): the call is
 * then denied with {@link dev.jitguard.ReasonCode#NO_SUBJECT}. It returns a nullable value rather than an
 * {@code Optional} so that the allow path allocates nothing. An exception is treated like {@code null} (denied).
 */
@FunctionalInterface
public interface SubjectResolver {

  /**
   * The current subject.
   *
   * @return the subject, or null if nobody is authenticated
   */
  @Nullable Subject currentSubject();

  /**
   * A resolver that never finds anybody: every guarded call is denied. The default when Spring Security is absent
   * and no resolver bean is declared.
   *
   * @return the resolver
   */
  static SubjectResolver none() {
    return () -> null;
  }
}
