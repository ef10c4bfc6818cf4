package dev.jitguard.event;

import dev.jitguard.internal.util.Text;
import java.util.Map;

/** Renders an event as one line of {@code key=value} pairs; every string value is quoted and escaped. */
final class AuditLine {
  private AuditLine() {}

  static String render(AuditEvent e) {
    StringBuilder out = new StringBuilder(160);
    out.append("type=").append(e.type().name()).append(" time=").append(e.time());
    e.subject().ifPresent(v -> quoted(out, "subject", v));
    e.privilege().ifPresent(v -> out.append(" privilege=").append(v.name()));
    e.requestId().ifPresent(v -> out.append(" request=").append(v.value()));
    e.grantId().ifPresent(v -> out.append(" grant=").append(v.value()));
    e.actor().ifPresent(v -> quoted(out, "actor", v));
    e.reason().ifPresent(v -> out.append(" reason=").append(v.name()));
    if (e.count() != 1 || e.type() == AuditEventType.USES || e.type() == AuditEventType.CHECKS_DENIED) {
      out.append(" count=").append(e.count());
    }
    e.policyVersion().ifPresent(v -> quoted(out, "policy", v));
    for (Map.Entry<String, String> d : e.details().entrySet()) {
      quoted(out, d.getKey(), d.getValue());
    }
    e.text().ifPresent(v -> quoted(out, "text", v));
    return out.toString();
  }

  private static void quoted(StringBuilder out, String key, String value) {
    out.append(' ');
    Text.escapeInto(key, out);
    out.append("=\"");
    Text.escapeInto(value, out);
    out.append('"');
  }
}
