package dev.jitguard.spring;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.Grant;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.Subject;
import dev.jitguard.Amounts;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programmatic guard, for code that a proxy cannot intercept: calls from inside the same bean
 * (self-invocation), objects created with {@code new}, lambdas. It resolves the current subject like the
 * {@code @RequiresElevation} interceptor does and asks the same guard.
 *
 * <pre>{@code
 * public void refundAll(List<Order> orders) {
 *   checks.require("payments.refund");       // this.refund(..) below would bypass the proxy
 *   orders.forEach(o -> this.refund(o));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ElevationChecks {
  private static final Logger LOG = LoggerFactory.getLogger(ElevationChecks.class);

  private final PrivilegeGuard guard;
  private final SubjectResolver subjects;
  private final ElevationCheckListener listener;
  private final ConcurrentHashMap<String, Privilege> privileges = new ConcurrentHashMap<>();

  /**
   * Creates the programmatic guard.
   *
   * @param guard the guard
   * @param subjects who is calling
   * @param listener told of each decision
   */
  public ElevationChecks(PrivilegeGuard guard, SubjectResolver subjects, ElevationCheckListener listener) {
    this.guard = Objects.requireNonNull(guard, "guard cannot be null");
    this.subjects = Objects.requireNonNull(subjects, "subjects cannot be null");
    this.listener = Objects.requireNonNull(listener, "listener cannot be null");
  }

  /**
   * Decides whether the current subject may use the privilege now.
   *
   * @param privilege the privilege name, for example {@code payments.refund}
   * @return granted, or denied (with {@link ReasonCode#NO_SUBJECT} when nobody is authenticated)
   * @throws dev.jitguard.InvalidInputException if the name is malformed
   */
  public Decision check(String privilege) {
    return check(privilege(privilege));
  }

  /**
   * Decides whether the current subject may use the privilege now.
   *
   * @param privilege the privilege
   * @return granted, or denied
   */
  public Decision check(Privilege privilege) {
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Subject subject = resolve(subjects);
    Decision d = subject == null ? noSubject(privilege) : guard.check(subject, privilege);
    notify(listener, privilege, d);
    return d;
  }

  /**
   * Like {@link #check(String)} but throws on denial.
   *
   * @param privilege the privilege name
   * @return the grant that allows the call
   * @throws ElevationRequiredException carrying the denial
   */
  public Grant require(String privilege) {
    return require(privilege(privilege));
  }

  /**
   * Like {@link #check(Privilege)} but throws on denial.
   *
   * @param privilege the privilege
   * @return the grant that allows the call
   * @throws ElevationRequiredException carrying the denial
   */
  public Grant require(Privilege privilege) {
    Decision d = check(privilege);
    if (d instanceof Decision.Granted g) {
      return g.grant();
    }
    throw new ElevationRequiredException(d);
  }

  /**
   * Decides whether the current subject may make a call that spends {@code amount} of a metered privilege, and counts
   * it if so (see {@link PrivilegeGuard#check(Subject, Privilege, BigDecimal)}).
   *
   * @param privilege the privilege name
   * @param amount what the call spends: zero or positive
   * @return granted (the amount counted), or denied
   * @throws dev.jitguard.InvalidInputException if the name is malformed or the amount null, negative or out of range
   */
  public Decision check(String privilege, BigDecimal amount) {
    return check(privilege(privilege), amount);
  }

  /**
   * Like {@link #check(String, BigDecimal)}.
   *
   * @param privilege the privilege
   * @param amount what the call spends: zero or positive
   * @return granted (the amount counted), or denied
   * @throws dev.jitguard.InvalidInputException if the amount is null, negative or out of range
   */
  public Decision check(Privilege privilege, BigDecimal amount) {
    Objects.requireNonNull(privilege, "privilege cannot be null");
    Amounts.callAmount("amount", amount); // refused whoever calls, before anything is asked or counted
    Subject subject = resolve(subjects);
    Decision d = subject == null ? noSubject(privilege) : guard.check(subject, privilege, amount);
    notify(listener, privilege, d);
    return d;
  }

  /**
   * Like {@link #check(String, BigDecimal)} but throws on denial.
   *
   * @param privilege the privilege name
   * @param amount what the call spends
   * @return the grant that allows the call, with the amount counted
   * @throws ElevationRequiredException carrying the denial
   */
  public Grant require(String privilege, BigDecimal amount) {
    Decision d = check(privilege, amount);
    if (d instanceof Decision.Granted g) {
      return g.grant();
    }
    throw new ElevationRequiredException(d);
  }

  /**
   * The current subject, as the guard sees it.
   *
   * @return the subject, or empty when nobody is authenticated
   */
  public Optional<Subject> currentSubject() {
    return Optional.ofNullable(resolve(subjects));
  }

  private Privilege privilege(String name) {
    Objects.requireNonNull(name, "privilege cannot be null");
    Privilege p = privileges.get(name);
    if (p == null) {
      p = Privilege.of(name);
      if (privileges.size() < 10_000) {
        privileges.putIfAbsent(name, p);
      }
    }
    return p;
  }

  /**
   * The denial for a call with nobody authenticated.
   *
   * @param privilege the privilege that was required
   * @return the denial, with {@link ReasonCode#NO_SUBJECT}
   */
  public static Decision.Denied noSubject(Privilege privilege) {
    return new Decision.Denied(privilege, ReasonCode.NO_SUBJECT,
        "No authenticated subject: '" + privilege + "' needs an elevation, and only an authenticated caller can "
            + "hold one.",
        "Sign in, then request an elevation for '" + privilege + "'.");
  }

  /**
   * Resolves the subject, turning a failing resolver into "nobody" (fail closed).
   *
   * @param subjects the resolver
   * @return the subject or null
   */
  private static @Nullable Subject resolve(SubjectResolver subjects) {
    try {
      return subjects.currentSubject();
    } catch (RuntimeException e) {
      LOG.warn("the subject resolver failed; treating the caller as unauthenticated (denied)", e);
      return null;
    }
  }

  private static void notify(ElevationCheckListener listener, Privilege privilege, Decision d) {
    try {
      listener.onCheck(privilege, d);
    } catch (RuntimeException e) {
      LOG.warn("an elevation check listener failed; the decision stands", e);
    }
  }
}
