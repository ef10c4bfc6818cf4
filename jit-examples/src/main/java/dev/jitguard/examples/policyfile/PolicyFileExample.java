package dev.jitguard.examples.policyfile;

import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.DryRun;
import dev.jitguard.ElevationRequest;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.policy.InMemoryOnCallSource;
import dev.jitguard.policy.Policy;
import dev.jitguard.policy.PolicyDocuments;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.OnCallSource;
import dev.jitguard.test.TestClock;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads the example policy document ({@code jitguard-policy.yaml} on the classpath) and asks the guard, with dry
 * runs, what it would do for a few people: who is eligible, who is denied and by which rule, what is auto-approved,
 * who must approve. The document auto-approves whoever is on call, so it loads with an {@link OnCallSource}: here
 * {@link #onCallRota()}, a fixed rota in memory.
 *
 * <p>Run it with {@code mvn -B -q -pl jit-examples -am compile exec:java
 * -Dexec.mainClass=dev.jitguard.examples.policyfile.PolicyFileExample}.
 */
public final class PolicyFileExample {
  private PolicyFileExample() {}

  /**
   * Prints the dry runs.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(System.out);
  }

  /**
   * The example's on-call rota: paul is the payments engineer on call ({@code payments-primary}, auto-approved for
   * {@code payments.settlement-rerun}), bob the payments lead on call ({@code payments-leads-oncall}, suggested as
   * approver). A real application asks PagerDuty, Opsgenie or its own rota instead.
   *
   * @return a new rota
   */
  public static InMemoryOnCallSource onCallRota() {
    return new InMemoryOnCallSource()
        .set("payments-primary", "paul")
        .set("payments-leads-oncall", "bob");
  }

  /**
   * Loads {@code jitguard-policy.yaml} from the classpath.
   *
   * @param onCall who is on call, for the document's {@code onCall} auto-approval
   * @return the policy
   */
  public static Policy loadPolicy(OnCallSource onCall) {
    return PolicyDocuments.loader().withOnCallSource(onCall).loadResource("jitguard-policy.yaml");
  }

  /**
   * Loads the policy and prints a dry run per case.
   *
   * @param out where to print
   * @return the dry runs, by case name
   */
  public static Map<String, DryRun> run(PrintStream out) {
    InMemoryOnCallSource rota = onCallRota();
    Policy policy = loadPolicy(rota);
    out.println("Loaded policy version " + policy.version() + " with rules " + policy.rules().keySet());
    // A Tuesday, 10:00 in Berlin: inside the business-hours auto-approval window.
    TestClock clock = TestClock.at("2026-11-24T09:00:00Z");
    Map<String, DryRun> results = new LinkedHashMap<>();
    try (PrivilegeGuard guard = PrivilegeGuard.builder().withPolicy(policy).withClock(clock)
        .withAuditSink(new InMemoryAuditSink()).withOnCallSource(rota).withoutBackgroundMaintenance().build()) {
      Subject agent = Subject.builder("alice").groups("support").attribute("department", "payments").build();
      Subject contractor = Subject.builder("ivan").groups("support").attribute("department", "payments")
          .attribute("employment", "contractor").build();
      Subject onCall = Subject.builder("olga").groups("support", "payments-oncall")
          .attribute("department", "payments").build();
      Subject intern = Subject.of("ian", "finance", "interns");
      Subject developer = Subject.of("dev", "developers");
      Subject engineerOnCall = Subject.of("paul", "payments-engineers");
      Subject engineer = Subject.of("quinn", "payments-engineers");
      Subject treasurer = Subject.of("tara");
      Subject analyst = Subject.of("rick", "risk-analysts");

      results.put("agent asks for a refund", guard.dryRun(refund(agent)));
      results.put("contractor asks for a refund", guard.dryRun(refund(contractor)));
      results.put("on-call engineer in business hours", guard.dryRun(refund(onCall)));
      results.put("intern asks for payments.export", guard.dryRun(ElevationRequest.builder(intern,
          "payments.export").justification("quarterly export for the auditors").build()));
      results.put("agent asks to erase a customer", guard.dryRun(ElevationRequest.builder(agent,
          "customers.erase").justification("GDPR erasure request PAY-2211 verified by phone").build()));
      results.put("developer reads logs", guard.dryRun(ElevationRequest.builder(developer, "logs.read").build()));
      results.put("on-call engineer reruns a settlement", guard.dryRun(rerun(engineerOnCall)));
      results.put("engineer not on call reruns a settlement", guard.dryRun(rerun(engineer)));
      results.put("treasurer reruns a settlement", guard.dryRun(rerun(treasurer)));
      results.put("agent reruns a settlement", guard.dryRun(rerun(agent)));
      results.put("analyst releases held payouts", guard.dryRun(ElevationRequest.builder(analyst,
          "merchants.release-payouts").justification("merchant 8812 passed the KYC review, ticket RISK-77").build()));
    }
    results.forEach((name, d) -> {
      out.println();
      out.println("== " + name);
      out.println("   " + d.wouldBe() + " " + d.reason() + ": " + d.message());
      if (!d.hint().isEmpty()) {
        out.println("   hint: " + d.hint());
      }
    });
    return results;
  }

  private static ElevationRequest refund(Subject who) {
    return ElevationRequest.builder(who, "payments.refund")
        .justification("PAY-1042: customer charged twice for order 4711")
        .ticket("PAY-1042")
        .duration(Duration.ofMinutes(20))
        .build();
  }

  private static ElevationRequest rerun(Subject who) {
    return ElevationRequest.builder(who, "payments.settlement-rerun")
        .justification("settlement batch 2026-11-23 failed at the acquirer")
        .build();
  }
}
