package dev.jitguard.test;

import dev.jitguard.GrantId;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads table {@code jitguard_audit_events} back with plain SQL, independently of the sink that wrote it. */
final class AuditRows {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private AuditRows() {}

  /**
   * Every recorded event, in the order recorded.
   *
   * @param ds where the table is
   * @return the events
   */
  static List<AuditEvent> read(DataSource ds) {
    List<AuditEvent> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_type, event_time, subject_id, privilege, request_id, grant_id, "
            + "actor, reason, user_text, policy_version, event_count, details FROM jitguard_audit_events "
            + "ORDER BY seq")) {
      while (rs.next()) {
        AuditEvent.Builder b = AuditEvent.builder(AuditEventType.valueOf(rs.getString(1)),
            Instant.ofEpochMilli(rs.getLong(2)));
        b.subject(rs.getString(3));
        if (rs.getString(4) != null) {
          b.privilege(Privilege.of(rs.getString(4)));
        }
        if (rs.getString(5) != null) {
          b.requestId(RequestId.of(rs.getString(5)));
        }
        if (rs.getString(6) != null) {
          b.grantId(GrantId.of(rs.getString(6)));
        }
        b.actor(rs.getString(7));
        if (rs.getString(8) != null) {
          b.reason(ReasonCode.valueOf(rs.getString(8)));
        }
        b.text(rs.getString(9));
        b.policyVersion(rs.getString(10));
        b.count(rs.getLong(11));
        for (Map.Entry<String, JsonNode> e : JSON.readTree(rs.getString(12)).properties()) {
          b.detail(e.getKey(), e.getValue().stringValue());
        }
        out.add(b.build());
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
