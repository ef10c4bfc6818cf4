package dev.jitguard.examples.walkthrough;

import dev.jitguard.Decision;
import dev.jitguard.ElevationRequest;
import dev.jitguard.ElevationRequiredException;
import dev.jitguard.OperationRefusedException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.ReasonCode;
import dev.jitguard.RequestId;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.policy.Policy;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.test.TestClock;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The main job for now: one real scenario, end to end, on the in-memory defaults.
 *
 * <p>Alice, a developer who is also a DBA, needs to write to the production database. She is denied with a message
 * that says how to get access, asks with a justification, cannot approve her own request, Bob approves, her call
 * succeeds, the grant expires 30 minutes later (a controllable clock moves time) and the call is denied again. The
 * audit trail of all of it is printed at the end.
 *
 * <p>Run it with {@code mvn -B -q -pl jit-examples -am compile exec:java}.
 */
public final class DbWriteWalkthrough {
  private DbWriteWalkthrough() {}

  /**
   * What happened, for the test that runs the walkthrough.
   *
   * @param deniedBefore reason of the denial before any request
   * @param requestOutcome the decision on the request
   * @param selfApproval reason of the refused self-approval
   * @param approval the decision after Bob's approval
   * @param repairsDone calls that ran
   * @param deniedAfterExpiry reason of the denial after expiry
   * @param auditTrail every audit event, in order
   */
  public record Result(ReasonCode deniedBefore, Decision requestOutcome, ReasonCode selfApproval, Decision approval,
      int repairsDone, ReasonCode deniedAfterExpiry, List<AuditEvent> auditTrail) {}

  /**
   * Runs the walkthrough and prints it.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(System.out);
  }

  /**
   * Runs the walkthrough.
   *
   * @param out where to print the story
   * @return what happened
   */
  public static Result run(PrintStream out) {
    // 1. The policy: developers may ask for db.prod.write; one DBA other than the requester must approve.
    Policy policy = Policy.builder()
        .version("walkthrough-1")
        .privilege("db.prod.write", rule -> rule
            .eligibleGroups("developers")
            .approverGroups("dba")
            .approvals(1)
            .requireJustification(20)
            .defaultDuration(Duration.ofMinutes(30))
            .maxDuration(Duration.ofHours(1))
            .pendingTtl(Duration.ofHours(4)))
        .build();

    TestClock clock = TestClock.at("2026-11-23T09:00:00Z");
    InMemoryAuditSink audit = new InMemoryAuditSink();
    List<ReasonCode> denials = new ArrayList<>();
    try (PrivilegeGuard guard = PrivilegeGuard.builder()
        .withPolicy(policy)
        .withAuditSink(audit)
        .withClock(clock)
        .withoutBackgroundMaintenance()
        .build()) {
      OrdersDatabase db = new OrdersDatabase(guard);
      Subject alice = Subject.of("alice", "developers", "dba");
      Subject bob = Subject.of("bob", "dba");

      out.println("== 09:00 Alice repairs order 4711 without elevation");
      denials.add(tryRepair(db, alice, out));

      out.println();
      out.println("== Alice asks for db.prod.write");
      Decision requested = guard.request(ElevationRequest.builder(alice, OrdersDatabase.DB_PROD_WRITE)
          .justification("INC-2041: order 4711 stuck in PAYING, fix its status row")
          .ticket("INC-2041")
          .duration(Duration.ofMinutes(30))
          .build());
      out.println("   " + requested.outcome() + ": " + requested.message());
      out.println("   hint: " + requested.hint());
      RequestId requestId = ((Decision.Pending) requested).request().id();

      out.println();
      out.println("== Alice, also a DBA, tries to approve her own request");
      ReasonCode selfApproval;
      try {
        guard.approve(requestId, alice, "looks fine to me");
        throw new IllegalStateException("self-approval must be refused");
      } catch (OperationRefusedException e) {
        selfApproval = e.reason();
        out.println("   refused " + e.reason() + ": " + e.getMessage());
      }

      out.println();
      out.println("== 09:05 Bob approves");
      clock.advance(Duration.ofMinutes(5));
      Decision approved = guard.approve(requestId, bob, "ok, INC-2041 checked");
      out.println("   " + approved.outcome() + ": " + approved.message());

      out.println();
      out.println("== Alice repairs order 4711 again");
      out.println("   " + db.repairOrder(alice, "4711"));
      out.println("   " + db.repairOrder(alice, "4712"));

      out.println();
      out.println("== 09:36 thirty-one minutes later");
      clock.advance(Duration.ofMinutes(31));
      denials.add(tryRepair(db, alice, out));

      guard.runMaintenance(); // what the guard's own thread does every few seconds: expiry events, use counts
      out.println();
      out.println("== The audit trail");
      for (AuditEvent e : audit.events()) {
        out.println("   " + e);
      }
      return new Result(denials.get(0), requested, selfApproval, approved, db.repairs(), denials.get(1),
          audit.events());
    }
  }

  private static ReasonCode tryRepair(OrdersDatabase db, Subject who, PrintStream out) {
    try {
      out.println("   " + db.repairOrder(who, "4711"));
      return ReasonCode.GRANTED;
    } catch (ElevationRequiredException e) {
      out.println("   denied " + e.reason() + ": " + e.decision().message());
      out.println("   hint: " + e.decision().hint());
      return e.reason();
    }
  }
}
