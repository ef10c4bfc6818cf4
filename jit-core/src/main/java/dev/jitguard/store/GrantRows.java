package dev.jitguard.store;

import dev.jitguard.ElevationRequest;
import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.Privilege;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import dev.jitguard.internal.jdbc.JsonColumns;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Maps requests and grants to the column values of their rows ({@link GrantTables} order) and reads them back,
 * checking every column.
 */
final class GrantRows {
  private GrantRows() {}

  /** A request's column values, in {@link GrantTables#REQUEST_COLUMNS} order. */
  static Object[] requestValues(RequestRecord r) {
    ElevationRequest q = r.request();
    return new Object[] {
        r.id().value(),
        q.subject().id(),
        JsonColumns.strings(q.subject().groups()),
        JsonColumns.stringMap(q.subject().attributes()),
        q.privilege().name(),
        q.justification(),
        stringOrNull(q.ticket().orElse(null)),
        stringOrNull(q.duration().map(Duration::toString).orElse(null)),
        millisOrNull(q.startAt().orElse(null)),
        q.uses().isPresent() ? (Object) q.uses().getAsInt() : new SqlNull(Types.INTEGER),
        amountOrNull(q.amountLimit().orElse(null)),
        stringOrNull(q.action().map(ActionBinding::action).orElse(null)),
        stringOrNull(q.action().map(ActionBinding::argumentDigest).orElse(null)),
        stringOrNull(q.action().map(ActionBinding::preview).orElse(null)),
        r.status().name(),
        r.createdAt().toEpochMilli(),
        r.expiresAt().toEpochMilli(),
        r.approvalsRequired(),
        JsonColumns.strings(r.approverGroups()),
        JsonColumns.approvals(r.approvals()),
        JsonColumns.approvals(r.denials()),
        millisOrNull(r.remindedAt().orElse(null)),
        millisOrNull(r.escalatedAt().orElse(null)),
        r.isBreakGlass(),
        millisOrNull(r.reviewedAt().orElse(null)),
        stringOrNull(r.reviewedBy().orElse(null)),
        stringOrNull(r.reviewComment().orElse(null)),
        millisOrNull(r.decidedAt().orElse(null)),
        stringOrNull(r.decidedBy().orElse(null)),
        stringOrNull(r.decisionReason().map(ReasonCode::name).orElse(null)),
        stringOrNull(r.decisionComment().orElse(null)),
        stringOrNull(r.grantId().map(GrantId::value).orElse(null)),
        r.policyVersion(),
        r.version()};
  }

  /** A grant's column values, in {@link GrantTables#GRANT_COLUMNS} order. */
  static Object[] grantValues(Grant g) {
    return new Object[] {
        g.id().value(),
        g.requestId().value(),
        g.subjectId(),
        g.privilege().name(),
        g.storedStatus().name(),
        g.issuedAt().toEpochMilli(),
        g.notBefore().toEpochMilli(),
        g.expiresAt().toEpochMilli(),
        g.capExpiresAt().toEpochMilli(),
        g.usesGranted().orElse(0),
        g.usesLeft().orElse(0),
        amountOrNull(g.amountLimit().orElse(null)),
        amountOrNull(g.amountUsed().orElse(null)),
        stringOrNull(g.action().orElse(null)),
        stringOrNull(g.argumentDigest().orElse(null)),
        JsonColumns.strings(g.approvers()),
        millisOrNull(g.endedAt().orElse(null)),
        stringOrNull(g.endedBy().orElse(null)),
        stringOrNull(g.endReason().orElse(null)),
        g.policyVersion(),
        g.version()};
  }

  private static Object millisOrNull(@Nullable Instant at) {
    return at == null ? new SqlNull(Types.BIGINT) : (Object) at.toEpochMilli();
  }

  private static Object stringOrNull(@Nullable String s) {
    return s == null ? new SqlNull(Types.VARCHAR) : s;
  }

  /**
   * An amount as text that {@code new BigDecimal(text)} reads back equal, scale included ({@code 250.00} stays
   * {@code 250.00}): the plain decimal, or for a negative scale ({@code 1E+3}) the scientific form, whose plain
   * decimal would come back with scale 0.
   */
  private static Object amountOrNull(@Nullable BigDecimal amount) {
    if (amount == null) {
      return new SqlNull(Types.VARCHAR);
    }
    return amount.scale() < 0 ? amount.toString() : amount.toPlainString();
  }

  /** A SQL NULL of a column type ({@link Types}). */
  private record SqlNull(int type) {}

  /** Binds values to parameters from {@code first} on; returns the next parameter index. */
  static int bind(PreparedStatement ps, int first, Object[] values) throws SQLException {
    int i = first;
    for (Object v : values) {
      if (v instanceof SqlNull n) {
        ps.setNull(i, n.type());
      } else if (v instanceof String s) {
        ps.setString(i, s);
      } else if (v instanceof Long l) {
        ps.setLong(i, l);
      } else if (v instanceof Integer n) {
        ps.setInt(i, n);
      } else if (v instanceof Boolean b) {
        ps.setBoolean(i, b);
      } else {
        throw new IllegalStateException("cannot bind " + v.getClass());
      }
      i++;
    }
    return i;
  }

  /**
   * The request in the current row of a select of {@link GrantTables#REQUEST_COLUMNS}.
   *
   * @throws CorruptRowException if a column is missing, malformed or rejected by the domain types
   * @throws SQLException if the driver fails (the connection, not the row)
   */
  static RequestRecord readRequest(ResultSet rs) throws SQLException, CorruptRowException {
    ResultRow row = new ResultRow(rs, "jitguard_requests", GrantTables.REQUEST_INDEX);
    try {
      RequestId id = RequestId.of(row.string("id"));
      Subject.Builder subject = Subject.builder(row.string("subject_id"))
          .groups(JsonColumns.readStrings(row.string("subject_groups"), "subject_groups"));
      for (Map.Entry<String, String> e
          : JsonColumns.readStringMap(row.string("subject_attributes"), "subject_attributes").entrySet()) {
        subject.attribute(e.getKey(), e.getValue());
      }
      ElevationRequest.Builder q = ElevationRequest.builder(subject.build(), Privilege.of(row.string("privilege")));
      String justification = row.string("justification");
      if (!justification.isEmpty()) {
        q.justification(justification);
      }
      String ticket = row.optionalString("ticket");
      if (ticket != null) {
        q.ticket(ticket);
      }
      String duration = row.optionalString("duration");
      if (duration != null) {
        q.duration(row.duration(duration, "duration"));
      }
      Instant startAt = row.optionalInstant("start_at");
      if (startAt != null) {
        q.startAt(startAt);
      }
      Integer uses = row.optionalInt("uses");
      if (uses != null) {
        q.uses(uses);
      }
      BigDecimal amountLimit = row.optionalAmount("amount_limit");
      if (amountLimit != null) {
        q.amountLimit(amountLimit);
      }
      String actionName = row.optionalString("action_name");
      String actionDigest = row.optionalString("action_digest");
      String actionPreview = row.optionalString("action_preview");
      if (actionName != null || actionDigest != null || actionPreview != null) {
        if (actionName == null || actionDigest == null || actionPreview == null) {
          throw new IllegalArgumentException("columns action_name, action_digest and action_preview must be all "
              + "set or all NULL");
        }
        q.action(new ActionBinding(actionName, actionDigest, actionPreview));
      }
      RequestRecord.Builder b = RequestRecord.builder(id, q.build())
          .status(row.enumValue(RequestStatus.class, "status"))
          .createdAt(row.instant("created_at"))
          .expiresAt(row.instant("expires_at"))
          .approvalsRequired(row.integer("approvals_required"))
          .approverGroups(Set.copyOf(JsonColumns.readStrings(row.string("approver_groups"), "approver_groups")))
          .approvals(JsonColumns.readApprovals(row.string("approvals"), "approvals"))
          .denials(JsonColumns.readApprovals(row.string("denials"), "denials"));
      Instant remindedAt = row.optionalInstant("reminded_at");
      if (remindedAt != null) {
        b.remindedAt(remindedAt);
      }
      Instant escalatedAt = row.optionalInstant("escalated_at");
      if (escalatedAt != null) {
        b.escalatedAt(escalatedAt);
      }
      b.breakGlass(row.bool("break_glass"));
      Instant reviewedAt = row.optionalInstant("reviewed_at");
      if (reviewedAt != null) {
        b.review(reviewedAt, row.string("reviewed_by"), row.string("review_comment"));
      }
      Instant decidedAt = row.optionalInstant("decided_at");
      if (decidedAt != null) {
        b.decision(decidedAt, row.string("decided_by"), row.enumValue(ReasonCode.class, "decision_reason"),
            row.optionalString("decision_comment"));
      }
      String grantId = row.optionalString("grant_id");
      if (grantId != null) {
        b.grantId(GrantId.of(grantId));
      }
      return b.policyVersion(row.string("policy_version")).version(row.longValue("version")).build();
    } catch (RuntimeException e) {
      throw row.corrupt(e);
    }
  }

  /**
   * The grant in the current row of a select of {@link GrantTables#GRANT_COLUMNS}.
   *
   * @throws CorruptRowException if a column is missing, malformed or rejected by the domain types
   * @throws SQLException if the driver fails (the connection, not the row)
   */
  static Grant readGrant(ResultSet rs) throws SQLException, CorruptRowException {
    ResultRow row = new ResultRow(rs, "jitguard_grants", GrantTables.GRANT_INDEX);
    try {
      Grant.Builder b = Grant.builder(GrantId.of(row.string("id")), RequestId.of(row.string("request_id")))
          .subjectId(Subject.canonicalId(row.string("subject_id")))
          .privilege(Privilege.of(row.string("privilege")))
          .status(row.enumValue(GrantStatus.class, "status"))
          .issuedAt(row.instant("issued_at"))
          .validity(row.instant("not_before"), row.instant("expires_at"), row.instant("cap_expires_at"))
          .uses(row.integer("uses_granted"), row.integer("uses_left"));
      BigDecimal amountLimit = row.optionalAmount("amount_limit");
      BigDecimal amountUsed = row.optionalAmount("amount_used");
      if ((amountLimit == null) != (amountUsed == null)) {
        throw new IllegalArgumentException("columns amount_limit and amount_used must be both set or both NULL");
      }
      b.amount(amountLimit, amountUsed); // the builder checks them as for any grant: limit positive, used within it
      String actionName = row.optionalString("action_name");
      String actionDigest = row.optionalString("action_digest");
      if (actionName != null || actionDigest != null) {
        if (actionName == null || actionDigest == null) {
          throw new IllegalArgumentException("columns action_name and action_digest must be both set or both NULL");
        }
        b.action(actionName, actionDigest);
      }
      return b.approvers(JsonColumns.readStrings(row.string("approvers"), "approvers"))
          .ended(row.optionalInstant("ended_at"), row.optionalString("ended_by"), row.optionalString("end_reason"))
          .policyVersion(row.string("policy_version"))
          .version(row.longValue("version"))
          .build();
    } catch (RuntimeException e) {
      throw row.corrupt(e);
    }
  }
}
