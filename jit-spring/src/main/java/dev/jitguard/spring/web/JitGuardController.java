package dev.jitguard.spring.web;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.Page;
import dev.jitguard.PageRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.spring.SubjectResolver;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import tools.jackson.databind.JsonNode;

/**
 * JIT Guard's REST endpoints, under {@code jit.web.base-path} (default {@code /jit}); enabled with
 * {@code jit.web.enabled=true}.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>POST {base}/requests[?dryRun=true]</td><td>request an elevation (201), or explain what would happen
 *       (200); body: privilege, justification, ticket, duration, startAt, uses, amountLimit (a metered grant's
 *       total, a decimal string or number), actionToken (from the 403 of an action call: requests approval for
 *       exactly that call)</td></tr>
 *   <tr><td>GET {base}/requests[?limit=&amp;cursor=]</td><td>my pending requests</td></tr>
 *   <tr><td>GET {base}/grants[?limit=&amp;cursor=]</td><td>my active and scheduled grants</td></tr>
 *   <tr><td>GET {base}/approvals[?limit=&amp;cursor=]</td><td>requests I can approve</td></tr>
 *   <tr><td>POST {base}/requests/{id}/approve</td><td>body: comment, shortenTo</td></tr>
 *   <tr><td>POST {base}/requests/{id}/deny</td><td>body: comment</td></tr>
 *   <tr><td>POST {base}/requests/{id}/withdraw</td><td>no body</td></tr>
 *   <tr><td>POST {base}/requests/{id}/revoke</td><td>revokes every grant the request produced; body: reason</td></tr>
 *   <tr><td>POST {base}/grants/{id}/revoke</td><td>body: reason</td></tr>
 *   <tr><td>POST {base}/grants/{id}/extend</td><td>body: extension, reason</td></tr>
 *   <tr><td>GET {base}/reviews[?limit=&amp;cursor=]</td><td>break-glass uses I can review</td></tr>
 *   <tr><td>POST {base}/reviews/{id}</td><td>body: comment</td></tr>
 * </table>
 *
 * <p><b>Authorisation is decided here, per handler, by the guard</b>, not by URL patterns: every handler resolves the
 * current subject (401 if there is none) and the guard's single decision function says whether that subject may
 * approve, deny, revoke or extend (no self-approval on any path). URL rules in the application's security
 * configuration are an extra layer, never the only one. Request bodies accept only the listed fields: a server-owned
 * or unknown field is a 400 naming it.
 *
 * <p><b>Listings</b> (the four GETs) answer a JSON array. Without {@code limit} and {@code cursor} it holds every
 * item, as before. With {@code limit} (1 to {@value PageRequest#MAX_LIMIT}; {@value #DEFAULT_LIMIT} if only a
 * cursor is given) it holds one page, and when there is a next page the response says where it starts: header
 * {@value #NEXT_CURSOR} with the opaque cursor, and {@code Link: <...?limit=n&cursor=...>; rel="next"}. Pass the
 * cursor back unchanged; a bad limit or cursor is a 400 naming it.
 */
@RestController
@RequestMapping("${jit.web.base-path:/jit}")
public class JitGuardController {
  private static final List<String> REQUEST_FIELDS =
      List.of("privilege", "justification", "ticket", "duration", "startAt", "uses", "amountLimit", "actionToken");
  private static final int MAX_TEXT = 4000;
  /** The page size when a cursor is given without a limit. */
  static final int DEFAULT_LIMIT = 100;
  /** The response header that carries the next page's cursor. */
  public static final String NEXT_CURSOR = "JitGuard-Next-Cursor";

  private final PrivilegeGuard guard;
  private final SubjectResolver subjects;
  private final ElevationProblems problems;
  private final Clock clock;

  /**
   * Creates the controller.
   *
   * @param guard the guard
   * @param subjects who is calling
   * @param problems builds problem responses
   * @param clock the guard's clock (for grant status in views)
   */
  public JitGuardController(PrivilegeGuard guard, SubjectResolver subjects, ElevationProblems problems, Clock clock) {
    this.guard = Objects.requireNonNull(guard, "guard cannot be null");
    this.subjects = Objects.requireNonNull(subjects, "subjects cannot be null");
    this.problems = Objects.requireNonNull(problems, "problems cannot be null");
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
  }

  /**
   * Requests an elevation, or with {@code dryRun=true} explains what would happen without doing it.
   *
   * @param body privilege, justification, ticket, duration, startAt, uses, amountLimit, actionToken; numbers are
   *     read exactly
   * @param dryRun whether to only explain
   * @param http the request
   * @return 201 with the decision (granted or pending), 200 with the dry run, or 403 problem when denied
   */
  @PostMapping("/requests")
  public ResponseEntity<?> create(@RequestBody(required = false) JsonInput.@Nullable ExactJson body,
      @RequestParam(name = "dryRun", defaultValue = "false") boolean dryRun, HttpServletRequest http) {
    Subject subject = subject();
    JsonInput in = JsonInput.read(body == null ? null : body.tree(), REQUEST_FIELDS);
    String privilege = in.text("privilege", Privilege.MAX_LENGTH + 1);
    String actionToken = in.text("actionToken", 8192);
    ActionTokens.ActionCall call = null;
    if (actionToken != null) {
      ActionTokens tokens = problems.actionTokens();
      if (tokens == null) {
        throw new InvalidInputException("actionToken", "action tokens are not enabled on this server");
      }
      call = tokens.verify(actionToken, subject.id());
      if (privilege != null && !privilege.equals(call.privilege().name())) {
        throw new InvalidInputException("privilege", "privilege does not match the actionToken, which is for "
            + call.privilege().name());
      }
      privilege = call.privilege().name();
    }
    if (privilege == null) {
      throw new InvalidInputException("privilege", "privilege is required, for example \"payments.refund\"");
    }
    ElevationRequest.Builder b = ElevationRequest.builder(subject, privilege);
    if (call != null) {
      b.action(call.action()); // the server's binding and preview, never the client's
    }
    String justification = in.text("justification", MAX_TEXT);
    if (justification != null) {
      b.justification(justification);
    }
    String ticket = in.text("ticket", ElevationRequest.MAX_TICKET_LENGTH + 1);
    if (ticket != null) {
      b.ticket(ticket);
    }
    Duration duration = in.duration("duration");
    if (duration != null) {
      b.duration(duration);
    }
    Instant startAt = in.instant("startAt");
    if (startAt != null) {
      b.startAt(startAt);
    }
    Integer uses = in.integer("uses");
    if (uses != null) {
      b.uses(uses);
    }
    BigDecimal amountLimit = in.amount("amountLimit");
    if (amountLimit != null) {
      b.amountLimit(amountLimit);
    }
    ElevationRequest request = b.build();
    if (dryRun) {
      return ResponseEntity.ok(Views.dryRun(guard.dryRun(request)));
    }
    Decision d = guard.request(request);
    if (d instanceof Decision.Denied) {
      return problems.requestDenied(d, http.getRequestURI());
    }
    return ResponseEntity.status(HttpStatus.CREATED).body(Views.decision(d, clock.instant()));
  }

  /**
   * My pending requests, oldest first; all of them, or a page (see the class description).
   *
   * @param limit the page size, or null for all
   * @param cursor the previous page's next cursor, or null
   * @param http the request
   * @return the requests
   */
  @GetMapping("/requests")
  public ResponseEntity<List<Map<String, Object>>> myRequests(
      @RequestParam(name = "limit", required = false) @Nullable String limit,
      @RequestParam(name = "cursor", required = false) @Nullable String cursor, HttpServletRequest http) {
    Subject me = subject();
    return listing(limit, cursor, http, () -> guard.pendingRequests(me), p -> guard.pendingRequests(me, p),
        Views::request);
  }

  /**
   * My active and scheduled grants, soonest expiry first; all of them, or a page.
   *
   * @param limit the page size, or null for all
   * @param cursor the previous page's next cursor, or null
   * @param http the request
   * @return the grants
   */
  @GetMapping("/grants")
  public ResponseEntity<List<Map<String, Object>>> myGrants(
      @RequestParam(name = "limit", required = false) @Nullable String limit,
      @RequestParam(name = "cursor", required = false) @Nullable String cursor, HttpServletRequest http) {
    Subject me = subject();
    Instant now = clock.instant();
    return listing(limit, cursor, http, () -> guard.activeGrants(me), p -> guard.activeGrants(me, p),
        g -> Views.grant(g, now));
  }

  /**
   * Requests the caller may approve now, oldest first; all of them, or a page.
   *
   * @param limit the page size, or null for all
   * @param cursor the previous page's next cursor, or null
   * @param http the request
   * @return the requests
   */
  @GetMapping("/approvals")
  public ResponseEntity<List<Map<String, Object>>> approvals(
      @RequestParam(name = "limit", required = false) @Nullable String limit,
      @RequestParam(name = "cursor", required = false) @Nullable String cursor, HttpServletRequest http) {
    Subject me = subject();
    return listing(limit, cursor, http, () -> guard.pendingApprovals(me), p -> guard.pendingApprovals(me, p),
        Views::request);
  }

  /**
   * Approves a request.
   *
   * @param id the request id
   * @param body comment, shortenTo
   * @return the decision: granted, or pending if more approvals are needed
   */
  @PostMapping("/requests/{id}/approve")
  public Map<String, Object> approve(@PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body) {
    Subject approver = subject();
    RequestId requestId = RequestId.of(id);
    JsonInput in = JsonInput.read(body, List.of("comment", "shortenTo"));
    String comment = orEmpty(in.text("comment", MAX_TEXT));
    Duration shortenTo = in.duration("shortenTo");
    Decision d = shortenTo == null ? guard.approve(requestId, approver, comment)
        : guard.approve(requestId, approver, comment, shortenTo);
    return Views.decision(d, clock.instant());
  }

  /**
   * Denies a request.
   *
   * @param id the request id
   * @param body comment
   * @return the request
   */
  @PostMapping("/requests/{id}/deny")
  public Map<String, Object> deny(@PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body) {
    Subject approver = subject();
    RequestId requestId = RequestId.of(id);
    JsonInput in = JsonInput.read(body, List.of("comment"));
    return Views.request(guard.deny(requestId, approver, orEmpty(in.text("comment", MAX_TEXT))));
  }

  /**
   * Withdraws one's own pending request.
   *
   * @param id the request id
   * @param body must be empty or {@code {}}
   * @return the request
   */
  @PostMapping("/requests/{id}/withdraw")
  public Map<String, Object> withdraw(@PathVariable("id") String id,
      @RequestBody(required = false) @Nullable JsonNode body) {
    Subject requester = subject();
    RequestId requestId = RequestId.of(id);
    JsonInput.read(body, List.of());
    return Views.request(guard.withdraw(requestId, requester));
  }

  /**
   * Revokes every live grant a request produced (or ends it if still pending).
   *
   * @param id the request id
   * @param body reason
   * @return the grants revoked
   */
  @PostMapping("/requests/{id}/revoke")
  public List<Map<String, Object>> revokeRequest(@PathVariable("id") String id,
      @RequestBody(required = false) @Nullable JsonNode body) {
    Subject actor = subject();
    RequestId requestId = RequestId.of(id);
    JsonInput in = JsonInput.read(body, List.of("reason"));
    Instant now = clock.instant();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Grant g : guard.revokeRequest(requestId, actor, orEmpty(in.text("reason", MAX_TEXT)))) {
      out.add(Views.grant(g, now));
    }
    return out;
  }

  /**
   * Revokes a grant.
   *
   * @param id the grant id
   * @param body reason
   * @return the grant, now revoked
   */
  @PostMapping("/grants/{id}/revoke")
  public Map<String, Object> revoke(@PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body) {
    Subject actor = subject();
    GrantId grantId = GrantId.of(id);
    JsonInput in = JsonInput.read(body, List.of("reason"));
    return Views.grant(guard.revoke(grantId, actor, orEmpty(in.text("reason", MAX_TEXT))), clock.instant());
  }

  /**
   * Extends a grant, within the policy's cap.
   *
   * @param id the grant id
   * @param body extension (required), reason
   * @return the grant with its new expiry
   */
  @PostMapping("/grants/{id}/extend")
  public Map<String, Object> extend(@PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body) {
    Subject actor = subject();
    GrantId grantId = GrantId.of(id);
    JsonInput in = JsonInput.read(body, List.of("extension", "reason"));
    Duration extension = in.duration("extension");
    if (extension == null) {
      throw new InvalidInputException("extension", "extension is required, an ISO-8601 duration such as \"PT15M\"");
    }
    if (extension.isNegative() || extension.isZero()) {
      throw new InvalidInputException("extension", "extension must be positive, but was " + extension);
    }
    return Views.grant(guard.extend(grantId, actor, extension, orEmpty(in.text("reason", MAX_TEXT))),
        clock.instant());
  }

  /**
   * Break-glass uses the caller may review, oldest first; all of them, or a page.
   *
   * @param limit the page size, or null for all
   * @param cursor the previous page's next cursor, or null
   * @param http the request
   * @return the requests
   */
  @GetMapping("/reviews")
  public ResponseEntity<List<Map<String, Object>>> reviews(
      @RequestParam(name = "limit", required = false) @Nullable String limit,
      @RequestParam(name = "cursor", required = false) @Nullable String cursor, HttpServletRequest http) {
    Subject me = subject();
    return listing(limit, cursor, http, () -> guard.openReviews(me), p -> guard.openReviews(me, p),
        Views::request);
  }

  /**
   * Reviews a break-glass use.
   *
   * @param id the break-glass request id
   * @param body comment (required)
   * @return the request with its review
   */
  @PostMapping("/reviews/{id}")
  public Map<String, Object> review(@PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body) {
    Subject reviewer = subject();
    RequestId requestId = RequestId.of(id);
    JsonInput in = JsonInput.read(body, List.of("comment"));
    String comment = in.text("comment", MAX_TEXT);
    if (comment == null || comment.isBlank()) {
      throw new InvalidInputException("comment", "comment is required: say what the break-glass use did and "
          + "whether it was justified");
    }
    return Views.request(guard.review(requestId, reviewer, comment));
  }

  @ExceptionHandler(InvalidInputException.class)
  ResponseEntity<ProblemDetail> invalidInput(InvalidInputException e, HttpServletRequest http) {
    return problems.invalidInput(e, http.getRequestURI());
  }

  @ExceptionHandler(OperationRefusedException.class)
  ResponseEntity<ProblemDetail> refused(OperationRefusedException e, HttpServletRequest http) {
    return problems.operationRefused(e, http.getRequestURI());
  }

  @ExceptionHandler(NoSubjectException.class)
  ResponseEntity<ProblemDetail> unauthenticated(HttpServletRequest http) {
    return problems.unauthenticated(http.getRequestURI());
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpServletRequest http) {
    return problems.invalidInput(new InvalidInputException("body", "the request body is not valid JSON; send a JSON "
        + "object such as {\"privilege\": \"payments.refund\", \"justification\": \"...\"}"), http.getRequestURI());
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> mismatch(MethodArgumentTypeMismatchException e, HttpServletRequest http) {
    String name = JsonInput.printable(e.getName());
    return problems.invalidInput(new InvalidInputException(name, name + " has an invalid value; dryRun is true or "
        + "false"), http.getRequestURI());
  }

  private Subject subject() {
    Subject s;
    try {
      s = subjects.currentSubject();
    } catch (RuntimeException e) {
      throw new NoSubjectException();
    }
    if (s == null) {
      throw new NoSubjectException();
    }
    return s;
  }

  /** A listing: everything without limit and cursor, else one page with the next page's cursor in the headers. */
  private static <T> ResponseEntity<List<Map<String, Object>>> listing(@Nullable String limit,
      @Nullable String cursor, HttpServletRequest http, Supplier<List<T>> all, Function<PageRequest, Page<T>> paged,
      Function<T, Map<String, Object>> view) {
    if (limit == null && cursor == null) {
      return ResponseEntity.ok(all.get().stream().map(view).toList());
    }
    int n = limit == null ? DEFAULT_LIMIT : pageSize(limit);
    Page<T> page = paged.apply(cursor == null ? PageRequest.first(n) : PageRequest.after(cursor, n));
    ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
    page.nextCursor().ifPresent(next -> ok.header(NEXT_CURSOR, next)
        .header("Link", "<" + http.getRequestURI() + "?limit=" + n + "&cursor=" + next + ">; rel=\"next\""));
    return ok.body(page.items().stream().map(view).toList());
  }

  /** The limit parameter, parsed strictly. */
  private static int pageSize(String limit) {
    if (limit.length() > 4 || !limit.chars().allMatch(c -> c >= '0' && c <= '9') || limit.isEmpty()) {
      throw new InvalidInputException("limit", "limit must be a whole number between 1 and "
          + PageRequest.MAX_LIMIT + ", but was " + JsonInput.printable(limit) + "; ask for at most "
          + PageRequest.MAX_LIMIT + " items and follow the " + NEXT_CURSOR + " header for more");
    }
    return Integer.parseInt(limit);
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }

  /** Nobody is authenticated: 401. */
  static final class NoSubjectException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoSubjectException() {
      super("no authenticated subject", null, false, false);
    }
  }
}
