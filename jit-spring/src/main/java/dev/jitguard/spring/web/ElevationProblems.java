package dev.jitguard.spring.web;

import dev.jitguard.Decision;
import dev.jitguard.DryRun;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantStatus;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.rule.PrivilegeRule;
import dev.jitguard.spi.ElevationPolicy;
import dev.jitguard.spring.SubjectResolver;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * Builds the RFC 9457 problem responses of JIT Guard. The 403 for a denied call carries what a client needs to act:
 *
 * <pre>{@code
 * HTTP/1.1 403
 * Content-Type: application/problem+json
 *
 * {"type": "https://jitguard.dev/problems/elevation-required", "title": "Elevation required", "status": 403,
 *  "detail": "No active elevation for 'payments.refund'.", "instance": "/payments/refunds",
 *  "privilege": "payments.refund", "reasonCode": "NO_GRANT",
 *  "hint": "Request an elevation for 'payments.refund' with a justification of at least 20 characters, ...",
 *  "eligible": true,
 *  "howToRequest": {"endpoint": "/jit/requests", "method": "POST",
 *                   "requiredFields": ["privilege", "justification"], "maxDuration": "PT1H"},
 *  "pendingRequestId": "7f3c..."}
 * }</pre>
 *
 * {@code eligible} comes from {@link PrivilegeGuard#dryRun} for the current subject; {@code howToRequest.endpoint}
 * only appears when the REST endpoints are enabled; {@code pendingRequestId} only when the subject already has a
 * pending request for the privilege.
 *
 * <p>For a metered call ({@code @RequiresElevation(amount = ...)}) the 403 also carries {@code amount}, what the call
 * would have spent (a string, exact), and for {@link ReasonCode#AMOUNT_EXCEEDED} {@code amountLeft} and
 * {@code amountLimit} of the subject's active metered grant for the call with the most left (read from the guard when
 * the response is built; absent if no such grant is left by then). {@code howToRequest.maxAmount} is the policy's
 * largest total for a metered privilege: the create-request endpoint takes {@code amountLimit} up to it.
 * Thread-safe.
 */
public final class ElevationProblems {
  /** Base of the problem type URIs. */
  public static final String TYPE_BASE = "https://jitguard.dev/problems/";

  private static final Logger LOG = LoggerFactory.getLogger(ElevationProblems.class);
  private static final Set<ReasonCode> NOT_ELIGIBLE = EnumSet.of(ReasonCode.UNKNOWN_PRIVILEGE,
      ReasonCode.NOT_ELIGIBLE, ReasonCode.EXPLICITLY_DENIED, ReasonCode.POLICY_FAILURE, ReasonCode.GUARD_CLOSED,
      ReasonCode.NO_SUBJECT);

  private final PrivilegeGuard guard;
  private final SubjectResolver subjects;
  private final @Nullable ElevationPolicy policy;
  private final @Nullable String requestEndpoint;
  private final @Nullable ActionTokens actionTokens;
  private final Clock clock;

  /**
   * Creates the builder.
   *
   * @param guard the guard (for the dry run and pending requests)
   * @param subjects who is calling
   * @param policy the policy (for required fields and the maximum duration), or null if unknown
   * @param requestEndpoint the path of the create-request endpoint, or null when the REST endpoints are off
   */
  public ElevationProblems(PrivilegeGuard guard, SubjectResolver subjects, @Nullable ElevationPolicy policy,
      @Nullable String requestEndpoint) {
    this(guard, subjects, policy, requestEndpoint, null);
  }

  /**
   * Creates the builder, with tokens for action denials.
   *
   * @param guard the guard (for the dry run and pending requests)
   * @param subjects who is calling
   * @param policy the policy (for required fields and the maximum duration), or null if unknown
   * @param requestEndpoint the path of the create-request endpoint, or null when the REST endpoints are off
   * @param actionTokens issues the {@code actionToken} of an action denial, or null
   */
  public ElevationProblems(PrivilegeGuard guard, SubjectResolver subjects, @Nullable ElevationPolicy policy,
      @Nullable String requestEndpoint, @Nullable ActionTokens actionTokens) {
    this(guard, subjects, policy, requestEndpoint, actionTokens, Clock.systemUTC());
  }

  /**
   * Creates the builder, with tokens for action denials and the guard's clock.
   *
   * @param guard the guard (for the dry run and pending requests)
   * @param subjects who is calling
   * @param policy the policy (for required fields and the maximum duration), or null if unknown
   * @param requestEndpoint the path of the create-request endpoint, or null when the REST endpoints are off
   * @param actionTokens issues the {@code actionToken} of an action denial, or null
   * @param clock the guard's clock (which grants are active when a metered denial is described)
   */
  public ElevationProblems(PrivilegeGuard guard, SubjectResolver subjects, @Nullable ElevationPolicy policy,
      @Nullable String requestEndpoint, @Nullable ActionTokens actionTokens, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    this.actionTokens = actionTokens;
    this.guard = Objects.requireNonNull(guard, "guard cannot be null");
    this.subjects = Objects.requireNonNull(subjects, "subjects cannot be null");
    this.policy = policy;
    this.requestEndpoint = requestEndpoint;
  }

  /** @return the action tokens, or null */
  public @Nullable ActionTokens actionTokens() {
    return actionTokens;
  }

  /**
   * The 403 response for a denied call.
   *
   * @param decision the denial
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> elevationRequired(Decision decision, @Nullable String instance) {
    return elevationRequired(decision, null, instance);
  }

  /**
   * The 403 response for a denied call; for an action call ({@code action = true}) it also carries {@code action}
   * (name, argumentDigest, the server-computed preview) and, in {@code howToRequest}, the {@code actionToken} to send
   * to the create-request endpoint to ask approval for exactly that call.
   *
   * @param decision the denial
   * @param action the denied call, or null for a time-bound elevation
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> elevationRequired(Decision decision,
      dev.jitguard.action.@Nullable ActionBinding action, @Nullable String instance) {
    return elevationRequired(decision, action, null, instance);
  }

  /**
   * The 403 response for a denied call; for an action call as above, and for a metered call
   * ({@code @RequiresElevation(amount = ...)}) with {@code amount} and, when the grant had too little left,
   * {@code amountLeft} and {@code amountLimit}.
   *
   * @param decision the denial
   * @param action the denied call, or null for a time-bound elevation
   * @param amount what the denied call would have spent, or null when it is not metered
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> elevationRequired(Decision decision,
      dev.jitguard.action.@Nullable ActionBinding action, @Nullable BigDecimal amount, @Nullable String instance) {
    Privilege privilege = decision.privilege();
    ProblemDetail p = problem(HttpStatus.FORBIDDEN, "elevation-required", "Elevation required", decision.message(),
        instance);
    p.setProperty("privilege", privilege.name());
    p.setProperty("reasonCode", decision.reason().name());
    p.setProperty("hint", decision.hint());
    Subject subject = currentSubject();
    if (amount != null) {
      p.setProperty("amount", amount.toPlainString());
      if (subject != null && decision.reason() == ReasonCode.AMOUNT_EXCEEDED) {
        Grant most = mostLeft(subject, privilege, action);
        if (most != null) {
          p.setProperty("amountLeft", most.amountLeft().orElseThrow().toPlainString());
          p.setProperty("amountLimit", most.amountLimit().orElseThrow().toPlainString());
        }
      }
    }
    boolean eligible = false;
    if (subject != null && decision.reason() != ReasonCode.NO_SUBJECT) {
      try {
        DryRun dry = guard.dryRun(ElevationRequest.builder(subject, privilege).build());
        eligible = !NOT_ELIGIBLE.contains(dry.reason());
      } catch (RuntimeException e) {
        LOG.warn("dry run failed while describing a denial of {}; reporting not eligible", privilege, e);
      }
    }
    p.setProperty("eligible", eligible);
    Map<String, Object> how = howToRequest(privilege);
    if (action != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("action", action.action());
      a.put("argumentDigest", action.argumentDigest());
      a.put("preview", action.preview());
      p.setProperty("action", a);
      if (subject != null && actionTokens != null) {
        @SuppressWarnings("unchecked")
        List<String> required = (List<String>) how.get("requiredFields");
        required.add(1, "actionToken");
        how.put("actionToken", actionTokens.issue(subject.id(), privilege, action));
      }
    }
    p.setProperty("howToRequest", how);
    if (subject != null) {
      try {
        for (RequestRecord r : guard.pendingRequests(subject)) {
          if (r.privilege().equals(privilege) && sameCall(r, action)) {
            p.setProperty("pendingRequestId", r.id().value());
            break;
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("listing pending requests failed while describing a denial of {}", privilege, e);
      }
    }
    return respond(p);
  }

  /**
   * What to send to get the privilege: endpoint and method (when the REST endpoints are on), the fields the
   * policy requires and the longest duration it grants.
   *
   * @param privilege the privilege
   * @return the description
   */
  public Map<String, Object> howToRequest(Privilege privilege) {
    Map<String, Object> how = new LinkedHashMap<>();
    if (requestEndpoint != null) {
      how.put("endpoint", requestEndpoint);
      how.put("method", "POST");
    }
    List<String> required = new ArrayList<>(List.of("privilege"));
    PrivilegeRule rule = null;
    if (policy != null) {
      try {
        rule = policy.ruleFor(privilege).orElse(null);
      } catch (RuntimeException e) {
        LOG.warn("policy failed while describing how to request {}", privilege, e);
      }
    }
    if (rule != null) {
      if (rule.limits().justificationRequired()) {
        required.add("justification");
      }
      if (rule.limits().ticketRequired()) {
        required.add("ticket");
      }
    }
    how.put("requiredFields", required);
    if (rule != null) {
      how.put("maxDuration", rule.limits().maxDuration().toString());
      rule.limits().maxAmount().ifPresent(max -> how.put("maxAmount", max.toPlainString()));
    }
    return how;
  }

  /**
   * The subject's active metered grant that could serve this call (same privilege; for an action call, the same
   * action and arguments) with the most left, or null.
   */
  private @Nullable Grant mostLeft(Subject subject, Privilege privilege,
      dev.jitguard.action.@Nullable ActionBinding action) {
    List<Grant> grants;
    try {
      grants = guard.activeGrants(subject);
    } catch (RuntimeException e) {
      LOG.warn("listing grants failed while describing a metered denial of {}", privilege, e);
      return null;
    }
    Instant now = clock.instant();
    Grant most = null;
    for (Grant g : grants) {
      if (!g.isMetered() || !g.privilege().equals(privilege) || g.statusAt(now) != GrantStatus.ACTIVE) {
        continue;
      }
      boolean serves = action == null ? !g.isActionBound()
          : g.action().filter(action.action()::equals).isPresent()
              && g.argumentDigest().filter(action.argumentDigest()::equals).isPresent();
      if (serves && (most == null
          || g.amountLeft().orElseThrow().compareTo(most.amountLeft().orElseThrow()) > 0)) {
        most = g;
      }
    }
    return most;
  }

  /**
   * The 403 response for a request the policy refused when it was made.
   *
   * @param decision the refusal
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> requestDenied(Decision decision, @Nullable String instance) {
    ProblemDetail p = problem(HttpStatus.FORBIDDEN, "request-denied", "Request denied", decision.message(), instance);
    p.setProperty("privilege", decision.privilege().name());
    p.setProperty("reasonCode", decision.reason().name());
    p.setProperty("hint", decision.hint());
    return respond(p);
  }

  /**
   * The response for a refused operation: 404 for {@link ReasonCode#NOT_PERMITTED} (the guard does not distinguish
   * an unknown id from one the caller may not act on, and neither does the status), 403 otherwise.
   *
   * @param e the refusal
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> operationRefused(OperationRefusedException e, @Nullable String instance) {
    boolean notFound = e.reason() == ReasonCode.NOT_PERMITTED;
    ProblemDetail p = problem(notFound ? HttpStatus.NOT_FOUND : HttpStatus.FORBIDDEN, "operation-refused",
        notFound ? "Not found" : "Operation refused", e.decision().message(), instance);
    p.setProperty("reasonCode", e.reason().name());
    p.setProperty("hint", e.decision().hint());
    return respond(p);
  }

  /**
   * The 400 response for bad input, naming the field.
   *
   * @param e the error
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> invalidInput(InvalidInputException e, @Nullable String instance) {
    ProblemDetail p = problem(HttpStatus.BAD_REQUEST, "invalid-input", "Invalid input", e.getMessage(), instance);
    p.setProperty("field", e.field());
    return respond(p);
  }

  /**
   * The 401 response when nobody is authenticated.
   *
   * @param instance the request path
   * @return the response
   */
  public ResponseEntity<ProblemDetail> unauthenticated(@Nullable String instance) {
    ProblemDetail p = problem(HttpStatus.UNAUTHORIZED, "unauthenticated", "Not authenticated",
        "Only an authenticated caller can request, approve or hold an elevation.", instance);
    p.setProperty("reasonCode", ReasonCode.NO_SUBJECT.name());
    return respond(p);
  }

  private static boolean sameCall(RequestRecord r, dev.jitguard.action.@Nullable ActionBinding action) {
    var pending = r.request().action();
    if (action == null) {
      return pending.isEmpty();
    }
    return pending.isPresent() && pending.get().action().equals(action.action())
        && pending.get().argumentDigest().equals(action.argumentDigest());
  }

  private @Nullable Subject currentSubject() {
    try {
      return subjects.currentSubject();
    } catch (RuntimeException e) {
      LOG.warn("the subject resolver failed while describing a denial", e);
      return null;
    }
  }

  private static ProblemDetail problem(HttpStatus status, String type, String title, @Nullable String detail,
      @Nullable String instance) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setType(URI.create(TYPE_BASE + type));
    p.setTitle(title);
    if (instance != null) {
      try {
        p.setInstance(URI.create(instance));
      } catch (IllegalArgumentException e) {
        // not a valid URI reference: leave instance out
      }
    }
    return p;
  }

  private static ResponseEntity<ProblemDetail> respond(ProblemDetail p) {
    return ResponseEntity.status(p.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
  }
}
