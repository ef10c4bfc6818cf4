package dev.jitguard.approval;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jitguard.ApprovalContext;
import dev.jitguard.Decision;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.internal.util.Text;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The decision endpoint; see {@link WebhookDecisionHandler} for the checks and their order. */
final class DefaultWebhookDecisionHandler implements WebhookDecisionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDecisionHandler.class);
  private static final Set<String> FIELDS = Set.of("requestId", "decision", "approver", "comment", "shortenTo",
      "channel", "authentication");
  private static final Set<String> APPROVER_FIELDS = Set.of("id", "groups");
  private static final int MAX_GROUPS = 256;

  private final PrivilegeGuard guard;
  private final SigningSecrets secrets;
  private final Duration tolerance;
  private final Clock clock;
  private final int maxBodyBytes;
  private final int replayCacheSize;
  private final @Nullable ActionLinks links;
  private final String defaultChannel;
  private final Cache<String, Boolean> seen;

  DefaultWebhookDecisionHandler(WebhookDecisionHandler.Builder b) {
    this.guard = b.guard;
    this.secrets = b.secrets;
    this.tolerance = b.tolerance != null ? b.tolerance : Duration.ofMinutes(5);
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.maxBodyBytes = b.maxBodyBytes != 0 ? b.maxBodyBytes : 16 * 1024;
    this.replayCacheSize = b.replayCacheSize != 0 ? b.replayCacheSize : 100_000;
    this.links = b.links;
    this.defaultChannel = b.defaultChannel != null ? b.defaultChannel : "webhook";
    // A timestamp is accepted while within the tolerance either side of the clock, so a (timestamp, body) pair can
    // be replayed for at most twice the tolerance: remember it that long, measured on the same clock.
    Clock c = this.clock;
    this.seen = Caffeine.newBuilder()
        .expireAfterWrite(tolerance.multipliedBy(2).plusSeconds(1))
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(c.millis()))
        .build();
  }

  @Override
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  @Override
  public Response handle(String method, Map<String, List<String>> headers, byte[] body) {
    Objects.requireNonNull(method, "method cannot be null");
    Objects.requireNonNull(headers, "headers cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    if (!method.equals("POST")) {
      return error(405, "method_not_allowed", "Decisions are POSTed; " + Text.quote(clip(method))
          + " is not accepted.");
    }
    if (body.length > maxBodyBytes) {
      return error(400, "body_too_large", String.format(Locale.ROOT,
          "The body must be at most %d bytes; a decision is a small JSON object.", maxBodyBytes));
    }
    String timestamp;
    String signature;
    try {
      timestamp = single(headers, WebhookApprovalChannel.HEADER_TIMESTAMP);
      signature = single(headers, WebhookApprovalChannel.HEADER_SIGNATURE);
    } catch (IllegalArgumentException e) {
      return error(401, "invalid_signature", e.getMessage());
    }
    WebhookSignature.Result result = WebhookSignature.verify(secrets, timestamp, signature, body, clock.instant(),
        tolerance);
    switch (result) {
      case VALID -> { }
      case STALE -> {
        return error(401, "stale_timestamp", "The " + WebhookApprovalChannel.HEADER_TIMESTAMP + " is more than "
            + tolerance + " away from this server's clock; sign again with the current time.");
      }
      case MISSING -> {
        return error(401, "invalid_signature", "The " + WebhookApprovalChannel.HEADER_TIMESTAMP + " and "
            + WebhookApprovalChannel.HEADER_SIGNATURE + " headers are required.");
      }
      case MALFORMED -> {
        return error(401, "invalid_signature", "The signature headers are malformed; send "
            + WebhookApprovalChannel.HEADER_TIMESTAMP + ": <Unix seconds> and "
            + WebhookApprovalChannel.HEADER_SIGNATURE + ": v1=<64 hex>.");
      }
      default -> {
        return error(401, "invalid_signature", "The signature does not match; check the shared secret and sign "
            + "timestamp + \".\" + the exact body bytes.");
      }
    }
    String key = timestamp.trim() + ":" + sha256(body);
    if (seen.estimatedSize() >= replayCacheSize) {
      seen.cleanUp();
      if (seen.estimatedSize() >= replayCacheSize) {
        LOG.warn("webhook replay cache is full ({} entries); refusing decisions until entries expire",
            replayCacheSize);
        return error(503, "busy", "Too many decisions in the replay window; retry later.");
      }
    }
    if (seen.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
      return error(409, "replayed", "This exact callback (timestamp and body) was already received; a retry must "
          + "be signed again with a fresh timestamp.");
    }
    ParsedDecision d;
    try {
      d = parse(body);
    } catch (BadRequest e) {
      return error(400, e.code, e.getMessage());
    }
    return decide(d.requestId, d.verdict, d.approver, d.comment, d.shortenTo, d.context);
  }

  @Override
  public Response handleLink(String token, Subject approver, ApprovalContext context, String comment) {
    Objects.requireNonNull(token, "token cannot be null");
    Objects.requireNonNull(approver, "approver cannot be null");
    Objects.requireNonNull(context, "context cannot be null");
    Objects.requireNonNull(comment, "comment cannot be null");
    if (links == null) {
      throw new IllegalStateException("this handler was built without links; call withActionLinks(..)");
    }
    ActionLinks.Verification v = links.verify(token);
    if (v instanceof ActionLinks.Invalid invalid) {
      ObjectNode n = Json.object();
      n.put("error", "invalid_link");
      n.put("problem", invalid.problem().name());
      n.put("message", switch (invalid.problem()) {
        case EXPIRED -> "The link has expired; open the request in JIT Guard instead.";
        case BAD_SIGNATURE -> "The link is not genuine (it was altered or signed with another secret).";
        case MALFORMED -> "The link is not a JIT Guard decision link.";
      });
      return new Response(401, Json.string(n));
    }
    ActionLinks.Valid valid = (ActionLinks.Valid) v;
    return decide(valid.requestId(), valid.verdict(), approver, comment, null, context);
  }

  // ------------------------------------------------------------------------------------------------ deciding

  private Response decide(RequestId requestId, Verdict verdict, Subject approver, String comment,
      @Nullable Duration shortenTo, ApprovalContext context) {
    try {
      if (verdict == Verdict.APPROVE) {
        Decision decision = guard.approve(requestId, approver, comment, shortenTo, context);
        ObjectNode n = Json.object();
        n.put("requestId", requestId.value());
        if (decision instanceof Decision.Granted g) {
          n.put("status", RequestStatus.APPROVED.name());
          n.put("reason", g.reason().name());
          n.put("grantId", g.grant().id().value());
          Json.put(n, "grantExpiresAt", g.grant().expiresAt());
        } else if (decision instanceof Decision.Pending p) {
          n.put("status", RequestStatus.PENDING.name());
          n.put("reason", p.reason().name());
          n.put("approvals", p.request().approvals().size());
          n.put("approvalsRequired", p.request().approvalsRequired());
        } else {
          n.put("status", "DENIED");
          n.put("reason", decision.reason().name());
        }
        n.put("message", decision.message());
        return new Response(200, Json.string(n));
      }
      RequestRecord r = guard.deny(requestId, approver, comment, context);
      ObjectNode n = Json.object();
      n.put("requestId", requestId.value());
      n.put("status", r.status().name());
      n.put("reason", ReasonCode.DENIED_BY_APPROVER.name());
      n.put("denials", r.denials().size());
      n.put("message", r.status() == RequestStatus.DENIED ? "Request " + requestId + " denied."
          : "Denial recorded; the request stays pending until the policy's deny threshold is reached.");
      return new Response(200, Json.string(n));
    } catch (OperationRefusedException e) {
      ObjectNode n = Json.object();
      n.put("error", "refused");
      n.put("reason", e.reason().name());
      n.put("message", e.decision().message());
      n.put("hint", e.decision().hint());
      return new Response(statusFor(e.reason()), Json.string(n));
    } catch (InvalidInputException e) {
      return error(400, "invalid_field", e.getMessage(), e.field());
    } catch (RuntimeException e) {
      LOG.error("deciding request {} from a webhook failed unexpectedly", requestId, e);
      return error(500, "internal_error", "The decision could not be processed; nothing was changed. Retry.");
    }
  }

  static int statusFor(ReasonCode reason) {
    return switch (reason) {
      case SELF_APPROVAL, NOT_PERMITTED, EXPLICITLY_DENIED -> 403;
      case ALREADY_APPROVED, REQUEST_NOT_PENDING, REQUEST_EXPIRED -> 409;
      case COMMENT_REQUIRED, DURATION_EXCEEDS_MAX -> 422;
      case POLICY_FAILURE, STORE_FAILURE, AUDIT_FAILURE, APPROVAL_FAILURE, GUARD_CLOSED -> 503;
      default -> 403;
    };
  }

  // ------------------------------------------------------------------------------------------------ parsing

  private record ParsedDecision(RequestId requestId, Verdict verdict, Subject approver, String comment,
      @Nullable Duration shortenTo, ApprovalContext context) {}

  /** A 400 with its error code; the message names the field and never echoes more than a clipped, quoted value. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private ParsedDecision parse(byte[] body) throws BadRequest {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new BadRequest("malformed_json", "The body is not one valid JSON document"
          + (e.getLocation() != null ? String.format(Locale.ROOT, " (problem at line %d, column %d)",
              e.getLocation().getLineNr(), e.getLocation().getColumnNr()) : "")
          + "; duplicate fields and trailing content are rejected.");
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("malformed_json", "The body must be a JSON object.");
    }
    onlyKnown(root, FIELDS, "");
    String id = requiredString(root, "requestId");
    RequestId requestId;
    try {
      requestId = RequestId.of(id);
    } catch (InvalidInputException e) {
      throw new BadRequest("invalid_field", "requestId must be 32 lowercase hex characters, as sent in the event.");
    }
    String verdictName = requiredString(root, "decision");
    Verdict verdict = Verdict.parse(verdictName).orElseThrow(() -> new BadRequest("invalid_field",
        "decision must be \"approve\" or \"deny\", but was " + Text.quote(clip(verdictName)) + "."));
    JsonNode approverNode = root.get("approver");
    if (approverNode == null || approverNode.isNull()) {
      throw new BadRequest("missing_field", "approver is required: {\"id\": ..., \"groups\": [...]}.");
    }
    if (!approverNode.isObject()) {
      throw new BadRequest("invalid_field", "approver must be an object {\"id\": ..., \"groups\": [...]}.");
    }
    onlyKnown(approverNode, APPROVER_FIELDS, "approver.");
    String approverId = requiredString(approverNode, "id", "approver.id");
    List<String> groups = new ArrayList<>();
    JsonNode groupsNode = approverNode.get("groups");
    if (groupsNode != null && !groupsNode.isNull()) {
      if (!groupsNode.isArray() || groupsNode.size() > MAX_GROUPS) {
        throw new BadRequest("invalid_field", "approver.groups must be an array of at most " + MAX_GROUPS
            + " strings.");
      }
      for (JsonNode g : groupsNode) {
        if (!g.isString()) {
          throw new BadRequest("invalid_field", "approver.groups must contain only strings.");
        }
        groups.add(g.stringValue());
      }
    }
    Subject approver;
    try {
      approver = Subject.builder(approverId).groups(groups).build();
    } catch (InvalidInputException e) {
      throw new BadRequest("invalid_field", e.getMessage());
    }
    String comment = optionalString(root, "comment");
    if (comment == null) {
      comment = "";
    }
    Duration shortenTo = null;
    String shorten = optionalString(root, "shortenTo");
    if (shorten != null) {
      if (verdict != Verdict.APPROVE) {
        throw new BadRequest("invalid_field", "shortenTo applies only to \"approve\".");
      }
      try {
        shortenTo = Duration.parse(shorten);
      } catch (DateTimeParseException e) {
        throw new BadRequest("invalid_field", "shortenTo must be an ISO-8601 duration such as \"PT15M\", but was "
            + Text.quote(clip(shorten)) + ".");
      }
      if (shortenTo.isNegative() || shortenTo.isZero()) {
        throw new BadRequest("invalid_field", "shortenTo must be positive, but was " + shortenTo
            + "; to refuse the request, deny it.");
      }
    }
    String channel = optionalString(root, "channel");
    String authentication = optionalString(root, "authentication");
    ApprovalContext context;
    try {
      context = ApprovalContext.of(channel != null ? channel : defaultChannel,
          authentication != null ? authentication : ApprovalContext.UNSPECIFIED);
    } catch (InvalidInputException e) {
      throw new BadRequest("invalid_field", e.getMessage());
    }
    return new ParsedDecision(requestId, verdict, approver, comment, shortenTo, context);
  }

  private static void onlyKnown(JsonNode node, Set<String> allowed, String prefix) throws BadRequest {
    for (String name : node.propertyNames()) {
      if (!allowed.contains(name)) {
        throw new BadRequest("unknown_field", "Unknown field " + Text.quote(prefix + clip(name)) + "; the fields "
            + "are " + new TreeSet<>(allowed).stream().map(f -> prefix + f).toList() + ".");
      }
    }
  }

  private static String requiredString(JsonNode node, String field) throws BadRequest {
    return requiredString(node, field, field);
  }

  private static String requiredString(JsonNode node, String field, String path) throws BadRequest {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new BadRequest("missing_field", path + " is required.");
    }
    if (!v.isString()) {
      throw new BadRequest("invalid_field", path + " must be a string.");
    }
    return v.stringValue();
  }

  private static @Nullable String optionalString(JsonNode node, String field) throws BadRequest {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isString()) {
      throw new BadRequest("invalid_field", field + " must be a string.");
    }
    return v.stringValue();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** The one value of a header, or null; several values are refused (a proxy may have merged two requests). */
  private static @Nullable String single(Map<String, List<String>> headers, String name) {
    String found = null;
    int count = 0;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null) {
        for (String v : e.getValue()) {
          found = v;
          count++;
        }
      }
    }
    if (count > 1) {
      throw new IllegalArgumentException("The " + name + " header must appear once.");
    }
    return found;
  }

  private static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  private static Response error(int status, String code, String message) {
    return error(status, code, message, null);
  }

  private static Response error(int status, String code, String message, @Nullable String field) {
    ObjectNode n = Json.object();
    n.put("error", code);
    n.put("message", message);
    if (field != null) {
      n.put("field", field);
    }
    return new Response(status, Json.string(n));
  }
}
