package dev.jitguard.approval;

import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.ElevationRequest;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.rule.PrivilegeRule;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack-compatible Block Kit messages for approvals: the message approvers see for a pending request (what approving
 * would grant, who asked, why, for how long, with approve/deny buttons carrying {@linkplain ActionLinks signed
 * links}), and the update that replaces it once the request is decided ("approved by bob via slack"). The result is
 * the JSON body for {@code chat.postMessage} / {@code chat.update} (add {@code channel} and {@code ts}) or an incoming
 * webhook.
 *
 * <p><b>User text cannot inject.</b> Everything the requester or an approver wrote (justification, ticket, comments,
 * ids) is escaped as Slack requires ({@code &}, {@code <}, {@code >} become {@code &amp;}, {@code &lt;},
 * {@code &gt;}), so it cannot form links ({@code <https://evil|click>}), mentions ({@code <!channel>},
 * {@code <@U123>}) or dates; every {@code @} is followed by a zero-width space, so {@code @channel} and
 * {@code @here} never notify anyone even where Slack links plain names; free text is shown in code blocks (with
 * backticks replaced by {@code ˋ}), so {@code *bold*} and {@code _italic_} stay literal and line breaks stay inside
 * the block instead of forging lines of the message; control and invisible (bidi, zero-width) characters become
 * visible {@code \}{@code uXXXX} escapes. Long text is cut to Slack's limits with a visible note.
 *
 * <p>Immutable and thread-safe.
 */
public final class SlackMessages {
  /** The {@code action_id} of the approve button. */
  public static final String APPROVE_ACTION_ID = "jitguard_approve";
  /** The {@code action_id} of the deny button. */
  public static final String DENY_ACTION_ID = "jitguard_deny";

  private static final int SECTION_LIMIT = 3000;
  private static final int FIELD_LIMIT = 2000;
  private static final int MAX_LISTED = 10;
  private static final String TRUNCATED = "\n… (truncated; the full text is in JIT Guard)";

  private final @Nullable ActionLinks links;
  private final @Nullable Function<RequestRecord, String> preview;

  private SlackMessages(Builder b) {
    this.links = b.links;
    this.preview = b.preview;
  }

  /**
   * Starts a builder. Without {@link Builder#withActionLinks links} the messages have no buttons and tell approvers
   * to decide in JIT Guard.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The message for approvers of a pending request.
   *
   * @param request the pending request
   * @param rule the rule that decides who may approve it (for the default duration)
   * @return the Block Kit JSON: {@code {"text": ..., "blocks": [...]}}
   */
  public String pendingRequest(RequestRecord request, PrivilegeRule rule) {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(rule, "rule cannot be null");
    ElevationRequest q = request.request();
    Duration duration = q.duration().orElse(rule.limits().defaultDuration());
    ObjectNode root = Json.object();
    root.put("text", "Access request from " + escape(request.requesterId()) + " for "
        + escape(request.privilege().name()) + (request.isBreakGlass() ? " (break-glass)" : ""));
    ArrayNode blocks = root.putArray("blocks");
    header(blocks, (request.isBreakGlass() ? "Break-glass used: " : "Access request: ") + request.privilege());

    List<String> fields = new ArrayList<>();
    fields.add("*Requester*\n" + code(request.requesterId()) + groups(q.subject().groups()));
    fields.add("*Privilege*\n" + code(request.privilege().name()));
    fields.add("*Duration*\n" + human(duration) + " (" + duration + ")");
    fields.add("*Starts*\n" + q.startAt().map(SlackMessages::date).orElse("when approved"));
    if (q.uses().isPresent()) {
      fields.add("*Uses*\nat most " + q.uses().getAsInt());
    }
    fields.add("*Approvals*\n" + request.approvals().size() + " of " + request.approvalsRequired()
        + (request.approverGroups().isEmpty() ? "" : " from " + list(request.approverGroups())));
    q.ticket().ifPresent(t -> fields.add("*Ticket*\n" + code(t)));
    fields.add("*Decide before*\n" + date(request.expiresAt()));
    ObjectNode section = blocks.addObject();
    section.put("type", "section");
    ArrayNode f = section.putArray("fields");
    for (String field : fields) {
      f.add(mrkdwn(field));
    }

    String what = preview != null ? preview.apply(request) : defaultPreview(request, duration);
    textSection(blocks, "*What approving grants*\n" + codeBlock(Objects.requireNonNull(what,
        "preview returned null"), SECTION_LIMIT - 40));
    textSection(blocks, "*Why*\n" + (q.justification().isBlank() ? "_no justification given_"
        : codeBlock(q.justification(), SECTION_LIMIT - 20)));

    if (links != null && request.status() == RequestStatus.PENDING) {
      ObjectNode actions = blocks.addObject();
      actions.put("type", "actions");
      actions.put("block_id", "jitguard_decision");
      ArrayNode elements = actions.putArray("elements");
      button(elements, APPROVE_ACTION_ID, "Approve", "primary", links.link(request, Verdict.APPROVE));
      button(elements, DENY_ACTION_ID, "Deny", "danger", links.link(request, Verdict.DENY));
    }
    context(blocks, "Request " + code(request.id().value()) + (links == null ? " · approve or deny it in JIT Guard"
        : " · the buttons ask you to sign in; you cannot approve your own request"));
    return Json.string(root);
  }

  /**
   * The update that replaces the approvers' message once the request moved on: who decided, through which channel
   * and how they were authenticated (when the channel said), and their comment. For a request still pending it shows
   * the approvals so far.
   *
   * @param request the request, usually in a final status
   * @return the Block Kit JSON, without buttons
   */
  public String decided(RequestRecord request) {
    Objects.requireNonNull(request, "request cannot be null");
    String who = request.decidedBy().map(SlackMessages::code).orElse("nobody");
    String what = code(request.privilege().name()) + " for " + code(request.requesterId());
    String headline = switch (request.status()) {
      case APPROVED -> ":white_check_mark: *Approved*: " + what + ", decided by " + who + via(request);
      case DENIED -> isPerson(request) ? ":no_entry: *Denied*: " + what + ", by " + who + via(request)
          : ":no_entry: *Denied*: " + what + " (" + request.decisionReason().map(Enum::name).orElse("DENIED")
              + ")";
      case WITHDRAWN -> ":leftwards_arrow_with_hook: *Withdrawn* by the requester: " + what;
      case EXPIRED -> ":hourglass: *Expired* before enough approvals: " + what;
      case PENDING -> ":hourglass_flowing_sand: *Pending*: " + what + ", " + request.approvals().size() + " of "
          + request.approvalsRequired() + " approvals";
    };
    ObjectNode root = Json.object();
    root.put("text", plainHeadline(request));
    ArrayNode blocks = root.putArray("blocks");
    textSection(blocks, headline);
    if (!request.approvals().isEmpty()) {
      List<String> ids = new ArrayList<>();
      request.approvals().forEach(a -> ids.add(a.approver()));
      textSection(blocks, "*Approved by*\n" + list(ids));
    }
    Optional<String> comment = request.decisionComment().filter(c -> !c.isBlank());
    comment.ifPresent(c -> textSection(blocks, "*Comment*\n" + codeBlock(c, SECTION_LIMIT - 20)));
    context(blocks, "Request " + code(request.id().value()) + " · no action needed any more");
    return Json.string(root);
  }

  /**
   * Escapes text for Slack mrkdwn outside code: {@code &}, {@code <} and {@code >} as entities, a zero-width space
   * after every {@code @}, control and invisible characters as visible escapes.
   *
   * @param text user text, possibly hostile
   * @return text that renders literally, without links or mentions
   */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    escapeInto(out, text, false, Integer.MAX_VALUE);
    return out.toString();
  }

  // ------------------------------------------------------------------------------------------------ pieces

  private static String defaultPreview(RequestRecord r, Duration duration) {
    ElevationRequest q = r.request();
    return r.requesterId() + " may use " + r.privilege() + " for " + human(duration)
        + q.startAt().map(s -> " starting at " + s).orElse(" from the approval")
        + (q.uses().isPresent() ? ", at most " + q.uses().getAsInt() + " time(s)" : "") + ".";
  }

  private static boolean isPerson(RequestRecord r) {
    return r.decidedBy().filter(by -> !by.equals("system") && !by.equals("policy")).isPresent()
        && !r.denials().isEmpty();
  }

  /** " via slack (sso-mfa)" when the deciding approver's channel said. */
  private static String via(RequestRecord r) {
    String by = r.decidedBy().orElse("");
    List<Approval> all = new ArrayList<>(r.approvals());
    all.addAll(r.denials());
    for (Approval a : all) {
      if (a.approver().equals(by) && a.context().isPresent()) {
        ApprovalContext c = a.context().get();
        return " via " + code(c.channel()) + " (authentication: " + code(c.authentication()) + ")";
      }
    }
    return "";
  }

  private static String plainHeadline(RequestRecord r) {
    String what = escape(r.privilege().name()) + " for " + escape(r.requesterId());
    return switch (r.status()) {
      case APPROVED -> "Approved: " + what + r.decidedBy().map(b -> " by " + escape(b)).orElse("");
      case DENIED -> "Denied: " + what + r.decidedBy().map(b -> " by " + escape(b)).orElse("");
      case WITHDRAWN -> "Withdrawn: " + what;
      case EXPIRED -> "Expired: " + what;
      case PENDING -> "Pending: " + what;
    };
  }

  private static void header(ArrayNode blocks, String text) {
    ObjectNode h = blocks.addObject();
    h.put("type", "header");
    ObjectNode t = h.putObject("text");
    t.put("type", "plain_text");
    t.put("text", text.length() > 150 ? text.substring(0, 149) + "…" : text);
    t.put("emoji", false);
  }

  private static void textSection(ArrayNode blocks, String mrkdwn) {
    ObjectNode s = blocks.addObject();
    s.put("type", "section");
    s.set("text", mrkdwn(mrkdwn));
  }

  private static void context(ArrayNode blocks, String mrkdwn) {
    ObjectNode c = blocks.addObject();
    c.put("type", "context");
    c.putArray("elements").add(mrkdwn(mrkdwn));
  }

  private static ObjectNode mrkdwn(String text) {
    ObjectNode t = Json.object();
    t.put("type", "mrkdwn");
    t.put("text", text);
    return t;
  }

  private static void button(ArrayNode elements, String actionId, String label, String style, URI link) {
    ObjectNode b = elements.addObject();
    b.put("type", "button");
    b.put("action_id", actionId);
    ObjectNode t = b.putObject("text");
    t.put("type", "plain_text");
    t.put("text", label);
    t.put("emoji", false);
    b.put("style", style);
    b.put("url", link.toString());
    ActionLinks.tokenOf(link).ifPresent(token -> b.put("value", token));
  }

  private static String groups(Collection<String> groups) {
    return groups.isEmpty() ? "" : "\ngroups: " + list(groups);
  }

  /** Up to ten values as inline code, then a count of the rest; never longer than a field allows. */
  private static String list(Collection<String> values) {
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (String v : values) {
      String item = (shown == 0 ? "" : ", ") + code(v);
      if (shown == MAX_LISTED || out.length() + item.length() > FIELD_LIMIT - 200) {
        return out.append(shown == 0 ? "" : ", ").append("and ").append(values.size() - shown).append(" more")
            .toString();
      }
      out.append(item);
      shown++;
    }
    return out.toString();
  }

  /** Inline code: one line, escaped, backticks replaced. */
  private static String code(String text) {
    if (text.isEmpty()) {
      return "(empty)";
    }
    StringBuilder out = new StringBuilder(text.length() + 8).append('`');
    escapeInto(out, text.replace('\n', ' ').replace('\r', ' '), true, 1600);
    return out.append('`').toString();
  }

  /** A code block: line breaks kept inside it, escaped, backticks replaced, cut to the limit. */
  private static String codeBlock(String text, int limit) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 16).append("```\n");
    escapeInto(out, text, true, limit - 8);
    return out.append("\n```").toString();
  }

  /** Escapes into {@code out}; if the result would pass {@code limit} characters, cuts it (never inside an escape). */
  private static void escapeInto(StringBuilder out, String text, boolean code, int limit) {
    String s = text.replace("\r\n", "\n").replace('\r', '\n');
    int budget = limit - TRUNCATED.length();
    StringBuilder full = new StringBuilder(Math.min(s.length(), limit) + 16);
    int cut = -1;
    for (int i = 0; i < s.length() && full.length() <= limit; ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      String piece = escapeCodePoint(cp, code);
      if (cut < 0 && full.length() + piece.length() > budget) {
        cut = full.length();
      }
      full.append(piece);
    }
    if (full.length() <= limit) {
      out.append(full);
    } else {
      out.append(full, 0, cut).append(TRUNCATED);
    }
  }

  private static String escapeCodePoint(int cp, boolean code) {
    int type = Character.getType(cp);
    if (cp == '&') {
      return "&amp;";
    } else if (cp == '<') {
      return "&lt;";
    } else if (cp == '>') {
      return "&gt;";
    } else if (cp == '@') {
      return "@\u200B";
    } else if (cp == '`' && code) {
      return "\u02CB";
    } else if (cp == '\n' || cp == '\t') {
      return String.valueOf((char) cp);
    } else if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
        || type == Character.SURROGATE) {
      return String.format(Locale.ROOT, "\\u%04x", cp);
    }
    return new String(Character.toChars(cp));
  }

  private static String date(Instant at) {
    return "<!date^" + at.getEpochSecond() + "^{date_short_pretty} at {time}|" + at.truncatedTo(ChronoUnit.SECONDS)
        + ">";
  }

  /** 90 minutes as "1 hour 30 minutes"; whole seconds only. */
  static String human(Duration d) {
    long s = d.getSeconds();
    long days = s / 86_400;
    long hours = (s % 86_400) / 3600;
    long minutes = (s % 3600) / 60;
    long seconds = s % 60;
    List<String> parts = new ArrayList<>();
    unit(parts, days, "day");
    unit(parts, hours, "hour");
    unit(parts, minutes, "minute");
    unit(parts, seconds, "second");
    return parts.isEmpty() ? d.toString() : String.join(" ", parts);
  }

  private static void unit(List<String> parts, long n, String name) {
    if (n > 0) {
      parts.add(n + " " + name + (n == 1 ? "" : "s"));
    }
  }

  /** Builds {@link SlackMessages}; each option may be set once. Not thread-safe. */
  public static final class Builder {
    private ActionLinks links;
    private Function<RequestRecord, String> preview;

    private Builder() {}

    /**
     * Adds approve/deny buttons with signed links.
     *
     * @param links the links
     * @return this builder
     */
    public Builder withActionLinks(ActionLinks links) {
      if (this.links != null) {
        throw new IllegalStateException("actionLinks was already set to " + this.links);
      }
      this.links = Objects.requireNonNull(links, "actionLinks cannot be null");
      return this;
    }

    /**
     * Replaces the built-in "what approving grants" text with a domain-specific one (for example the refund amount
     * and the order). The text is treated as untrusted and escaped like user text.
     *
     * @param preview renders the preview of a request; must not return null
     * @return this builder
     */
    public Builder withPreview(Function<RequestRecord, String> preview) {
      if (this.preview != null) {
        throw new IllegalStateException("preview was already set");
      }
      this.preview = Objects.requireNonNull(preview, "preview cannot be null");
      return this;
    }

    /** @return the messages */
    public SlackMessages build() {
      return new SlackMessages(this);
    }
  }
}
