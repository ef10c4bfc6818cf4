package dev.jitguard.audit;

import dev.jitguard.event.AuditEvent;
import dev.jitguard.InvalidInputException;
import dev.jitguard.Privilege;
import dev.jitguard.internal.util.Ids;
import dev.jitguard.internal.util.Text;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JsonGenerator;

/**
 * The story of one request or grant, from the audit events: requested, approved by whom, granted, used, extended,
 * revoked or expired. Built from any events (for example {@link AuditLogReader#readEvents(java.nio.file.Path...)}); rendered as plain
 * text for people and as JSON for tools. Every piece of user text (subject, actor, justification, comment, detail
 * values) is quoted and escaped to printable ASCII in the text form and JSON-escaped (ASCII only) in the JSON form, so
 * a hostile justification cannot forge a line of the timeline or hide behind terminal escapes.
 *
 * <pre>
 * Timeline of request 5f1c... for "alice", privilege db.prod.write (4 events)
 * 2026-11-23T09:00:00Z  requested by "alice" (ticket="INC-2041"): "order 4711 stuck in PAYING"
 * 2026-11-23T09:05:00Z  approved by "bob" (APPROVED)
 * 2026-11-23T09:05:00Z  granted 9a0e... by "bob" (expires_at="2026-11-23T09:35:00Z")
 * 2026-11-23T09:35:00Z  expired
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class AuditTimeline {
  /** What the id names. */
  public enum Kind {
    /** A request id. */
    REQUEST,
    /** A grant id. */
    GRANT
  }

  /**
   * One step.
   *
   * @param event the event
   * @param summary what happened, in words, with user text quoted and escaped (printable ASCII)
   */
  public record Entry(AuditEvent event, String summary) {
    /**
     * Checks the fields.
     *
     * @param event see the record description
     * @param summary see the record description
     */
    public Entry {
      Objects.requireNonNull(event, "event cannot be null");
      Objects.requireNonNull(summary, "summary cannot be null");
    }
  }

  private final String id;
  private final Kind kind;
  private final List<Entry> entries;

  private AuditTimeline(String id, Kind kind, List<Entry> entries) {
    this.id = id;
    this.kind = kind;
    this.entries = List.copyOf(entries);
  }

  /**
   * Selects the events of one request or grant: those that name it, and those of the grants it produced (for a
   * request) or of the request it came from (for a grant), in the order given.
   *
   * @param events the events, oldest first
   * @param id a request id or grant id (32 lowercase hex characters)
   * @return the timeline; empty if no event names the id
   * @throws InvalidInputException if the id is malformed
   */
  public static AuditTimeline of(Collection<AuditEvent> events, String id) {
    Objects.requireNonNull(events, "events cannot be null");
    Objects.requireNonNull(id, "id cannot be null");
    if (!Ids.isValid(id)) {
      throw new InvalidInputException("id", "id " + Text.quote(id.length() > 64 ? id.substring(0, 64) + "..." : id)
          + " is not a request or grant id; ids are 32 lowercase hex characters");
    }
    Kind kind = Kind.GRANT;
    for (AuditEvent e : events) {
      if (e.requestId().isPresent() && e.requestId().get().value().equals(id)) {
        kind = Kind.REQUEST;
        break;
      }
    }
    // Requests and grants that belong together: close over events that name both.
    Set<String> ids = new HashSet<>();
    ids.add(id);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (AuditEvent e : events) {
        String r = e.requestId().map(x -> x.value()).orElse(null);
        String g = e.grantId().map(x -> x.value()).orElse(null);
        if (r != null && g != null && (ids.contains(r) || ids.contains(g))) {
          grew |= ids.add(r);
          grew |= ids.add(g);
        }
      }
    }
    List<Entry> out = new ArrayList<>();
    for (AuditEvent e : events) {
      boolean mine = e.requestId().map(x -> ids.contains(x.value())).orElse(false)
          || e.grantId().map(x -> ids.contains(x.value())).orElse(false);
      if (mine) {
        out.add(new Entry(e, summarize(e)));
      }
    }
    return new AuditTimeline(id, kind, out);
  }

  /** @return the id the timeline is about */
  public String id() {
    return id;
  }

  /** @return whether the id is a request's or a grant's */
  public Kind kind() {
    return kind;
  }

  /** @return the steps, in log order */
  public List<Entry> entries() {
    return entries;
  }

  /** @return the subject the events are about, from the first event that names one */
  public Optional<String> subject() {
    return entries.stream().flatMap(e -> e.event().subject().stream()).findFirst();
  }

  /** @return the privilege, from the first event that names one */
  public Optional<Privilege> privilege() {
    return entries.stream().flatMap(e -> e.event().privilege().stream()).findFirst();
  }

  /**
   * The timeline as text: a heading, then one line per step, {@code time  summary}. Printable ASCII only; every line
   * ends with a line feed.
   *
   * @return the text
   */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("Timeline of ").append(kind.name().toLowerCase(Locale.ROOT)).append(' ').append(id);
    subject().ifPresent(s -> out.append(" for ").append(Text.quote(s)));
    privilege().ifPresent(p -> out.append(", privilege ").append(p.name()));
    out.append(" (").append(entries.size()).append(entries.size() == 1 ? " event)" : " events)").append('\n');
    if (entries.isEmpty()) {
      out.append("no event names this id\n");
    }
    for (Entry e : entries) {
      out.append(e.event().time()).append("  ").append(e.summary()).append('\n');
    }
    return out.toString();
  }

  /**
   * The timeline as one JSON object: {@code {"v":1,"kind":"request","id":..,"subject":..,"privilege":..,
   * "entries":[{"summary":..,"event":{...}}]}}, each event in the audit schema (without chain fields). ASCII only.
   *
   * @return the JSON, without a trailing line feed
   */
  public String toJson() {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = AuditJson.generator(out)) {
      write(g);
    }
    return out.toString();
  }

  /** Writes the timeline object into an open generator. */
  void write(JsonGenerator g) {
    g.writeStartObject();
    g.writeNumberProperty("v", AuditJson.VERSION);
    g.writeStringProperty("kind", kind.name().toLowerCase(Locale.ROOT));
    g.writeStringProperty("id", id);
    subject().ifPresent(s -> g.writeStringProperty("subject", s));
    privilege().ifPresent(p -> g.writeStringProperty("privilege", p.name()));
    g.writeName("entries");
    g.writeStartArray();
    for (Entry e : entries) {
      g.writeStartObject();
      g.writeStringProperty("summary", e.summary());
      g.writeName("event");
      g.writeStartObject();
      g.writeNumberProperty("v", AuditJson.VERSION);
      AuditJsonWriter.writeEventFields(g, e.event());
      g.writeEndObject();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static String summarize(AuditEvent e) {
    String actor = e.actor().map(Text::quote).orElse(null);
    String by = actor != null ? " by " + actor : "";
    StringBuilder out = new StringBuilder(switch (e.type()) {
      case REQUESTED -> "requested" + by;
      case REQUEST_DENIED -> "request refused";
      case AUTO_APPROVED -> "approved automatically by the policy";
      case APPROVAL_RECORDED -> "approval recorded" + by;
      case APPROVED -> "approved" + by;
      case DENIAL_RECORDED -> "denial recorded" + by;
      case DENIED -> "denied" + by;
      case OPERATION_REFUSED -> "operation refused" + (actor != null ? " for " + actor : "");
      case WITHDRAWN -> "withdrawn" + by;
      case REQUEST_EXPIRED -> "request expired without a decision";
      case GRANTED -> "granted" + e.grantId().map(g -> " " + g.value()).orElse("") + by;
      case USED -> "used" + by;
      case USES -> "used " + e.count() + " more times";
      case CHECK_DENIED -> "check denied" + by;
      case CHECKS_DENIED -> e.count() + " more checks denied";
      case GRANT_EXPIRED -> "expired";
      case REVOKED -> "revoked" + by;
      case EXTENDED -> "extended" + by;
      case CONSUMED -> "last use consumed" + by;
      case REMINDER_SENT -> "approvers reminded";
      case ESCALATED -> "escalated";
      case GRANT_EXPIRING -> "expiring soon";
      case BREAK_GLASS -> "break-glass elevation" + by;
      case REVIEWED -> "reviewed" + by;
      case CLOCK_JUMPED -> "the wall clock jumped";
      case STORE_ANOMALY -> "the grant store went back to an older version";
      case TORN_TAIL_RECOVERED -> "the audit log's torn end was removed";
    });
    List<String> facts = new ArrayList<>();
    e.reason().ifPresent(r -> facts.add(r.name()));
    for (Map.Entry<String, String> d : e.details().entrySet()) {
      StringBuilder fact = new StringBuilder();
      Text.escapeInto(d.getKey(), fact);
      facts.add(fact.append('=').append(Text.quote(d.getValue())).toString());
    }
    if (!facts.isEmpty()) {
      out.append(" (").append(String.join(", ", facts)).append(')');
    }
    e.text().ifPresent(t -> out.append(": ").append(Text.quote(t)));
    return out.toString();
  }
}
