package dev.jitguard.spring.actuate;

import dev.jitguard.Grant;
import dev.jitguard.GrantId;
import dev.jitguard.GrantStatus;
import dev.jitguard.InvalidInputException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestRecord;
import dev.jitguard.Subject;
import dev.jitguard.spi.GrantStore;
import dev.jitguard.spring.SubjectResolver;
import dev.jitguard.spring.aop.ElevationBeanVerifier;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code jitguard} actuator endpoint.
 *
 * <ul>
 *   <li>Read ({@code GET /actuator/jitguard}): pending requests, active grants (from the grant store) and the
 *       inventory of guarded methods by privilege.</li>
 *   <li>Write ({@code POST /actuator/jitguard/{grantId}} with {@code {"reason": "..."}}): revokes a grant, as the
 *       authenticated caller; the guard decides whether that caller may (an administrator, an approver of the
 *       privilege, or the holder). Off by default: the endpoint's default access is read-only; allow it with
 *       {@code management.endpoint.jitguard.access=unrestricted}.</li>
 * </ul>
 *
 * Expose it like any endpoint, for example {@code management.endpoints.web.exposure.include=health,jitguard}, and
 * protect the management paths in the application's security configuration.
 */
@Endpoint(id = "jitguard", defaultAccess = Access.READ_ONLY)
public class JitGuardEndpoint {
  private final PrivilegeGuard guard;
  private final GrantStore store;
  private final SubjectResolver subjects;
  private final Clock clock;
  private final @Nullable ElevationBeanVerifier verifier;

  /**
   * Creates the endpoint.
   *
   * @param guard the guard (revocation)
   * @param store the store the guard uses (listings)
   * @param subjects who is calling
   * @param clock the guard's clock
   * @param verifier the start-up verifier, for the inventory of guarded methods, or null
   */
  public JitGuardEndpoint(PrivilegeGuard guard, GrantStore store, SubjectResolver subjects, Clock clock,
      @Nullable ElevationBeanVerifier verifier) {
    this.guard = Objects.requireNonNull(guard, "guard cannot be null");
    this.store = Objects.requireNonNull(store, "store cannot be null");
    this.subjects = Objects.requireNonNull(subjects, "subjects cannot be null");
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    this.verifier = verifier;
  }

  /**
   * Pending requests, active grants and guarded methods.
   *
   * @return the state
   */
  @ReadOperation
  public Map<String, Object> state() {
    Instant now = clock.instant();
    List<Map<String, Object>> pending = new ArrayList<>();
    for (RequestRecord r : store.pendingRequests()) {
      if (now.isBefore(r.expiresAt())) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().value());
        m.put("privilege", r.privilege().name());
        m.put("requester", r.requesterId());
        m.put("createdAt", r.createdAt().toString());
        m.put("expiresAt", r.expiresAt().toString());
        m.put("approvals", r.approvals().size());
        m.put("approvalsRequired", r.approvalsRequired());
        pending.add(m);
      }
    }
    List<Map<String, Object>> active = new ArrayList<>();
    for (Grant g : store.liveGrants()) {
      GrantStatus status = g.statusAt(now);
      if (status == GrantStatus.ACTIVE || status == GrantStatus.SCHEDULED) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", g.id().value());
        m.put("subject", g.subjectId());
        m.put("privilege", g.privilege().name());
        m.put("status", status.name());
        m.put("notBefore", g.notBefore().toString());
        m.put("expiresAt", g.expiresAt().toString());
        if (g.isMetered()) {
          m.put("amountLimit", g.amountLimit().orElseThrow().toPlainString());
          m.put("amountLeft", g.amountLeft().orElseThrow().toPlainString());
        }
        m.put("approvers", g.approvers());
        active.add(m);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pendingRequests", pending);
    out.put("activeGrants", active);
    if (verifier != null) {
      out.put("guardedMethods", verifier.inventory());
    }
    return out;
  }

  /**
   * Revokes a grant as the authenticated caller.
   *
   * @param grantId the grant
   * @param reason why (optional)
   * @return the revoked grant
   */
  @WriteOperation
  public Map<String, Object> revoke(@Selector String grantId, @Nullable String reason) {
    Subject actor = subjects.currentSubject();
    if (actor == null) {
      throw new InvalidEndpointRequestException("no authenticated subject: revocation needs to know who revokes",
          "Not authenticated");
    }
    try {
      Grant g = guard.revoke(GrantId.of(grantId), actor, reason == null ? "" : reason);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", g.id().value());
      m.put("privilege", g.privilege().name());
      m.put("subject", g.subjectId());
      m.put("status", g.statusAt(clock.instant()).name());
      return m;
    } catch (InvalidInputException | OperationRefusedException e) {
      throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage());
    }
  }
}
